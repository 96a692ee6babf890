//! `/api/v1/account-requests`: the two-person procedure for administrator-class accounts.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use crate::app::App;
use crate::app::account_requests::{self, RequestForm};
use crate::app::records::RequestRow;
use crate::ctx::Ctx;
use crate::error::HttpError;

/// The account requests in the caller's scope, newest first.
#[derive(Serialize, schemars::JsonSchema)]
pub struct AccountRequests {
    items: Vec<AccountRequestItem>,
}

/// One account request, and whether the caller may decide it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct AccountRequestItem {
    request: RequestRow,
    may_decide: bool,
    /// Why the caller may not decide it, when not.
    why_not: Option<String>,
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Json<AccountRequests>, HttpError> {
    let p = ctx.principal()?;
    let rows = account_requests::list(&app, p, 200).await?;
    let mut items = Vec::new();
    for request in rows {
        let may = account_requests::may_decide(p, &request)?;
        items.push(AccountRequestItem { request, may_decide: may.is_ok(), why_not: may.err() });
    }
    Ok(Json(AccountRequests { items }))
}

/// A request filed: it waits for a second administrator's decision.
#[derive(Serialize, schemars::JsonSchema)]
pub struct AccountRequestFiled {
    id: i64,
    #[schemars(extend("const" = "pending"))]
    status: &'static str,
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<RequestForm>, JsonRejection>,
) -> Result<Created<AccountRequestFiled>, HttpError> {
    let f = super::json_body(b)?;
    let id = account_requests::request(&app, &ctx.actor(), &f).await?;
    Ok(Created(AccountRequestFiled { id, status: "pending" }))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "AccountRequestDecision")]
pub struct Decision {
    #[serde(default)]
    pub approve: bool,
}

/// A request decided.
#[derive(Serialize, schemars::JsonSchema)]
pub struct AccountRequestDecided {
    id: i64,
    #[schemars(extend("enum" = ["approved", "rejected"]))]
    status: &'static str,
    /// The one-time password of an account an approval created or reset (shown once); else `null`.
    password: Option<String>,
}

/// Approves or rejects; an approved creation or reset answers with the one-time password.
pub async fn decide(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<AccountRequestDecided>, HttpError> {
    let d = super::json_body(b)?;
    let password = account_requests::decide(&app, &ctx.actor(), id, d.approve).await?;
    let status = if d.approve { "approved" } else { "rejected" };
    Ok(Json(AccountRequestDecided { id, status, password }))
}
