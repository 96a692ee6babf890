//! `/api/v1` for subsidies (奖补): list, file, steps, payments and reversals, objections, and
//! the public notice.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dengta_domain::programme::acceptance::SubsidyState;
use serde::Deserialize;
use serde_json::json;

use super::v1::{ListQuery, paged};
use crate::app::objections::ObjectionForm;
use crate::app::subsidies::{self, PayRequest, SubsidyFile};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct SubsidyQuery {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::subsidy_state")]
    status: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 1))]
    limit: Option<i64>,
}

pub async fn subsidies(State(app): State<App>, ctx: Ctx, Query(q): Query<SubsidyQuery>) -> Result<Response, HttpError> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(SubsidyState::parse(s).ok_or_else(|| AppError::invalid("error.bad_request", s))?),
        None => None,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let rows = subsidies::list(&app, ctx.principal()?, status, q.before.unwrap_or(i64::MAX), limit).await?;
    Ok(Json(json!({ "items": rows })).into_response())
}

pub async fn subsidy(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let f = subsidies::file(&app, ctx.principal()?, id).await?;
    Ok(Json(subsidy_json(&f)).into_response())
}

pub async fn subsidy_transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<subsidies::Step>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = subsidies::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(json!({ "id": id, "state": to, "state_label": to.label_zh() })).into_response())
}

/// Pays an approved subsidy. The idempotency key comes from the `Idempotency-Key` header or the
/// body's `idempotency_key`; every submission with the same key gets the same receipt.
pub async fn pay(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    super::IdempotencyKey(key): super::IdempotencyKey,
    b: Result<Json<PayRequest>, JsonRejection>,
) -> Result<Response, HttpError> {
    let mut r = super::json_body(b)?;
    if let Some(k) = key {
        r.idempotency_key = k;
    }
    let receipt = subsidies::pay(&app, &ctx.actor(), id, &r).await?;
    Ok(Json(receipt).into_response())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct Reversal {
    #[serde(default)]
    payment_id: i64,
    #[serde(default)]
    reason: String,
}

pub async fn reverse(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Reversal>, JsonRejection>,
) -> Result<Response, HttpError> {
    let r = super::json_body(b)?;
    // Scope first: the subsidy must be the officer's.
    subsidies::file(&app, ctx.principal()?, id).await?;
    if !subsidies::payment_belongs(&app, id, r.payment_id).await? {
        return Err(AppError::NotFound.into());
    }
    let tid = subsidies::reverse(&app, &ctx.actor(), r.payment_id, &r.reason).await?;
    Ok(Json(json!({ "payment_id": r.payment_id, "status": "reversed", "reversal_transfer_id": tid })).into_response())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SubsidyObjectionDecision")]
pub struct Decision {
    #[serde(default)]
    objection_id: i64,
    #[serde(default)]
    uphold: bool,
    #[serde(default)]
    reason: String,
}

pub async fn resolve_objection(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Decision>, JsonRejection>,
) -> Result<Response, HttpError> {
    let d = super::json_body(b)?;
    subsidies::resolve_objection(&app, &ctx.actor(), id, d.objection_id, d.uphold, &d.reason).await?;
    Ok(Json(json!({ "objection_id": d.objection_id, "upheld": d.uphold })).into_response())
}

pub async fn public_subsidies(State(app): State<App>, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let before = match q.after_id()? {
        0 => i64::MAX,
        n => n,
    };
    let rows = subsidies::public(&app, before, q.limit() + 1).await?;
    let items: Vec<_> = rows
        .iter()
        .map(|s| {
            json!({
                "id": s.id, "enterprise": s.enterprise_name, "uscc": s.enterprise_uscc, "project": s.project_title,
                "programme_id": s.programme_id, "stage": s.stage, "amount_fen": s.amount_fen, "rule": s.rule,
                "status": s.status, "publicity_ends_at": s.publicity_ends_at,
                "trace": serde_json::from_str::<serde_json::Value>(&s.trace_json).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(paged(items, q.limit(), |v| v["id"].to_string())).into_response())
}

pub async fn object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionForm>, JsonRejection>,
) -> Result<Response, HttpError> {
    let f = super::json_body(b)?;
    let oid = subsidies::object(&app, &ctx.actor(), id, &f).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": oid, "status": "open" }))).into_response())
}

pub fn subsidy_json(f: &SubsidyFile) -> serde_json::Value {
    json!({
        "subsidy": f.row, "state": f.state, "state_label": f.state.label_zh(), "trace": f.trace,
        "payments": f.payments, "history": f.steps, "objections": f.objections,
        "ledger": f.transfers.iter().map(|(t, legs)| json!({ "transfer": t, "legs": legs })).collect::<Vec<_>>(),
        "open_integrity_flags": f.open_flags, "actions": f.actions.iter().map(|a| a.code()).collect::<Vec<_>>(),
    })
}
