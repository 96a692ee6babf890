//! An objection (异议) raised during a publicity period (公示): 待处理 → 异议成立 | 异议不成立.

use serde::{Deserialize, Serialize};

use super::{TransitionError, Workflow, reason};

/// An objection (异议) raised during a publicity period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionState {
    Open,
    Upheld,
    Dismissed,
}

impl ObjectionState {
    pub const ALL: [ObjectionState; 3] = [ObjectionState::Open, ObjectionState::Upheld, ObjectionState::Dismissed];

    pub fn code(self) -> &'static str {
        match self {
            ObjectionState::Open => "open",
            ObjectionState::Upheld => "upheld",
            ObjectionState::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectionState> {
        let s = s.trim();
        ObjectionState::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ObjectionState::Open => "待处理",
            ObjectionState::Upheld => "异议成立",
            ObjectionState::Dismissed => "异议不成立",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ObjectionState::Open => "Open",
            ObjectionState::Upheld => "Upheld",
            ObjectionState::Dismissed => "Dismissed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionAction {
    Uphold,
    Dismiss,
}

impl ObjectionAction {
    pub const ALL: [ObjectionAction; 2] = [ObjectionAction::Uphold, ObjectionAction::Dismiss];

    pub fn code(self) -> &'static str {
        match self {
            ObjectionAction::Uphold => "uphold",
            ObjectionAction::Dismiss => "dismiss",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectionAction> {
        let s = s.trim();
        ObjectionAction::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ObjectionAction::Uphold => "认定异议成立",
            ObjectionAction::Dismiss => "驳回异议",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ObjectionAction::Uphold => "Uphold",
            ObjectionAction::Dismiss => "Dismiss",
        }
    }

    /// Both decisions are explained to the objector.
    pub fn needs_reason(self) -> bool {
        true
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectionGuard {
    pub has_reason: bool,
}

impl Workflow for ObjectionState {
    type Action = ObjectionAction;
    type Guard = ObjectionGuard;
    const STATES: &'static [Self] = &ObjectionState::ALL;
    const ACTIONS: &'static [ObjectionAction] = &ObjectionAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: ObjectionAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: ObjectionAction) -> Option<Self> {
        match (self, action) {
            (ObjectionState::Open, ObjectionAction::Uphold) => Some(ObjectionState::Upheld),
            (ObjectionState::Open, ObjectionAction::Dismiss) => Some(ObjectionState::Dismissed),
            _ => None,
        }
    }

    fn guard(self, action: ObjectionAction, to: Self, g: &ObjectionGuard) -> Result<Self, TransitionError> {
        reason(action.needs_reason(), g.has_reason)?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::workflow::testkit::exhaustive;
    use crate::programme::workflow::transition;

    #[test]
    fn objection_table_is_exact() {
        use ObjectionAction as OA;
        use ObjectionState as OS;
        let table = [(OS::Open, OA::Uphold, OS::Upheld), (OS::Open, OA::Dismiss, OS::Dismissed)];
        exhaustive(&table, &ObjectionGuard { has_reason: true }, &[OS::Upheld, OS::Dismissed]);
        for a in OA::ALL {
            assert_eq!(transition(OS::Open, a, &ObjectionGuard::default()), Err(TransitionError::ReasonRequired));
        }
    }
}
