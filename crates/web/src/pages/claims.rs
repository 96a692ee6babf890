//! Enterprise self-registration (/register) and the authority's claim review (/claims).

use super::render_form;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::directory::split_page;
use super::{Msg, PAGE_SIZE, Page, render};
use crate::app::claims::{self, RegisterForm};
use crate::app::records::ClaimRow;
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::error_text;
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    f: RegisterForm,
    error: Option<String>,
}

pub async fn register_page(ctx: Ctx) -> Result<Response, HttpError> {
    if ctx.principal.is_some() {
        return Ok(Redirect::to("/home").into_response());
    }
    render(&RegisterPage { l: Layout::new(&ctx, "register.title", &[]), f: RegisterForm::default(), error: None })
}

pub async fn register(State(app): State<App>, ctx: Ctx, Form(f): Form<RegisterForm>) -> Result<Response, HttpError> {
    let error = match claims::register(&app, &f, &ctx.request_id).await {
        Ok(_) => return Ok(Redirect::to("/login?msg=register.done").into_response()),
        Err(AppError::Invalid { key, detail }) => error_text(&ctx, key, &detail),
        Err(AppError::Conflict(key)) => ctx.t(key).to_owned(),
        Err(e) => return Err(e.into()),
    };
    let f = RegisterForm { password: String::new(), ..f };
    let mut res = render(&RegisterPage { l: Layout::new(&ctx, "register.title", &[]), f, error: Some(error) })?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "claims.html")]
struct ClaimsPage {
    l: Layout,
    rows: Vec<ClaimRow>,
    next: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn claims_page(
    app: &App,
    ctx: &Ctx,
    after: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let rows = claims::pending(app, ctx.principal()?, after, PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |c| c.id);
    let failed = error.is_some();
    render_form(
        &ClaimsPage {
            l: Layout::new(ctx, "claims.title", &[("/claims", "nav.claims")]),
            rows,
            next: next.map(|id| format!("/claims?after={id}")),
            notice,
            error,
        },
        failed,
    )
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<Page>,
    Query(msg): Query<Msg>,
) -> Result<Response, HttpError> {
    claims_page(&app, &ctx, q.after.unwrap_or(0), msg.text(ctx.lang), None).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, HttpError> {
    let approve = match f.decision.as_str() {
        "confirm" => Some(true),
        "reject" => Some(false),
        _ => None,
    };
    match claims::decide(&app, &ctx.actor(), id, approve, &f.reason).await {
        Ok(()) => Ok(Redirect::to("/claims?msg=claims.done").into_response()),
        Err(AppError::Invalid { key, detail }) => {
            claims_page(&app, &ctx, 0, None, Some(error_text(&ctx, key, &detail))).await
        }
        Err(AppError::Conflict(key)) => claims_page(&app, &ctx, 0, None, Some(ctx.t(key).to_owned())).await,
        Err(e) => Err(e.into()),
    }
}
