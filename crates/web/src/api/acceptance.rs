//! `/api/v1` for a project's acceptance (验收): apply, each step, the bundle, the subsidy's
//! computation, integrity flags cleared.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use dengta_domain::programme::acceptance::{AcceptanceAction, AcceptanceState};
use dengta_domain::programme::materials::MaterialCheck;
use serde::{Deserialize, Serialize};

use super::subsidies::SubsidyFile;
use super::takes::Created;
use crate::app::acceptance::{self, AcceptanceView, Application, Evaluation};
use crate::app::records::{FlagRow, StepRow, SubsidyRow};
use crate::app::subsidies::{self};
use crate::app::{App, AppError, bundle, integrity, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// The acceptance side of a project: the acceptance (`null` before any application) and its
/// state, the materials checklist, the evaluation, history, the steps the caller may take, the
/// declaration an application confirms, integrity flags (officers) and the project's subsidies.
#[derive(Serialize, schemars::JsonSchema)]
pub struct AcceptanceFile {
    acceptance: Option<AcceptanceView>,
    state: Option<AcceptanceState>,
    state_label: Option<&'static str>,
    checklist: Vec<MaterialCheck>,
    /// Every required item of the checklist is there.
    complete: bool,
    evaluation: Option<Evaluation>,
    history: Vec<StepRow>,
    actions: Vec<AcceptanceAction>,
    may_apply: bool,
    declaration: &'static str,
    integrity_flags: Vec<FlagRow>,
    subsidies: Vec<SubsidyRow>,
}

/// The acceptance side of a project: checklist, evaluation, history, flags (officers), subsidies.
pub async fn show(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<AcceptanceFile>, HttpError> {
    let p = ctx.principal()?;
    let f = projects::file(&app, p, id).await?;
    let a = acceptance::of_project(&app, p, &f.row).await?;
    let integrity_flags = integrity::of_project(&app, p, &f.row).await?;
    let subsidies = subsidies::of_project(&app, p, id).await?;
    Ok(Json(AcceptanceFile {
        state_label: a.state.map(|s| s.label_zh()),
        complete: dengta_domain::programme::materials::complete(&a.checklist),
        acceptance: a.row,
        state: a.state,
        checklist: a.checklist,
        evaluation: a.evaluation,
        history: a.steps,
        actions: a.actions,
        may_apply: a.may_apply,
        declaration: acceptance::DECLARATION,
        integrity_flags,
        subsidies,
    }))
}

/// An acceptance applied for: its id and state (`applied`).
#[derive(Serialize, schemars::JsonSchema)]
pub struct AcceptanceApplied {
    id: i64,
    state: AcceptanceState,
}

pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Application>, JsonRejection>,
) -> Result<Created<AcceptanceApplied>, HttpError> {
    let a = super::json_body(b)?;
    let aid = acceptance::apply(&app, &ctx.actor(), id, &a).await?;
    Ok(Created(AcceptanceApplied { id: aid, state: AcceptanceState::Applied }))
}

/// A project's acceptance after a step, with its Chinese label.
#[derive(Serialize, schemars::JsonSchema)]
pub struct AcceptanceChange {
    project_id: i64,
    state: AcceptanceState,
    state_label: &'static str,
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<acceptance::Step>, JsonRejection>,
) -> Result<Json<AcceptanceChange>, HttpError> {
    let s = super::json_body(b)?;
    let to = acceptance::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(AcceptanceChange { project_id: id, state: to, state_label: to.label_zh() }))
}

/// The bundle as a ZIP download.
pub async fn download_bundle(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let (name, reader) = bundle::bundle(&app, &ctx.actor(), id).await?;
    // Streamed as it is written: memory stays bounded whatever the evidence size.
    let bytes = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct Compute {
    #[serde(default)]
    stage: String,
}

pub async fn compute(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Compute>, JsonRejection>,
) -> Result<Created<SubsidyFile>, HttpError> {
    let c = super::json_body(b)?;
    let stage = if c.stage.trim().is_empty() { "after_acceptance" } else { c.stage.trim() };
    let sid = subsidies::compute(&app, &ctx.actor(), id, stage).await?;
    let f = subsidies::file(&app, ctx.principal()?, sid).await?;
    Ok(Created(SubsidyFile::from(f)))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct ClearFlag {
    #[serde(default)]
    flag_id: i64,
    #[serde(default)]
    reason: String,
}

pub async fn clear_flag(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ClearFlag>, JsonRejection>,
) -> Result<Json<FlagCleared>, HttpError> {
    // Scope first: the project must be in the officer's region.
    projects::file(&app, ctx.principal()?, id).await?;
    let c = super::json_body(b)?;
    if !crate::app::acceptance::flag_belongs(&app, id, c.flag_id).await? {
        return Err(AppError::NotFound.into());
    }
    integrity::clear(&app, &ctx.actor(), c.flag_id, &c.reason).await?;
    Ok(Json(FlagCleared { flag_id: c.flag_id, status: FlagStatus::Cleared }))
}

/// An integrity flag cleared.
#[derive(Serialize, schemars::JsonSchema)]
pub struct FlagCleared {
    flag_id: i64,
    status: FlagStatus,
}

/// The state of an integrity flag after clearing it.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    Cleared,
}
