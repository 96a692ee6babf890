//! The tamper-evident audit chain. Each record's hash is SM3 (GB/T 32905, 国密)
//! over the previous record's hash and the record's own fields, so altering or
//! removing any record breaks every link after it.

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

/// `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields that are hashed, in a fixed order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFields {
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
}

/// Hex SM3 digest of `prev_hash` followed by the length-prefixed fields (the
/// prefixes make the encoding unambiguous whatever the fields contain).
pub fn chain_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sm3::new();
    let user = f.user_id.map(|u| u.to_string()).unwrap_or_default();
    let parts: [&str; 12] = [
        prev_hash,
        &f.seq.to_string(),
        &f.at_ms.to_string(),
        &user,
        &f.username,
        &f.role,
        &f.region,
        &f.action,
        &f.object,
        &f.result,
        &f.request_id,
        &f.detail,
    ];
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex(&h.finalize())
}

/// Hex SM3 of arbitrary bytes (used for hashing secrets such as API tokens).
pub fn sm3_hex(data: &[u8]) -> String {
    hex(&Sm3::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A stored record as read back for verification.
#[derive(Clone, Debug)]
pub struct StoredRecord {
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("审计记录 #{seq} 已被篡改：内容与哈希不符")]
    Altered { seq: i64 },
    #[error("审计记录 #{seq} 之前的记录缺失或被替换：链接断开")]
    Unlinked { seq: i64 },
    #[error("审计记录序号不连续：#{expected} 缺失（下一条为 #{found}）")]
    Missing { expected: i64, found: i64 },
    #[error("审计链末尾缺失：最后一条应为 #{expected}，实际为 #{found}")]
    Truncated { expected: i64, found: i64 },
    #[error("审计记录 #{seq} 与外部保存的锚点不符：锚点之前的记录已被改写")]
    AnchorMismatch { seq: i64 },
    #[error("审计链只有 {found} 条记录，少于外部保存的锚点（#{seq}）：锚点之前的记录已被删除")]
    AnchorMissing { seq: i64, found: i64 },
}

/// The head of the chain as the audit administrator exported it and keeps outside the
/// system. A chain rewritten in full (every hash recomputed) still verifies on its own;
/// against an anchor kept elsewhere it does not, because the record at the anchor's
/// sequence number no longer carries the anchor's hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[schemars(rename = "AuditAnchor")]
pub struct Anchor {
    /// Always [`Anchor::FORMAT`]: lets a reader refuse a file that is not an anchor.
    #[schemars(extend("const" = Anchor::FORMAT))]
    pub format: String,
    /// Sequence number of the last record covered (also the count of records: seq starts at 1).
    pub seq: i64,
    /// Hash of that record.
    pub hash: String,
    /// When the anchor was taken (ms since the Unix epoch).
    pub at_ms: i64,
}

impl Anchor {
    pub const FORMAT: &'static str = "dengta-audit-anchor/1";

    pub fn new(seq: i64, hash: &str, at_ms: i64) -> Anchor {
        Anchor { format: Anchor::FORMAT.to_owned(), seq, hash: hash.to_owned(), at_ms }
    }

    /// Checks a stored record against the anchor; records other than the anchored one pass.
    pub fn check(&self, r: &StoredRecord) -> Result<(), ChainBreak> {
        if r.fields.seq == self.seq && r.hash != self.hash {
            return Err(ChainBreak::AnchorMismatch { seq: self.seq });
        }
        Ok(())
    }

    /// After a walk that ended at `last`: the anchored record must have been reached.
    pub fn covered_by(&self, last: i64) -> Result<(), ChainBreak> {
        if last < self.seq {
            return Err(ChainBreak::AnchorMissing { seq: self.seq, found: last });
        }
        Ok(())
    }
}

/// Walks records in sequence order and names the first one that does not fit.
/// `state` carries the expected (next seq, previous hash) across batches.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { next_seq: 1, prev_hash: GENESIS.to_owned() }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, r: &StoredRecord) -> Result<(), ChainBreak> {
        let seq = r.fields.seq;
        if seq != self.next_seq {
            return Err(ChainBreak::Missing { expected: self.next_seq, found: seq });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq });
        }
        if chain_hash(&r.prev_hash, &r.fields) != r.hash {
            return Err(ChainBreak::Altered { seq });
        }
        self.next_seq += 1;
        self.prev_hash.clone_from(&r.hash);
        Ok(())
    }

    /// Compares the end of the walk with the head the store recorded.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.next_seq - 1;
        if last != head_seq || (last > 0 && head_hash != self.prev_hash) {
            return Err(ChainBreak::Truncated { expected: head_seq, found: last });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64, prev: &str, action: &str) -> StoredRecord {
        let fields = AuditFields {
            seq,
            at_ms: 1_700_000_000_000 + seq,
            user_id: Some(1),
            username: "admin".into(),
            role: "sysadmin".into(),
            region: "320100".into(),
            action: action.into(),
            object: "user:2".into(),
            result: "ok".into(),
            request_id: "r".into(),
            detail: String::new(),
        };
        let hash = chain_hash(prev, &fields);
        StoredRecord { fields, prev_hash: prev.into(), hash }
    }

    fn chain(n: i64) -> Vec<StoredRecord> {
        let mut out: Vec<StoredRecord> = Vec::new();
        for s in 1..=n {
            let prev = out.last().map(|r| r.hash.clone()).unwrap_or_else(|| GENESIS.into());
            out.push(rec(s, &prev, "user.create"));
        }
        out
    }

    fn verify(records: &[StoredRecord]) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::default();
        records.iter().try_for_each(|r| v.check(r))
    }

    #[test]
    fn sm3_matches_the_standard_vector() {
        // GB/T 32905-2016 Appendix A, example 1: SM3("abc").
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(()));
    }

    #[test]
    fn altering_any_field_is_named() {
        let mut c = chain(5);
        c[2].fields.result = "denied".into();
        assert_eq!(verify(&c), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn removal_is_named() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c), Err(ChainBreak::Missing { expected: 2, found: 3 }));
    }

    #[test]
    fn rehashing_one_record_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].fields.action = "forged".into();
        c[1].hash = chain_hash(&c[1].prev_hash, &c[1].fields);
        assert_eq!(verify(&c), Err(ChainBreak::Unlinked { seq: 3 }));
    }

    #[test]
    fn a_chain_rewritten_in_full_is_caught_by_an_anchor() {
        let original = chain(5);
        let anchor = Anchor::new(3, &original[2].hash, 0);
        // Rewrite record 2 and recompute every hash after it: the chain verifies on its own.
        let mut forged = Vec::new();
        let mut prev = GENESIS.to_owned();
        for (i, r) in original.iter().enumerate() {
            let mut f = r.fields.clone();
            if i == 1 {
                f.detail = "rewritten".into();
            }
            let hash = chain_hash(&prev, &f);
            forged.push(StoredRecord { fields: f, prev_hash: prev.clone(), hash: hash.clone() });
            prev = hash;
        }
        assert!(verify(&forged).is_ok());
        let against = |rs: &[StoredRecord]| rs.iter().try_for_each(|r| anchor.check(r));
        assert_eq!(against(&forged), Err(ChainBreak::AnchorMismatch { seq: 3 }));
        assert!(against(&original).is_ok());
        assert_eq!(anchor.covered_by(2), Err(ChainBreak::AnchorMissing { seq: 3, found: 2 }));
        assert!(anchor.covered_by(5).is_ok());
    }

    #[test]
    fn truncation_is_caught_against_the_head() {
        let c = chain(4);
        let mut v = ChainVerifier::default();
        c[..3].iter().for_each(|r| v.check(r).unwrap());
        assert!(v.finish(4, &c[3].hash).is_err());
        v.check(&c[3]).unwrap();
        assert_eq!(v.finish(4, &c[3].hash), Ok(4));
    }
}

/// Hex SM3 of everything a reader yields, read in chunks (files of any size).
pub fn sm3_hex_reader(mut r: impl std::io::Read) -> std::io::Result<String> {
    let mut h = Sm3::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod reader_tests {
    #[test]
    fn streaming_hash_matches_the_one_shot_hash() {
        let data = vec![7u8; 200_000];
        assert_eq!(super::sm3_hex_reader(&data[..]).unwrap(), super::sm3_hex(&data));
    }
}
