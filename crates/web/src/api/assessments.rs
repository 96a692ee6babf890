//! `POST /api/v1/assessments`: answers in, the stored assessment with its full result out.
//!
//! Body: `{"enterprise_id": 1, "instrument_id": "mfg-2024", "answers": {…}, "pledge": true,
//! "adjust_reason": "…"}`. `answers` has the domain's format ([`Answers`]: `choices` question id →
//! option ids, `inputs` input id → figure, `scenes` scene id → 0–4, `dimension_scores` for
//! directly entered dimensions). `instrument_id` may be omitted (the one for the enterprise's
//! industry); `pledge: true` is the 真实性承诺 and is required; `adjust_reason` is needed for an
//! on-site rating whose level differs from the latest self-assessment. An enterprise user stores
//! a self-assessment of its own enterprise, an officer an on-site rating of one in scope.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use dengta_domain::assessment::Answers;
use serde::{Deserialize, Serialize};

use super::takes::Created;
use crate::app::assessments::{self as asm, Pledge};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// The stored assessment with its full result.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Stored {
    id: i64,
    enterprise_id: i64,
    /// `self` (the enterprise's own) or `onsite` (an officer's rating).
    kind: String,
    status: String,
    instrument_id: String,
    instrument_version: i64,
    pledge_by: Option<String>,
    pledge_at: Option<i64>,
    previous_id: Option<i64>,
    adjust_reason: Option<String>,
    report_url: String,
    result: Option<asm::FullResult>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(example = assess_example())]
pub struct AssessBody {
    enterprise_id: i64,
    #[serde(default)]
    instrument_id: String,
    answers: Answers,
    /// The 真实性承诺: an assessment is taken only with it.
    #[serde(default)]
    #[schemars(required, extend("const" = true))]
    pledge: bool,
    #[serde(default)]
    adjust_reason: String,
}

/// An assessment as the document shows it: the demo enterprise's answers to the 2024 instrument.
fn assess_example() -> serde_json::Value {
    let answers: serde_json::Value =
        serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap_or_default();
    serde_json::json!({ "enterprise_id": 1, "instrument_id": "mfg-2024", "answers": answers, "pledge": true })
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<AssessBody>, JsonRejection>,
) -> Result<Created<Stored>, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let pledge = Pledge { confirmed: b.pledge, adjust_reason: &b.adjust_reason };
    let (row, scored) = asm::assess(&app, &ctx.actor(), b.enterprise_id, &b.instrument_id, &b.answers, &pledge).await?;
    let inst = asm::frozen_instrument(&row)?;
    let report_url = format!("/assessments/{}/report", row.id);
    let body = Stored {
        id: row.id,
        enterprise_id: row.enterprise_id,
        kind: row.kind,
        status: row.status,
        instrument_id: row.instrument_id,
        instrument_version: row.instrument_version,
        pledge_by: row.pledge_by,
        pledge_at: row.pledge_at,
        previous_id: row.previous_id,
        adjust_reason: row.adjust_reason,
        report_url,
        result: Some(asm::full_result(inst, scored)),
    };
    Ok(Created(body))
}
