//! `/api/v1` for the enterprise's satisfaction evaluation (满意度评价) of an accepted project.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};

use super::takes::Created;
use crate::app::satisfaction::{self, Form, ProjectSatisfaction, Record};
use crate::app::{App, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// The form and the project's evaluation (to its enterprise and the officers).
pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ProjectSatisfaction>, HttpError> {
    let p = ctx.principal()?;
    let f = projects::file(&app, p, id).await?;
    Ok(Json(satisfaction::of_project(&app, p, &f.row).await?))
}

/// The enterprise's evaluation: created once; the same evaluation again answers the same record.
pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Form>, JsonRejection>,
) -> Result<Created<Record>, HttpError> {
    let f = super::json_body(b)?;
    let (record, _) = satisfaction::submit(&app, &ctx.actor(), id, &f).await?;
    Ok(Created(record))
}
