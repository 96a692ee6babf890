//! `/api/v1/chains`: chain and cluster projects (链式 / 面状) — opened by the lead, joined by SMEs
//! of the same programme, submitted and decided, with the frame's lines and the cohort's progress.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use dengta_domain::programme::workflow::ChainState;

use super::takes::Created;
use super::v1::{Items, NewId, StateChange};
use crate::app::App;
use crate::app::chains::{self, ChainFile, Join, Line, NewChain, Step};
use crate::app::records::ChainRow;
use crate::ctx::Ctx;
use crate::error::HttpError;

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Json<Items<ChainRow>>, HttpError> {
    Ok(Json(Items::of(chains::list(&app, ctx.principal()?).await?)))
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewChain>, JsonRejection>,
) -> Result<Created<NewId>, HttpError> {
    let n = super::json_body(b)?;
    let id = chains::create(&app, &ctx.actor(), &n).await?;
    Ok(Created(NewId { id }))
}

pub async fn file(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<ChainFile>, HttpError> {
    Ok(Json(chains::file(&app, ctx.principal()?, id).await?))
}

pub async fn join(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Join>, JsonRejection>,
) -> Result<Created<Line>, HttpError> {
    let j = super::json_body(b)?;
    Ok(Created(chains::join(&app, &ctx.actor(), id, &j).await?))
}

pub async fn step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Json<StateChange<ChainState>>, HttpError> {
    let s = super::json_body(b)?;
    let to = chains::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(StateChange { id, state: to, state_label: to.label_zh() }))
}
