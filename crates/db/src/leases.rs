//! Named leases on background work: one holder at a time, until a time it renews.

use super::{Conn, DbResult};
use crate::args;

/// Takes or renews lease `name` for `holder` until `until`, if it is free, expired at `now` or
/// already `holder`'s. One statement, so two servers asking at once cannot both get it. True
/// when `holder` holds it afterwards.
pub async fn take(c: &mut impl Conn, name: &str, holder: &str, now: i64, until: i64) -> DbResult<bool> {
    let n = c
        .execute(
            "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms \
             WHERE leases.holder = excluded.holder OR leases.until_ms <= $4",
            args![name, holder, until, now],
        )
        .await?;
    Ok(n == 1)
}

/// Gives lease `name` up if `holder` has it (a server shutting down), so another takes it at once.
pub async fn release(c: &mut impl Conn, name: &str, holder: &str) -> DbResult<()> {
    c.execute("UPDATE leases SET until_ms = 0 WHERE name = $1 AND holder = $2", args![name, holder]).await?;
    Ok(())
}

/// Who holds lease `name` at `now`, if anyone.
pub async fn holder(c: &mut impl Conn, name: &str, now: i64) -> DbResult<Option<String>> {
    let row: Option<(String,)> =
        c.fetch_optional("SELECT holder FROM leases WHERE name = $1 AND until_ms > $2", args![name, now]).await?;
    Ok(row.map(|r| r.0))
}
