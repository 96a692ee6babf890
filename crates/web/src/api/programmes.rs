//! `/api/v1` for pilot programmes and the pilot-enterprise pool.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use dengta_domain::programme::SpendCategory;
use dengta_domain::programme::criteria::Criterion;
use dengta_domain::programme::eligibility::EligibilityRule;
use dengta_domain::programme::rules::{OnsiteRule, Programme, ProgrammeLevel, SubIndustryRule};
use dengta_domain::programme::workflow::EnrolmentState;
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::{Items, ListQuery, ObjectionDecided, ObjectionLodged, Page, StateChange, paged};
use crate::app::objections::ObjectionForm;
use crate::app::programmes::{self, OutcomeView, Step};
use crate::app::records::{EnrolmentRow, ObjectionRow, StepRow};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// A pilot programme in force and its rules.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProgrammeRules {
    id: &'static str,
    version: u32,
    name: &'static str,
    level: ProgrammeLevel,
    region: &'static str,
    batch: &'static str,
    /// The application window: first and last day.
    window: [String; 2],
    /// When the city's plan was approved, where the batch counts the window from it (2025 on).
    plan_approved: Option<String>,
    fingerprint: &'static str,
    sub_industries: &'static [SubIndustryRule],
    /// The entry criteria the programme switches on.
    eligibility: Vec<EligibilityRule>,
    excluded_categories: Vec<SpendCategory>,
    eligible_categories: &'static [SpendCategory],
    subsidy_rate_verified: bool,
    onsite: &'static OnsiteRule,
    min_enterprise_share_pct: u32,
    completion_months: Option<u32>,
    default_criteria: &'static [Criterion],
}

impl From<&'static Programme> for ProgrammeRules {
    fn from(p: &'static Programme) -> ProgrammeRules {
        let (from, to) = p.window();
        ProgrammeRules {
            id: p.id(),
            version: p.version(),
            name: p.name(),
            level: p.level(),
            region: p.region(),
            batch: p.batch(),
            window: [from.to_string(), to.to_string()],
            plan_approved: p.plan_approved().map(|d| d.to_string()),
            fingerprint: p.fingerprint(),
            sub_industries: p.sub_industries(),
            eligibility: EligibilityRule::ALL.into_iter().filter(|r| r.applies(p)).collect(),
            excluded_categories: SpendCategory::ALL.into_iter().filter(|c| p.is_excluded(*c)).collect(),
            eligible_categories: p.eligible_categories(),
            subsidy_rate_verified: p.subsidy().rate_verified,
            onsite: p.onsite(),
            min_enterprise_share_pct: p.min_enterprise_share_pct(),
            completion_months: p.completion_months(),
            default_criteria: p.default_criteria(),
        }
    }
}

pub async fn programmes() -> Result<Json<Items<ProgrammeRules>>, HttpError> {
    Ok(Json(Items::of(programmes::programmes()?.into_iter().map(ProgrammeRules::from).collect())))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewEnrolment {
    #[serde(default)]
    programme_id: String,
    #[serde(default)]
    enterprise_id: Option<i64>,
}

pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewEnrolment>, JsonRejection>,
) -> Result<Created<EnrolmentFile>, HttpError> {
    let n = super::json_body(b)?;
    let p = ctx.principal()?;
    let enterprise = n.enterprise_id.or(p.enterprise_id).ok_or(AppError::NotFound)?;
    let id = programmes::apply(&app, &ctx.actor(), &n.programme_id, enterprise).await?;
    let f = programmes::file(&app, p, id).await?;
    Ok(Created(EnrolmentFile::from(f)))
}

/// An application to a pilot programme: the record, the programme rule it was judged by
/// ("id vN"), its eligibility checks and its history.
#[derive(Serialize, schemars::JsonSchema)]
pub struct EnrolmentFile {
    enrolment: EnrolmentRow,
    programme: String,
    eligibility: Vec<OutcomeView>,
    history: Vec<StepRow>,
}

impl From<programmes::EnrolmentFile> for EnrolmentFile {
    fn from(f: programmes::EnrolmentFile) -> EnrolmentFile {
        EnrolmentFile { programme: f.programme.rule_ref(), enrolment: f.row, eligibility: f.outcomes, history: f.steps }
    }
}

/// An application with the objections raised against it during 公示.
#[derive(Serialize, schemars::JsonSchema)]
pub struct EnrolmentWithObjections {
    #[serde(flatten)]
    file: EnrolmentFile,
    objections: Vec<ObjectionRow>,
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct StatusFilter {
    #[schemars(schema_with = "dengta_domain::schema::enrolment_state")]
    status: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(s): Query<StatusFilter>,
) -> Result<Json<Page<EnrolmentRow>>, HttpError> {
    let rows = programmes::list(&app, ctx.principal()?, s.status.as_deref(), q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |r| r.id.to_string())))
}

pub async fn enrolment(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<EnrolmentWithObjections>, HttpError> {
    let f = programmes::file(&app, ctx.principal()?, id).await?;
    let objections = programmes::objections(&app, id).await?;
    Ok(Json(EnrolmentWithObjections { file: EnrolmentFile::from(f), objections }))
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Json<StateChange<EnrolmentState>>, HttpError> {
    let s = super::json_body(b)?;
    let to = programmes::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(StateChange { id, state: to, state_label: to.label_zh() }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "EnrolmentObjectionDecision")]
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
    programmes::resolve_objection(&app, &ctx.actor(), id, d.objection_id, d.uphold, &d.reason).await?;
    Ok(Json(ObjectionDecided::new(d.objection_id, d.uphold)))
}

/// A pilot enterprise as the public sees it: name, industry and region only (no personal data).
#[derive(Serialize, schemars::JsonSchema)]
pub struct PilotEnterprise {
    id: i64,
    enterprise: String,
    industry_code: String,
    region_code: String,
    programme_id: String,
    publicity_ends_at: Option<i64>,
}

impl From<EnrolmentRow> for PilotEnterprise {
    fn from(r: EnrolmentRow) -> PilotEnterprise {
        PilotEnterprise {
            id: r.id,
            enterprise: r.enterprise_name,
            industry_code: r.industry_code,
            region_code: r.region_code,
            programme_id: r.programme_id,
            publicity_ends_at: r.publicity_ends_at,
        }
    }
}

/// The public pilot-enterprise pool: enterprises under 公示 and those listed (paged).
#[derive(Serialize, schemars::JsonSchema)]
pub struct PilotPool {
    publicised: Vec<PilotEnterprise>,
    listed: Page<PilotEnterprise>,
}

/// The public pool: name, industry and region only (no personal data).
pub async fn public_pool(State(app): State<App>, Query(q): Query<ListQuery>) -> Result<Json<PilotPool>, HttpError> {
    let publicised = programmes::public_pool(&app, EnrolmentState::Publicised, 0, 200).await?;
    let listed = programmes::public_pool(&app, EnrolmentState::Listed, q.after_id()?, q.limit() + 1).await?;
    let listed = listed.into_iter().map(PilotEnterprise::from).collect();
    Ok(Json(PilotPool {
        publicised: publicised.into_iter().map(PilotEnterprise::from).collect(),
        listed: paged(listed, q.limit(), |e| e.id.to_string()),
    }))
}

pub async fn object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionForm>, JsonRejection>,
) -> Result<Created<ObjectionLodged>, HttpError> {
    let f = super::json_body(b)?;
    let oid = programmes::object(&app, &ctx.actor(), id, &f).await?;
    Ok(Created(ObjectionLodged::new(oid)))
}
