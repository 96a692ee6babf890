//! `/api/v1` for the solution catalogue: search, solutions and their steps, explained matches,
//! contact requests with consent, demand by region.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dengta_domain::money::Fen;
use serde::Deserialize;
use serde_json::json;

use super::v1::ListQuery;
use crate::app::catalogue::{self as cat, SearchQuery, SolutionInput};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

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

#[derive(Deserialize, schemars::JsonSchema)]
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

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SolutionStep {
    #[schemars(schema_with = "dengta_domain::schema::solution_action")]
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

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct MatchQuery {
    /// Yuan.
    #[schemars(schema_with = "dengta_domain::schema::yuan")]
    budget: Option<String>,
    #[schemars(range(min = 1))]
    limit: Option<usize>,
}

pub async fn matches(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MatchQuery>,
) -> Result<Json<cat::Matches>, HttpError> {
    let budget = match q.budget.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => Some(Fen::parse_yuan(b).map_err(|e| AppError::invalid("error.budget", e.to_string()))?),
        None => None,
    };
    if budget.is_some_and(|b| b.0 < 0) {
        return Err(AppError::invalid("error.budget", q.budget.unwrap_or_default()).into());
    }
    let m = cat::matches(&app, ctx.principal()?, id, budget, q.limit.unwrap_or(20).clamp(1, 100)).await?;
    Ok(Json(m))
}

pub async fn contacts(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(json!({ "items": cat::contacts(&app, &ctx.actor()).await? })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
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

#[derive(Deserialize, schemars::JsonSchema)]
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

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct RegionQuery {
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region: Option<String>,
}

pub async fn demand(State(app): State<App>, ctx: Ctx, Query(q): Query<RegionQuery>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let region = q.region.unwrap_or_else(|| p.region.to_string());
    let (rows, subs) = cat::demand(&app, p, &region).await?;
    Ok(Json(json!({ "region": region, "suppressed_below": cat::SUPPRESS_BELOW, "by_division": rows, "by_sub_industry": subs })).into_response())
}
