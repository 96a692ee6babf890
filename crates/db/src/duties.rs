//! Who took which duty-bearing step on an object, and the two-person account requests.

use super::{Conn, DbResult, now_ms};
use crate::args;

/// Claims for `user_id` the side `step` of separation rule `rule` on `subject:subject_id`, and
/// returns the side that person holds there now: `step` itself, or the other side taken earlier.
/// The primary key makes a concurrent claim of the other side wait and then see this one.
pub async fn hold(
    c: &mut impl Conn,
    (subject, subject_id): (&str, i64),
    rule: &str,
    user_id: i64,
    step: &str,
) -> DbResult<String> {
    c.execute(
        "INSERT INTO duty_holders (subject, subject_id, rule, user_id, step, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (subject, subject_id, rule, user_id) DO NOTHING",
        args![subject, subject_id, rule, user_id, step, now_ms()],
    )
    .await?;
    Ok(held(c, (subject, subject_id), rule, user_id).await?.unwrap_or_else(|| step.to_owned()))
}

/// The side of rule `rule` that `user_id` holds on `subject:subject_id`, if any.
pub async fn held(
    c: &mut impl Conn,
    (subject, subject_id): (&str, i64),
    rule: &str,
    user_id: i64,
) -> DbResult<Option<String>> {
    let row: Option<(String,)> = c
        .fetch_optional(
            "SELECT step FROM duty_holders WHERE subject = $1 AND subject_id = $2 AND rule = $3 AND user_id = $4",
            args![subject, subject_id, rule, user_id],
        )
        .await?;
    Ok(row.map(|(s,)| s))
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "AccountRequest")]
pub struct RequestRow {
    pub id: i64,
    pub action: String,
    pub target_user_id: Option<i64>,
    pub target_username: Option<String>,
    pub target_role: String,
    pub region_code: String,
    pub username: String,
    pub display_name: String,
    pub reason: String,
    pub status: String,
    pub requested_by: i64,
    pub requester: String,
    pub requested_role: String,
    pub requested_at: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub version: i64,
}

const COLS: &str = "r.id, r.action, r.target_user_id, t.username AS target_username, r.target_role, r.region_code, \
     r.username, r.display_name, r.reason, r.status, r.requested_by, q.username AS requester, r.requested_role, \
     r.requested_at, r.decided_by, r.decided_at, r.version";
const FROM: &str =
    "account_requests r JOIN users q ON q.id = r.requested_by LEFT JOIN users t ON t.id = r.target_user_id";

pub struct NewRequest<'a> {
    pub action: &'a str,
    pub target_user_id: Option<i64>,
    pub target_role: &'a str,
    pub region_code: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub reason: &'a str,
    pub requested_by: i64,
    pub requested_role: &'a str,
}

pub async fn insert_request(c: &mut impl Conn, n: &NewRequest<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO account_requests (action, target_user_id, target_role, region_code, username, display_name, \
         reason, status, requested_by, requested_role, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) RETURNING id",
        args![
            n.action,
            n.target_user_id,
            n.target_role,
            n.region_code,
            n.username,
            n.display_name,
            n.reason,
            n.requested_by,
            n.requested_role,
            now_ms()
        ],
    )
    .await
}

pub async fn request(c: &mut impl Conn, id: i64) -> DbResult<Option<RequestRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"), args![id]).await
}

/// Requests in a region subtree, newest first.
pub async fn requests_in(c: &mut impl Conn, bounds: &(String, String), limit: i64) -> DbResult<Vec<RequestRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM {FROM} WHERE r.region_code BETWEEN $1 AND $2 ORDER BY r.id DESC LIMIT $3"),
        args![&bounds.0, &bounds.1, limit],
    )
    .await
}

/// Decides a pending request (compare-and-set on its version); false when it was already decided.
pub async fn decide(c: &mut impl Conn, id: i64, version: i64, status: &str, by: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE account_requests SET status = $1, decided_by = $2, decided_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5 AND status = 'pending'",
            args![status, by, now_ms(), id, version],
        )
        .await?;
    Ok(n == 1)
}
