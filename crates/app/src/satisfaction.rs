//! The enterprise's satisfaction evaluation (满意度评价) of its provider's service, once the
//! project's acceptance is decided (accepted): one per project, by the project's own enterprise,
//! on the form of `data/rules/satisfaction.toml`. A retry with the same scores finds the same
//! record; a different second one is a conflict. Written with the audit record and the project's
//! roll-ups (the city evaluation's `satisfaction` indicator) in one transaction.
//! The enterprise and the officers over the project see the record on the project page; the
//! provider's averages are `app::scorecard`'s.

use std::collections::BTreeMap;

use dengta_domain::programme::acceptance::AcceptanceState;
use dengta_domain::role::{Principal, Role};
use dengta_domain::satisfaction::SatisfactionRules;
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
pub use super::scorecard::satisfaction_form as form;
use super::{Actor, App, AppError, AppResult};
use crate::db::projects::ProjectRow;
use crate::db::satisfaction::{self as store, NewSatisfaction, SatisfactionRow};
use crate::db::{self, Conn, now_ms};

/// What the enterprise submits: a score on the scale for every dimension, and a comment.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SatisfactionForm", example = example_form())]
pub struct Form {
    /// Dimension id → score (1–5 on the shipped form): attitude, responsiveness, quality,
    /// effect, overall.
    pub scores: BTreeMap<String, u8>,
    #[serde(default)]
    pub comment: String,
}

fn example_form() -> serde_json::Value {
    serde_json::json!({
        "scores": {"attitude": 5, "responsiveness": 4, "quality": 5, "effect": 4, "overall": 5},
        "comment": "实施团队响应及时，改造后排产效率明显提升"
    })
}

/// One satisfaction evaluation as its readers see it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SatisfactionRecord")]
pub struct Record {
    pub id: i64,
    pub project_id: i64,
    pub provider_id: i64,
    /// The form it was given on, e.g. "satisfaction v1".
    pub rule: String,
    pub scores: BTreeMap<String, u8>,
    /// Its points, 0–100: the scores' sum over the highest sum.
    pub points: i64,
    pub comment: String,
    pub created_by: String,
    pub created_at: i64,
}

impl Record {
    fn of(r: SatisfactionRow) -> Record {
        Record {
            scores: serde_json::from_str(&r.scores_json).unwrap_or_default(),
            rule: format!("{} v{}", r.rules_id, r.rules_version),
            id: r.id,
            project_id: r.project_id,
            provider_id: r.provider_id,
            points: r.points,
            comment: r.comment,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

/// Whether the project's acceptance is decided as accepted.
async fn accepted(c: &mut impl Conn, project_id: i64) -> AppResult<bool> {
    Ok(db::acceptance::of_project(c, project_id).await?.is_some_and(|a| a.status == AcceptanceState::Accepted.code()))
}

/// The enterprise records its evaluation of project `project_id`. Returns the record and whether
/// this call created it (false: the same evaluation was already there, e.g. a retry).
pub async fn submit(app: &App, actor: &Actor, project_id: i64, f: &Form) -> AppResult<(Record, bool)> {
    let p = principal(actor)?;
    if p.role != Role::Enterprise {
        return Err(AppError::Forbidden);
    }
    let rules = form()?;
    let mut tx = app.db.begin().await?;
    let row = db::projects::get(&mut tx, project_id).await?.ok_or(AppError::NotFound)?;
    // Another enterprise's project does not exist for the caller.
    if p.enterprise_id != Some(row.enterprise_id) {
        return Err(AppError::NotFound);
    }
    let comment = f.comment.trim();
    let points =
        rules.points(&f.scores, comment).map_err(|e| AppError::invalid("error.satisfaction", e.to_string()))?;
    if !accepted(&mut tx, project_id).await? {
        return Err(AppError::Conflict("error.satisfaction_not_accepted"));
    }
    let scores_json = serde_json::to_string(&f.scores).map_err(|e| AppError::Internal(e.to_string()))?;
    let new = NewSatisfaction {
        project_id,
        enterprise_id: row.enterprise_id,
        provider_id: row.provider_id,
        region_code: &row.region_code,
        rules_id: &rules.id,
        rules_version: i64::from(rules.version),
        scores_json: &scores_json,
        points: i64::from(points),
        comment,
        created_by: &actor.name,
        created_at: now_ms(),
    };
    let Some(id) = store::insert(&mut tx, &new).await? else {
        // One came first: the same evaluation again is that one; a different one is refused.
        let first = store::of_project(&mut tx, project_id).await?.ok_or(AppError::Conflict("error.stale"))?;
        let same = first.scores_json == scores_json && first.comment == comment;
        return if same { Ok((Record::of(first), false)) } else { Err(AppError::Conflict("error.satisfaction_given")) };
    };
    record(
        &mut tx,
        actor,
        "satisfaction.submit",
        &format!("project:{project_id}"),
        Outcome::Ok,
        &format!("satisfaction:{id} {} points {points}", rules.rule_ref()),
    )
    .await?;
    super::dashboard::refresh_project(&mut tx, project_id).await?;
    let saved = store::of_project(&mut tx, project_id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((Record::of(saved), true))
}

/// The satisfaction side of a project page.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ProjectSatisfaction")]
pub struct ProjectSatisfaction {
    /// The form: its dimensions and scale.
    pub form: &'static SatisfactionRules,
    /// The evaluation, to the enterprise and the officers; never to the provider (it sees its
    /// aggregate on its own page).
    pub record: Option<Record>,
    /// The caller (the project's enterprise) may give it now.
    pub may_submit: bool,
}

/// What `p`, who may see `project`, sees of its satisfaction evaluation.
pub async fn of_project(app: &App, p: &Principal, project: &ProjectRow) -> AppResult<ProjectSatisfaction> {
    let mut c = app.db.clone();
    let mine = p.role == Role::Enterprise && p.enterprise_id == Some(project.enterprise_id);
    let reader = mine || p.role == Role::Officer;
    let row = if reader { store::of_project(&mut c, project.id).await? } else { None };
    let may_submit = mine && row.is_none() && accepted(&mut c, project.id).await?;
    Ok(ProjectSatisfaction { form: form()?, record: row.map(Record::of), may_submit })
}
