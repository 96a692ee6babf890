//! API tokens: stored as SM3 hashes; the token itself is shown once. Each expires.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// None: what its user may do; `readings`: a gateway's, for device readings only.
    pub scope: Option<String>,
}

const COLS: &str = "t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// The scope of a gateway's token: device readings only.
pub const SCOPE_READINGS: &str = "readings";

/// Stores a token that expires `lifetime_ms` after now; `scope` None for a full token.
pub async fn insert(
    c: &mut impl Conn,
    user_id: i64,
    token_hash: &str,
    name: &str,
    lifetime_ms: i64,
    scope: Option<&str>,
) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at, scope) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        args![user_id, token_hash, name, now, now + lifetime_ms, scope],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<TokenRow>> {
    c.fetch_optional(&format!("SELECT {COLS} WHERE t.id = $1"), args![id]).await
}

/// A user's tokens, newest first (a user has a handful).
pub async fn for_user(c: &mut impl Conn, user_id: i64) -> DbResult<Vec<TokenRow>> {
    c.fetch_all(&format!("SELECT {COLS} WHERE t.user_id = $1 ORDER BY t.id DESC LIMIT 500"), args![user_id]).await
}

/// Every token, newest first (the CLI).
pub async fn all(c: &mut impl Conn, limit: i64) -> DbResult<Vec<TokenRow>> {
    c.fetch_all(&format!("SELECT {COLS} ORDER BY t.id DESC LIMIT $1"), args![limit]).await
}

/// Revokes one token; false if it was revoked already.
pub async fn revoke(c: &mut impl Conn, id: i64) -> DbResult<bool> {
    let n = c
        .execute("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", args![id, now_ms()])
        .await?;
    Ok(n == 1)
}

pub async fn revoke_for_user(c: &mut impl Conn, user_id: i64) -> DbResult<u64> {
    c.execute(
        "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        args![user_id, now_ms()],
    )
    .await
}
