//! Digital-level assessments: drafts, submitted results and their links.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub instrument_id: String,
    pub instrument_version: i64,
    pub instrument_fingerprint: String,
    /// self | provider | onsite
    pub kind: String,
    /// draft | submitted
    pub status: String,
    pub answers_json: String,
    pub result_json: Option<String>,
    pub total_thousandths: Option<i64>,
    pub level: Option<i64>,
    pub pledge_by: Option<String>,
    pub pledge_at: Option<i64>,
    pub pledge_text: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub previous_id: Option<i64>,
    pub adjust_reason: Option<String>,
    pub version: i64,
}

const COLS: &str = "id, enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, status, \
     answers_json, result_json, total_thousandths, level, pledge_by, pledge_at, pledge_text, created_by, created_at, \
     updated_at, submitted_at, previous_id, adjust_reason, version";

pub struct NewDraft<'a> {
    pub enterprise_id: i64,
    pub instrument_id: &'a str,
    pub instrument_version: i64,
    pub instrument_fingerprint: &'a str,
    pub kind: &'a str,
    pub answers_json: &'a str,
    pub created_by: &'a str,
}

/// Inserts a draft; a second open draft of the same kind is a `Conflict`.
pub async fn insert_draft(c: &mut impl Conn, n: &NewDraft<'_>) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO assessments (enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, \
         status, answers_json, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $8) RETURNING id",
        args![
            n.enterprise_id,
            n.instrument_id,
            n.instrument_version,
            n.instrument_fingerprint,
            n.kind,
            n.answers_json,
            n.created_by,
            now
        ],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<AssessmentRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM assessments WHERE id = $1"), args![id]).await
}

/// The open draft of a kind for an enterprise, if any.
pub async fn open_draft(c: &mut impl Conn, enterprise_id: i64, kind: &str) -> DbResult<Option<AssessmentRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM assessments WHERE enterprise_id = $1 AND kind = $2 AND status = 'draft'"),
        args![enterprise_id, kind],
    )
    .await
}

/// Every assessment of an enterprise, newest first.
pub async fn for_enterprise(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<AssessmentRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM assessments WHERE enterprise_id = $1 ORDER BY id DESC"),
        args![enterprise_id],
    )
    .await
}

/// The latest submitted assessment of a kind, not counting `except`.
pub async fn latest_submitted(
    c: &mut impl Conn,
    enterprise_id: i64,
    kind: &str,
    except: i64,
) -> DbResult<Option<AssessmentRow>> {
    c.fetch_optional(
        &format!(
            "SELECT {COLS} FROM assessments WHERE enterprise_id = $1 AND kind = $2 AND status = 'submitted' \
             AND id <> $3 ORDER BY id DESC LIMIT 1"
        ),
        args![enterprise_id, kind, except],
    )
    .await
}

/// Saves a draft's answers if it is still at `version`; false if it changed or was submitted.
pub async fn save_answers(c: &mut impl Conn, id: i64, version: i64, answers_json: &str) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE assessments SET answers_json = $3, updated_at = $4, version = version + 1 \
             WHERE id = $1 AND version = $2 AND status = 'draft'",
            args![id, version, answers_json, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

pub struct Submission<'a> {
    pub answers_json: &'a str,
    pub result_json: &'a str,
    pub total_thousandths: i64,
    pub level: i64,
    pub pledge_by: &'a str,
    pub pledge_text: &'a str,
    pub previous_id: Option<i64>,
    pub adjust_reason: Option<String>,
}

/// Turns a draft at `version` into a submitted assessment; false if it changed meanwhile.
pub async fn submit(c: &mut impl Conn, id: i64, version: i64, s: &Submission<'_>) -> DbResult<bool> {
    let now = now_ms();
    let n = c
        .execute(
            "UPDATE assessments SET status = 'submitted', answers_json = $3, result_json = $4, total_thousandths = $5, \
             level = $6, pledge_by = $7, pledge_at = $8, pledge_text = $9, submitted_at = $8, updated_at = $8, \
             previous_id = $10, adjust_reason = $11, version = version + 1 \
             WHERE id = $1 AND version = $2 AND status = 'draft'",
            args![
                id,
                version,
                s.answers_json,
                s.result_json,
                s.total_thousandths,
                s.level,
                s.pledge_by,
                now,
                s.pledge_text,
                s.previous_id,
                s.adjust_reason.clone()
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Inserts an assessment submitted in one step (the API): no draft is involved.
pub async fn insert_submitted(c: &mut impl Conn, n: &NewDraft<'_>, s: &Submission<'_>) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO assessments (enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, \
         status, answers_json, result_json, total_thousandths, level, pledge_by, pledge_at, pledge_text, created_by, \
         created_at, updated_at, submitted_at, previous_id, adjust_reason) \
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10, $11, $12, $13, $11, $11, $11, $14, $15) \
         RETURNING id",
        args![
            n.enterprise_id,
            n.instrument_id,
            n.instrument_version,
            n.instrument_fingerprint,
            n.kind,
            s.answers_json,
            s.result_json,
            s.total_thousandths,
            s.level,
            s.pledge_by,
            now,
            s.pledge_text,
            n.created_by,
            s.previous_id,
            s.adjust_reason.clone()
        ],
    )
    .await
}

/// Every submitted assessment made with an instrument id at a version below `version`, oldest first.
pub async fn submitted_before_version(
    c: &mut impl Conn,
    instrument_id: &str,
    version: i64,
) -> DbResult<Vec<AssessmentRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM assessments WHERE instrument_id = $1 AND instrument_version < $2 \
             AND status = 'submitted' ORDER BY id"
        ),
        args![instrument_id, version],
    )
    .await
}

/// Sets when the pledge was signed (a rescored assessment keeps its original's).
pub async fn set_pledge_at(c: &mut impl Conn, id: i64, pledge_at: Option<i64>) -> DbResult<()> {
    c.execute("UPDATE assessments SET pledge_at = $2 WHERE id = $1", args![id, pledge_at]).await?;
    Ok(())
}
