//! The rest of 一企一档: size history, credit flags, change history, claims,
//! cloud-adoption records, and the roll-up counters kept with them.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SizeRow {
    pub year: i64,
    pub employees: Option<i64>,
    pub revenue_fen: Option<i64>,
    pub assets_fen: Option<i64>,
    pub size_class: String,
    pub rules_id: String,
    pub explanation: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

pub struct NewSize<'a> {
    pub enterprise_id: i64,
    pub year: i64,
    pub employees: Option<i64>,
    pub revenue_fen: Option<i64>,
    pub assets_fen: Option<i64>,
    pub size_class: &'a str,
    pub rules_id: &'a str,
    pub explanation: &'a str,
    pub recorded_by: &'a str,
}

/// Records (or replaces) one year's size inputs and the class they gave.
pub async fn upsert_size(c: &mut impl Conn, s: &NewSize<'_>) -> DbResult<()> {
    c.execute(
        "INSERT INTO enterprise_sizes (enterprise_id, year, employees, revenue_fen, assets_fen, size_class, rules_id, \
         explanation, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (enterprise_id, year) DO UPDATE SET employees = excluded.employees, revenue_fen = excluded.revenue_fen, \
         assets_fen = excluded.assets_fen, size_class = excluded.size_class, rules_id = excluded.rules_id, \
         explanation = excluded.explanation, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
        args![
            s.enterprise_id, s.year, s.employees, s.revenue_fen, s.assets_fen, s.size_class, s.rules_id, s.explanation,
            s.recorded_by, now_ms()
        ],
    )
    .await?;
    Ok(())
}

pub async fn sizes(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<SizeRow>> {
    c.fetch_all(
        "SELECT year, employees, revenue_fen, assets_fen, size_class, rules_id, explanation, recorded_by, recorded_at \
         FROM enterprise_sizes WHERE enterprise_id = $1 ORDER BY year DESC",
        args![enterprise_id],
    )
    .await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CreditRow {
    pub id: i64,
    pub kind: String,
    pub source: String,
    pub listed_on: String,
    pub removed_on: Option<String>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

pub async fn add_credit(
    c: &mut impl Conn,
    enterprise_id: i64,
    kind: &str,
    source: &str,
    listed_on: &str,
    by: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO credit_flags (enterprise_id, kind, source, listed_on, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        args![enterprise_id, kind, source, listed_on, by, now_ms()],
    )
    .await
}

pub async fn remove_credit(c: &mut impl Conn, enterprise_id: i64, id: i64, removed_on: &str) -> DbResult<u64> {
    c.execute(
        "UPDATE credit_flags SET removed_on = $3 WHERE id = $2 AND enterprise_id = $1 AND removed_on IS NULL",
        args![enterprise_id, id, removed_on],
    )
    .await
}

pub async fn credits(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<CreditRow>> {
    c.fetch_all(
        "SELECT id, kind, source, listed_on, removed_on, recorded_by, recorded_at FROM credit_flags \
         WHERE enterprise_id = $1 ORDER BY id DESC",
        args![enterprise_id],
    )
    .await
}

/// Whether an active listing of `kind` remains.
pub async fn has_active_credit(c: &mut impl Conn, enterprise_id: i64, kind: &str) -> DbResult<bool> {
    Ok(c.scalar(
        "SELECT COUNT(*) FROM credit_flags WHERE enterprise_id = $1 AND kind = $2 AND removed_on IS NULL",
        args![enterprise_id, kind],
    )
    .await?
        > 0)
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub at_ms: i64,
    pub username: String,
    pub action: String,
    pub before_json: String,
    pub after_json: String,
}

pub async fn add_history(
    c: &mut impl Conn,
    enterprise_id: i64,
    username: &str,
    action: &str,
    before: &str,
    after: &str,
) -> DbResult<()> {
    c.execute(
        "INSERT INTO enterprise_history (enterprise_id, at_ms, username, action, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![enterprise_id, now_ms(), username, action, before, after],
    )
    .await?;
    Ok(())
}

/// Many history rows at once: (enterprise id, action, before, after).
pub async fn add_history_many(c: &mut impl Conn, username: &str, rows: &[(i64, &str, String, String)]) -> DbResult<()> {
    const PER: usize = 200;
    let now = now_ms();
    for chunk in rows.chunks(PER) {
        let mut sql = String::from(
            "INSERT INTO enterprise_history (enterprise_id, at_ms, username, action, before_json, after_json) VALUES ",
        );
        let mut a: Vec<super::Arg> = args![now, username];
        for (i, (id, action, before, after)) in chunk.iter().enumerate() {
            let b = a.len();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, $1, $2, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            a.extend(args![*id, *action, before, after]);
        }
        c.execute(&sql, a).await?;
    }
    Ok(())
}

pub async fn history(c: &mut impl Conn, enterprise_id: i64, limit: i64) -> DbResult<Vec<HistoryRow>> {
    c.fetch_all(
        "SELECT id, at_ms, username, action, before_json, after_json FROM enterprise_history \
         WHERE enterprise_id = $1 ORDER BY id DESC LIMIT $2",
        args![enterprise_id, limit],
    )
    .await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ClaimRow {
    pub id: i64,
    pub user_id: i64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub status: String,
    pub enterprise_id: Option<i64>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
}

const CLAIM_COLS: &str = "id, user_id, uscc, name, region_code, contact_name, contact_phone, status, enterprise_id, decided_by, reason, created_at";

pub struct NewClaim<'a> {
    pub user_id: i64,
    pub uscc: &'a str,
    pub name: &'a str,
    pub region_code: &'a str,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
}

pub async fn add_claim(c: &mut impl Conn, n: &NewClaim<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO enterprise_claims (user_id, uscc, name, region_code, contact_name, contact_phone, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING id",
        args![n.user_id, n.uscc, n.name, n.region_code, n.contact_name, n.contact_phone, now_ms()],
    )
    .await
}

pub async fn claim(c: &mut impl Conn, id: i64) -> DbResult<Option<ClaimRow>> {
    c.fetch_optional(&format!("SELECT {CLAIM_COLS} FROM enterprise_claims WHERE id = $1"), args![id]).await
}

pub async fn claims_of_user(c: &mut impl Conn, user_id: i64) -> DbResult<Vec<ClaimRow>> {
    c.fetch_all(
        &format!("SELECT {CLAIM_COLS} FROM enterprise_claims WHERE user_id = $1 ORDER BY id DESC"),
        args![user_id],
    )
    .await
}

pub async fn pending_claims(
    c: &mut impl Conn,
    bounds: &(String, String),
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<ClaimRow>> {
    c.fetch_all(
        &format!(
            "SELECT {CLAIM_COLS} FROM enterprise_claims WHERE region_code BETWEEN $1 AND $2 AND status = 'pending' \
             AND id > $3 ORDER BY id LIMIT $4"
        ),
        args![&bounds.0, &bounds.1, after_id, limit],
    )
    .await
}

/// Decides a pending claim; false if it was no longer pending.
pub async fn decide_claim(
    c: &mut impl Conn,
    id: i64,
    status: &str,
    enterprise_id: Option<i64>,
    by: &str,
    reason: Option<&str>,
) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE enterprise_claims SET status = $2, enterprise_id = $3, decided_by = $4, decided_at = $5, reason = $6 \
             WHERE id = $1 AND status = 'pending'",
            args![id, status, enterprise_id, by, now_ms(), reason],
        )
        .await?;
    Ok(n == 1)
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CloudRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub provider_name: String,
    pub service: String,
    pub layer: String,
    pub category: String,
    pub started_on: String,
    pub voucher: Option<String>,
    pub evidence: Option<String>,
    pub status: String,
    pub reported_by: String,
    pub reported_at: i64,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub version: i64,
}

const CLOUD_COLS: &str = "id, enterprise_id, provider_name, service, layer, category, started_on, voucher, evidence, \
     status, reported_by, reported_at, verified_by, verified_at, version";

pub struct NewCloud<'a> {
    pub enterprise_id: i64,
    pub provider_name: &'a str,
    pub service: &'a str,
    pub layer: &'a str,
    pub category: &'a str,
    pub started_on: &'a str,
    pub voucher: Option<&'a str>,
    pub evidence: Option<&'a str>,
    pub reported_by: &'a str,
}

pub async fn add_cloud(c: &mut impl Conn, n: &NewCloud<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO cloud_records (enterprise_id, provider_name, service, layer, category, started_on, voucher, evidence, \
         status, reported_by, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'reported', $9, $10) RETURNING id",
        args![
            n.enterprise_id, n.provider_name, n.service, n.layer, n.category, n.started_on, n.voucher, n.evidence,
            n.reported_by, now_ms()
        ],
    )
    .await
}

pub async fn cloud(c: &mut impl Conn, id: i64) -> DbResult<Option<CloudRow>> {
    c.fetch_optional(&format!("SELECT {CLOUD_COLS} FROM cloud_records WHERE id = $1"), args![id]).await
}

pub async fn clouds(c: &mut impl Conn, enterprise_id: i64) -> DbResult<Vec<CloudRow>> {
    c.fetch_all(
        &format!("SELECT {CLOUD_COLS} FROM cloud_records WHERE enterprise_id = $1 ORDER BY id DESC"),
        args![enterprise_id],
    )
    .await
}

/// Moves a record to `status` if it is still at `version`.
pub async fn set_cloud_status(c: &mut impl Conn, id: i64, version: i64, status: &str, by: &str) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE cloud_records SET status = $3, verified_by = $4, verified_at = $5, version = version + 1 \
             WHERE id = $1 AND version = $2",
            args![id, version, status, by, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

pub async fn count_verified_clouds(c: &mut impl Conn, enterprise_id: i64) -> DbResult<i64> {
    c.scalar(
        "SELECT COUNT(*) FROM cloud_records WHERE enterprise_id = $1 AND status = 'verified'",
        args![enterprise_id],
    )
    .await
}
