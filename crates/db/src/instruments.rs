//! Published instrument versions (data files uploaded by an administrator).

use super::{Conn, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct InstrumentRow {
    pub instrument_id: String,
    pub version: i64,
    pub file_name: String,
    pub body: String,
    pub fingerprint: String,
    pub published_by: String,
    pub published_at: i64,
}

pub async fn insert(c: &mut impl Conn, r: &InstrumentRow) -> DbResult<()> {
    c.execute(
        "INSERT INTO instrument_versions (instrument_id, version, file_name, body, fingerprint, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![&r.instrument_id, r.version, &r.file_name, &r.body, &r.fingerprint, &r.published_by, now_ms()],
    )
    .await?;
    Ok(())
}

/// How many versions were published (it only grows).
pub async fn count(c: &mut impl Conn) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM instrument_versions", args![]).await
}

pub async fn all(c: &mut impl Conn) -> DbResult<Vec<InstrumentRow>> {
    c.fetch_all(
        "SELECT instrument_id, version, file_name, body, fingerprint, published_by, published_at \
         FROM instrument_versions ORDER BY instrument_id, version",
        args![],
    )
    .await
}
