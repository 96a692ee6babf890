//! Typical cases (典型案例) and 小灯塔 enterprises (programme.md §5.9, §10.2): nominated with a
//! measured outcome, reviewed by an expert or officer, published by the authority, and revoked
//! if found wrong: 已提名 → 已评审 → 已发布 (→ 已撤销), or 未入选 after review.

use serde::{Deserialize, Serialize};

use super::workflow::{TransitionError, Workflow};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 典型案例: a transformation worth copying.
    TypicalCase,
    /// 小灯塔 (lighthouse) enterprise: a sample of what the programme can reach.
    Lighthouse,
}

coded!(CaseKind [code, label_zh], pub fn parse(code | label_zh) {
    TypicalCase => "typical_case", "典型案例";
    Lighthouse => "lighthouse", "小灯塔企业";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Nominated,
    Reviewed,
    Published,
    NotSelected,
    Revoked,
}

coded!(CaseState [code, label_zh], pub fn parse(code | label_zh) {
    Nominated => "nominated", "已提名";
    Reviewed => "reviewed", "已评审";
    Published => "published", "已发布";
    NotSelected => "not_selected", "未入选";
    Revoked => "revoked", "已撤销";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// An expert or officer reviews it favourably (with an opinion).
    Review,
    /// Reviewed unfavourably (with a reason).
    Decline,
    Publish,
    Revoke,
}

coded!(CaseAction [code, label_zh], pub fn parse(code | label_zh) {
    Review => "review", "评审通过";
    Decline => "decline", "评审不通过";
    Publish => "publish", "发布";
    Revoke => "revoke", "撤销";
});

impl CaseAction {
    /// Every case action needs a written opinion or reason except publishing.
    pub fn needs_reason(self) -> bool {
        self != CaseAction::Publish
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseGuard {
    pub has_reason: bool,
}

impl Workflow for CaseState {
    type Action = CaseAction;
    type Guard = CaseGuard;
    const STATES: &'static [Self] = &CaseState::ALL;
    const ACTIONS: &'static [CaseAction] = &CaseAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: CaseAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: CaseAction) -> Option<Self> {
        match (self, action) {
            (CaseState::Nominated, CaseAction::Review) => Some(CaseState::Reviewed),
            (CaseState::Nominated, CaseAction::Decline) => Some(CaseState::NotSelected),
            (CaseState::Reviewed, CaseAction::Publish) => Some(CaseState::Published),
            (CaseState::Reviewed, CaseAction::Decline) => Some(CaseState::NotSelected),
            (CaseState::Published, CaseAction::Revoke) => Some(CaseState::Revoked),
            _ => None,
        }
    }

    fn guard(self, action: CaseAction, to: Self, g: &CaseGuard) -> Result<Self, TransitionError> {
        if action.needs_reason() && !g.has_reason {
            return Err(TransitionError::ReasonRequired);
        }
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::workflow::{available, is_final, transition};

    #[test]
    fn table() {
        let g = CaseGuard { has_reason: true };
        let expected = [
            (CaseState::Nominated, CaseAction::Review, CaseState::Reviewed),
            (CaseState::Nominated, CaseAction::Decline, CaseState::NotSelected),
            (CaseState::Reviewed, CaseAction::Publish, CaseState::Published),
            (CaseState::Reviewed, CaseAction::Decline, CaseState::NotSelected),
            (CaseState::Published, CaseAction::Revoke, CaseState::Revoked),
        ];
        for from in CaseState::ALL {
            for a in CaseAction::ALL {
                let want = expected.iter().find(|(f, x, _)| *f == from && *x == a).map(|(_, _, t)| *t);
                match want {
                    Some(to) => assert_eq!(transition(from, a, &g), Ok(to)),
                    None => {
                        assert!(matches!(transition(from, a, &g), Err(TransitionError::NotAllowed { .. })));
                        assert!(!available(from).contains(&a));
                    }
                }
            }
        }
        let finals: Vec<CaseState> = CaseState::ALL.into_iter().filter(|s| is_final(*s)).collect();
        assert_eq!(finals, vec![CaseState::NotSelected, CaseState::Revoked]);
    }

    #[test]
    fn opinions_are_required_except_to_publish() {
        let none = CaseGuard { has_reason: false };
        assert_eq!(transition(CaseState::Nominated, CaseAction::Review, &none), Err(TransitionError::ReasonRequired));
        assert_eq!(transition(CaseState::Published, CaseAction::Revoke, &none), Err(TransitionError::ReasonRequired));
        assert_eq!(transition(CaseState::Reviewed, CaseAction::Publish, &none), Ok(CaseState::Published));
        for k in CaseKind::ALL {
            assert_eq!(CaseKind::parse(k.code()), Some(k));
        }
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.label_zh()), Some(s));
        }
    }
}
