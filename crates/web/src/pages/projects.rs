//! Project pages: the list in scope, the project file (documents, milestones, evidence with
//! hashes and integrity flags, payments, history) with its simple steps and evidence upload,
//! and the printable contract with the amount in 人民币大写.

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::programme::contract::Criterion;
use dengta_domain::programme::rules::SpendCategory;
use dengta_domain::programme::workflow::{self, ProjectAction};
use serde::Deserialize;

use super::directory::split_page;
use super::fmt::Fmt;
use super::fmt::{
    acceptance_action_label, acceptance_state_label, fen, flag_kind_label, stage_label, subsidy_state_label,
};
use super::{Msg, PAGE_SIZE, Page, render, render_form};
use crate::app::acceptance::{self as acceptance_app, AcceptanceFile};
use crate::app::projects::{self, Diagnosis, NewProject, PaymentInput, Plan, ProjectFile, Step};
use crate::app::records::ProjectRow;
use crate::app::records::{FlagRow, SubsidyRow};
use crate::app::{App, AppError, files};
use crate::app::{integrity as integrity_app, subsidies as subsidies_app};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Kept, Pairs, one, refused};
use crate::layout::Layout;
use dengta_domain::money::Fen;
use dengta_domain::programme::Date;
use dengta_domain::programme::acceptance::{AcceptanceAction, AcceptanceState};
use dengta_domain::programme::contract::{ContractDraft, CostSplit, InvestmentLine, Party, PartyRole};
use dengta_domain::role::{Principal, Role};

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    l: Layout,
    rows: Vec<ProjectRow>,
    next: Option<String>,
}

impl ListPage {
    fn state(&self, code: &str) -> &'static str {
        workflow::ProjectState::parse(code).map_or("", |s| s.label_zh())
    }
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<Page>) -> Result<Response, HttpError> {
    let rows = projects::list(&app, ctx.principal()?, q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    render(&ListPage {
        l: Layout::new(&ctx, "projects.title", &[("/projects", "nav.projects")]),
        rows,
        next: next.map(|id| format!("/projects?after={id}")),
    })
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    l: Layout,
    x: Fmt,
    f: ProjectFile,
    actions: Vec<(&'static str, &'static str, bool)>,
    can_upload: bool,
    is_provider: bool,
    is_officer: bool,
    scenes: Vec<(String, String)>,
    categories: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    defaults: Vec<String>,
    /// Acceptance, integrity flags and subsidies (see `money.rs`).
    money: AcceptanceSection,
    /// Outcomes on the seven axes (see `outcomes.rs`).
    outcomes: super::project_outcomes::OutcomesSection,
    /// The project's connected devices and their KPIs (see `equipment.rs`).
    eq: super::equipment::EquipmentView,
    notice: Option<&'static str>,
    error: Option<String>,
    /// A refused form's input, shown again.
    k: Kept,
    /// The project's steps: (label, "done" | "current" | "todo"); empty once cancelled.
    progress: Vec<(&'static str, &'static str)>,
}

impl ProjectPage {
    fn category(&self, c: &SpendCategory) -> &'static str {
        c.label_zh()
    }
    fn excluded(&self, c: &SpendCategory) -> bool {
        crate::app::programmes::programme(&self.f.row.programme_id).is_ok_and(|p| p.is_excluded(*c))
    }
    fn criterion(&self, c: &Criterion) -> String {
        c.describe_zh()
    }
    fn step_action(&self, code: &str) -> &'static str {
        match ProjectAction::parse(code) {
            Some(a) => a.label_zh(),
            None if code == "create" => "立项",
            None => "",
        }
    }
    fn step_state(&self, code: &str) -> &'static str {
        workflow::ProjectState::parse(code).map_or("", |s| s.label_zh())
    }
    fn scene_name(&self, id: &str) -> String {
        self.scenes.iter().find(|(s, _)| s == id).map_or_else(|| id.to_owned(), |(_, n)| n.clone())
    }
    fn category_code(&self, code: &str) -> &'static str {
        SpendCategory::parse(code).map_or("", |c| c.label_zh())
    }
    /// The name of a scene's target field in the plan form.
    fn target_name(&self, scene: &str) -> String {
        format!("target_{scene}")
    }
}

/// Steps that carry no document can be taken from the page; the others go through the API.
const PAGE_ACTIONS: &[ProjectAction] = &[
    ProjectAction::StartDiagnosis,
    ProjectAction::ApproveDiagnosis,
    ProjectAction::ReturnDiagnosis,
    ProjectAction::Start,
    ProjectAction::Complete,
    ProjectAction::Cancel,
];

pub(crate) async fn project_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
    k: Kept,
) -> Result<Response, HttpError> {
    let f = projects::file(app, ctx.principal()?, id).await?;
    let actions = workflow::available(f.state)
        .into_iter()
        .filter(|a| PAGE_ACTIONS.contains(a) && f.who.may(*a))
        .map(|a| (a.code(), a.label_zh(), a.needs_reason()))
        .collect();
    let can_upload = matches!(f.who, workflow::ProjectActor::Enterprise | workflow::ProjectActor::Provider);
    let is_provider = f.who == workflow::ProjectActor::Provider;
    let is_officer = f.who == workflow::ProjectActor::Officer;
    let defaults = crate::app::programmes::programme(&f.row.programme_id)?
        .default_criteria()
        .iter()
        .map(Criterion::describe_zh)
        .collect();
    let money = AcceptanceSection::load(app, ctx.principal()?, &f.row).await?;
    let outcomes = super::project_outcomes::OutcomesSection::load(app, ctx.principal()?, &f.row).await?;
    let eq = super::equipment::of_project(app, id, ctx.lang).await?;
    let paid = money.subsidies.iter().any(|s| s.status == "paid");
    let en = ctx.lang == crate::i18n::Lang::En;
    let progress = dengta_domain::workbench::project_progress(f.state, money.acc.state, paid)
        .map(|done| {
            dengta_domain::workbench::PROJECT_STEPS
                .iter()
                .enumerate()
                .map(|(i, (_, zh, e))| {
                    let class = if i < done {
                        "done"
                    } else if i == done {
                        "current"
                    } else {
                        "todo"
                    };
                    (if en { *e } else { *zh }, class)
                })
                .collect()
        })
        .unwrap_or_default();
    let title = f.row.title.clone();
    let href = format!("/projects/{id}");
    let failed = error.is_some();
    render_form(
        &ProjectPage {
            eq,
            l: Layout::titled(ctx, title.clone(), &[("/projects", "nav.projects"), (&href, &title)]),
            x: Fmt::new(ctx),
            f,
            actions,
            can_upload,
            is_provider,
            is_officer,
            scenes: crate::app::catalogue::scene_catalogue()?,
            categories: SpendCategory::ALL.iter().map(|c| (c.code(), c.label_zh())).collect(),
            roles: PartyRole::ALL.iter().map(|r| (r.code(), r.label_zh())).collect(),
            defaults,
            money,
            outcomes,
            notice,
            error,
            k,
            progress,
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
    project_page(&app, &ctx, id, m.text(ctx.lang), None, Kept::default()).await
}

/// After a form: back to the page, or the page again with the message and the form as typed.
pub(crate) async fn after(
    app: &App,
    ctx: &Ctx,
    id: i64,
    kept: Kept,
    r: Result<(), AppError>,
) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let (msg, kept) = refused(ctx, e, kept)?;
            project_page(app, ctx, id, None, Some(msg), kept).await
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
        ..Step::default()
    };
    let r = projects::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    after(&app, &ctx, id, Kept::new(one(&f, "action"), &f), r).await
}

#[derive(Deserialize, Default)]
pub struct UploadQuery {
    kind: Option<String>,
    milestone_id: Option<i64>,
}

pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, HttpError> {
    projects::file(&app, ctx.principal()?, id).await?;
    let mut form = form.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let kind = q.kind.unwrap_or_else(|| "other".into());
    let mut result = Err(AppError::invalid("error.file_empty", "file"));
    while let Some(mut field) =
        form.next_field().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
    {
        if field.name() == Some("file") {
            result = match files::receive_pending(&app, &mut field).await {
                Ok(received) => {
                    projects::attach(&app, &ctx.actor(), id, &kind, q.milestone_id, &received).await.map(|_| ())
                }
                Err(e) => Err(e),
            };
            break;
        }
    }
    after(&app, &ctx, id, Kept::default(), result).await
}

#[derive(Template)]
#[template(path = "contract.html")]
struct ContractPage {
    l: Layout,
    f: ProjectFile,
}

impl ContractPage {
    fn criterion(&self, c: &Criterion) -> String {
        c.describe_zh()
    }
    fn category(&self, c: &SpendCategory) -> &'static str {
        c.label_zh()
    }
}

pub async fn contract(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let f = projects::file(&app, ctx.principal()?, id).await?;
    let title = format!("{} · {}", ctx.t("projects.contract"), f.row.title);
    render(&ContractPage { l: Layout::titled(&ctx, title, &[("/projects", "nav.projects")]), f })
}

// ---- forms for the steps that carry a document -----------------------------------------------

fn yuan_to_fen(v: &str, field: &str) -> Result<Fen, AppError> {
    Fen::parse_yuan(v).map_err(|e| AppError::invalid("error.item_price", format!("{field}: {e}")))
}

/// The enterprise starts a project under its listed enrolment.
pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let n = NewProject {
        enrolment_id: one(&f, "enrolment_id").trim().parse().unwrap_or(0),
        provider_id: one(&f, "provider_id").trim().parse().unwrap_or(0),
        title: one(&f, "title"),
    };
    match projects::create(&app, &ctx.actor(), &n).await {
        Ok(id) => Ok(Redirect::to(&format!("/projects/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let (msg, kept) = refused(&ctx, e, Kept::new("project", &f))?;
            super::programmes::enrolment_page(&app, &ctx, n.enrolment_id, None, Some(msg), kept).await
        }
    }
}

async fn document_step(
    app: &App,
    ctx: &Ctx,
    id: i64,
    kept: Kept,
    s: Result<Step, AppError>,
) -> Result<Response, HttpError> {
    let r = match s {
        Ok(s) => projects::step(app, &ctx.actor(), id, &s).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(app, ctx, id, kept, r).await
}

pub async fn diagnosis(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let d = Diagnosis {
        survey_date: one(&f, "survey_date"),
        surveyors: one(&f, "surveyors"),
        assessment_id: one(&f, "assessment_id").trim().parse().ok(),
        gaps: one(&f, "gaps"),
        recommendations: one(&f, "recommendations"),
    };
    let s = Step { action: "submit_diagnosis".into(), diagnosis: Some(d), ..Step::default() };
    document_step(&app, &ctx, id, Kept::new("diagnosis", &f), Ok(s)).await
}

pub async fn plan(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let targets = f
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("target_").map(|scene| (scene.to_owned(), v.trim().parse::<u8>().unwrap_or(0)))
        })
        .filter(|(_, l)| *l > 0)
        .collect();
    let s = lines_of(&f).map(|lines| Step {
        action: "submit_plan".into(),
        plan: Some(Plan { targets, lines, schedule: one(&f, "schedule") }),
        ..Step::default()
    });
    document_step(&app, &ctx, id, Kept::new("plan", &f), s).await
}

/// Investment lines from repeated `line_category` / `line_description` / `line_amount` fields.
fn lines_of(f: &Pairs) -> Result<Vec<InvestmentLine>, AppError> {
    let all = |k: &str| f.iter().filter(|(x, _)| x == k).map(|(_, v)| v.trim().to_owned()).collect::<Vec<_>>();
    let (cats, descs, amounts) = (all("line_category"), all("line_description"), all("line_amount"));
    let mut lines = Vec::new();
    for (i, desc) in descs.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        let category = cats
            .get(i)
            .and_then(|c| SpendCategory::parse(c))
            .ok_or_else(|| AppError::invalid("error.spend_category", desc))?;
        let amount = yuan_to_fen(amounts.get(i).map_or("", String::as_str), desc)?;
        lines.push(InvestmentLine { category, description: desc.clone(), amount });
    }
    Ok(lines)
}

fn contract_of(f: &Pairs, defaults: &[Criterion]) -> Result<ContractDraft, AppError> {
    let all = |k: &str| f.iter().filter(|(x, _)| x == k).map(|(_, v)| v.trim().to_owned()).collect::<Vec<_>>();
    let (names, usccs, roles, amounts) = (all("party_name"), all("party_uscc"), all("party_role"), all("party_amount"));
    let mut parties = Vec::new();
    for (i, name) in names.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
        let role = roles
            .get(i)
            .and_then(|r| PartyRole::parse(r))
            .ok_or_else(|| AppError::invalid("error.party_role", name))?;
        parties.push(Party {
            uscc: usccs.get(i).cloned().unwrap_or_default(),
            name: name.clone(),
            role,
            amount: yuan_to_fen(amounts.get(i).map_or("", String::as_str), name)?,
        });
    }
    let lines = lines_of(f)?;
    let split = CostSplit {
        enterprise: yuan_to_fen(&one(f, "split_enterprise"), "split_enterprise")?,
        provider_discount: yuan_to_fen(&one(f, "split_provider"), "split_provider")?,
        government: yuan_to_fen(&one(f, "split_government"), "split_government")?,
    };
    let chosen: Vec<usize> = f.iter().filter(|(k, _)| k == "criterion").filter_map(|(_, v)| v.parse().ok()).collect();
    let criteria = defaults.iter().enumerate().filter(|(i, _)| chosen.contains(i)).map(|(_, c)| c.clone()).collect();
    let sign_date =
        Date::parse(one(f, "sign_date").trim()).map_err(|e| AppError::invalid("error.date", e.to_string()))?;
    let down = one(f, "down_payment");
    let down_payment = if down.trim().is_empty() { Fen::ZERO } else { yuan_to_fen(down.trim(), "down_payment")? };
    Ok(ContractDraft { sign_date, parties, lines, split, criteria, down_payment })
}

pub async fn contract_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let file = projects::file(&app, ctx.principal()?, id).await?;
    let defaults = crate::app::programmes::programme(&file.row.programme_id)?.default_criteria().to_vec();
    let s = contract_of(&f, &defaults).map(|c| Step {
        action: "sign_contract".into(),
        contract: Some(c),
        ..Step::default()
    });
    document_step(&app, &ctx, id, Kept::new("contract", &f), s).await
}

pub async fn filing(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let s = Step { action: "file".into(), filing_no: one(&f, "filing_no"), ..Step::default() };
    document_step(&app, &ctx, id, Kept::new("filing", &f), Ok(s)).await
}

pub async fn milestone(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let r = match one(&f, "milestone_id").trim().parse::<i64>() {
        Ok(m) => projects::finish_milestone(&app, &ctx.actor(), id, m).await,
        Err(_) => {
            projects::add_milestone(&app, &ctx.actor(), id, &one(&f, "title"), &one(&f, "due_date")).await.map(|_| ())
        }
    };
    after(&app, &ctx, id, Kept::new("milestone", &f), r).await
}

pub async fn payment(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let p = PaymentInput {
        kind: one(&f, "kind"),
        category: one(&f, "category"),
        number: one(&f, "number"),
        amount: one(&f, "amount"),
        date: one(&f, "date"),
    };
    let r = projects::record_payment(&app, &ctx.actor(), id, &p).await.map(|_| ());
    after(&app, &ctx, id, Kept::new("payment", &f), r).await
}

/// What the project page shows about acceptance, integrity flags and subsidies.
pub struct AcceptanceSection {
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
    /// The chain (链式 / 面状) the project belongs to, as its lead's frame or an SME's line.
    pub chain: Option<crate::app::chains::Membership>,
    /// The enterprise's satisfaction evaluation of the provider (after acceptance).
    pub satisfaction: crate::app::satisfaction::ProjectSatisfaction,
}

impl AcceptanceSection {
    pub async fn load(app: &App, p: &Principal, row: &crate::app::records::ProjectRow) -> Result<Self, AppError> {
        let acc = acceptance_app::of_project(app, p, row).await?;
        let flags = integrity_app::of_project(app, p, row).await?;
        let subsidies = subsidies_app::of_project(app, p, row.id).await?;
        let is_officer = p.role == Role::Officer;
        let chain = crate::app::chains::membership(app, row.id).await?;
        // The lead's project is granted its share of the chain, not an award of its own.
        let may_compute = match &chain {
            Some(m) if m.lead => is_officer && m.approved && subsidies.is_empty(),
            _ => is_officer && acc.state == Some(AcceptanceState::Accepted),
        };
        let missing = dengta_domain::programme::materials::missing_zh(&acc.checklist);
        let satisfaction = crate::app::satisfaction::of_project(app, p, row).await?;
        Ok(AcceptanceSection {
            satisfaction,
            acc,
            flags,
            subsidies,
            declaration: acceptance_app::DECLARATION,
            is_officer,
            shown: p.role != Role::Expert,
            may_compute,
            missing,
            chain,
        })
    }
    /// The project is a chain lead's frame: its subsidy is the lead's share.
    pub fn lead_frame(&self) -> bool {
        self.chain.as_ref().is_some_and(|c| c.lead)
    }
    pub fn state_label(&self) -> &'static str {
        self.acc.state.map_or("", |s| s.label_zh())
    }
    /// (dimension id, name, score) of the project's satisfaction evaluation.
    pub fn satisfaction_scores(&self) -> Vec<(String, String, u8)> {
        let Some(r) = &self.satisfaction.record else { return Vec::new() };
        self.satisfaction
            .form
            .dimensions
            .iter()
            .map(|d| (d.id.clone(), d.name.clone(), r.scores.get(&d.id).copied().unwrap_or(0)))
            .collect()
    }
    /// The points of the scale, lowest first (the options of each dimension).
    pub fn satisfaction_scale(&self) -> Vec<u8> {
        (self.satisfaction.form.scale_min..=self.satisfaction.form.scale_max).collect()
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
