//! `/api/v1` for a project's acceptance (验收): apply, each step, the bundle, the subsidy's
//! computation, integrity flags cleared.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dengta_domain::programme::acceptance::AcceptanceState;
use serde::Deserialize;
use serde_json::json;

use super::subsidies::subsidy_json;
use crate::app::acceptance::{self, AcceptanceFile, Application};
use crate::app::subsidies::{self};
use crate::app::{App, AppError, bundle, integrity, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;

fn acceptance_json(
    a: &AcceptanceFile,
    flags: &[crate::app::records::FlagRow],
    subsidies: &[crate::app::records::SubsidyRow],
) -> serde_json::Value {
    json!({
        "acceptance": a.row, "state": a.state, "state_label": a.state.map(|s| s.label_zh()),
        "checklist": a.checklist, "complete": dengta_domain::programme::materials::complete(&a.checklist),
        "evaluation": a.evaluation, "history": a.steps,
        "actions": a.actions.iter().map(|x| x.code()).collect::<Vec<_>>(), "may_apply": a.may_apply,
        "declaration": acceptance::DECLARATION, "integrity_flags": flags, "subsidies": subsidies,
    })
}

/// The acceptance side of a project: checklist, evaluation, history, flags (officers), subsidies.
pub async fn show(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let f = projects::file(&app, p, id).await?;
    let a = acceptance::of_project(&app, p, &f.row).await?;
    let flags = integrity::of_project(&app, p, &f.row).await?;
    let subs = subsidies::of_project(&app, p, id).await?;
    Ok(Json(acceptance_json(&a, &flags, &subs)).into_response())
}

pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Application>, JsonRejection>,
) -> Result<Response, HttpError> {
    let a = super::json_body(b)?;
    let aid = acceptance::apply(&app, &ctx.actor(), id, &a).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": aid, "state": AcceptanceState::Applied }))).into_response())
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<acceptance::Step>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = acceptance::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(json!({ "project_id": id, "state": to, "state_label": to.label_zh() })).into_response())
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
) -> Result<Response, HttpError> {
    let c = super::json_body(b)?;
    let stage = if c.stage.trim().is_empty() { "after_acceptance" } else { c.stage.trim() };
    let sid = subsidies::compute(&app, &ctx.actor(), id, stage).await?;
    let f = subsidies::file(&app, ctx.principal()?, sid).await?;
    Ok((StatusCode::CREATED, Json(subsidy_json(&f))).into_response())
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
) -> Result<Response, HttpError> {
    // Scope first: the project must be in the officer's region.
    projects::file(&app, ctx.principal()?, id).await?;
    let c = super::json_body(b)?;
    if !crate::app::acceptance::flag_belongs(&app, id, c.flag_id).await? {
        return Err(AppError::NotFound.into());
    }
    integrity::clear(&app, &ctx.actor(), c.flag_id, &c.reason).await?;
    Ok(Json(json!({ "flag_id": c.flag_id, "status": "cleared" })).into_response())
}
