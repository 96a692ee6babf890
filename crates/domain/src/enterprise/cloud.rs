//! Cloud adoption (企业上云) records and their life cycle:
//! reported → verified (an authority check, or the enterprise confirming use
//! after at least three months) or reported → rejected.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudLayer {
    /// 基础设施 (IaaS)
    Infrastructure,
    /// 平台系统 (PaaS)
    Platform,
    /// 业务应用 (SaaS)
    Application,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudCategory {
    /// 管理上云
    Management,
    /// 业务上云
    Business,
    /// 设备上云
    Equipment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudStatus {
    Reported,
    Verified,
    Rejected,
}

coded!(CloudLayer [code, label], pub fn parse(code | label) {
    Infrastructure => "infrastructure", "基础设施";
    Platform => "platform", "平台系统";
    Application => "application", "业务应用";
});
coded!(CloudCategory [code, label], pub fn parse(code | label) {
    Management => "management", "管理上云";
    Business => "business", "业务上云";
    Equipment => "equipment", "设备上云";
});
coded!(CloudStatus [code, label], pub fn parse(code | label) {
    Reported => "reported", "已填报";
    Verified => "verified", "已核验";
    Rejected => "rejected", "已驳回";
});

/// Days of confirmed use after which the enterprise's own confirmation verifies a record.
pub const MIN_USE_DAYS: i64 = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudEvent {
    /// An authority checked the evidence.
    AuthorityVerified,
    /// The enterprise confirms the service is still in use, `days_in_use` after it started.
    UseConfirmed {
        days_in_use: i64,
    },
    AuthorityRejected,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CloudTransitionError {
    #[error("该上云记录已{0}，不能再变更")]
    Final(&'static str),
    #[error("使用未满{MIN_USE_DAYS}天（已使用{0}天），需主管部门核验")]
    TooEarly(i64),
}

/// The one place the life cycle is decided.
pub fn transition(from: CloudStatus, event: CloudEvent) -> Result<CloudStatus, CloudTransitionError> {
    match (from, event) {
        (CloudStatus::Reported, CloudEvent::AuthorityVerified) => Ok(CloudStatus::Verified),
        (CloudStatus::Reported, CloudEvent::AuthorityRejected) => Ok(CloudStatus::Rejected),
        (CloudStatus::Reported, CloudEvent::UseConfirmed { days_in_use }) if days_in_use >= MIN_USE_DAYS => {
            Ok(CloudStatus::Verified)
        }
        (CloudStatus::Reported, CloudEvent::UseConfirmed { days_in_use }) => {
            Err(CloudTransitionError::TooEarly(days_in_use.max(0)))
        }
        (s, _) => Err(CloudTransitionError::Final(s.label())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn life_cycle() {
        use CloudEvent::*;
        use CloudStatus::*;
        assert_eq!(transition(Reported, AuthorityVerified), Ok(Verified));
        assert_eq!(transition(Reported, AuthorityRejected), Ok(Rejected));
        assert_eq!(transition(Reported, UseConfirmed { days_in_use: 90 }), Ok(Verified));
        assert_eq!(transition(Reported, UseConfirmed { days_in_use: 89 }), Err(CloudTransitionError::TooEarly(89)));
        assert!(transition(Verified, AuthorityRejected).is_err());
        assert!(transition(Rejected, AuthorityVerified).is_err());
    }

    #[test]
    fn labels_parse() {
        assert_eq!(CloudLayer::parse("平台系统"), Some(CloudLayer::Platform));
        assert_eq!(CloudCategory::parse("equipment"), Some(CloudCategory::Equipment));
        assert_eq!(CloudLayer::parse("云"), None);
    }
}
