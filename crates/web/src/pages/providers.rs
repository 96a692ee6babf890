//! Provider pool pages: the public application form, the provider file with its lifecycle
//! actions, experts' review sheets, sub-industries, and the public provider pages with 公示.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::provider::ProviderKind;
use dengta_domain::provider::lifecycle::{self, ProviderAction, ProviderState};
use dengta_domain::provider::rubric::RubricDimension;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::directory::split_page;
use super::fmt::{Fmt, action_label, kind_label, state_label};
use super::{Msg, PAGE_SIZE, Page, render, render_form};
use crate::app::objections::ObjectionForm;
use crate::app::providers::{self as pool, Application, ProviderFile, Step};
use crate::app::records::{AssignmentRow, ProviderRow, ReviewRow, SubIndustryRow};
use crate::app::{App, AppError, directory};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Kept, Pairs, all_ids, one, refusal, refused};
use crate::i18n::Lang;
use crate::layout::Layout;

// ---- application ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "provider_apply.html")]
struct ApplyPage {
    l: Layout,
    x: Fmt,
    f: Application,
    kinds: Vec<(&'static str, String)>,
    subs: Vec<SubIndustryRow>,
    error: Option<String>,
}

fn kinds(lang: Lang) -> Vec<(&'static str, String)> {
    ProviderKind::ALL.iter().map(|k| (k.code(), kind_label(lang, k.code()))).collect()
}

async fn apply_form(app: &App, ctx: &Ctx, f: Application, error: Option<String>) -> Result<Response, HttpError> {
    // Sub-industries of every region (the applicant's region is known only from its code).
    let subs = crate::app::providers::all_sub_industries(app).await?;
    let failed = error.is_some();
    render_form(
        &ApplyPage {
            x: Fmt::new(ctx),
            l: Layout::new(ctx, "apply.title", &[]),
            kinds: kinds(ctx.lang),
            f,
            subs,
            error,
        },
        failed,
    )
}

pub async fn apply_page(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    apply_form(&app, &ctx, Application::default(), None).await
}

pub async fn apply(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let a = Application {
        username: one(&f, "username"),
        password: one(&f, "password"),
        uscc: one(&f, "uscc"),
        name: one(&f, "name"),
        kind: one(&f, "kind"),
        founded_year: one(&f, "founded_year").trim().parse().ok(),
        sub_industries: all_ids(&f, "sub_industry"),
        qualifications: one(&f, "qualifications"),
        cases: one(&f, "cases"),
        attachments: one(&f, "attachments"),
        contact_name: one(&f, "contact_name"),
        contact_phone: one(&f, "contact_phone"),
        bank_account: one(&f, "bank_account"),
    };
    match pool::apply(&app, &a, &ctx.request_id).await {
        Ok(_) => Ok(Redirect::to("/login?msg=apply.done").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            apply_form(&app, &ctx, Application { password: String::new(), ..a }, Some(msg)).await
        }
    }
}

// ---- list ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "providers.html")]
struct ProvidersPage {
    l: Layout,
    x: Fmt,
    rows: Vec<ProviderRow>,
    next: Option<String>,
    status: String,
    states: Vec<(&'static str, String)>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    after: Option<i64>,
    status: Option<String>,
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let status = q.status.clone().filter(|s| ProviderState::parse(s).is_some());
    let rows = directory::list_providers(&app, p, status.clone(), q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    let status = status.unwrap_or_default();
    render(&ProvidersPage {
        x: Fmt::new(&ctx),
        l: Layout::new(&ctx, "providers.title", &[("/providers", "nav.providers")]),
        rows,
        next: next.map(|id| format!("/providers?after={id}&status={status}")),
        states: ProviderState::ALL.iter().map(|s| (s.code(), state_label(ctx.lang, s.code()))).collect(),
        status,
    })
}

// ---- the provider file ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "provider.html")]
struct ProviderPage {
    l: Layout,
    x: Fmt,
    f: ProviderFile,
    is_officer: bool,
    actions: Vec<(&'static str, String, bool, bool)>,
    experts: Vec<(i64, String, String)>,
    /// The rubrics an evaluation may use: (id, name), the default first.
    rubrics: Vec<(String, String)>,
    quotas: Vec<(String, i64, i64)>,
    open_review: Option<(ReviewRow, Vec<AssignmentRow>)>,
    publicity_open: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    /// A refused form's input, shown again.
    k: Kept,
}

async fn provider_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
    k: Kept,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let f = pool::file(app, p, id).await?;
    let is_officer = p.role == Role::Officer;
    let is_own = p.role == Role::Provider && p.provider_id == Some(id);
    let actions = lifecycle::available(f.state)
        .into_iter()
        .filter(|a| a.by_provider() == is_own && (is_officer || is_own))
        // Review outcomes come from finishing the review; stars from an evaluation.
        .filter(|a| {
            !matches!(a, ProviderAction::Publicise | ProviderAction::Evaluate | ProviderAction::UpholdObjection)
        })
        .map(|a| (a.code(), action_label(ctx.lang, a.code()), a.needs_reason(), a.needs_deadline()))
        .collect();
    let experts = if is_officer { pool::experts(app, p).await? } else { Vec::new() };
    let quotas = pool::quota_use(app, &f.provider, &f.sub_industries).await?;
    let open_review = f.reviews.iter().find(|(r, _)| r.status == "open").cloned();
    let publicity_open = f.state == ProviderState::Publicised;
    let href = format!("/providers/{id}");
    let name = f.provider.name.clone();
    let l = Layout::titled(ctx, name.clone(), &[("/providers", "nav.providers"), (&href, &name)]);
    let failed = error.is_some();
    render_form(
        &ProviderPage {
            x: Fmt::new(ctx),
            l,
            f,
            is_officer,
            actions,
            experts,
            rubrics: pool::rubrics()?.iter().map(|r| (r.id().to_owned(), r.name().to_owned())).collect(),
            quotas,
            open_review,
            publicity_open,
            notice,
            error,
            k,
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
    provider_page(&app, &ctx, id, m.text(ctx.lang), None, Kept::default()).await
}

/// After a form: back to the page, or the page again with the message and the form as typed.
async fn after(app: &App, ctx: &Ctx, id: i64, kept: Kept, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/providers/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let (msg, kept) = refused(ctx, e, kept)?;
            provider_page(app, ctx, id, None, Some(msg), kept).await
        }
    }
}

pub async fn step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let s = Step {
        action: one(&f, "action"),
        reason: one(&f, "reason"),
        deadline: one(&f, "deadline"),
        experts: all_ids(&f, "expert"),
        version: one(&f, "version").trim().parse().unwrap_or(0),
    };
    let r = pool::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    after(&app, &ctx, id, Kept::new(one(&f, "action"), &f), r).await
}

pub async fn start_evaluation(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let rubric = one(&f, "rubric");
    let r =
        pool::start_evaluation(&app, &ctx.actor(), id, &all_ids(&f, "expert"), Some(rubric.as_str())).await.map(|_| ());
    after(&app, &ctx, id, Kept::default(), r).await
}

pub async fn add_expert(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let expert = one(&f, "expert").trim().parse().unwrap_or(0);
    let r = pool::add_expert(&app, &ctx.actor(), id, expert).await;
    after(&app, &ctx, id, Kept::default(), r).await
}

pub async fn finish_review(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let r = pool::finish_review(&app, &ctx.actor(), id).await.map(|_| ());
    after(&app, &ctx, id, Kept::default(), r).await
}

pub async fn resolve_objection(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let oid: i64 = one(&f, "objection").trim().parse().unwrap_or(0);
    let uphold = one(&f, "decision") == "uphold";
    // The objection must belong to this provider.
    let belongs = crate::app::providers::objection_against(&app, id, oid).await?;
    let r = if belongs {
        pool::resolve_objection(&app, &ctx.actor(), oid, uphold, &one(&f, "reason")).await
    } else {
        Err(AppError::NotFound)
    };
    after(&app, &ctx, id, Kept::default(), r).await
}

// ---- review sheets (experts) ------------------------------------------------------------

#[derive(Template)]
#[template(path = "sheets.html")]
struct SheetsPage {
    l: Layout,
    x: Fmt,
    rows: Vec<(AssignmentRow, ProviderRow, ReviewRow)>,
}

pub async fn sheets(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let rows = pool::my_sheets(&app, ctx.principal()?).await?;
    render(&SheetsPage {
        x: Fmt::new(&ctx),
        l: Layout::new(&ctx, "sheets.title", &[("/reviews", "nav.reviews")]),
        rows,
    })
}

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage {
    l: Layout,
    x: Fmt,
    s: pool::Sheet,
    dims: Vec<RubricDimension>,
    rubric_name: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SheetPage {
    fn given(&self, id: &str) -> String {
        self.s.scores.get(id).map(u32::to_string).unwrap_or_default()
    }
}

async fn sheet_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let s = pool::sheet(app, ctx.principal()?, id).await?;
    let rubric = s.rubric;
    let failed = error.is_some();
    let title = format!("{} · {}", ctx.t("sheets.title"), s.provider.name);
    render_form(
        &SheetPage {
            x: Fmt::new(ctx),
            l: Layout::titled(ctx, title, &[("/reviews", "nav.reviews")]),
            dims: rubric.dimensions().to_vec(),
            rubric_name: rubric.name().to_owned(),
            s,
            notice,
            error,
        },
        failed,
    )
}

pub async fn sheet(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, HttpError> {
    sheet_page(&app, &ctx, id, m.text(ctx.lang), None).await
}

async fn after_sheet(app: &App, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/reviews/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(ctx, e)?;
            sheet_page(app, ctx, id, None, Some(msg)).await
        }
    }
}

pub async fn declare(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let conflict = one(&f, "conflict") == "yes";
    let r = pool::declare(&app, &ctx.actor(), id, conflict, &one(&f, "note")).await;
    after_sheet(&app, &ctx, id, r).await
}

pub async fn score(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let mut scores = BTreeMap::new();
    let mut bad = None;
    for (k, v) in &f {
        if let Some(c) = k.strip_prefix("c_") {
            match v.trim().parse::<u32>() {
                Ok(n) => {
                    scores.insert(c.to_owned(), n);
                }
                Err(_) => bad = Some(format!("{c}: {v}")),
            }
        }
    }
    let r = match bad {
        Some(b) => Err(AppError::invalid("error.scores", b)),
        None => pool::score(&app, &ctx.actor(), id, &scores).await.map(|_| ()),
    };
    after_sheet(&app, &ctx, id, r).await
}

// ---- sub-industries ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "sub_industries.html")]
struct SubIndustriesPage {
    l: Layout,
    rows: Vec<SubIndustryRow>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn subs_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let rows = pool::sub_industries_in_scope(app, ctx.principal()?).await?;
    let failed = error.is_some();
    render_form(
        &SubIndustriesPage {
            l: Layout::new(ctx, "subs.title", &[("/sub-industries", "nav.sub_industries")]),
            rows,
            notice,
            error,
        },
        failed,
    )
}

pub async fn sub_industries(State(app): State<App>, ctx: Ctx, Query(m): Query<Msg>) -> Result<Response, HttpError> {
    subs_page(&app, &ctx, m.text(ctx.lang), None).await
}

pub async fn add_sub_industry(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    match pool::add_sub_industry(&app, &ctx.actor(), &one(&f, "name"), &one(&f, "codes")).await {
        Ok(_) => Ok(Redirect::to("/sub-industries?msg=common.done").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            subs_page(&app, &ctx, None, Some(msg)).await
        }
    }
}

// ---- public pages ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_providers.html")]
struct PublicProvidersPage {
    l: Layout,
    x: Fmt,
    pool: Vec<ProviderRow>,
    notices: Vec<ProviderRow>,
    next: Option<String>,
}

pub async fn public_list(State(app): State<App>, ctx: Ctx, Query(q): Query<Page>) -> Result<Response, HttpError> {
    let rows = pool::public_list(&app, q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    render(&PublicProvidersPage {
        x: Fmt::new(&ctx),
        l: Layout::new(&ctx, "public.providers_title", &[("/public/providers", "public.providers_title")]),
        pool: rows,
        notices: pool::publicised(&app).await?,
        next: next.map(|id| format!("/public/providers?after={id}")),
    })
}

#[derive(Template)]
#[template(path = "public_provider.html")]
struct PublicProviderPage {
    l: Layout,
    x: Fmt,
    f: ProviderFile,
    publicity_open: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    form: ObjectionForm,
}

async fn public_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
    form: ObjectionForm,
) -> Result<Response, HttpError> {
    let f = pool::public_file(app, id).await?;
    let publicity_open =
        f.state == ProviderState::Publicised && f.provider.publicity_ends_at.is_some_and(|e| crate::app::now_ms() <= e);
    let name = f.provider.name.clone();
    let href = format!("/public/providers/{id}");
    let l = Layout::titled(ctx, name.clone(), &[("/public/providers", "public.providers_title"), (&href, &name)]);
    let failed = error.is_some();
    render_form(&PublicProviderPage { x: Fmt::new(ctx), l, f, publicity_open, notice, error, form }, failed)
}

pub async fn public_show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, HttpError> {
    public_page(&app, &ctx, id, m.text(ctx.lang), None, ObjectionForm::default()).await
}

pub async fn public_object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, HttpError> {
    match pool::object(&app, &ctx.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/public/providers/{id}?msg=objection.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            public_page(&app, &ctx, id, None, Some(msg), f).await
        }
    }
}
