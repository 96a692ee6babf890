//! Service providers (服务商): the foundation's slice.

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProviderRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub kind: String,
    pub created_at: i64,
}

const COLS: &str = "id, uscc, name, region_code, kind, created_at";

pub async fn insert(
    c: &mut impl Conn,
    uscc: &str,
    name: &str,
    region_code: &str,
    kind: &str,
    is_demo: bool,
) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO providers (uscc, name, region_code, kind, is_demo, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        args![uscc, name, region_code, kind, is_demo, now_ms()],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<ProviderRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM providers WHERE id = $1"), args![id]).await
}

pub async fn list(
    c: &mut impl Conn,
    bounds: &(String, String),
    only_id: Option<i64>,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<ProviderRow>> {
    match only_id {
        Some(id) => {
            c.fetch_all(
                &format!("SELECT {COLS} FROM providers WHERE region_code BETWEEN $1 AND $2 AND id > $3 AND id = $4 ORDER BY id LIMIT $5"),
                args![&bounds.0, &bounds.1, after_id, id, limit],
            )
            .await
        }
        None => {
            c.fetch_all(
                &format!("SELECT {COLS} FROM providers WHERE region_code BETWEEN $1 AND $2 AND id > $3 ORDER BY id LIMIT $4"),
                args![&bounds.0, &bounds.1, after_id, limit],
            )
            .await
        }
    }
}
