//! Pilot programme pages: the programmes and their rules, applications to the pilot-enterprise
//! pool with their eligibility checks and reviews, and the public pool with 公示 objections.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::duties::Step as Duty;
use dengta_domain::programme::rules::Programme;
use dengta_domain::programme::workflow::{self, EnrolmentActor, EnrolmentState};
use dengta_domain::role::Role;
use serde::Deserialize;

use super::directory::split_page;
use super::fmt::Fmt;
use super::{Msg, PAGE_SIZE, render, render_form};
use crate::app::objections::ObjectionForm;
use crate::app::programmes::{self, EnrolmentFile, Step};
use crate::app::records::EnrolmentRow;
use crate::app::records::ObjectionRow;
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Kept, Pairs, one, refusal, refused};
use crate::layout::Layout;

/// A programme as the page shows it.
pub struct ProgrammeView {
    pub p: &'static Programme,
    pub can_apply: bool,
}

impl ProgrammeView {
    pub fn window(&self) -> String {
        let (a, b) = self.p.window();
        match self.p.plan_approved() {
            Some(approved) => format!("{a} — {b}（自方案批复之日 {approved} 起算）"),
            None => format!("{a} — {b}"),
        }
    }
    /// The batch by its name and document when it is one of the national city-pilot batches.
    pub fn batch(&self) -> String {
        let known = dengta_domain::programme::rules::Batches::builtin().ok().and_then(|all| {
            all.get(self.p.batch()).map(|b| format!("{}（{}，{}）", self.p.batch(), b.name, b.document))
        });
        known.unwrap_or_else(|| self.p.batch().to_owned())
    }
    pub fn subsidy(&self) -> String {
        let s = self.p.subsidy();
        let mut text = format!("可补助投入的 {}%，{}", s.rate_bp / 100, s.cap.describe_zh());
        for (level, bonus) in &s.level_bonus {
            text.push_str(&format!("；达到{}另加 {} 元", dengta_domain::programme::level_zh(*level), bonus));
        }
        text.push_str(&format!("；验收等级不低于{}", dengta_domain::programme::level_zh(s.min_level)));
        text
    }
    /// Every category outside the subsidy base (those not listed as eligible, when the file lists them).
    pub fn excluded(&self) -> String {
        dengta_domain::programme::SpendCategory::ALL
            .into_iter()
            .filter(|c| self.p.is_excluded(*c))
            .map(|c| c.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn eligible(&self) -> String {
        self.p.eligible_categories().iter().map(|c| c.label_zh()).collect::<Vec<_>>().join("、")
    }
    pub fn rules(&self) -> String {
        dengta_domain::programme::eligibility::EligibilityRule::ALL
            .into_iter()
            .filter(|r| r.applies(self.p))
            .map(|r| r.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }
}

#[derive(Template)]
#[template(path = "programmes.html")]
struct ProgrammesPage {
    l: Layout,
    rows: Vec<ProgrammeView>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn programmes_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let mut region = p.region.clone();
    if let (Role::Enterprise, Some(id)) = (p.role, p.enterprise_id)
        && let Some(code) = crate::app::enterprises::region_code(app, id).await?
        && let Ok(r) = dengta_domain::region::RegionCode::parse(&code)
    {
        region = r;
    }
    let mine = programmes::programmes_for(&region)?;
    // Programmes the enterprise has already applied to offer no second application.
    let applied: Vec<String> = match p.role {
        Role::Enterprise => programmes::list(app, p, None, 0, 500).await?.into_iter().map(|r| r.programme_id).collect(),
        _ => Vec::new(),
    };
    let rows = programmes::programmes()?
        .into_iter()
        .map(|prog| ProgrammeView {
            p: prog,
            can_apply: p.role == Role::Enterprise
                && mine.iter().any(|m| m.id() == prog.id())
                && !applied.iter().any(|a| a == prog.id()),
        })
        .collect();
    let failed = error.is_some();
    render_form(
        &ProgrammesPage {
            l: Layout::new(ctx, "programmes.title", &[("/programmes", "nav.programmes")]),
            rows,
            notice,
            error,
        },
        failed,
    )
}

pub async fn programmes(State(app): State<App>, ctx: Ctx, Query(m): Query<Msg>) -> Result<Response, HttpError> {
    programmes_page(&app, &ctx, m.text(ctx.lang), None).await
}

pub async fn apply(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let enterprise = p.enterprise_id.ok_or(AppError::NotFound)?;
    match programmes::apply(&app, &ctx.actor(), &one(&f, "programme_id"), enterprise).await {
        Ok(id) => Ok(Redirect::to(&format!("/enrolments/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            programmes_page(&app, &ctx, None, Some(msg)).await
        }
    }
}

// ---- enrolments -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "enrolments.html")]
struct EnrolmentsPage {
    l: Layout,
    x: Fmt,
    rows: Vec<EnrolmentRow>,
    status: String,
    states: Vec<(&'static str, &'static str)>,
    next: Option<String>,
}

impl EnrolmentsPage {
    fn state(&self, code: &str) -> &'static str {
        EnrolmentState::parse(code).map_or("", |s| if self.l.lang.code() == "en" { s.label_en() } else { s.label_zh() })
    }
    fn programme(&self, id: &str) -> String {
        programmes::programme(id).map_or_else(|_| id.to_owned(), |p| p.name().to_owned())
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    after: Option<i64>,
    status: Option<String>,
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let status = q.status.clone().filter(|s| EnrolmentState::parse(s).is_some());
    let rows = programmes::list(&app, ctx.principal()?, status.as_deref(), q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    let status = status.unwrap_or_default();
    render(&EnrolmentsPage {
        l: Layout::new(&ctx, "enrolments.title", &[("/enrolments", "nav.enrolments")]),
        x: Fmt::new(&ctx),
        rows,
        next: next.map(|id| format!("/enrolments?after={id}&status={status}")),
        states: EnrolmentState::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
        status,
    })
}

#[derive(Template)]
#[template(path = "enrolment.html")]
struct EnrolmentPage {
    l: Layout,
    x: Fmt,
    f: EnrolmentFile,
    state: EnrolmentState,
    actions: Vec<(&'static str, &'static str, bool)>,
    /// Why a review tier is not offered (separation of duties).
    duty_notes: Vec<String>,
    objections: Vec<ObjectionRow>,
    can_resolve: bool,
    can_start_project: bool,
    providers: Vec<(i64, String)>,
    notice: Option<&'static str>,
    error: Option<String>,
    /// A refused form's input, shown again.
    k: Kept,
}

impl EnrolmentPage {
    fn step_action(&self, code: &str) -> &'static str {
        match workflow::EnrolmentAction::parse(code) {
            Some(a) => a.label_zh(),
            None if code == "apply" => "提交申请",
            None => "",
        }
    }
    fn step_state(&self, code: &str) -> &'static str {
        EnrolmentState::parse(code).map_or("", |s| s.label_zh())
    }
}

pub(crate) async fn enrolment_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
    k: Kept,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let f = programmes::file(app, p, id).await?;
    let state = EnrolmentState::parse(&f.row.status).ok_or_else(|| AppError::Internal(f.row.status.clone()))?;
    let (mut actions, mut can_resolve) = (Vec::new(), false);
    if p.role == Role::Officer
        && let Ok(er) = dengta_domain::region::RegionCode::parse(&f.row.region_code)
    {
        for a in workflow::available(state) {
            if EnrolmentActor::may(a, &p.region, &er, f.programme.region_code()) {
                actions.push((a.code(), a.label_zh(), a.needs_reason()));
            }
        }
        can_resolve =
            EnrolmentActor::may(workflow::EnrolmentAction::UpholdObjection, &p.region, &er, f.programme.region_code());
    }
    // A review tier the state allows but the duty rules keep from this officer: not offered, said why.
    let mut duty_notes = Vec::new();
    let tiers = [
        (Duty::EnrolmentDistrictReview, ["district_approve", "district_reject"]),
        (Duty::EnrolmentCityReview, ["city_approve", "city_reject"]),
    ];
    for (step, codes) in tiers {
        if actions.iter().any(|(c, _, _)| codes.contains(c))
            && let Some(v) = crate::app::duties::blocked_now(app, &[("enrolment", id)], step, p.user_id).await?
        {
            actions.retain(|(c, _, _)| !codes.contains(c));
            duty_notes.push(v.to_string());
        }
    }
    let objections = programmes::objections(app, id).await?;
    let can_start_project = p.role == Role::Enterprise && state == EnrolmentState::Listed;
    let providers = if can_start_project {
        crate::app::providers::public_list(app, 0, 500).await?.into_iter().map(|r| (r.id, r.name)).collect()
    } else {
        Vec::new()
    };
    let name = f.row.enterprise_name.clone();
    let href = format!("/enrolments/{id}");
    let failed = error.is_some();
    render_form(
        &EnrolmentPage {
            l: Layout::titled(
                ctx,
                format!("{} · {}", f.programme.name(), name),
                &[("/enrolments", "nav.enrolments"), (&href, &name)],
            ),
            x: Fmt::new(ctx),
            f,
            state,
            actions,
            duty_notes,
            objections,
            can_resolve,
            can_start_project,
            providers,
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
    enrolment_page(&app, &ctx, id, m.text(ctx.lang), None, Kept::default()).await
}

/// After a form: back to the page, or the page again with the message and the form as typed.
async fn after(app: &App, ctx: &Ctx, id: i64, kept: Kept, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/enrolments/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let (msg, kept) = refused(ctx, e, kept)?;
            enrolment_page(app, ctx, id, None, Some(msg), kept).await
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
        version: one(&f, "version").trim().parse().unwrap_or(0),
    };
    let r = programmes::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    after(&app, &ctx, id, Kept::new(one(&f, "action"), &f), r).await
}

pub async fn resolve_objection(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let oid = one(&f, "objection").trim().parse().unwrap_or(0);
    let r =
        programmes::resolve_objection(&app, &ctx.actor(), id, oid, one(&f, "decision") == "uphold", &one(&f, "reason"))
            .await;
    after(&app, &ctx, id, Kept::new(format!("objection-{oid}"), &f), r).await
}

// ---- the public pool ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_pilot.html")]
struct PublicPoolPage {
    l: Layout,
    x: Fmt,
    notices: Vec<EnrolmentRow>,
    listed: Vec<EnrolmentRow>,
    next: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl PublicPoolPage {
    fn programme(&self, id: &str) -> String {
        programmes::programme(id).map_or_else(|_| id.to_owned(), |p| p.name().to_owned())
    }
}

async fn public_page(
    app: &App,
    ctx: &Ctx,
    after: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let notices = programmes::public_pool(app, EnrolmentState::Publicised, 0, 200).await?;
    let listed = programmes::public_pool(app, EnrolmentState::Listed, after, PAGE_SIZE + 1).await?;
    let (listed, next) = split_page(listed, |r| r.id);
    let failed = error.is_some();
    render_form(
        &PublicPoolPage {
            l: Layout::new(ctx, "public.pilot_title", &[("/public/pilot-enterprises", "public.pilot_title")]),
            x: Fmt::new(ctx),
            notices,
            listed,
            next: next.map(|id| format!("/public/pilot-enterprises?after={id}")),
            notice,
            error,
        },
        failed,
    )
}

#[derive(Deserialize, Default)]
pub struct After {
    after: Option<i64>,
    msg: Option<String>,
}

pub async fn public_pool(State(app): State<App>, ctx: Ctx, Query(q): Query<After>) -> Result<Response, HttpError> {
    let m = Msg { msg: q.msg.clone() };
    public_page(&app, &ctx, q.after.unwrap_or(0), m.text(ctx.lang), None).await
}

pub async fn public_object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, HttpError> {
    match programmes::object(&app, &ctx.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/public/pilot-enterprises?msg=objection.done").into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            public_page(&app, &ctx, 0, None, Some(msg)).await
        }
    }
}
