//! User accounts.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub region_code: String,
    pub enterprise_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub disabled: bool,
    pub failed_logins: i64,
    pub first_failed_at: Option<i64>,
    pub locked_until: Option<i64>,
    pub password_changed_at: i64,
    pub is_demo: bool,
    pub created_at: i64,
    pub version: i64,
    pub must_change_password: bool,
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    pub totp_last_step: Option<i64>,
}

const COLS: &str = "id, username, display_name, password_hash, role, region_code, enterprise_id, provider_id, \
     disabled, failed_logins, first_failed_at, locked_until, password_changed_at, is_demo, created_at, version, \
     must_change_password, totp_secret, totp_pending, totp_last_step";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub region_code: &'a str,
    pub enterprise_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub is_demo: bool,
}

pub async fn insert(c: &mut impl Conn, u: &NewUser<'_>) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO users (username, display_name, password_hash, role, region_code, enterprise_id, provider_id, \
         password_changed_at, is_demo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        args![
            u.username,
            u.display_name,
            u.password_hash,
            u.role,
            u.region_code,
            u.enterprise_id,
            u.provider_id,
            now,
            u.is_demo,
            now
        ],
    )
    .await
}

pub async fn by_username(c: &mut impl Conn, username: &str) -> DbResult<Option<UserRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM users WHERE username = $1"), args![username]).await
}

pub async fn by_id(c: &mut impl Conn, id: i64) -> DbResult<Option<UserRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM users WHERE id = $1"), args![id]).await
}

/// The user an unrevoked, unexpired API token (by its hash) belongs to, in one statement: it runs on
/// every API request.
/// The holder of a live API token, and when the token expires.
/// A live token's user, when the token expires, and its scope.
pub async fn by_token_hash(c: &mut impl Conn, token_hash: &str) -> DbResult<Option<(UserRow, i64, Option<String>)>> {
    let token: Option<(i64, i64, Option<String>)> = c
        .fetch_optional(
            "SELECT user_id, expires_at, scope FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
            args![token_hash, now_ms()],
        )
        .await?;
    let Some((user_id, expires_at, scope)) = token else { return Ok(None) };
    Ok(by_id(c, user_id).await?.map(|u| (u, expires_at, scope)))
}

/// One page of users in a region subtree, after `after_id` (keyset pagination).
pub async fn list(c: &mut impl Conn, bounds: &(String, String), after_id: i64, limit: i64) -> DbResult<Vec<UserRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM users WHERE region_code BETWEEN $1 AND $2 AND id > $3 ORDER BY id LIMIT $4"),
        args![&bounds.0, &bounds.1, after_id, limit],
    )
    .await
}

pub async fn count(c: &mut impl Conn) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM users", args![]).await
}

/// What counting a failed login did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Counted; the account stays open.
    Counted,
    /// Counted, and this failure locked the account.
    LockedNow,
    /// Not counted: the account was already locked.
    AlreadyLocked,
}

/// Counts a failed login and decides the lock in one conditional statement, so parallel
/// attempts can neither skip the lock nor be counted past it. Failures older than
/// `window_start` (or before an expired lock) start a new count.
pub async fn record_failure(
    c: &mut impl Conn,
    id: i64,
    now: i64,
    window_start: i64,
    lock_until: i64,
    threshold: i64,
) -> DbResult<Failure> {
    let fresh = "(first_failed_at IS NULL OR first_failed_at < $2 OR locked_until IS NOT NULL)";
    let counted: Option<(i64, Option<i64>)> = c
        .fetch_optional(
            &format!(
                "UPDATE users SET \
                   failed_logins = CASE WHEN {fresh} THEN 1 ELSE failed_logins + 1 END, \
                   first_failed_at = CASE WHEN {fresh} THEN $3 ELSE first_failed_at END, \
                   locked_until = CASE WHEN (CASE WHEN {fresh} THEN 1 ELSE failed_logins + 1 END) >= $4 \
                     THEN $5 ELSE NULL END \
                 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $3) \
                 RETURNING failed_logins, locked_until"
            ),
            args![id, window_start, now, threshold, lock_until],
        )
        .await?;
    Ok(match counted {
        None => Failure::AlreadyLocked,
        Some((_, Some(_))) => Failure::LockedNow,
        Some((_, None)) => Failure::Counted,
    })
}

/// Clears the failure count after a successful login, unless the account is locked (the
/// lock and the success are decided in one statement). Returns whether it was open.
pub async fn clear_failures_if_open(c: &mut impl Conn, id: i64, now: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
            args![id, now],
        )
        .await?;
    Ok(n == 1)
}

/// Whether the account is locked at `now` (read inside the caller's transaction).
pub async fn is_locked(c: &mut impl Conn, id: i64, now: i64) -> DbResult<bool> {
    Ok(c.scalar("SELECT COUNT(*) FROM users WHERE id = $1 AND locked_until > $2", args![id, now]).await? > 0)
}

pub async fn clear_failures(c: &mut impl Conn, id: i64) -> DbResult<()> {
    c.execute(
        "UPDATE users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

/// Sets the password hash; `one_time` marks it to be changed at the next login.
pub async fn set_password(c: &mut impl Conn, id: i64, hash: &str, one_time: bool) -> DbResult<()> {
    c.execute(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = $4, \
         version = version + 1 WHERE id = $1",
        args![id, hash, now_ms(), one_time],
    )
    .await?;
    Ok(())
}

/// Flags (or clears) the one-time password: the user's sessions can only change it.
pub async fn set_must_change(c: &mut impl Conn, id: i64, must: bool) -> DbResult<()> {
    c.execute("UPDATE users SET must_change_password = $2 WHERE id = $1", args![id, must]).await?;
    Ok(())
}

/// Offers a TOTP secret at enrolment (not in force until confirmed).
pub async fn set_totp_pending(c: &mut impl Conn, id: i64, secret: &str) -> DbResult<()> {
    c.execute("UPDATE users SET totp_pending = $2 WHERE id = $1", args![id, secret]).await?;
    Ok(())
}

/// Puts the offered secret in force, if it is still the one offered.
pub async fn confirm_totp(c: &mut impl Conn, id: i64, secret: &str, step: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $3, \
             version = version + 1 WHERE id = $1 AND totp_pending = $2",
            args![id, secret, step],
        )
        .await?;
    Ok(n == 1)
}

/// Removes the second factor (reset by the security administrator).
pub async fn clear_totp(c: &mut impl Conn, id: i64) -> DbResult<()> {
    c.execute(
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, version = version + 1 \
         WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

/// Accepts a TOTP time step once: false if this step (or a later one) was used already.
pub async fn use_totp_step(c: &mut impl Conn, id: i64, step: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            args![id, step],
        )
        .await?;
    Ok(n == 1)
}

pub async fn set_disabled(c: &mut impl Conn, id: i64, disabled: bool) -> DbResult<u64> {
    c.execute("UPDATE users SET disabled = $2, version = version + 1 WHERE id = $1", args![id, disabled]).await
}

pub async fn any_non_demo(c: &mut impl Conn) -> DbResult<bool> {
    Ok(c.scalar("SELECT COUNT(*) FROM users WHERE is_demo = FALSE", args![]).await? > 0)
}

/// Active expert accounts an officer can assign: in its subtree or on its path to the root
/// (a province's expert pool serves its cities).
pub async fn experts_for(
    c: &mut impl Conn,
    bounds: &(String, String),
    path: &[String],
) -> DbResult<Vec<(i64, String, String)>> {
    let mut a = args![&bounds.0, &bounds.1];
    let mut marks = Vec::new();
    for p in path {
        a.push(p.into());
        marks.push(format!("${}", a.len()));
    }
    let on_path = if marks.is_empty() { String::new() } else { format!(" OR region_code IN ({})", marks.join(", ")) };
    c.fetch_all(
        &format!(
            "SELECT id, display_name, region_code FROM users WHERE role = 'expert' AND NOT disabled \
             AND (region_code BETWEEN $1 AND $2{on_path}) ORDER BY id LIMIT 500"
        ),
        a,
    )
    .await
}
