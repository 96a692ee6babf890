//! `/api/v1` for the provider pool (服务商资源池): applications, review, experts' sheets and
//! scores, 公示 objections, sub-industries.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use dengta_domain::provider::lifecycle::ProviderState;
use dengta_domain::provider::rubric::{Rubric, RubricDimension};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::{Items, ListQuery, NewId, ObjectionDecided, ObjectionLodged, Page, StateChange, paged};
use crate::app::objections::ObjectionForm;
use crate::app::providers::{self as pool, Application, Step};
use crate::app::records::{AssignmentRow, ObjectionRow, ProviderEventRow, ProviderRow, ReviewRow, SubIndustryRow};
use crate::app::scorecard::{ProviderSatisfaction, Scorecard};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// A provider's file: its record and state, sub-industries, lifecycle events, acceptance
/// outcomes of its projects, expert reviews and 公示 objections.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProviderFile {
    provider: ProviderRow,
    state: ProviderState,
    state_label: &'static str,
    sub_industries: Vec<SubIndustryRow>,
    events: Vec<ProviderEventRow>,
    outcomes: ProviderOutcomes,
    reviews: Vec<ProviderReview>,
    objections: Vec<ObjectionRow>,
    /// The enterprises' satisfaction evaluations of its service: count and averages (officers;
    /// the provider itself from three evaluations on); `null` on the public page.
    satisfaction: Option<ProviderSatisfaction>,
}

/// The acceptance outcomes of a provider's projects.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProviderOutcomes {
    decided: i64,
    accepted: i64,
    rejected: i64,
    returned: i64,
    /// Accepted of decided, in per cent with one decimal; `null` before any decision.
    pass_rate_pct: Option<f64>,
    /// Average days from application to acceptance; `null` before any acceptance.
    avg_days_to_acceptance: Option<f64>,
}

/// An expert review of a provider with the experts' sheets (officers only; empty for others).
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProviderReview {
    review: ReviewRow,
    sheets: Vec<AssignmentRow>,
}

impl ProviderFile {
    fn of(f: pool::ProviderFile, with_sheets: bool) -> ProviderFile {
        let o = &f.outcomes;
        let outcomes = ProviderOutcomes {
            decided: o.decided,
            accepted: o.accepted,
            rejected: o.rejected,
            returned: o.returned,
            pass_rate_pct: o.pass_rate(),
            avg_days_to_acceptance: o.avg_days(),
        };
        let reviews = f
            .reviews
            .into_iter()
            .map(|(review, sheets)| ProviderReview { review, sheets: if with_sheets { sheets } else { Vec::new() } })
            .collect();
        ProviderFile {
            state_label: f.state.label_zh(),
            state: f.state,
            provider: f.provider,
            sub_industries: f.sub_industries,
            events: f.events,
            outcomes,
            reviews,
            objections: f.objections,
            satisfaction: f.satisfaction,
        }
    }
}

/// An application received: the new provider's id and its state (`applied`).
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProviderApplied {
    id: i64,
    state: ProviderState,
}

pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Application>, JsonRejection>,
) -> Result<Created<ProviderApplied>, HttpError> {
    let a = super::json_body(b)?;
    let id = pool::apply(&app, &a, &ctx.request_id).await?;
    Ok(Created(ProviderApplied { id, state: ProviderState::Applied }))
}

pub async fn provider(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<ProviderFile>, HttpError> {
    let f = pool::file(&app, ctx.principal()?, id).await?;
    Ok(Json(ProviderFile::of(f, ctx.principal()?.role == dengta_domain::role::Role::Officer)))
}

pub async fn public_provider(State(app): State<App>, Path(id): Path<i64>) -> Result<Json<ProviderFile>, HttpError> {
    let f = pool::public_file(&app, id).await?;
    Ok(Json(ProviderFile::of(f, false)))
}

/// The public provider pool (paged) and the providers under 公示.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PublicProviders {
    pool: Page<ProviderRow>,
    publicised: Vec<ProviderRow>,
}

pub async fn public_providers(
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> Result<Json<PublicProviders>, HttpError> {
    let rows = pool::public_list(&app, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(PublicProviders {
        pool: paged(rows, q.limit(), |p| p.id.to_string()),
        publicised: pool::publicised(&app).await?,
    }))
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Json<StateChange<ProviderState>>, HttpError> {
    let s = super::json_body(b)?;
    let to = pool::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(StateChange { id, state: to, state_label: to.label_zh() }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct Experts {
    /// The experts' user ids: at least as many as the rubric asks for.
    #[serde(default)]
    #[schemars(required, schema_with = "experts_schema")]
    experts: Vec<i64>,
    /// The rubric to score by (`GET /api/v1/rubrics`); the default (`provider-2024`) when absent.
    #[serde(default)]
    #[schemars(schema_with = "rubric_schema")]
    rubric: Option<String>,
}

/// One of the shipped rubrics' ids.
fn rubric_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut ids: Vec<serde_json::Value> =
        pool::rubrics().map(|all| all.iter().map(|r| serde_json::Value::from(r.id())).collect()).unwrap_or_default();
    // Absent or null: the default rubric.
    ids.push(serde_json::Value::Null);
    schemars::json_schema!({ "type": ["string", "null"], "enum": ids })
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
) -> Result<Created<EvaluationStarted>, HttpError> {
    let e = super::json_body(b)?;
    let review_id = pool::start_evaluation(&app, &ctx.actor(), id, &e.experts, e.rubric.as_deref()).await?;
    Ok(Created(EvaluationStarted { review_id }))
}

/// A periodic evaluation started: the id of its expert review.
#[derive(Serialize, schemars::JsonSchema)]
pub struct EvaluationStarted {
    review_id: i64,
}

pub async fn finish_review(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ReviewRow>, HttpError> {
    Ok(Json(pool::finish_review(&app, &ctx.actor(), id).await?))
}

pub async fn object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionForm>, JsonRejection>,
) -> Result<Created<ObjectionLodged>, HttpError> {
    let f = super::json_body(b)?;
    let oid = pool::object(&app, &ctx.actor(), id, &f).await?;
    Ok(Created(ObjectionLodged::new(oid)))
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
) -> Result<Json<ObjectionDecided>, HttpError> {
    let d = super::json_body(b)?;
    let belongs = pool::objection_against(&app, id, d.objection_id).await?;
    if !belongs {
        return Err(AppError::NotFound.into());
    }
    pool::resolve_objection(&app, &ctx.actor(), d.objection_id, d.uphold, &d.reason).await?;
    Ok(Json(ObjectionDecided::new(d.objection_id, d.uphold)))
}

/// The expert scoring rubric in force: its dimensions and criteria with their points.
#[derive(Serialize, schemars::JsonSchema)]
pub struct RubricInForce {
    id: &'static str,
    version: u32,
    name: &'static str,
    source: &'static str,
    total: u32,
    min_experts: usize,
    pass_score: u32,
    dimensions: &'static [RubricDimension],
}

impl RubricInForce {
    fn of(r: &'static Rubric) -> RubricInForce {
        RubricInForce {
            id: r.id(),
            version: r.version(),
            name: r.name(),
            source: r.source(),
            total: r.total(),
            min_experts: r.min_experts(),
            pass_score: r.pass_score(),
            dimensions: r.dimensions(),
        }
    }
}

pub async fn rubric() -> Result<Json<RubricInForce>, HttpError> {
    Ok(Json(RubricInForce::of(pool::rubric()?)))
}

/// Every rubric an evaluation may use, the default first.
pub async fn rubrics() -> Result<Json<Items<RubricInForce>>, HttpError> {
    Ok(Json(Items::of(pool::rubrics()?.iter().map(RubricInForce::of).collect())))
}

/// One review sheet as the expert scores it: the rubric the review uses, the provider's record on
/// the platform beside it (成效记分卡), and the scores given.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SheetDetail {
    id: i64,
    conflict: String,
    total: Option<i64>,
    submitted_at: Option<i64>,
    review: SheetReview,
    provider: SheetProvider,
    rubric: RubricInForce,
    scorecard: Scorecard,
    scores: BTreeMap<String, u32>,
}

pub async fn sheet(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<SheetDetail>, HttpError> {
    let s = pool::sheet(&app, ctx.principal()?, id).await?;
    Ok(Json(SheetDetail {
        id: s.assignment.id,
        conflict: s.assignment.conflict,
        total: s.assignment.total,
        submitted_at: s.assignment.submitted_at,
        review: SheetReview { id: s.review.id, purpose: s.review.purpose, status: s.review.status },
        provider: SheetProvider { id: s.provider.id, name: s.provider.name, kind: s.provider.kind },
        rubric: RubricInForce::of(s.rubric),
        scorecard: s.scorecard,
        scores: s.scores,
    }))
}

/// An expert's review sheet: the conflict declaration, the total once scored, the review and
/// the provider under review.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ReviewSheet {
    id: i64,
    conflict: String,
    total: Option<i64>,
    submitted_at: Option<i64>,
    review: SheetReview,
    provider: SheetProvider,
}

/// The review a sheet belongs to.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SheetReview {
    id: i64,
    purpose: String,
    status: String,
}

/// The provider a sheet reviews.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SheetProvider {
    id: i64,
    name: String,
    kind: String,
}

pub async fn sheets(State(app): State<App>, ctx: Ctx) -> Result<Json<Items<ReviewSheet>>, HttpError> {
    let rows = pool::my_sheets(&app, ctx.principal()?).await?;
    let items = rows
        .into_iter()
        .map(|(a, p, r)| ReviewSheet {
            id: a.id,
            conflict: a.conflict,
            total: a.total,
            submitted_at: a.submitted_at,
            review: SheetReview { id: r.id, purpose: r.purpose, status: r.status },
            provider: SheetProvider { id: p.id, name: p.name, kind: p.kind },
        })
        .collect();
    Ok(Json(Items::of(items)))
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
) -> Result<Json<Declared>, HttpError> {
    let d = super::json_body(b)?;
    pool::declare(&app, &ctx.actor(), id, d.conflict, &d.note).await?;
    Ok(Json(Declared {
        id,
        conflict: if d.conflict { ConflictOfInterest::Declared } else { ConflictOfInterest::None },
    }))
}

/// A sheet's conflict-of-interest declaration, taken.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Declared {
    id: i64,
    conflict: ConflictOfInterest,
}

/// What the expert declared.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictOfInterest {
    Declared,
    None,
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
) -> Result<Json<Scored>, HttpError> {
    let s = super::json_body(b)?;
    let total = pool::score(&app, &ctx.actor(), id, &s.scores).await?;
    Ok(Json(Scored { id, total }))
}

/// A sheet scored: its total points.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Scored {
    id: i64,
    total: u32,
}

pub async fn sub_industries(State(app): State<App>, ctx: Ctx) -> Result<Json<Items<SubIndustryRow>>, HttpError> {
    Ok(Json(Items::of(pool::sub_industries_in_scope(&app, ctx.principal()?).await?)))
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
) -> Result<Created<NewId>, HttpError> {
    let n = super::json_body(b)?;
    let id = pool::add_sub_industry(&app, &ctx.actor(), &n.name, &n.codes.join(" ")).await?;
    Ok(Created(NewId { id }))
}

// ---- catalogue -------------------------------------------------------------------------------
