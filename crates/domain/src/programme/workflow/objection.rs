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

coded!(ObjectionState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Open => "open", "待处理", "Open";
    Upheld => "upheld", "异议成立", "Upheld";
    Dismissed => "dismissed", "异议不成立", "Dismissed";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionAction {
    Uphold,
    Dismiss,
}

coded!(ObjectionAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Uphold => "uphold", "认定异议成立", "Uphold";
    Dismiss => "dismiss", "驳回异议", "Dismiss";
});

impl ObjectionAction {
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
