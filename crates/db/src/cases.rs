//! Typical cases and 小灯塔 enterprises.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct CaseRow {
    pub id: i64,
    pub kind: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub project_id: Option<i64>,
    pub region_code: String,
    pub title: String,
    pub summary: String,
    pub outcome: String,
    pub status: String,
    pub nominated_by: String,
    pub opinion: String,
    pub reviewed_by: Option<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

const COLS: &str = "c.id, c.kind, c.enterprise_id, e.name AS enterprise_name, c.project_id, c.region_code, c.title, \
     c.summary, c.outcome, c.status, c.nominated_by, c.opinion, c.reviewed_by, c.published_at, c.created_at, c.version";
const FROM: &str = "cases c JOIN enterprises e ON e.id = c.enterprise_id";

pub struct NewCase<'a> {
    pub kind: &'a str,
    pub enterprise_id: i64,
    pub project_id: Option<i64>,
    pub region_code: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub outcome: &'a str,
    pub nominated_by: &'a str,
}

pub async fn insert(c: &mut impl Conn, n: &NewCase<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO cases (kind, enterprise_id, project_id, region_code, title, summary, outcome, status, nominated_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'nominated', $8, $9) RETURNING id",
        args![n.kind, n.enterprise_id, n.project_id, n.region_code, n.title, n.summary, n.outcome, n.nominated_by, now_ms()],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<CaseRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM {FROM} WHERE c.id = $1"), args![id]).await
}

pub async fn in_region(
    c: &mut impl Conn,
    bounds: &(String, String),
    before: i64,
    limit: i64,
) -> DbResult<Vec<CaseRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE c.region_code BETWEEN $1 AND $2 AND c.id < $3 ORDER BY c.id DESC LIMIT $4"
        ),
        args![&bounds.0, &bounds.1, before, limit],
    )
    .await
}

pub async fn published(c: &mut impl Conn, kind: &str, limit: i64) -> DbResult<Vec<CaseRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE c.status = 'published' AND c.kind = $1 ORDER BY c.published_at DESC LIMIT $2"
        ),
        args![kind, limit],
    )
    .await
}

pub async fn set_state(
    c: &mut impl Conn,
    id: i64,
    version: i64,
    status: &str,
    opinion: Option<(&str, &str)>,
    published: bool,
) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE cases SET status = $1, opinion = COALESCE($2, opinion), reviewed_by = COALESCE($3, reviewed_by), \
             published_at = CASE WHEN $4 THEN $5 ELSE published_at END, version = version + 1 \
             WHERE id = $6 AND version = $7",
            args![status, opinion.map(|o| o.0), opinion.map(|o| o.1), published, now_ms(), id, version],
        )
        .await?;
    Ok(n == 1)
}
