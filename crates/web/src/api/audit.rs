//! `/api/v1` for the audit trail: search, chain verification, the anchor.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;

use super::v1::{Page, paged};
use crate::app::audit::AuditRow;
use crate::app::{App, audit as audit_app};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::pages::audit::{AuditQuery, query as audit_query};

pub async fn audit(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<AuditRow>>, HttpError> {
    let rows = audit_query(&app, &ctx, &q).await?;
    let limit = crate::pages::PAGE_SIZE;
    Ok(Json(paged(rows, limit, |r| r.seq.to_string())))
}

/// The outcome of verifying the audit chain: intact with its length, or where it breaks.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ChainCheck {
    /// Every record matches its hash and links to the one before.
    Intact {
        #[schemars(extend("const" = true))]
        intact: bool,
        records: i64,
    },
    /// The first break found.
    Broken {
        #[schemars(extend("const" = false))]
        intact: bool,
        problem: String,
    },
}

pub async fn audit_verify(State(app): State<App>, ctx: Ctx) -> Result<Json<ChainCheck>, HttpError> {
    Ok(Json(match audit_app::verify_for(&app, ctx.principal()?).await? {
        Ok(records) => ChainCheck::Intact { intact: true, records },
        Err(e) => ChainCheck::Broken { intact: false, problem: e.to_string() },
    }))
}

pub async fn audit_anchor(State(app): State<App>, ctx: Ctx) -> Result<Json<dengta_domain::audit::Anchor>, HttpError> {
    Ok(Json(audit_app::anchor(&app, &ctx.actor()).await?))
}
