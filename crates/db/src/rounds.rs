//! On-site acceptance rounds (现场验收批次): the round, the acceptances it takes (at most one open
//! round per acceptance, kept by a partial unique index), its assessors and their declared
//! conflicts of interest.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RoundRow {
    pub id: i64,
    pub programme_id: String,
    pub region_code: String,
    pub round_date: String,
    pub place: String,
    pub note: String,
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub version: i64,
}

const COLS: &str = "id, programme_id, region_code, round_date, place, note, status, created_by, created_at, version";

pub struct NewRound<'a> {
    pub programme_id: &'a str,
    pub region_code: &'a str,
    pub round_date: &'a str,
    pub place: &'a str,
    pub note: &'a str,
    pub created_by: &'a str,
}

pub async fn insert(c: &mut impl Conn, n: &NewRound<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO onsite_rounds (programme_id, region_code, round_date, place, note, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7) RETURNING id",
        args![n.programme_id, n.region_code, n.round_date, n.place, n.note, n.created_by, now_ms()],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<RoundRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM onsite_rounds WHERE id = $1"), args![id]).await
}

/// Rounds in a region subtree, newest first.
pub async fn list(c: &mut impl Conn, bounds: &(String, String), limit: i64) -> DbResult<Vec<RoundRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM onsite_rounds WHERE region_code BETWEEN $1 AND $2 ORDER BY id DESC LIMIT $3"),
        args![&bounds.0, &bounds.1, limit],
    )
    .await
}

/// Rounds an assessor is assigned to, newest first.
pub async fn of_assessor(c: &mut impl Conn, user_id: i64, limit: i64) -> DbResult<Vec<RoundRow>> {
    c.fetch_all(
        "SELECT r.id, r.programme_id, r.region_code, r.round_date, r.place, r.note, r.status, r.created_by, \
         r.created_at, r.version FROM round_assessors a JOIN onsite_rounds r ON r.id = a.round_id \
         WHERE a.user_id = $1 ORDER BY r.id DESC LIMIT $2",
        args![user_id, limit],
    )
    .await
}

/// Compare-and-set of the state; closing a round frees its acceptances for another round.
pub async fn set_state(c: &mut impl Conn, id: i64, version: i64, status: &str) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE onsite_rounds SET status = $3, version = version + 1 WHERE id = $1 AND version = $2",
            args![id, version, status],
        )
        .await?;
    if n == 1 && status == "closed" {
        c.execute("UPDATE round_acceptances SET open = FALSE WHERE round_id = $1", args![id]).await?;
    }
    Ok(n == 1)
}

/// Bumps the round's version so concurrent changes to one round serialise on it.
pub async fn touch(c: &mut impl Conn, id: i64, version: i64) -> DbResult<bool> {
    Ok(c.execute("UPDATE onsite_rounds SET version = version + 1 WHERE id = $1 AND version = $2", args![id, version])
        .await?
        == 1)
}

/// Adds an acceptance; a second open round for it is a unique violation (DbError::Conflict).
pub async fn add_acceptance(c: &mut impl Conn, round_id: i64, acceptance_id: i64, by: &str) -> DbResult<()> {
    c.execute(
        "INSERT INTO round_acceptances (round_id, acceptance_id, open, added_by, added_at) VALUES ($1, $2, TRUE, $3, $4)",
        args![round_id, acceptance_id, by, now_ms()],
    )
    .await?;
    Ok(())
}

/// The open round holding an acceptance, if any.
pub async fn open_round_of(c: &mut impl Conn, acceptance_id: i64) -> DbResult<Option<i64>> {
    let r: Option<(i64,)> = c
        .fetch_optional(
            "SELECT round_id FROM round_acceptances WHERE acceptance_id = $1 AND open",
            args![acceptance_id],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

/// One acceptance of a round with the names its sheet shows.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RoundItem {
    pub acceptance_id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub region_code: String,
    pub status: String,
}

pub async fn items(c: &mut impl Conn, round_id: i64) -> DbResult<Vec<RoundItem>> {
    c.fetch_all(
        "SELECT a.id AS acceptance_id, a.project_id, j.title AS project_title, a.enterprise_id, \
         e.name AS enterprise_name, e.uscc AS enterprise_uscc, a.provider_id, p.name AS provider_name, a.region_code, \
         a.status FROM round_acceptances r JOIN acceptances a ON a.id = r.acceptance_id \
         JOIN projects j ON j.id = a.project_id JOIN enterprises e ON e.id = a.enterprise_id \
         JOIN providers p ON p.id = a.provider_id WHERE r.round_id = $1 ORDER BY a.id LIMIT 500",
        args![round_id],
    )
    .await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AssessorRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub assigned_by: String,
    pub assigned_at: i64,
}

pub async fn assessors(c: &mut impl Conn, round_id: i64) -> DbResult<Vec<AssessorRow>> {
    c.fetch_all(
        "SELECT a.user_id, u.username, u.display_name, a.assigned_by, a.assigned_at FROM round_assessors a \
         JOIN users u ON u.id = a.user_id WHERE a.round_id = $1 ORDER BY a.user_id LIMIT 100",
        args![round_id],
    )
    .await
}

pub async fn assign(c: &mut impl Conn, round_id: i64, user_id: i64, by: &str) -> DbResult<()> {
    c.execute(
        "INSERT INTO round_assessors (round_id, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)",
        args![round_id, user_id, by, now_ms()],
    )
    .await?;
    Ok(())
}

/// The organisation an account belongs to: (enterprise, provider).
pub async fn ties_of(c: &mut impl Conn, user_id: i64) -> DbResult<Option<(Option<i64>, Option<i64>)>> {
    c.fetch_optional("SELECT enterprise_id, provider_id FROM users WHERE id = $1", args![user_id]).await
}

/// The conflicts an assessor declared: (enterprise, provider) pairs, either side optional.
pub async fn declared(c: &mut impl Conn, user_id: i64) -> DbResult<Vec<(Option<i64>, Option<i64>)>> {
    c.fetch_all(
        "SELECT enterprise_id, provider_id FROM assessor_conflicts WHERE user_id = $1 ORDER BY id LIMIT 500",
        args![user_id],
    )
    .await
}

pub async fn declare(
    c: &mut impl Conn,
    user_id: i64,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
    note: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO assessor_conflicts (user_id, enterprise_id, provider_id, note, declared_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        args![user_id, enterprise_id, provider_id, note, now_ms()],
    )
    .await
}
