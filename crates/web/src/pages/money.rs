//! Money pages: the acceptance (验收) section of a project and its forms, the acceptance bundle
//! (一企一档), subsidies (奖补) with their trace, 公示, objections, approval and payment, the
//! budget ledger (资金台账) with reconciliation, integrity flags (诚信预警), and the public
//! subsidy notice with its objection form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::integrity::FlagKind;
use dengta_domain::money::Fen;
use dengta_domain::programme::acceptance::{AcceptanceAction, AcceptanceState, SubsidyAction, SubsidyState};
use dengta_domain::programme::amount_in_words;
use dengta_domain::programme::rules::InstalmentStage;
use dengta_domain::role::{Principal, Role};
use serde::Deserialize;

use super::directory::split_page;
use super::fmt::Fmt;
use crate::form::{Pairs, one, refusal};
use super::{Msg, PAGE_SIZE, render, render_form};
use crate::app::acceptance::{self, AcceptanceFile, Application};
use crate::app::objections::ObjectionForm;
use crate::app::records::FlagRow;
use crate::app::records::SubsidyRow;
use crate::app::subsidies::{self, Allocation, PayRequest, PoolBalances, ReconciliationReport, SubsidyFile};
use crate::app::{App, AppError, bundle, integrity, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

// ---- labels shared by the templates ------------------------------------------------------

pub fn acceptance_state_label(code: &str) -> &'static str {
    AcceptanceState::parse(code).map_or("", |s| s.label_zh())
}

pub fn acceptance_action_label(code: &str) -> &'static str {
    match AcceptanceAction::parse(code) {
        Some(a) => a.label_zh(),
        None if code == "apply" => "申请验收",
        None => "",
    }
}

pub fn subsidy_state_label(code: &str) -> &'static str {
    SubsidyState::parse(code).map_or("", |s| s.label_zh())
}

pub fn subsidy_action_label(code: &str) -> &'static str {
    match SubsidyAction::parse(code) {
        Some(a) => a.label_zh(),
        None if code == "compute" => "核算奖补",
        None => "",
    }
}

pub fn flag_kind_label(code: &str) -> String {
    FlagKind::parse(code).map_or_else(|| code.to_owned(), |k| k.label_zh().to_owned())
}

fn stage_label(code: &str) -> &'static str {
    InstalmentStage::parse(code).map_or("", |s| s.label_zh())
}

fn fen(v: &i64) -> String {
    Fen(*v).to_string()
}

fn fen_o(v: &Option<Fen>) -> String {
    v.map(|f| f.to_string()).unwrap_or_default()
}

/// A random hex key for a form that must post once (idempotency key).
fn fresh_key() -> Result<String, AppError> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn id_of(f: &Pairs, key: &str) -> i64 {
    one(f, key).trim().parse().unwrap_or(0)
}

// ---- the acceptance section of the project page ------------------------------------------

/// What the project page shows about acceptance, integrity flags and subsidies.
pub struct ProjectMoney {
    pub acc: AcceptanceFile,
    pub flags: Vec<FlagRow>,
    pub subsidies: Vec<SubsidyRow>,
    pub declaration: &'static str,
    pub is_officer: bool,
    /// The caller is party to the acceptance (experts are assigned none, so they do not see it).
    pub shown: bool,
    /// The acceptance is accepted and the caller is an officer: a subsidy may be computed.
    pub may_compute: bool,
    /// Missing required items of the checklist, named.
    pub missing: String,
}

impl ProjectMoney {
    pub async fn load(app: &App, p: &Principal, row: &crate::app::records::ProjectRow) -> Result<Self, AppError> {
        let acc = acceptance::of_project(app, p, row).await?;
        let flags = integrity::of_project(app, p, row).await?;
        let subsidies = subsidies::of_project(app, p, row.id).await?;
        let is_officer = p.role == Role::Officer;
        let may_compute = is_officer && acc.state == Some(AcceptanceState::Accepted);
        let missing = dengta_domain::programme::materials::missing_zh(&acc.checklist);
        Ok(ProjectMoney {
            acc,
            flags,
            subsidies,
            declaration: acceptance::DECLARATION,
            is_officer,
            shown: p.role != Role::Expert,
            may_compute,
            missing,
        })
    }
    pub fn state_label(&self) -> &'static str {
        self.acc.state.map_or("", |s| s.label_zh())
    }
    pub fn state_code(&self) -> &'static str {
        self.acc.state.map_or("", |s| s.code())
    }
    pub fn round(&self) -> i64 {
        self.acc.row.as_ref().map_or(0, |r| r.round)
    }
    pub fn version(&self) -> i64 {
        self.acc.row.as_ref().map_or(0, |r| r.version)
    }
    /// (code, label, needs reason) of the actions the caller may take now.
    pub fn actions(&self) -> Vec<(&'static str, &'static str, bool)> {
        self.acc
            .actions
            .iter()
            .map(|a| (a.code(), a.label_zh(), a.needs_reason() || *a == AcceptanceAction::Accept))
            .collect()
    }
    pub fn step_action(&self, code: &str) -> &'static str {
        acceptance_action_label(code)
    }
    pub fn step_state(&self, code: &str) -> &'static str {
        acceptance_state_label(code)
    }
    pub fn flag_kind(&self, code: &str) -> String {
        flag_kind_label(code)
    }
    pub fn flag_open(&self, f: &FlagRow) -> bool {
        f.status == "open"
    }
    pub fn subsidy_state(&self, code: &str) -> &'static str {
        subsidy_state_label(code)
    }
    pub fn stage(&self, code: &str) -> &'static str {
        stage_label(code)
    }
    pub fn yuan(&self, v: &i64) -> String {
        fen(v)
    }
    pub fn eligible(&self) -> String {
        self.acc.evaluation.as_ref().map(|e| e.eligible_spend.to_string()).unwrap_or_default()
    }
    pub fn onsite_level(&self) -> String {
        self.acc
            .evaluation
            .as_ref()
            .and_then(|e| e.onsite_level)
            .map(dengta_domain::programme::level_zh)
            .unwrap_or_else(|| "—".to_owned())
    }
    pub fn finance_note(&self) -> &str {
        self.acc.row.as_ref().and_then(|r| r.finance_note.as_deref()).unwrap_or("")
    }
}

async fn project_after(app: &App, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}?msg=common.done#acceptance")).into_response()),
        Err(e) => {
            let msg = refusal(ctx, e)?;
            super::projects::project_page(app, ctx, id, None, Some(msg)).await
        }
    }
}

/// The enterprise applies for acceptance with the declaration ticked and its bank account.
pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let a = Application {
        declare: !one(&f, "declare").is_empty(),
        bank_account: one(&f, "bank_account"),
        summary: one(&f, "summary"),
    };
    let r = acceptance::apply(&app, &ctx.actor(), id, &a).await.map(|_| ());
    project_after(&app, &ctx, id, r).await
}

/// An acceptance step: verify, assess, accept, reject, return, reapply.
pub async fn acceptance_step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let s = acceptance::Step {
        action: one(&f, "action"),
        reason: one(&f, "reason"),
        version: id_of(&f, "version"),
        onsite_assessment_id: one(&f, "onsite_assessment_id").trim().parse().ok(),
        finance_eligible: one(&f, "finance_eligible"),
        finance_note: one(&f, "finance_note"),
        declare: !one(&f, "declare").is_empty(),
    };
    let r = acceptance::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    project_after(&app, &ctx, id, r).await
}

/// Clears one of the project's integrity flags with a reason.
pub async fn clear_flag(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let file = projects::file(&app, p, id).await?;
    let flag_id = id_of(&f, "flag_id");
    let flags = integrity::of_project(&app, p, &file.row).await?;
    if !flags.iter().any(|x| x.id == flag_id) {
        return Err(AppError::NotFound.into());
    }
    let r = integrity::clear(&app, &ctx.actor(), flag_id, &one(&f, "reason")).await;
    project_after(&app, &ctx, id, r).await
}

/// Computes the project's subsidy and opens its page.
pub async fn compute(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let stage = Some(one(&f, "stage")).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "after_acceptance".into());
    match subsidies::compute(&app, &ctx.actor(), id, &stage).await {
        Ok(sid) => Ok(Redirect::to(&format!("/subsidies/{sid}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            super::projects::project_page(&app, &ctx, id, None, Some(msg)).await
        }
    }
}

/// Percent-encodes a file name for `filename*=UTF-8''…`.
fn rfc5987(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The acceptance bundle (一企一档) as a ZIP download.
pub async fn download_bundle(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let (name, reader) = bundle::bundle(&app, &ctx.actor(), id).await?;
    // Streamed as it is written: memory stays bounded whatever the evidence size.
    let bytes = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    let disposition = format!("attachment; filename=\"project-{id}.zip\"; filename*=UTF-8''{}", rfc5987(&name));
    Ok(([(header::CONTENT_TYPE, "application/zip".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

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

// ---- the ledger ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    l: Layout,
    /// (programme id, programme name, its pools)
    programmes: Vec<(String, String, Vec<PoolBalances>)>,
    report: ReconciliationReport,
    idempotency_key: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl LedgerPage {
    fn yuan(&self, v: &i64) -> String {
        fen(v)
    }
}

async fn ledger_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let mut programmes = Vec::new();
    for prog in crate::app::pilot::programmes()? {
        // Programmes outside the caller's scope are skipped.
        if let Ok(pools) = subsidies::pools(app, p, prog.id()).await {
            programmes.push((prog.id().to_owned(), prog.name().to_owned(), pools));
        }
    }
    let report = subsidies::reconciliation(app, p).await?;
    let failed = error.is_some();
    render_form(
        &LedgerPage {
            l: Layout::new(ctx, "money.ledger_title", &[("/ledger", "nav.ledger")]),
            programmes,
            report,
            idempotency_key: fresh_key()?,
            notice,
            error,
        },
        failed,
    )
}

pub async fn ledger(State(app): State<App>, ctx: Ctx, Query(m): Query<Msg>) -> Result<Response, HttpError> {
    ledger_page(&app, &ctx, m.text(ctx.lang), None).await
}

pub async fn allocate(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let a = Allocation {
        pool: one(&f, "pool"),
        amount: one(&f, "amount"),
        reference: one(&f, "reference"),
        idempotency_key: one(&f, "idempotency_key"),
    };
    match subsidies::allocate(&app, &ctx.actor(), one(&f, "programme_id").trim(), &a).await {
        Ok(_) => Ok(Redirect::to("/ledger?msg=common.done").into_response()),
        Err(AppError::Forbidden) => {
            ledger_page(&app, &ctx, None, Some(ctx.t("money.not_programme_officer").to_owned())).await
        }
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            ledger_page(&app, &ctx, None, Some(msg)).await
        }
    }
}

// ---- integrity flags ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "integrity.html")]
struct IntegrityPage {
    l: Layout,
    x: Fmt,
    rows: Vec<FlagRow>,
    cleared: bool,
    next: Option<String>,
}

impl IntegrityPage {
    fn kind(&self, code: &str) -> String {
        flag_kind_label(code)
    }
}

#[derive(Deserialize, Default)]
pub struct FlagQuery {
    before: Option<i64>,
    cleared: Option<String>,
}

pub async fn flags(State(app): State<App>, ctx: Ctx, Query(q): Query<FlagQuery>) -> Result<Response, HttpError> {
    let cleared = matches!(q.cleared.as_deref(), Some("1" | "true"));
    let rows = integrity::list(&app, ctx.principal()?, cleared, q.before.unwrap_or(i64::MAX), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    let c = if cleared { "1" } else { "0" };
    render(&IntegrityPage {
        l: Layout::new(&ctx, "money.integrity_title", &[("/integrity", "nav.integrity")]),
        x: Fmt::new(&ctx),
        rows,
        cleared,
        next: next.map(|id| format!("/integrity?before={id}&cleared={c}")),
    })
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
