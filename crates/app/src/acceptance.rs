//! Acceptance (验收) of a completed project: the enterprise applies with the material checklist
//! complete (一企一档) and a truthfulness declaration; the district checks truthfulness; the city
//! records the on-site assessment and the financial check, the platform evaluates every
//! acceptance criterion of the contract against that evidence, and the city accepts, rejects or
//! returns the project for rectification. Every step is a transition of the domain's machine,
//! written with compare-and-set, kept as history, audited; decisions feed the provider's outcomes.

use dengta_domain::disclosure::{Audience, Field};
use dengta_domain::duties::Step as Duty;
use dengta_domain::money::Fen;
use dengta_domain::programme::acceptance::{AcceptanceAction, AcceptanceActor, AcceptanceGuard, AcceptanceState};
use dengta_domain::programme::contract::{self, ContractDraft, Criterion, Evidence};
use dengta_domain::programme::materials::{self, MaterialCheck, MaterialFacts, Materials};
use dengta_domain::programme::workflow::{self, EnrolmentActor};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::programmes::programme;
use super::{Actor, App, AppError, AppResult};
use crate::db::acceptance::{self as store, AcceptanceRow};
use crate::db::programmes::{self as steps, StepRow};
use crate::db::projects::{self as projects, ProjectRow};
use crate::db::{self, Conn, now_ms};

/// The declaration the enterprise confirms (申报资料真实性声明); kept with who and when.
pub const DECLARATION: &str = "本企业承诺：所提交的验收申报材料真实、准确、完整，改造投入与佐证材料均为本项目实际发生，如有虚假，愿承担相应法律责任并退回补助资金。";

const DAY_MS: i64 = 86_400_000;

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

fn materials_rules() -> AppResult<Materials> {
    Materials::builtin().map_err(|e| AppError::Internal(format!("acceptance materials: {e}")))
}

/// The parts an officer plays on a project of `row` (district, city), by region.
pub fn officer_parts(p: &Principal, row: &ProjectRow) -> AppResult<Vec<AcceptanceActor>> {
    if p.role != Role::Officer {
        return Ok(Vec::new());
    }
    let prog = programme(&row.programme_id)?;
    Ok(EnrolmentActor::roles_of(&p.region, &region_of(&row.region_code)?, prog.region_code())
        .into_iter()
        .map(|r| match r {
            EnrolmentActor::DistrictOfficer => AcceptanceActor::DistrictOfficer,
            EnrolmentActor::CityOfficer => AcceptanceActor::CityOfficer,
        })
        .collect())
}

/// What the checklist sees of a project now.
pub async fn material_facts(c: &mut impl Conn, row: &ProjectRow, declared: bool) -> AppResult<MaterialFacts> {
    let enterprise = db::enterprises::get(c, row.enterprise_id).await?.ok_or(AppError::NotFound)?;
    let docs = projects::docs(c, row.id).await?;
    let contract: Option<ContractDraft> = docs.contract_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    let payments = projects::payments(c, row.id).await?;
    let evidence = projects::evidence(c, row.id).await?;
    let assessments = db::assessments::for_enterprise(c, row.enterprise_id).await?;
    let submitted_self = |before: bool| {
        assessments.iter().any(|a| {
            a.kind == "self"
                && a.status == "submitted"
                && a.submitted_at.is_some_and(|t| {
                    if before { row.filed_at.is_some_and(|f| t < f) } else { row.completed_at.is_some_and(|c| t >= c) }
                })
        })
    };
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(MaterialFacts {
        enterprise_file: !enterprise.name.trim().is_empty() && !enterprise.industry_code.trim().is_empty(),
        filing_no: row.filing_no.clone(),
        contract_signed: contract.is_some(),
        invoices: count(payments.iter().filter(|p| p.kind == "invoice").count()),
        payments: count(payments.iter().filter(|p| p.kind == "payment").count()),
        voucher_files: count(evidence.iter().filter(|e| e.kind == "invoice" || e.kind == "payment").count()),
        investment_lines: count(contract.as_ref().map_or(0, |c| c.lines.len())),
        declaration: declared,
        self_assessment_before: submitted_self(true),
        self_assessment_after: submitted_self(false),
        summary_report_files: count(evidence.iter().filter(|e| e.kind == "summary_report").count()),
    })
}

/// Whether an on-site assessment may stand behind the acceptance of `row` under its programme's
/// rule: the instrument edition the programme names (the 2024 instrument, 工信厅企业〔2024〕56号)
/// and made — created and submitted — after the project was completed. The level decides
/// acceptance and the caps, so this is checked when it is recorded and again when money is computed.
pub fn check_onsite(row: &ProjectRow, onsite: &db::assessments::AssessmentRow) -> AppResult<()> {
    let rule = programme(&row.programme_id)?.onsite();
    if let Some(edition) = &rule.edition {
        let used = super::assessments::instruments()?
            .into_iter()
            .find(|i| i.id() == onsite.instrument_id && i64::from(i.version()) == onsite.instrument_version)
            .map(|i| i.edition().to_owned());
        if used.as_deref() != Some(edition.as_str()) {
            return Err(AppError::invalid(
                "error.onsite_edition",
                format!(
                    "{} v{}（{}年版）≠ {edition}年版",
                    onsite.instrument_id,
                    onsite.instrument_version,
                    used.unwrap_or_else(|| "?".to_owned())
                ),
            ));
        }
    }
    if rule.after_completion {
        let completed = row.completed_at.ok_or(AppError::Conflict("error.project_not_completed"))?;
        let submitted = onsite.submitted_at.unwrap_or(i64::MIN);
        if onsite.created_at < completed || submitted < completed {
            let day = |ms: i64| dengta_domain::programme::Date::from_unix_ms_beijing(ms).to_string();
            return Err(AppError::invalid(
                "error.onsite_before_completion",
                format!("{} < {}", day(onsite.created_at.min(submitted)), day(completed)),
            ));
        }
    }
    Ok(())
}

/// The material checklist of a project, each item with what is present or missing.
pub async fn checklist(c: &mut impl Conn, row: &ProjectRow, declared: bool) -> AppResult<Vec<MaterialCheck>> {
    let facts = material_facts(c, row, declared).await?;
    Ok(materials::check(&materials_rules()?, &facts))
}

/// The enterprise's application for acceptance.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "AcceptanceApplication")]
pub struct Application {
    /// The enterprise confirms [`DECLARATION`].
    #[serde(default)]
    pub declare: bool,
    /// Its receiving bank account for the subsidy.
    #[serde(default)]
    pub bank_account: String,
    #[serde(default)]
    pub summary: String,
}

fn check_application(a: &Application) -> AppResult<String> {
    if !a.declare {
        return Err(AppError::invalid("error.declaration_required", ""));
    }
    let bank: String = a.bank_account.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if !(8..=30).contains(&bank.len()) || !bank.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid("error.bank_account", a.bank_account.trim()));
    }
    if a.summary.chars().count() > 4000 {
        return Err(AppError::invalid("error.summary", ""));
    }
    Ok(bank)
}

async fn add_step(
    c: &mut impl Conn,
    actor: &Actor,
    id: i64,
    action: &str,
    (from, to): (&str, &str),
    reason: &str,
    flagged: bool,
) -> AppResult<()> {
    steps::add_step(
        c,
        &steps::NewStep {
            subject: "acceptance",
            subject_id: id,
            action,
            from_state: from,
            to_state: to,
            reason,
            flagged,
            actor: &actor.name,
        },
    )
    .await?;
    Ok(())
}

fn refuse_incomplete(checks: &[MaterialCheck]) -> AppResult<()> {
    if materials::complete(checks) {
        Ok(())
    } else {
        Err(AppError::invalid("error.materials_incomplete", materials::missing_zh(checks)))
    }
}

/// The enterprise applies for acceptance of its completed project. Raises integrity flags.
pub async fn apply(app: &App, actor: &Actor, project_id: i64, a: &Application) -> AppResult<i64> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = projects::get(&mut tx, project_id).await?.ok_or(AppError::NotFound)?;
    if p.role != Role::Enterprise || p.enterprise_id != Some(row.enterprise_id) {
        return Err(if p.enterprise_id == Some(row.enterprise_id) { AppError::Forbidden } else { AppError::NotFound });
    }
    let bank = check_application(a)?;
    if row.status != "completed" {
        return Err(AppError::Conflict("error.project_not_completed"));
    }
    if store::of_project(&mut tx, project_id).await?.is_some() {
        return Err(AppError::Conflict("error.acceptance_exists"));
    }
    refuse_incomplete(&checklist(&mut tx, &row, true).await?)?;
    let id = store::insert(
        &mut tx,
        &store::NewAcceptance {
            project_id,
            enterprise_id: row.enterprise_id,
            provider_id: row.provider_id,
            region_code: &row.region_code,
            declaration: DECLARATION,
            declared_by: &actor.name,
            bank_account: &bank,
            summary: a.summary.trim(),
        },
    )
    .await?;
    add_step(&mut tx, actor, id, "apply", ("", AcceptanceState::Applied.code()), "", false).await?;
    record(
        &mut tx,
        actor,
        "acceptance.apply",
        &format!("project:{project_id}"),
        Outcome::Ok,
        &format!("acceptance:{id}"),
    )
    .await?;
    super::integrity::scan(&mut tx, &row, Some(&bank)).await?;
    tx.commit().await?;
    Ok(id)
}

/// An officer's step, with what it carries: the on-site assessment and financial check
/// (assess), a reason (reject, return; accept against failed criteria), a fresh declaration
/// (the enterprise's re-application).
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "AcceptanceStep")]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::acceptance_action")]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub onsite_assessment_id: Option<i64>,
    /// Eligible spend confirmed by the financial check, in yuan.
    #[serde(default)]
    pub finance_eligible: String,
    #[serde(default)]
    pub finance_note: String,
    #[serde(default)]
    pub declare: bool,
}

/// One criterion of the contract with its outcome and where its evidence is.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CriterionResult {
    pub criterion: String,
    pub passed: bool,
    pub note: String,
    /// A link to the evidence (assessment, project section, enterprise cloud records).
    pub evidence: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "AcceptanceEvaluation")]
pub struct Evaluation {
    pub results: Vec<CriterionResult>,
    pub passed: bool,
    pub onsite_level: Option<u8>,
    pub eligible_spend: Fen,
}

/// Evaluates every acceptance criterion of the contract against what was measured.
async fn evaluate(
    c: &mut impl Conn,
    row: &ProjectRow,
    onsite: &db::assessments::AssessmentRow,
    eligible: Fen,
) -> AppResult<Evaluation> {
    let docs = projects::docs(c, row.id).await?;
    let contract: ContractDraft = docs
        .contract_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .ok_or(AppError::Conflict("error.contract_missing"))?;
    let result: Option<dengta_domain::assessment::scoring::ScoreResult> =
        onsite.result_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    let milestones = projects::milestones(c, row.id).await?;
    let cloud_days = db::enterprise_file::clouds(c, row.enterprise_id)
        .await?
        .iter()
        .filter(|r| r.status == "verified")
        .filter_map(|r| r.verified_at)
        .map(|v| u32::try_from((now_ms() - v).max(0) / DAY_MS).unwrap_or(u32::MAX))
        .max();
    let evidence = Evidence {
        onsite_level: onsite.level.and_then(|l| u8::try_from(l).ok()),
        scene_levels: result
            .map(|r| {
                r.scenes.iter().flat_map(|s| [(s.name.clone(), s.level as u8), (s.id.clone(), s.level as u8)]).collect()
            })
            .unwrap_or_default(),
        cloud_days_in_use: cloud_days,
        eligible_spend: eligible,
        milestones_done: !milestones.is_empty() && milestones.iter().all(|m| m.done_at.is_some()),
        device_kpis: super::equipment::criteria_measures(c, row.id, &contract.criteria).await?,
    };
    let results: Vec<CriterionResult> = contract
        .criteria
        .iter()
        .map(|cr| {
            let (passed, note) = contract::evaluate(cr, &evidence);
            let link = match cr {
                Criterion::OnsiteLevelAtLeast { .. } | Criterion::SceneAtLeast { .. } => {
                    format!("/assessments/{}", onsite.id)
                }
                Criterion::CloudInUseDays { .. } => format!("/enterprises/{}", row.enterprise_id),
                Criterion::EligibleSpendAtLeast { .. } => format!("/projects/{}#payments", row.id),
                Criterion::MilestonesDone => format!("/projects/{}#milestones", row.id),
                Criterion::DeviceKpi { .. } => format!("/projects/{}#devices", row.id),
            };
            CriterionResult { criterion: cr.describe_zh(), passed, note, evidence: link }
        })
        .collect();
    let passed = !results.is_empty() && results.iter().all(|r| r.passed);
    Ok(Evaluation { results, passed, onsite_level: evidence.onsite_level, eligible_spend: eligible })
}

/// A step of the acceptance of project `project_id`.
pub async fn step(app: &App, actor: &Actor, project_id: i64, s: &Step) -> AppResult<AcceptanceState> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = projects::get(&mut tx, project_id).await?.ok_or(AppError::NotFound)?;
    let mine = p.role == Role::Enterprise && p.enterprise_id == Some(row.enterprise_id);
    let in_scope = p.role == Role::Officer && p.region.contains(&region_of(&row.region_code)?);
    if !mine && !in_scope {
        return Err(AppError::NotFound);
    }
    let acc = store::of_project(&mut tx, project_id).await?.ok_or(AppError::Conflict("error.no_acceptance"))?;
    let id = acc.id;
    let parts = officer_parts(p, &row)?;
    if s.version != 0 && s.version != acc.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let action =
        AcceptanceAction::parse(s.action.trim()).ok_or_else(|| AppError::invalid("error.bad_request", &s.action))?;
    let allowed = AcceptanceActor::allowed(action);
    let may =
        if mine { allowed.contains(&AcceptanceActor::Enterprise) } else { parts.iter().any(|a| allowed.contains(a)) };
    if !may {
        return Err(AppError::invalid(
            "error.acceptance_actor",
            allowed.iter().map(|a| a.label_zh()).collect::<Vec<_>>().join("、"),
        ));
    }
    // Duties first: whoever may not take this step hears that rule, whatever the state.
    let duty = match action {
        AcceptanceAction::Assess => Some(Duty::AcceptanceAssess),
        AcceptanceAction::Accept | AcceptanceAction::Reject => Some(Duty::AcceptanceDecide),
        _ => None,
    };
    if let Some(step) = duty {
        super::duties::take(&mut tx, actor, step, &[("acceptance", id)]).await?;
    }
    let from = AcceptanceState::parse(&acc.status).ok_or_else(|| AppError::Internal(acc.status.clone()))?;
    let reason = s.reason.trim();
    let mut change = store::Change { status: "", ..Default::default() };
    let mut guard = AcceptanceGuard { has_reason: !reason.is_empty(), ..Default::default() };
    let evaluation_text;
    let finance_note;
    match action {
        AcceptanceAction::Verify | AcceptanceAction::Reapply => {
            let declared = action == AcceptanceAction::Verify || s.declare;
            if action == AcceptanceAction::Reapply && !s.declare {
                return Err(AppError::invalid("error.declaration_required", ""));
            }
            let checks = checklist(&mut tx, &row, declared).await?;
            guard.materials_complete = materials::complete(&checks);
            if action == AcceptanceAction::Reapply {
                refuse_incomplete(&checks)?;
                change.new_round = Some((DECLARATION, actor.name.as_str()));
            }
        }
        AcceptanceAction::Assess => {
            let aid = s.onsite_assessment_id.ok_or_else(|| AppError::invalid("error.onsite_required", ""))?;
            let onsite = db::assessments::get(&mut tx, aid).await?.ok_or(AppError::NotFound)?;
            if onsite.enterprise_id != acc.enterprise_id || onsite.kind != "onsite" || onsite.status != "submitted" {
                return Err(AppError::invalid("error.assessment_kind", aid.to_string()));
            }
            super::assessments::sync_instruments(&mut tx).await?;
            check_onsite(&row, &onsite)?;
            let eligible = Fen::parse_yuan(s.finance_eligible.trim())
                .map_err(|e| AppError::invalid("error.finance_amount", e.to_string()))?;
            if eligible.0 < 0 {
                return Err(AppError::invalid("error.finance_amount", &s.finance_eligible));
            }
            finance_note = s.finance_note.trim().chars().take(2000).collect::<String>();
            let ev = evaluate(&mut tx, &row, &onsite, eligible).await?;
            evaluation_text = serde_json::to_string(&ev).map_err(|e| AppError::Internal(e.to_string()))?;
            guard.onsite_recorded = true;
            guard.finance_checked = true;
            change.onsite_assessment_id = Some(aid);
            change.finance = Some((eligible.0, finance_note.as_str(), actor.name.as_str()));
            change.evaluation_json = Some(evaluation_text.as_str());
        }
        AcceptanceAction::Accept => {
            let ev: Option<Evaluation> = acc.evaluation_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
            guard.criteria_passed = ev.is_some_and(|e| e.passed);
            guard.override_reason = !guard.criteria_passed && !reason.is_empty();
        }
        AcceptanceAction::Reject | AcceptanceAction::Return => {}
    }
    let to = workflow::transition(from, action, &guard).map_err(crate::refused)?;
    change.status = to.code();
    change.decided = matches!(to, AcceptanceState::Accepted | AcceptanceState::Rejected);
    if !store::set_state(&mut tx, id, acc.version, &change).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    let overriding = action == AcceptanceAction::Accept && guard.override_reason;
    add_step(&mut tx, actor, id, action.code(), (from.code(), to.code()), reason, overriding).await?;
    let detail = format!("{} → {} {reason}", from.code(), to.code());
    record(&mut tx, actor, &format!("acceptance.{}", action.code()), &format!("acceptance:{id}"), Outcome::Ok, &detail)
        .await?;
    if overriding {
        // Accepting against failed criteria is an exception the audit administrator reviews.
        record(&mut tx, actor, "acceptance.override", &format!("acceptance:{id}"), Outcome::Ok, reason).await?;
    }
    let outcome = match to {
        AcceptanceState::Accepted => Some("accepted"),
        AcceptanceState::Rejected => Some("rejected"),
        AcceptanceState::Returned => Some("returned"),
        _ => None,
    };
    if let Some(kind) = outcome {
        let days = (now_ms() - acc.applied_at).max(0) / DAY_MS;
        store::add_outcome(&mut tx, acc.provider_id, kind, days).await?;
    }
    super::dashboard::refresh_project(&mut tx, project_id).await?;
    tx.commit().await?;
    Ok(to)
}

/// An acceptance as one audience sees it: the bank account and the finance note are there only
/// for those the disclosure table lets see them (`data/rules/disclosure.toml`), so the API, the
/// page and the bundle cannot serve them to a provider or an expert by mistake.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AcceptanceView {
    pub id: i64,
    pub project_id: i64,
    pub enterprise_id: i64,
    pub provider_id: i64,
    pub region_code: String,
    pub status: String,
    pub round: i64,
    pub declaration: String,
    pub declared_by: String,
    pub declared_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<String>,
    pub summary: String,
    pub onsite_assessment_id: Option<i64>,
    pub finance_eligible_fen: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finance_note: Option<String>,
    pub finance_by: Option<String>,
    pub applied_at: i64,
    pub decided_at: Option<i64>,
    pub version: i64,
}

impl AcceptanceView {
    /// The row shaped for `p`.
    pub fn of(r: AcceptanceRow, p: &Principal) -> AppResult<AcceptanceView> {
        let rules = super::need_to_know::rules()?;
        let who = Audience::of(Some(p), Some(r.enterprise_id));
        Ok(AcceptanceView {
            bank_account: rules.shown(who, Field::BankAccount, r.bank_account),
            finance_note: rules.shown(who, Field::FinanceNote, r.finance_note),
            id: r.id,
            project_id: r.project_id,
            enterprise_id: r.enterprise_id,
            provider_id: r.provider_id,
            region_code: r.region_code,
            status: r.status,
            round: r.round,
            declaration: r.declaration,
            declared_by: r.declared_by,
            declared_at: r.declared_at,
            summary: r.summary,
            onsite_assessment_id: r.onsite_assessment_id,
            finance_eligible_fen: r.finance_eligible_fen,
            finance_by: r.finance_by,
            applied_at: r.applied_at,
            decided_at: r.decided_at,
            version: r.version,
        })
    }
}

/// Everything the acceptance section of a project page shows.
pub struct AcceptanceFile {
    pub row: Option<AcceptanceView>,
    pub state: Option<AcceptanceState>,
    pub checklist: Vec<MaterialCheck>,
    pub evaluation: Option<Evaluation>,
    pub steps: Vec<StepRow>,
    /// The actions the caller may take now (by the table and its part).
    pub actions: Vec<AcceptanceAction>,
    pub may_apply: bool,
    /// Why steps the state allows are not offered to the caller (separation of duties).
    pub duty_notes: Vec<String>,
}

/// The acceptance side of a project, for anyone who may see the project.
pub async fn of_project(app: &App, p: &Principal, project: &ProjectRow) -> AppResult<AcceptanceFile> {
    let mut c = app.db.clone();
    let row = store::of_project(&mut c, project.id).await?;
    let state = row.as_ref().and_then(|r| AcceptanceState::parse(&r.status));
    let declared = row.as_ref().is_some_and(|r| r.status != AcceptanceState::Returned.code());
    let checklist = checklist(&mut c, project, declared).await?;
    let steps = match &row {
        Some(r) => steps::steps(&mut c, "acceptance", r.id).await?,
        None => Vec::new(),
    };
    let mine = p.role == Role::Enterprise && p.enterprise_id == Some(project.enterprise_id);
    let parts = officer_parts(p, project)?;
    let mut actions: Vec<AcceptanceAction> = state
        .map(|s| {
            workflow::available(s)
                .into_iter()
                .filter(|a| {
                    let allowed = AcceptanceActor::allowed(*a);
                    if mine {
                        allowed.contains(&AcceptanceActor::Enterprise)
                    } else {
                        parts.iter().any(|x| allowed.contains(x))
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    // A decision the state allows but the duty rules keep from this caller: not offered, said why.
    let mut duty_notes = Vec::new();
    if let Some(r) = &row
        && actions.iter().any(|a| matches!(a, AcceptanceAction::Accept | AcceptanceAction::Reject))
        && let Some(v) =
            super::duties::blocked(&mut c, &[("acceptance", r.id)], Duty::AcceptanceDecide, p.user_id).await?
    {
        actions.retain(|a| !matches!(a, AcceptanceAction::Accept | AcceptanceAction::Reject));
        duty_notes.push(v.to_string());
    }
    Ok(AcceptanceFile {
        duty_notes,
        evaluation: row.as_ref().and_then(|r| r.evaluation_json.as_deref()).and_then(|j| serde_json::from_str(j).ok()),
        may_apply: mine && row.is_none() && project.status == "completed",
        row: row.map(|r| AcceptanceView::of(r, p)).transpose()?,
        state,
        checklist,
        steps,
        actions,
    })
}

/// Acceptances in the officer's region, newest first.
pub async fn list(
    app: &App,
    p: &Principal,
    status: Option<AcceptanceState>,
    before: i64,
    limit: i64,
) -> AppResult<Vec<AcceptanceRow>> {
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    Ok(store::list(&mut c, &p.region.subtree_bounds(), status.map(AcceptanceState::code), before, limit).await?)
}

/// Whether integrity flag `flag_id` is on project `project_id` (a request names both).
pub async fn flag_belongs(app: &App, project_id: i64, flag_id: i64) -> AppResult<bool> {
    Ok(db::acceptance::flag(&mut app.db.clone(), flag_id).await?.is_some_and(|f| f.project_id == project_id))
}
