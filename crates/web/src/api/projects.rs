//! `/api/v1` for transformation projects: creation, steps with their documents, milestones,
//! evidence uploads and invoices/payments.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use dengta_domain::money::Fen;
use dengta_domain::programme::ContractDraft;
use dengta_domain::programme::workflow::ProjectState;
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::{ListQuery, Page, paged};
use crate::app::files::StoredFile;
use crate::app::projects::{self, Diagnosis, NewProject, PaymentInput, Plan, ProjectFile, Step};
use crate::app::records::{EvidenceRow, MilestoneRow, ProjectPaymentRow, ProjectRow, StepRow};
use crate::app::{App, AppError, files};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// A project with its documents (diagnosis, plan, contract), milestones, evidence, recorded
/// invoices and payments, and history.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProjectView {
    project: ProjectRow,
    state: ProjectState,
    /// The state's name in Chinese.
    state_label: &'static str,
    /// Past its completion deadline and not completed.
    overdue: bool,
    diagnosis: Option<Diagnosis>,
    diagnosis_submitted: bool,
    /// SHA-256 of the diagnosis report file, once uploaded.
    report_sha256: Option<String>,
    plan: Option<Plan>,
    contract: Option<ContractDraft>,
    /// The contract's total (0 without a contract).
    contract_total_fen: Fen,
    /// That total in 人民币大写 (empty without a contract).
    amount_in_words: String,
    milestones: Vec<MilestoneRow>,
    evidence: Vec<EvidenceRow>,
    payments: Vec<ProjectPaymentRow>,
    /// The steps taken, oldest first.
    history: Vec<StepRow>,
}

impl From<ProjectFile> for ProjectView {
    fn from(f: ProjectFile) -> Self {
        ProjectView {
            state_label: f.state.label_zh(),
            contract_total_fen: f.contract_total(),
            amount_in_words: f.amount_in_words(),
            project: f.row,
            state: f.state,
            overdue: f.overdue,
            diagnosis: f.diagnosis,
            diagnosis_submitted: f.docs.diagnosis_submitted,
            report_sha256: f.docs.report_sha256,
            plan: f.plan,
            contract: f.contract,
            milestones: f.milestones,
            evidence: f.evidence,
            payments: f.payments,
            history: f.steps,
        }
    }
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<ProjectRow>>, HttpError> {
    let rows = projects::list(&app, ctx.principal()?, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |r| r.id.to_string())))
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewProject>, JsonRejection>,
) -> Result<Created<ProjectView>, HttpError> {
    let n = super::json_body(b)?;
    let id = projects::create(&app, &ctx.actor(), &n).await?;
    Ok(Created(projects::file(&app, ctx.principal()?, id).await?.into()))
}

pub async fn project(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<ProjectView>, HttpError> {
    Ok(Json(projects::file(&app, ctx.principal()?, id).await?.into()))
}

/// The state a project's step led to.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProjectStepTaken {
    id: i64,
    state: ProjectState,
    /// The state's name in Chinese.
    state_label: &'static str,
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Json<ProjectStepTaken>, HttpError> {
    let s = super::json_body(b)?;
    let to = projects::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(ProjectStepTaken { id, state: to, state_label: to.label_zh() }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewMilestone {
    #[serde(default)]
    title: String,
    #[serde(default)]
    due_date: String,
}

pub async fn add_milestone(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<NewMilestone>, JsonRejection>,
) -> Result<Created<MilestoneAdded>, HttpError> {
    let m = super::json_body(b)?;
    let id = projects::add_milestone(&app, &ctx.actor(), id, &m.title, &m.due_date).await?;
    Ok(Created(MilestoneAdded { id }))
}

/// A milestone added.
#[derive(Serialize, schemars::JsonSchema)]
pub struct MilestoneAdded {
    id: i64,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "FinishMilestone")]
pub struct Done {
    #[serde(default)]
    milestone_id: i64,
}

pub async fn finish_milestone(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Done>, JsonRejection>,
) -> Result<Json<MilestoneDone>, HttpError> {
    let d = super::json_body(b)?;
    projects::finish_milestone(&app, &ctx.actor(), id, d.milestone_id).await?;
    Ok(Json(MilestoneDone { milestone_id: d.milestone_id, done: true }))
}

/// A milestone marked done.
#[derive(Serialize, schemars::JsonSchema)]
pub struct MilestoneDone {
    milestone_id: i64,
    #[schemars(extend("const" = true))]
    done: bool,
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct UploadQuery {
    #[schemars(schema_with = "evidence_kind")]
    kind: Option<String>,
    milestone_id: Option<i64>,
}

/// Multipart upload (field `file`); `kind` and `milestone_id` in the query string.
pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Created<EvidenceStored>, HttpError> {
    // Scope first: the project must be the caller's before a byte is read.
    projects::file(&app, ctx.principal()?, id).await?;
    let mut form = form.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let kind = q.kind.unwrap_or_else(|| "other".into());
    while let Some(mut field) =
        form.next_field().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let received = files::receive_pending(&app, &mut field).await?;
        let (eid, reused) = projects::attach(&app, &ctx.actor(), id, &kind, q.milestone_id, &received).await?;
        return Ok(Created(EvidenceStored { id: eid, reused, file: received.file.clone() }));
    }
    Err(AppError::invalid("error.file_empty", "file").into())
}

/// An evidence file stored for the project.
#[derive(Serialize, schemars::JsonSchema)]
pub struct EvidenceStored {
    /// The evidence record.
    id: i64,
    /// The same content is attached to another enterprise's project (flagged for review).
    reused: bool,
    file: StoredFile,
}

pub async fn record_payment(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<PaymentInput>, JsonRejection>,
) -> Result<Created<PaymentRecorded>, HttpError> {
    let p = super::json_body(b)?;
    let (id, excluded) = projects::record_payment(&app, &ctx.actor(), id, &p).await?;
    Ok(Created(PaymentRecorded { id, excluded }))
}

/// An invoice or payment recorded.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PaymentRecorded {
    id: i64,
    /// Its category is one the programme does not fund: it does not count toward the subsidy.
    excluded: bool,
}

/// What an uploaded file may be for, as the document lists it.
fn evidence_kind(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "enum": projects::EVIDENCE_KINDS })
}
