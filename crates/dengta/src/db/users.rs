//! User accounts.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow)]
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
}

const COLS: &str = "id, username, display_name, password_hash, role, region_code, enterprise_id, provider_id, \
     disabled, failed_logins, first_failed_at, locked_until, password_changed_at, is_demo, created_at, version";

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

/// The user an unrevoked API token (by its hash) belongs to, in one statement: it runs on
/// every API request.
pub async fn by_token_hash(c: &mut impl Conn, token_hash: &str) -> DbResult<Option<UserRow>> {
    c.fetch_optional(
        &format!(
            "SELECT {COLS} FROM users WHERE id = \
             (SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL)"
        ),
        args![token_hash],
    )
    .await
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

/// Records a failed login; returns the new failure count within the window.
pub async fn record_failure(
    c: &mut impl Conn,
    id: i64,
    window_start: i64,
    lock_until: Option<i64>,
    threshold: i64,
) -> DbResult<()> {
    let now = now_ms();
    // Failures older than the window start a new count.
    c.execute(
        "UPDATE users SET \
           failed_logins = CASE WHEN first_failed_at IS NULL OR first_failed_at < $2 THEN 1 ELSE failed_logins + 1 END, \
           first_failed_at = CASE WHEN first_failed_at IS NULL OR first_failed_at < $2 THEN $3 ELSE first_failed_at END \
         WHERE id = $1",
        args![id, window_start, now],
    )
    .await?;
    if let Some(until) = lock_until {
        c.execute(
            "UPDATE users SET locked_until = $2, failed_logins = 0, first_failed_at = NULL WHERE id = $1 AND failed_logins >= $3",
            args![id, until, threshold],
        )
        .await?;
    }
    Ok(())
}

pub async fn clear_failures(c: &mut impl Conn, id: i64) -> DbResult<()> {
    c.execute(
        "UPDATE users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

pub async fn set_password(c: &mut impl Conn, id: i64, hash: &str) -> DbResult<()> {
    c.execute(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, version = version + 1 WHERE id = $1",
        args![id, hash, now_ms()],
    )
    .await?;
    Ok(())
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
