//! A payment (付款) in the ledger: 已入账 → 已冲正 by a compensating transfer, with a reason; a
//! payment is never edited or deleted.

use serde::{Deserialize, Serialize};

use crate::programme::workflow::{TransitionError, Workflow, reason};

/// A payment in the ledger. Money is never edited or deleted: a mistake is undone by a
/// compensating transfer, which moves the payment to 已冲正.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Posted,
    Reversed,
}

coded!(PaymentState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Posted => "posted", "已入账", "Posted";
    Reversed => "reversed", "已冲正", "Reversed";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentAction {
    /// Posted → Reversed, with a reason, by a compensating transfer.
    Reverse,
}

coded!(PaymentAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Reverse => "reverse", "冲正", "Reverse";
});

impl PaymentAction {
    /// A reversal moves public money back; the audit trail must say why.
    pub fn needs_reason(self) -> bool {
        true
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaymentGuard {
    pub has_reason: bool,
}

impl Workflow for PaymentState {
    type Action = PaymentAction;
    type Guard = PaymentGuard;
    const STATES: &'static [Self] = &PaymentState::ALL;
    const ACTIONS: &'static [PaymentAction] = &PaymentAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: PaymentAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: PaymentAction) -> Option<Self> {
        match (self, action) {
            (PaymentState::Posted, PaymentAction::Reverse) => Some(PaymentState::Reversed),
            _ => None,
        }
    }

    fn guard(self, action: PaymentAction, to: Self, g: &PaymentGuard) -> Result<Self, TransitionError> {
        reason(action.needs_reason(), g.has_reason)?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::programme::workflow::testkit::{exhaustive, reasons, walk};
    use crate::programme::workflow::transition;
    // ── payment ──

    #[test]
    fn payment_table_is_exact_and_reversal_needs_a_reason() {
        use PaymentAction as PA;
        use PaymentState as PS;
        let table = [(PS::Posted, PA::Reverse, PS::Reversed)];
        exhaustive(&table, &PaymentGuard { has_reason: true }, &[PS::Reversed]);
        reasons(&table, &PaymentGuard { has_reason: false }, PA::needs_reason);
        let e = transition(PS::Reversed, PA::Reverse, &PaymentGuard { has_reason: true }).unwrap_err();
        assert_eq!(e.to_string(), "当前状态“已冲正”下不能执行“冲正”");
    }

    proptest! {
        #[test]
        fn payment_walk(steps in proptest::collection::vec((any::<usize>(), any::<bool>()), 0..10)) {
            let steps: Vec<(usize, PaymentGuard)> =
                steps.into_iter().map(|(i, has_reason)| (i, PaymentGuard { has_reason })).collect();
            let taken = walk(PaymentState::Posted, &steps, &[(PaymentState::Posted, PaymentAction::Reverse, PaymentState::Reversed)])?;
            prop_assert!(taken.len() <= 1, "a payment is reversed at most once");
        }
    }
}
