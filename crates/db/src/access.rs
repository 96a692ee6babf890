//! The access epoch: a process-wide counter that moves whenever a statement changes who may do
//! what — an account changed or disabled, a session ended or kept alive, an API token revoked. Whoever keeps
//! callers' identities in memory (the app's caller cache) keeps the epoch they were read at
//! and reads them again once it has moved, so an explicit change takes effect on the next
//! request without each writer having to remember to invalidate anything.
//!
//! It is raised by the query methods themselves ([`changes_access`] looks at each statement),
//! once when the statement runs and, inside a transaction, again after the commit.

use std::sync::atomic::{AtomicU64, Ordering};

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The current epoch.
pub fn epoch() -> u64 {
    EPOCH.load(Ordering::SeqCst)
}

pub(crate) fn bump() {
    EPOCH.fetch_add(1, Ordering::SeqCst);
}

/// Whether a statement may change a caller's identity or rights: any UPDATE or DELETE of
/// `users`, `sessions` or `api_tokens` (a new row changes nobody's rights). A session's
/// last-seen time counts too: it decides idle expiry, and it is written at most once a minute
/// per session.
pub fn changes_access(sql: &str) -> bool {
    let mut words = sql.split_ascii_whitespace();
    let table = match words.next() {
        Some(v) if v.eq_ignore_ascii_case("UPDATE") => words.next(),
        Some(v) if v.eq_ignore_ascii_case("DELETE") => words.nth(1),
        _ => return false,
    };
    table
        .map(|t| t.trim_matches('"').to_ascii_lowercase())
        .is_some_and(|t| ["users", "sessions", "api_tokens"].contains(&t.as_str()))
}

#[cfg(test)]
mod tests {
    use super::changes_access;

    #[test]
    fn statements_that_change_access_are_recognised() {
        assert!(changes_access("UPDATE users SET disabled = $2 WHERE id = $1"));
        assert!(changes_access("update  api_tokens set revoked_at = $2"));
        assert!(changes_access("DELETE FROM sessions WHERE user_id = $1"));
        assert!(changes_access("DELETE FROM users WHERE id = 1"));
        assert!(changes_access("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1"));
        assert!(!changes_access("INSERT INTO sessions (id_hash) VALUES ($1)"));
        assert!(!changes_access("UPDATE users_archive SET x = 1"));
        assert!(!changes_access("SELECT * FROM users"));
        assert!(!changes_access("UPDATE enterprises SET name = $1"));
    }
}
