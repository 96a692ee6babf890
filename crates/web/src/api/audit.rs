//! `/api/v1` for the audit trail: search, chain verification, the anchor.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::v1::paged;
use crate::app::{App, audit as audit_app};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::pages::audit::{AuditQuery, query as audit_query};

pub async fn audit(State(app): State<App>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Result<Response, HttpError> {
    let rows = audit_query(&app, &ctx, &q).await?;
    let limit = crate::pages::PAGE_SIZE;
    Ok(Json(paged(rows, limit, |r| r.seq.to_string())).into_response())
}

pub async fn audit_verify(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(match audit_app::verify_for(&app, ctx.principal()?).await? {
        Ok(n) => Json(json!({ "intact": true, "records": n })).into_response(),
        Err(e) => Json(json!({ "intact": false, "problem": e.to_string() })).into_response(),
    })
}

pub async fn audit_anchor(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(audit_app::anchor(&app, &ctx.actor()).await?).into_response())
}
