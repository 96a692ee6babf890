//! `/api/v1/account-requests`: the two-person procedure for administrator-class accounts.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::app::account_requests::{self, RequestForm};
use crate::ctx::Ctx;
use crate::error::HttpError;

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = account_requests::list(&app, p, 200).await?;
    let mut items = Vec::new();
    for r in rows {
        let may = account_requests::may_decide(p, &r)?;
        items.push(json!({"request": r, "may_decide": may.is_ok(), "why_not": may.err()}));
    }
    Ok(Json(json!({ "items": items })).into_response())
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<RequestForm>, JsonRejection>,
) -> Result<Response, HttpError> {
    let f = super::json_body(b)?;
    let id = account_requests::request(&app, &ctx.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "status": "pending" }))).into_response())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "AccountRequestDecision")]
pub struct Decision {
    #[serde(default)]
    pub approve: bool,
}

/// Approves or rejects; an approved creation or reset answers with the one-time password.
pub async fn decide(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Decision>, JsonRejection>,
) -> Result<Response, HttpError> {
    let d = super::json_body(b)?;
    let pw = account_requests::decide(&app, &ctx.actor(), id, d.approve).await?;
    let status = if d.approve { "approved" } else { "rejected" };
    Ok(Json(json!({ "id": id, "status": status, "password": pw })).into_response())
}
