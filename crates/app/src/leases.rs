//! Background work that must run on one server at a time when several serve one database
//! (the personal-data retention sweep, expired sessions): each server names itself once, takes a
//! named lease before a round of the work and renews it each round; the others skip the round.
//! A server that dies stops renewing, and another takes the lease once it has run out.
//!
//! Webhook deliveries and mail/SMS messages need no lease: each one is claimed row by row.

use super::{App, AppResult};
use crate::db::{self, leases};

/// Takes or renews lease `name` for this server for `ttl_ms`; true when this server should do
/// the round of work now.
pub async fn hold(app: &App, name: &str, ttl_ms: i64) -> AppResult<bool> {
    let now = db::now_ms();
    Ok(leases::take(&mut app.db.clone(), name, &app.instance, now, now + ttl_ms).await?)
}

/// Gives this server's leases up (at shutdown), so another server takes the work at once.
pub async fn release_all(app: &App, names: &[&str]) {
    for name in names {
        if let Err(e) = leases::release(&mut app.db.clone(), name, &app.instance).await {
            tracing::warn!(error = %e, lease = name, "giving a lease up failed");
        }
    }
}

/// A name for this server process, unique among the servers of a database: the host, the
/// process and a random part (two containers may both be process 1 on hosts named alike).
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    let random = super::random_hex(4).unwrap_or_default();
    format!("{}:{}:{random}", if host.is_empty() { "host" } else { &host }, std::process::id())
}
