//! `/api/v1` for transformation projects: creation, steps with their documents, milestones,
//! evidence uploads and invoices/payments.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::v1::{ListQuery, paged};
use crate::app::projects::{self, NewProject, PaymentInput, ProjectFile, Step};
use crate::app::{App, AppError, files};
use crate::ctx::Ctx;
use crate::error::HttpError;

pub fn file_json(f: &ProjectFile) -> serde_json::Value {
    json!({
        "project": f.row, "state": f.state, "state_label": f.state.label_zh(), "overdue": f.overdue,
        "diagnosis": f.diagnosis, "diagnosis_submitted": f.docs.diagnosis_submitted, "report_sha256": f.docs.report_sha256,
        "plan": f.plan, "contract": f.contract, "contract_total_fen": f.contract_total(), "amount_in_words": f.amount_in_words(),
        "milestones": f.milestones, "evidence": f.evidence, "payments": f.payments, "history": f.steps,
    })
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let rows = projects::list(&app, ctx.principal()?, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |r| r.id.to_string())).into_response())
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewProject>, JsonRejection>,
) -> Result<Response, HttpError> {
    let n = super::json_body(b)?;
    let id = projects::create(&app, &ctx.actor(), &n).await?;
    let f = projects::file(&app, ctx.principal()?, id).await?;
    Ok((StatusCode::CREATED, Json(file_json(&f))).into_response())
}

pub async fn project(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let f = projects::file(&app, ctx.principal()?, id).await?;
    Ok(Json(file_json(&f)).into_response())
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = projects::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(json!({ "id": id, "state": to, "state_label": to.label_zh() })).into_response())
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
) -> Result<Response, HttpError> {
    let m = super::json_body(b)?;
    let mid = projects::add_milestone(&app, &ctx.actor(), id, &m.title, &m.due_date).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": mid }))).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct Done {
    #[serde(default)]
    milestone_id: i64,
}

pub async fn finish_milestone(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Done>, JsonRejection>,
) -> Result<Response, HttpError> {
    let d = super::json_body(b)?;
    projects::finish_milestone(&app, &ctx.actor(), id, d.milestone_id).await?;
    Ok(Json(json!({ "milestone_id": d.milestone_id, "done": true })).into_response())
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
) -> Result<Response, HttpError> {
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
        let stored = &received.file;
        return Ok((StatusCode::CREATED, Json(json!({ "id": eid, "reused": reused, "file": stored }))).into_response());
    }
    Err(AppError::invalid("error.file_empty", "file").into())
}

pub async fn record_payment(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<PaymentInput>, JsonRejection>,
) -> Result<Response, HttpError> {
    let p = super::json_body(b)?;
    let (pid, excluded) = projects::record_payment(&app, &ctx.actor(), id, &p).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": pid, "excluded": excluded }))).into_response())
}

/// What an uploaded file may be for, as the document lists it.
fn evidence_kind(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "enum": projects::EVIDENCE_KINDS })
}
