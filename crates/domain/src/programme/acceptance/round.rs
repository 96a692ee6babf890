//! An on-site acceptance round (现场验收批次, as Xiamen ran them in 2025: rounds, on-site rating,
//! 一企一档 check): 计划中 → 进行中 → 已结束. A round gathers acceptances waiting for their on-site
//! check and the assessors who go; it starts only with both, and once closed it changes no more.

use serde::{Deserialize, Serialize};

use crate::programme::workflow::{TransitionError, Workflow, require};

use super::AcceptanceState;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Planned,
    InProgress,
    Closed,
}

coded!(RoundState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Planned => "planned", "计划中", "Planned";
    InProgress => "in_progress", "进行中", "In progress";
    Closed => "closed", "已结束", "Closed";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundAction {
    /// Planned → InProgress: needs at least one acceptance and one assessor.
    Start,
    /// InProgress → Closed.
    Close,
}

coded!(RoundAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Start => "start", "开始现场验收", "Start the round";
    Close => "close", "结束本批次", "Close the round";
});

impl RoundState {
    /// Acceptances and assessors may be added while the round has not ended.
    pub fn open(self) -> bool {
        self != RoundState::Closed
    }
}

/// Whether an acceptance in state `s` is waiting for its on-site check, so a round may take it:
/// the district has verified it and nothing on site is recorded yet.
pub fn awaits_onsite(s: AcceptanceState) -> bool {
    s == AcceptanceState::DistrictVerified
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoundGuard {
    pub acceptances: u32,
    pub assessors: u32,
}

impl Workflow for RoundState {
    type Action = RoundAction;
    type Guard = RoundGuard;
    const STATES: &'static [Self] = &RoundState::ALL;
    const ACTIONS: &'static [RoundAction] = &RoundAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: RoundAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: RoundAction) -> Option<Self> {
        match (self, action) {
            (RoundState::Planned, RoundAction::Start) => Some(RoundState::InProgress),
            (RoundState::InProgress, RoundAction::Close) => Some(RoundState::Closed),
            _ => None,
        }
    }

    fn guard(self, action: RoundAction, to: Self, g: &RoundGuard) -> Result<Self, TransitionError> {
        if action == RoundAction::Start {
            require(g.acceptances > 0, TransitionError::RoundEmpty)?;
            require(g.assessors > 0, TransitionError::RoundNoAssessor)?;
        }
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::workflow::testkit::exhaustive;
    use crate::programme::workflow::transition;

    #[test]
    fn round_table_is_exact() {
        use RoundAction as RA;
        use RoundState as RS;
        let table = [(RS::Planned, RA::Start, RS::InProgress), (RS::InProgress, RA::Close, RS::Closed)];
        exhaustive(&table, &RoundGuard { acceptances: 1, assessors: 1 }, &[RS::Closed]);
        assert_eq!(
            transition(RS::Planned, RA::Start, &RoundGuard { acceptances: 0, assessors: 1 }),
            Err(TransitionError::RoundEmpty)
        );
        assert_eq!(
            transition(RS::Planned, RA::Start, &RoundGuard { acceptances: 2, assessors: 0 }),
            Err(TransitionError::RoundNoAssessor)
        );
        assert!(RS::InProgress.open() && !RS::Closed.open());
        assert_eq!(RS::parse("进行中"), Some(RS::InProgress));
        assert_eq!(serde_json::to_string(&RA::Close).unwrap(), "\"close\"");
        assert!(awaits_onsite(AcceptanceState::DistrictVerified));
        assert!(!awaits_onsite(AcceptanceState::Assessed) && !awaits_onsite(AcceptanceState::Applied));
    }
}
