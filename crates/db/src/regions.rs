//! The region tree (GB/T 2260).

use super::{Conn, DbResult};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub level: String,
}

pub async fn insert(c: &mut impl Conn, r: &RegionRow, is_demo: bool) -> DbResult<()> {
    c.execute(
        "INSERT INTO regions (code, name, parent_code, level, is_demo) VALUES ($1, $2, $3, $4, $5)",
        args![&r.code, &r.name, r.parent_code.clone(), &r.level, is_demo],
    )
    .await?;
    Ok(())
}

pub async fn get(c: &mut impl Conn, code: &str) -> DbResult<Option<RegionRow>> {
    c.fetch_optional("SELECT code, name, parent_code, level FROM regions WHERE code = $1", args![code]).await
}

/// The regions of `codes` that exist, in one statement (a region's path up to the nation is at
/// most four codes).
pub async fn get_many(c: &mut impl Conn, codes: &[String]) -> DbResult<Vec<RegionRow>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
    c.fetch_all(
        &format!("SELECT code, name, parent_code, level FROM regions WHERE code IN ({})", marks.join(", ")),
        codes.iter().map(crate::Arg::from).collect(),
    )
    .await
}

/// Regions in a subtree, in code order, after `after` (keyset pagination).
pub async fn list(c: &mut impl Conn, bounds: &(String, String), after: &str, limit: i64) -> DbResult<Vec<RegionRow>> {
    c.fetch_all(
        "SELECT code, name, parent_code, level FROM regions WHERE code BETWEEN $1 AND $2 AND code > $3 ORDER BY code LIMIT $4",
        args![&bounds.0, &bounds.1, after, limit],
    )
    .await
}
