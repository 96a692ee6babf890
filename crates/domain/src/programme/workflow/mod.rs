//! Programme workflows as state machines, in the style of `provider::lifecycle`:
//!
//! 1. Enrolment into the pilot-enterprise pool (试点企业库): 已申请 → 区县已审核 → 市级已审核 →
//!    公示中 → 已入库, or 未通过 on a rejection; an upheld objection or a removal → 已移出.
//! 2. The transformation project (改造项目) up to the point where acceptance starts: 草稿 → 诊断中 →
//!    诊断完成 → 方案已提交 → 已签约 → 已备案 → 实施中 → 已完成, or 已取消 from any earlier state.
//! 3. An objection (异议) raised during 公示: 待处理 → 异议成立 | 异议不成立.
//! 4. A chain or cluster project (链式 / 面状): 组建中 → 已申报 → 已批准, or 已撤回.
//!
//! The server reads the state and the facts into the machine's guard, calls [`transition`] and
//! writes the new state only if the stored one is still `from` (compare-and-set). [`transition`] and
//! [`available`] are generic over the three machines (the [`Workflow`] trait), so
//! `transition(EnrolmentState::Applied, EnrolmentAction::DistrictApprove, &guard)` just works.
//! Who may act is separate: [`EnrolmentActor::allowed`] and [`ProjectActor::allowed`].
//!
//! One file per machine (`enrolment`, `project`, `objection`); the trait, the error and the
//! generic functions live here.

mod chain;
mod enrolment;
mod objection;
mod project;
#[cfg(test)]
pub(crate) mod testkit;

use std::fmt::Debug;

pub use chain::*;
pub use enrolment::*;
pub use objection::*;
pub use project::*;

/// A state machine: its states are `Self`, its table is [`Workflow::target`], its guards
/// [`Workflow::guard`].
pub trait Workflow: Copy + Eq + Debug + 'static {
    type Action: Copy + Eq + Debug + 'static;
    type Guard;
    /// Every state.
    const STATES: &'static [Self];
    /// Every action.
    const ACTIONS: &'static [Self::Action];
    fn state_label_zh(self) -> &'static str;
    fn action_label_zh(action: Self::Action) -> &'static str;
    /// The target of `action` by the table alone, before any guard.
    fn target(self, action: Self::Action) -> Option<Self>;
    /// The action's own guard, once the table allows it.
    fn guard(self, action: Self::Action, to: Self, g: &Self::Guard) -> Result<Self, TransitionError>;
}

/// Why a transition may not happen now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("当前状态“{from}”下不能执行“{action}”")]
    NotAllowed { from: &'static str, action: &'static str },
    #[error("请填写理由")]
    ReasonRequired,
    #[error("企业不满足入库条件；如需破格入库，请填写理由")]
    NotEligible,
    #[error("公示期至 {ends} 结束，结束前不能入库")]
    PublicityRunning { ends: String },
    #[error("公示期内有 {0} 件异议尚未处理")]
    OpenObjections(u32),
    #[error("请先上传诊断报告")]
    ReportMissing,
    #[error("诊断报告尚未提交")]
    DiagnosisNotSubmitted,
    #[error("改造方案不完整或有误，请修改后再提交")]
    PlanInvalid,
    #[error("合同未通过校验（签约日期须在试点实施期内），不能签订")]
    ContractInvalid,
    #[error("请先分配备案编号")]
    FilingNumberMissing,
    #[error("尚有里程碑未完成，不能申报完成")]
    MilestonesOpen,
    #[error("验收材料不齐全，请先补齐")]
    MaterialsIncomplete,
    #[error("尚无现场评测结果")]
    OnsiteMissing,
    #[error("尚未完成财务核查")]
    FinanceMissing,
    #[error("验收指标未全部达到；如仍通过验收，请填写理由（将提交审计管理员复核）")]
    CriteriaFailed,
    #[error("本批次尚无验收项目")]
    RoundEmpty,
    #[error("本批次尚未指派评审专家")]
    RoundNoAssessor,
    #[error("有 {0} 条诚信预警尚未处理，处理后才能批准")]
    OpenFlags(u32),
    #[error("公示期至 {ends} 结束，结束前不能批准")]
    NoticeRunning { ends: String },
    #[error("参与企业 {have} 家，本试点要求至少 {need} 家")]
    TooFewMembers { have: u32, need: u32 },
}

/// The state after `action`, or why it may not happen now: first the table, then the guard.
pub fn transition<S: Workflow>(from: S, action: S::Action, g: &S::Guard) -> Result<S, TransitionError> {
    let to = from
        .target(action)
        .ok_or(TransitionError::NotAllowed { from: from.state_label_zh(), action: S::action_label_zh(action) })?;
    from.guard(action, to, g)
}

/// Actions the table allows from a state (for buttons), ignoring guards.
pub fn available<S: Workflow>(from: S) -> Vec<S::Action> {
    S::ACTIONS.iter().copied().filter(|&a| from.target(a).is_some()).collect()
}

/// A state no action leaves.
pub fn is_final<S: Workflow>(s: S) -> bool {
    available(s).is_empty()
}

pub(in crate::programme) fn reason(needs: bool, has: bool) -> Result<(), TransitionError> {
    if needs && !has { Err(TransitionError::ReasonRequired) } else { Ok(()) }
}

pub(in crate::programme) fn require(ok: bool, err: TransitionError) -> Result<(), TransitionError> {
    if ok { Ok(()) } else { Err(err) }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use serde::Serialize;

    use super::*;

    use EnrolmentAction as EA;
    use EnrolmentState as ES;
    use ProjectAction as PA;
    use ProjectState as PS;
    #[test]
    fn codes_labels_and_serde_agree() {
        fn check<T: Copy + PartialEq + Debug + Serialize>(
            all: &[T],
            code: fn(T) -> &'static str,
            zh: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            let mut codes: Vec<&str> = all.iter().map(|&x| code(x)).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), all.len(), "codes are unique");
            for &x in all {
                assert_eq!(parse(code(x)), Some(x));
                assert_eq!(parse(zh(x)), Some(x));
                assert_eq!(serde_json::to_string(&x).unwrap(), format!("\"{}\"", code(x)));
            }
        }
        check(&ES::ALL, ES::code, ES::label_zh, ES::parse);
        check(&EA::ALL, EA::code, EA::label_zh, EA::parse);
        check(&PS::ALL, PS::code, PS::label_zh, PS::parse);
        check(&PA::ALL, PA::code, PA::label_zh, PA::parse);
        check(&ObjectionState::ALL, ObjectionState::code, ObjectionState::label_zh, ObjectionState::parse);
        check(&ObjectionAction::ALL, ObjectionAction::code, ObjectionAction::label_zh, ObjectionAction::parse);
        for s in ES::ALL {
            assert!(!s.label_en().is_empty());
        }
        for s in PS::ALL {
            assert!(!s.label_en().is_empty());
        }
        for a in PA::ALL {
            assert!(!a.label_en().is_empty());
        }
        for a in EA::ALL {
            assert!(!a.label_en().is_empty());
        }
        assert_eq!(ES::parse("nope"), None);
        assert!(ES::Listed.is_listed() && !ES::Publicised.is_listed());
    }
}
