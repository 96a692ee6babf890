//! On-site acceptance round pages: the list with the planning form, and the round sheet
//! (printable) with its forms to add acceptances, assign assessors and move it on.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::programme::acceptance::{RoundAction, RoundState};
use dengta_domain::role::Role;

use super::fmt::Fmt;
use super::{Msg, render_form};
use crate::app::records::AcceptanceRow;
use crate::app::rounds::{self, NewRound, RoundSheet, RoundSummary, Step};
use crate::app::{App, AppError, programmes};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Pairs, one, refusal};
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "rounds.html")]
struct ListPage {
    l: Layout,
    rows: Vec<RoundSummary>,
    is_officer: bool,
    programmes: Vec<(String, String)>,
    error: Option<String>,
}

async fn list_page(app: &App, ctx: &Ctx, error: Option<String>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = rounds::list(app, p).await?;
    let programmes = programmes::programmes()?.iter().map(|g| (g.id().to_owned(), g.name().to_owned())).collect();
    let failed = error.is_some();
    render_form(
        &ListPage {
            l: Layout::new(ctx, "rounds.title", &[("/rounds", "nav.rounds")]),
            rows,
            is_officer: p.role == Role::Officer,
            programmes,
            error,
        },
        failed,
    )
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    list_page(&app, &ctx, None).await
}

pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let n = NewRound {
        programme_id: one(&f, "programme_id"),
        region_code: one(&f, "region_code"),
        date: one(&f, "date"),
        place: one(&f, "place"),
        note: one(&f, "note"),
    };
    match rounds::create(&app, &ctx.actor(), &n).await {
        Ok(id) => Ok(Redirect::to(&format!("/rounds/{id}?msg=common.done")).into_response()),
        Err(e) => list_page(&app, &ctx, Some(refusal(&ctx, e)?)).await,
    }
}

#[derive(Template)]
#[template(path = "round.html")]
struct SheetPage {
    l: Layout,
    x: Fmt,
    r: RoundSheet,
    is_officer: bool,
    waiting: Vec<AcceptanceRow>,
    assessors: Vec<(i64, String, String)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SheetPage {
    fn step_action(&self, code: &str) -> &'static str {
        match code {
            "create" => "创建批次",
            "add_acceptance" => "纳入验收申请",
            "assign" => "指派评审专家",
            c => RoundAction::parse(c).map_or("", RoundAction::label_zh),
        }
    }
    fn step_state(&self, code: &str) -> &'static str {
        RoundState::parse(code).map_or("", RoundState::label_zh)
    }
}

async fn sheet_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let r = rounds::sheet(app, p, id).await?;
    let is_officer = p.role == Role::Officer;
    let (waiting, assessors) = if is_officer && r.state.open() {
        (rounds::waiting(app, p).await?, rounds::assessors_for(app, p).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let title = format!("{} {}", r.date, r.place);
    let href = format!("/rounds/{id}");
    let failed = error.is_some();
    render_form(
        &SheetPage {
            l: Layout::titled(ctx, title.clone(), &[("/rounds", "nav.rounds"), (&href, &title)]),
            x: Fmt::new(ctx),
            r,
            is_officer,
            waiting,
            assessors,
            notice,
            error,
        },
        failed,
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, HttpError> {
    sheet_page(&app, &ctx, id, m.text(ctx.lang), None).await
}

async fn after(app: &App, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/rounds/{id}?msg=common.done")).into_response()),
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(e) => {
            let msg = refusal(ctx, e)?;
            sheet_page(app, ctx, id, None, Some(msg)).await
        }
    }
}

pub async fn add_acceptance(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let aid = one(&f, "acceptance_id").trim().parse().unwrap_or(0);
    let r = rounds::add_acceptance(&app, &ctx.actor(), id, aid).await;
    after(&app, &ctx, id, r).await
}

pub async fn assign(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let uid = one(&f, "user_id").trim().parse().unwrap_or(0);
    let r = rounds::assign(&app, &ctx.actor(), id, uid).await;
    after(&app, &ctx, id, r).await
}

pub async fn step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let s = Step { action: one(&f, "action"), version: one(&f, "version").trim().parse().unwrap_or(0) };
    let r = rounds::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    after(&app, &ctx, id, r).await
}
