//! Outcomes of a project on the seven axes (财办建〔2024〕23号): the enterprise or its provider
//! records indicator lines — a baseline before acceptance is applied for, a result once delivery
//! started — each with evidence files from the project's evidence (hashed on upload). Once the
//! acceptance is decided the lines are locked. The summaries give, per sub-industry and axis,
//! how many projects report and the median improvement per indicator; the public one suppresses
//! cells of fewer than three projects.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use dengta_domain::programme::Date;
use dengta_domain::programme::acceptance::AcceptanceState;
use dengta_domain::programme::outcomes::{self as rules, Axes, Axis, Better, Measure};
use dengta_domain::programme::workflow::{ProjectActor, ProjectState};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::db::outcomes::{self as store, OutcomeRow};
use crate::db::{self, Conn};

static AXES: LazyLock<Result<Axes, String>> = LazyLock::new(|| Axes::builtin().map_err(|e| e.to_string()));

/// The axes file (`data/rules/outcome-axes.toml`), validated once.
pub fn axes() -> AppResult<&'static Axes> {
    AXES.as_ref().map_err(|e| AppError::Internal(format!("outcome axes: {e}")))
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

/// A new outcome line: the indicator (a suggested one by id or name, or one of the project's
/// own with its unit and direction), its baseline, and its result when delivery has started.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(example = serde_json::json!({
    "axis": "quality", "indicator": "产品不良率", "baseline": "5.2", "baseline_date": "2025-03-01",
    "note": "改造前三个月平均", "evidence_ids": []
}))]
pub struct NewLine {
    #[schemars(schema_with = "dengta_domain::schema::outcome_axis")]
    pub axis: String,
    pub indicator: String,
    /// Needed only for an indicator the axes file does not suggest.
    #[serde(default)]
    pub unit: String,
    /// `higher` or `lower`; needed only for an indicator the axes file does not suggest.
    #[serde(default)]
    pub better: String,
    /// An exact decimal, at most 4 decimals.
    pub baseline: String,
    pub baseline_date: String,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub result_date: String,
    #[serde(default)]
    pub note: String,
    /// Evidence files of this project (`evidence` ids of the project) behind the figures.
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

/// The result of a line, once delivery has started.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[schemars(example = serde_json::json!({
    "line_id": 1, "result": "3.1", "result_date": "2025-09-30", "evidence_ids": []
}))]
pub struct ResultEntry {
    pub line_id: i64,
    pub result: String,
    pub result_date: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    /// The line's version as read (0: not checked).
    #[serde(default)]
    pub version: i64,
}

/// An evidence file behind a line.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct OutcomeEvidence {
    pub evidence_id: i64,
    pub file_name: String,
    pub sha256: String,
}

/// An outcome line as shown: values as exact decimals, the change and the improvement.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct OutcomeLine {
    pub id: i64,
    pub project_id: i64,
    pub axis: Axis,
    pub axis_label: &'static str,
    pub indicator: String,
    pub unit: String,
    pub better: Better,
    pub baseline: String,
    pub baseline_date: String,
    pub result: Option<String>,
    pub result_date: Option<String>,
    /// result − baseline, as an exact decimal.
    pub change: Option<String>,
    /// The improvement in basis points of the baseline (positive = the better way).
    pub improvement_bp: Option<i64>,
    /// The same as a percentage ("40.00%").
    pub improvement: Option<String>,
    pub note: String,
    pub evidence: Vec<OutcomeEvidence>,
    pub created_by: String,
    pub version: i64,
}

fn view(r: OutcomeRow, evidence: Vec<OutcomeEvidence>) -> AppResult<OutcomeLine> {
    let axis = Axis::parse(&r.axis).ok_or_else(|| AppError::Internal(r.axis.clone()))?;
    let better = Better::parse(&r.better).ok_or_else(|| AppError::Internal(r.better.clone()))?;
    let base = Measure(r.baseline_e4);
    let result = r.result_e4.map(Measure);
    let imp = result.and_then(|v| rules::improvement_bp(base, v, better));
    Ok(OutcomeLine {
        id: r.id,
        project_id: r.project_id,
        axis,
        axis_label: axis.label_zh(),
        indicator: r.indicator,
        unit: r.unit,
        better,
        baseline: base.to_string(),
        baseline_date: r.baseline_date,
        result: result.map(|v| v.to_string()),
        result_date: r.result_date,
        change: result.map(|v| Measure(v.0 - base.0).to_string()),
        improvement_bp: imp,
        improvement: imp.map(rules::percent),
        note: r.note,
        evidence,
        created_by: r.created_by,
        version: r.version,
    })
}

/// What the project's state allows now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OutcomeWindow {
    /// Baselines may be entered (acceptance not yet applied for).
    pub baseline: bool,
    /// Results may be entered (delivery started, acceptance not decided).
    pub result: bool,
    /// The acceptance is decided: nothing changes any more.
    pub locked: bool,
}

async fn window(c: &mut impl Conn, row: &crate::db::projects::ProjectRow) -> AppResult<OutcomeWindow> {
    let acc = db::acceptance::of_project(c, row.id).await?.and_then(|a| AcceptanceState::parse(&a.status));
    let state = ProjectState::parse(&row.status).ok_or_else(|| AppError::Internal(row.status.clone()))?;
    let locked = matches!(acc, Some(AcceptanceState::Accepted | AcceptanceState::Rejected));
    let live = state != ProjectState::Cancelled && !locked;
    Ok(OutcomeWindow {
        baseline: live && matches!(acc, None | Some(AcceptanceState::Returned)),
        result: live && matches!(state, ProjectState::InProgress | ProjectState::Completed),
        locked,
    })
}

fn refuse_state(detail: &str) -> AppError {
    AppError::invalid("error.state", detail)
}

fn measure(s: &str, field: &'static str) -> AppResult<Measure> {
    Measure::parse(s).map_err(|e| AppError::invalid(field, e.to_string()))
}

fn date(s: &str) -> AppResult<String> {
    Date::parse(s.trim()).map(|d| d.to_string()).map_err(|_| AppError::invalid("error.date", s.trim()))
}

fn note(s: &str) -> AppResult<String> {
    let n = s.trim();
    if n.chars().count() > 1000 {
        return Err(AppError::invalid("error.outcome_note", ""));
    }
    Ok(n.to_owned())
}

/// Loads the project for a writer (its enterprise or provider): NotFound outside scope,
/// Forbidden for any other part.
async fn writer(c: &mut impl Conn, p: &Principal, id: i64) -> AppResult<crate::db::projects::ProjectRow> {
    let row = crate::db::projects::get(c, id).await?.ok_or(AppError::NotFound)?;
    match super::projects::part_of(p, &row)? {
        ProjectActor::Enterprise | ProjectActor::Provider => Ok(row),
        _ => Err(AppError::Forbidden),
    }
}

async fn link(c: &mut db::Tx, project_id: i64, line: i64, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let evidence = crate::db::projects::evidence(c, project_id).await?;
    for id in ids {
        if !evidence.iter().any(|e| e.id == *id) {
            return Err(AppError::invalid("error.outcome_evidence", id.to_string()));
        }
        store::link_evidence(c, line, *id).await?;
    }
    Ok(())
}

/// Serialises a line's write with the project's acceptance steps (PostgreSQL; SQLite's write
/// lock already does): a decision committed first is seen, one coming after waits for the line.
async fn serialise(tx: &mut db::Tx, project_id: i64) -> AppResult<()> {
    if tx.backend() == crate::db::Backend::Postgres {
        tx.execute("SELECT id FROM projects WHERE id = $1 FOR UPDATE", dengta_db::args![project_id]).await?;
        tx.execute("SELECT id FROM acceptances WHERE project_id = $1 FOR UPDATE", dengta_db::args![project_id]).await?;
    }
    Ok(())
}

/// Records a new line on project `project_id`.
pub async fn add(app: &App, actor: &Actor, project_id: i64, n: &NewLine) -> AppResult<i64> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = writer(&mut tx, p, project_id).await?;
    serialise(&mut tx, project_id).await?;
    let w = window(&mut tx, &row).await?;
    if w.locked {
        return Err(refuse_state("验收已有结论，成效记录已锁定"));
    }
    if !w.baseline {
        return Err(refuse_state("已申请验收，不能再录入基线"));
    }
    let axis = Axis::parse(&n.axis).ok_or_else(|| AppError::invalid("error.outcome_axis", n.axis.trim()))?;
    let name = n.indicator.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::invalid("error.outcome_indicator", name));
    }
    let (indicator, unit, better) = match axes()?.indicator(axis, name) {
        Some(i) => (i.name.clone(), i.unit.clone(), i.better()),
        None => {
            let unit = n.unit.trim();
            if unit.is_empty() || unit.chars().count() > 20 {
                return Err(AppError::invalid("error.outcome_unit", unit));
            }
            let better =
                Better::parse(&n.better).ok_or_else(|| AppError::invalid("error.outcome_better", n.better.trim()))?;
            (name.to_owned(), unit.to_owned(), better)
        }
    };
    let baseline = measure(&n.baseline, "error.outcome_value")?;
    let baseline_date = date(&n.baseline_date)?;
    let result = if n.result.trim().is_empty() {
        None
    } else {
        if !w.result {
            return Err(refuse_state("项目尚未开始实施，不能录入结果"));
        }
        let d = date(&n.result_date)?;
        if d < baseline_date {
            return Err(AppError::invalid("error.outcome_dates", format!("{d} < {baseline_date}")));
        }
        Some((measure(&n.result, "error.outcome_value")?.0, d))
    };
    let enrolment = db::programmes::enrolment(&mut tx, row.enrolment_id).await?;
    let sub = enrolment.and_then(|e| e.sub_industry).filter(|s| !s.trim().is_empty());
    let id = store::insert(
        &mut tx,
        &store::NewOutcome {
            project_id,
            enterprise_id: row.enterprise_id,
            region_code: &row.region_code,
            programme_id: &row.programme_id,
            sub_industry: sub.as_deref().unwrap_or("未分类"),
            axis: axis.code(),
            indicator: &indicator,
            unit: &unit,
            better: better.code(),
            baseline_e4: baseline.0,
            baseline_date: &baseline_date,
            result: result.as_ref().map(|(v, d)| (*v, d.as_str())),
            note: &note(&n.note)?,
            created_by: &actor.name,
        },
    )
    .await?;
    link(&mut tx, project_id, id, &n.evidence_ids).await?;
    let detail = format!("{} {indicator} 基线 {baseline}{unit}", axis.label_zh());
    record(&mut tx, actor, "outcome.add", &format!("project:{project_id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records the result of a line of project `project_id`.
pub async fn set_result(app: &App, actor: &Actor, project_id: i64, r: &ResultEntry) -> AppResult<OutcomeLine> {
    let p = principal(actor)?;
    let mut tx = app.db.begin().await?;
    let row = writer(&mut tx, p, project_id).await?;
    serialise(&mut tx, project_id).await?;
    let line =
        store::get(&mut tx, r.line_id).await?.filter(|l| l.project_id == project_id).ok_or(AppError::NotFound)?;
    let w = window(&mut tx, &row).await?;
    if w.locked {
        return Err(refuse_state("验收已有结论，成效记录已锁定"));
    }
    if !w.result {
        return Err(refuse_state("项目尚未开始实施，不能录入结果"));
    }
    if r.version != 0 && r.version != line.version {
        return Err(AppError::Conflict("error.stale"));
    }
    let value = measure(&r.result, "error.outcome_value")?;
    let d = date(&r.result_date)?;
    if d < line.baseline_date {
        return Err(AppError::invalid("error.outcome_dates", format!("{d} < {}", line.baseline_date)));
    }
    let n = note(&r.note)?;
    let n = if n.is_empty() { None } else { Some(n.as_str()) };
    if !store::set_result(&mut tx, line.id, line.version, value.0, &d, n).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    link(&mut tx, project_id, line.id, &r.evidence_ids).await?;
    let detail = format!("{} 结果 {value}{}（基线 {}）", line.indicator, line.unit, Measure(line.baseline_e4));
    record(&mut tx, actor, "outcome.result", &format!("outcome:{}", line.id), Outcome::Ok, &detail).await?;
    let saved = store::get(&mut tx, line.id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let evidence = evidence_of(&mut app.db.clone(), project_id).await?.remove(&line.id).unwrap_or_default();
    view(saved, evidence)
}

async fn evidence_of(c: &mut impl Conn, project_id: i64) -> AppResult<BTreeMap<i64, Vec<OutcomeEvidence>>> {
    let mut by: BTreeMap<i64, Vec<OutcomeEvidence>> = BTreeMap::new();
    for (line, evidence_id, file_name, sha256) in store::evidence_of_project(c, project_id).await? {
        by.entry(line).or_default().push(OutcomeEvidence { evidence_id, file_name, sha256 });
    }
    Ok(by)
}

/// A project's outcome lines and what its state allows.
pub struct ProjectOutcomes {
    pub lines: Vec<OutcomeLine>,
    pub window: OutcomeWindow,
    /// The caller may record (the project's enterprise or provider).
    pub may_write: bool,
}

/// The lines of a project the caller may see (scope as the project's).
pub async fn of_project(app: &App, p: &Principal, row: &crate::db::projects::ProjectRow) -> AppResult<ProjectOutcomes> {
    let who = super::projects::part_of(p, row)?;
    let mut c = app.db.clone();
    let mut evidence = evidence_of(&mut c, row.id).await?;
    let lines = store::of_project(&mut c, row.id)
        .await?
        .into_iter()
        .map(|r| {
            let ev = evidence.remove(&r.id).unwrap_or_default();
            view(r, ev)
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(ProjectOutcomes {
        lines,
        window: window(&mut c, row).await?,
        may_write: matches!(who, ProjectActor::Enterprise | ProjectActor::Provider),
    })
}

/// One cell of a summary: an indicator of an axis in a sub-industry.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SummaryCell {
    pub sub_industry: String,
    pub axis: Axis,
    pub axis_label: &'static str,
    pub indicator: String,
    pub unit: String,
    pub better: Better,
    /// Projects with a result for this indicator (absent when the cell is suppressed).
    pub projects: Option<u32>,
    /// The median improvement in basis points (absent when suppressed or no baseline was non-zero).
    pub median_improvement_bp: Option<i64>,
    pub median_improvement: Option<String>,
    /// Fewer than three projects: the public summary shows no figure.
    pub suppressed: bool,
}

/// How many projects report results in a sub-industry, overall and per axis.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SubIndustryCount {
    pub sub_industry: String,
    /// Absent when suppressed.
    pub projects: Option<u32>,
    pub axes: Vec<AxisCount>,
    pub suppressed: bool,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AxisCount {
    pub axis: Axis,
    pub axis_label: &'static str,
    pub projects: Option<u32>,
    pub suppressed: bool,
}

/// Outcomes summarised over a region subtree.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct OutcomeSummary {
    pub region_code: String,
    /// Projects with at least one result.
    pub projects: u32,
    pub sub_industries: Vec<SubIndustryCount>,
    pub cells: Vec<SummaryCell>,
    /// Cells of fewer projects than this are suppressed in the public summary.
    pub public_min_projects: u32,
}

/// Lines a summary reads at most (the request path stays bounded).
const SUMMARY_LIMIT: i64 = 50_000;

fn summarise(region: &str, rows: &[store::SummaryRow], public: bool) -> OutcomeSummary {
    let shown = |n: usize| !public || rules::publishable(n);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut all: BTreeSet<i64> = BTreeSet::new();
    /// Projects of a sub-industry, overall and per axis.
    type Reporting = (BTreeSet<i64>, BTreeMap<Axis, BTreeSet<i64>>);
    let mut by_sub: BTreeMap<&str, Reporting> = BTreeMap::new();
    type Key<'a> = (&'a str, Axis, &'a str, &'a str, &'a str);
    let mut cells: BTreeMap<Key, (BTreeSet<i64>, Vec<i64>)> = BTreeMap::new();
    for r in rows {
        let (Some(axis), Some(better), Some(result)) =
            (Axis::parse(&r.axis), Better::parse(&r.better), Some(r.result_e4))
        else {
            continue;
        };
        all.insert(r.project_id);
        let s = by_sub.entry(r.sub_industry.as_str()).or_default();
        s.0.insert(r.project_id);
        s.1.entry(axis).or_default().insert(r.project_id);
        let cell =
            cells.entry((r.sub_industry.as_str(), axis, r.indicator.as_str(), r.unit.as_str(), r.better.as_str()));
        let c = cell.or_default();
        c.0.insert(r.project_id);
        if let Some(bp) = rules::improvement_bp(Measure(r.baseline_e4), Measure(result), better) {
            c.1.push(bp);
        }
    }
    let sub_industries = by_sub
        .into_iter()
        .map(|(name, (projects, axes))| SubIndustryCount {
            sub_industry: name.to_owned(),
            projects: shown(projects.len()).then(|| count(projects.len())),
            suppressed: !shown(projects.len()),
            axes: axes
                .into_iter()
                .map(|(axis, ps)| AxisCount {
                    axis,
                    axis_label: axis.label_zh(),
                    projects: shown(ps.len()).then(|| count(ps.len())),
                    suppressed: !shown(ps.len()),
                })
                .collect(),
        })
        .collect();
    let cells = cells
        .into_iter()
        .map(|((sub, axis, indicator, unit, better), (projects, bps))| {
            let ok = shown(projects.len());
            let median = if ok { rules::median(&bps) } else { None };
            SummaryCell {
                sub_industry: sub.to_owned(),
                axis,
                axis_label: axis.label_zh(),
                indicator: indicator.to_owned(),
                unit: unit.to_owned(),
                better: Better::parse(better).unwrap_or(Better::Higher),
                projects: ok.then(|| count(projects.len())),
                median_improvement_bp: median,
                median_improvement: median.map(rules::percent),
                suppressed: !ok,
            }
        })
        .collect();
    OutcomeSummary {
        region_code: region.to_owned(),
        projects: count(all.len()),
        sub_industries,
        cells,
        public_min_projects: count(rules::PUBLIC_MIN_PROJECTS),
    }
}

/// The officer's summary over `region` (its own by default; outside its subtree: not found).
pub async fn summary(app: &App, p: &Principal, region: Option<&str>) -> AppResult<OutcomeSummary> {
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r).map_err(|e| AppError::invalid("error.region_code", e.to_string()))?,
        None => p.region.clone(),
    };
    if !p.region.contains(&region) {
        return Err(AppError::NotFound);
    }
    let rows = store::with_results(&mut app.read().await?, &region.subtree_bounds(), None, SUMMARY_LIMIT).await?;
    Ok(summarise(region.as_str(), &rows, false))
}

/// The public summary over the whole platform: no enterprise named, small cells suppressed.
pub async fn public_summary(app: &App) -> AppResult<OutcomeSummary> {
    let bounds = ("000000".to_owned(), "999999".to_owned());
    let rows = store::with_results(&mut app.read().await?, &bounds, None, SUMMARY_LIMIT).await?;
    Ok(summarise("100000", &rows, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(project: i64, sub: &str, base: i64, result: i64) -> store::SummaryRow {
        store::SummaryRow {
            project_id: project,
            sub_industry: sub.into(),
            axis: "quality".into(),
            indicator: "产品不良率".into(),
            unit: "%".into(),
            better: "lower".into(),
            baseline_e4: base * 10_000,
            result_e4: result * 10_000,
        }
    }

    #[test]
    fn public_cells_under_three_projects_are_suppressed() {
        let rows = [row(1, "A", 10, 5), row(2, "A", 10, 8), row(3, "B", 10, 9), row(4, "A", 10, 9)];
        let s = summarise("320100", &rows, true);
        assert_eq!(s.projects, 4);
        let a = s.cells.iter().find(|c| c.sub_industry == "A").unwrap();
        assert_eq!((a.projects, a.median_improvement.as_deref()), (Some(3), Some("20.00%")));
        let b = s.cells.iter().find(|c| c.sub_industry == "B").unwrap();
        assert!(b.suppressed && b.projects.is_none() && b.median_improvement_bp.is_none());
        let officer = summarise("320100", &rows, false);
        let b = officer.cells.iter().find(|c| c.sub_industry == "B").unwrap();
        assert_eq!((b.projects, b.median_improvement_bp), (Some(1), Some(1_000)));
    }
}
