//! Consent to data products, and the facts the products are built from.

use super::{Conn, DbResult, now_ms};
use crate::args;

/// Records a giving (`true`) or withdrawal of consent.
pub async fn record_consent(c: &mut impl Conn, enterprise_id: i64, scope: &str, given: bool, by: &str) -> DbResult<()> {
    c.execute(
        "INSERT INTO data_consents (enterprise_id, scope, given, by_user, at) VALUES ($1, $2, $3, $4, $5)",
        args![enterprise_id, scope, given, by, now_ms()],
    )
    .await?;
    Ok(())
}

/// The enterprise's consent now: (given, by, at) of the latest row, if any.
pub async fn consent(c: &mut impl Conn, enterprise_id: i64, scope: &str) -> DbResult<Option<(bool, String, i64)>> {
    c.fetch_optional(
        "SELECT given, by_user, at FROM data_consents WHERE enterprise_id = $1 AND scope = $2 ORDER BY id DESC LIMIT 1",
        args![enterprise_id, scope],
    )
    .await
}

/// A submitted assessment (any kind) of a consenting enterprise in a region range (inclusive bounds):
/// (enterprise, region code, industry code, submitted at, level, total in thousandths).
pub type LevelRow = (i64, String, String, i64, i64, i64);

/// The submitted assessments of enterprises in `lo..=hi` whose latest consent for `scope`
/// is given.
pub async fn consenting_levels(c: &mut impl Conn, scope: &str, lo: &str, hi: &str) -> DbResult<Vec<LevelRow>> {
    c.fetch_all(
        "SELECT a.enterprise_id, e.region_code, e.industry_code, a.submitted_at, a.level, a.total_thousandths \
         FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id \
         WHERE a.status = 'submitted' AND a.level IS NOT NULL \
           AND a.submitted_at IS NOT NULL AND a.total_thousandths IS NOT NULL \
           AND e.region_code BETWEEN $2 AND $3 \
           AND (SELECT d.given FROM data_consents d WHERE d.enterprise_id = a.enterprise_id AND d.scope = $1 \
                ORDER BY d.id DESC LIMIT 1) = TRUE",
        args![scope, lo, hi],
    )
    .await
}
