//! On-site acceptance rounds (现场验收批次, programme.md §11: Xiamen 2025 ran acceptance in rounds
//! with an on-site rating and a 一企一档 check): an officer plans a round for a programme and a
//! region, adds acceptances waiting for their on-site check (each in at most one open round),
//! assigns assessors from the expert pool the provider-pool reviews draw on, and runs it through
//! 计划中 → 进行中 → 已结束. No assessor may rate an enterprise or provider it belongs to or has
//! declared a conflict with: checked when it is assigned and again when an acceptance is added.

use dengta_domain::programme::Date;
use dengta_domain::programme::acceptance::{
    self as rules, AcceptanceState, Party, RoundAction, RoundGuard, RoundState, Ties, conflict_of,
};
use dengta_domain::programme::workflow;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::identifiers::region_path;
use super::programmes::programme;
use super::{Actor, App, AppError, AppResult};
use crate::db::programmes::{self as steps, StepRow};
use crate::db::rounds::{self as store, AssessorRow, RoundItem, RoundRow};
use crate::db::{self, Conn};

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn officer(actor: &Actor) -> AppResult<&Principal> {
    let p = principal(actor)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// A round the officer may manage: in its region subtree, else not found.
async fn load_managed(c: &mut impl Conn, p: &Principal, id: i64) -> AppResult<RoundRow> {
    let r = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    if !p.region.contains(&region_of(&r.region_code)?) {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

fn state_of(r: &RoundRow) -> AppResult<RoundState> {
    RoundState::parse(&r.status).ok_or_else(|| AppError::Internal(r.status.clone()))
}

/// A new round.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(example = serde_json::json!({
    "programme_id": "nanjing-2024", "region_code": "320100", "date": "2026-03-18",
    "place": "玄武区政务服务中心三楼会议室", "note": "第一批现场验收"
}))]
pub struct NewRound {
    pub programme_id: String,
    /// A region in the officer's scope; its own by default.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    pub region_code: String,
    /// The day of the round (YYYY-MM-DD).
    pub date: String,
    pub place: String,
    #[serde(default)]
    pub note: String,
}

pub async fn create(app: &App, actor: &Actor, n: &NewRound) -> AppResult<i64> {
    let p = officer(actor)?;
    let prog = programme(n.programme_id.trim())?;
    let region = match Some(n.region_code.trim()).filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r).map_err(|e| AppError::invalid("error.region_code", e.to_string()))?,
        None => p.region.clone(),
    };
    if !p.region.contains(&region) {
        return Err(AppError::invalid("error.region_scope", region.to_string()));
    }
    let day = Date::parse(n.date.trim()).map_err(|_| AppError::invalid("error.date", n.date.trim()))?.to_string();
    let place = n.place.trim();
    if place.is_empty() || place.chars().count() > 200 {
        return Err(AppError::invalid("error.round_place", ""));
    }
    let note = n.note.trim();
    if note.chars().count() > 2000 {
        return Err(AppError::invalid("error.round_note", ""));
    }
    let mut tx = app.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &store::NewRound {
            programme_id: prog.id(),
            region_code: region.as_str(),
            round_date: &day,
            place,
            note,
            created_by: &actor.name,
        },
    )
    .await?;
    add_step(&mut tx, actor, id, "create", ("", RoundState::Planned.code()), "").await?;
    let detail = format!("{} {day} {place}", prog.id());
    record(&mut tx, actor, "round.create", &format!("round:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

async fn add_step(
    c: &mut impl Conn,
    actor: &Actor,
    id: i64,
    action: &str,
    (from, to): (&str, &str),
    reason: &str,
) -> AppResult<()> {
    steps::add_step(
        c,
        &steps::NewStep {
            subject: "round",
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

async fn ties(c: &mut impl Conn, user_id: i64) -> AppResult<Ties> {
    let (enterprise_id, provider_id) = store::ties_of(c, user_id).await?.ok_or(AppError::NotFound)?;
    let declared = store::declared(c, user_id).await?;
    Ok(Ties {
        enterprise_id,
        provider_id,
        declared_enterprises: declared.iter().filter_map(|d| d.0).collect(),
        declared_providers: declared.iter().filter_map(|d| d.1).collect(),
    })
}

fn parties(items: &[RoundItem]) -> Vec<Party> {
    items
        .iter()
        .map(|i| Party {
            enterprise_id: i.enterprise_id,
            enterprise_name: i.enterprise_name.clone(),
            provider_id: i.provider_id,
            provider_name: i.provider_name.clone(),
        })
        .collect()
}

fn refuse_conflict(assessor: &str, why: impl std::fmt::Display) -> AppError {
    AppError::invalid("error.conflict_of_interest", format!("{assessor}：{why}"))
}

/// Serialises changes to one round: a compare-and-set on its version, so an assessor assigned
/// and an acceptance added at once cannot both pass their conflict checks against a stale list.
async fn claim(c: &mut impl Conn, r: &RoundRow) -> AppResult<()> {
    if !store::touch(c, r.id, r.version).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    Ok(())
}

/// Adds acceptance `acceptance_id` to round `round_id`.
pub async fn add_acceptance(app: &App, actor: &Actor, round_id: i64, acceptance_id: i64) -> AppResult<()> {
    let p = officer(actor)?;
    let mut tx = app.db.begin().await?;
    let r = load_managed(&mut tx, p, round_id).await?;
    let state = state_of(&r)?;
    if !state.open() {
        return Err(AppError::invalid("error.state", format!("批次{}", state.label_zh())));
    }
    let a = db::acceptance::get(&mut tx, acceptance_id).await?.ok_or(AppError::NotFound)?;
    if !region_of(&r.region_code)?.contains(&region_of(&a.region_code)?) {
        return Err(AppError::NotFound);
    }
    let project = db::projects::get(&mut tx, a.project_id).await?.ok_or(AppError::NotFound)?;
    if project.programme_id != r.programme_id {
        return Err(AppError::invalid("error.round_programme", project.programme_id));
    }
    let acc_state = AcceptanceState::parse(&a.status).ok_or_else(|| AppError::Internal(a.status.clone()))?;
    if !rules::awaits_onsite(acc_state) {
        return Err(AppError::invalid("error.state", format!("验收{}，不在待现场核查状态", acc_state.label_zh())));
    }
    if store::open_round_of(&mut tx, acceptance_id).await?.is_some() {
        return Err(AppError::Conflict("error.round_taken"));
    }
    claim(&mut tx, &r).await?;
    let party = [Party {
        enterprise_id: a.enterprise_id,
        enterprise_name: project.enterprise_name.clone(),
        provider_id: a.provider_id,
        provider_name: project.provider_name.clone(),
    }];
    for s in store::assessors(&mut tx, round_id).await? {
        if let Some(why) = conflict_of(&ties(&mut tx, s.user_id).await?, &party) {
            return Err(refuse_conflict(&s.display_name, why));
        }
    }
    store::add_acceptance(&mut tx, round_id, acceptance_id, &actor.name).await.map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.round_taken"),
        e => e.into(),
    })?;
    add_step(
        &mut tx,
        actor,
        round_id,
        "add_acceptance",
        (state.code(), state.code()),
        &format!("acceptance:{acceptance_id}"),
    )
    .await?;
    let detail = format!("acceptance:{acceptance_id} {}", project.enterprise_name);
    record(&mut tx, actor, "round.add_acceptance", &format!("round:{round_id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Experts an officer may assign (id, name, region).
pub async fn assessors_for(app: &App, p: &Principal) -> AppResult<Vec<(i64, String, String)>> {
    eligible_assessors(&mut app.db.clone(), p).await
}

/// Experts an officer may assign: the pool the provider-pool reviews draw on.
async fn eligible_assessors(c: &mut impl Conn, p: &Principal) -> AppResult<Vec<(i64, String, String)>> {
    Ok(db::users::experts_for(c, &p.region.subtree_bounds(), &region_path(p.region.as_str())).await?)
}

/// Assigns assessor `user_id` to round `round_id`.
pub async fn assign(app: &App, actor: &Actor, round_id: i64, user_id: i64) -> AppResult<()> {
    let p = officer(actor)?;
    let mut tx = app.db.begin().await?;
    let r = load_managed(&mut tx, p, round_id).await?;
    let state = state_of(&r)?;
    if !state.open() {
        return Err(AppError::invalid("error.state", format!("批次{}", state.label_zh())));
    }
    let eligible = eligible_assessors(&mut tx, p).await?;
    let Some((_, name, _)) = eligible.iter().find(|e| e.0 == user_id) else {
        return Err(AppError::invalid("error.expert_unknown", user_id.to_string()));
    };
    claim(&mut tx, &r).await?;
    let items = store::items(&mut tx, round_id).await?;
    if let Some(why) = conflict_of(&ties(&mut tx, user_id).await?, &parties(&items)) {
        let detail = format!("user:{user_id} {why}");
        let e = refuse_conflict(name, why);
        drop(tx);
        // The refusal is kept too: who tried to put a conflicted assessor on a round.
        super::audit::record_alone(
            &app.db,
            actor,
            "round.assign",
            &format!("round:{round_id}"),
            Outcome::Denied,
            &detail,
        )
        .await?;
        return Err(e);
    }
    store::assign(&mut tx, round_id, user_id, &actor.name).await.map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.expert_assigned"),
        e => e.into(),
    })?;
    add_step(&mut tx, actor, round_id, "assign", (state.code(), state.code()), &format!("user:{user_id}")).await?;
    record(
        &mut tx,
        actor,
        "round.assign",
        &format!("round:{round_id}"),
        Outcome::Ok,
        &format!("user:{user_id} {name}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A step of the round's machine.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::round_action")]
    pub action: String,
    /// The round's version as read (0: not checked).
    #[serde(default)]
    pub version: i64,
}

pub async fn step(app: &App, actor: &Actor, round_id: i64, s: &Step) -> AppResult<RoundState> {
    let p = officer(actor)?;
    let mut tx = app.db.begin().await?;
    let r = load_managed(&mut tx, p, round_id).await?;
    let action =
        RoundAction::parse(&s.action).ok_or_else(|| AppError::invalid("error.bad_request", s.action.trim()))?;
    if s.version != 0 && s.version != r.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let from = state_of(&r)?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let guard = RoundGuard {
        acceptances: count(store::items(&mut tx, round_id).await?.len()),
        assessors: count(store::assessors(&mut tx, round_id).await?.len()),
    };
    let to = workflow::transition(from, action, &guard).map_err(crate::refused)?;
    if !store::set_state(&mut tx, round_id, r.version, to.code()).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    add_step(&mut tx, actor, round_id, action.code(), (from.code(), to.code()), "").await?;
    let detail = format!("{} → {}", from.code(), to.code());
    record(&mut tx, actor, &format!("round.{}", action.code()), &format!("round:{round_id}"), Outcome::Ok, &detail)
        .await?;
    tx.commit().await?;
    Ok(to)
}

/// An assessor declares a conflict of interest with an enterprise or a provider.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Declaration {
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    #[serde(default)]
    pub provider_id: Option<i64>,
    pub note: String,
}

pub async fn declare(app: &App, actor: &Actor, d: &Declaration) -> AppResult<i64> {
    let p = principal(actor)?;
    if p.role != Role::Expert {
        return Err(AppError::Forbidden);
    }
    if d.enterprise_id.is_none() && d.provider_id.is_none() {
        return Err(AppError::invalid("error.conflict_party", ""));
    }
    let note = d.note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(AppError::invalid("error.conflict_note", ""));
    }
    let mut tx = app.db.begin().await?;
    if let Some(e) = d.enterprise_id {
        db::enterprises::get(&mut tx, e)
            .await?
            .ok_or_else(|| AppError::invalid("error.conflict_party", e.to_string()))?;
    }
    if let Some(pr) = d.provider_id {
        db::providers::get(&mut tx, pr)
            .await?
            .ok_or_else(|| AppError::invalid("error.conflict_party", pr.to_string()))?;
    }
    let id = store::declare(&mut tx, p.user_id, d.enterprise_id, d.provider_id, note).await?;
    let detail = format!("enterprise:{:?} provider:{:?}", d.enterprise_id, d.provider_id);
    record(&mut tx, actor, "round.declare_conflict", &format!("user:{}", p.user_id), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// A round with everything its sheet shows.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct RoundSheet {
    pub id: i64,
    pub programme_id: String,
    pub programme_name: String,
    pub region_code: String,
    pub date: String,
    pub place: String,
    pub note: String,
    pub state: RoundState,
    pub state_label: &'static str,
    pub actions: Vec<RoundAction>,
    pub acceptances: Vec<SheetItem>,
    pub assessors: Vec<SheetAssessor>,
    pub history: Vec<crate::db::programmes::StepRow>,
    pub created_by: String,
    pub version: i64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SheetItem {
    pub acceptance_id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub region_code: String,
    pub acceptance_state: String,
    pub acceptance_state_label: &'static str,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SheetAssessor {
    pub user_id: i64,
    pub display_name: String,
    pub assigned_by: String,
    pub assigned_at: i64,
}

fn sheet_of(
    r: RoundRow,
    items: Vec<RoundItem>,
    assessors: Vec<AssessorRow>,
    history: Vec<StepRow>,
    p: &Principal,
) -> AppResult<RoundSheet> {
    let state = state_of(&r)?;
    let programme_name =
        programme(&r.programme_id).map(|x| x.name().to_owned()).unwrap_or_else(|_| r.programme_id.clone());
    Ok(RoundSheet {
        id: r.id,
        programme_name,
        programme_id: r.programme_id,
        region_code: r.region_code,
        date: r.round_date,
        place: r.place,
        note: r.note,
        state,
        state_label: state.label_zh(),
        actions: if p.role == Role::Officer { workflow::available(state) } else { Vec::new() },
        acceptances: items
            .into_iter()
            .map(|i| SheetItem {
                acceptance_state_label: AcceptanceState::parse(&i.status).map_or("", AcceptanceState::label_zh),
                acceptance_id: i.acceptance_id,
                project_id: i.project_id,
                project_title: i.project_title,
                enterprise_id: i.enterprise_id,
                enterprise_name: i.enterprise_name,
                enterprise_uscc: i.enterprise_uscc,
                provider_id: i.provider_id,
                provider_name: i.provider_name,
                region_code: i.region_code,
                acceptance_state: i.status,
            })
            .collect(),
        assessors: assessors
            .into_iter()
            .map(|a| SheetAssessor {
                user_id: a.user_id,
                display_name: a.display_name,
                assigned_by: a.assigned_by,
                assigned_at: a.assigned_at,
            })
            .collect(),
        history,
        created_by: r.created_by,
        version: r.version,
    })
}

/// The round sheet: officers over its region, and its assessors.
pub async fn sheet(app: &App, p: &Principal, id: i64) -> AppResult<RoundSheet> {
    let mut c = app.db.clone();
    let r = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let assessors = store::assessors(&mut c, id).await?;
    let visible = match p.role {
        Role::Officer => p.region.contains(&region_of(&r.region_code)?),
        Role::Expert => assessors.iter().any(|a| a.user_id == p.user_id),
        _ => return Err(AppError::Forbidden),
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    let items = store::items(&mut c, id).await?;
    let history = steps::steps(&mut c, "round", id).await?;
    sheet_of(r, items, assessors, history, p)
}

/// A round in a list.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct RoundSummary {
    pub id: i64,
    pub programme_id: String,
    pub region_code: String,
    pub date: String,
    pub place: String,
    pub state: RoundState,
    pub state_label: &'static str,
}

/// The officer's rounds (its region), or the rounds an assessor is on.
pub async fn list(app: &App, p: &Principal) -> AppResult<Vec<RoundSummary>> {
    let mut c = app.db.clone();
    let rows = match p.role {
        Role::Officer => store::list(&mut c, &p.region.subtree_bounds(), 200).await?,
        Role::Expert => store::of_assessor(&mut c, p.user_id, 200).await?,
        _ => return Err(AppError::Forbidden),
    };
    rows.into_iter()
        .map(|r| {
            let state = state_of(&r)?;
            Ok(RoundSummary {
                id: r.id,
                programme_id: r.programme_id,
                region_code: r.region_code,
                date: r.round_date,
                place: r.place,
                state,
                state_label: state.label_zh(),
            })
        })
        .collect()
}

/// Acceptances in the officer's region waiting for their on-site check and in no open round.
pub async fn waiting(app: &App, p: &Principal) -> AppResult<Vec<crate::db::acceptance::AcceptanceRow>> {
    let mut c = app.db.clone();
    let rows = db::acceptance::list(
        &mut c,
        &p.region.subtree_bounds(),
        Some(AcceptanceState::DistrictVerified.code()),
        i64::MAX,
        200,
    )
    .await?;
    let mut out = Vec::new();
    for r in rows {
        if store::open_round_of(&mut c, r.id).await?.is_none() {
            out.push(r);
        }
    }
    Ok(out)
}
