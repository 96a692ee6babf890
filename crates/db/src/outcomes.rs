//! Outcome lines of projects on the seven axes, their evidence links, and the rows the summaries
//! read (by region subtree).

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct OutcomeRow {
    pub id: i64,
    pub project_id: i64,
    pub enterprise_id: i64,
    pub region_code: String,
    pub programme_id: String,
    pub sub_industry: String,
    pub axis: String,
    pub indicator: String,
    pub unit: String,
    pub better: String,
    pub baseline_e4: i64,
    pub baseline_date: String,
    pub result_e4: Option<i64>,
    pub result_date: Option<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const COLS: &str = "id, project_id, enterprise_id, region_code, programme_id, sub_industry, axis, indicator, unit, \
     better, baseline_e4, baseline_date, result_e4, result_date, note, created_by, created_at, updated_at, version";

pub struct NewOutcome<'a> {
    pub project_id: i64,
    pub enterprise_id: i64,
    pub region_code: &'a str,
    pub programme_id: &'a str,
    pub sub_industry: &'a str,
    pub axis: &'a str,
    pub indicator: &'a str,
    pub unit: &'a str,
    pub better: &'a str,
    pub baseline_e4: i64,
    pub baseline_date: &'a str,
    pub result: Option<(i64, &'a str)>,
    pub note: &'a str,
    pub created_by: &'a str,
}

pub async fn insert(c: &mut impl Conn, n: &NewOutcome<'_>) -> DbResult<i64> {
    let now = now_ms();
    c.scalar(
        "INSERT INTO outcome_lines (project_id, enterprise_id, region_code, programme_id, sub_industry, axis, indicator, \
         unit, better, baseline_e4, baseline_date, result_e4, result_date, note, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
        args![
            n.project_id,
            n.enterprise_id,
            n.region_code,
            n.programme_id,
            n.sub_industry,
            n.axis,
            n.indicator,
            n.unit,
            n.better,
            n.baseline_e4,
            n.baseline_date,
            n.result.map(|r| r.0),
            n.result.map(|r| r.1),
            n.note,
            n.created_by,
            now
        ],
    )
    .await
}

pub async fn get(c: &mut impl Conn, id: i64) -> DbResult<Option<OutcomeRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM outcome_lines WHERE id = $1"), args![id]).await
}

pub async fn of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<OutcomeRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM outcome_lines WHERE project_id = $1 ORDER BY id LIMIT 500"),
        args![project_id],
    )
    .await
}

/// Compare-and-set: the result of a line (and its note when one is given).
pub async fn set_result(
    c: &mut impl Conn,
    id: i64,
    version: i64,
    result_e4: i64,
    date: &str,
    note: Option<&str>,
) -> DbResult<bool> {
    let n = c
        .execute(
            "UPDATE outcome_lines SET result_e4 = $3, result_date = $4, note = COALESCE($5, note), updated_at = $6, \
             version = version + 1 WHERE id = $1 AND version = $2",
            args![id, version, result_e4, date, note, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

pub async fn link_evidence(c: &mut impl Conn, outcome_id: i64, evidence_id: i64) -> DbResult<()> {
    c.execute(
        "INSERT INTO outcome_evidence (outcome_id, evidence_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        args![outcome_id, evidence_id],
    )
    .await?;
    Ok(())
}

/// (outcome id, evidence id, file name, sha256) of a project's lines.
pub async fn evidence_of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Vec<(i64, i64, String, String)>> {
    c.fetch_all(
        "SELECT o.outcome_id, v.id, v.file_name, v.sha256 FROM outcome_evidence o \
         JOIN evidence v ON v.id = o.evidence_id JOIN outcome_lines l ON l.id = o.outcome_id \
         WHERE l.project_id = $1 ORDER BY o.outcome_id, v.id",
        args![project_id],
    )
    .await
}

/// A line with its result, as the summaries read it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SummaryRow {
    pub project_id: i64,
    pub sub_industry: String,
    pub axis: String,
    pub indicator: String,
    pub unit: String,
    pub better: String,
    pub baseline_e4: i64,
    pub result_e4: i64,
}

/// Every line with a result in a region subtree (optionally one programme), bounded.
pub async fn with_results(
    c: &mut impl Conn,
    bounds: &(String, String),
    programme: Option<&str>,
    limit: i64,
) -> DbResult<Vec<SummaryRow>> {
    let cols = "project_id, sub_industry, axis, indicator, unit, better, baseline_e4, result_e4";
    match programme {
        Some(p) => {
            c.fetch_all(
                &format!(
                    "SELECT {cols} FROM outcome_lines WHERE region_code BETWEEN $1 AND $2 AND programme_id = $3 \
                     AND result_e4 IS NOT NULL ORDER BY id LIMIT $4"
                ),
                args![&bounds.0, &bounds.1, p, limit],
            )
            .await
        }
        None => {
            c.fetch_all(
                &format!(
                    "SELECT {cols} FROM outcome_lines WHERE region_code BETWEEN $1 AND $2 AND result_e4 IS NOT NULL \
                     ORDER BY id LIMIT $3"
                ),
                args![&bounds.0, &bounds.1, limit],
            )
            .await
        }
    }
}
