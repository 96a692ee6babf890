//! Writing and verifying the audit trail.

use dengta_domain::audit::{Anchor, AuditFields, ChainBreak, ChainVerifier};
use dengta_domain::policy::{self, Action};
use dengta_domain::role::Principal;

use super::App;
use super::{Actor, AppError, AppResult, check};
pub use crate::db::audit::{AuditRow, Search};
use crate::db::{self, Db, Tx, now_ms};

/// The outcome recorded with an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// Free text is bounded so that a hostile input (a login name, a filter) cannot
/// grow the trail without limit.
const MAX_NAME_CHARS: usize = 80;
const MAX_OBJECT_CHARS: usize = 200;
const MAX_DETAIL_CHARS: usize = 2000;

/// Cuts `s` to at most `max` characters, marking the cut with "…".
pub fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Appends a record inside the caller's transaction (the change and its record
/// commit or roll back together). It takes a transaction, never the pool: the
/// append reads the chain's head and writes the next link, which is only safe
/// when both happen under the transaction's lock.
pub async fn record(
    c: &mut Tx,
    actor: &Actor,
    action: &str,
    object: &str,
    outcome: Outcome,
    detail: &str,
) -> AppResult<i64> {
    let (user_id, role, region) = match &actor.principal {
        Some(p) => (Some(p.user_id), p.role.code().to_owned(), p.region.to_string()),
        None => (None, String::new(), String::new()),
    };
    let fields = AuditFields {
        seq: 0,
        at_ms: now_ms(),
        user_id,
        username: bounded(&actor.name, MAX_NAME_CHARS),
        role,
        region,
        action: action.to_owned(),
        object: bounded(object, MAX_OBJECT_CHARS),
        result: outcome.as_str().to_owned(),
        request_id: bounded(&actor.request_id, MAX_NAME_CHARS),
        detail: bounded(detail, MAX_DETAIL_CHARS),
    };
    Ok(db::audit::append(c, fields).await?)
}

/// Records in a transaction of its own (a read of personal data, a denial).
pub async fn record_alone(
    db: &Db,
    actor: &Actor,
    action: &str,
    object: &str,
    outcome: Outcome,
    detail: &str,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, actor, action, object, outcome, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Walks the whole chain; `Ok(n)` is the number of intact records.
/// The audit trail for its readers, newest first.
pub async fn search(app: &App, p: &Principal, q: &Search<'_>) -> AppResult<Vec<AuditRow>> {
    check(policy::audit_trail(p, Action::List))?;
    Ok(db::audit::search(&mut app.db.clone(), q).await?)
}

/// A reader's search, itself on the record (三员 oversee each other).
pub async fn note_search(app: &App, actor: &Actor, q: &Search<'_>) -> AppResult<()> {
    let detail = format!("user={} action={}", q.username.unwrap_or(""), q.action.unwrap_or(""));
    record_alone(&app.db, actor, "audit.search", "audit_log", Outcome::Ok, &detail).await
}

/// The chain checked end to end, for the audit administrator.
pub async fn verify_for(app: &App, p: &Principal) -> AppResult<Result<i64, ChainBreak>> {
    check(policy::audit_trail(p, Action::Read))?;
    verify(&app.db).await
}

pub async fn verify(db: &Db) -> AppResult<Result<i64, ChainBreak>> {
    verify_against(db, None).await
}

/// Walks the whole chain and, given an anchor kept outside, proves that nothing up to the
/// anchor was rewritten: the anchored record still carries the anchor's hash and the links
/// after it are intact. `Ok(n)` is the number of intact records.
pub async fn verify_against(db: &Db, anchor: Option<&Anchor>) -> AppResult<Result<i64, ChainBreak>> {
    let mut conn = db.clone();
    // Read the head first: records appended during the walk lie beyond it.
    let (head_seq, head_hash) = db::audit::head(&mut conn).await?;
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let rows = db::audit::batch(&mut conn, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows.iter().filter(|r| r.seq <= head_seq) {
            let stored = r.to_stored();
            if let Err(e) = v.check(&stored) {
                return Ok(Err(e));
            }
            if let Some(Err(e)) = anchor.map(|a| a.check(&stored)) {
                return Ok(Err(e));
            }
        }
        if after >= head_seq {
            break;
        }
    }
    let n = match v.finish(head_seq, &head_hash) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(Err(e)) = anchor.map(|a| a.covered_by(n)) {
        return Ok(Err(e));
    }
    Ok(Ok(n))
}

/// Takes an anchor of the chain's current head for the audit administrator to keep outside
/// the system. Taking it is itself recorded, after the anchored head, in the same transaction.
pub async fn anchor(app: &App, actor: &Actor) -> AppResult<Anchor> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    check(policy::audit_trail(p, Action::Read))?;
    let mut tx = app.db.begin().await?;
    let (seq, hash) = db::audit::head(&mut tx).await?;
    let anchor = Anchor::new(seq, &hash, now_ms());
    record(&mut tx, actor, "audit.anchor", &format!("audit:{seq}"), Outcome::Ok, &format!("hash={hash}")).await?;
    tx.commit().await?;
    Ok(anchor)
}

/// Reads an anchor file as exported by [`anchor`].
pub fn parse_anchor(text: &str) -> Result<Anchor, String> {
    let a: Anchor = serde_json::from_str(text).map_err(|e| format!("锚点文件无法读取 / not an anchor file: {e}"))?;
    if a.format != Anchor::FORMAT || a.seq < 0 || a.hash.len() != 64 || !a.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("锚点文件格式不符 / not a Dengta audit anchor".into());
    }
    Ok(a)
}
