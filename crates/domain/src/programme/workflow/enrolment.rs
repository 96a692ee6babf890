//! Enrolment into the pilot-enterprise pool (试点企业库): 已申请 → 区县已审核 → 市级已审核 → 公示中 →
//! 已入库, or 未通过 on a rejection; an upheld objection or a removal → 已移出. Who may act
//! depends on the officer's region ([`EnrolmentActor::roles_of`]).

use serde::{Deserialize, Serialize};

use super::{TransitionError, Workflow, reason, require};
use crate::provider::lifecycle::beijing_minute;
use crate::region::{RegionCode, RegionLevel};

/// Where an enterprise stands in the pilot-enterprise pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentState {
    Applied,
    DistrictApproved,
    CityApproved,
    Publicised,
    Listed,
    Rejected,
    Removed,
}

coded!(EnrolmentState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Applied => "applied", "已申请", "Applied";
    DistrictApproved => "district_approved", "区县已审核", "Approved by the district";
    CityApproved => "city_approved", "市级已审核", "Approved by the city";
    Publicised => "publicised", "公示中", "In publicity period";
    Listed => "listed", "已入库", "Listed";
    Rejected => "rejected", "未通过", "Rejected";
    Removed => "removed", "已移出", "Removed";
});

impl EnrolmentState {
    /// In the pilot-enterprise pool (may start a project).
    pub fn is_listed(self) -> bool {
        self == EnrolmentState::Listed
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentAction {
    /// Applied → DistrictApproved: the district/county checked the application (真实性核查).
    DistrictApprove,
    /// Applied → Rejected, with a reason.
    DistrictReject,
    /// DistrictApproved → CityApproved: eligible, or an override with a reason.
    CityApprove,
    /// DistrictApproved | CityApproved → Rejected, with a reason.
    CityReject,
    /// CityApproved → Publicised.
    Publicise,
    /// Publicised → Listed: publicity over, no open objection.
    List,
    /// Publicised | Listed → Removed: an objection was upheld (with a reason).
    UpholdObjection,
    /// Listed → Removed, with a reason.
    Remove,
}

coded!(EnrolmentAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    DistrictApprove => "district_approve", "区县审核通过", "District approves";
    DistrictReject => "district_reject", "区县审核不通过", "District rejects";
    CityApprove => "city_approve", "市级审核通过", "City approves";
    CityReject => "city_reject", "市级审核不通过", "City rejects";
    Publicise => "publicise", "公示", "Publicise";
    List => "list", "入库", "List";
    UpholdObjection => "uphold_objection", "异议成立", "Uphold objection";
    Remove => "remove", "移出试点企业库", "Remove from the pool";
});

impl EnrolmentAction {
    /// Rejections and removals must say why.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            EnrolmentAction::DistrictReject
                | EnrolmentAction::CityReject
                | EnrolmentAction::UpholdObjection
                | EnrolmentAction::Remove
        )
    }
}

/// Who acts on an enrolment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentActor {
    /// An officer of the enterprise's district or county.
    DistrictOfficer,
    /// An officer of the programme's city (its region).
    CityOfficer,
}

coded!(EnrolmentActor [code, label_zh] {
    DistrictOfficer => "district_officer", "区县主管部门";
    CityOfficer => "city_officer", "市级主管部门";
});

impl EnrolmentActor {
    /// Who may perform `action`.
    pub fn allowed(action: EnrolmentAction) -> &'static [EnrolmentActor] {
        match action {
            EnrolmentAction::DistrictApprove | EnrolmentAction::DistrictReject => &[EnrolmentActor::DistrictOfficer],
            EnrolmentAction::CityApprove
            | EnrolmentAction::CityReject
            | EnrolmentAction::Publicise
            | EnrolmentAction::List
            | EnrolmentAction::UpholdObjection
            | EnrolmentAction::Remove => &[EnrolmentActor::CityOfficer],
        }
    }

    /// The roles an officer of region `officer` holds for an enterprise registered in `enterprise`
    /// under a programme covering `programme`:
    /// - district: the officer's region lies in the programme's and is the enterprise's county, or
    ///   the enterprise's own region when it is registered directly under a city (cities without
    ///   districts such as 中山市 442000, or an enterprise coded only to its city);
    /// - city: the officer's region is the programme's.
    pub fn roles_of(officer: &RegionCode, enterprise: &RegionCode, programme: &RegionCode) -> Vec<EnrolmentActor> {
        let mut roles = Vec::new();
        let local = programme.contains(officer) && officer.contains(enterprise);
        if local && (officer.level() == RegionLevel::County || officer == enterprise) {
            roles.push(EnrolmentActor::DistrictOfficer);
        }
        if officer == programme {
            roles.push(EnrolmentActor::CityOfficer);
        }
        roles
    }

    /// Whether an officer of region `officer` may perform `action` on this enrolment.
    pub fn may(action: EnrolmentAction, officer: &RegionCode, enterprise: &RegionCode, programme: &RegionCode) -> bool {
        let roles = EnrolmentActor::roles_of(officer, enterprise, programme);
        EnrolmentActor::allowed(action).iter().any(|a| roles.contains(a))
    }
}

/// Facts the enrolment guards need, gathered by the server in the same transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnrolmentGuard {
    pub now_ms: i64,
    /// When the publicity period ends; `None` when none was recorded (then only objections guard listing).
    pub publicity_ends_ms: Option<i64>,
    pub open_objections: u32,
    /// The entry check passed (`eligibility::eligible`).
    pub eligible: bool,
    /// The city approves although the check failed, and gave a reason (破格).
    pub override_reason: bool,
    pub has_reason: bool,
}

impl Workflow for EnrolmentState {
    type Action = EnrolmentAction;
    type Guard = EnrolmentGuard;
    const STATES: &'static [Self] = &EnrolmentState::ALL;
    const ACTIONS: &'static [EnrolmentAction] = &EnrolmentAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: EnrolmentAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: EnrolmentAction) -> Option<Self> {
        use EnrolmentAction as A;
        use EnrolmentState as S;
        match (self, action) {
            (S::Applied, A::DistrictApprove) => Some(S::DistrictApproved),
            (S::Applied, A::DistrictReject) => Some(S::Rejected),
            (S::DistrictApproved, A::CityApprove) => Some(S::CityApproved),
            (S::DistrictApproved | S::CityApproved, A::CityReject) => Some(S::Rejected),
            (S::CityApproved, A::Publicise) => Some(S::Publicised),
            (S::Publicised, A::List) => Some(S::Listed),
            (S::Publicised | S::Listed, A::UpholdObjection) => Some(S::Removed),
            (S::Listed, A::Remove) => Some(S::Removed),
            _ => None,
        }
    }

    fn guard(self, action: EnrolmentAction, to: Self, g: &EnrolmentGuard) -> Result<Self, TransitionError> {
        reason(action.needs_reason(), g.has_reason)?;
        match action {
            EnrolmentAction::CityApprove => require(g.eligible || g.override_reason, TransitionError::NotEligible)?,
            EnrolmentAction::List => {
                if let Some(ends) = g.publicity_ends_ms.filter(|&e| g.now_ms < e) {
                    return Err(TransitionError::PublicityRunning { ends: beijing_minute(ends) });
                }
                require(g.open_objections == 0, TransitionError::OpenObjections(g.open_objections))?;
            }
            _ => {}
        }
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::workflow::testkit::exhaustive;
    use crate::programme::workflow::transition;
    // ── enrolment ──

    use EnrolmentAction as EA;
    use EnrolmentState as ES;

    fn enrolment_ok() -> EnrolmentGuard {
        EnrolmentGuard {
            now_ms: 1_700_000_000_000,
            publicity_ends_ms: Some(1_600_000_000_000),
            open_objections: 0,
            eligible: true,
            override_reason: false,
            has_reason: true,
        }
    }

    /// The enrolment table written out independently of `target`.
    const ENROLMENT: &[(ES, EA, ES)] = &[
        (ES::Applied, EA::DistrictApprove, ES::DistrictApproved),
        (ES::Applied, EA::DistrictReject, ES::Rejected),
        (ES::DistrictApproved, EA::CityApprove, ES::CityApproved),
        (ES::DistrictApproved, EA::CityReject, ES::Rejected),
        (ES::CityApproved, EA::CityReject, ES::Rejected),
        (ES::CityApproved, EA::Publicise, ES::Publicised),
        (ES::Publicised, EA::List, ES::Listed),
        (ES::Publicised, EA::UpholdObjection, ES::Removed),
        (ES::Listed, EA::UpholdObjection, ES::Removed),
        (ES::Listed, EA::Remove, ES::Removed),
    ];

    #[test]
    fn enrolment_table_is_exact() {
        exhaustive(ENROLMENT, &enrolment_ok(), &[ES::Rejected, ES::Removed]);
        let e = transition(ES::Rejected, EA::List, &enrolment_ok()).unwrap_err();
        assert_eq!(e.to_string(), "当前状态“未通过”下不能执行“入库”");
    }

    #[test]
    fn enrolment_reasons() {
        let g = EnrolmentGuard { has_reason: false, ..enrolment_ok() };
        for (from, action, _) in ENROLMENT {
            let got = transition(*from, *action, &g);
            if action.needs_reason() {
                assert_eq!(got, Err(TransitionError::ReasonRequired), "{from:?} --{action:?}");
            } else {
                assert!(got.is_ok(), "{from:?} --{action:?} needs no reason");
            }
        }
        let needing: Vec<EA> = EA::ALL.into_iter().filter(|a| a.needs_reason()).collect();
        assert_eq!(needing, [EA::DistrictReject, EA::CityReject, EA::UpholdObjection, EA::Remove]);
    }

    #[test]
    fn city_approval_needs_eligibility_or_an_override() {
        let mut g = EnrolmentGuard { eligible: false, has_reason: false, ..enrolment_ok() };
        let e = transition(ES::DistrictApproved, EA::CityApprove, &g).unwrap_err();
        assert_eq!(e, TransitionError::NotEligible);
        assert_eq!(e.to_string(), "企业不满足入库条件；如需破格入库，请填写理由");
        g.override_reason = true;
        assert_eq!(transition(ES::DistrictApproved, EA::CityApprove, &g), Ok(ES::CityApproved));
        g.override_reason = false;
        g.eligible = true;
        assert_eq!(transition(ES::DistrictApproved, EA::CityApprove, &g), Ok(ES::CityApproved));
    }

    #[test]
    fn listing_waits_for_publicity_and_objections() {
        // 2024-03-01 00:00 Beijing.
        let ends = 1_709_222_400_000;
        let mut g = EnrolmentGuard { publicity_ends_ms: Some(ends), now_ms: ends - 1, ..enrolment_ok() };
        let e = transition(ES::Publicised, EA::List, &g).unwrap_err();
        assert_eq!(e.to_string(), "公示期至 2024-03-01 00:00 结束，结束前不能入库");
        g.now_ms = ends;
        assert_eq!(transition(ES::Publicised, EA::List, &g), Ok(ES::Listed));
        g.open_objections = 1;
        assert_eq!(transition(ES::Publicised, EA::List, &g), Err(TransitionError::OpenObjections(1)));
        assert_eq!(transition(ES::Publicised, EA::UpholdObjection, &g), Ok(ES::Removed));
        g.publicity_ends_ms = None;
        g.open_objections = 0;
        assert_eq!(transition(ES::Publicised, EA::List, &g), Ok(ES::Listed));
    }

    #[test]
    fn officers_by_region() {
        let rc = |s: &str| RegionCode::parse(s).unwrap();
        let nanjing = rc("320100");
        let jiangning = rc("320115");
        // The district officer of the enterprise's district; the city officer of the programme's city.
        assert_eq!(EnrolmentActor::roles_of(&jiangning, &jiangning, &nanjing), [EnrolmentActor::DistrictOfficer]);
        assert_eq!(EnrolmentActor::roles_of(&nanjing, &jiangning, &nanjing), [EnrolmentActor::CityOfficer]);
        assert!(EnrolmentActor::roles_of(&rc("320102"), &jiangning, &nanjing).is_empty(), "another district");
        assert!(EnrolmentActor::roles_of(&rc("320000"), &jiangning, &nanjing).is_empty(), "the province");
        assert!(EnrolmentActor::roles_of(&rc("320205"), &rc("320205"), &nanjing).is_empty(), "outside the programme");
        // 中山市 has no districts: its officers do both reviews.
        let zhongshan = rc("442000");
        assert_eq!(
            EnrolmentActor::roles_of(&zhongshan, &zhongshan, &zhongshan),
            [EnrolmentActor::DistrictOfficer, EnrolmentActor::CityOfficer]
        );
        assert!(EnrolmentActor::may(EA::DistrictApprove, &jiangning, &jiangning, &nanjing));
        assert!(!EnrolmentActor::may(EA::CityApprove, &jiangning, &jiangning, &nanjing));
        assert!(EnrolmentActor::may(EA::Publicise, &nanjing, &jiangning, &nanjing));
        assert!(!EnrolmentActor::may(EA::DistrictReject, &nanjing, &jiangning, &nanjing));
        for a in EA::ALL {
            assert_eq!(EnrolmentActor::allowed(a).len(), 1, "{a:?}");
        }
    }
}
