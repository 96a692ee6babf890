//! The state machines after a project is completed (programme.md §5.7, §10.2):
//!
//! 1. Acceptance (验收): 已申请验收 → 区县已核查 (truthfulness check) → 已评测核查 (on-site
//!    assessment and financial check recorded, criteria evaluated) → 验收通过 | 验收未通过; from
//!    any open state the project can be returned for rectification (退回整改) and re-applied.
//! 2. Subsidy (奖补): 已核算 → 公示中 → 已批准 → 已拨付; cancelled (已撤销) before payment; a
//!    reversed payment brings it back to 已批准.
//! 3. Payment (付款): 已入账 → 已冲正 (by a compensating transfer, with a reason).
//!
//! Same shape as [`super::workflow`]: the table in `target`, guards in `guard`, who acts apart.

use serde::{Deserialize, Serialize};

use super::workflow::{TransitionError, Workflow};
use crate::provider::lifecycle::beijing_minute;

/// An enum with codes and Chinese/English labels, parsed from either code or Chinese label.
macro_rules! labelled {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh),+ }
            }

            pub fn label_en(self) -> &'static str {
                match self { $($name::$v => $en),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|x| x.code() == s || x.label_zh() == s)
            }
        }
    };
}

fn reason(needs: bool, has: bool) -> Result<(), TransitionError> {
    if needs && !has { Err(TransitionError::ReasonRequired) } else { Ok(()) }
}

fn require(ok: bool, err: TransitionError) -> Result<(), TransitionError> {
    if ok { Ok(()) } else { Err(err) }
}

// ───────────────────────────── 1. acceptance ─────────────────────────────

labelled!(
    /// Where a project's acceptance stands.
    AcceptanceState {
        Applied => ("applied", "已申请验收", "Applied"),
        DistrictVerified => ("district_verified", "区县已核查", "District verified"),
        Assessed => ("assessed", "已评测核查", "Assessed"),
        Accepted => ("accepted", "验收通过", "Accepted"),
        Rejected => ("rejected", "验收未通过", "Rejected"),
        Returned => ("returned", "退回整改", "Returned for rectification"),
    }
);

labelled!(
    AcceptanceAction {
        /// The district's truthfulness check (真实性核查) passed.
        Verify => ("verify", "真实性核查通过", "Verify"),
        /// The on-site assessment and the financial check are recorded; criteria evaluated.
        Assess => ("assess", "完成现场评测与财务核查", "Record assessment and financial check"),
        Accept => ("accept", "通过验收", "Accept"),
        Reject => ("reject", "不予通过", "Reject"),
        Return => ("return", "退回整改", "Return for rectification"),
        Reapply => ("reapply", "重新申请验收", "Re-apply"),
    }
);

impl AcceptanceAction {
    pub fn needs_reason(self) -> bool {
        matches!(self, AcceptanceAction::Reject | AcceptanceAction::Return)
    }
}

labelled!(
    /// Who acts on an acceptance.
    AcceptanceActor {
        Enterprise => ("enterprise", "企业", "Enterprise"),
        DistrictOfficer => ("district_officer", "区县主管部门", "District authority"),
        CityOfficer => ("city_officer", "市级主管部门", "City authority"),
    }
);

impl AcceptanceActor {
    pub fn allowed(action: AcceptanceAction) -> &'static [AcceptanceActor] {
        use AcceptanceActor as W;
        match action {
            AcceptanceAction::Verify => &[W::DistrictOfficer],
            AcceptanceAction::Assess | AcceptanceAction::Accept | AcceptanceAction::Reject => &[W::CityOfficer],
            AcceptanceAction::Return => &[W::DistrictOfficer, W::CityOfficer],
            AcceptanceAction::Reapply => &[W::Enterprise],
        }
    }
}

/// Facts the acceptance guards need, gathered by the server in the step's transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptanceGuard {
    pub materials_complete: bool,
    pub onsite_recorded: bool,
    pub finance_checked: bool,
    pub criteria_passed: bool,
    /// Accepting although a criterion failed, with a reason (flagged for the audit administrator).
    pub override_reason: bool,
    pub has_reason: bool,
}

impl Workflow for AcceptanceState {
    type Action = AcceptanceAction;
    type Guard = AcceptanceGuard;
    const STATES: &'static [Self] = AcceptanceState::ALL;
    const ACTIONS: &'static [AcceptanceAction] = AcceptanceAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: AcceptanceAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: AcceptanceAction) -> Option<Self> {
        use AcceptanceAction as A;
        use AcceptanceState as S;
        match (self, action) {
            (S::Applied, A::Verify) => Some(S::DistrictVerified),
            (S::DistrictVerified, A::Assess) => Some(S::Assessed),
            (S::Assessed, A::Accept) => Some(S::Accepted),
            (S::Applied | S::DistrictVerified | S::Assessed, A::Reject) => Some(S::Rejected),
            (S::Applied | S::DistrictVerified | S::Assessed, A::Return) => Some(S::Returned),
            (S::Returned, A::Reapply) => Some(S::Applied),
            _ => None,
        }
    }

    fn guard(self, action: AcceptanceAction, to: Self, g: &AcceptanceGuard) -> Result<Self, TransitionError> {
        reason(action.needs_reason(), g.has_reason)?;
        match action {
            AcceptanceAction::Verify | AcceptanceAction::Reapply => {
                require(g.materials_complete, TransitionError::MaterialsIncomplete)?
            }
            AcceptanceAction::Assess => {
                require(g.onsite_recorded, TransitionError::OnsiteMissing)?;
                require(g.finance_checked, TransitionError::FinanceMissing)?;
            }
            AcceptanceAction::Accept => {
                require(g.criteria_passed || g.override_reason, TransitionError::CriteriaFailed)?
            }
            AcceptanceAction::Reject | AcceptanceAction::Return => {}
        }
        Ok(to)
    }
}

// ───────────────────────────── 2. subsidy ─────────────────────────────

labelled!(
    /// Where a subsidy stands.
    SubsidyState {
        Computed => ("computed", "已核算", "Computed"),
        Publicised => ("publicised", "公示中", "Under public notice"),
        Approved => ("approved", "已批准", "Approved"),
        Paid => ("paid", "已拨付", "Paid"),
        Cancelled => ("cancelled", "已撤销", "Cancelled"),
    }
);

labelled!(
    SubsidyAction {
        Publicise => ("publicise", "发布公示", "Publish notice"),
        Approve => ("approve", "批准拨付", "Approve"),
        Pay => ("pay", "拨付", "Pay"),
        Reverse => ("reverse", "冲正", "Reverse payment"),
        Cancel => ("cancel", "撤销", "Cancel"),
    }
);

impl SubsidyAction {
    pub fn needs_reason(self) -> bool {
        matches!(self, SubsidyAction::Reverse | SubsidyAction::Cancel)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubsidyGuard {
    pub now_ms: i64,
    pub publicity_ends_ms: Option<i64>,
    pub open_objections: u32,
    pub open_flags: u32,
    pub has_reason: bool,
}

impl Workflow for SubsidyState {
    type Action = SubsidyAction;
    type Guard = SubsidyGuard;
    const STATES: &'static [Self] = SubsidyState::ALL;
    const ACTIONS: &'static [SubsidyAction] = SubsidyAction::ALL;

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
                return Err(TransitionError::PublicityRunning { ends: beijing_minute(ends) });
            }
            require(g.open_objections == 0, TransitionError::OpenObjections(g.open_objections))?;
            require(g.open_flags == 0, TransitionError::OpenFlags(g.open_flags))?;
        }
        Ok(to)
    }
}

// ───────────────────────────── 3. payment ─────────────────────────────

labelled!(
    PaymentState {
        Posted => ("posted", "已入账", "Posted"),
        Reversed => ("reversed", "已冲正", "Reversed"),
    }
);

labelled!(
    PaymentAction {
        Reverse => ("reverse", "冲正", "Reverse"),
    }
);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaymentGuard {
    pub has_reason: bool,
}

impl Workflow for PaymentState {
    type Action = PaymentAction;
    type Guard = PaymentGuard;
    const STATES: &'static [Self] = PaymentState::ALL;
    const ACTIONS: &'static [PaymentAction] = PaymentAction::ALL;

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

    fn guard(self, _: PaymentAction, to: Self, g: &PaymentGuard) -> Result<Self, TransitionError> {
        reason(true, g.has_reason)?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::workflow::{available, is_final, transition};

    /// Every state × action against a table written out independently of `target`.
    fn exhaustive<S: Workflow>(expected: &[(S, S::Action, S)], g: &S::Guard, finals: &[S]) {
        for &from in S::STATES {
            for &action in S::ACTIONS {
                let want = expected.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, t)| *t);
                match want {
                    Some(to) => {
                        assert_eq!(transition(from, action, g), Ok(to), "{from:?} --{action:?}");
                        assert!(available(from).contains(&action));
                    }
                    None => {
                        assert!(
                            matches!(transition(from, action, g), Err(TransitionError::NotAllowed { .. })),
                            "{from:?} --{action:?} must be refused"
                        );
                        assert!(!available(from).contains(&action));
                    }
                }
            }
        }
        let got: Vec<S> = S::STATES.iter().copied().filter(|&s| is_final(s)).collect();
        assert_eq!(got, finals);
    }

    use AcceptanceAction as AA;
    use AcceptanceState as AS;

    const ACCEPTANCE: &[(AS, AA, AS)] = &[
        (AS::Applied, AA::Verify, AS::DistrictVerified),
        (AS::Applied, AA::Reject, AS::Rejected),
        (AS::Applied, AA::Return, AS::Returned),
        (AS::DistrictVerified, AA::Assess, AS::Assessed),
        (AS::DistrictVerified, AA::Reject, AS::Rejected),
        (AS::DistrictVerified, AA::Return, AS::Returned),
        (AS::Assessed, AA::Accept, AS::Accepted),
        (AS::Assessed, AA::Reject, AS::Rejected),
        (AS::Assessed, AA::Return, AS::Returned),
        (AS::Returned, AA::Reapply, AS::Applied),
    ];

    fn all_ok() -> AcceptanceGuard {
        AcceptanceGuard {
            materials_complete: true,
            onsite_recorded: true,
            finance_checked: true,
            criteria_passed: true,
            override_reason: false,
            has_reason: true,
        }
    }

    #[test]
    fn acceptance_table() {
        exhaustive(ACCEPTANCE, &all_ok(), &[AS::Accepted, AS::Rejected]);
    }

    #[test]
    fn acceptance_guards() {
        let g = AcceptanceGuard { materials_complete: false, ..all_ok() };
        assert_eq!(transition(AS::Applied, AA::Verify, &g), Err(TransitionError::MaterialsIncomplete));
        assert_eq!(transition(AS::Returned, AA::Reapply, &g), Err(TransitionError::MaterialsIncomplete));
        let g = AcceptanceGuard { onsite_recorded: false, ..all_ok() };
        assert_eq!(transition(AS::DistrictVerified, AA::Assess, &g), Err(TransitionError::OnsiteMissing));
        let g = AcceptanceGuard { finance_checked: false, ..all_ok() };
        assert_eq!(transition(AS::DistrictVerified, AA::Assess, &g), Err(TransitionError::FinanceMissing));
        let failed = AcceptanceGuard { criteria_passed: false, ..all_ok() };
        assert_eq!(transition(AS::Assessed, AA::Accept, &failed), Err(TransitionError::CriteriaFailed));
        let overriding = AcceptanceGuard { override_reason: true, ..failed };
        assert_eq!(transition(AS::Assessed, AA::Accept, &overriding), Ok(AS::Accepted));
        let no_reason = AcceptanceGuard { has_reason: false, ..all_ok() };
        assert_eq!(transition(AS::Applied, AA::Return, &no_reason), Err(TransitionError::ReasonRequired));
        assert_eq!(transition(AS::Assessed, AA::Reject, &no_reason), Err(TransitionError::ReasonRequired));
    }

    #[test]
    fn actors() {
        assert_eq!(AcceptanceActor::allowed(AA::Verify), &[AcceptanceActor::DistrictOfficer]);
        assert_eq!(AcceptanceActor::allowed(AA::Accept), &[AcceptanceActor::CityOfficer]);
        assert_eq!(AcceptanceActor::allowed(AA::Reapply), &[AcceptanceActor::Enterprise]);
        for a in AA::ALL {
            assert!(!AcceptanceActor::allowed(*a).is_empty(), "{a:?} has someone to perform it");
        }
    }

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
            now_ms: 2_000,
            publicity_ends_ms: Some(1_000),
            open_objections: 0,
            open_flags: 0,
            has_reason: true,
        }
    }

    #[test]
    fn subsidy_table() {
        exhaustive(SUBSIDY, &subsidy_ok(), &[SS::Cancelled]);
    }

    #[test]
    fn approval_waits_for_publicity_objections_and_flags() {
        let running = SubsidyGuard { now_ms: 500, ..subsidy_ok() };
        assert!(matches!(
            transition(SS::Publicised, SA::Approve, &running),
            Err(TransitionError::PublicityRunning { .. })
        ));
        let objected = SubsidyGuard { open_objections: 2, ..subsidy_ok() };
        assert_eq!(transition(SS::Publicised, SA::Approve, &objected), Err(TransitionError::OpenObjections(2)));
        let flagged = SubsidyGuard { open_flags: 1, ..subsidy_ok() };
        assert_eq!(transition(SS::Publicised, SA::Approve, &flagged), Err(TransitionError::OpenFlags(1)));
        assert_eq!(transition(SS::Publicised, SA::Approve, &subsidy_ok()), Ok(SS::Approved));
        let no_reason = SubsidyGuard { has_reason: false, ..subsidy_ok() };
        assert_eq!(transition(SS::Approved, SA::Cancel, &no_reason), Err(TransitionError::ReasonRequired));
        assert_eq!(transition(SS::Paid, SA::Reverse, &no_reason), Err(TransitionError::ReasonRequired));
    }

    #[test]
    fn payment_reversal_needs_a_reason_and_happens_once() {
        let with = PaymentGuard { has_reason: true };
        exhaustive(
            &[(PaymentState::Posted, PaymentAction::Reverse, PaymentState::Reversed)],
            &with,
            &[PaymentState::Reversed],
        );
        assert_eq!(
            transition(PaymentState::Posted, PaymentAction::Reverse, &PaymentGuard { has_reason: false }),
            Err(TransitionError::ReasonRequired)
        );
    }

    #[test]
    fn codes_and_labels_round_trip() {
        for s in AS::ALL {
            assert_eq!(AS::parse(s.code()), Some(*s));
            assert_eq!(AS::parse(s.label_zh()), Some(*s));
        }
        for a in AA::ALL {
            assert_eq!(AA::parse(a.code()), Some(*a));
        }
        for s in SS::ALL {
            assert_eq!(SS::parse(s.code()), Some(*s));
            assert_eq!(SS::parse(s.label_zh()), Some(*s));
        }
        for a in SA::ALL {
            assert_eq!(SA::parse(a.code()), Some(*a));
        }
        assert_eq!(PaymentState::parse("reversed"), Some(PaymentState::Reversed));
        assert_eq!(AS::parse("nonsense"), None);
    }

    mod walks {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            /// Random actions with random guards never leave the states, never leave a final
            /// state, and a refused action never changes the state.
            #[test]
            fn acceptance_walk(steps in proptest::collection::vec((0usize..6, any::<[bool; 6]>()), 0..40)) {
                let mut s = AS::Applied;
                for (i, b) in steps {
                    let g = AcceptanceGuard {
                        materials_complete: b[0], onsite_recorded: b[1], finance_checked: b[2],
                        criteria_passed: b[3], override_reason: b[4], has_reason: b[5],
                    };
                    let final_before = is_final(s);
                    if let Ok(to) = transition(s, AA::ALL[i], &g) {
                        prop_assert!(!final_before);
                        prop_assert!(AS::ALL.contains(&to));
                        if to == AS::Accepted { prop_assert!(g.criteria_passed || g.override_reason); }
                        s = to;
                    }
                }
            }

            #[test]
            fn subsidy_walk(steps in proptest::collection::vec((0usize..5, any::<[bool; 4]>()), 0..40)) {
                let mut s = SS::Computed;
                for (i, b) in steps {
                    let g = SubsidyGuard {
                        now_ms: 10, publicity_ends_ms: Some(if b[0] { 5 } else { 20 }),
                        open_objections: u32::from(b[1]), open_flags: u32::from(b[2]), has_reason: b[3],
                    };
                    let final_before = is_final(s);
                    if let Ok(to) = transition(s, SA::ALL[i], &g) {
                        prop_assert!(!final_before);
                        if SA::ALL[i] == SA::Approve {
                            prop_assert!(b[0] && !b[1] && !b[2], "approved only after 公示, without objections or flags");
                        }
                        s = to;
                    }
                }
            }
        }
    }
}
