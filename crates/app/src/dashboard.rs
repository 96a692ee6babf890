//! Dashboards against targets. Every figure is a counter in `rollups` kept in the write
//! transaction: after a write touching an enterprise or a project, [`refresh_enterprise`] /
//! [`refresh_project`] recompute its facts from the stored records and add the difference to the
//! counters of its region and every region above it (`domain::dashboard`). A dashboard request
//! reads one region's counters (and its children's for the drill-down), never the facts.
//! [`check`] recomputes every counter from the records and reports differences; [`rebuild`]
//! rewrites them (after a bulk load or on a database migrated from before the dashboards).

use std::collections::{BTreeMap, HashMap};

use dengta_domain::assessment::ScoreResult;
use dengta_domain::dashboard::{self as dash, EnterpriseFacts, ProjectFacts};
use dengta_domain::programme::Date;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Serialize;

use super::identifiers::region_path;
use super::{App, AppError, AppResult};
use crate::db::dashboard::{self as store, ENTERPRISE, Facts, PROJECT};
use crate::db::{self, Conn};
use dengta_db::args;
use dengta_domain::enterprise::profile::SrdiTier;

fn month_of(ms: i64) -> String {
    let d = Date::from_unix_ms_beijing(ms);
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The pilot sub-industry an industry code falls in, by the programmes covering the region.
fn sub_industry(region: &str, industry: &str) -> Option<String> {
    let r = RegionCode::parse(region).ok()?;
    super::programmes::programmes_for(&r)
        .ok()?
        .into_iter()
        .find_map(|p| p.sub_industry_of(industry).map(|s| s.name.clone()))
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct EnterpriseSource {
    id: i64,
    region_code: String,
    industry_code: String,
    above_scale: bool,
    cloud_verified: bool,
    created_at: i64,
    srdi_tier: String,
}

/// The latest submitted self-assessment as the dashboards need it: its level and its result.
type Latest = (Option<i64>, Option<String>);

/// Scenes rated below 二级 in a stored score result (the demand for solutions).
fn gaps_of(result_json: Option<&str>) -> Vec<String> {
    let Some(r) = result_json.and_then(|s| serde_json::from_str::<ScoreResult>(s).ok()) else { return Vec::new() };
    r.scenes.iter().filter(|s| s.level.as_u8() < 2).map(|s| s.id.clone()).collect()
}

fn enterprise_facts(e: &EnterpriseSource, latest: Option<&Latest>) -> EnterpriseFacts {
    let (level, result) = latest.map_or((None, None), |(l, r)| (*l, r.as_deref()));
    EnterpriseFacts {
        region_code: e.region_code.clone(),
        registered_month: month_of(e.created_at),
        sub_industry: sub_industry(&e.region_code, &e.industry_code),
        above_scale: e.above_scale,
        level: level.and_then(|l| u8::try_from(l).ok()).filter(|l| (1..=4).contains(l)),
        cloud: e.cloud_verified,
        division: e.industry_code.chars().take(3).collect(),
        gaps: gaps_of(result),
        // 专精特新: the provincial 专精特新 SMEs and the national 小巨人 (not the 创新型 tier below).
        srdi: matches!(SrdiTier::from_code(&e.srdi_tier), Some(SrdiTier::Srdi | SrdiTier::LittleGiant)),
    }
}

const ENTERPRISE_SOURCE: &str =
    "SELECT id, region_code, industry_code, above_scale, cloud_verified, created_at, srdi_tier FROM enterprises";

async fn enterprise_from_records(c: &mut impl Conn, id: i64) -> AppResult<Option<EnterpriseFacts>> {
    let Some(e): Option<EnterpriseSource> =
        c.fetch_optional(&format!("{ENTERPRISE_SOURCE} WHERE id = $1"), args![id]).await?
    else {
        return Ok(None);
    };
    let latest: Option<Latest> = c
        .fetch_optional(
            "SELECT level, result_json FROM assessments WHERE enterprise_id = $1 AND kind = 'self' \
             AND status = 'submitted' ORDER BY id DESC LIMIT 1",
            args![id],
        )
        .await?;
    Ok(Some(enterprise_facts(&e, latest.as_ref())))
}

/// Every counter change, expanded to the region and all regions above it, with the metric prefix.
fn expand(prefix: &str, deltas: Vec<dash::Delta>) -> Vec<(String, String, i64)> {
    let mut sum: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (region, metric, v) in deltas {
        for node in region_path(&region) {
            *sum.entry((node, format!("{prefix}{metric}"))).or_insert(0) += v;
        }
    }
    sum.into_iter().filter(|(_, v)| *v != 0).map(|((r, m), v)| (r, m, v)).collect()
}

fn to_json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// Brings one enterprise's counters up to date, in the caller's transaction.
pub async fn refresh_enterprise(c: &mut impl Conn, id: i64) -> AppResult<()> {
    let new = enterprise_from_records(c, id).await?;
    let old: Option<EnterpriseFacts> =
        store::facts(c, Facts::Enterprise, id).await?.and_then(|j| serde_json::from_str(&j).ok());
    if old == new {
        return Ok(());
    }
    store::bump_all(c, &expand(ENTERPRISE, dash::enterprise_deltas(old.as_ref(), new.as_ref()))).await?;
    if let Some(f) = &new {
        store::put_facts(c, Facts::Enterprise, id, &to_json(f)?).await?;
    }
    Ok(())
}

/// Counters for enterprises just inserted in bulk (no assessment, no cloud record yet): their
/// facts come from the rows themselves, and the counter changes of the whole batch are summed
/// before they are written.
pub async fn add_new_enterprises(c: &mut impl Conn, ids: &[i64]) -> AppResult<()> {
    let mut deltas = Vec::new();
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let src: Vec<EnterpriseSource> = c
            .fetch_all(
                &format!("{ENTERPRISE_SOURCE} WHERE id IN ({})", marks.join(", ")),
                chunk.iter().map(|i| db::Arg::from(*i)).collect(),
            )
            .await?;
        for e in &src {
            let f = enterprise_facts(e, None);
            deltas.extend(dash::enterprise_deltas(None, Some(&f)));
            rows.push((e.id, to_json(&f)?));
        }
    }
    store::bump_all(c, &expand(ENTERPRISE, deltas)).await?;
    store::put_facts_many(c, Facts::Enterprise, &rows).await?;
    Ok(())
}

async fn project_from_records(c: &mut impl Conn, id: i64) -> AppResult<Option<ProjectFacts>> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct P {
        region_code: String,
        filed_at: Option<i64>,
    }
    let Some(p): Option<P> =
        c.fetch_optional("SELECT region_code, filed_at FROM projects WHERE id = $1", args![id]).await?
    else {
        return Ok(None);
    };
    let diagnosed: Option<(i64,)> = c
        .fetch_optional(
            "SELECT at FROM workflow_events WHERE subject = 'project' AND subject_id = $1 AND action = 'approve_diagnosis' \
             ORDER BY id LIMIT 1",
            args![id],
        )
        .await?;
    let accepted: Option<(Option<i64>,)> = c
        .fetch_optional("SELECT decided_at FROM acceptances WHERE project_id = $1 AND status = 'accepted'", args![id])
        .await?;
    let accepted_at = accepted.and_then(|a| a.0);
    let committed = c
        .scalar(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM subsidies WHERE project_id = $1 AND status <> 'cancelled'",
            args![id],
        )
        .await?;
    let payments: Vec<(i64, i64)> = c
        .fetch_all(
            "SELECT p.amount_fen, p.at FROM payments p JOIN subsidies s ON s.id = p.subsidy_id \
             WHERE s.project_id = $1 AND p.status = 'posted' ORDER BY p.at",
            args![id],
        )
        .await?;
    let disbursed: i64 = payments.iter().map(|p| p.0).sum();
    let satisfaction: Option<(i64,)> =
        c.fetch_optional("SELECT points FROM satisfaction_evaluations WHERE project_id = $1", args![id]).await?;
    let first_after = accepted_at.and_then(|a| payments.iter().find(|p| p.1 >= a).map(|p| (a, p.1)));
    Ok(Some(ProjectFacts {
        region_code: p.region_code,
        diagnosed_month: diagnosed.map(|d| month_of(d.0)),
        filed_month: p.filed_at.map(month_of),
        accepted_month: accepted_at.map(month_of),
        committed_fen: committed,
        disbursed_fen: disbursed,
        accept_to_pay_days: first_after.map(|(a, paid)| (paid - a).max(0) / 86_400_000),
        paid_month: payments.first().map(|p| month_of(p.1)),
        satisfaction_points: satisfaction.map(|s| s.0),
    }))
}

/// Brings one project's counters up to date, in the caller's transaction.
pub async fn refresh_project(c: &mut impl Conn, id: i64) -> AppResult<()> {
    let new = project_from_records(c, id).await?;
    let old: Option<ProjectFacts> =
        store::facts(c, Facts::Project, id).await?.and_then(|j| serde_json::from_str(&j).ok());
    if old == new {
        return Ok(());
    }
    store::bump_all(c, &expand(PROJECT, dash::project_deltas(old.as_ref(), new.as_ref()))).await?;
    if let Some(f) = &new {
        store::put_facts(c, Facts::Project, id, &to_json(f)?).await?;
    }
    Ok(())
}

/// Recomputes every counter from the records: enterprises in chunks by id (two queries a chunk),
/// projects one by one. Returns the counters and the facts it found.
async fn recompute(
    c: &mut impl Conn,
) -> AppResult<(HashMap<(String, String), i64>, Vec<(i64, String)>, Vec<(i64, String)>)> {
    let mut counters: HashMap<(String, String), i64> = HashMap::new();
    let mut add = |prefix: &str, region: &str, contrib: BTreeMap<String, i64>| {
        let path = region_path(region);
        for (m, v) in contrib {
            for node in &path {
                *counters.entry((node.clone(), format!("{prefix}{m}"))).or_insert(0) += v;
            }
        }
    };
    let mut efacts = Vec::new();
    let mut after = 0_i64;
    loop {
        let src: Vec<EnterpriseSource> =
            c.fetch_all(&format!("{ENTERPRISE_SOURCE} WHERE id > $1 ORDER BY id LIMIT 5000"), args![after]).await?;
        let Some(last) = src.last().map(|e| e.id) else { break };
        let levels: Vec<(i64, Option<i64>, Option<String>)> = c
            .fetch_all(
                "SELECT enterprise_id, level, result_json FROM assessments WHERE enterprise_id > $1 \
                 AND enterprise_id <= $2 AND kind = 'self' AND status = 'submitted' ORDER BY enterprise_id, id",
                args![after, last],
            )
            .await?;
        // The last row per enterprise is its latest submission.
        let latest: HashMap<i64, Latest> = levels.into_iter().map(|(id, l, r)| (id, (l, r))).collect();
        for e in &src {
            let f = enterprise_facts(e, latest.get(&e.id));
            add(ENTERPRISE, &f.region_code, dash::enterprise_contributions(&f));
            efacts.push((e.id, to_json(&f)?));
        }
        after = last;
    }
    let ids: Vec<(i64,)> = c.fetch_all("SELECT id FROM projects ORDER BY id", args![]).await?;
    let mut pfacts = Vec::new();
    for (id,) in ids {
        if let Some(f) = project_from_records(c, id).await? {
            add(PROJECT, &f.region_code, dash::project_contributions(&f));
            pfacts.push((id, to_json(&f)?));
        }
    }
    counters.retain(|_, v| *v != 0);
    Ok((counters, efacts, pfacts))
}

/// A counter whose stored value differs from the one recomputed from the records.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Difference {
    pub region_code: String,
    pub metric: String,
    pub stored: i64,
    pub recomputed: i64,
}

/// Recomputes every dashboard counter from the records and lists the differences (none when the
/// roll-ups are sound). A full scan: an audit job, not a request.
pub async fn check(database: &db::Db) -> AppResult<(usize, Vec<Difference>)> {
    let mut c = database.clone();
    let (expected, _, _) = recompute(&mut c).await?;
    let stored: HashMap<(String, String), i64> =
        store::all_values(&mut c).await?.into_iter().filter(|r| r.2 != 0).map(|(r, m, v)| ((r, m), v)).collect();
    let mut diffs: Vec<Difference> = Vec::new();
    for (k, v) in &expected {
        let s = stored.get(k).copied().unwrap_or(0);
        if s != *v {
            diffs.push(Difference { region_code: k.0.clone(), metric: k.1.clone(), stored: s, recomputed: *v });
        }
    }
    for (k, v) in &stored {
        if !expected.contains_key(k) {
            diffs.push(Difference { region_code: k.0.clone(), metric: k.1.clone(), stored: *v, recomputed: 0 });
        }
    }
    diffs.sort_by(|a, b| (&a.region_code, &a.metric).cmp(&(&b.region_code, &b.metric)));
    Ok((expected.len(), diffs))
}

/// Rewrites every dashboard counter and facts row from the records, in one transaction.
pub async fn rebuild(database: &db::Db) -> AppResult<usize> {
    let mut tx = database.begin().await?;
    let (counters, efacts, pfacts) = recompute(&mut tx).await?;
    store::clear(&mut tx).await?;
    let rows: Vec<(String, String, i64)> = counters.into_iter().map(|((r, m), v)| (r, m, v)).collect();
    store::bump_all(&mut tx, &rows).await?;
    store::put_facts_many(&mut tx, Facts::Enterprise, &efacts).await?;
    store::put_facts_many(&mut tx, Facts::Project, &pfacts).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// At start: a database that has enterprises or projects but no facts (migrated from before the
/// dashboards, or loaded in bulk) gets its counters built once.
pub async fn ensure_built(database: &db::Db) -> AppResult<()> {
    let c = database.clone();
    let has_data = c.scalar("SELECT COUNT(*) FROM (SELECT id FROM enterprises LIMIT 1) x", args![]).await? > 0;
    let has_facts =
        c.scalar("SELECT COUNT(*) FROM (SELECT enterprise_id FROM enterprise_facts LIMIT 1) x", args![]).await? > 0;
    if has_data && !has_facts {
        rebuild(database).await?;
    }
    Ok(())
}

// ───────────────────────────── reading ─────────────────────────────

/// One row of the drill-down: a child region with its key figures.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DashboardRegion")]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub values: BTreeMap<String, i64>,
}

/// One pilot sub-industry of the region: 规上 enterprises, how many reach 二级, against the target.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DashboardSubIndustry")]
pub struct SubIndustryRow {
    pub name: String,
    pub codes: Vec<String>,
    pub enterprises: i64,
    pub above_scale: i64,
    pub above_scale_ge2: i64,
    pub share_pct: Option<f64>,
    pub target_pct: u32,
}

/// A region's dashboard: its counters, the drill-down to its child regions and pilot
/// sub-industries, monthly trends and targets.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Dashboard {
    pub region_code: String,
    pub region_name: String,
    pub parent: Option<String>,
    /// Every counter of the region, without the prefix.
    pub values: BTreeMap<String, i64>,
    pub children: Vec<RegionRow>,
    pub sub_industries: Vec<SubIndustryRow>,
    /// (month, enterprises registered, projects filed, projects accepted, yuan disbursed)
    pub months: Vec<(String, i64, i64, i64, i64)>,
    pub cloud_target: Option<i64>,
    /// (stars, providers with that many)
    pub provider_stars: Vec<(i64, i64)>,
    pub avg_days_accept_to_pay: Option<f64>,
    pub share_l2_above_scale_pct: Option<f64>,
}

/// The metrics shown per child region.
pub const CHILD_METRICS: &[&str] = &[
    "e.enterprises",
    "e.assessed",
    "e.level_ge2",
    "e.above_scale",
    "e.above_scale_ge2",
    "e.cloud",
    "p.filed",
    "p.accepted",
    "p.disbursed_fen",
];

pub(crate) fn last_months(now_ms: i64, n: usize) -> Vec<String> {
    let today = Date::from_unix_ms_beijing(now_ms);
    let (mut y, mut m) = (today.year(), i32::from(today.month()));
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

/// The dashboard of a region in the officer's subtree (their own region by default).
pub async fn dashboard(app: &App, p: &Principal, region: Option<&str>) -> AppResult<Dashboard> {
    if !matches!(p.role, Role::Officer | Role::AuditAdmin) {
        return Err(AppError::Forbidden);
    }
    let code = match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r).map_err(|e| AppError::invalid("error.region_unknown", e.to_string()))?,
        None => p.region.clone(),
    };
    if !p.region.contains(&code) {
        return Err(AppError::NotFound);
    }
    let mut c = app.read().await?;
    let row = db::regions::get(&mut c, code.as_str()).await?.ok_or(AppError::NotFound)?;
    // The instance's own counters plus those imported from the instances below (upward reports).
    let mut raw: BTreeMap<String, i64> = store::values(&mut c, code.as_str()).await?.into_iter().collect();
    for (k, v) in super::reports::imported_values(&mut c, &code).await? {
        *raw.entry(k).or_insert(0) += v;
    }
    let values: BTreeMap<String, i64> =
        raw.into_iter().map(|(k, v)| (k.get(2..).unwrap_or_default().to_owned(), v)).collect();
    let v = |m: &str| values.get(m).copied().unwrap_or(0);

    let mut children: BTreeMap<String, RegionRow> = store::children(&mut c, code.as_str())
        .await?
        .into_iter()
        .map(|(code, name)| (code.clone(), RegionRow { code, name, values: BTreeMap::new() }))
        .collect();
    for cv in store::child_values(&mut c, code.as_str(), CHILD_METRICS).await? {
        if let Some(r) = children.get_mut(&cv.code) {
            r.values.insert(cv.metric.get(2..).unwrap_or_default().to_owned(), cv.value);
        }
    }
    let imports_below = super::reports::any_imported_within(&mut c, &code).await?;
    for r in children.values_mut().filter(|_| imports_below) {
        let Ok(child) = RegionCode::parse(&r.code) else { continue };
        for (k, v) in super::reports::imported_values(&mut c, &child).await? {
            if CHILD_METRICS.contains(&k.as_str()) {
                *r.values.entry(k.get(2..).unwrap_or_default().to_owned()).or_insert(0) += v;
            }
        }
    }
    // Regions without any enterprise are left out of the drill-down.
    let children: Vec<RegionRow> = children.into_values().filter(|r| !r.values.is_empty()).collect();

    let mut subs: BTreeMap<String, SubIndustryRow> = BTreeMap::new();
    for prog in super::programmes::programmes()? {
        if !(prog.region_code().contains(&code) || code.contains(prog.region_code())) {
            continue;
        }
        let target = prog.targets().share_l2_above_scale_pct.unwrap_or(90);
        for s in prog.sub_industries() {
            let e = subs.entry(s.name.clone()).or_insert_with(|| SubIndustryRow {
                name: s.name.clone(),
                codes: Vec::new(),
                enterprises: v(&format!("sub:{}:enterprises", s.name)),
                above_scale: v(&format!("sub:{}:above_scale", s.name)),
                above_scale_ge2: v(&format!("sub:{}:above_scale_ge2", s.name)),
                share_pct: None,
                target_pct: target,
            });
            for code in &s.codes {
                if !e.codes.contains(code) {
                    e.codes.push(code.clone());
                }
            }
            e.share_pct = dash::share_pct(e.above_scale_ge2, e.above_scale);
        }
    }

    let months = last_months(db::now_ms(), 12)
        .into_iter()
        .map(|m| {
            let (e, f, a, d) = (
                v(&format!("enterprises@{m}")),
                v(&format!("filed@{m}")),
                v(&format!("accepted@{m}")),
                v(&format!("disbursed_fen@{m}")) / 100,
            );
            (m, e, f, a, d)
        })
        .collect();
    Ok(Dashboard {
        region_name: row.name,
        parent: code.parent().filter(|p_| p.region.contains(p_)).map(|p_| p_.to_string()),
        cloud_target: store::target(&mut c, code.as_str(), "cloud").await?,
        provider_stars: store::provider_stars(&mut c, &code.subtree_bounds()).await?,
        avg_days_accept_to_pay: (v("paid_projects") > 0)
            .then(|| (v("accept_to_pay_days") as f64 * 10.0 / v("paid_projects") as f64).round() / 10.0),
        share_l2_above_scale_pct: dash::share_pct(v("above_scale_ge2"), v("above_scale")),
        region_code: code.to_string(),
        sub_industries: subs.into_values().collect(),
        children,
        months,
        values,
    })
}

/// An officer sets a target for its own region (e.g. enterprises on the cloud).
pub async fn set_target(app: &App, actor: &super::Actor, metric: &str, value: i64) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    if !dengta_domain::schema::TARGET_METRICS.contains(&metric) || !(0..=100_000_000).contains(&value) {
        return Err(AppError::invalid("error.target", format!("{metric} = {value}")));
    }
    let mut tx = app.db.begin().await?;
    store::set_target(&mut tx, p.region.as_str(), metric, value, &actor.name).await?;
    super::audit::record(
        &mut tx,
        actor,
        "dashboard.target",
        &format!("region:{}", p.region),
        super::audit::Outcome::Ok,
        &format!("{metric} = {value}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The dashboard tiles that export to .xlsx, with their Chinese titles.
pub const TILES: &[(&str, &str)] = &[
    ("regions", "下级地区"),
    ("sub_industries", "细分行业二级以上占比"),
    ("levels", "评测等级分布"),
    ("months", "月度趋势"),
    ("money", "奖补资金"),
];

/// One tile's table: header and rows, the same numbers the chart beside it draws.
pub fn tile_table(d: &Dashboard, tile: &str) -> AppResult<(Vec<String>, Vec<Vec<String>>)> {
    let v = |m: &str| d.values.get(m).copied().unwrap_or(0);
    let yuan = |fen: i64| dengta_domain::money::Fen(fen).to_string();
    let s = |x: &str| x.to_owned();
    Ok(match tile {
        "regions" => (
            [
                "地区代码",
                "地区",
                "企业数",
                "已评测",
                "二级及以上",
                "规上企业",
                "规上二级及以上",
                "上云企业",
                "备案项目",
                "验收通过",
                "已拨付（元）",
            ]
            .map(s)
            .to_vec(),
            d.children
                .iter()
                .map(|r| {
                    let g = |m: &str| r.values.get(m).copied().unwrap_or(0).to_string();
                    vec![
                        r.code.clone(),
                        r.name.clone(),
                        g("enterprises"),
                        g("assessed"),
                        g("level_ge2"),
                        g("above_scale"),
                        g("above_scale_ge2"),
                        g("cloud"),
                        g("filed"),
                        g("accepted"),
                        yuan(r.values.get("disbursed_fen").copied().unwrap_or(0)),
                    ]
                })
                .collect(),
        ),
        "sub_industries" => (
            ["细分行业", "行业代码", "企业数", "规上企业", "规上二级及以上", "占比（%）", "目标（%）"].map(s).to_vec(),
            d.sub_industries
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.codes.join(" "),
                        r.enterprises.to_string(),
                        r.above_scale.to_string(),
                        r.above_scale_ge2.to_string(),
                        r.share_pct.map(|p| format!("{p:.1}")).unwrap_or_default(),
                        r.target_pct.to_string(),
                    ]
                })
                .collect(),
        ),
        "levels" => (
            ["等级", "企业数"].map(s).to_vec(),
            (1..=4)
                .map(|l| vec![dengta_domain::programme::level_zh(l), v(&format!("level:{l}")).to_string()])
                .collect(),
        ),
        "months" => (
            ["月份", "新登记企业", "备案项目", "验收通过", "拨付（元）"].map(s).to_vec(),
            d.months
                .iter()
                .map(|(m, e, f, a, y)| vec![m.clone(), e.to_string(), f.to_string(), a.to_string(), y.to_string()])
                .collect(),
        ),
        "money" => (
            ["指标", "数值"].map(s).to_vec(),
            vec![
                vec![s("已承诺（元）"), yuan(v("committed_fen"))],
                vec![s("已拨付（元）"), yuan(v("disbursed_fen"))],
                vec![s("已拨付项目"), v("paid_projects").to_string()],
                vec![s("验收至拨付平均天数"), d.avg_days_accept_to_pay.map(|x| format!("{x:.1}")).unwrap_or_default()],
            ],
        ),
        other => return Err(AppError::invalid("error.bad_request", other)),
    })
}

/// A tile as an .xlsx workbook.
pub fn tile_xlsx(d: &Dashboard, tile: &str) -> AppResult<Vec<u8>> {
    let (header, rows) = tile_table(d, tile)?;
    let err = |e: dengta_tabular::TabularError| AppError::Internal(e.to_string());
    let mut w = dengta_tabular::TableWriter::xlsx(Vec::new()).map_err(err)?;
    w.write_header(&header).map_err(err)?;
    for r in &rows {
        w.write_row(r).map_err(err)?;
    }
    w.finish().map_err(err)
}
