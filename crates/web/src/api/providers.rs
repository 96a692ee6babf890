//! `/api/v1` for the provider pool (服务商资源池): applications, review, experts' sheets and
//! scores, 公示 objections, sub-industries.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::v1::{ListQuery, paged};
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

#[derive(Deserialize, schemars::JsonSchema)]
pub struct Experts {
    /// The experts' user ids: at least as many as the rubric asks for.
    #[serde(default)]
    #[schemars(schema_with = "experts_schema")]
    experts: Vec<i64>,
}

/// As many distinct experts as the published rubric needs.
fn experts_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let min = pool::rubric().map_or(1, |r| r.min_experts());
    schemars::json_schema!({ "type": "array", "items": { "type": "integer", "format": "int64" }, "minItems": min, "uniqueItems": true })
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

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ProviderObjectionDecision")]
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

#[derive(Deserialize, schemars::JsonSchema)]
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

#[derive(Deserialize, schemars::JsonSchema)]
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

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewSubIndustry {
    /// The name, at most 50 characters (spaces around it do not count).
    #[serde(default)]
    #[schemars(length(min = 1, max = 50), regex(pattern = r"\S"))]
    name: String,
    /// The GB/T 4754 codes it covers.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::industry_codes")]
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
