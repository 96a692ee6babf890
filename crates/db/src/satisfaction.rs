//! Satisfaction evaluations (满意度评价): one row per accepted project, by its enterprise.

use super::{Conn, DbResult};
use crate::args;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SatisfactionRow {
    pub id: i64,
    pub project_id: i64,
    pub enterprise_id: i64,
    pub provider_id: i64,
    pub region_code: String,
    pub rules_id: String,
    pub rules_version: i64,
    pub scores_json: String,
    pub points: i64,
    pub comment: String,
    pub created_by: String,
    pub created_at: i64,
}

const COLS: &str = "id, project_id, enterprise_id, provider_id, region_code, rules_id, rules_version, scores_json, \
     points, comment, created_by, created_at";

pub struct NewSatisfaction<'a> {
    pub project_id: i64,
    pub enterprise_id: i64,
    pub provider_id: i64,
    pub region_code: &'a str,
    pub rules_id: &'a str,
    pub rules_version: i64,
    pub scores_json: &'a str,
    pub points: i64,
    pub comment: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
}

/// Inserts the project's evaluation unless it has one: `None` when another came first (a retry,
/// or a parallel submission that committed before this one).
pub async fn insert(c: &mut impl Conn, n: &NewSatisfaction<'_>) -> DbResult<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "INSERT INTO satisfaction_evaluations (project_id, enterprise_id, provider_id, region_code, rules_id, \
             rules_version, scores_json, points, comment, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (project_id) DO NOTHING RETURNING id",
            args![
                n.project_id,
                n.enterprise_id,
                n.provider_id,
                n.region_code,
                n.rules_id,
                n.rules_version,
                n.scores_json,
                n.points,
                n.comment,
                n.created_by,
                n.created_at
            ],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn of_project(c: &mut impl Conn, project_id: i64) -> DbResult<Option<SatisfactionRow>> {
    c.fetch_optional(&format!("SELECT {COLS} FROM satisfaction_evaluations WHERE project_id = $1"), args![project_id])
        .await
}

/// Every evaluation of a provider's service (by the provider index; a provider has as many as it
/// has accepted projects).
pub async fn of_provider(c: &mut impl Conn, provider_id: i64) -> DbResult<Vec<SatisfactionRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM satisfaction_evaluations WHERE provider_id = $1 ORDER BY id"),
        args![provider_id],
    )
    .await
}
