//! Service providers (服务商库): the provider row and its lifecycle, sub-industries and
//! quota counters, lifecycle events, expert reviews and 公示 objections.

use super::{Arg, Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct ProviderRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub kind: String,
    pub status: String,
    pub stars: i64,
    pub score_hundredths: Option<i64>,
    pub publicity_ends_at: Option<i64>,
    pub appeal_from: Option<String>,
    pub rectify_deadline: Option<i64>,
    pub founded_year: Option<i64>,
    pub qualifications: String,
    pub cases: String,
    pub attachments: String,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub contact_name: Option<String>,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub contact_phone: Option<String>,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub bank_account: Option<String>,
    pub applied_at: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

const COLS: &str = "id, uscc, name, region_code, kind, status, stars, score_hundredths, publicity_ends_at, appeal_from, \
     rectify_deadline, founded_year, qualifications, cases, attachments, contact_name, contact_phone, bank_account, \
     applied_at, created_at, version";

pub async fn insert(
    c: &mut impl Conn,
    uscc: &str,
    name: &str,
    region_code: &str,
    kind: &str,
    is_demo: bool,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO providers (uscc, name, region_code, kind, is_demo, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        args![uscc, name, region_code, kind, is_demo, now_ms()],
    )
    .await
}

/// Demo data: lifecycle state, stars and the application texts, set directly.
pub async fn set_demo_profile(
    c: &mut impl Conn,
    id: i64,
    status: &str,
    stars: i64,
    qualifications: &str,
    cases: &str,
) -> DbResult<()> {
    c.execute(
        "UPDATE providers SET status = $1, stars = $2, score_hundredths = $3, qualifications = $4, cases = $5, \
         applied_at = created_at WHERE id = $6",
        args![status, stars, (stars > 0).then_some(5000 + stars * 1000), qualifications, cases, id],
    )
    .await?;
    Ok(())
}

/// A provider's application to the pool.
pub struct NewApplication<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub region_code: &'a str,
    pub kind: &'a str,
    pub founded_year: Option<i64>,
    pub qualifications: &'a str,
    pub cases: &'a str,
    pub attachments: &'a str,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub bank_account: Option<&'a str>,
}

pub async fn insert_application(c: &mut impl Conn, n: &NewApplication<'_>) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO providers (uscc, name, region_code, kind, status, founded_year, qualifications, cases, attachments, \
         contact_name, contact_phone, bank_account, applied_at, created_at) \
         VALUES ($1, $2, $3, $4, 'applied', $5, $6, $7, $8, $9, $10, $12, $11, $11) RETURNING id",
        args![
            n.uscc,
            n.name,
            n.region_code,
            n.kind,
            n.founded_year,
            n.qualifications,
            n.cases,
            n.attachments,
            n.contact_name,
            n.contact_phone,
            now,
            n.bank_account
        ],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<ProviderRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM providers WHERE id = $1"), args![id]).await
}

pub async fn by_uscc(c: &mut impl Conn, uscc: &str) -> DbResult<Option<ProviderRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM providers WHERE uscc = $1"), args![uscc]).await
}

/// Filters of the provider list.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub only_id: Option<i64>,
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Only providers in the pool (public listing).
    pub in_pool: bool,
}

pub const IN_POOL: &str = "('active', 'warned', 'rectifying')";

pub async fn list(
    c: &mut impl Conn,
    bounds: &(String, String),
    f: &ListFilter,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<ProviderRow>> {
    let mut sql = format!("SELECT {COLS} FROM providers WHERE region_code BETWEEN $1 AND $2 AND id > $3");
    let mut a: Vec<Arg> = args![&bounds.0, &bounds.1, after_id];
    if let Some(id) = f.only_id {
        a.push(id.into());
        sql.push_str(&format!(" AND id = ${}", a.len()));
    }
    if let Some(s) = &f.status {
        a.push(s.into());
        sql.push_str(&format!(" AND status = ${}", a.len()));
    }
    if let Some(k) = &f.kind {
        a.push(k.into());
        sql.push_str(&format!(" AND kind = ${}", a.len()));
    }
    if f.in_pool {
        sql.push_str(&format!(" AND status IN {IN_POOL}"));
    }
    a.push(limit.into());
    sql.push_str(&format!(" ORDER BY id LIMIT ${}", a.len()));
    c.fetch_all(&sql, a).await
}

/// Lifecycle fields written by one transition (compare-and-set on `version`).
pub struct StateChange<'a> {
    pub status: &'a str,
    pub publicity_ends_at: Option<i64>,
    pub appeal_from: Option<&'a str>,
    pub rectify_deadline: Option<i64>,
}

pub async fn set_state(c: &mut impl Conn, id: i64, version: i64, s: &StateChange<'_>) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE providers SET status = $1, publicity_ends_at = $2, appeal_from = $3, rectify_deadline = $4, \
             version = version + 1 WHERE id = $5 AND version = $6",
            args![s.status, s.publicity_ends_at, s.appeal_from, s.rectify_deadline, id, version],
        )
        .await?;
    Ok(n == 1)
}

pub async fn set_rating(c: &mut impl Conn, id: i64, score_hundredths: i64, stars: i64) -> DbResult<()> {
    c.execute(
        "UPDATE providers SET score_hundredths = $1, stars = $2, version = version + 1 WHERE id = $3",
        args![score_hundredths, stars, id],
    )
    .await?;
    Ok(())
}

// ---- sub-industries -------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "SubIndustry")]
pub struct SubIndustryRow {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    /// Space-separated GB/T 4754 codes.
    pub codes: String,
}

pub async fn insert_sub_industry(
    c: &mut impl Conn,
    region_code: &str,
    name: &str,
    codes: &str,
    is_demo: bool,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO sub_industries (region_code, name, codes, is_demo, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        args![region_code, name, codes, is_demo, now_ms()],
    )
    .await
}

pub async fn sub_industry(c: &mut impl Conn, id: i64) -> DbResult<Option<SubIndustryRow>> {
    c.fetch_optional("SELECT id, region_code, name, codes FROM sub_industries WHERE id = $1", args![id]).await
}

/// Sub-industries defined by the regions in `codes` (a region path: the node and its ancestors).
pub async fn sub_industries_on_path(c: &mut impl Conn, path: &[String]) -> DbResult<Vec<SubIndustryRow>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=path.len()).map(|i| format!("${i}")).collect();
    let a: Vec<Arg> = path.iter().map(Arg::from).collect();
    c.fetch_all(
        &format!(
            "SELECT id, region_code, name, codes FROM sub_industries WHERE region_code IN ({}) ORDER BY id",
            marks.join(", ")
        ),
        a,
    )
    .await
}

/// Sub-industries defined inside a region subtree.
pub async fn sub_industries_in(c: &mut impl Conn, bounds: &(String, String)) -> DbResult<Vec<SubIndustryRow>> {
    c.fetch_all(
        "SELECT id, region_code, name, codes FROM sub_industries WHERE region_code BETWEEN $1 AND $2 ORDER BY id LIMIT 500",
        args![&bounds.0, &bounds.1],
    )
    .await
}

pub async fn set_provider_sub_industries(c: &mut impl Conn, provider_id: i64, ids: &[i64]) -> DbResult<()> {
    c.execute("DELETE FROM provider_sub_industries WHERE provider_id = $1", args![provider_id]).await?;
    for id in ids {
        c.execute(
            "INSERT INTO provider_sub_industries (provider_id, sub_industry_id) VALUES ($1, $2)",
            args![provider_id, *id],
        )
        .await?;
    }
    Ok(())
}

pub async fn provider_sub_industries(c: &mut impl Conn, provider_id: i64) -> DbResult<Vec<SubIndustryRow>> {
    c.fetch_all(
        "SELECT s.id, s.region_code, s.name, s.codes FROM provider_sub_industries p \
         JOIN sub_industries s ON s.id = p.sub_industry_id WHERE p.provider_id = $1 ORDER BY s.id",
        args![provider_id],
    )
    .await
}

/// Takes one place in a quota; false when the quota is full. The conditional
/// update is atomic on both engines, so concurrent admissions cannot overfill.
pub async fn take_quota(c: &mut impl Conn, sub_industry_id: i64, kind: &str, quota: i64) -> DbResult<bool> {
    c.execute(
        "INSERT INTO pool_counts (sub_industry_id, kind, admitted) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
        args![sub_industry_id, kind],
    )
    .await?;
    let n = c
        .execute(
            "UPDATE pool_counts SET admitted = admitted + 1 WHERE sub_industry_id = $1 AND kind = $2 AND admitted < $3",
            args![sub_industry_id, kind, quota],
        )
        .await?;
    Ok(n == 1)
}

/// Gives a place back (a provider removed from the pool).
pub async fn release_quota(c: &mut impl Conn, sub_industry_id: i64, kind: &str) -> DbResult<()> {
    c.execute(
        "UPDATE pool_counts SET admitted = admitted - 1 WHERE sub_industry_id = $1 AND kind = $2 AND admitted > 0",
        args![sub_industry_id, kind],
    )
    .await?;
    Ok(())
}

pub async fn quota_used(c: &mut impl Conn, sub_industry_id: i64, kind: &str) -> DbResult<i64> {
    let v: Option<(i64,)> = c
        .fetch_optional(
            "SELECT admitted FROM pool_counts WHERE sub_industry_id = $1 AND kind = $2",
            args![sub_industry_id, kind],
        )
        .await?;
    Ok(v.map_or(0, |v| v.0))
}

// ---- lifecycle events -----------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "ProviderEvent")]
pub struct EventRow {
    pub id: i64,
    pub provider_id: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: String,
    pub deadline_at: Option<i64>,
    pub actor: String,
    pub at: i64,
}

pub struct NewEvent<'a> {
    pub provider_id: i64,
    pub action: &'a str,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub reason: &'a str,
    pub deadline_at: Option<i64>,
    pub actor: &'a str,
}

pub async fn add_event(c: &mut impl Conn, e: &NewEvent<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO provider_events (provider_id, action, from_state, to_state, reason, deadline_at, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        args![e.provider_id, e.action, e.from_state, e.to_state, e.reason, e.deadline_at, e.actor, now_ms()],
    )
    .await
}

pub async fn events(c: &mut impl Conn, provider_id: i64) -> DbResult<Vec<EventRow>> {
    c.fetch_all(
        "SELECT id, provider_id, action, from_state, to_state, reason, deadline_at, actor, at FROM provider_events \
         WHERE provider_id = $1 ORDER BY id LIMIT 500",
        args![provider_id],
    )
    .await
}

// ---- expert reviews -------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct ReviewRow {
    pub id: i64,
    pub provider_id: i64,
    pub purpose: String,
    pub rubric_id: String,
    pub rubric_version: i64,
    pub status: String,
    pub combined_hundredths: Option<i64>,
    pub passed: Option<bool>,
    pub stars: Option<i64>,
    pub explanation: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub version: i64,
}

const REVIEW_COLS: &str = "id, provider_id, purpose, rubric_id, rubric_version, status, combined_hundredths, passed, \
     stars, explanation, created_by, created_at, closed_at, version";

pub async fn insert_review(
    c: &mut impl Conn,
    provider_id: i64,
    purpose: &str,
    rubric_id: &str,
    rubric_version: i64,
    by: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO reviews (provider_id, purpose, rubric_id, rubric_version, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
        args![provider_id, purpose, rubric_id, rubric_version, by, now_ms()],
    )
    .await
}

pub async fn review(c: &mut impl Conn, id: i64) -> DbResult<Option<ReviewRow>> {
    c.fetch_optional(&format!("SELECT {REVIEW_COLS} FROM reviews WHERE id = $1"), args![id]).await
}

pub async fn reviews_of(c: &mut impl Conn, provider_id: i64) -> DbResult<Vec<ReviewRow>> {
    c.fetch_all(
        &format!("SELECT {REVIEW_COLS} FROM reviews WHERE provider_id = $1 ORDER BY id DESC LIMIT 50"),
        args![provider_id],
    )
    .await
}

pub async fn open_review(c: &mut impl Conn, provider_id: i64) -> DbResult<Option<ReviewRow>> {
    c.fetch_optional(
        &format!("SELECT {REVIEW_COLS} FROM reviews WHERE provider_id = $1 AND status = 'open'"),
        args![provider_id],
    )
    .await
}

pub struct Closing<'a> {
    pub combined_hundredths: i64,
    pub passed: bool,
    pub stars: i64,
    pub explanation: &'a str,
}

pub async fn close_review(c: &mut impl Conn, id: i64, version: i64, r: &Closing<'_>) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE reviews SET status = 'closed', combined_hundredths = $1, passed = $2, stars = $3, explanation = $4, \
             closed_at = $5, version = version + 1 WHERE id = $6 AND version = $7 AND status = 'open'",
            args![r.combined_hundredths, r.passed, r.stars, r.explanation, now_ms(), id, version],
        )
        .await?;
    Ok(n == 1)
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct AssignmentRow {
    pub id: i64,
    pub review_id: i64,
    pub expert_user_id: i64,
    pub expert_name: String,
    pub conflict: String,
    pub conflict_note: String,
    pub scores_json: Option<String>,
    pub total: Option<i64>,
    pub submitted_at: Option<i64>,
    pub version: i64,
}

const ASSIGN_COLS: &str = "a.id, a.review_id, a.expert_user_id, u.display_name AS expert_name, a.conflict, \
     a.conflict_note, a.scores_json, a.total, a.submitted_at, a.version";

pub async fn assign_expert(c: &mut impl Conn, review_id: i64, expert_user_id: i64) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO review_experts (review_id, expert_user_id) VALUES ($1, $2) RETURNING id",
        args![review_id, expert_user_id],
    )
    .await
}

pub async fn assignment(c: &mut impl Conn, id: i64) -> DbResult<Option<AssignmentRow>> {
    c.fetch_optional(
        &format!("SELECT {ASSIGN_COLS} FROM review_experts a JOIN users u ON u.id = a.expert_user_id WHERE a.id = $1"),
        args![id],
    )
    .await
}

pub async fn assignments_of_review(c: &mut impl Conn, review_id: i64) -> DbResult<Vec<AssignmentRow>> {
    c.fetch_all(
        &format!(
            "SELECT {ASSIGN_COLS} FROM review_experts a JOIN users u ON u.id = a.expert_user_id \
             WHERE a.review_id = $1 ORDER BY a.id"
        ),
        args![review_id],
    )
    .await
}

pub async fn assignments_of_expert(c: &mut impl Conn, user_id: i64, limit: i64) -> DbResult<Vec<AssignmentRow>> {
    c.fetch_all(
        &format!(
            "SELECT {ASSIGN_COLS} FROM review_experts a JOIN users u ON u.id = a.expert_user_id \
             WHERE a.expert_user_id = $1 ORDER BY a.id DESC LIMIT $2"
        ),
        args![user_id, limit],
    )
    .await
}

pub async fn declare(c: &mut impl Conn, id: i64, version: i64, conflict: &str, note: &str) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE review_experts SET conflict = $1, conflict_note = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND submitted_at IS NULL",
            args![conflict, note, id, version],
        )
        .await?;
    Ok(n == 1)
}

pub async fn submit_scores(c: &mut impl Conn, id: i64, version: i64, scores_json: &str, total: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE review_experts SET scores_json = $1, total = $2, submitted_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5 AND conflict = 'none' AND submitted_at IS NULL",
            args![scores_json, total, now_ms(), id, version],
        )
        .await?;
    Ok(n == 1)
}

// ---- objections -----------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct ObjectionRow {
    pub id: i64,
    pub subject: String,
    pub subject_id: i64,
    pub lodged_by: String,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub contact: String,
    pub body: String,
    pub status: String,
    pub resolution: String,
    pub resolved_by: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub version: i64,
}

const OBJ_COLS: &str = "id, subject, subject_id, lodged_by, contact, body, status, resolution, resolved_by, \
     created_at, resolved_at, version";

pub async fn add_objection(
    c: &mut impl Conn,
    subject: &str,
    subject_id: i64,
    lodged_by: &str,
    contact: &str,
    body: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO objections (subject, subject_id, lodged_by, contact, body, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
        args![subject, subject_id, lodged_by, contact, body, now_ms()],
    )
    .await
}

pub async fn objection(c: &mut impl Conn, id: i64) -> DbResult<Option<ObjectionRow>> {
    c.fetch_optional(&format!("SELECT {OBJ_COLS} FROM objections WHERE id = $1"), args![id]).await
}

pub async fn objections_of(c: &mut impl Conn, subject: &str, subject_id: i64) -> DbResult<Vec<ObjectionRow>> {
    c.fetch_all(
        &format!("SELECT {OBJ_COLS} FROM objections WHERE subject = $1 AND subject_id = $2 ORDER BY id LIMIT 200"),
        args![subject, subject_id],
    )
    .await
}

pub async fn open_objections(c: &mut impl Conn, subject: &str, subject_id: i64) -> DbResult<i64> {
    c.scalar(
        "SELECT COUNT(*) FROM objections WHERE subject = $1 AND subject_id = $2 AND status = 'open'",
        args![subject, subject_id],
    )
    .await
}

pub async fn resolve_objection(
    c: &mut impl Conn,
    id: i64,
    version: i64,
    status: &str,
    resolution: &str,
    by: &str,
) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE objections SET status = $1, resolution = $2, resolved_by = $3, resolved_at = $4, version = version + 1 \
             WHERE id = $5 AND version = $6 AND status = 'open'",
            args![status, resolution, by, now_ms(), id, version],
        )
        .await?;
    Ok(n == 1)
}

/// Providers under 公示 now (the public notice board).
pub async fn publicised(c: &mut impl Conn, limit: i64) -> DbResult<Vec<ProviderRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM providers WHERE status = 'publicised' ORDER BY publicity_ends_at, id LIMIT $1"),
        args![limit],
    )
    .await
}

/// Whether the provider serves the enterprise on the platform: a project between them, or a
/// contact request the enterprise made to it with consent in force. What a provider may report
/// about an enterprise (上云) is limited to these.
pub async fn serves(c: &mut impl Conn, provider_id: i64, enterprise_id: i64) -> DbResult<bool> {
    let n = c
        .scalar(
            "SELECT (SELECT COUNT(*) FROM projects WHERE provider_id = $1 AND enterprise_id = $2) + \
             (SELECT COUNT(*) FROM contact_requests WHERE enterprise_id = $2 AND provider_id = $1 \
              AND consent_at IS NOT NULL AND consent_revoked_at IS NULL)",
            args![provider_id, enterprise_id],
        )
        .await?;
    Ok(n > 0)
}

/// Providers registered in a region subtree (any state).
pub async fn count_in(c: &mut impl Conn, bounds: &(String, String)) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM providers WHERE region_code BETWEEN $1 AND $2", args![&bounds.0, &bounds.1]).await
}
