//! The second factor's storage: one-time recovery codes and pending logins (a password
//! accepted, the code still to come). Both are stored as SM3 hashes.

use super::{Conn, DbResult};
use crate::args;

/// Replaces a user's recovery codes with new ones (hashes).
pub async fn replace_recovery_codes(c: &mut impl Conn, user_id: i64, hashes: &[String]) -> DbResult<()> {
    c.execute("DELETE FROM totp_recovery_codes WHERE user_id = $1", args![user_id]).await?;
    for h in hashes {
        c.execute("INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)", args![user_id, h]).await?;
    }
    Ok(())
}

/// Uses a recovery code once: false if unknown or used already.
pub async fn use_recovery_code(c: &mut impl Conn, user_id: i64, hash: &str, now: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE totp_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            args![user_id, hash, now],
        )
        .await?;
    Ok(n == 1)
}

pub async fn unused_recovery_codes(c: &mut impl Conn, user_id: i64) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL", args![user_id]).await
}

pub async fn delete_recovery_codes(c: &mut impl Conn, user_id: i64) -> DbResult<()> {
    c.execute("DELETE FROM totp_recovery_codes WHERE user_id = $1", args![user_id]).await?;
    Ok(())
}

pub async fn insert_challenge(c: &mut impl Conn, id_hash: &str, user_id: i64, expires_at: i64) -> DbResult<()> {
    c.execute(
        "INSERT INTO login_challenges (id_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        args![id_hash, user_id, expires_at],
    )
    .await?;
    Ok(())
}

/// The user of a live pending login.
pub async fn challenge_user(c: &mut impl Conn, id_hash: &str, now: i64) -> DbResult<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "SELECT user_id FROM login_challenges WHERE id_hash = $1 AND expires_at > $2",
            args![id_hash, now],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// Ends a pending login; false if it was ended already (a second use).
pub async fn delete_challenge(c: &mut impl Conn, id_hash: &str) -> DbResult<bool> {
    Ok(c.execute("DELETE FROM login_challenges WHERE id_hash = $1", args![id_hash]).await? == 1)
}

pub async fn delete_challenges_for_user(c: &mut impl Conn, user_id: i64) -> DbResult<()> {
    c.execute("DELETE FROM login_challenges WHERE user_id = $1", args![user_id]).await?;
    Ok(())
}

pub async fn purge_challenges(c: &mut impl Conn, now: i64) -> DbResult<u64> {
    c.execute("DELETE FROM login_challenges WHERE expires_at <= $1", args![now]).await
}
