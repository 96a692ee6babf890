//! Login sessions, stored in the database so several instances can share them.
//! Only a hash of the session id is stored; the id itself lives in the cookie.

use super::{Conn, DbResult};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(c: &mut impl Conn, id_hash: &str, user_id: i64, now: i64, expires_at: i64) -> DbResult<()> {
    c.execute(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)",
        args![id_hash, user_id, now, expires_at],
    )
    .await?;
    Ok(())
}

pub async fn get(c: &mut impl Conn, id_hash: &str) -> DbResult<Option<SessionRow>> {
    c.fetch_optional(
        "SELECT id_hash, user_id, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
        args![id_hash],
    )
    .await
}

pub async fn touch(c: &mut impl Conn, id_hash: &str, now: i64) -> DbResult<()> {
    c.execute("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1", args![id_hash, now]).await?;
    Ok(())
}

pub async fn delete(c: &mut impl Conn, id_hash: &str) -> DbResult<()> {
    c.execute("DELETE FROM sessions WHERE id_hash = $1", args![id_hash]).await?;
    Ok(())
}

/// Ends every session of a user (password change, disable, reset).
pub async fn delete_for_user(c: &mut impl Conn, user_id: i64) -> DbResult<u64> {
    c.execute("DELETE FROM sessions WHERE user_id = $1", args![user_id]).await
}

/// Removes sessions past their absolute expiry or idle limit.
pub async fn purge_expired(c: &mut impl Conn, now: i64, idle_cutoff: i64) -> DbResult<u64> {
    c.execute("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2", args![now, idle_cutoff]).await
}
