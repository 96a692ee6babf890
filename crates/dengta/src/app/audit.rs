//! Writing and verifying the audit trail.

use dengta_domain::audit::{AuditFields, ChainBreak, ChainVerifier};

use super::{Actor, AppResult};
use crate::db::{self, Conn, Db, now_ms};

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

/// Appends a record inside the caller's transaction (the change and its record
/// commit or roll back together).
pub async fn record(
    c: &mut impl Conn,
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
        username: actor.name.clone(),
        role,
        region,
        action: action.to_owned(),
        object: object.to_owned(),
        result: outcome.as_str().to_owned(),
        request_id: actor.request_id.clone(),
        detail: detail.to_owned(),
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
pub async fn verify(db: &Db) -> AppResult<Result<i64, ChainBreak>> {
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
            if let Err(e) = v.check(&r.to_stored()) {
                return Ok(Err(e));
            }
        }
        if after >= head_seq {
            break;
        }
    }
    Ok(v.finish(head_seq, &head_hash))
}
