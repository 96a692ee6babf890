//! The audit trail's storage: appends inside the caller's transaction, and the
//! reads that search and verify it.

use dengta_domain::audit::{AuditFields, StoredRecord, chain_hash};

use super::{Conn, DbResult, Tx};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at_ms: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub role: String,
    pub region: String,
    pub action: String,
    pub object: String,
    pub result: String,
    pub request_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLS: &str =
    "seq, at_ms, user_id, username, role, region, action, object, result, request_id, detail, prev_hash, hash";

impl AuditRow {
    pub fn to_stored(&self) -> StoredRecord {
        StoredRecord {
            fields: AuditFields {
                seq: self.seq,
                at_ms: self.at_ms,
                user_id: self.user_id,
                username: self.username.clone(),
                role: self.role.clone(),
                region: self.region.clone(),
                action: self.action.clone(),
                object: self.object.clone(),
                result: self.result.clone(),
                request_id: self.request_id.clone(),
                detail: self.detail.clone(),
            },
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// Appends one record. Must run inside the transaction of the change it
/// describes: bumping the head row locks it, which orders concurrent appends.
pub async fn append(c: &mut Tx, mut f: AuditFields) -> DbResult<i64> {
    let (seq, prev): (i64, String) =
        c.fetch_one("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash", args![]).await?;
    f.seq = seq;
    let hash = chain_hash(&prev, &f);
    c.execute(
        &format!("INSERT INTO audit_log ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"),
        args![
            seq,
            f.at_ms,
            f.user_id,
            f.username,
            f.role,
            f.region,
            f.action,
            f.object,
            f.result,
            f.request_id,
            f.detail,
            prev,
            &hash
        ],
    )
    .await?;
    c.execute("UPDATE audit_head SET hash = $1 WHERE id = 1", args![hash]).await?;
    Ok(seq)
}

pub async fn head(c: &mut impl Conn) -> DbResult<(i64, String)> {
    c.fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", args![]).await
}

/// Records in sequence order after `after_seq`, for verification in batches.
pub async fn batch(c: &mut impl Conn, after_seq: i64, limit: i64) -> DbResult<Vec<AuditRow>> {
    c.fetch_all(&format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"), args![after_seq, limit])
        .await
}

pub struct Search<'a> {
    pub username: Option<&'a str>,
    pub action: Option<&'a str>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Newest first: records with seq below this.
    pub before_seq: i64,
    pub limit: i64,
}

pub async fn search(c: &mut impl Conn, s: &Search<'_>) -> DbResult<Vec<AuditRow>> {
    let mut sql = format!("SELECT {COLS} FROM audit_log WHERE seq < $1");
    let mut a = args![s.before_seq];
    if let Some(u) = s.username.filter(|u| !u.is_empty()) {
        a.push(u.into());
        sql.push_str(&format!(" AND username = ${}", a.len()));
    }
    if let Some(act) = s.action.filter(|x| !x.is_empty()) {
        a.push(format!("{}%", super::enterprises::escape_like(act)).into());
        sql.push_str(&format!(" AND action LIKE ${} ESCAPE '\\'", a.len()));
    }
    if let Some(f) = s.from_ms {
        a.push(f.into());
        sql.push_str(&format!(" AND at_ms >= ${}", a.len()));
    }
    if let Some(t) = s.to_ms {
        a.push(t.into());
        sql.push_str(&format!(" AND at_ms < ${}", a.len()));
    }
    a.push(s.limit.into());
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", a.len()));
    c.fetch_all(&sql, a).await
}
