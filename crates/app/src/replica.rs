//! Reads from a PostgreSQL streaming replica, with read-your-writes.
//!
//! Read-only pages and lists (dashboards, the public portal, open data, directories) take their
//! connection from [`App::read`]. Within a read request (see [`reading`]) that is the replica
//! when it has replayed everything the caller needs: for a caller who has just written, the
//! primary's write position at that write (carried back by the caller, see `web::replica`);
//! for anyone else, a position the primary had no longer than `database_replica_max_lag_ms`
//! ago. Otherwise — and for every write, and whenever the replica is unreachable — the primary.
//!
//! A follower task samples both positions a few times a second, so choosing costs no query.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use super::{App, AppResult};
use crate::db::{Db, DbError, Read};

/// How often the follower samples the primary's and the replica's positions.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

tokio::task_local! {
    /// The write position the current read request must see (0: none of its own).
    static NEEDS: u64;
}

/// Runs a read request: [`App::read`] within it may use the replica, once it has replayed
/// `after` (a position from [`parse_lsn`]; 0 when the caller wrote nothing lately).
pub async fn reading<F: std::future::Future>(after: u64, f: F) -> F::Output {
    NEEDS.scope(after, f).await
}

/// The replica's pool and what the follower last saw.
pub struct Replica {
    pub db: Db,
    max_lag_ms: i64,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// The replica's replay position at the last sample (0: unknown or unreachable).
    replayed: u64,
    /// When it was sampled.
    at_ms: i64,
    /// The primary's recent positions, oldest first: (when, position).
    primary: VecDeque<(i64, u64)>,
}

impl Replica {
    pub fn new(db: Db, max_lag_ms: u64) -> Replica {
        Replica { db, max_lag_ms: i64::try_from(max_lag_ms).unwrap_or(i64::MAX), seen: Mutex::default() }
    }

    /// Whether a read that must see position `after` may use the replica at `now`.
    fn serves(&self, after: u64, now: i64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A stale sample says nothing about the replica now (the follower is stuck or it is down).
        if seen.replayed == 0 || now - seen.at_ms > 10 * SAMPLE_EVERY.as_millis() as i64 {
            return false;
        }
        if after > 0 {
            return seen.replayed >= after;
        }
        // Caught up with what the primary had `max_lag_ms` ago?
        let horizon = now - self.max_lag_ms;
        match seen.primary.iter().rev().find(|(t, _)| *t <= horizon) {
            Some((_, position)) => seen.replayed >= *position,
            // Younger samples only (just started): caught up with the oldest of them.
            None => seen.primary.front().is_some_and(|(_, position)| seen.replayed >= *position),
        }
    }

    fn record(&self, now: i64, primary: u64, replayed: u64) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.replayed = replayed;
        seen.at_ms = now;
        seen.primary.push_back((now, primary));
        let keep = now - self.max_lag_ms - 2 * SAMPLE_EVERY.as_millis() as i64;
        while seen.primary.len() > 2 && seen.primary.get(1).is_some_and(|(t, _)| *t < keep) {
            seen.primary.pop_front();
        }
    }

    fn lost(&self) {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).replayed = 0;
    }
}

impl App {
    /// A connection for a read-only page or list: the replica where it may serve the current
    /// read request (see the module's comment), the primary otherwise.
    pub async fn read(&self) -> AppResult<Read> {
        if let Some(r) = &self.replica
            && let Ok(after) = NEEDS.try_with(|n| *n)
            && r.serves(after, crate::db::now_ms())
            && let Ok(c) = r.db.read().await
        {
            return Ok(c);
        }
        Ok(self.db.read().await?)
    }
}

/// The primary's write position now, when a replica is in use (after a write, for the caller to
/// carry to its next reads).
pub async fn write_position(app: &App) -> Option<u64> {
    app.replica.as_ref()?;
    position(&app.db, "pg_current_wal_lsn()").await.ok()
}

async fn position(db: &Db, function: &str) -> Result<u64, DbError> {
    let (text,): (Option<String>,) =
        db.clone().fetch_one(&format!("SELECT CAST({function} AS TEXT)"), crate::db::args![]).await?;
    Ok(text.as_deref().and_then(parse_lsn).unwrap_or(0))
}

/// Samples the primary's and the replica's positions until the server stops.
pub async fn follow(app: App) {
    let Some(r) = app.replica.clone() else { return };
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let primary = position(&app.db, "pg_current_wal_lsn()").await;
        let replayed = position(&r.db, "pg_last_wal_replay_lsn()").await;
        match (primary, replayed) {
            (Ok(p), Ok(rp)) if rp > 0 => r.record(crate::db::now_ms(), p, rp),
            (_, Err(e)) => {
                tracing::warn!(error = %e, "the replica does not answer: reading from the primary");
                r.lost();
            }
            _ => r.lost(),
        }
    }
}

/// PostgreSQL's text form of a WAL position (`16/B374D848`) as a number; `None` if malformed.
pub fn parse_lsn(s: &str) -> Option<u64> {
    let (hi, lo) = s.trim().split_once('/')?;
    if hi.is_empty() || lo.is_empty() || hi.len() > 8 || lo.len() > 8 {
        return None;
    }
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

/// The text form of a position, as [`parse_lsn`] reads it.
pub fn format_lsn(p: u64) -> String {
    format!("{:X}/{:X}", p >> 32, p & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_and_print_as_postgresql_writes_them() {
        assert_eq!(parse_lsn("16/B374D848"), Some(0x16_B374_D848));
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(format_lsn(0x16_B374_D848), "16/B374D848");
        for bad in ["", "16", "/1", "1/", "x/1", "1/2/3", "123456789/0", "-1/0"] {
            assert_eq!(parse_lsn(bad), None, "{bad}");
        }
    }
}
