//! The transformation project (改造项目) up to the point where acceptance starts: 草稿 → 诊断中 →
//! 诊断完成 → 方案已提交 → 已签约 → 已备案 → 实施中 → 已完成, or 已取消 from any earlier state.

use serde::{Deserialize, Serialize};

use super::{TransitionError, Workflow, reason, require};

/// Where a transformation project stands, up to the point where acceptance starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    Draft,
    Diagnosing,
    Diagnosed,
    Planned,
    Contracted,
    Filed,
    InProgress,
    Completed,
    Cancelled,
}

coded!(ProjectState [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Draft => "draft", "草稿", "Draft";
    Diagnosing => "diagnosing", "诊断中", "Diagnosing";
    Diagnosed => "diagnosed", "诊断完成", "Diagnosis approved";
    Planned => "planned", "方案已提交", "Plan submitted";
    Contracted => "contracted", "已签约", "Contract signed";
    Filed => "filed", "已备案", "Filed";
    InProgress => "in_progress", "实施中", "In progress";
    Completed => "completed", "已完成", "Completed";
    Cancelled => "cancelled", "已取消", "Cancelled";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectAction {
    /// Draft → Diagnosing.
    StartDiagnosis,
    /// Diagnosing → Diagnosing: the report is handed in for review (needs the report).
    SubmitDiagnosis,
    /// Diagnosing → Diagnosed: the submitted report is approved.
    ApproveDiagnosis,
    /// Diagnosing → Diagnosing: the submitted report goes back to the provider, with a reason.
    ReturnDiagnosis,
    /// Diagnosed → Planned: the transformation plan (改造方案), which must be valid.
    SubmitPlan,
    /// Planned → Contracted: the contract passes `contract::validate` (signed inside the window).
    SignContract,
    /// Contracted → Filed: the officer assigns the filing (备案) number.
    File,
    /// Filed → InProgress.
    Start,
    /// InProgress → Completed: the enterprise declares completion; every milestone is done.
    Complete,
    /// Any non-final state → Cancelled, with a reason.
    Cancel,
}

coded!(ProjectAction [code, label_zh, label_en], pub fn parse(code | label_zh) {
    StartDiagnosis => "start_diagnosis", "开始诊断", "Start diagnosis";
    SubmitDiagnosis => "submit_diagnosis", "提交诊断报告", "Submit diagnosis report";
    ApproveDiagnosis => "approve_diagnosis", "诊断报告通过", "Approve diagnosis";
    ReturnDiagnosis => "return_diagnosis", "退回诊断报告", "Return diagnosis";
    SubmitPlan => "submit_plan", "提交改造方案", "Submit plan";
    SignContract => "sign_contract", "签订合同", "Sign contract";
    File => "file", "备案", "File";
    Start => "start", "开始实施", "Start implementation";
    Complete => "complete", "申报完成", "Declare completion";
    Cancel => "cancel", "取消项目", "Cancel project";
});

impl ProjectAction {
    pub fn needs_reason(self) -> bool {
        matches!(self, ProjectAction::ReturnDiagnosis | ProjectAction::Cancel)
    }
}

/// Who acts on a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectActor {
    Enterprise,
    Provider,
    Expert,
    Officer,
}

coded!(ProjectActor [code, label_zh] {
    Enterprise => "enterprise", "试点企业";
    Provider => "provider", "服务商";
    Expert => "expert", "专家";
    Officer => "officer", "主管部门";
});

impl ProjectActor {
    /// Who may perform `action`. The contract is signed by both the enterprise and the provider:
    /// either may record it once both have signed.
    pub fn allowed(action: ProjectAction) -> &'static [ProjectActor] {
        match action {
            ProjectAction::StartDiagnosis | ProjectAction::SubmitDiagnosis | ProjectAction::SubmitPlan => {
                &[ProjectActor::Provider]
            }
            ProjectAction::ApproveDiagnosis | ProjectAction::ReturnDiagnosis => {
                &[ProjectActor::Expert, ProjectActor::Officer]
            }
            ProjectAction::SignContract | ProjectAction::Start => &[ProjectActor::Enterprise, ProjectActor::Provider],
            ProjectAction::Complete => &[ProjectActor::Enterprise],
            ProjectAction::File | ProjectAction::Cancel => &[ProjectActor::Officer],
        }
    }

    pub fn may(self, action: ProjectAction) -> bool {
        ProjectActor::allowed(action).contains(&self)
    }
}

/// Facts the project guards need.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProjectGuard {
    /// A diagnosis report is attached.
    pub has_report: bool,
    /// The report was submitted and not returned since: it can be approved or returned.
    pub diagnosis_submitted: bool,
    /// The plan is complete (target scenes and levels, budget, schedule).
    pub plan_valid: bool,
    /// `contract::validate` found no problem (sign date inside the window, amounts agree).
    pub contract_valid: bool,
    /// The officer entered the filing (备案) number.
    pub has_filing_number: bool,
    pub milestones_done: bool,
    pub has_reason: bool,
}

impl Workflow for ProjectState {
    type Action = ProjectAction;
    type Guard = ProjectGuard;
    const STATES: &'static [Self] = &ProjectState::ALL;
    const ACTIONS: &'static [ProjectAction] = &ProjectAction::ALL;

    fn state_label_zh(self) -> &'static str {
        self.label_zh()
    }

    fn action_label_zh(action: ProjectAction) -> &'static str {
        action.label_zh()
    }

    fn target(self, action: ProjectAction) -> Option<Self> {
        use ProjectAction as A;
        use ProjectState as S;
        match (self, action) {
            (S::Completed | S::Cancelled, _) => None,
            (_, A::Cancel) => Some(S::Cancelled),
            (S::Draft, A::StartDiagnosis) => Some(S::Diagnosing),
            (S::Diagnosing, A::SubmitDiagnosis | A::ReturnDiagnosis) => Some(S::Diagnosing),
            (S::Diagnosing, A::ApproveDiagnosis) => Some(S::Diagnosed),
            (S::Diagnosed, A::SubmitPlan) => Some(S::Planned),
            (S::Planned, A::SignContract) => Some(S::Contracted),
            (S::Contracted, A::File) => Some(S::Filed),
            (S::Filed, A::Start) => Some(S::InProgress),
            (S::InProgress, A::Complete) => Some(S::Completed),
            _ => None,
        }
    }

    fn guard(self, action: ProjectAction, to: Self, g: &ProjectGuard) -> Result<Self, TransitionError> {
        use TransitionError as E;
        reason(action.needs_reason(), g.has_reason)?;
        match action {
            ProjectAction::SubmitDiagnosis => require(g.has_report, E::ReportMissing)?,
            ProjectAction::ApproveDiagnosis | ProjectAction::ReturnDiagnosis => {
                require(g.has_report, E::ReportMissing)?;
                require(g.diagnosis_submitted, E::DiagnosisNotSubmitted)?;
            }
            ProjectAction::SubmitPlan => require(g.plan_valid, E::PlanInvalid)?,
            ProjectAction::SignContract => require(g.contract_valid, E::ContractInvalid)?,
            ProjectAction::File => require(g.has_filing_number, E::FilingNumberMissing)?,
            ProjectAction::Complete => require(g.milestones_done, E::MilestonesOpen)?,
            ProjectAction::StartDiagnosis | ProjectAction::Start | ProjectAction::Cancel => {}
        }
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::workflow::testkit::exhaustive;
    use crate::programme::workflow::{is_final, transition};

    use ProjectAction as PA;
    use ProjectState as PS;

    fn project_ok() -> ProjectGuard {
        ProjectGuard {
            has_report: true,
            diagnosis_submitted: true,
            plan_valid: true,
            contract_valid: true,
            has_filing_number: true,
            milestones_done: true,
            has_reason: true,
        }
    }

    const PROJECT: &[(PS, PA, PS)] = &[
        (PS::Draft, PA::StartDiagnosis, PS::Diagnosing),
        (PS::Draft, PA::Cancel, PS::Cancelled),
        (PS::Diagnosing, PA::SubmitDiagnosis, PS::Diagnosing),
        (PS::Diagnosing, PA::ApproveDiagnosis, PS::Diagnosed),
        (PS::Diagnosing, PA::ReturnDiagnosis, PS::Diagnosing),
        (PS::Diagnosing, PA::Cancel, PS::Cancelled),
        (PS::Diagnosed, PA::SubmitPlan, PS::Planned),
        (PS::Diagnosed, PA::Cancel, PS::Cancelled),
        (PS::Planned, PA::SignContract, PS::Contracted),
        (PS::Planned, PA::Cancel, PS::Cancelled),
        (PS::Contracted, PA::File, PS::Filed),
        (PS::Contracted, PA::Cancel, PS::Cancelled),
        (PS::Filed, PA::Start, PS::InProgress),
        (PS::Filed, PA::Cancel, PS::Cancelled),
        (PS::InProgress, PA::Complete, PS::Completed),
        (PS::InProgress, PA::Cancel, PS::Cancelled),
    ];

    #[test]
    fn project_table_is_exact() {
        exhaustive(PROJECT, &project_ok(), &[PS::Completed, PS::Cancelled]);
        let e = transition(PS::Completed, PA::Cancel, &project_ok()).unwrap_err();
        assert_eq!(e.to_string(), "当前状态“已完成”下不能执行“取消项目”");
    }

    #[test]
    fn project_guards() {
        use TransitionError as E;
        let ok = project_ok();
        let cases: [(PS, PA, ProjectGuard, E); 9] = [
            (PS::Diagnosing, PA::SubmitDiagnosis, ProjectGuard { has_report: false, ..ok }, E::ReportMissing),
            (PS::Diagnosing, PA::ApproveDiagnosis, ProjectGuard { has_report: false, ..ok }, E::ReportMissing),
            (
                PS::Diagnosing,
                PA::ApproveDiagnosis,
                ProjectGuard { diagnosis_submitted: false, ..ok },
                E::DiagnosisNotSubmitted,
            ),
            (
                PS::Diagnosing,
                PA::ReturnDiagnosis,
                ProjectGuard { diagnosis_submitted: false, ..ok },
                E::DiagnosisNotSubmitted,
            ),
            (PS::Diagnosing, PA::ReturnDiagnosis, ProjectGuard { has_reason: false, ..ok }, E::ReasonRequired),
            (PS::Diagnosed, PA::SubmitPlan, ProjectGuard { plan_valid: false, ..ok }, E::PlanInvalid),
            (PS::Planned, PA::SignContract, ProjectGuard { contract_valid: false, ..ok }, E::ContractInvalid),
            (PS::Contracted, PA::File, ProjectGuard { has_filing_number: false, ..ok }, E::FilingNumberMissing),
            (PS::InProgress, PA::Complete, ProjectGuard { milestones_done: false, ..ok }, E::MilestonesOpen),
        ];
        for (from, action, g, err) in cases {
            assert_eq!(transition(from, action, &g), Err(err), "{from:?} --{action:?}");
        }
        // Cancelling needs a reason and nothing else, from every non-final state.
        let bare = ProjectGuard { has_reason: true, ..ProjectGuard::default() };
        for from in PS::ALL.into_iter().filter(|&s| !is_final(s)) {
            assert_eq!(transition(from, PA::Cancel, &bare), Ok(PS::Cancelled), "{from:?}");
            assert_eq!(transition(from, PA::Cancel, &ProjectGuard::default()), Err(E::ReasonRequired));
        }
        assert_eq!(transition(PS::Draft, PA::StartDiagnosis, &ProjectGuard::default()), Ok(PS::Diagnosing));
        assert_eq!(transition(PS::Filed, PA::Start, &ProjectGuard::default()), Ok(PS::InProgress));
        assert_eq!(E::ContractInvalid.to_string(), "合同未通过校验（签约日期须在试点实施期内），不能签订");
    }

    #[test]
    fn project_actors() {
        use ProjectActor as R;
        let expected: [(PA, &[R]); 10] = [
            (PA::StartDiagnosis, &[R::Provider]),
            (PA::SubmitDiagnosis, &[R::Provider]),
            (PA::ApproveDiagnosis, &[R::Expert, R::Officer]),
            (PA::ReturnDiagnosis, &[R::Expert, R::Officer]),
            (PA::SubmitPlan, &[R::Provider]),
            (PA::SignContract, &[R::Enterprise, R::Provider]),
            (PA::File, &[R::Officer]),
            (PA::Start, &[R::Enterprise, R::Provider]),
            (PA::Complete, &[R::Enterprise]),
            (PA::Cancel, &[R::Officer]),
        ];
        for (action, who) in expected {
            assert_eq!(R::allowed(action), who, "{action:?}");
            for r in R::ALL {
                assert_eq!(r.may(action), who.contains(&r));
            }
        }
    }
}
