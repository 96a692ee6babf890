//! `/api/v1` for subsidies (奖补): list, file, steps, payments and reversals, objections, and
//! the public notice.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use dengta_domain::programme::acceptance::{PaymentState, SubsidyAction, SubsidyState};
use dengta_domain::programme::subsidy::TraceLine;
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::{Items, ListQuery, ObjectionLodged, Page, StateChange, paged};
use crate::app::objections::ObjectionForm;
use crate::app::records::{LegRow, ObjectionRow, StepRow, SubsidyPaymentRow, SubsidyRow, TransferRow};
use crate::app::subsidies::{self, PayRequest, Receipt};
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

pub async fn subsidies(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<SubsidyQuery>,
) -> Result<Json<Items<SubsidyRow>>, HttpError> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(SubsidyState::parse(s).ok_or_else(|| AppError::invalid("error.bad_request", s))?),
        None => None,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let rows = subsidies::list(&app, ctx.principal()?, status, q.before.unwrap_or(i64::MAX), limit).await?;
    Ok(Json(Items::of(rows)))
}

pub async fn subsidy(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<SubsidyFile>, HttpError> {
    let f = subsidies::file(&app, ctx.principal()?, id).await?;
    Ok(Json(SubsidyFile::from(f)))
}

pub async fn subsidy_transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<subsidies::Step>, JsonRejection>,
) -> Result<Json<StateChange<SubsidyState>>, HttpError> {
    let s = super::json_body(b)?;
    let to = subsidies::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(StateChange { id, state: to, state_label: to.label_zh() }))
}

/// Pays an approved subsidy. The idempotency key comes from the `Idempotency-Key` header or the
/// body's `idempotency_key`; every submission with the same key gets the same receipt.
pub async fn pay(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    super::IdempotencyKey(key): super::IdempotencyKey,
    b: Result<Json<PayRequest>, JsonRejection>,
) -> Result<Json<Receipt>, HttpError> {
    let mut r = super::json_body(b)?;
    if let Some(k) = key {
        r.idempotency_key = k;
    }
    Ok(Json(subsidies::pay(&app, &ctx.actor(), id, &r).await?))
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
) -> Result<Json<Reversed>, HttpError> {
    let r = super::json_body(b)?;
    // Scope first: the subsidy must be the officer's.
    subsidies::file(&app, ctx.principal()?, id).await?;
    if !subsidies::payment_belongs(&app, id, r.payment_id).await? {
        return Err(AppError::NotFound.into());
    }
    let tid = subsidies::reverse(&app, &ctx.actor(), r.payment_id, &r.reason).await?;
    Ok(Json(Reversed { payment_id: r.payment_id, status: PaymentState::Reversed, reversal_transfer_id: tid }))
}

/// A payment reversed, with the ledger transfer that reversed it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Reversed {
    payment_id: i64,
    status: PaymentState,
    reversal_transfer_id: i64,
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
) -> Result<Json<SubsidyObjectionDecided>, HttpError> {
    let d = super::json_body(b)?;
    subsidies::resolve_objection(&app, &ctx.actor(), id, d.objection_id, d.uphold, &d.reason).await?;
    Ok(Json(SubsidyObjectionDecided { objection_id: d.objection_id, upheld: d.uphold }))
}

/// An objection to a subsidy decided: upheld (the subsidy is cancelled) or dismissed.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SubsidyObjectionDecided {
    objection_id: i64,
    upheld: bool,
}

/// A subsidy on the public notice: enterprise, project, amount and how it was computed (no
/// personal data).
#[derive(Serialize, schemars::JsonSchema)]
pub struct PublicSubsidy {
    id: i64,
    enterprise: String,
    uscc: String,
    project: String,
    programme_id: String,
    stage: String,
    amount_fen: i64,
    rule: String,
    status: String,
    publicity_ends_at: Option<i64>,
    /// The computation step by step; `null` if it cannot be read.
    trace: Option<Vec<TraceLine>>,
}

impl From<SubsidyRow> for PublicSubsidy {
    fn from(s: SubsidyRow) -> PublicSubsidy {
        PublicSubsidy {
            trace: serde_json::from_str(&s.trace_json).ok(),
            id: s.id,
            enterprise: s.enterprise_name,
            uscc: s.enterprise_uscc,
            project: s.project_title,
            programme_id: s.programme_id,
            stage: s.stage,
            amount_fen: s.amount_fen,
            rule: s.rule,
            status: s.status,
            publicity_ends_at: s.publicity_ends_at,
        }
    }
}

pub async fn public_subsidies(
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<PublicSubsidy>>, HttpError> {
    let before = match q.after_id()? {
        0 => i64::MAX,
        n => n,
    };
    let rows = subsidies::public(&app, before, q.limit() + 1).await?;
    let items = rows.into_iter().map(PublicSubsidy::from).collect();
    Ok(Json(paged(items, q.limit(), |s| s.id.to_string())))
}

pub async fn object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionForm>, JsonRejection>,
) -> Result<Created<ObjectionLodged>, HttpError> {
    let f = super::json_body(b)?;
    let oid = subsidies::object(&app, &ctx.actor(), id, &f).await?;
    Ok(Created(ObjectionLodged::new(oid)))
}

/// A subsidy's file: the record and its state, the computation, payments, history, objections,
/// its ledger transfers, open integrity flags of the project and the steps the caller may take.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SubsidyFile {
    subsidy: SubsidyRow,
    state: SubsidyState,
    state_label: &'static str,
    trace: Vec<TraceLine>,
    payments: Vec<SubsidyPaymentRow>,
    history: Vec<StepRow>,
    objections: Vec<ObjectionRow>,
    ledger: Vec<LedgerTransfer>,
    open_integrity_flags: i64,
    actions: Vec<SubsidyAction>,
}

/// A ledger transfer with its legs.
#[derive(Serialize, schemars::JsonSchema)]
pub struct LedgerTransfer {
    transfer: TransferRow,
    legs: Vec<LegRow>,
}

impl From<subsidies::SubsidyFile> for SubsidyFile {
    fn from(f: subsidies::SubsidyFile) -> SubsidyFile {
        SubsidyFile {
            subsidy: f.row,
            state: f.state,
            state_label: f.state.label_zh(),
            trace: f.trace,
            payments: f.payments,
            history: f.steps,
            objections: f.objections,
            ledger: f.transfers.into_iter().map(|(transfer, legs)| LedgerTransfer { transfer, legs }).collect(),
            open_integrity_flags: f.open_flags,
            actions: f.actions,
        }
    }
}
