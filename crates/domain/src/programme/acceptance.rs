//! The state machines after a project is completed (programme.md §5.7, §10.2):
//!
//! 1. Acceptance (验收): 已申请验收 → 区县已核查 (the district's truthfulness check) → 已评测核查
//!    (on-site assessment and financial check recorded, criteria evaluated) → 验收通过 | 验收未通过;
//!    from any open state the project can be returned for rectification (退回整改) and re-applied.
//!    This follows Nanjing's sequence (district check, then third-party on-site assessment and a
//!    special financial audit) and Liuzhou's review chain (county review, then the city).
//! 2. Subsidy (奖补): 已核算 → 公示中 → 已批准 → 已拨付; cancelled (已撤销) before payment; a
//!    reversed payment brings it back to 已批准 so it can be paid again correctly.
//! 3. Payment (付款): 已入账 → 已冲正 (by a compensating transfer, with a reason; never deleted).
//!
//! Same shape as [`super::workflow`]: the table in `target`, guards in `guard`, who acts apart
//! ([`AcceptanceActor::allowed`]). The server gathers the guard's facts in the same transaction,
//! calls [`super::workflow::transition`] and writes the new state only if the stored one is still
//! `from` (compare-and-set).

use serde::{Deserialize, Serialize};

use super::workflow::{TransitionError, Workflow};
use crate::provider::lifecycle::beijing_minute;

fn reason(needs: bool, has: bool) -> Result<(), TransitionError> {
    if needs && !has { Err(TransitionError::ReasonRequired) } else { Ok(()) }
}

fn require(ok: bool, err: TransitionError) -> Result<(), TransitionError> {
    if ok { Ok(()) } else { Err(err) }
}

// ───────────────────────────── 1. acceptance ─────────────────────────────

/// Where a project's acceptance (验收) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceState {
    /// The enterprise applied with its material checklist (一企一档).
    Applied,
    /// The district confirmed the application is truthful (真实性核查).
    DistrictVerified,
    /// The on-site assessment and the financial check are on record; criteria evaluated.
    Assessed,
    Accepted,
    Rejected,
    /// Sent back for rectification; the enterprise re-applies once it is fixed.
    Returned,
}

impl AcceptanceState {
    pub const ALL: [AcceptanceState; 6] = [
        AcceptanceState::Applied,
        AcceptanceState::DistrictVerified,
        AcceptanceState::Assessed,
        AcceptanceState::Accepted,
        AcceptanceState::Rejected,
        AcceptanceState::Returned,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AcceptanceState::Applied => "applied",
            AcceptanceState::DistrictVerified => "district_verified",
            AcceptanceState::Assessed => "assessed",
            AcceptanceState::Accepted => "accepted",
            AcceptanceState::Rejected => "rejected",
            AcceptanceState::Returned => "returned",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<AcceptanceState> {
        let s = s.trim();
        AcceptanceState::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AcceptanceState::Applied => "已申请验收",
            AcceptanceState::DistrictVerified => "区县已核查",
            AcceptanceState::Assessed => "已评测核查",
            AcceptanceState::Accepted => "验收通过",
            AcceptanceState::Rejected => "验收未通过",
            AcceptanceState::Returned => "退回整改",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AcceptanceState::Applied => "Applied for acceptance",
            AcceptanceState::DistrictVerified => "Verified by the district",
            AcceptanceState::Assessed => "Assessed on site and audited",
            AcceptanceState::Accepted => "Accepted",
            AcceptanceState::Rejected => "Rejected",
            AcceptanceState::Returned => "Returned for rectification",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceAction {
    /// Applied → DistrictVerified: the district's truthfulness check passed (materials complete).
    Verify,
    /// DistrictVerified → Assessed: on-site assessment and financial check both recorded.
    Assess,
    /// Assessed → Accepted: every criterion met, or an override with a reason (audited).
    Accept,
    /// Applied | DistrictVerified | Assessed → Rejected, with a reason.
    Reject,
    /// Applied | DistrictVerified | Assessed → Returned, with a reason saying what to fix.
    Return,
    /// Returned → Applied: re-applied with the materials complete again.
    Reapply,
}

impl AcceptanceAction {
    pub const ALL: [AcceptanceAction; 6] = [
        AcceptanceAction::Verify,
        AcceptanceAction::Assess,
        AcceptanceAction::Accept,
        AcceptanceAction::Reject,
        AcceptanceAction::Return,
        AcceptanceAction::Reapply,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AcceptanceAction::Verify => "verify",
            AcceptanceAction::Assess => "assess",
            AcceptanceAction::Accept => "accept",
            AcceptanceAction::Reject => "reject",
            AcceptanceAction::Return => "return",
            AcceptanceAction::Reapply => "reapply",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<AcceptanceAction> {
        let s = s.trim();
        AcceptanceAction::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AcceptanceAction::Verify => "真实性核查通过",
            AcceptanceAction::Assess => "完成现场评测与财务核查",
            AcceptanceAction::Accept => "通过验收",
            AcceptanceAction::Reject => "不予通过",
            AcceptanceAction::Return => "退回整改",
            AcceptanceAction::Reapply => "重新申请验收",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AcceptanceAction::Verify => "Verify truthfulness",
            AcceptanceAction::Assess => "Record on-site assessment and financial check",
            AcceptanceAction::Accept => "Accept",
            AcceptanceAction::Reject => "Reject",
            AcceptanceAction::Return => "Return for rectification",
            AcceptanceAction::Reapply => "Re-apply for acceptance",
        }
    }

    /// A rejection or a return is explained to the enterprise, which must know what failed.
    pub fn needs_reason(self) -> bool {
        matches!(self, AcceptanceAction::Reject | AcceptanceAction::Return)
    }
}

/// Who acts on an acceptance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceActor {
    /// The enterprise that owns the project (re-applies after rectification).
    Enterprise,
    /// An officer of the enterprise's district or county (truthfulness check).
    DistrictOfficer,
    /// An officer of the programme's city (assessment, financial check and decision).
    CityOfficer,
}

impl AcceptanceActor {
    pub const ALL: [AcceptanceActor; 3] =
        [AcceptanceActor::Enterprise, AcceptanceActor::DistrictOfficer, AcceptanceActor::CityOfficer];

    pub fn code(self) -> &'static str {
        match self {
            AcceptanceActor::Enterprise => "enterprise",
            AcceptanceActor::DistrictOfficer => "district_officer",
            AcceptanceActor::CityOfficer => "city_officer",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<AcceptanceActor> {
        let s = s.trim();
        AcceptanceActor::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AcceptanceActor::Enterprise => "企业",
            AcceptanceActor::DistrictOfficer => "区县主管部门",
            AcceptanceActor::CityOfficer => "市级主管部门",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AcceptanceActor::Enterprise => "Enterprise",
            AcceptanceActor::DistrictOfficer => "District authority",
            AcceptanceActor::CityOfficer => "City authority",
        }
    }

    /// Who may perform `action`: the district checks truthfulness, the city assesses and decides,
    /// either may send the application back, and only the enterprise re-applies.
    pub fn allowed(action: AcceptanceAction) -> &'static [AcceptanceActor] {
        match action {
            AcceptanceAction::Verify => &[AcceptanceActor::DistrictOfficer],
            AcceptanceAction::Assess | AcceptanceAction::Accept | AcceptanceAction::Reject => {
                &[AcceptanceActor::CityOfficer]
            }
            AcceptanceAction::Return => &[AcceptanceActor::DistrictOfficer, AcceptanceActor::CityOfficer],
            AcceptanceAction::Reapply => &[AcceptanceActor::Enterprise],
        }
    }
}

/// Facts the acceptance guards need, gathered by the server in the step's transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptanceGuard {
    /// Every required item of the checklist is present (`materials::complete`).
    pub materials_complete: bool,
    /// The on-site digital-level assessment (现场评测) is on record.
    pub onsite_recorded: bool,
    /// The financial check (财务核查 / 专项财务审计) is on record.
    pub finance_checked: bool,
    /// Every acceptance criterion of the contract is met.
    pub criteria_passed: bool,
    /// Accepting although a criterion failed, with a reason (flagged for the audit administrator).
    pub override_reason: bool,
    pub has_reason: bool,
}

impl Workflow for AcceptanceState {
    type Action = AcceptanceAction;
    type Guard = AcceptanceGuard;
    const STATES: &'static [Self] = &AcceptanceState::ALL;
    const ACTIONS: &'static [AcceptanceAction] = &AcceptanceAction::ALL;

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

impl SubsidyState {
    pub const ALL: [SubsidyState; 5] = [
        SubsidyState::Computed,
        SubsidyState::Publicised,
        SubsidyState::Approved,
        SubsidyState::Paid,
        SubsidyState::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SubsidyState::Computed => "computed",
            SubsidyState::Publicised => "publicised",
            SubsidyState::Approved => "approved",
            SubsidyState::Paid => "paid",
            SubsidyState::Cancelled => "cancelled",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<SubsidyState> {
        let s = s.trim();
        SubsidyState::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SubsidyState::Computed => "已核算",
            SubsidyState::Publicised => "公示中",
            SubsidyState::Approved => "已批准",
            SubsidyState::Paid => "已拨付",
            SubsidyState::Cancelled => "已撤销",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SubsidyState::Computed => "Computed",
            SubsidyState::Publicised => "In publicity period",
            SubsidyState::Approved => "Approved",
            SubsidyState::Paid => "Paid",
            SubsidyState::Cancelled => "Cancelled",
        }
    }
}

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

impl SubsidyAction {
    pub const ALL: [SubsidyAction; 5] = [
        SubsidyAction::Publicise,
        SubsidyAction::Approve,
        SubsidyAction::Pay,
        SubsidyAction::Reverse,
        SubsidyAction::Cancel,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SubsidyAction::Publicise => "publicise",
            SubsidyAction::Approve => "approve",
            SubsidyAction::Pay => "pay",
            SubsidyAction::Reverse => "reverse",
            SubsidyAction::Cancel => "cancel",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<SubsidyAction> {
        let s = s.trim();
        SubsidyAction::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SubsidyAction::Publicise => "发布公示",
            SubsidyAction::Approve => "批准拨付",
            SubsidyAction::Pay => "拨付",
            SubsidyAction::Reverse => "冲正",
            SubsidyAction::Cancel => "撤销",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SubsidyAction::Publicise => "Publish notice",
            SubsidyAction::Approve => "Approve payment",
            SubsidyAction::Pay => "Pay",
            SubsidyAction::Reverse => "Reverse payment",
            SubsidyAction::Cancel => "Cancel",
        }
    }

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

// ───────────────────────────── 3. payment ─────────────────────────────

/// A payment in the ledger. Money is never edited or deleted: a mistake is undone by a
/// compensating transfer, which moves the payment to 已冲正.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Posted,
    Reversed,
}

impl PaymentState {
    pub const ALL: [PaymentState; 2] = [PaymentState::Posted, PaymentState::Reversed];

    pub fn code(self) -> &'static str {
        match self {
            PaymentState::Posted => "posted",
            PaymentState::Reversed => "reversed",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<PaymentState> {
        let s = s.trim();
        PaymentState::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PaymentState::Posted => "已入账",
            PaymentState::Reversed => "已冲正",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PaymentState::Posted => "Posted",
            PaymentState::Reversed => "Reversed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentAction {
    /// Posted → Reversed, with a reason, by a compensating transfer.
    Reverse,
}

impl PaymentAction {
    pub const ALL: [PaymentAction; 1] = [PaymentAction::Reverse];

    pub fn code(self) -> &'static str {
        match self {
            PaymentAction::Reverse => "reverse",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<PaymentAction> {
        let s = s.trim();
        PaymentAction::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PaymentAction::Reverse => "冲正",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PaymentAction::Reverse => "Reverse",
        }
    }

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
    use std::fmt::Debug;

    use super::*;
    use crate::programme::workflow::{available, is_final, transition};

    /// Every state × action against a table written out independently of `target`: allowed pairs
    /// reach their target with a permissive guard and are offered; every other pair is refused by
    /// name and not offered. Also checks which states are final.
    fn exhaustive<S: Workflow>(expected: &[(S, S::Action, S)], g: &S::Guard, finals: &[S]) {
        let mut allowed = 0;
        for &from in S::STATES {
            for &action in S::ACTIONS {
                let want = expected.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, t)| *t);
                let got = transition(from, action, g);
                match want {
                    Some(to) => {
                        allowed += 1;
                        assert_eq!(got, Ok(to), "{from:?} --{action:?}");
                        assert!(available(from).contains(&action), "{from:?} offers {action:?}");
                    }
                    None => {
                        assert_eq!(
                            got,
                            Err(TransitionError::NotAllowed {
                                from: from.state_label_zh(),
                                action: S::action_label_zh(action)
                            }),
                            "{from:?} --{action:?}"
                        );
                        assert!(!available(from).contains(&action), "{from:?} must not offer {action:?}");
                    }
                }
            }
        }
        assert_eq!(allowed, expected.len(), "the expected table has no duplicates");
        let got: Vec<S> = S::STATES.iter().copied().filter(|&s| is_final(s)).collect();
        assert_eq!(got, finals);
    }

    /// Without a reason, exactly the actions that need one are refused (with a permissive guard
    /// otherwise).
    fn reasons<S: Workflow>(expected: &[(S, S::Action, S)], no_reason: &S::Guard, needs: fn(S::Action) -> bool) {
        for &(from, action, to) in expected {
            let got = transition(from, action, no_reason);
            if needs(action) {
                assert_eq!(got, Err(TransitionError::ReasonRequired), "{from:?} --{action:?}");
            } else {
                assert_eq!(got, Ok(to), "{from:?} --{action:?} needs no reason");
            }
        }
    }

    // ── acceptance ──

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

    fn acceptance_ok() -> AcceptanceGuard {
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
    fn acceptance_table_is_exact() {
        exhaustive(ACCEPTANCE, &acceptance_ok(), &[AS::Accepted, AS::Rejected]);
        let e = transition(AS::Accepted, AA::Return, &acceptance_ok()).unwrap_err();
        assert_eq!(e.to_string(), "当前状态“验收通过”下不能执行“退回整改”");
    }

    #[test]
    fn acceptance_reasons() {
        reasons(ACCEPTANCE, &AcceptanceGuard { has_reason: false, ..acceptance_ok() }, AA::needs_reason);
        let needing: Vec<AA> = AA::ALL.into_iter().filter(|a| a.needs_reason()).collect();
        assert_eq!(needing, [AA::Reject, AA::Return]);
    }

    #[test]
    fn acceptance_guards() {
        use TransitionError as E;
        let ok = acceptance_ok();
        let cases: [(AS, AA, AcceptanceGuard, E); 5] = [
            (AS::Applied, AA::Verify, AcceptanceGuard { materials_complete: false, ..ok }, E::MaterialsIncomplete),
            (AS::Returned, AA::Reapply, AcceptanceGuard { materials_complete: false, ..ok }, E::MaterialsIncomplete),
            (AS::DistrictVerified, AA::Assess, AcceptanceGuard { onsite_recorded: false, ..ok }, E::OnsiteMissing),
            (AS::DistrictVerified, AA::Assess, AcceptanceGuard { finance_checked: false, ..ok }, E::FinanceMissing),
            (AS::Assessed, AA::Accept, AcceptanceGuard { criteria_passed: false, ..ok }, E::CriteriaFailed),
        ];
        for (from, action, g, err) in cases {
            assert_eq!(transition(from, action, &g), Err(err), "{from:?} --{action:?}");
        }
        // Accepting despite a failed criterion takes an override with a reason.
        let overriding = AcceptanceGuard { criteria_passed: false, override_reason: true, ..ok };
        assert_eq!(transition(AS::Assessed, AA::Accept, &overriding), Ok(AS::Accepted));
        // Each guard asks only for its own facts.
        let bare = AcceptanceGuard::default();
        assert_eq!(
            transition(AS::Applied, AA::Verify, &AcceptanceGuard { materials_complete: true, ..bare }),
            Ok(AS::DistrictVerified)
        );
        assert_eq!(
            transition(
                AS::DistrictVerified,
                AA::Assess,
                &AcceptanceGuard { onsite_recorded: true, finance_checked: true, ..bare }
            ),
            Ok(AS::Assessed)
        );
        assert_eq!(
            transition(AS::Assessed, AA::Accept, &AcceptanceGuard { criteria_passed: true, ..bare }),
            Ok(AS::Accepted)
        );
        // Rejecting or returning needs a reason and nothing else, from every open state.
        for from in AS::ALL.into_iter().filter(|&s| !is_final(s) && s != AS::Returned) {
            let with = AcceptanceGuard { has_reason: true, ..bare };
            assert_eq!(transition(from, AA::Reject, &with), Ok(AS::Rejected), "{from:?}");
            assert_eq!(transition(from, AA::Return, &with), Ok(AS::Returned), "{from:?}");
        }
        assert_eq!(E::MaterialsIncomplete.to_string(), "验收材料不齐全，请先补齐");
        assert_eq!(E::OnsiteMissing.to_string(), "尚无现场评测结果");
        assert_eq!(E::FinanceMissing.to_string(), "尚未完成财务核查");
        assert_eq!(
            E::CriteriaFailed.to_string(),
            "验收指标未全部达到；如仍通过验收，请填写理由（将提交审计管理员复核）"
        );
    }

    #[test]
    fn acceptance_actors() {
        use AcceptanceActor as W;
        let expected: [(AA, &[W]); 6] = [
            (AA::Verify, &[W::DistrictOfficer]),
            (AA::Assess, &[W::CityOfficer]),
            (AA::Accept, &[W::CityOfficer]),
            (AA::Reject, &[W::CityOfficer]),
            (AA::Return, &[W::DistrictOfficer, W::CityOfficer]),
            (AA::Reapply, &[W::Enterprise]),
        ];
        for (action, who) in expected {
            assert_eq!(W::allowed(action), who, "{action:?}");
        }
    }

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

    // ── codes and labels ──

    #[test]
    fn codes_labels_and_serde_agree() {
        fn check<T: Copy + PartialEq + Debug + Serialize>(
            all: &[T],
            code: fn(T) -> &'static str,
            zh: fn(T) -> &'static str,
            en: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            let mut codes: Vec<&str> = all.iter().map(|&x| code(x)).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), all.len(), "codes are unique");
            let mut labels: Vec<&str> = all.iter().map(|&x| zh(x)).collect();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(labels.len(), all.len(), "Chinese labels are unique");
            for &x in all {
                assert_eq!(parse(code(x)), Some(x));
                assert_eq!(parse(zh(x)), Some(x));
                assert_eq!(parse(&format!(" {} ", code(x))), Some(x), "trimmed");
                assert!(!en(x).is_empty());
                assert_eq!(serde_json::to_string(&x).unwrap(), format!("\"{}\"", code(x)));
            }
            assert_eq!(parse("nonsense"), None);
        }
        check(&AS::ALL, AS::code, AS::label_zh, AS::label_en, AS::parse);
        check(&AA::ALL, AA::code, AA::label_zh, AA::label_en, AA::parse);
        check(
            &AcceptanceActor::ALL,
            AcceptanceActor::code,
            AcceptanceActor::label_zh,
            AcceptanceActor::label_en,
            AcceptanceActor::parse,
        );
        check(&SS::ALL, SS::code, SS::label_zh, SS::label_en, SS::parse);
        check(&SA::ALL, SA::code, SA::label_zh, SA::label_en, SA::parse);
        check(
            &PaymentState::ALL,
            PaymentState::code,
            PaymentState::label_zh,
            PaymentState::label_en,
            PaymentState::parse,
        );
        check(
            &PaymentAction::ALL,
            PaymentAction::code,
            PaymentAction::label_zh,
            PaymentAction::label_en,
            PaymentAction::parse,
        );
        assert_eq!(AS::DistrictVerified.code(), "district_verified");
        assert_eq!(AS::parse("退回整改"), Some(AS::Returned));
        assert_eq!(AA::parse("退回整改"), Some(AA::Return));
        assert_eq!(SS::parse("公示中"), Some(SS::Publicised));
    }

    // ── random walks ──

    mod walks {
        use proptest::prelude::*;

        use super::*;

        /// Applies random actions under random guards: the state never leaves the machine, a
        /// final state is never left, a refused action changes nothing, and every success is a
        /// row of the expected table.
        fn walk<S: Workflow>(
            start: S,
            steps: &[(usize, S::Guard)],
            expected: &[(S, S::Action, S)],
        ) -> Result<Vec<(S, S::Action, S)>, TestCaseError> {
            let mut s = start;
            let mut taken = Vec::new();
            for (i, g) in steps {
                let action = S::ACTIONS[i % S::ACTIONS.len()];
                let final_before = is_final(s);
                match transition(s, action, g) {
                    Ok(to) => {
                        prop_assert!(!final_before, "{:?} is final but --{:?} left it", s, action);
                        prop_assert!(S::STATES.contains(&to));
                        prop_assert!(expected.contains(&(s, action, to)), "{:?} --{:?}→ {:?}", s, action, to);
                        taken.push((s, action, to));
                        s = to;
                    }
                    Err(TransitionError::NotAllowed { .. }) => prop_assert!(!available(s).contains(&action)),
                    Err(_) => prop_assert!(available(s).contains(&action), "guards refuse only offered actions"),
                }
            }
            Ok(taken)
        }

        proptest! {
            #[test]
            fn acceptance_walk(steps in proptest::collection::vec((any::<usize>(), any::<[bool; 6]>()), 0..60)) {
                let steps: Vec<(usize, AcceptanceGuard)> = steps.into_iter().map(|(i, b)| (i, AcceptanceGuard {
                    materials_complete: b[0], onsite_recorded: b[1], finance_checked: b[2],
                    criteria_passed: b[3], override_reason: b[4], has_reason: b[5],
                })).collect();
                let taken = walk(AS::Applied, &steps, ACCEPTANCE)?;
                // Each success was allowed by its own guard facts.
                let mut s = AS::Applied;
                for (i, g) in &steps {
                    let a = AA::ALL[i % AA::ALL.len()];
                    if let Ok(to) = transition(s, a, g) {
                        if to == AS::Accepted { prop_assert!(g.criteria_passed || g.override_reason); }
                        if to == AS::DistrictVerified || (s == AS::Returned && to == AS::Applied) {
                            prop_assert!(g.materials_complete);
                        }
                        if a.needs_reason() { prop_assert!(g.has_reason); }
                        s = to;
                    }
                }
                prop_assert_eq!(taken.last().map_or(AS::Applied, |t| t.2), s);
            }

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

            #[test]
            fn payment_walk(steps in proptest::collection::vec((any::<usize>(), any::<bool>()), 0..10)) {
                let steps: Vec<(usize, PaymentGuard)> =
                    steps.into_iter().map(|(i, has_reason)| (i, PaymentGuard { has_reason })).collect();
                let taken = walk(PaymentState::Posted, &steps, &[(PaymentState::Posted, PaymentAction::Reverse, PaymentState::Reversed)])?;
                prop_assert!(taken.len() <= 1, "a payment is reversed at most once");
            }
        }
    }
}
