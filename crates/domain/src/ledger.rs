//! The double-entry rules of the subsidy ledger (the storage comes with the subsidy issue):
//! money in whole fen moves only as a transfer whose legs sum to zero; accounts that hold
//! budget may never go below zero; a posted transfer is never changed — it is undone by a
//! compensating transfer with a reason. Pure: the store applies what these rules accept.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::Fen;

/// What an account is for; the kind decides whether it may go negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Money available in a programme's budget pool (资金池). Never below zero.
    Pool,
    /// Subsidies approved and set aside for a project (已承诺). Never below zero.
    Commitment,
    /// Owed to a payee after 公示 and approval (应付). Never below zero.
    Payable,
    /// Paid out (已拨付): grows with every payment.
    Disbursed,
    /// Where budget comes from (the funding source): the one account that goes negative.
    Funding,
}

coded!(AccountKind [label_zh] {
    Pool => "资金池";
    Commitment => "已承诺";
    Payable => "应付";
    Disbursed => "已拨付";
    Funding => "资金来源";
});

impl AccountKind {
    pub fn may_go_negative(self) -> bool {
        self == AccountKind::Funding
    }
}

/// An account: its kind and a key naming what it belongs to (a pool id, a project id …).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Account {
    pub kind: AccountKind,
    pub key: String,
}

impl Account {
    pub fn new(kind: AccountKind, key: impl Into<String>) -> Account {
        Account { kind, key: key.into() }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.label_zh(), self.key)
    }
}

/// One side of a transfer: positive adds to the account, negative takes from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub account: Account,
    pub amount: Fen,
}

/// A balanced movement of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub legs: Vec<Leg>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("转账至少需要两个分录")]
    TooFewLegs,
    #[error("分录金额不能为零（{0}）")]
    ZeroLeg(String),
    #[error("分录合计必须为零，实际为 {0} 元")]
    Unbalanced(Fen),
    #[error("{account}余额不足：现有 {balance} 元，需要 {needed} 元")]
    Insufficient { account: String, balance: Fen, needed: Fen },
    #[error("请填写理由")]
    ReasonRequired,
    #[error("金额超出范围")]
    Overflow,
}

impl Transfer {
    /// Moves `amount` from one account to another.
    pub fn between(from: Account, to: Account, amount: Fen, reason: impl Into<String>) -> Transfer {
        Transfer {
            legs: vec![Leg { account: from, amount: Fen(-amount.0) }, Leg { account: to, amount }],
            reason: reason.into(),
        }
    }

    /// Checks the shape: at least two legs, none zero, summing to zero, a reason given.
    pub fn check(&self) -> Result<(), LedgerError> {
        if self.legs.len() < 2 {
            return Err(LedgerError::TooFewLegs);
        }
        if self.reason.trim().is_empty() {
            return Err(LedgerError::ReasonRequired);
        }
        let mut sum: i64 = 0;
        for leg in &self.legs {
            if leg.amount.0 == 0 {
                return Err(LedgerError::ZeroLeg(leg.account.to_string()));
            }
            sum = sum.checked_add(leg.amount.0).ok_or(LedgerError::Overflow)?;
        }
        if sum != 0 {
            return Err(LedgerError::Unbalanced(Fen(sum)));
        }
        Ok(())
    }

    /// The compensating transfer: every leg reversed, with its own reason.
    pub fn reversal(&self, reason: impl Into<String>) -> Transfer {
        Transfer {
            legs: self.legs.iter().map(|l| Leg { account: l.account.clone(), amount: Fen(-l.amount.0) }).collect(),
            reason: reason.into(),
        }
    }
}

/// Balances by account. The store keeps the same numbers in a table, updated in the transaction
/// that appends the transfer, so a balance is read in O(1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Balances {
    by_account: BTreeMap<Account, i64>,
}

impl Balances {
    pub fn balance(&self, a: &Account) -> Fen {
        Fen(self.by_account.get(a).copied().unwrap_or(0))
    }

    /// The sum of every balance: always zero in a ledger built only from checked transfers.
    pub fn total(&self) -> i64 {
        self.by_account.values().sum()
    }

    /// Applies a transfer if it is well formed and leaves no account that may not go negative
    /// below zero; otherwise changes nothing and says why.
    pub fn apply(&mut self, t: &Transfer) -> Result<(), LedgerError> {
        t.check()?;
        let mut next: BTreeMap<&Account, i64> = BTreeMap::new();
        for leg in &t.legs {
            let cur = *next.get(&leg.account).unwrap_or(&self.balance(&leg.account).0);
            let after = cur.checked_add(leg.amount.0).ok_or(LedgerError::Overflow)?;
            next.insert(&leg.account, after);
        }
        for (account, after) in &next {
            if *after < 0 && !account.kind.may_go_negative() {
                let balance = self.balance(account);
                let needed = Fen(balance.0 - after);
                return Err(LedgerError::Insufficient { account: account.to_string(), balance, needed });
            }
        }
        for (account, after) in next {
            self.by_account.insert(account.clone(), after);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pool() -> Account {
        Account::new(AccountKind::Pool, "nanjing-2024/enterprise")
    }
    fn funding() -> Account {
        Account::new(AccountKind::Funding, "central")
    }
    fn commitment(p: u32) -> Account {
        Account::new(AccountKind::Commitment, format!("project:{p}"))
    }

    #[test]
    fn a_pool_funded_then_committed_then_paid() {
        let mut b = Balances::default();
        b.apply(&Transfer::between(funding(), pool(), Fen(100_000_000), "中央资金下达")).unwrap();
        b.apply(&Transfer::between(pool(), commitment(1), Fen(40_000_000), "奖补核定")).unwrap();
        let payable = Account::new(AccountKind::Payable, "enterprise:7");
        b.apply(&Transfer::between(commitment(1), payable.clone(), Fen(40_000_000), "公示无异议")).unwrap();
        let paid = Account::new(AccountKind::Disbursed, "enterprise:7");
        b.apply(&Transfer::between(payable.clone(), paid.clone(), Fen(40_000_000), "拨付")).unwrap();
        assert_eq!(b.balance(&pool()), Fen(60_000_000));
        assert_eq!(b.balance(&payable), Fen::ZERO);
        assert_eq!(b.balance(&paid), Fen(40_000_000));
        assert_eq!(b.total(), 0);
    }

    #[test]
    fn a_pool_never_goes_below_zero_and_a_refusal_changes_nothing() {
        let mut b = Balances::default();
        b.apply(&Transfer::between(funding(), pool(), Fen(100), "下达")).unwrap();
        let before = b.clone();
        let err = b.apply(&Transfer::between(pool(), commitment(1), Fen(101), "核定")).unwrap_err();
        assert!(err.to_string().contains("余额不足"), "{err}");
        assert!(err.to_string().contains("1.01"), "{err}");
        assert_eq!(b, before);
    }

    #[test]
    fn malformed_transfers_are_refused() {
        let unbalanced = Transfer {
            legs: vec![Leg { account: funding(), amount: Fen(-5) }, Leg { account: pool(), amount: Fen(4) }],
            reason: "x".into(),
        };
        assert_eq!(unbalanced.check(), Err(LedgerError::Unbalanced(Fen(-1))));
        assert_eq!(Transfer { legs: vec![], reason: "x".into() }.check(), Err(LedgerError::TooFewLegs));
        assert_eq!(Transfer::between(funding(), pool(), Fen(1), " ").check(), Err(LedgerError::ReasonRequired));
        assert!(matches!(Transfer::between(funding(), pool(), Fen(0), "x").check(), Err(LedgerError::ZeroLeg(_))));
    }

    #[test]
    fn a_reversal_undoes_a_payment() {
        let mut b = Balances::default();
        let fund = Transfer::between(funding(), pool(), Fen(500), "下达");
        b.apply(&fund).unwrap();
        let pay = Transfer::between(pool(), commitment(2), Fen(300), "核定");
        b.apply(&pay).unwrap();
        b.apply(&pay.reversal("重复核定，冲正")).unwrap();
        assert_eq!(b.balance(&pool()), Fen(500));
        assert_eq!(b.balance(&commitment(2)), Fen::ZERO);
        assert_eq!(pay.reversal("x").legs.iter().map(|l| l.amount.0).sum::<i64>(), 0);
    }

    proptest! {
        /// Whatever transfers are attempted, accepted ones keep the ledger balanced and no pool,
        /// commitment or payable below zero.
        #[test]
        fn balanced_and_never_overdrawn(moves in proptest::collection::vec((0u8..4, 0u8..4, 1i64..1_000_000), 1..60)) {
            let accounts = [funding(), pool(), commitment(1), Account::new(AccountKind::Payable, "e:1")];
            let mut b = Balances::default();
            for (from, to, amount) in moves {
                if from == to {
                    continue;
                }
                let t = Transfer::between(accounts[from as usize].clone(), accounts[to as usize].clone(), Fen(amount), "p");
                let _ = b.apply(&t);
                prop_assert_eq!(b.total(), 0);
                for a in &accounts[1..] {
                    prop_assert!(b.balance(a).0 >= 0);
                }
            }
        }
    }
}
