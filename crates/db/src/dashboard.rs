//! Dashboard storage: the facts each enterprise and project last contributed, the counters in
//! `rollups` (metric × region node, kept in the write transaction), and targets per region.

use std::collections::HashMap;

use super::{Arg, Conn, DbResult};
use crate::args;

/// Enterprise-derived metrics start with this, project-derived with [`PROJECT`]; other roll-ups in
/// the table (demand signals, cloud counts of the enterprise file) are not the dashboard's.
pub const ENTERPRISE: &str = "e.";
pub const PROJECT: &str = "p.";

pub async fn facts(c: &mut impl Conn, table: Facts, id: i64) -> DbResult<Option<String>> {
    let (t, col) = table.names();
    let row: Option<(String,)> =
        c.fetch_optional(&format!("SELECT facts_json FROM {t} WHERE {col} = $1"), args![id]).await?;
    Ok(row.map(|r| r.0))
}

#[derive(Clone, Copy, Debug)]
pub enum Facts {
    Enterprise,
    Project,
}

impl Facts {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Facts::Enterprise => ("enterprise_facts", "enterprise_id"),
            Facts::Project => ("project_facts", "project_id"),
        }
    }
}

pub async fn put_facts(c: &mut impl Conn, table: Facts, id: i64, json: &str) -> DbResult<()> {
    let (t, col) = table.names();
    c.execute(
        &format!(
            "INSERT INTO {t} ({col}, facts_json) VALUES ($1, $2) ON CONFLICT ({col}) DO UPDATE SET facts_json = excluded.facts_json"
        ),
        args![id, json],
    )
    .await?;
    Ok(())
}

/// Inserts many facts rows at once (bulk import, rebuild).
pub async fn put_facts_many(c: &mut impl Conn, table: Facts, rows: &[(i64, String)]) -> DbResult<()> {
    let (t, col) = table.names();
    for chunk in rows.chunks(400) {
        let mut sql = format!("INSERT INTO {t} ({col}, facts_json) VALUES ");
        let mut a: Vec<Arg> = Vec::with_capacity(chunk.len() * 2);
        for (i, (id, json)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
            a.extend(args![*id, json]);
        }
        sql.push_str(&format!(" ON CONFLICT ({col}) DO UPDATE SET facts_json = excluded.facts_json"));
        c.execute(&sql, a).await?;
    }
    Ok(())
}

/// Adds each (region, metric, delta) to its counter, many rows per statement.
pub async fn bump_all(c: &mut impl Conn, deltas: &[(String, String, i64)]) -> DbResult<()> {
    for chunk in deltas.chunks(300) {
        let mut sql = String::from("INSERT INTO rollups (metric, region_code, value) VALUES ");
        let mut a: Vec<Arg> = Vec::with_capacity(chunk.len() * 3);
        for (i, (region, metric, delta)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            a.extend(args![metric, region, *delta]);
        }
        sql.push_str(" ON CONFLICT (metric, region_code) DO UPDATE SET value = rollups.value + excluded.value");
        c.execute(&sql, a).await?;
    }
    Ok(())
}

/// One counter at one region node (0 when never counted).
pub async fn value(c: &mut impl Conn, metric: &str, region: &str) -> DbResult<i64> {
    let row: Option<(i64,)> = c
        .fetch_optional("SELECT value FROM rollups WHERE metric = $1 AND region_code = $2", args![metric, region])
        .await?;
    Ok(row.map(|r| r.0).unwrap_or(0))
}

/// Every dashboard counter of one region node: one indexed range read.
pub async fn values(c: &mut impl Conn, region: &str) -> DbResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = c
        .fetch_all(
            "SELECT metric, value FROM rollups WHERE region_code = $1 AND (metric LIKE 'e.%' \
             OR metric LIKE 'p.%')",
            args![region],
        )
        .await?;
    Ok(rows.into_iter().collect())
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ChildValue {
    pub code: String,
    pub name: String,
    pub metric: String,
    pub value: i64,
}

/// The given counters of each child region of `region` (drill-down), by the regions' parent index.
pub async fn child_values(c: &mut impl Conn, region: &str, metrics: &[&str]) -> DbResult<Vec<ChildValue>> {
    let mut a: Vec<Arg> = args![region];
    let marks: Vec<String> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            a.push(Arg::from(*m));
            format!("${}", i + 2)
        })
        .collect();
    c.fetch_all(
        &format!(
            "SELECT g.code, g.name, r.metric, r.value FROM regions g JOIN rollups r ON r.region_code = g.code \
             WHERE g.parent_code = $1 AND r.metric IN ({}) ORDER BY g.code",
            marks.join(", ")
        ),
        a,
    )
    .await
}

pub async fn children(c: &mut impl Conn, region: &str) -> DbResult<Vec<(String, String)>> {
    c.fetch_all("SELECT code, name FROM regions WHERE parent_code = $1 ORDER BY code", args![region]).await
}

/// All dashboard counters (for the check): a full read of the roll-up table, not a request path.
pub async fn all_values(c: &mut impl Conn) -> DbResult<Vec<(String, String, i64)>> {
    c.fetch_all(
        "SELECT region_code, metric, value FROM rollups WHERE metric LIKE 'e.%' \
         OR metric LIKE 'p.%' ORDER BY region_code, metric",
        args![],
    )
    .await
}

/// Drops every dashboard counter and facts row (before a rebuild).
pub async fn clear(c: &mut impl Conn) -> DbResult<()> {
    c.execute("DELETE FROM rollups WHERE metric LIKE 'e.%' OR metric LIKE 'p.%'", args![]).await?;
    c.execute("DELETE FROM enterprise_facts", args![]).await?;
    c.execute("DELETE FROM project_facts", args![]).await?;
    Ok(())
}

pub async fn target(c: &mut impl Conn, region: &str, metric: &str) -> DbResult<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional("SELECT value FROM targets WHERE region_code = $1 AND metric = $2", args![region, metric])
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn set_target(c: &mut impl Conn, region: &str, metric: &str, value: i64, by: &str) -> DbResult<()> {
    c.execute(
        "INSERT INTO targets (region_code, metric, value, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (region_code, metric) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, \
         set_at = excluded.set_at",
        args![region, metric, value, by, super::now_ms()],
    )
    .await?;
    Ok(())
}

/// Providers in a region subtree by star rating (the pool is small next to enterprises; the
/// region index bounds the read).
pub async fn provider_stars(c: &mut impl Conn, bounds: &(String, String)) -> DbResult<Vec<(i64, i64)>> {
    c.fetch_all(
        "SELECT stars, COUNT(*) FROM providers WHERE region_code BETWEEN $1 AND $2 AND status IN ('active', 'warned', \
         'rectifying') GROUP BY stars ORDER BY stars",
        args![&bounds.0, &bounds.1],
    )
    .await
}
