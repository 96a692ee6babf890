//! 双人审批 (two-person approval) of administrator-class accounts: the list of requests with
//! approve/reject for whoever may decide (and why not for whoever may not), and the form an
//! administrator uses to request what the duty rules do not let it do alone.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::duties::{AccountAction, Procedure, role_zh};
use dengta_domain::role::Role;

use super::{Msg, render_form};
use crate::app::account_requests::{self, RequestForm};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

pub struct RequestLine {
    pub id: i64,
    pub action: &'static str,
    pub target: String,
    pub role: &'static str,
    pub reason: String,
    pub requester: String,
    pub status: String,
    pub pending: bool,
    /// Why the caller may not decide it (shown instead of the buttons).
    pub why_not: Option<String>,
}

#[derive(Template)]
#[template(path = "account_requests.html")]
struct RequestsPage {
    l: Layout,
    rows: Vec<RequestLine>,
    notice: Option<&'static str>,
    error: Option<String>,
    password: Option<(String, String)>,
    /// Admin roles the caller may only request to create (two-person), as (code, label).
    create_roles: Vec<(&'static str, &'static str)>,
    region: String,
}

async fn page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    error: Option<String>,
    password: Option<(String, String)>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rules = crate::app::duties::rules()?;
    let mut rows = Vec::new();
    for r in account_requests::list(app, p, 200).await? {
        let why_not = account_requests::may_decide(p, &r)?.err();
        let action = AccountAction::parse(&r.action).map_or("?", |a| a.label_zh());
        let role = r.target_role.parse::<Role>().map_or("?", role_zh);
        rows.push(RequestLine {
            id: r.id,
            action,
            target: r.target_username.clone().unwrap_or_else(|| r.username.clone()),
            role,
            reason: r.reason.clone(),
            requester: r.requester.clone(),
            pending: r.status == "pending",
            status: r.status,
            why_not,
        });
    }
    let create_roles = [Role::SysAdmin, Role::SecAdmin, Role::AuditAdmin]
        .into_iter()
        .filter(|t| rules.account_procedure(p.role, AccountAction::Create, *t) == Ok(Procedure::TwoPerson))
        .map(|t| (t.code(), role_zh(t)))
        .collect();
    let refused = error.is_some();
    render_form(
        &RequestsPage {
            l: Layout::new(ctx, "duty.requests", &[("/admin/account-requests", "duty.requests")]),
            rows,
            notice,
            error,
            password,
            create_roles,
            region: p.region.to_string(),
        },
        refused,
    )
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, HttpError> {
    page(&app, &ctx, msg.text(ctx.lang), None, None).await
}

fn shown(ctx: &Ctx, e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid { key, detail } => Some(format!("{} {detail}", ctx.t(key))),
        AppError::Conflict(key) => Some(ctx.t(key).to_owned()),
        _ => None,
    }
}

pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<RequestForm>) -> Result<Response, HttpError> {
    match account_requests::request(&app, &ctx.actor(), &f).await {
        Ok(_) => Ok(Redirect::to("/admin/account-requests?msg=common.done").into_response()),
        Err(e) => match shown(&ctx, &e) {
            Some(msg) => page(&app, &ctx, None, Some(msg), None).await,
            None => Err(e.into()),
        },
    }
}

/// Shows a new password once, on the response to the POST itself (never in a URL).
pub async fn approve(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    match account_requests::decide(&app, &ctx.actor(), id, true).await {
        Ok(Some(pw)) => page(&app, &ctx, Some(ctx.t("common.done")), None, Some((id.to_string(), pw))).await,
        Ok(None) => Ok(Redirect::to("/admin/account-requests?msg=common.done").into_response()),
        Err(e) => match shown(&ctx, &e) {
            Some(msg) => page(&app, &ctx, None, Some(msg), None).await,
            None => Err(e.into()),
        },
    }
}

pub async fn reject(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    match account_requests::decide(&app, &ctx.actor(), id, false).await {
        Ok(_) => Ok(Redirect::to("/admin/account-requests?msg=common.done").into_response()),
        Err(e) => match shown(&ctx, &e) {
            Some(msg) => page(&app, &ctx, None, Some(msg), None).await,
            None => Err(e.into()),
        },
    }
}
