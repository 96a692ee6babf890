//! API tokens: stored as SM3 hashes; the token itself is shown once.

use super::{Conn, DbResult, now_ms};
use crate::args;

pub async fn insert(c: &mut impl Conn, user_id: i64, token_hash: &str, name: &str) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        args![user_id, token_hash, name, now_ms()],
    )
    .await
}

pub async fn revoke_for_user(c: &mut impl Conn, user_id: i64) -> DbResult<u64> {
    c.execute(
        "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        args![user_id, now_ms()],
    )
    .await
}
