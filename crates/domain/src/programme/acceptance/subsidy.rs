//! The subsidy (奖补) of an accepted project: 已核算 → 公示中 → 已批准 → 已拨付; cancelled (已撤销)
//! before payment; a reversed payment brings it back to 已批准 so it can be paid again correctly.

use serde::{Deserialize, Serialize};

use crate::programme::workflow::{TransitionError, Workflow, reason, require};
use crate::provider::lifecycle::beijing_minute;

/// Where a subsidy (奖补) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyState {
    /// Computed by the rule engine, with its trace; budget reserved.
    Computed,
    /// In its publicity period (公示), open to objections.
    Publicised,
    Approved,
    /// Paid through the ledger.
    Paid,
    /// Withdrawn before payment; the reserved budget is released.
    Cancelled,
}

coded!(SubsidyState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Computed => "computed", "已核算", "Computed";
    Publicised => "publicised", "公示中", "In publicity period";
    Approved => "approved", "已批准", "Approved";
    Paid => "paid", "已拨付", "Paid";
    Cancelled => "cancelled", "已撤销", "Cancelled";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyAction {
    /// Computed → Publicised.
    Publicise,
    /// Publicised → Approved: publicity over, no open objection, no open integrity flag.
    Approve,
    /// Approved → Paid.
    Pay,
    /// Paid → Approved: the payment was reversed by a compensating transfer, with a reason.
    Reverse,
    /// Computed | Publicised | Approved → Cancelled, with a reason.
    Cancel,
}

coded!(SubsidyAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Publicise => "publicise", "发布公示", "Publish notice";
    Approve => "approve", "批准拨付", "Approve payment";
    Pay => "pay", "拨付", "Pay";
    Reverse => "reverse", "冲正", "Reverse payment";
    Cancel => "cancel", "撤销", "Cancel";
});

impl SubsidyAction {
    /// Undoing money or withdrawing a subsidy must be explained for the audit trail.
    pub fn needs_reason(self) -> bool {
        matches!(self, SubsidyAction::Reverse | SubsidyAction::Cancel)
    }
}

/// Facts the subsidy guards need, gathered by the server in the same transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubsidyGuard {
    pub now_ms: i64,
    /// When the publicity period ends; `None` when none was recorded (then only objections and
    /// flags guard approval).
    pub publicity_ends_ms: Option<i64>,
    pub open_objections: u32,
    /// Integrity flags (诚信预警) on the project not yet resolved.
    pub open_flags: u32,
    pub has_reason: bool,
}

impl Workflow for SubsidyState {
    type Action = SubsidyAction;
    type Guard = SubsidyGuard;
    const STATES: &'static [Self] = &SubsidyState::ALL;
    const ACTIONS: &'static [SubsidyAction] = &SubsidyAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: SubsidyAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: SubsidyAction) -> Option<Self> {
        use SubsidyAction as A;
        use SubsidyState as S;
        match (self, action) {
            (S::Computed, A::Publicise) => Some(S::Publicised),
            (S::Publicised, A::Approve) => Some(S::Approved),
            (S::Approved, A::Pay) => Some(S::Paid),
            (S::Paid, A::Reverse) => Some(S::Approved),
            (S::Computed | S::Publicised | S::Approved, A::Cancel) => Some(S::Cancelled),
            _ => None,
        }
    }

    fn guard(self, action: SubsidyAction, to: Self, g: &SubsidyGuard) -> Result<Self, TransitionError> {
        reason(action.needs_reason(), g.has_reason)?;
        if action == SubsidyAction::Approve {
            if let Some(ends) = g.publicity_ends_ms.filter(|&e| g.now_ms < e) {
                return Err(TransitionError::NoticeRunning { ends: beijing_minute(ends) });
            }
            require(g.open_objections == 0, TransitionError::OpenObjections(g.open_objections))?;
            require(g.open_flags == 0, TransitionError::OpenFlags(g.open_flags))?;
        }
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::programme::workflow::testkit::{exhaustive, reasons, walk};
    use crate::programme::workflow::transition;
    // ── subsidy ──

    use SubsidyAction as SA;
    use SubsidyState as SS;

    const SUBSIDY: &[(SS, SA, SS)] = &[
        (SS::Computed, SA::Publicise, SS::Publicised),
        (SS::Computed, SA::Cancel, SS::Cancelled),
        (SS::Publicised, SA::Approve, SS::Approved),
        (SS::Publicised, SA::Cancel, SS::Cancelled),
        (SS::Approved, SA::Pay, SS::Paid),
        (SS::Approved, SA::Cancel, SS::Cancelled),
        (SS::Paid, SA::Reverse, SS::Approved),
    ];

    fn subsidy_ok() -> SubsidyGuard {
        SubsidyGuard {
            now_ms: 1_700_000_000_000,
            publicity_ends_ms: Some(1_600_000_000_000),
            open_objections: 0,
            open_flags: 0,
            has_reason: true,
        }
    }

    #[test]
    fn subsidy_table_is_exact() {
        exhaustive(SUBSIDY, &subsidy_ok(), &[SS::Cancelled]);
        let e = transition(SS::Paid, SA::Cancel, &subsidy_ok()).unwrap_err();
        assert_eq!(e.to_string(), "当前状态“已拨付”下不能执行“撤销”");
    }

    #[test]
    fn subsidy_reasons() {
        reasons(SUBSIDY, &SubsidyGuard { has_reason: false, ..subsidy_ok() }, SA::needs_reason);
        let needing: Vec<SA> = SA::ALL.into_iter().filter(|a| a.needs_reason()).collect();
        assert_eq!(needing, [SA::Reverse, SA::Cancel]);
    }

    #[test]
    fn approval_waits_for_publicity_objections_and_flags() {
        // 2024-03-01 00:00 Beijing.
        let ends = 1_709_222_400_000;
        let mut g = SubsidyGuard { publicity_ends_ms: Some(ends), now_ms: ends - 1, ..subsidy_ok() };
        let e = transition(SS::Publicised, SA::Approve, &g).unwrap_err();
        assert_eq!(e, TransitionError::NoticeRunning { ends: "2024-03-01 00:00".to_owned() });
        g.now_ms = ends;
        assert_eq!(transition(SS::Publicised, SA::Approve, &g), Ok(SS::Approved), "ends exactly now");
        g.open_objections = 2;
        assert_eq!(transition(SS::Publicised, SA::Approve, &g), Err(TransitionError::OpenObjections(2)));
        g.open_objections = 0;
        g.open_flags = 1;
        let e = transition(SS::Publicised, SA::Approve, &g).unwrap_err();
        assert_eq!(e, TransitionError::OpenFlags(1));
        assert_eq!(e.to_string(), "有 1 条诚信预警尚未处理，处理后才能批准");
        // Cancelling is still possible while objections or flags are open.
        assert_eq!(transition(SS::Publicised, SA::Cancel, &g), Ok(SS::Cancelled));
        g.open_flags = 0;
        g.publicity_ends_ms = None;
        g.now_ms = 0;
        assert_eq!(transition(SS::Publicised, SA::Approve, &g), Ok(SS::Approved), "no recorded period");
        // Publicising, paying and the guards of approval ask for nothing else.
        let bare = SubsidyGuard::default();
        assert_eq!(transition(SS::Computed, SA::Publicise, &bare), Ok(SS::Publicised));
        assert_eq!(transition(SS::Publicised, SA::Approve, &bare), Ok(SS::Approved));
        assert_eq!(transition(SS::Approved, SA::Pay, &bare), Ok(SS::Paid));
    }

    proptest! {
        #[test]
        fn subsidy_walk(steps in proptest::collection::vec((any::<usize>(), any::<[bool; 4]>()), 0..60)) {
            let steps: Vec<(usize, SubsidyGuard)> = steps.into_iter().map(|(i, b)| (i, SubsidyGuard {
                now_ms: 10, publicity_ends_ms: Some(if b[0] { 5 } else { 20 }),
                open_objections: u32::from(b[1]), open_flags: u32::from(b[2]), has_reason: b[3],
            })).collect();
            let taken = walk(SS::Computed, &steps, SUBSIDY)?;
            // Approval only after 公示 ended, without objections or flags.
            let mut s = SS::Computed;
            for (i, g) in &steps {
                let a = SA::ALL[i % SA::ALL.len()];
                if let Ok(to) = transition(s, a, g) {
                    if a == SA::Approve {
                        prop_assert!(g.publicity_ends_ms <= Some(g.now_ms) && g.open_objections == 0 && g.open_flags == 0);
                    }
                    s = to;
                }
            }
            prop_assert_eq!(taken.last().map_or(SS::Computed, |t| t.2), s);
        }

    }
}
