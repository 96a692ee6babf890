//! Chain and cluster projects (链式 / 面状改造, 工信部联企业〔2024〕239号). A lead enterprise — a
//! 龙头企业 along its supply chain, the operator of an industrial-internet platform, or of a park or
//! cluster — opens a chain under its listed enrolment with one provider: its own project carries the
//! frame contract. SMEs listed in the same programme join while the chain is forming; each gets its
//! own project with the chain's provider (a line of the frame), and is diagnosed, delivered and
//! accepted on its own, so the cohort is accepted SME by SME. The lead submits the chain once it
//! has the programme's minimum of SMEs; the programme's officer approves or returns it. After
//! acceptance each SME's award is split with the lead as the programme's `[chain]` rule says
//! (`subsidies::compute`); the lead's share is granted on its project once every SME is decided.

use dengta_domain::money::Fen;
use dengta_domain::programme::rules::{ChainRule, Programme};
use dengta_domain::programme::workflow::{self, ChainAction, ChainActor, ChainGuard, ChainKind, ChainState};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::programmes::programme;
use super::{Actor, App, AppError, AppResult};
use crate::db::chains::{self as store, ChainRow, MemberRow};
use crate::db::programmes::{self as steps, StepRow};
use crate::db::{self, Conn};

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn in_region(p: &Principal, code: &str) -> bool {
    RegionCode::parse(code).is_ok_and(|r| p.region.contains(&r))
}

fn rule(prog: &Programme) -> AppResult<&ChainRule> {
    prog.chain().ok_or_else(|| AppError::invalid("error.chain_none", prog.name()))
}

fn text(v: &str, max: usize, key: &'static str) -> AppResult<String> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::invalid(key, t));
    }
    Ok(t.to_owned())
}

/// A chain opened by its lead.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "NewChain", extend("required" = ["kind", "name", "enrolment_id", "provider_id"]))]
pub struct NewChain {
    /// The lead's listed enrolment: the chain belongs to its programme.
    #[serde(default)]
    pub enrolment_id: i64,
    /// The provider delivering the chain's projects (for a platform-led chain, the platform).
    #[serde(default)]
    pub provider_id: i64,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::chain_kind")]
    pub kind: String,
    #[serde(default)]
    #[schemars(length(min = 1, max = 60))]
    pub name: String,
    /// The park or cluster, for 面状 transformation.
    #[serde(default)]
    #[schemars(length(max = 60))]
    pub park: String,
    /// The chain's own targets: SMEs taking part, and the share of them at ≥二级 after acceptance.
    #[serde(default)]
    #[schemars(range(min = 1, max = 10000))]
    pub target_members: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub target_l2_pct: Option<i64>,
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
            subject: "chain",
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

fn lead_enterprise(p: &Principal) -> AppResult<i64> {
    match (p.role, p.enterprise_id) {
        (Role::Enterprise, Some(e)) => Ok(e),
        _ => Err(AppError::Forbidden),
    }
}

/// The lead opens a chain; its own project (the frame) is opened with it.
pub async fn create(app: &App, actor: &Actor, n: &NewChain) -> AppResult<i64> {
    let p = principal(actor)?;
    let lead = lead_enterprise(p)?;
    let kind = ChainKind::parse(n.kind.trim()).ok_or_else(|| AppError::invalid("error.chain_kind", &n.kind))?;
    let name = text(&n.name, 60, "error.chain_name")?;
    let park = n.park.trim();
    if park.chars().count() > 60 {
        return Err(AppError::invalid("error.chain_park", park));
    }
    if kind == ChainKind::Cluster && park.is_empty() {
        return Err(AppError::invalid("error.chain_park", kind.label_zh()));
    }
    if n.target_members.is_some_and(|t| !(1..=10_000).contains(&t)) {
        return Err(AppError::invalid("error.chain_target", "target_members"));
    }
    if n.target_l2_pct.is_some_and(|t| !(0..=100).contains(&t)) {
        return Err(AppError::invalid("error.chain_target", "target_l2_pct"));
    }
    let mut tx = app.db.begin().await?;
    let enrolment = db::programmes::enrolment(&mut tx, n.enrolment_id).await?.ok_or(AppError::NotFound)?;
    if enrolment.enterprise_id != lead {
        return Err(AppError::NotFound);
    }
    let prog = programme(&enrolment.programme_id)?;
    let r = rule(prog)?;
    if !r.kinds.contains(&kind) {
        return Err(AppError::invalid("error.chain_kind", kind.label_zh()));
    }
    if store::enterprise_engaged(&mut tx, prog.id(), lead).await? {
        return Err(AppError::Conflict("error.chain_engaged"));
    }
    let title = format!("{name}（牵引项目）");
    let (project, enrolment) =
        super::projects::open(&mut tx, actor, lead, n.enrolment_id, n.provider_id, &title).await?;
    let project_row = db::projects::get(&mut tx, project).await?.ok_or(AppError::NotFound)?;
    let id = store::insert(
        &mut tx,
        &store::NewChain {
            programme_id: prog.id(),
            region_code: &enrolment.region_code,
            kind: kind.code(),
            name: &name,
            park,
            lead_enterprise_id: lead,
            lead_project_id: project,
            provider_id: project_row.provider_id,
            target_members: n.target_members,
            target_l2_pct: n.target_l2_pct,
            created_by: &actor.name,
        },
    )
    .await?;
    add_step(&mut tx, actor, id, "create", "", ChainState::Forming.code(), "").await?;
    record(&mut tx, actor, "chain.create", &format!("chain:{id}"), Outcome::Ok, &format!("project:{project}")).await?;
    tx.commit().await?;
    Ok(id)
}

/// An SME joins a forming chain with its listed enrolment in the chain's programme.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ChainJoin", extend("required" = ["enrolment_id"]))]
pub struct Join {
    #[serde(default)]
    pub enrolment_id: i64,
}

/// What a join gives the SME: its line of the frame and its own project.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ChainLine")]
pub struct Line {
    pub line_no: i64,
    pub project_id: i64,
}

pub async fn join(app: &App, actor: &Actor, chain_id: i64, j: &Join) -> AppResult<Line> {
    let p = principal(actor)?;
    let sme = lead_enterprise(p)?;
    let mut tx = app.db.begin().await?;
    let chain = store::get(&mut tx, chain_id).await?.ok_or(AppError::NotFound)?;
    let enrolment = db::programmes::enrolment(&mut tx, j.enrolment_id).await?.ok_or(AppError::NotFound)?;
    if enrolment.enterprise_id != sme {
        return Err(AppError::NotFound);
    }
    if enrolment.programme_id != chain.programme_id {
        return Err(AppError::invalid("error.chain_programme", &chain.programme_id));
    }
    if sme == chain.lead_enterprise_id {
        return Err(AppError::invalid("error.chain_lead_member", &chain.name));
    }
    let prog = programme(&chain.programme_id)?;
    let r = rule(prog)?;
    // Serialises joins and the submission: nothing joins a chain no longer forming.
    if !store::take_open(&mut tx, chain_id).await? {
        return Err(AppError::Conflict("error.chain_closed"));
    }
    let now = store::get(&mut tx, chain_id).await?.ok_or(AppError::NotFound)?;
    if r.max_members.is_some_and(|max| now.members >= i64::from(max)) {
        return Err(AppError::invalid("error.chain_full", now.members.to_string()));
    }
    if store::enterprise_engaged(&mut tx, prog.id(), sme).await? {
        return Err(AppError::Conflict("error.chain_engaged"));
    }
    let title = format!("{}（链式改造）", chain.name);
    let (project, _) = super::projects::open(&mut tx, actor, sme, j.enrolment_id, chain.provider_id, &title).await?;
    let line_no = store::add_member(
        &mut tx,
        &store::NewMember {
            chain_id,
            programme_id: prog.id(),
            enterprise_id: sme,
            project_id: project,
            joined_by: &actor.name,
        },
    )
    .await
    .map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.chain_engaged"),
        e => e.into(),
    })?;
    add_step(&mut tx, actor, chain_id, "join", "", "", &format!("project:{project}")).await?;
    record(
        &mut tx,
        actor,
        "chain.join",
        &format!("chain:{chain_id}"),
        Outcome::Ok,
        &format!("line:{line_no} project:{project}"),
    )
    .await?;
    tx.commit().await?;
    Ok(Line { line_no, project_id: project })
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ChainStep", extend("required" = ["action"]))]
pub struct Step {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::chain_action")]
    pub action: String,
    #[serde(default)]
    #[schemars(length(max = 500))]
    pub reason: String,
    /// The version the caller saw; 0 = do not check.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub version: i64,
}

pub async fn step(app: &App, actor: &Actor, id: i64, s: &Step) -> AppResult<ChainState> {
    let p = principal(actor)?;
    let action =
        ChainAction::parse(s.action.trim()).ok_or_else(|| AppError::invalid("error.bad_request", &s.action))?;
    let reason = s.reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::invalid("error.reason", reason.chars().take(20).collect::<String>()));
    }
    let mut tx = app.db.begin().await?;
    let chain = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let prog = programme(&chain.programme_id)?;
    let is_lead = p.role == Role::Enterprise && p.enterprise_id == Some(chain.lead_enterprise_id);
    let is_officer = p.role == Role::Officer && in_region(p, &chain.region_code);
    if !is_lead && !is_officer {
        return Err(AppError::NotFound);
    }
    match action.actor() {
        ChainActor::Lead if !is_lead => return Err(AppError::Forbidden),
        ChainActor::Officer if !p.is_officer_of(prog.region_code()) => return Err(AppError::Forbidden),
        _ => {}
    }
    if s.version != 0 && s.version != chain.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let r = rule(prog)?;
    let from = ChainState::parse(&chain.status).ok_or_else(|| AppError::Internal(chain.status.clone()))?;
    let guard = ChainGuard {
        members: u32::try_from(chain.members).unwrap_or(u32::MAX),
        min_members: r.min_members,
        has_reason: !reason.is_empty(),
    };
    let to = workflow::transition(from, action, &guard).map_err(crate::refused)?;
    let decided = matches!(action, ChainAction::Approve | ChainAction::Return);
    if !store::set_state(&mut tx, id, chain.version, to.code(), decided).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    add_step(&mut tx, actor, id, action.code(), from.code(), to.code(), reason).await?;
    record(&mut tx, actor, &format!("chain.{}", action.code()), &format!("chain:{id}"), Outcome::Ok, reason).await?;
    tx.commit().await?;
    Ok(to)
}

/// The cohort at a glance: how many SMEs are decided and accepted, the share at ≥二级 against the
/// chain's target, and the money split between the SMEs and the lead.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ChainCohort")]
pub struct Cohort {
    pub members: i64,
    /// Acceptance decided (accepted or rejected), or the project cancelled.
    pub decided: i64,
    pub accepted: i64,
    /// Accepted at ≥二级 on site.
    pub accepted_l2: i64,
    /// `accepted_l2` over the members, in percent (rounded down); `None` with no members.
    pub share_l2_pct: Option<i64>,
    /// The frame contract: the sum of the lines' contract totals (fen).
    pub frame_total_fen: i64,
    /// Granted to the SMEs so far (fen).
    pub sme_fen: i64,
    /// Held back from the SMEs' awards for the lead (fen).
    pub lead_share_fen: i64,
    /// Granted to the lead on its project (fen).
    pub lead_granted_fen: i64,
    /// Every SME is decided: the lead's share may be granted.
    pub complete: bool,
}

fn decided(m: &MemberRow) -> bool {
    m.project_status == "cancelled" || matches!(m.acceptance_status.as_deref(), Some("accepted" | "rejected"))
}

fn cohort(members: &[MemberRow], lead_granted: i64) -> Cohort {
    let n = i64::try_from(members.len()).unwrap_or(i64::MAX);
    let accepted = members.iter().filter(|m| m.acceptance_status.as_deref() == Some("accepted")).count();
    let accepted_l2 = members
        .iter()
        .filter(|m| m.acceptance_status.as_deref() == Some("accepted") && m.onsite_level.unwrap_or(0) >= 2)
        .count();
    let accepted_l2 = i64::try_from(accepted_l2).unwrap_or(0);
    Cohort {
        members: n,
        decided: i64::try_from(members.iter().filter(|m| decided(m)).count()).unwrap_or(0),
        accepted: i64::try_from(accepted).unwrap_or(0),
        accepted_l2,
        share_l2_pct: (n > 0).then(|| accepted_l2 * 100 / n),
        frame_total_fen: members.iter().filter_map(|m| m.contract_total_fen).sum(),
        sme_fen: members.iter().map(|m| m.sme_fen).sum(),
        lead_share_fen: members.iter().map(|m| m.lead_fen).sum(),
        lead_granted_fen: lead_granted,
        complete: n > 0 && members.iter().all(decided),
    }
}

/// Everything a chain's page shows.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ChainFile")]
pub struct ChainFile {
    pub chain: ChainRow,
    pub kind_label: String,
    pub state_label: String,
    pub programme_name: String,
    pub min_members: u32,
    pub max_members: Option<u32>,
    /// The lead's share of each SME's award, in basis points.
    pub lead_share_bp: u32,
    pub lines: Vec<MemberRow>,
    pub cohort: Cohort,
    /// Steps the caller may take now (by the table; guards are checked when taken).
    pub actions: Vec<ChainAction>,
    /// The caller is an enterprise that may join: its listed enrolments in the programme.
    pub join_enrolments: Vec<i64>,
    pub steps: Vec<StepRow>,
}

fn may_read(p: &Principal, c: &ChainRow, members: &[MemberRow]) -> bool {
    match p.role {
        Role::Officer | Role::Expert | Role::AuditAdmin => in_region(p, &c.region_code),
        Role::Enterprise => {
            p.enterprise_id.is_some_and(|e| e == c.lead_enterprise_id || members.iter().any(|m| m.enterprise_id == e))
        }
        Role::Provider => p.provider_id == Some(c.provider_id),
        _ => false,
    }
}

pub async fn file(app: &App, p: &Principal, id: i64) -> AppResult<ChainFile> {
    let mut c = app.db.clone();
    let chain = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let lines = store::members(&mut c, id).await?;
    // An enterprise listed in the chain's programme sees a forming chain of its region to join it.
    let mut join_enrolments = Vec::new();
    if p.role == Role::Enterprise
        && let Some(e) = p.enterprise_id
        && chain.status == ChainState::Forming.code()
        && e != chain.lead_enterprise_id
        && !lines.iter().any(|m| m.enterprise_id == e)
    {
        join_enrolments = db::programmes::enrolments_of_enterprise(&mut c, e)
            .await?
            .into_iter()
            .filter(|en| en.programme_id == chain.programme_id && en.status == "listed")
            .map(|en| en.id)
            .collect();
    }
    if !may_read(p, &chain, &lines) && join_enrolments.is_empty() {
        return Err(AppError::NotFound);
    }
    let prog = programme(&chain.programme_id)?;
    let r = rule(prog)?;
    let state = ChainState::parse(&chain.status).ok_or_else(|| AppError::Internal(chain.status.clone()))?;
    let is_lead = p.role == Role::Enterprise && p.enterprise_id == Some(chain.lead_enterprise_id);
    let actions = workflow::available(state)
        .into_iter()
        .filter(|a| match a.actor() {
            ChainActor::Lead => is_lead,
            ChainActor::Officer => p.is_officer_of(prog.region_code()),
        })
        .collect();
    let lead_granted = db::subsidies::of_project(&mut c, chain.lead_project_id)
        .await?
        .iter()
        .filter(|s| s.status != "cancelled")
        .map(|s| s.amount_fen)
        .sum();
    let history = steps::steps(&mut c, "chain", id).await?;
    Ok(ChainFile {
        kind_label: ChainKind::parse(&chain.kind).map_or(chain.kind.clone(), |k| k.label_zh().to_owned()),
        state_label: state.label_zh().to_owned(),
        programme_name: prog.name().to_owned(),
        min_members: r.min_members,
        max_members: r.max_members,
        lead_share_bp: r.lead_share_bp,
        cohort: cohort(&lines, lead_granted),
        lines,
        actions,
        join_enrolments,
        steps: history,
        chain,
    })
}

/// Chains the caller may see: an enterprise's (as lead or member), a provider's, or those in an
/// officer's, expert's or auditor's region.
pub async fn list(app: &App, p: &Principal) -> AppResult<Vec<ChainRow>> {
    let mut c = app.read().await?;
    let rows = match p.role {
        Role::Enterprise => store::list(&mut c, p.enterprise_id, None, &p.region.subtree_bounds()).await?,
        Role::Provider => store::list(&mut c, None, p.provider_id.or(Some(-1)), &p.region.subtree_bounds()).await?,
        Role::Officer | Role::Expert | Role::AuditAdmin => {
            store::list(&mut c, None, None, &p.region.subtree_bounds()).await?
        }
        _ => return Err(AppError::Forbidden),
    };
    Ok(rows)
}

/// Forming chains an enterprise listed in their programme may join (its region's and above).
pub async fn open_to(app: &App, p: &Principal) -> AppResult<Vec<ChainRow>> {
    let Some(e) = p.enterprise_id.filter(|_| p.role == Role::Enterprise) else {
        return Ok(Vec::new());
    };
    let mut c = app.db.clone();
    let programmes: Vec<String> = db::programmes::enrolments_of_enterprise(&mut c, e)
        .await?
        .into_iter()
        .filter(|en| en.status == "listed")
        .map(|en| en.programme_id)
        .collect();
    let rows = store::forming_in(&mut c, &programmes).await?;
    Ok(rows.into_iter().filter(|r| r.lead_enterprise_id != e).collect())
}

/// The lead's share a chain's SMEs' awards hold back, for `subsidies::compute`: `None` if the
/// project is no chain's member. Refused while the chain is not approved.
pub(crate) async fn member_split(c: &mut impl Conn, project_id: i64, prog: &Programme) -> AppResult<Option<u32>> {
    let Some(store::Part::Member(chain_id)) = store::part_of(c, project_id).await? else {
        return Ok(None);
    };
    let chain = store::get(c, chain_id).await?.ok_or(AppError::NotFound)?;
    if chain.status != ChainState::Approved.code() {
        return Err(AppError::Conflict("error.chain_not_approved"));
    }
    Ok(Some(rule(prog)?.lead_share_bp))
}

/// What the lead of a chain is granted on its project: each SME's share held back, once every SME
/// is decided. `None` if the project leads no chain.
pub(crate) async fn lead_grant(c: &mut impl Conn, project_id: i64) -> AppResult<Option<(Fen, Vec<MemberRow>)>> {
    let Some(store::Part::Lead(chain_id)) = store::part_of(c, project_id).await? else {
        return Ok(None);
    };
    let chain = store::get(c, chain_id).await?.ok_or(AppError::NotFound)?;
    if chain.status != ChainState::Approved.code() {
        return Err(AppError::Conflict("error.chain_not_approved"));
    }
    let lines = store::members(c, chain_id).await?;
    let open: Vec<&str> = lines.iter().filter(|m| !decided(m)).map(|m| m.enterprise_name.as_str()).collect();
    if !open.is_empty() {
        return Err(AppError::invalid("error.chain_cohort_open", open.join("、")));
    }
    // An accepted SME whose award is not computed yet still owes the lead its share.
    let pending: Vec<&str> = lines
        .iter()
        .filter(|m| m.acceptance_status.as_deref() == Some("accepted") && m.sme_fen == 0 && m.lead_fen == 0)
        .map(|m| m.enterprise_name.as_str())
        .collect();
    if !pending.is_empty() {
        return Err(AppError::invalid("error.chain_awards_pending", pending.join("、")));
    }
    let total = lines.iter().map(|m| m.lead_fen).sum();
    Ok(Some((Fen(total), lines)))
}

/// What an enterprise needs to open a chain: its listed enrolments (id, programme) and the
/// providers in the pool (id, name). Empty for anyone else.
pub async fn start_options(app: &App, p: &Principal) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    let Some(e) = p.enterprise_id.filter(|_| p.role == Role::Enterprise) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut c = app.db.clone();
    let enrolments: Vec<(i64, String)> = db::programmes::enrolments_of_enterprise(&mut c, e)
        .await?
        .into_iter()
        .filter(|r| r.status == "listed" && programme(&r.programme_id).is_ok_and(|p| p.chain().is_some()))
        .map(|r| (r.id, r.programme_id))
        .collect();
    if enrolments.is_empty() {
        return Ok((enrolments, Vec::new()));
    }
    let providers = super::providers::public_list(app, 0, 500).await?.into_iter().map(|r| (r.id, r.name)).collect();
    Ok((enrolments, providers))
}

/// How a project belongs to a chain, for its page.
#[derive(Clone, Debug)]
pub struct Membership {
    pub chain_id: i64,
    pub name: String,
    /// The project is the lead's (the frame); otherwise an SME's line.
    pub lead: bool,
    pub approved: bool,
}

pub async fn membership(app: &App, project_id: i64) -> AppResult<Option<Membership>> {
    let mut c = app.db.clone();
    let (chain_id, lead) = match store::part_of(&mut c, project_id).await? {
        Some(store::Part::Lead(id)) => (id, true),
        Some(store::Part::Member(id)) => (id, false),
        None => return Ok(None),
    };
    let chain = store::get(&mut c, chain_id).await?.ok_or(AppError::NotFound)?;
    Ok(Some(Membership { chain_id, name: chain.name, lead, approved: chain.status == ChainState::Approved.code() }))
}
