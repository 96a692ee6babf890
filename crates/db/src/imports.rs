//! Import jobs and their progress.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub region_code: String,
    pub status: String,
    pub rows_read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub message: Option<String>,
    pub error_report: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const COLS: &str = "id, kind, file_name, user_id, username, region_code, status, rows_read, inserted, updated, \
     unchanged, failed, message, error_report, created_at, finished_at";

pub async fn create(
    c: &mut impl Conn,
    kind: &str,
    file_name: &str,
    file_sm3: &str,
    user_id: Option<i64>,
    username: &str,
    region: &str,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO import_jobs (kind, file_name, file_sm3, user_id, username, region_code, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING id",
        args![kind, file_name, file_sm3, user_id, username, region, now_ms()],
    )
    .await
}

pub struct Progress {
    pub rows_read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
}

pub async fn progress(c: &mut impl Conn, id: i64, p: &Progress) -> DbResult<()> {
    c.execute(
        "UPDATE import_jobs SET rows_read = $2, inserted = $3, updated = $4, unchanged = $5, failed = $6 WHERE id = $1",
        args![id, p.rows_read, p.inserted, p.updated, p.unchanged, p.failed],
    )
    .await?;
    Ok(())
}

pub async fn finish(
    c: &mut impl Conn,
    id: i64,
    status: &str,
    message: Option<&str>,
    error_report: Option<&str>,
) -> DbResult<()> {
    c.execute(
        "UPDATE import_jobs SET status = $2, message = $3, error_report = $4, finished_at = $5 WHERE id = $1",
        args![id, status, message, error_report, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<JobRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM import_jobs WHERE id = $1"), args![id]).await
}

pub async fn of_user(c: &mut impl Conn, user_id: i64, limit: i64) -> DbResult<Vec<JobRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM import_jobs WHERE user_id = $1 ORDER BY id DESC LIMIT $2"),
        args![user_id, limit],
    )
    .await
}

/// Jobs left `running` by a crash are marked failed at start-up.
pub async fn fail_abandoned(c: &mut impl Conn) -> DbResult<u64> {
    c.execute(
        "UPDATE import_jobs SET status = 'failed', message = '服务重启，导入中断；已提交的批次保留，请重新导入（按代码更新，不会重复）', \
         finished_at = $1 WHERE status = 'running'",
        args![now_ms()],
    )
    .await
}
