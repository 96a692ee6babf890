//! `/api/v1` for the solution catalogue: search, solutions and their steps, explained matches,
//! contact requests with consent, demand by region.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use dengta_domain::money::Fen;
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::{Items, ListQuery, Page};
use crate::app::catalogue::{self as cat, ContactView, DemandRow, SearchQuery, SolutionInput, SubIndustryDemand};
use crate::app::records::{ItemRow, SolutionRow};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

pub async fn search(
    State(app): State<App>,
    Query(q): Query<SearchQuery>,
    Query(l): Query<ListQuery>,
) -> Result<Json<Page<SolutionRow>>, HttpError> {
    let (items, next) = cat::search(&app, &q, l.limit()).await?;
    Ok(Json(Page { items, next_after: next.map(|n| n.to_string()) }))
}

/// The closed list of catalogue tags (data/rules/solution-tags.toml).
pub async fn tags() -> Result<Json<super::v1::Items<dengta_domain::catalogue::tags::Tag>>, HttpError> {
    Ok(Json(super::v1::Items::of(cat::tags()?.tags.clone())))
}

/// A solution with its price items.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Solution {
    solution: SolutionRow,
    items: Vec<ItemRow>,
}

impl Solution {
    async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Solution, HttpError> {
        let (solution, items) = cat::get(app, ctx.principal()?, id).await?;
        Ok(Solution { solution, items })
    }
}

pub async fn create_solution(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<SolutionInput>, JsonRejection>,
) -> Result<Created<Solution>, HttpError> {
    let f = super::json_body(b)?;
    let id = cat::create(&app, &ctx.actor(), &f).await?;
    Ok(Created(Solution::get(&app, &ctx, id).await?))
}

pub async fn solution(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<Solution>, HttpError> {
    Ok(Json(Solution::get(&app, &ctx, id).await?))
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
) -> Result<Json<Solution>, HttpError> {
    let u = super::json_body(b)?;
    cat::update(&app, &ctx.actor(), id, u.version, &u.input).await?;
    Ok(Json(Solution::get(&app, &ctx, id).await?))
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
) -> Result<Json<SolutionStatus>, HttpError> {
    let s = super::json_body(b)?;
    let status = cat::decide(&app, &ctx.actor(), id, &s.action, &s.note).await?;
    Ok(Json(SolutionStatus { id, status }))
}

/// A solution's status after a step (`submitted`, `published`, `rejected` or `withdrawn`).
#[derive(Serialize, schemars::JsonSchema)]
pub struct SolutionStatus {
    id: i64,
    status: String,
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

pub async fn contacts(State(app): State<App>, ctx: Ctx) -> Result<Json<Items<ContactView>>, HttpError> {
    Ok(Json(Items::of(cat::contacts(&app, &ctx.actor()).await?)))
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
) -> Result<Created<Consented>, HttpError> {
    let n = super::json_body(b)?;
    let id = cat::request_contact(&app, &ctx.actor(), n.provider_id, n.solution_id, &n.message).await?;
    Ok(Created(Consented { id, consented: false }))
}

/// A contact request and whether the enterprise consents to share its contact details.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Consented {
    id: i64,
    consented: bool,
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
) -> Result<Json<Consented>, HttpError> {
    let c = super::json_body(b)?;
    cat::consent(&app, &ctx.actor(), id, c.give).await?;
    Ok(Json(Consented { id, consented: c.give }))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct RegionQuery {
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region: Option<String>,
}

/// Demand signals at one region node: weak scenes counted per industry division and per
/// sub-industry; a count under `suppressed_below` is `null`.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Demand {
    region: String,
    suppressed_below: i64,
    by_division: Vec<DemandRow>,
    by_sub_industry: Vec<SubIndustryDemand>,
}

pub async fn demand(State(app): State<App>, ctx: Ctx, Query(q): Query<RegionQuery>) -> Result<Json<Demand>, HttpError> {
    let p = ctx.principal()?;
    let region = q.region.unwrap_or_else(|| p.region.to_string());
    let (by_division, by_sub_industry) = cat::demand(&app, p, &region).await?;
    Ok(Json(Demand { region, suppressed_below: cat::SUPPRESS_BELOW, by_division, by_sub_industry }))
}
