//! Subsidies (奖补) per project and instalment stage, and their payments.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct SubsidyRow {
    pub id: i64,
    pub project_id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    pub project_title: String,
    pub region_code: String,
    pub programme_id: String,
    pub programme_version: i64,
    pub pool_id: String,
    pub stage: String,
    pub amount_fen: i64,
    pub award_fen: i64,
    pub rule: String,
    pub trace_json: String,
    pub status: String,
    pub seq: i64,
    pub publicity_ends_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub version: i64,
}

const COLS: &str = "s.id, s.project_id, s.enterprise_id, e.name AS enterprise_name, e.uscc AS enterprise_uscc, \
     j.title AS project_title, s.region_code, s.programme_id, s.programme_version, s.pool_id, s.stage, s.amount_fen, \
     s.award_fen, s.rule, s.trace_json, s.status, s.seq, s.publicity_ends_at, s.approved_by, s.approved_at, s.paid_at, \
     s.created_by, s.created_at, s.version";
const FROM: &str = "subsidies s JOIN enterprises e ON e.id = s.enterprise_id JOIN projects j ON j.id = s.project_id";

pub struct NewSubsidy<'a> {
    pub project_id: i64,
    pub enterprise_id: i64,
    pub region_code: &'a str,
    pub programme_id: &'a str,
    pub programme_version: i64,
    pub pool_id: &'a str,
    pub stage: &'a str,
    pub amount_fen: i64,
    pub award_fen: i64,
    pub rule: &'a str,
    pub trace_json: &'a str,
    pub created_by: &'a str,
}

/// Inserts a computed subsidy; `seq` is its place in the programme's queue (先到先补), taken in
/// the transaction that reserved its money.
pub async fn insert(c: &mut impl Conn, n: &NewSubsidy<'_>) -> DbResult<i64> {
    let seq = c
        .scalar(
            "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM subsidies WHERE programme_id = $1",
            args![n.programme_id],
        )
        .await?;
    c.scalar(
        "INSERT INTO subsidies (project_id, enterprise_id, region_code, programme_id, programme_version, pool_id, stage, \
         amount_fen, award_fen, rule, trace_json, status, seq, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'computed', $12, $13, $14) RETURNING id",
        args![
            n.project_id,
            n.enterprise_id,
            n.region_code,
            n.programme_id,
            n.programme_version,
            n.pool_id,
            n.stage,
            n.amount_fen,
            n.award_fen,
            n.rule,
            n.trace_json,
            seq,
            n.created_by,
            now_ms()
        ],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<SubsidyRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE s.id = $1"), args![id]).await
}

pub async fn of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<SubsidyRow>> {
    c.fetch_all(&format!("SELECT {COLS} FROM {FROM} WHERE s.project_id = $1 ORDER BY s.id"), args![project_id]).await
}

/// Subsidies in a region subtree, optionally in one state, newest first after a keyset.
pub async fn list(
    c: &mut impl Conn,
    bounds: &(String, String),
    status: Option<&str>,
    before_id: i64,
    limit: i64,
) -> DbResult<Vec<SubsidyRow>> {
    match status {
        Some(s) => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM {FROM} WHERE s.region_code BETWEEN $1 AND $2 AND s.status = $3 AND s.id < $4 \
                     ORDER BY s.id DESC LIMIT $5"
                ),
                args![&bounds.0, &bounds.1, s, before_id, limit],
            )
            .await
        }
        None => {
            c.fetch_all(
                &format!(
                    "SELECT {COLS} FROM {FROM} WHERE s.region_code BETWEEN $1 AND $2 AND s.id < $3 \
                     ORDER BY s.id DESC LIMIT $4"
                ),
                args![&bounds.0, &bounds.1, before_id, limit],
            )
            .await
        }
    }
}

/// Subsidies under 公示 or decided after it (the public notice), newest first.
pub async fn public(c: &mut impl Conn, before_id: i64, limit: i64) -> DbResult<Vec<SubsidyRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE s.status IN ('publicised', 'approved', 'paid') AND s.id < $1 \
             ORDER BY s.id DESC LIMIT $2"
        ),
        args![before_id, limit],
    )
    .await
}

/// Subsidies of an enterprise in other programmes that are not cancelled (double funding).
pub async fn funded_elsewhere(c: &mut impl Conn, enterprise_id: i64, programme_id: &str) -> DbResult<Vec<SubsidyRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE s.enterprise_id = $1 AND s.programme_id <> $2 AND s.status <> 'cancelled' \
             ORDER BY s.id"
        ),
        args![enterprise_id, programme_id],
    )
    .await
}

pub struct Change<'a> {
    pub status: &'a str,
    pub publicity_ends_at: Option<i64>,
    pub approved_by: Option<&'a str>,
    pub paid: bool,
}

/// Compare-and-set on the row version.
pub async fn set_state(c: &mut impl Conn, id: i64, version: i64, ch: &Change<'_>) -> DbResult<bool> {
    let now = now_ms();
    let n = c
        .execute(
            "UPDATE subsidies SET status = $1, version = version + 1, \
             publicity_ends_at = COALESCE($2, publicity_ends_at), approved_by = COALESCE($3, approved_by), \
             approved_at = CASE WHEN $3 IS NULL THEN approved_at ELSE $4 END, \
             paid_at = CASE WHEN $5 THEN $4 ELSE paid_at END WHERE id = $6 AND version = $7",
            args![ch.status, ch.publicity_ends_at, ch.approved_by, now, ch.paid, id, version],
        )
        .await?;
    Ok(n == 1)
}

// ---- payments -----------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "SubsidyPayment")]
pub struct PaymentRow {
    pub id: i64,
    pub subsidy_id: i64,
    pub transfer_id: i64,
    pub amount_fen: i64,
    pub status: String,
    pub bank_account: String,
    pub voucher: String,
    pub reversal_id: Option<i64>,
    pub reversal_reason: String,
    pub created_by: String,
    pub at: i64,
    pub version: i64,
}

const PAY_COLS: &str = "id, subsidy_id, transfer_id, amount_fen, status, bank_account, voucher, reversal_id, \
     reversal_reason, created_by, at, version";

pub async fn insert_payment(
    c: &mut impl Conn,
    subsidy_id: i64,
    transfer_id: i64,
    amount: i64,
    bank_account: &str,
    voucher: &str,
    by: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO payments (subsidy_id, transfer_id, amount_fen, status, bank_account, voucher, created_by, at) \
         VALUES ($1, $2, $3, 'posted', $4, $5, $6, $7) RETURNING id",
        args![subsidy_id, transfer_id, amount, bank_account, voucher, by, now_ms()],
    )
    .await
}

pub async fn payment(c: &mut impl Conn, id: i64) -> DbResult<Option<PaymentRow>> {
    c.fetch_optional(&format!("SELECT {PAY_COLS} FROM payments WHERE id = $1"), args![id]).await
}

pub async fn payment_by_transfer(c: &mut impl Conn, transfer_id: i64) -> DbResult<Option<PaymentRow>> {
    c.fetch_optional(&format!("SELECT {PAY_COLS} FROM payments WHERE transfer_id = $1"), args![transfer_id]).await
}

pub async fn payments_of(c: &mut impl Conn, subsidy_id: i64) -> DbResult<Vec<PaymentRow>> {
    c.fetch_all(&format!("SELECT {PAY_COLS} FROM payments WHERE subsidy_id = $1 ORDER BY id"), args![subsidy_id]).await
}

/// Sum of posted (not reversed) payments to a project, over all its subsidies.
pub async fn paid_to_project(c: &mut impl Conn, project_id: i64) -> DbResult<i64> {
    c.scalar(
        "SELECT CAST(COALESCE(SUM(p.amount_fen), 0) AS BIGINT) FROM payments p JOIN subsidies s ON s.id = p.subsidy_id \
         WHERE s.project_id = $1 AND p.status = 'posted'",
        args![project_id],
    )
    .await
}

/// What this project's earlier instalments reserved: every subsidy computed and not cancelled,
/// paid or not (an instalment reserved but unpaid is still granted).
pub async fn reserved_for_project(c: &mut impl Conn, project_id: i64) -> DbResult<i64> {
    c.scalar(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM subsidies \
         WHERE project_id = $1 AND status <> 'cancelled'",
        args![project_id],
    )
    .await
}

/// What the enterprise's OTHER projects in these programmes were granted (not cancelled): the
/// amounts reserved and, of them, the level bonuses. The per-enterprise cap counts these.
pub async fn granted_to_enterprise(
    c: &mut impl Conn,
    enterprise_id: i64,
    programme_ids: &[&str],
    except_project: i64,
) -> DbResult<(i64, i64)> {
    if programme_ids.is_empty() {
        return Ok((0, 0));
    }
    let marks: Vec<String> = (0..programme_ids.len()).map(|i| format!("${}", i + 3)).collect();
    let mut a = args![enterprise_id, except_project];
    a.extend(programme_ids.iter().map(|p| super::Arg::from(*p)));
    let row: (i64, i64) = c
        .fetch_one(
            &format!(
                "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT), CAST(COALESCE(SUM(bonus_fen), 0) AS BIGINT) \
                 FROM subsidies WHERE enterprise_id = $1 AND project_id <> $2 AND status <> 'cancelled' \
                 AND programme_id IN ({})",
                marks.join(", ")
            ),
            a,
        )
        .await?;
    Ok(row)
}

/// Records the level bonus granted inside a subsidy (set in the transaction that computed it).
pub async fn set_bonus(c: &mut impl Conn, id: i64, bonus_fen: i64) -> DbResult<()> {
    c.execute("UPDATE subsidies SET bonus_fen = $1 WHERE id = $2", args![bonus_fen, id]).await?;
    Ok(())
}

/// A chain SME's share of this award held back for the chain's lead.
pub async fn set_chain_lead(c: &mut impl Conn, id: i64, lead_fen: i64) -> DbResult<()> {
    c.execute("UPDATE subsidies SET chain_lead_fen = $1 WHERE id = $2", args![lead_fen, id]).await?;
    Ok(())
}

pub async fn reverse_payment(
    c: &mut impl Conn,
    id: i64,
    version: i64,
    reversal_id: i64,
    reason: &str,
) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE payments SET status = 'reversed', reversal_id = $1, reversal_reason = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND status = 'posted'",
            args![reversal_id, reason, id, version],
        )
        .await?;
    Ok(n == 1)
}
