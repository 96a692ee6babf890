//! Transformation projects (改造项目) of listed pilot enterprises: the provider diagnoses (诊断)
//! and an expert or officer reviews it; the provider submits the plan (改造方案); enterprise and
//! provider sign a contract whose parties, investment lines, cost split and acceptance criteria
//! are checked by the domain; the authority files it (备案); milestones carry evidence files;
//! invoices and payments are recorded against the investment categories. Every step is a
//! transition of the domain's state machine, written with compare-and-set, kept and audited.

use dengta_domain::limits::EvidenceRefusal;
use dengta_domain::money::Fen;
use dengta_domain::programme::Date;
use dengta_domain::programme::contract::{self, ContractDraft};
use dengta_domain::programme::rules::SpendCategory;
use dengta_domain::programme::workflow::{self, ProjectAction, ProjectActor, ProjectGuard, ProjectState};
use dengta_domain::provider::lifecycle::ProviderState;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::programmes::programme;
use super::{Actor, App, AppError, AppResult};
use crate::db::programmes::{self as steps, StepRow};
use crate::db::projects::{self as store, DocsRow, EvidenceRow, MilestoneRow, PaymentRow, ProjectRow};
use crate::db::{self, Conn, now_ms};

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// The part the caller plays on a project, or NotFound when it has none (scope).
fn part(p: &Principal, row: &ProjectRow) -> AppResult<ProjectActor> {
    let region = region_of(&row.region_code)?;
    match p.role {
        Role::Enterprise if p.enterprise_id == Some(row.enterprise_id) => Ok(ProjectActor::Enterprise),
        Role::Provider if p.provider_id == Some(row.provider_id) => Ok(ProjectActor::Provider),
        Role::Officer if p.region.contains(&region) => Ok(ProjectActor::Officer),
        Role::Expert if p.region.contains(&region) => Ok(ProjectActor::Expert),
        _ => Err(AppError::NotFound),
    }
}

/// The part the caller plays on a project (NotFound outside its scope).
pub fn part_of(p: &Principal, row: &ProjectRow) -> AppResult<ProjectActor> {
    part(p, row)
}

async fn load(c: &mut impl Conn, p: &Principal, id: i64) -> AppResult<(ProjectRow, ProjectActor)> {
    let row = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    let who = part(p, &row)?;
    Ok((row, who))
}

/// The enterprise starts a project under its listed enrolment, with a provider from the pool.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(example = serde_json::json!({ "enrolment_id": 12, "provider_id": 3, "title": "设备联网与生产管理系统改造" }))]
pub struct NewProject {
    #[serde(default)]
    pub enrolment_id: i64,
    #[serde(default)]
    pub provider_id: i64,
    #[serde(default)]
    pub title: String,
}

pub async fn create(app: &App, actor: &Actor, n: &NewProject) -> AppResult<i64> {
    let p = principal(actor)?;
    let enterprise = match (p.role, p.enterprise_id) {
        (Role::Enterprise, Some(e)) => e,
        _ => return Err(AppError::Forbidden),
    };
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::invalid("error.project_title", title));
    }
    let mut tx = app.db.begin().await?;
    let (id, _) = open(&mut tx, actor, enterprise, n.enrolment_id, n.provider_id, title).await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens a draft project for `enterprise` under its listed enrolment with a provider in the pool:
/// the one way a project comes to exist (alone, or as a chain's lead or member line).
pub(crate) async fn open(
    tx: &mut db::Tx,
    actor: &Actor,
    enterprise: i64,
    enrolment_id: i64,
    provider_id: i64,
    title: &str,
) -> AppResult<(i64, db::programmes::EnrolmentRow)> {
    let enrolment = db::programmes::enrolment(tx, enrolment_id).await?.ok_or(AppError::NotFound)?;
    if enrolment.enterprise_id != enterprise {
        return Err(AppError::NotFound);
    }
    if enrolment.status != "listed" {
        return Err(AppError::Conflict("error.enrolment_not_listed"));
    }
    let provider = db::providers::get(tx, provider_id).await?.ok_or(AppError::NotFound)?;
    if !ProviderState::parse(&provider.status).is_some_and(ProviderState::in_pool) {
        return Err(AppError::Conflict("error.provider_not_in_pool"));
    }
    let id = store::insert(
        tx,
        &store::NewProject {
            programme_id: &enrolment.programme_id,
            programme_version: enrolment.programme_version,
            enrolment_id: enrolment.id,
            enterprise_id: enterprise,
            provider_id: provider.id,
            region_code: &enrolment.region_code,
            title,
            created_by: &actor.name,
        },
    )
    .await?;
    add_step(tx, actor, id, "create", "", ProjectState::Draft.code(), "").await?;
    super::dashboard::refresh_project(tx, id).await?;
    record(tx, actor, "project.create", &format!("project:{id}"), Outcome::Ok, &format!("provider:{}", provider.id))
        .await?;
    Ok((id, enrolment))
}

async fn add_step(
    c: &mut impl Conn,
    actor: &Actor,
    id: i64,
    action: &str,
    from: &str,
    to: &str,
    reason: &str,
) -> AppResult<()> {
    steps::add_step(
        c,
        &steps::NewStep {
            subject: "project",
            subject_id: id,
            action,
            from_state: from,
            to_state: to,
            reason,
            flagged: false,
            actor: &actor.name,
        },
    )
    .await?;
    Ok(())
}

/// The provider's diagnosis (诊断).
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Diagnosis {
    #[serde(default)]
    pub survey_date: String,
    #[serde(default)]
    pub surveyors: String,
    /// The provider's preliminary assessment (kind provider), if recorded.
    #[serde(default)]
    pub assessment_id: Option<i64>,
    #[serde(default)]
    pub gaps: String,
    #[serde(default)]
    pub recommendations: String,
}

/// The transformation plan (改造方案): target scenes and levels, itemised investment by category
/// (categories the programme excludes are flagged where shown), schedule.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Plan {
    #[serde(default)]
    pub targets: Vec<(String, u8)>,
    #[serde(default)]
    pub lines: Vec<contract::InvestmentLine>,
    #[serde(default)]
    pub schedule: String,
}

impl Plan {
    pub fn total(&self) -> Fen {
        Fen(self.lines.iter().map(|l| l.amount.0).sum())
    }
}

/// A requested project step with the document it carries.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ProjectStep")]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::project_action")]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub diagnosis: Option<Diagnosis>,
    #[serde(default)]
    pub plan: Option<Plan>,
    #[serde(default)]
    pub contract: Option<ContractDraft>,
    #[serde(default)]
    pub filing_no: String,
}

fn json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn check_diagnosis(d: &Diagnosis) -> AppResult<()> {
    Date::parse(d.survey_date.trim()).map_err(|e| AppError::invalid("error.date", e.to_string()))?;
    for (v, key) in
        [(&d.surveyors, "error.surveyors"), (&d.gaps, "error.gaps"), (&d.recommendations, "error.recommendations")]
    {
        if v.trim().is_empty() || v.chars().count() > 4000 {
            return Err(AppError::invalid(key, ""));
        }
    }
    Ok(())
}

fn plan_valid(plan: &Plan) -> AppResult<bool> {
    let scenes = super::catalogue::scene_catalogue()?;
    Ok(!plan.targets.is_empty()
        && !plan.schedule.trim().is_empty()
        && !plan.lines.is_empty()
        && plan.lines.iter().all(|l| l.amount.0 > 0 && !l.description.trim().is_empty())
        && plan.targets.iter().all(|(s, l)| scenes.iter().any(|(id, _)| id == s) && (1..=4).contains(l)))
}

/// One step of the project. The document an action carries (diagnosis, plan, contract, filing
/// number) is validated and stored in the same transaction as the transition.
pub async fn step(app: &App, actor: &Actor, id: i64, s: &Step) -> AppResult<ProjectState> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (row, who) = load(&mut tx, p, id).await?;
    if s.version != 0 && s.version != row.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let action =
        ProjectAction::parse(s.action.trim()).ok_or_else(|| AppError::invalid("error.bad_request", &s.action))?;
    if !who.may(action) {
        return Err(AppError::Forbidden);
    }
    let prog = programme(&row.programme_id)?;
    let from = ProjectState::parse(&row.status).ok_or_else(|| AppError::Internal(row.status.clone()))?;
    let reason = s.reason.trim();
    let mut docs = store::docs(&mut tx, id).await?;
    // The guard judges the diagnosis as it stood before this step.
    let was_submitted = docs.diagnosis_submitted;
    let mut contract_valid = docs.contract_json.is_some();
    let mut plan_ok = docs.plan_json.is_some();
    // Store the carried document first; the guard then judges the stored state.
    match action {
        ProjectAction::SubmitDiagnosis => {
            let d = s.diagnosis.as_ref().ok_or_else(|| AppError::invalid("error.diagnosis_required", ""))?;
            check_diagnosis(d)?;
            if let Some(aid) = d.assessment_id {
                let a = db::assessments::get(&mut tx, aid).await?.ok_or(AppError::NotFound)?;
                if a.enterprise_id != row.enterprise_id || a.kind != "provider" {
                    return Err(AppError::invalid("error.assessment_kind", aid.to_string()));
                }
            }
            store::set_doc(&mut tx, id, "diagnosis_json", &json(d)?).await?;
        }
        ProjectAction::SubmitPlan => {
            let plan = s.plan.as_ref().ok_or_else(|| AppError::invalid("error.plan_required", ""))?;
            plan_ok = plan_valid(plan)?;
            if plan_ok {
                store::set_doc(&mut tx, id, "plan_json", &json(plan)?).await?;
            }
        }
        ProjectAction::SignContract => {
            let c = s.contract.as_ref().ok_or_else(|| AppError::invalid("error.contract_required", ""))?;
            let problems = contract::validate(prog, c);
            if !problems.is_empty() {
                let text = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("；");
                return Err(AppError::invalid("error.contract_invalid", text));
            }
            contract_valid = true;
            store::set_doc(&mut tx, id, "contract_json", &json(c)?).await?;
            store::set_contract_total(&mut tx, id, c.total().0).await?;
        }
        _ => {}
    }
    if action == ProjectAction::SubmitDiagnosis || action == ProjectAction::ReturnDiagnosis {
        docs.diagnosis_submitted = action == ProjectAction::SubmitDiagnosis;
    }
    let milestones = store::milestones(&mut tx, id).await?;
    let filing_no = s.filing_no.trim();
    let guard = ProjectGuard {
        has_report: docs.report_sha256.is_some(),
        diagnosis_submitted: was_submitted,
        plan_valid: plan_ok,
        contract_valid,
        has_filing_number: !filing_no.is_empty(),
        milestones_done: !milestones.is_empty() && milestones.iter().all(|m| m.done_at.is_some()),
        has_reason: !reason.is_empty(),
    };
    let to = workflow::transition(from, action, &guard).map_err(crate::refused)?;
    if matches!(action, ProjectAction::SubmitDiagnosis | ProjectAction::ReturnDiagnosis) {
        store::set_diagnosis_submitted(&mut tx, id, docs.diagnosis_submitted).await?;
    }
    let filing = if action == ProjectAction::File {
        let today = Date::from_unix_ms_beijing(now_ms());
        let due = prog.completion_deadline(today).map(|d| d.add_days(1).start_ms_beijing() - 1);
        Some((filing_no, now_ms(), due))
    } else {
        None
    };
    let ok = store::set_state(&mut tx, id, row.version, to.code(), filing).await.map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.filing_no_taken"),
        e => e.into(),
    })?;
    if !ok {
        return Err(AppError::Conflict("error.stale"));
    }
    add_step(
        &mut tx,
        actor,
        id,
        action.code(),
        from.code(),
        to.code(),
        if filing_no.is_empty() { reason } else { filing_no },
    )
    .await?;
    let detail = format!("{} → {} {reason}{filing_no}", from.code(), to.code());
    record(&mut tx, actor, &format!("project.{}", action.code()), &format!("project:{id}"), Outcome::Ok, &detail)
        .await?;
    super::dashboard::refresh_project(&mut tx, id).await?;
    tx.commit().await?;
    Ok(to)
}

/// Everything the project page shows.
pub struct ProjectFile {
    pub row: ProjectRow,
    pub who: ProjectActor,
    pub state: ProjectState,
    pub docs: DocsRow,
    pub diagnosis: Option<Diagnosis>,
    pub plan: Option<Plan>,
    pub contract: Option<ContractDraft>,
    pub milestones: Vec<MilestoneRow>,
    pub evidence: Vec<EvidenceRow>,
    pub payments: Vec<PaymentRow>,
    pub steps: Vec<StepRow>,
    /// Past its completion deadline and not completed.
    pub overdue: bool,
}

impl ProjectFile {
    /// The contract amount in 人民币大写, for the printable contract.
    pub fn amount_in_words(&self) -> String {
        self.contract.as_ref().map(|c| contract::amount_in_words(c.total())).unwrap_or_default()
    }
    pub fn contract_total(&self) -> Fen {
        self.contract.as_ref().map_or(Fen::ZERO, ContractDraft::total)
    }
}

fn parse_doc<T: serde::de::DeserializeOwned>(j: &Option<String>) -> Option<T> {
    j.as_deref().and_then(|t| serde_json::from_str(t).ok())
}

pub async fn file(app: &App, p: &Principal, id: i64) -> AppResult<ProjectFile> {
    let mut c = app.db.clone();
    let (row, who) = load(&mut c, p, id).await?;
    let docs = store::docs(&mut c, id).await?;
    let state = ProjectState::parse(&row.status).ok_or_else(|| AppError::Internal(row.status.clone()))?;
    let overdue =
        row.due_at.is_some_and(|d| now_ms() > d) && !matches!(state, ProjectState::Completed | ProjectState::Cancelled);
    Ok(ProjectFile {
        diagnosis: parse_doc(&docs.diagnosis_json),
        plan: parse_doc(&docs.plan_json),
        contract: parse_doc(&docs.contract_json),
        milestones: store::milestones(&mut c, id).await?,
        evidence: store::evidence(&mut c, id).await?,
        payments: store::payments(&mut c, id).await?,
        steps: steps::steps(&mut c, "project", id).await?,
        overdue,
        docs,
        state,
        who,
        row,
    })
}

pub async fn list(app: &App, p: &Principal, after: i64, limit: i64) -> AppResult<Vec<ProjectRow>> {
    let mut c = app.read().await?;
    let (e, pr) = match p.role {
        Role::Enterprise => (Some(p.enterprise_id.ok_or(AppError::NotFound)?), None),
        Role::Provider => (None, Some(p.provider_id.ok_or(AppError::NotFound)?)),
        Role::Officer | Role::Expert => (None, None),
        _ => return Err(AppError::Forbidden),
    };
    Ok(store::list(&mut c, e, pr, &p.region.subtree_bounds(), after, limit).await?)
}

/// Enterprise or provider plan a milestone once the contract is signed.
pub async fn add_milestone(app: &App, actor: &Actor, id: i64, title: &str, due_date: &str) -> AppResult<i64> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (row, who) = load(&mut tx, p, id).await?;
    if !matches!(who, ProjectActor::Enterprise | ProjectActor::Provider) {
        return Err(AppError::Forbidden);
    }
    if !matches!(row.status.as_str(), "contracted" | "filed" | "in_progress") {
        return Err(AppError::Conflict("error.project_state"));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::invalid("error.milestone_title", title));
    }
    let due = Date::parse(due_date.trim()).map_err(|e| AppError::invalid("error.date", e.to_string()))?;
    let mid = store::add_milestone(&mut tx, id, title, &due.to_string()).await?;
    record(&mut tx, actor, "project.milestone_add", &format!("project:{id}"), Outcome::Ok, title).await?;
    tx.commit().await?;
    Ok(mid)
}

/// A milestone is done once evidence is attached to it.
pub async fn finish_milestone(app: &App, actor: &Actor, id: i64, milestone_id: i64) -> AppResult<()> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (_, who) = load(&mut tx, p, id).await?;
    if !matches!(who, ProjectActor::Enterprise | ProjectActor::Provider) {
        return Err(AppError::Forbidden);
    }
    let evidence = store::evidence(&mut tx, id).await?;
    if !evidence.iter().any(|e| e.milestone_id == Some(milestone_id)) {
        return Err(AppError::invalid("error.milestone_evidence", ""));
    }
    if !store::finish_milestone(&mut tx, id, milestone_id, &actor.name).await? {
        return Err(AppError::Conflict("error.milestone_done"));
    }
    record(&mut tx, actor, "project.milestone_done", &format!("project:{id}"), Outcome::Ok, &milestone_id.to_string())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What an uploaded file is for.
pub const EVIDENCE_KINDS: &[&str] =
    &["diagnosis_report", "milestone", "invoice", "payment", "contract", "summary_report", "outcome", "other"];

/// Attaches a received file to the project, storing it in the same step; a diagnosis report
/// becomes the project's report. Refused (nothing stored) past the project's evidence limits
/// (`data/rules/evidence-limits.toml`). Returns the evidence id and whether the content is
/// reused elsewhere.
pub async fn attach(
    app: &App,
    actor: &Actor,
    id: i64,
    kind: &str,
    milestone_id: Option<i64>,
    received: &super::files::Received,
) -> AppResult<(i64, bool)> {
    let f = &received.file;
    let p = principal(actor)?;
    if !EVIDENCE_KINDS.contains(&kind) {
        return Err(AppError::invalid("error.evidence_kind", kind));
    }
    let mut tx = app.db.begin().await?;
    let (row, who) = load(&mut tx, p, id).await?;
    if !matches!(who, ProjectActor::Enterprise | ProjectActor::Provider) {
        return Err(AppError::Forbidden);
    }
    if let Some(m) = milestone_id
        && !store::milestones(&mut tx, id).await?.iter().any(|x| x.id == m)
    {
        return Err(AppError::NotFound);
    }
    if tx.backend() == crate::db::Backend::Postgres {
        // Concurrent uploads to one project count one after the other (SQLite's write lock
        // already serialises them).
        tx.execute("SELECT id FROM projects WHERE id = $1 FOR UPDATE", dengta_db::args![id]).await?;
    }
    let (files, bytes): (i64, i64) = tx
        .fetch_one(
            "SELECT COUNT(*), CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM evidence e \
             JOIN files f ON f.sha256 = e.sha256 WHERE e.project_id = $1",
            dengta_db::args![id],
        )
        .await?;
    match super::files::limits()?.admits(files, bytes, f.size) {
        Ok(()) => {}
        Err(EvidenceRefusal::TooManyFiles { max }) => {
            return Err(AppError::invalid("error.evidence_too_many", max.to_string()));
        }
        Err(EvidenceRefusal::TooManyBytes { max }) => {
            return Err(AppError::invalid("error.evidence_too_large_total", format!("{} MB", max / 1024 / 1024)));
        }
    }
    received.store(app, &mut tx).await?;
    let (eid, reused) = store::add_evidence(
        &mut tx,
        &store::NewEvidence {
            project_id: id,
            enterprise_id: row.enterprise_id,
            milestone_id,
            kind,
            sha256: &f.sha256,
            file_name: &f.name,
            media_type: f.media_type,
            uploaded_by: &actor.name,
        },
    )
    .await?;
    if kind == "diagnosis_report" {
        store::set_report(&mut tx, id, &f.sha256).await?;
    }
    let detail = format!("{kind} {} sha256:{} sm3:{}{}", f.name, f.sha256, f.sm3, if reused { " reused" } else { "" });
    record(&mut tx, actor, "project.evidence", &format!("project:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok((eid, reused))
}

/// An invoice or payment against an investment category; its date must fall in the programme's
/// window; a category the programme excludes is recorded but flagged.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct PaymentInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub number: String,
    /// Yuan.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub date: String,
}

pub async fn record_payment(app: &App, actor: &Actor, id: i64, f: &PaymentInput) -> AppResult<(i64, bool)> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let (row, who) = load(&mut tx, p, id).await?;
    if !matches!(who, ProjectActor::Enterprise | ProjectActor::Provider) {
        return Err(AppError::Forbidden);
    }
    if !matches!(row.status.as_str(), "contracted" | "filed" | "in_progress" | "completed") {
        return Err(AppError::Conflict("error.project_state"));
    }
    if !["invoice", "payment"].contains(&f.kind.as_str()) {
        return Err(AppError::invalid("error.payment_kind", &f.kind));
    }
    let category =
        SpendCategory::parse(&f.category).ok_or_else(|| AppError::invalid("error.spend_category", &f.category))?;
    let amount = Fen::parse_yuan(&f.amount).map_err(|e| AppError::invalid("error.item_price", e.to_string()))?;
    if amount.0 <= 0 {
        return Err(AppError::invalid("error.item_price", &f.amount));
    }
    let number = f.number.trim();
    if number.is_empty() || number.chars().count() > 60 {
        return Err(AppError::invalid("error.payment_number", number));
    }
    let date = Date::parse(f.date.trim()).map_err(|e| AppError::invalid("error.date", e.to_string()))?;
    let prog = programme(&row.programme_id)?;
    if !prog.in_window(date) {
        let (a, b) = prog.window();
        return Err(AppError::invalid("error.outside_window", format!("{date}（{a} — {b}）")));
    }
    let excluded = prog.is_excluded(category);
    let pid = store::add_payment(
        &mut tx,
        id,
        &f.kind,
        category.code(),
        number,
        amount.0,
        &date.to_string(),
        excluded,
        &actor.name,
    )
    .await?;
    let detail =
        format!("{} {} {} {}{}", f.kind, category.code(), number, amount, if excluded { " excluded" } else { "" });
    record(&mut tx, actor, "project.payment", &format!("project:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok((pid, excluded))
}
