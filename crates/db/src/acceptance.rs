//! Acceptance (验收) rows, integrity flags (诚信预警) and the acceptance outcomes per provider.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AcceptanceRow {
    pub id: i64,
    pub project_id: i64,
    pub enterprise_id: i64,
    pub provider_id: i64,
    pub region_code: String,
    pub status: String,
    pub round: i64,
    pub declaration: String,
    pub declared_by: String,
    pub declared_at: i64,
    pub bank_account: String,
    pub summary: String,
    pub onsite_assessment_id: Option<i64>,
    pub finance_eligible_fen: Option<i64>,
    pub finance_note: String,
    pub finance_by: Option<String>,
    pub evaluation_json: Option<String>,
    pub applied_at: i64,
    pub decided_at: Option<i64>,
    pub version: i64,
}

const COLS: &str = "id, project_id, enterprise_id, provider_id, region_code, status, round, declaration, declared_by, \
     declared_at, bank_account, summary, onsite_assessment_id, finance_eligible_fen, finance_note, finance_by, \
     evaluation_json, applied_at, decided_at, version";

pub struct NewAcceptance<'a> {
    pub project_id: i64,
    pub enterprise_id: i64,
    pub provider_id: i64,
    pub region_code: &'a str,
    pub declaration: &'a str,
    pub declared_by: &'a str,
    pub bank_account: &'a str,
    pub summary: &'a str,
}

pub async fn insert(c: &mut impl Conn, n: &NewAcceptance<'_>) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO acceptances (project_id, enterprise_id, provider_id, region_code, status, declaration, declared_by, \
         declared_at, bank_account, summary, applied_at) VALUES ($1, $2, $3, $4, 'applied', $5, $6, $7, $8, $9, $7) \
         RETURNING id",
        args![
            n.project_id,
            n.enterprise_id,
            n.provider_id,
            n.region_code,
            n.declaration,
            n.declared_by,
            now,
            n.bank_account,
            n.summary
        ],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<AcceptanceRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM acceptances WHERE id = $1"), args![id]).await
}

pub async fn of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Option<AcceptanceRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM acceptances WHERE project_id = $1"), args![project_id]).await
}

/// Acceptances in a region subtree, optionally in one state, newest first after a keyset.
pub async fn list(
    c: &mut impl Conn,
    bounds: &(String, String),
    status: Option<&str>,
    before_id: i64,
    limit: i64,
) -> DbResult<Vec<AcceptanceRow>> {
    match status {
        Some(s) => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM acceptances WHERE region_code BETWEEN $1 AND $2 AND status = $3 AND id < $4 \
                     ORDER BY id DESC LIMIT $5"
                ),
                args![&bounds.0, &bounds.1, s, before_id, limit],
            )
            .await
        }
        None => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM acceptances WHERE region_code BETWEEN $1 AND $2 AND id < $3 \
                     ORDER BY id DESC LIMIT $4"
                ),
                args![&bounds.0, &bounds.1, before_id, limit],
            )
            .await
        }
    }
}

/// What a step changes besides the state.
#[derive(Default)]
pub struct Change<'a> {
    pub status: &'a str,
    /// A re-application starts a new round with a fresh declaration.
    pub new_round: Option<(&'a str, &'a str)>,
    pub onsite_assessment_id: Option<i64>,
    pub finance: Option<(i64, &'a str, &'a str)>,
    pub evaluation_json: Option<&'a str>,
    pub decided: bool,
}

/// Compare-and-set on the row version.
pub async fn set_state(c: &mut impl Conn, id: i64, version: i64, ch: &Change<'_>) -> DbResult<bool> {
    let now = now_ms();
    let n = c
        .execute(
            "UPDATE acceptances SET status = $1, version = version + 1, \
             round = round + $2, declaration = COALESCE($3, declaration), declared_by = COALESCE($4, declared_by), \
             declared_at = CASE WHEN $2 = 1 THEN $5 ELSE declared_at END, \
             applied_at = CASE WHEN $2 = 1 THEN $5 ELSE applied_at END, \
             onsite_assessment_id = COALESCE($6, onsite_assessment_id), \
             finance_eligible_fen = COALESCE($7, finance_eligible_fen), finance_note = COALESCE($8, finance_note), \
             finance_by = COALESCE($9, finance_by), evaluation_json = COALESCE($10, evaluation_json), \
             decided_at = CASE WHEN $11 THEN $5 ELSE decided_at END \
             WHERE id = $12 AND version = $13",
            args![
                ch.status,
                i64::from(ch.new_round.is_some()),
                ch.new_round.map(|r| r.0),
                ch.new_round.map(|r| r.1),
                now,
                ch.onsite_assessment_id,
                ch.finance.map(|f| f.0),
                ch.finance.map(|f| f.1),
                ch.finance.map(|f| f.2),
                ch.evaluation_json,
                ch.decided,
                id,
                version
            ],
        )
        .await?;
    Ok(n == 1)
}

// ---- integrity flags ----------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct FlagRow {
    pub id: i64,
    pub project_id: i64,
    pub region_code: String,
    pub kind: String,
    pub evidence: String,
    pub status: String,
    pub cleared_by: Option<String>,
    pub cleared_reason: String,
    pub created_at: i64,
    pub cleared_at: Option<i64>,
}

const FLAG_COLS: &str =
    "id, project_id, region_code, kind, evidence, status, cleared_by, cleared_reason, created_at, cleared_at";

/// Raises a flag unless one of that kind already exists on the project (open or cleared: a
/// cleared flag stays cleared). Returns whether a new flag was raised.
pub async fn raise_flag(
    c: &mut impl Conn,
    project_id: i64,
    region: &str,
    kind: &str,
    evidence: &str,
) -> DbResult<bool> {
    let n = c
        .execute(
            "INSERT INTO integrity_flags (project_id, region_code, kind, evidence, status, created_at) \
             VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT (project_id, kind) DO NOTHING",
            args![project_id, region, kind, evidence, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

pub async fn flags_of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<FlagRow>> {
    c.fetch_all(
        &format!("SELECT {FLAG_COLS} FROM integrity_flags WHERE project_id = $1 ORDER BY id"),
        args![project_id],
    )
    .await
}

pub async fn open_flags(c: &mut impl Conn, project_id: i64) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM integrity_flags WHERE project_id = $1 AND status = 'open'", args![project_id]).await
}

pub async fn flag(c: &mut impl Conn, id: i64) -> DbResult<Option<FlagRow>> {
    c.fetch_optional(&format!("SELECT {FLAG_COLS} FROM integrity_flags WHERE id = $1"), args![id]).await
}

pub async fn flags_in(
    c: &mut impl Conn,
    bounds: &(String, String),
    status: &str,
    before_id: i64,
    limit: i64,
) -> DbResult<Vec<FlagRow>> {
    c.fetch_all(
        &format!(
            "SELECT {FLAG_COLS} FROM integrity_flags WHERE region_code BETWEEN $1 AND $2 AND status = $3 AND id < $4 \
             ORDER BY id DESC LIMIT $5"
        ),
        args![&bounds.0, &bounds.1, status, before_id, limit],
    )
    .await
}

pub async fn clear_flag(c: &mut impl Conn, id: i64, by: &str, reason: &str) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE integrity_flags SET status = 'cleared', cleared_by = $1, cleared_reason = $2, cleared_at = $3 \
             WHERE id = $4 AND status = 'open'",
            args![by, reason, now_ms(), id],
        )
        .await?;
    Ok(n == 1)
}

// ---- provider outcomes --------------------------------------------------------

#[derive(Clone, Debug, Default, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct OutcomeRow {
    pub decided: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub returned: i64,
    pub days_to_accept: i64,
}

impl OutcomeRow {
    /// Acceptance pass rate in per cent, one decimal; `None` before any decision.
    pub fn pass_rate(&self) -> Option<f64> {
        (self.decided > 0).then(|| (self.accepted as f64 * 1000.0 / self.decided as f64).round() / 10.0)
    }
    /// Average days from application to acceptance.
    pub fn avg_days(&self) -> Option<f64> {
        (self.accepted > 0).then(|| (self.days_to_accept as f64 * 10.0 / self.accepted as f64).round() / 10.0)
    }
}

/// Adds one decision to a provider's outcomes: `kind` is accepted / rejected / returned.
pub async fn add_outcome(c: &mut impl Conn, provider_id: i64, kind: &str, days: i64) -> DbResult<()> {
    c.execute(
        "INSERT INTO provider_outcomes (provider_id) VALUES ($1) ON CONFLICT (provider_id) DO NOTHING",
        args![provider_id],
    )
    .await?;
    let (a, r, t) = match kind {
        "accepted" => (1, 0, 0),
        "rejected" => (0, 1, 0),
        _ => (0, 0, 1),
    };
    c.execute(
        "UPDATE provider_outcomes SET decided = decided + $1, accepted = accepted + $2, rejected = rejected + $3, \
         returned = returned + $4, days_to_accept = days_to_accept + $5 WHERE provider_id = $6",
        args![a + r, a, r, t, if a == 1 { days } else { 0 }, provider_id],
    )
    .await?;
    Ok(())
}

pub async fn outcomes(c: &mut impl Conn, provider_id: i64) -> DbResult<OutcomeRow> {
    Ok(c.fetch_optional(
        "SELECT decided, accepted, rejected, returned, days_to_accept FROM provider_outcomes WHERE provider_id = $1",
        args![provider_id],
    )
    .await?
    .unwrap_or_default())
}
