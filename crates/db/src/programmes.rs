//! Pilot programmes: the programme versions in force, enrolments in the pilot-enterprise
//! pool, and the step history shared by the pilot workflows.

use super::{Arg, Conn, DbResult, now_ms};
use crate::args;

/// A programme version as recorded.
pub struct ProgrammeVersion<'a> {
    pub id: &'a str,
    pub version: i64,
    pub name: &'a str,
    pub level: &'a str,
    pub region_code: &'a str,
    pub fingerprint: &'a str,
    pub body: &'a str,
}

/// Records a programme version (once; a version is never altered).
pub async fn record_programme(c: &mut impl Conn, p: &ProgrammeVersion<'_>) -> DbResult<()> {
    c.execute(
        "INSERT INTO programmes (id, version, name, level, region_code, fingerprint, body, loaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        args![p.id, p.version, p.name, p.level, p.region_code, p.fingerprint, p.body, now_ms()],
    )
    .await?;
    Ok(())
}

/// The versions of a programme the database has seen, with their fingerprints, newest first.
pub async fn programme_versions(c: &mut impl Conn, id: &str) -> DbResult<Vec<(i64, String)>> {
    c.fetch_all("SELECT version, fingerprint FROM programmes WHERE id = $1 ORDER BY version DESC", args![id]).await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct EnrolmentRow {
    pub id: i64,
    pub programme_id: String,
    pub programme_version: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub industry_code: String,
    pub region_code: String,
    pub sub_industry: Option<String>,
    pub status: String,
    pub eligibility_json: String,
    pub eligible: bool,
    pub override_reason: Option<String>,
    pub publicity_ends_at: Option<i64>,
    pub applied_by: String,
    pub created_at: i64,
    pub version: i64,
}

const COLS: &str = "r.id, r.programme_id, r.programme_version, r.enterprise_id, e.name AS enterprise_name, \
     e.industry_code, r.region_code, r.sub_industry, r.status, r.eligibility_json, r.eligible, r.override_reason, \
     r.publicity_ends_at, r.applied_by, r.created_at, r.version";
const FROM: &str = "enrolments r JOIN enterprises e ON e.id = r.enterprise_id";

pub struct NewEnrolment<'a> {
    pub programme_id: &'a str,
    pub programme_version: i64,
    pub enterprise_id: i64,
    pub region_code: &'a str,
    pub sub_industry: Option<&'a str>,
    pub eligibility_json: &'a str,
    pub eligible: bool,
    pub applied_by: &'a str,
}

pub async fn insert_enrolment(c: &mut impl Conn, n: &NewEnrolment<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO enrolments (programme_id, programme_version, enterprise_id, region_code, sub_industry, status, \
         eligibility_json, eligible, applied_by, created_at) VALUES ($1, $2, $3, $4, $5, 'applied', $6, $7, $8, $9) \
         RETURNING id",
        args![
            n.programme_id,
            n.programme_version,
            n.enterprise_id,
            n.region_code,
            n.sub_industry,
            n.eligibility_json,
            n.eligible,
            n.applied_by,
            now_ms()
        ],
    )
    .await
}

pub async fn enrolment(c: &mut impl Conn, id: i64) -> DbResult<Option<EnrolmentRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"), args![id]).await
}

pub async fn enrolments_of_enterprise(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<EnrolmentRow>> {
    c.fetch_all(&format!("SELECT {COLS} FROM {FROM} WHERE r.enterprise_id = $1 ORDER BY r.id"), args![enterprise_id])
        .await
}

/// Enrolments in a region subtree, optionally of one status, keyset-paged.
pub async fn enrolments_in(
    c: &mut impl Conn,
    bounds: &(String, String),
    status: Option<&str>,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<EnrolmentRow>> {
    let mut sql = format!("SELECT {COLS} FROM {FROM} WHERE r.region_code BETWEEN $1 AND $2 AND r.id > $3");
    let mut a: Vec<Arg> = args![&bounds.0, &bounds.1, after_id];
    if let Some(s) = status {
        a.push(s.into());
        sql.push_str(&format!(" AND r.status = ${}", a.len()));
    }
    a.push(limit.into());
    sql.push_str(&format!(" ORDER BY r.id LIMIT ${}", a.len()));
    c.fetch_all(&sql, a).await
}

/// Enrolments under 公示 or listed (the public pool: name, industry and region only).
pub async fn public_enrolments(
    c: &mut impl Conn,
    status: &str,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<EnrolmentRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM {FROM} WHERE r.status = $1 AND r.id > $2 ORDER BY r.id LIMIT $3"),
        args![status, after_id, limit],
    )
    .await
}

pub struct EnrolmentChange<'a> {
    pub status: &'a str,
    pub override_reason: Option<&'a str>,
    pub publicity_ends_at: Option<i64>,
}

pub async fn set_enrolment_state(c: &mut impl Conn, id: i64, version: i64, s: &EnrolmentChange<'_>) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE enrolments SET status = $1, override_reason = $2, publicity_ends_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5",
            args![s.status, s.override_reason, s.publicity_ends_at, id, version],
        )
        .await?;
    Ok(n == 1)
}

// ---- workflow history ---------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct StepRow {
    pub id: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: String,
    pub flagged: bool,
    pub actor: String,
    pub at: i64,
}

pub struct NewStep<'a> {
    pub subject: &'a str,
    pub subject_id: i64,
    pub action: &'a str,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub reason: &'a str,
    pub flagged: bool,
    pub actor: &'a str,
}

/// Records a workflow step, and with it the event that tells the people it concerns and the
/// webhooks subscribed to it (`events::record_step`), in the caller's transaction.
pub async fn add_step(c: &mut impl Conn, s: &NewStep<'_>) -> DbResult<i64> {
    let id = c
        .scalar(
            "INSERT INTO workflow_events (subject, subject_id, action, from_state, to_state, reason, flagged, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![s.subject, s.subject_id, s.action, s.from_state, s.to_state, s.reason, s.flagged, s.actor, now_ms()],
        )
        .await?;
    super::events::record_step(c, s.subject, s.subject_id, (s.action, s.from_state, s.to_state), s.actor).await?;
    Ok(id)
}

pub async fn steps(c: &mut impl Conn, subject: &str, subject_id: i64) -> DbResult<Vec<StepRow>> {
    c.fetch_all(
        "SELECT id, action, from_state, to_state, reason, flagged, actor, at FROM workflow_events \
         WHERE subject = $1 AND subject_id = $2 ORDER BY id LIMIT 500",
        args![subject, subject_id],
    )
    .await
}

/// Whether an enrolment already carries funded work: a project filed (备案) or further along.
pub async fn funded(c: &mut impl Conn, enrolment_id: i64) -> DbResult<bool> {
    let n = c
        .scalar(
            "SELECT COUNT(*) FROM projects WHERE enrolment_id = $1 AND status NOT IN ('draft', 'diagnosing', 'diagnosed', \
             'planned', 'contracted', 'cancelled')",
            args![enrolment_id],
        )
        .await?;
    Ok(n > 0)
}
