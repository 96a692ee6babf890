//! Subsidies (奖补): the list, each one's trace, 公示, objections, approval and payment, and
//! the public notice with its objection form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::money::Fen;
use dengta_domain::programme::acceptance::{SubsidyAction, SubsidyState};
use dengta_domain::programme::amount_in_words;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::directory::split_page;
use super::fmt::Fmt;
use super::fmt::{fen, fen_o, stage_label, subsidy_action_label, subsidy_state_label};
use super::{Msg, PAGE_SIZE, render, render_form};
use crate::app::objections::ObjectionForm;
use crate::app::records::SubsidyRow;
use crate::app::subsidies::{self, PayRequest, SubsidyFile};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Pairs, one, refusal};
use crate::form::{fresh_key, id_of};
use crate::layout::Layout;

// ---- subsidies -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "subsidies.html")]
struct SubsidiesPage {
    l: Layout,
    rows: Vec<SubsidyRow>,
    status: String,
    states: Vec<(&'static str, &'static str)>,
    next: Option<String>,
}

impl SubsidiesPage {
    fn state(&self, code: &str) -> &'static str {
        subsidy_state_label(code)
    }
    fn yuan(&self, v: &i64) -> String {
        fen(v)
    }
    fn stage(&self, code: &str) -> &'static str {
        stage_label(code)
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    before: Option<i64>,
    status: Option<String>,
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let state = q.status.as_deref().and_then(SubsidyState::parse);
    let rows = subsidies::list(&app, ctx.principal()?, state, q.before.unwrap_or(i64::MAX), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    let status = state.map_or("", |s| s.code()).to_owned();
    render(&SubsidiesPage {
        l: Layout::new(&ctx, "money.subsidies_title", &[("/subsidies", "nav.subsidies")]),
        next: next.map(|id| format!("/subsidies?before={id}&status={status}")),
        rows,
        states: SubsidyState::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
        status,
    })
}

#[derive(Template)]
#[template(path = "subsidy.html")]
struct SubsidyPage {
    l: Layout,
    x: Fmt,
    f: SubsidyFile,
    words: String,
    publicity_open: bool,
    idempotency_key: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SubsidyPage {
    fn yuan(&self, v: &i64) -> String {
        fen(v)
    }
    fn amount(&self, v: &Option<Fen>) -> String {
        fen_o(v)
    }
    fn stage(&self, code: &str) -> &'static str {
        stage_label(code)
    }
    fn step_action(&self, code: &str) -> &'static str {
        subsidy_action_label(code)
    }
    fn step_state(&self, code: &str) -> &'static str {
        subsidy_state_label(code)
    }
    /// (code, label, needs reason) of the steps offered as forms (payment has its own form).
    fn actions(&self) -> Vec<(&'static str, &'static str, bool)> {
        self.f
            .actions
            .iter()
            .filter(|a| !matches!(a, SubsidyAction::Pay | SubsidyAction::Reverse))
            .map(|a| (a.code(), a.label_zh(), a.needs_reason()))
            .collect()
    }
    fn may_pay(&self) -> bool {
        self.f.may_act && self.f.state == SubsidyState::Approved && !self.f.pay_blocked
    }
    fn payment_state(&self, code: &str) -> &'static str {
        dengta_domain::programme::acceptance::PaymentState::parse(code).map_or("", |s| s.label_zh())
    }
    fn account_kind(&self, code: &str) -> &'static str {
        account_kind_label(code)
    }
}

pub fn account_kind_label(code: &str) -> &'static str {
    match code {
        "funding" => "预算指标",
        "pool" => "资金池可用",
        "commitment" => "已核算占用",
        "payable" => "已批准待拨付",
        "disbursed" => "已拨付",
        _ => "",
    }
}

async fn subsidy_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let f = subsidies::file(app, ctx.principal()?, id).await?;
    let words = amount_in_words(Fen(f.row.amount_fen));
    let publicity_open =
        f.state == SubsidyState::Publicised && f.row.publicity_ends_at.is_some_and(|e| crate::app::now_ms() <= e);
    let title = format!("{} · {}", ctx.t("money.subsidy"), f.row.project_title);
    let href = format!("/subsidies/{id}");
    let crumbs: Vec<(&str, &str)> = if ctx.principal()?.role == Role::Officer {
        vec![("/subsidies", "nav.subsidies"), (&href, &f.row.project_title)]
    } else {
        vec![(&href, &f.row.project_title)]
    };
    let l = Layout::titled(ctx, title, &crumbs);
    let failed = error.is_some();
    render_form(
        &SubsidyPage { l, x: Fmt::new(ctx), words, publicity_open, idempotency_key: fresh_key()?, f, notice, error },
        failed,
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, HttpError> {
    subsidy_page(&app, &ctx, id, m.text(ctx.lang), None).await
}

async fn subsidy_after(app: &App, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/subsidies/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(ctx, e)?;
            subsidy_page(app, ctx, id, None, Some(msg)).await
        }
    }
}

/// Scope first: an officer outside the subsidy's region gets 404 whatever the form says.
async fn in_scope(app: &App, ctx: &Ctx, id: i64) -> Result<SubsidyFile, AppError> {
    subsidies::file(app, ctx.principal()?, id).await
}

pub async fn subsidy_step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    in_scope(&app, &ctx, id).await?;
    let s = subsidies::Step { action: one(&f, "action"), reason: one(&f, "reason"), version: id_of(&f, "version") };
    let r = subsidies::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    subsidy_after(&app, &ctx, id, r).await
}

pub async fn pay(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    in_scope(&app, &ctx, id).await?;
    let r = PayRequest { idempotency_key: one(&f, "idempotency_key"), voucher: one(&f, "voucher") };
    let r = subsidies::pay(&app, &ctx.actor(), id, &r).await.map(|_| ());
    subsidy_after(&app, &ctx, id, r).await
}

pub async fn reverse(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let file = in_scope(&app, &ctx, id).await?;
    let payment_id = id_of(&f, "payment_id");
    if !file.payments.iter().any(|p| p.id == payment_id) {
        return Err(AppError::NotFound.into());
    }
    let r = subsidies::reverse(&app, &ctx.actor(), payment_id, &one(&f, "reason")).await.map(|_| ());
    subsidy_after(&app, &ctx, id, r).await
}

pub async fn resolve_objection(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    in_scope(&app, &ctx, id).await?;
    let uphold = matches!(one(&f, "uphold").trim(), "true" | "1" | "uphold");
    let r = subsidies::resolve_objection(&app, &ctx.actor(), id, id_of(&f, "objection_id"), uphold, &one(&f, "reason"))
        .await;
    subsidy_after(&app, &ctx, id, r).await
}

// ---- the public notice -----------------------------------------------------------------

pub struct PublicSubsidy {
    pub row: SubsidyRow,
    pub trace: Vec<dengta_domain::programme::TraceLine>,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "public_subsidies.html")]
struct PublicPage {
    l: Layout,
    x: Fmt,
    rows: Vec<PublicSubsidy>,
    next: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl PublicPage {
    fn state(&self, code: &str) -> &'static str {
        subsidy_state_label(code)
    }
    fn yuan(&self, v: &i64) -> String {
        fen(v)
    }
    fn amount(&self, v: &Option<Fen>) -> String {
        fen_o(v)
    }
    fn words(&self, v: &i64) -> String {
        amount_in_words(Fen(*v))
    }
}

async fn public_page(
    app: &App,
    ctx: &Ctx,
    before: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let rows = subsidies::public(app, before, PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    let now = crate::app::now_ms();
    let rows = rows
        .into_iter()
        .map(|row| PublicSubsidy {
            trace: serde_json::from_str(&row.trace_json).unwrap_or_default(),
            open: row.status == SubsidyState::Publicised.code() && row.publicity_ends_at.is_some_and(|e| now <= e),
            row,
        })
        .collect();
    let failed = error.is_some();
    render_form(
        &PublicPage {
            l: Layout::new(ctx, "public.subsidies_title", &[("/public/subsidies", "public.subsidies_title")]),
            x: Fmt::new(ctx),
            rows,
            next: next.map(|id| format!("/public/subsidies?before={id}")),
            notice,
            error,
        },
        failed,
    )
}

#[derive(Deserialize, Default)]
pub struct PublicQuery {
    before: Option<i64>,
    msg: Option<String>,
}

pub async fn public_list(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<PublicQuery>,
) -> Result<Response, HttpError> {
    let m = Msg { msg: q.msg.clone() };
    public_page(&app, &ctx, q.before.unwrap_or(i64::MAX), m.text(ctx.lang), None).await
}

pub async fn public_object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, HttpError> {
    match subsidies::object(&app, &ctx.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/public/subsidies?msg=objection.done").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            public_page(&app, &ctx, i64::MAX, None, Some(msg)).await
        }
    }
}
