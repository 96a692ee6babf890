//! Acceptance (验收) of a completed project: 已申请验收 → 区县已核查 (the district's truthfulness
//! check) → 已评测核查 (on-site assessment and financial check recorded, criteria evaluated) →
//! 验收通过 | 验收未通过; from any open state it can be returned for rectification (退回整改).

use serde::{Deserialize, Serialize};

use crate::programme::workflow::{TransitionError, Workflow, reason, require};

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

coded!(AcceptanceState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Applied => "applied", "已申请验收", "Applied for acceptance";
    DistrictVerified => "district_verified", "区县已核查", "Verified by the district";
    Assessed => "assessed", "已评测核查", "Assessed on site and audited";
    Accepted => "accepted", "验收通过", "Accepted";
    Rejected => "rejected", "验收未通过", "Rejected";
    Returned => "returned", "退回整改", "Returned for rectification";
});

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

coded!(AcceptanceAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Verify => "verify", "真实性核查通过", "Verify truthfulness";
    Assess => "assess", "完成现场评测与财务核查", "Record on-site assessment and financial check";
    Accept => "accept", "通过验收", "Accept";
    Reject => "reject", "不予通过", "Reject";
    Return => "return", "退回整改", "Return for rectification";
    Reapply => "reapply", "重新申请验收", "Re-apply for acceptance";
});

impl AcceptanceAction {
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

coded!(AcceptanceActor [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Enterprise => "enterprise", "企业", "Enterprise";
    DistrictOfficer => "district_officer", "区县主管部门", "District authority";
    CityOfficer => "city_officer", "市级主管部门", "City authority";
});

impl AcceptanceActor {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::programme::workflow::testkit::{exhaustive, reasons, walk};
    use crate::programme::workflow::{is_final, transition};
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

    }
}
