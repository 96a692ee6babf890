//! The double-entry ledger's storage: accounts with their balance (read in O(1)), append-only
//! transfers and their legs. `post` applies a transfer the domain has checked; each balance moves
//! by a conditional update, so an account that may not go negative never does, even under
//! concurrent postings, and a refused posting leaves the caller's transaction to roll back.

use dengta_domain::ledger::{Account, AccountKind, Transfer};
use dengta_domain::money::Fen;

use super::{Conn, DbError, DbResult, now_ms};
use crate::args;

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AccountRow {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub balance_fen: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct TransferRow {
    pub id: i64,
    pub idem_key: Option<String>,
    pub request_sha: String,
    pub reason: String,
    pub reverses: Option<i64>,
    pub subsidy_id: Option<i64>,
    pub actor: String,
    pub at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct LegRow {
    pub transfer_id: i64,
    pub kind: String,
    pub key: String,
    pub amount_fen: i64,
}

/// Who and what a posting belongs to.
#[derive(Clone, Debug, Default)]
pub struct Meta<'a> {
    pub idem_key: Option<&'a str>,
    pub request_sha: &'a str,
    pub reverses: Option<i64>,
    pub subsidy_id: Option<i64>,
    pub actor: &'a str,
}

/// Why a posting was refused.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error(transparent)]
    Rule(#[from] dengta_domain::ledger::LedgerError),
    #[error(transparent)]
    Db(#[from] DbError),
}

pub fn kind_code(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Pool => "pool",
        AccountKind::Commitment => "commitment",
        AccountKind::Payable => "payable",
        AccountKind::Disbursed => "disbursed",
        AccountKind::Funding => "funding",
    }
}

/// The account's id, creating it (balance zero) on first use.
pub async fn account_id(c: &mut impl Conn, a: &Account) -> DbResult<i64> {
    let kind = kind_code(a.kind);
    c.execute(
        "INSERT INTO ledger_accounts (kind, key) VALUES ($1, $2) ON CONFLICT (kind, key) DO NOTHING",
        args![kind, &a.key],
    )
    .await?;
    c.scalar("SELECT id FROM ledger_accounts WHERE kind = $1 AND key = $2", args![kind, &a.key]).await
}

/// The balance of an account (zero when it was never used): one indexed row.
pub async fn balance(c: &mut impl Conn, a: &Account) -> DbResult<Fen> {
    let v: Option<(i64,)> = c
        .fetch_optional(
            "SELECT balance_fen FROM ledger_accounts WHERE kind = $1 AND key = $2",
            args![kind_code(a.kind), &a.key],
        )
        .await?;
    Ok(Fen(v.map_or(0, |r| r.0)))
}

/// Serialises writers of one account until the transaction ends (a row lock on PostgreSQL; SQLite
/// already holds the database write lock from `BEGIN IMMEDIATE`). Read the balance after this.
pub async fn lock(c: &mut impl Conn, a: &Account) -> DbResult<Fen> {
    let id = account_id(c, a).await?;
    c.execute("UPDATE ledger_accounts SET version = version WHERE id = $1", args![id]).await?;
    let (b,): (i64,) = c.fetch_one("SELECT balance_fen FROM ledger_accounts WHERE id = $1", args![id]).await?;
    Ok(Fen(b))
}

/// Appends a transfer and moves the balances, in the caller's transaction. Refuses (and the
/// caller must roll back) a malformed transfer or one that would take an account that may not go
/// negative below zero.
pub async fn post(c: &mut impl Conn, t: &Transfer, m: &Meta<'_>) -> Result<i64, PostError> {
    t.check()?;
    let id = c
        .scalar(
            "INSERT INTO ledger_transfers (idem_key, request_sha, reason, reverses, subsidy_id, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![m.idem_key, m.request_sha, &t.reason, m.reverses, m.subsidy_id, m.actor, now_ms()],
        )
        .await?;
    // Accounts are updated in id order so that two concurrent postings never wait on each other
    // in opposite orders.
    let mut legs = Vec::with_capacity(t.legs.len());
    for leg in &t.legs {
        legs.push((account_id(c, &leg.account).await?, leg));
    }
    legs.sort_by_key(|(aid, _)| *aid);
    for (aid, leg) in legs {
        let n = c
            .execute(
                "UPDATE ledger_accounts SET balance_fen = balance_fen + $1, version = version + 1 \
                 WHERE id = $2 AND ($3 OR balance_fen + $1 >= 0)",
                args![leg.amount.0, aid, leg.account.kind.may_go_negative()],
            )
            .await?;
        if n == 0 {
            let have = balance(c, &leg.account).await?;
            return Err(PostError::Rule(dengta_domain::ledger::LedgerError::Insufficient {
                account: leg.account.to_string(),
                balance: have,
                needed: Fen(-leg.amount.0),
            }));
        }
        c.execute(
            "INSERT INTO ledger_legs (transfer_id, account_id, amount_fen) VALUES ($1, $2, $3)",
            args![id, aid, leg.amount.0],
        )
        .await?;
    }
    Ok(id)
}

pub async fn transfer_by_key(c: &mut impl Conn, key: &str) -> DbResult<Option<TransferRow>> {
    c.fetch_optional(
        "SELECT id, idem_key, request_sha, reason, reverses, subsidy_id, actor, at FROM ledger_transfers \
         WHERE idem_key = $1",
        args![key],
    )
    .await
}

pub async fn transfer(c: &mut impl Conn, id: i64) -> DbResult<Option<TransferRow>> {
    c.fetch_optional(
        "SELECT id, idem_key, request_sha, reason, reverses, subsidy_id, actor, at FROM ledger_transfers WHERE id = $1",
        args![id],
    )
    .await
}

pub async fn legs(c: &mut impl Conn, transfer_id: i64) -> DbResult<Vec<LegRow>> {
    c.fetch_all(
        "SELECT l.transfer_id, a.kind, a.key, l.amount_fen FROM ledger_legs l JOIN ledger_accounts a ON a.id = l.account_id \
         WHERE l.transfer_id = $1 ORDER BY a.id",
        args![transfer_id],
    )
    .await
}

/// The transfers of one subsidy, oldest first.
pub async fn transfers_of_subsidy(c: &mut impl Conn, subsidy_id: i64) -> DbResult<Vec<TransferRow>> {
    c.fetch_all(
        "SELECT id, idem_key, request_sha, reason, reverses, subsidy_id, actor, at FROM ledger_transfers \
         WHERE subsidy_id = $1 ORDER BY id",
        args![subsidy_id],
    )
    .await
}

/// The latest transfers touching an account, newest first.
pub async fn transfers_of_account(c: &mut impl Conn, a: &Account, limit: i64) -> DbResult<Vec<(TransferRow, i64)>> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct AccountLeg {
        id: i64,
        idem_key: Option<String>,
        request_sha: String,
        reason: String,
        reverses: Option<i64>,
        subsidy_id: Option<i64>,
        actor: String,
        at: i64,
        amount_fen: i64,
    }
    let rows: Vec<AccountLeg> = c
        .fetch_all(
            "SELECT t.id, t.idem_key, t.request_sha, t.reason, t.reverses, t.subsidy_id, t.actor, t.at, l.amount_fen \
             FROM ledger_accounts a JOIN ledger_legs l ON l.account_id = a.id \
             JOIN ledger_transfers t ON t.id = l.transfer_id \
             WHERE a.kind = $1 AND a.key = $2 ORDER BY l.transfer_id DESC LIMIT $3",
            args![kind_code(a.kind), &a.key, limit],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                TransferRow {
                    id: r.id,
                    idem_key: r.idem_key,
                    request_sha: r.request_sha,
                    reason: r.reason,
                    reverses: r.reverses,
                    subsidy_id: r.subsidy_id,
                    actor: r.actor,
                    at: r.at,
                },
                r.amount_fen,
            )
        })
        .collect())
}

/// What reconciliation found: accounts whose stored balance differs from the sum of their legs,
/// transfers whose legs do not sum to zero, and the sum of every balance (zero when sound).
#[derive(Clone, Debug, Default, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "LedgerReconciliation")]
pub struct Reconciliation {
    pub accounts: i64,
    pub transfers: i64,
    pub balance_total: i64,
    pub mismatched_accounts: Vec<(String, i64, i64)>,
    pub unbalanced_transfers: Vec<i64>,
    pub negative_accounts: Vec<String>,
}

impl Reconciliation {
    pub fn is_sound(&self) -> bool {
        self.balance_total == 0
            && self.mismatched_accounts.is_empty()
            && self.unbalanced_transfers.is_empty()
            && self.negative_accounts.is_empty()
    }
}

/// Recomputes every balance from the legs and compares (a full scan: an audit job, not a request).
pub async fn reconcile(c: &mut impl Conn) -> DbResult<Reconciliation> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Sum {
        kind: String,
        key: String,
        balance_fen: i64,
        legs: i64,
    }
    let sums: Vec<Sum> = c
        .fetch_all(
            "SELECT a.kind, a.key, a.balance_fen, CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) AS legs \
             FROM ledger_accounts a LEFT JOIN ledger_legs l ON l.account_id = a.id \
             GROUP BY a.id, a.kind, a.key, a.balance_fen ORDER BY a.id",
            args![],
        )
        .await?;
    let unbalanced: Vec<(i64,)> = c
        .fetch_all(
            "SELECT transfer_id FROM ledger_legs GROUP BY transfer_id HAVING SUM(amount_fen) <> 0 ORDER BY transfer_id",
            args![],
        )
        .await?;
    let transfers = c.scalar("SELECT COUNT(*) FROM ledger_transfers", args![]).await?;
    let mut r = Reconciliation { accounts: sums.len() as i64, transfers, ..Reconciliation::default() };
    for s in sums {
        r.balance_total += s.balance_fen;
        let name = format!("{}:{}", s.kind, s.key);
        if s.balance_fen != s.legs {
            r.mismatched_accounts.push((name.clone(), s.balance_fen, s.legs));
        }
        if s.balance_fen < 0 && s.kind != kind_code(AccountKind::Funding) {
            r.negative_accounts.push(name);
        }
    }
    r.unbalanced_transfers = unbalanced.into_iter().map(|t| t.0).collect();
    Ok(r)
}
