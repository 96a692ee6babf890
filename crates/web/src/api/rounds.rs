//! `/api/v1/rounds`: on-site acceptance rounds — plan one, add acceptances, assign assessors
//! (conflicts of interest refused), run it through its states; assessors declare conflicts.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use crate::app::App;
use crate::app::rounds::{self, Declaration, NewRound, RoundSheet, RoundSummary, Step};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// The officer's rounds, or an assessor's.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Rounds {
    items: Vec<RoundSummary>,
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Json<Rounds>, HttpError> {
    Ok(Json(Rounds { items: rounds::list(&app, ctx.principal()?).await? }))
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewRound>, JsonRejection>,
) -> Result<Created<RoundSheet>, HttpError> {
    let n = super::json_body(b)?;
    let id = rounds::create(&app, &ctx.actor(), &n).await?;
    Ok(Created(rounds::sheet(&app, ctx.principal()?, id).await?))
}

pub async fn show(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<RoundSheet>, HttpError> {
    Ok(Json(rounds::sheet(&app, ctx.principal()?, id).await?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct AddAcceptance {
    acceptance_id: i64,
}

pub async fn add_acceptance(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<AddAcceptance>, JsonRejection>,
) -> Result<Json<RoundSheet>, HttpError> {
    let a = super::json_body(b)?;
    rounds::add_acceptance(&app, &ctx.actor(), id, a.acceptance_id).await?;
    Ok(Json(rounds::sheet(&app, ctx.principal()?, id).await?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct Assign {
    user_id: i64,
}

pub async fn assign(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Assign>, JsonRejection>,
) -> Result<Json<RoundSheet>, HttpError> {
    let a = super::json_body(b)?;
    rounds::assign(&app, &ctx.actor(), id, a.user_id).await?;
    Ok(Json(rounds::sheet(&app, ctx.principal()?, id).await?))
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Json<RoundSheet>, HttpError> {
    let s = super::json_body(b)?;
    rounds::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(rounds::sheet(&app, ctx.principal()?, id).await?))
}

/// A declared conflict of interest.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ConflictDeclared {
    id: i64,
}

pub async fn declare(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Declaration>, JsonRejection>,
) -> Result<Created<ConflictDeclared>, HttpError> {
    let d = super::json_body(b)?;
    Ok(Created(ConflictDeclared { id: rounds::declare(&app, &ctx.actor(), &d).await? }))
}
