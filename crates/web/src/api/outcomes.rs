//! `/api/v1` for outcomes on the seven axes: a project's lines, a new line, a result, the
//! officer's summary and the public one.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use crate::app::outcomes::{self, NewLine, OutcomeLine, OutcomeSummary, OutcomeWindow, ResultEntry};
use crate::app::{App, AppError, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// A project's outcome lines and what its state allows now.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProjectOutcomes {
    project_id: i64,
    lines: Vec<OutcomeLine>,
    window: OutcomeWindow,
    may_write: bool,
}

pub async fn list(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<ProjectOutcomes>, HttpError> {
    let p = ctx.principal()?;
    let f = projects::file(&app, p, id).await?;
    let o = outcomes::of_project(&app, p, &f.row).await?;
    Ok(Json(ProjectOutcomes { project_id: id, lines: o.lines, window: o.window, may_write: o.may_write }))
}

async fn line(app: &App, ctx: &Ctx, project: i64, line: i64) -> Result<OutcomeLine, AppError> {
    let p = ctx.principal()?;
    let f = projects::file(app, p, project).await?;
    outcomes::of_project(app, p, &f.row).await?.lines.into_iter().find(|l| l.id == line).ok_or(AppError::NotFound)
}

pub async fn add(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<NewLine>, JsonRejection>,
) -> Result<Created<OutcomeLine>, HttpError> {
    let n = super::json_body(b)?;
    let lid = outcomes::add(&app, &ctx.actor(), id, &n).await?;
    Ok(Created(line(&app, &ctx, id, lid).await?))
}

pub async fn result(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ResultEntry>, JsonRejection>,
) -> Result<Json<OutcomeLine>, HttpError> {
    let r = super::json_body(b)?;
    Ok(Json(outcomes::set_result(&app, &ctx.actor(), id, &r).await?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct SummaryQuery {
    /// A region in the officer's scope; their own by default.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region: Option<String>,
}

pub async fn summary(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<OutcomeSummary>, HttpError> {
    Ok(Json(outcomes::summary(&app, ctx.principal()?, q.region.as_deref()).await?))
}

pub async fn public_summary(State(app): State<App>) -> Result<Json<OutcomeSummary>, HttpError> {
    Ok(Json(outcomes::public_summary(&app).await?))
}
