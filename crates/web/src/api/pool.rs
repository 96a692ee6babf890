//! `/api/v1` for the provider pool and the catalogue: applications, lifecycle transitions,
//! expert reviews, objections, sub-industries, solutions, matching, contact requests and demand.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dengta_domain::money::Fen;
use serde::Deserialize;
use serde_json::json;

use super::v1::{ListQuery, paged};
use crate::app::catalogue::{self as cat, SearchQuery, SolutionInput};
use crate::app::objections::ObjectionForm;
use crate::app::providers::{self as pool, Application, ProviderFile, Step};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

fn file_json(f: &ProviderFile, with_sheets: bool) -> serde_json::Value {
    json!({
        "provider": f.provider,
        "state": f.state,
        "state_label": f.state.label_zh(),
        "sub_industries": f.sub_industries,
        "events": f.events,
        "outcomes": {
            "decided": f.outcomes.decided, "accepted": f.outcomes.accepted, "rejected": f.outcomes.rejected,
            "returned": f.outcomes.returned, "pass_rate_pct": f.outcomes.pass_rate(),
            "avg_days_to_acceptance": f.outcomes.avg_days(),
        },
        "reviews": f.reviews.iter().map(|(r, a)| json!({
            "review": r,
            "sheets": if with_sheets { json!(a) } else { json!([]) },
        })).collect::<Vec<_>>(),
        "objections": f.objections,
    })
}

pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Application>, JsonRejection>,
) -> Result<Response, HttpError> {
    let a = super::json_body(b)?;
    let id = pool::apply(&app, &a, &ctx.request_id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "state": "applied" }))).into_response())
}

pub async fn provider(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let f = pool::file(&app, ctx.principal()?, id).await?;
    Ok(Json(file_json(&f, ctx.principal()?.role == dengta_domain::role::Role::Officer)).into_response())
}

pub async fn public_provider(State(app): State<App>, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let f = pool::public_file(&app, id).await?;
    Ok(Json(file_json(&f, false)).into_response())
}

pub async fn public_providers(State(app): State<App>, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let rows = pool::public_list(&app, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(json!({
        "pool": paged(rows, q.limit(), |p| p.id.to_string()),
        "publicised": pool::publicised(&app).await?,
    }))
    .into_response())
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = pool::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(json!({ "id": id, "state": to, "state_label": to.label_zh() })).into_response())
}

#[derive(Deserialize)]
pub struct Experts {
    #[serde(default)]
    experts: Vec<i64>,
}

pub async fn start_evaluation(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Experts>, JsonRejection>,
) -> Result<Response, HttpError> {
    let e = super::json_body(b)?;
    let rid = pool::start_evaluation(&app, &ctx.actor(), id, &e.experts).await?;
    Ok((StatusCode::CREATED, Json(json!({ "review_id": rid }))).into_response())
}

pub async fn finish_review(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let r = pool::finish_review(&app, &ctx.actor(), id).await?;
    Ok(Json(r).into_response())
}

pub async fn object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionForm>, JsonRejection>,
) -> Result<Response, HttpError> {
    let f = super::json_body(b)?;
    let oid = pool::object(&app, &ctx.actor(), id, &f).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": oid, "status": "open" }))).into_response())
}

#[derive(Deserialize)]
pub struct ObjectionDecision {
    #[serde(default)]
    objection_id: i64,
    #[serde(default)]
    uphold: bool,
    #[serde(default)]
    reason: String,
}

pub async fn resolve_objection(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionDecision>, JsonRejection>,
) -> Result<Response, HttpError> {
    let d = super::json_body(b)?;
    let belongs = pool::objection_against(&app, id, d.objection_id).await?;
    if !belongs {
        return Err(AppError::NotFound.into());
    }
    pool::resolve_objection(&app, &ctx.actor(), d.objection_id, d.uphold, &d.reason).await?;
    Ok(Json(json!({ "objection_id": d.objection_id, "status": if d.uphold { "upheld" } else { "dismissed" } }))
        .into_response())
}

pub async fn rubric() -> Result<Response, HttpError> {
    let r = pool::rubric()?;
    Ok(Json(json!({
        "id": r.id(), "version": r.version(), "name": r.name(), "source": r.source(), "total": r.total(),
        "min_experts": r.min_experts(), "pass_score": r.pass_score(),
        "dimensions": r.dimensions().iter().map(|d| json!({
            "id": d.id, "name": d.name, "max": d.max,
            "criteria": d.criteria.iter().map(|c| json!({"id": c.id, "name": c.name, "max": c.max, "guide": c.guide})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

pub async fn sheets(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let rows = pool::my_sheets(&app, ctx.principal()?).await?;
    let items: Vec<_> = rows
        .iter()
        .map(|(a, p, r)| json!({ "id": a.id, "conflict": a.conflict, "total": a.total, "submitted_at": a.submitted_at,
            "review": { "id": r.id, "purpose": r.purpose, "status": r.status }, "provider": { "id": p.id, "name": p.name, "kind": p.kind } }))
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

#[derive(Deserialize)]
pub struct Declaration {
    #[serde(default)]
    conflict: bool,
    #[serde(default)]
    note: String,
}

pub async fn declare(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Declaration>, JsonRejection>,
) -> Result<Response, HttpError> {
    let d = super::json_body(b)?;
    pool::declare(&app, &ctx.actor(), id, d.conflict, &d.note).await?;
    Ok(Json(json!({ "id": id, "conflict": if d.conflict { "declared" } else { "none" } })).into_response())
}

#[derive(Deserialize)]
pub struct Scores {
    #[serde(default)]
    scores: BTreeMap<String, u32>,
}

pub async fn score(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Scores>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let total = pool::score(&app, &ctx.actor(), id, &s.scores).await?;
    Ok(Json(json!({ "id": id, "total": total })).into_response())
}

pub async fn sub_industries(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(json!({ "items": pool::sub_industries_in_scope(&app, ctx.principal()?).await? })).into_response())
}

#[derive(Deserialize)]
pub struct NewSubIndustry {
    #[serde(default)]
    name: String,
    #[serde(default)]
    codes: Vec<String>,
}

pub async fn add_sub_industry(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewSubIndustry>, JsonRejection>,
) -> Result<Response, HttpError> {
    let n = super::json_body(b)?;
    let id = pool::add_sub_industry(&app, &ctx.actor(), &n.name, &n.codes.join(" ")).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

// ---- catalogue -------------------------------------------------------------------------------

pub async fn search(
    State(app): State<App>,
    Query(q): Query<SearchQuery>,
    Query(l): Query<ListQuery>,
) -> Result<Response, HttpError> {
    let (rows, next) = cat::search(&app, &q, l.limit()).await?;
    Ok(Json(json!({ "items": rows, "next_after": next.map(|n| n.to_string()) })).into_response())
}

pub async fn create_solution(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<SolutionInput>, JsonRejection>,
) -> Result<Response, HttpError> {
    let f = super::json_body(b)?;
    let id = cat::create(&app, &ctx.actor(), &f).await?;
    let (s, items) = cat::get(&app, ctx.principal()?, id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "solution": s, "items": items }))).into_response())
}

pub async fn solution(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let (s, items) = cat::get(&app, ctx.principal()?, id).await?;
    Ok(Json(json!({ "solution": s, "items": items })).into_response())
}

#[derive(Deserialize)]
pub struct SolutionUpdate {
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    input: SolutionInput,
}

pub async fn update_solution(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<SolutionUpdate>, JsonRejection>,
) -> Result<Response, HttpError> {
    let u = super::json_body(b)?;
    cat::update(&app, &ctx.actor(), id, u.version, &u.input).await?;
    let (s, items) = cat::get(&app, ctx.principal()?, id).await?;
    Ok(Json(json!({ "solution": s, "items": items })).into_response())
}

#[derive(Deserialize)]
pub struct SolutionStep {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn solution_transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<SolutionStep>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = cat::decide(&app, &ctx.actor(), id, &s.action, &s.note).await?;
    Ok(Json(json!({ "id": id, "status": to })).into_response())
}

#[derive(Deserialize, Default)]
pub struct MatchQuery {
    /// Yuan.
    budget: Option<String>,
    limit: Option<usize>,
}

pub async fn matches(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MatchQuery>,
) -> Result<Response, HttpError> {
    let budget = match q.budget.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => Some(Fen::parse_yuan(b).map_err(|e| AppError::invalid("error.budget", e.to_string()))?),
        None => None,
    };
    if budget.is_some_and(|b| b.0 <= 0) {
        return Err(AppError::invalid("error.budget", q.budget.unwrap_or_default()).into());
    }
    let m = cat::matches(&app, ctx.principal()?, id, budget, q.limit.unwrap_or(20).clamp(1, 100)).await?;
    Ok(Json(m).into_response())
}

pub async fn contacts(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(json!({ "items": cat::contacts(&app, &ctx.actor()).await? })).into_response())
}

#[derive(Deserialize)]
pub struct NewContact {
    #[serde(default)]
    provider_id: i64,
    #[serde(default)]
    solution_id: Option<i64>,
    #[serde(default)]
    message: String,
}

pub async fn request_contact(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewContact>, JsonRejection>,
) -> Result<Response, HttpError> {
    let n = super::json_body(b)?;
    let id = cat::request_contact(&app, &ctx.actor(), n.provider_id, n.solution_id, &n.message).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "consented": false }))).into_response())
}

#[derive(Deserialize)]
pub struct Consent {
    #[serde(default)]
    give: bool,
}

pub async fn consent(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Consent>, JsonRejection>,
) -> Result<Response, HttpError> {
    let c = super::json_body(b)?;
    cat::consent(&app, &ctx.actor(), id, c.give).await?;
    Ok(Json(json!({ "id": id, "consented": c.give })).into_response())
}

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    region: Option<String>,
}

pub async fn demand(State(app): State<App>, ctx: Ctx, Query(q): Query<RegionQuery>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let region = q.region.unwrap_or_else(|| p.region.to_string());
    let (rows, subs) = cat::demand(&app, p, &region).await?;
    Ok(Json(json!({ "region": region, "suppressed_below": cat::SUPPRESS_BELOW, "by_division": rows, "by_sub_industry": subs })).into_response())
}
