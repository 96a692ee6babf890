//! A chain or cluster project (链式 / 面状改造, 工信部联企业〔2024〕239号): a lead — a 龙头企业 along
//! its supply chain, an industrial-internet platform along an industry chain, or a park or cluster —
//! brings N SMEs into one programme. 组建中 → 已申报 → 已批准, or back to 组建中 when the officer
//! returns it; the lead may withdraw (已撤回) before approval.

use serde::{Deserialize, Serialize};

use super::{TransitionError, Workflow, reason, require};

/// Who leads, and so which of the 2025–27 transformation patterns it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainKind {
    SupplyChain,
    Platform,
    Cluster,
}

coded!(ChainKind [code, label_zh, label_en], pub fn parse(code | label_zh) {
    SupplyChain => "supply_chain", "链式（龙头企业带动）", "Chain led by a lead enterprise";
    Platform => "platform", "链式（平台带动）", "Chain led by an industrial-internet platform";
    Cluster => "cluster", "面状（园区/集群）", "Cluster or park";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainState {
    Forming,
    Applied,
    Approved,
    Withdrawn,
}

coded!(ChainState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Forming => "forming", "组建中", "Forming";
    Applied => "applied", "已申报", "Applied";
    Approved => "approved", "已批准", "Approved";
    Withdrawn => "withdrawn", "已撤回", "Withdrawn";
});

impl ChainState {
    /// SMEs join (and their line is added to the frame) only while the chain is being formed.
    pub fn open_to_members(self) -> bool {
        self == ChainState::Forming
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainAction {
    Submit,
    Approve,
    Return,
    Withdraw,
}

coded!(ChainAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Submit => "submit", "提交申报", "Submit";
    Approve => "approve", "批准", "Approve";
    Return => "return", "退回修改", "Return";
    Withdraw => "withdraw", "撤回", "Withdraw";
});

/// Who takes a step: the lead enterprise forms, submits and withdraws; the programme's officer
/// decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainActor {
    Lead,
    Officer,
}

impl ChainAction {
    pub fn actor(self) -> ChainActor {
        match self {
            ChainAction::Submit | ChainAction::Withdraw => ChainActor::Lead,
            ChainAction::Approve | ChainAction::Return => ChainActor::Officer,
        }
    }

    /// A return is explained to the lead.
    pub fn needs_reason(self) -> bool {
        self == ChainAction::Return
    }
}

/// The facts a step is judged on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChainGuard {
    pub members: u32,
    /// The programme's minimum number of participating SMEs.
    pub min_members: u32,
    pub has_reason: bool,
}

impl Workflow for ChainState {
    type Action = ChainAction;
    type Guard = ChainGuard;
    const STATES: &'static [Self] = &ChainState::ALL;
    const ACTIONS: &'static [ChainAction] = &ChainAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: ChainAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: ChainAction) -> Option<Self> {
        use ChainAction as A;
        use ChainState as S;
        match (self, action) {
            (S::Forming, A::Submit) => Some(S::Applied),
            (S::Applied, A::Approve) => Some(S::Approved),
            (S::Applied, A::Return) => Some(S::Forming),
            (S::Forming | S::Applied, A::Withdraw) => Some(S::Withdrawn),
            _ => None,
        }
    }

    fn guard(self, action: ChainAction, to: Self, g: &ChainGuard) -> Result<Self, TransitionError> {
        reason(action.needs_reason(), g.has_reason)?;
        if matches!(action, ChainAction::Submit | ChainAction::Approve) {
            require(
                g.members >= g.min_members,
                TransitionError::TooFewMembers { have: g.members, need: g.min_members },
            )?;
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
    fn chain_table_is_exact() {
        use ChainAction as A;
        use ChainState as S;
        let table = [
            (S::Forming, A::Submit, S::Applied),
            (S::Applied, A::Approve, S::Approved),
            (S::Applied, A::Return, S::Forming),
            (S::Forming, A::Withdraw, S::Withdrawn),
            (S::Applied, A::Withdraw, S::Withdrawn),
        ];
        let g = ChainGuard { members: 3, min_members: 3, has_reason: true };
        exhaustive(&table, &g, &[S::Approved, S::Withdrawn]);
    }

    #[test]
    fn a_chain_below_the_minimum_cannot_be_submitted_or_approved() {
        let g = ChainGuard { members: 2, min_members: 3, has_reason: false };
        let err = TransitionError::TooFewMembers { have: 2, need: 3 };
        assert_eq!(transition(ChainState::Forming, ChainAction::Submit, &g), Err(err.clone()));
        assert_eq!(transition(ChainState::Applied, ChainAction::Approve, &g), Err(err));
        assert_eq!(transition(ChainState::Applied, ChainAction::Return, &g), Err(TransitionError::ReasonRequired));
        assert!(ChainState::Forming.open_to_members());
        assert!(!ChainState::Applied.open_to_members());
    }
}
