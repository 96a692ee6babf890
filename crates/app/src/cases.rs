//! Typical cases (典型案例) and 小灯塔 enterprises: an officer, or the enterprise itself, nominates
//! with a summary and the measured outcome (e.g. from the acceptance); an expert or officer over
//! the region reviews with a written opinion; the authority publishes it on the public portal, and
//! may revoke it with a reason. Every step is a transition of `domain::programme::cases`, written
//! with compare-and-set, kept as history and audited.

use dengta_domain::programme::cases::{CaseAction, CaseGuard, CaseKind, CaseState};
use dengta_domain::programme::workflow;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Deserialize;

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::db::cases::{self as store, CaseRow};
use crate::db::programmes::{self as steps, StepRow};
use crate::db::{self};

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn in_region(p: &Principal, code: &str) -> bool {
    RegionCode::parse(code).is_ok_and(|r| p.region.contains(&r))
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(extend("required" = ["kind"]))]
pub struct Nomination {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::case_kind")]
    pub kind: String,
    #[serde(default)]
    pub enterprise_id: i64,
    #[serde(default)]
    pub project_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// What was measured: level before/after, scenes, efficiency gains.
    #[serde(default)]
    pub outcome: String,
}

fn text(v: &str, max: usize, key: &'static str) -> AppResult<String> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::invalid(key, t));
    }
    Ok(t.to_owned())
}

pub async fn nominate(app: &App, actor: &Actor, n: &Nomination) -> AppResult<i64> {
    let p = principal(actor)?;
    let kind = CaseKind::parse(&n.kind).ok_or_else(|| AppError::invalid("error.case_kind", &n.kind))?;
    let mut tx = app.db.begin().await?;
    let e = db::enterprises::get(&mut tx, n.enterprise_id).await?.ok_or(AppError::NotFound)?;
    let allowed = match p.role {
        Role::Officer => in_region(p, &e.region_code),
        Role::Enterprise => p.enterprise_id == Some(e.id),
        _ => false,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    if let Some(pid) = n.project_id {
        let proj = db::projects::get(&mut tx, pid).await?.ok_or(AppError::NotFound)?;
        if proj.enterprise_id != e.id {
            return Err(AppError::invalid("error.case_project", pid.to_string()));
        }
    }
    let title = text(&n.title, 100, "error.case_title")?;
    let summary = text(&n.summary, 4000, "error.case_summary")?;
    let outcome = text(&n.outcome, 2000, "error.case_outcome")?;
    let id = store::insert(
        &mut tx,
        &store::NewCase {
            kind: kind.code(),
            enterprise_id: e.id,
            project_id: n.project_id,
            region_code: &e.region_code,
            title: &title,
            summary: &summary,
            outcome: &outcome,
            nominated_by: &actor.name,
        },
    )
    .await?;
    steps::add_step(
        &mut tx,
        &steps::NewStep {
            subject: "case",
            subject_id: id,
            action: "nominate",
            from_state: "",
            to_state: CaseState::Nominated.code(),
            reason: "",
            flagged: false,
            actor: &actor.name,
        },
    )
    .await?;
    record(&mut tx, actor, "case.nominate", &format!("case:{id}"), Outcome::Ok, kind.code()).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "CaseStep")]
pub struct Step {
    #[schemars(schema_with = "dengta_domain::schema::case_action")]
    pub action: String,
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub version: i64,
}

/// Review (expert or officer over the region), publish and revoke (officer).
pub async fn step(app: &App, actor: &Actor, id: i64, s: &Step) -> AppResult<CaseState> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !matches!(p.role, Role::Officer | Role::Expert) || !in_region(p, &row.region_code) {
        return Err(AppError::NotFound);
    }
    let action = CaseAction::parse(&s.action).ok_or_else(|| AppError::invalid("error.bad_request", &s.action))?;
    if matches!(action, CaseAction::Publish | CaseAction::Revoke) && p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    if s.version != 0 && s.version != row.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let from = CaseState::parse(&row.status).ok_or_else(|| AppError::Internal(row.status.clone()))?;
    let opinion = s.opinion.trim();
    let to =
        workflow::transition(from, action, &CaseGuard { has_reason: !opinion.is_empty() }).map_err(crate::refused)?;
    let reviewed = matches!(action, CaseAction::Review | CaseAction::Decline).then_some((opinion, actor.name.as_str()));
    if !store::set_state(&mut tx, id, row.version, to.code(), reviewed, action == CaseAction::Publish).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    steps::add_step(
        &mut tx,
        &steps::NewStep {
            subject: "case",
            subject_id: id,
            action: action.code(),
            from_state: from.code(),
            to_state: to.code(),
            reason: opinion,
            flagged: false,
            actor: &actor.name,
        },
    )
    .await?;
    record(&mut tx, actor, &format!("case.{}", action.code()), &format!("case:{id}"), Outcome::Ok, opinion).await?;
    tx.commit().await?;
    Ok(to)
}

/// Cases in the caller's region (officers, experts), newest first.
pub async fn list(app: &App, p: &Principal, before: i64, limit: i64) -> AppResult<Vec<CaseRow>> {
    if !matches!(p.role, Role::Officer | Role::Expert) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.clone();
    Ok(store::in_region(&mut c, &p.region.subtree_bounds(), before, limit).await?)
}

pub async fn file(app: &App, p: &Principal, id: i64) -> AppResult<(CaseRow, Vec<StepRow>)> {
    let mut c = app.db.clone();
    let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let visible = match p.role {
        Role::Officer | Role::Expert => in_region(p, &row.region_code),
        Role::Enterprise => p.enterprise_id == Some(row.enterprise_id),
        _ => false,
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    let history = steps::steps(&mut c, "case", id).await?;
    Ok((row, history))
}

/// The public portal: published cases of a kind, newest first.
pub async fn published(app: &App, kind: CaseKind, limit: i64) -> AppResult<Vec<CaseRow>> {
    let mut c = app.db.clone();
    Ok(store::published(&mut c, kind.code(), limit).await?)
}
