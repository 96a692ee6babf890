//! Transformation projects: the project row, its documents, milestones, evidence files and
//! recorded invoices and payments.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct ProjectRow {
    pub id: i64,
    pub programme_id: String,
    pub programme_version: i64,
    pub enrolment_id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub provider_region: String,
    pub region_code: String,
    pub title: String,
    pub status: String,
    pub filing_no: Option<String>,
    pub filed_at: Option<i64>,
    pub due_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub contract_total_fen: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

const COLS: &str = "j.id, j.programme_id, j.programme_version, j.enrolment_id, j.enterprise_id, e.name AS enterprise_name, \
     j.provider_id, p.name AS provider_name, p.region_code AS provider_region, j.region_code, j.title, j.status, \
     j.filing_no, j.filed_at, j.due_at, j.completed_at, j.contract_total_fen, j.created_at, j.version";
const FROM: &str = "projects j JOIN enterprises e ON e.id = j.enterprise_id JOIN providers p ON p.id = j.provider_id";

pub struct NewProject<'a> {
    pub programme_id: &'a str,
    pub programme_version: i64,
    pub enrolment_id: i64,
    pub enterprise_id: i64,
    pub provider_id: i64,
    pub region_code: &'a str,
    pub title: &'a str,
    pub created_by: &'a str,
}

pub async fn insert(c: &mut impl Conn, n: &NewProject<'_>) -> DbResult<i64> {
    let now = now_ms();
    let id = c
        .scalar(
            "INSERT INTO projects (programme_id, programme_version, enrolment_id, enterprise_id, provider_id, region_code, \
             title, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9) RETURNING id",
            args![
                n.programme_id,
                n.programme_version,
                n.enrolment_id,
                n.enterprise_id,
                n.provider_id,
                n.region_code,
                n.title,
                n.created_by,
                now
            ],
        )
        .await?;
    c.execute("INSERT INTO project_docs (project_id, updated_at) VALUES ($1, $2)", args![id, now]).await?;
    Ok(id)
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<ProjectRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE j.id = $1"), args![id]).await
}

/// Projects visible to a role: an enterprise's, a provider's, or those in a region subtree.
pub async fn list(
    c: &mut impl Conn,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
    bounds: &(String, String),
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<ProjectRow>> {
    match (enterprise_id, provider_id) {
        (Some(e), _) => {
            c.fetch_all(
                &format!("SELECT {COLS} FROM {FROM} WHERE j.enterprise_id = $1 AND j.id > $2 ORDER BY j.id LIMIT $3"),
                args![e, after_id, limit],
            )
            .await
        }
        (None, Some(p)) => {
            c.fetch_all(
                &format!("SELECT {COLS} FROM {FROM} WHERE j.provider_id = $1 AND j.id > $2 ORDER BY j.id LIMIT $3"),
                args![p, after_id, limit],
            )
            .await
        }
        (None, None) => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM {FROM} WHERE j.region_code BETWEEN $1 AND $2 AND j.id > $3 ORDER BY j.id LIMIT $4"
                ),
                args![&bounds.0, &bounds.1, after_id, limit],
            )
            .await
        }
    }
}

pub async fn set_state(
    c: &mut impl Conn,
    id: i64,
    version: i64,
    status: &str,
    filing: Option<(&str, i64, Option<i64>)>,
) -> DbResult<bool> {
    let n = match filing {
        Some((no, at, due)) => {
            c.execute(
                "UPDATE projects SET status = $1, filing_no = $2, filed_at = $3, due_at = $4, version = version + 1 \
                 WHERE id = $5 AND version = $6",
                args![status, no, at, due, id, version],
            )
            .await?
        }
        None => {
            c.execute(
                "UPDATE projects SET status = $1, version = version + 1, \
                 completed_at = CASE WHEN $1 = 'completed' THEN $4 ELSE completed_at END WHERE id = $2 AND version = $3",
                args![status, id, version, now_ms()],
            )
            .await?
        }
    };
    Ok(n == 1)
}

/// The signed contract's total, kept on the project for the identical-amount check.
pub async fn set_contract_total(c: &mut impl Conn, id: i64, total_fen: i64) -> DbResult<()> {
    c.execute("UPDATE projects SET contract_total_fen = $1 WHERE id = $2", args![total_fen, id]).await?;
    Ok(())
}

/// How many projects of a programme have a signed contract of exactly this total.
pub async fn count_with_total(c: &mut impl Conn, programme_id: &str, total_fen: i64) -> DbResult<i64> {
    c.scalar(
        "SELECT COUNT(*) FROM projects WHERE programme_id = $1 AND contract_total_fen = $2 AND status <> 'cancelled'",
        args![programme_id, total_fen],
    )
    .await
}

#[derive(Clone, Debug, Default, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DocsRow {
    pub diagnosis_json: Option<String>,
    pub diagnosis_submitted: bool,
    pub report_sha256: Option<String>,
    pub plan_json: Option<String>,
    pub contract_json: Option<String>,
}

pub async fn docs(c: &mut impl Conn, id: i64) -> DbResult<DocsRow> {
    Ok(c.fetch_optional(
        "SELECT diagnosis_json, diagnosis_submitted, report_sha256, plan_json, contract_json FROM project_docs \
             WHERE project_id = $1",
        args![id],
    )
    .await?
    .unwrap_or_default())
}

/// Writes one document column (`diagnosis_json`, `plan_json`, `contract_json`).
pub async fn set_doc(c: &mut impl Conn, id: i64, column: &str, json: &str) -> DbResult<()> {
    debug_assert!(["diagnosis_json", "plan_json", "contract_json"].contains(&column));
    c.execute(
        &format!("UPDATE project_docs SET {column} = $1, updated_at = $2 WHERE project_id = $3"),
        args![json, now_ms(), id],
    )
    .await?;
    Ok(())
}

pub async fn set_diagnosis_submitted(c: &mut impl Conn, id: i64, submitted: bool) -> DbResult<()> {
    c.execute(
        "UPDATE project_docs SET diagnosis_submitted = $1, updated_at = $2 WHERE project_id = $3",
        args![submitted, now_ms(), id],
    )
    .await?;
    Ok(())
}

pub async fn set_report(c: &mut impl Conn, id: i64, sha256: &str) -> DbResult<()> {
    c.execute(
        "UPDATE project_docs SET report_sha256 = $1, updated_at = $2 WHERE project_id = $3",
        args![sha256, now_ms(), id],
    )
    .await?;
    Ok(())
}

// ---- milestones -----------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct MilestoneRow {
    pub id: i64,
    pub title: String,
    pub due_date: String,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
}

pub async fn add_milestone(c: &mut impl Conn, project_id: i64, title: &str, due_date: &str) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO milestones (project_id, title, due_date, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        args![project_id, title, due_date, now_ms()],
    )
    .await
}

pub async fn milestones(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<MilestoneRow>> {
    c.fetch_all(
        "SELECT id, title, due_date, done_at, done_by FROM milestones WHERE project_id = $1 ORDER BY id",
        args![project_id],
    )
    .await
}

pub async fn finish_milestone(c: &mut impl Conn, project_id: i64, id: i64, by: &str) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE milestones SET done_at = $1, done_by = $2 WHERE id = $3 AND project_id = $4 AND done_at IS NULL",
            args![now_ms(), by, id, project_id],
        )
        .await?;
    Ok(n == 1)
}

// ---- evidence -----------------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct EvidenceRow {
    pub id: i64,
    pub milestone_id: Option<i64>,
    pub kind: String,
    pub sha256: String,
    pub sm3: String,
    pub size: i64,
    pub file_name: String,
    pub media_type: String,
    pub reused: bool,
    pub uploaded_by: String,
    pub at: i64,
}

pub struct NewEvidence<'a> {
    pub project_id: i64,
    pub enterprise_id: i64,
    pub milestone_id: Option<i64>,
    pub kind: &'a str,
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub uploaded_by: &'a str,
}

/// Attaches a stored file; flags it when the same content is attached to another enterprise's project.
pub async fn add_evidence(c: &mut impl Conn, n: &NewEvidence<'_>) -> DbResult<(i64, bool)> {
    let elsewhere = c
        .scalar(
            "SELECT COUNT(*) FROM evidence WHERE sha256 = $1 AND enterprise_id <> $2",
            args![n.sha256, n.enterprise_id],
        )
        .await?;
    let reused = elsewhere > 0;
    let id = c
        .scalar(
            "INSERT INTO evidence (project_id, enterprise_id, milestone_id, kind, sha256, file_name, media_type, reused, \
             uploaded_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            args![
                n.project_id,
                n.enterprise_id,
                n.milestone_id,
                n.kind,
                n.sha256,
                n.file_name,
                n.media_type,
                reused,
                n.uploaded_by,
                now_ms()
            ],
        )
        .await?;
    Ok((id, reused))
}

pub async fn evidence(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<EvidenceRow>> {
    c.fetch_all(
        "SELECT v.id, v.milestone_id, v.kind, v.sha256, f.sm3, f.size, v.file_name, v.media_type, v.reused, v.uploaded_by, \
         v.at FROM evidence v JOIN files f ON f.sha256 = v.sha256 WHERE v.project_id = $1 ORDER BY v.id",
        args![project_id],
    )
    .await
}

// ---- invoices and payments ---------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "ProjectPaymentRow")]
pub struct PaymentRow {
    pub id: i64,
    pub kind: String,
    pub category: String,
    pub number: String,
    pub amount_fen: i64,
    pub on_date: String,
    pub excluded: bool,
    pub recorded_by: String,
    pub at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_payment(
    c: &mut impl Conn,
    project_id: i64,
    kind: &str,
    category: &str,
    number: &str,
    amount_fen: i64,
    on_date: &str,
    excluded: bool,
    by: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO project_payments (project_id, kind, category, number, amount_fen, on_date, excluded, recorded_by, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        args![project_id, kind, category, number, amount_fen, on_date, excluded, by, now_ms()],
    )
    .await
}

pub async fn payments(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<PaymentRow>> {
    c.fetch_all(
        "SELECT id, kind, category, number, amount_fen, on_date, excluded, recorded_by, at FROM project_payments \
         WHERE project_id = $1 ORDER BY id",
        args![project_id],
    )
    .await
}

/// Projects published as open data: filed (备案) or further along, by id after a keyset.
pub async fn published(c: &mut impl Conn, after_id: i64, limit: i64) -> DbResult<Vec<ProjectRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM {FROM} WHERE j.filed_at IS NOT NULL AND j.id > $1 ORDER BY j.id LIMIT $2"),
        args![after_id, limit],
    )
    .await
}

/// The 统一社会信用代码 of a project's enterprise and provider.
pub async fn party_codes(c: &mut impl Conn, id: i64) -> DbResult<(String, String)> {
    c.fetch_one(
        "SELECT e.uscc, p.uscc FROM projects j JOIN enterprises e ON e.id = j.enterprise_id \
         JOIN providers p ON p.id = j.provider_id WHERE j.id = $1",
        args![id],
    )
    .await
}
