//! Programme workflows as state machines, in the style of `provider::lifecycle`:
//!
//! 1. Enrolment into the pilot-enterprise pool (试点企业库): 已申请 → 区县已审核 → 市级已审核 →
//!    公示中 → 已入库, or 未通过 on a rejection; an upheld objection or a removal → 已移出.
//! 2. The transformation project (改造项目) up to the point where acceptance starts: 草稿 → 诊断中 →
//!    诊断完成 → 方案已提交 → 已签约 → 已备案 → 实施中 → 已完成, or 已取消 from any earlier state.
//! 3. An objection (异议) raised during 公示: 待处理 → 异议成立 | 异议不成立.
//!
//! The server reads the state and the facts into the machine's guard, calls [`transition`] and
//! writes the new state only if the stored one is still `from` (compare-and-set). [`transition`] and
//! [`available`] are generic over the three machines (the [`Workflow`] trait), so
//! `transition(EnrolmentState::Applied, EnrolmentAction::DistrictApprove, &guard)` just works.
//! Who may act is separate: [`EnrolmentActor::allowed`] and [`ProjectActor::allowed`].

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::provider::lifecycle::beijing_minute;
use crate::region::{RegionCode, RegionLevel};

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
    #[error("有 {0} 条诚信预警尚未处理，处理后才能批准")]
    OpenFlags(u32),
    #[error("公示期至 {ends} 结束，结束前不能批准")]
    NoticeRunning { ends: String },
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

fn reason(needs: bool, has: bool) -> Result<(), TransitionError> {
    if needs && !has { Err(TransitionError::ReasonRequired) } else { Ok(()) }
}

fn require(ok: bool, err: TransitionError) -> Result<(), TransitionError> {
    if ok { Ok(()) } else { Err(err) }
}

// ───────────────────────────── 1. enrolment ─────────────────────────────

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

impl EnrolmentState {
    pub const ALL: [EnrolmentState; 7] = [
        EnrolmentState::Applied,
        EnrolmentState::DistrictApproved,
        EnrolmentState::CityApproved,
        EnrolmentState::Publicised,
        EnrolmentState::Listed,
        EnrolmentState::Rejected,
        EnrolmentState::Removed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EnrolmentState::Applied => "applied",
            EnrolmentState::DistrictApproved => "district_approved",
            EnrolmentState::CityApproved => "city_approved",
            EnrolmentState::Publicised => "publicised",
            EnrolmentState::Listed => "listed",
            EnrolmentState::Rejected => "rejected",
            EnrolmentState::Removed => "removed",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<EnrolmentState> {
        let s = s.trim();
        EnrolmentState::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EnrolmentState::Applied => "已申请",
            EnrolmentState::DistrictApproved => "区县已审核",
            EnrolmentState::CityApproved => "市级已审核",
            EnrolmentState::Publicised => "公示中",
            EnrolmentState::Listed => "已入库",
            EnrolmentState::Rejected => "未通过",
            EnrolmentState::Removed => "已移出",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            EnrolmentState::Applied => "Applied",
            EnrolmentState::DistrictApproved => "Approved by the district",
            EnrolmentState::CityApproved => "Approved by the city",
            EnrolmentState::Publicised => "In publicity period",
            EnrolmentState::Listed => "Listed",
            EnrolmentState::Rejected => "Rejected",
            EnrolmentState::Removed => "Removed",
        }
    }

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

impl EnrolmentAction {
    pub const ALL: [EnrolmentAction; 8] = [
        EnrolmentAction::DistrictApprove,
        EnrolmentAction::DistrictReject,
        EnrolmentAction::CityApprove,
        EnrolmentAction::CityReject,
        EnrolmentAction::Publicise,
        EnrolmentAction::List,
        EnrolmentAction::UpholdObjection,
        EnrolmentAction::Remove,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EnrolmentAction::DistrictApprove => "district_approve",
            EnrolmentAction::DistrictReject => "district_reject",
            EnrolmentAction::CityApprove => "city_approve",
            EnrolmentAction::CityReject => "city_reject",
            EnrolmentAction::Publicise => "publicise",
            EnrolmentAction::List => "list",
            EnrolmentAction::UpholdObjection => "uphold_objection",
            EnrolmentAction::Remove => "remove",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<EnrolmentAction> {
        let s = s.trim();
        EnrolmentAction::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EnrolmentAction::DistrictApprove => "区县审核通过",
            EnrolmentAction::DistrictReject => "区县审核不通过",
            EnrolmentAction::CityApprove => "市级审核通过",
            EnrolmentAction::CityReject => "市级审核不通过",
            EnrolmentAction::Publicise => "公示",
            EnrolmentAction::List => "入库",
            EnrolmentAction::UpholdObjection => "异议成立",
            EnrolmentAction::Remove => "移出试点企业库",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            EnrolmentAction::DistrictApprove => "District approves",
            EnrolmentAction::DistrictReject => "District rejects",
            EnrolmentAction::CityApprove => "City approves",
            EnrolmentAction::CityReject => "City rejects",
            EnrolmentAction::Publicise => "Publicise",
            EnrolmentAction::List => "List",
            EnrolmentAction::UpholdObjection => "Uphold objection",
            EnrolmentAction::Remove => "Remove from the pool",
        }
    }

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

impl EnrolmentActor {
    pub const ALL: [EnrolmentActor; 2] = [EnrolmentActor::DistrictOfficer, EnrolmentActor::CityOfficer];

    pub fn code(self) -> &'static str {
        match self {
            EnrolmentActor::DistrictOfficer => "district_officer",
            EnrolmentActor::CityOfficer => "city_officer",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EnrolmentActor::DistrictOfficer => "区县主管部门",
            EnrolmentActor::CityOfficer => "市级主管部门",
        }
    }

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

// ───────────────────────────── 2. project ─────────────────────────────

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

impl ProjectState {
    pub const ALL: [ProjectState; 9] = [
        ProjectState::Draft,
        ProjectState::Diagnosing,
        ProjectState::Diagnosed,
        ProjectState::Planned,
        ProjectState::Contracted,
        ProjectState::Filed,
        ProjectState::InProgress,
        ProjectState::Completed,
        ProjectState::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProjectState::Draft => "draft",
            ProjectState::Diagnosing => "diagnosing",
            ProjectState::Diagnosed => "diagnosed",
            ProjectState::Planned => "planned",
            ProjectState::Contracted => "contracted",
            ProjectState::Filed => "filed",
            ProjectState::InProgress => "in_progress",
            ProjectState::Completed => "completed",
            ProjectState::Cancelled => "cancelled",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<ProjectState> {
        let s = s.trim();
        ProjectState::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectState::Draft => "草稿",
            ProjectState::Diagnosing => "诊断中",
            ProjectState::Diagnosed => "诊断完成",
            ProjectState::Planned => "方案已提交",
            ProjectState::Contracted => "已签约",
            ProjectState::Filed => "已备案",
            ProjectState::InProgress => "实施中",
            ProjectState::Completed => "已完成",
            ProjectState::Cancelled => "已取消",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProjectState::Draft => "Draft",
            ProjectState::Diagnosing => "Diagnosing",
            ProjectState::Diagnosed => "Diagnosis approved",
            ProjectState::Planned => "Plan submitted",
            ProjectState::Contracted => "Contract signed",
            ProjectState::Filed => "Filed",
            ProjectState::InProgress => "In progress",
            ProjectState::Completed => "Completed",
            ProjectState::Cancelled => "Cancelled",
        }
    }
}

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

impl ProjectAction {
    pub const ALL: [ProjectAction; 10] = [
        ProjectAction::StartDiagnosis,
        ProjectAction::SubmitDiagnosis,
        ProjectAction::ApproveDiagnosis,
        ProjectAction::ReturnDiagnosis,
        ProjectAction::SubmitPlan,
        ProjectAction::SignContract,
        ProjectAction::File,
        ProjectAction::Start,
        ProjectAction::Complete,
        ProjectAction::Cancel,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProjectAction::StartDiagnosis => "start_diagnosis",
            ProjectAction::SubmitDiagnosis => "submit_diagnosis",
            ProjectAction::ApproveDiagnosis => "approve_diagnosis",
            ProjectAction::ReturnDiagnosis => "return_diagnosis",
            ProjectAction::SubmitPlan => "submit_plan",
            ProjectAction::SignContract => "sign_contract",
            ProjectAction::File => "file",
            ProjectAction::Start => "start",
            ProjectAction::Complete => "complete",
            ProjectAction::Cancel => "cancel",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<ProjectAction> {
        let s = s.trim();
        ProjectAction::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectAction::StartDiagnosis => "开始诊断",
            ProjectAction::SubmitDiagnosis => "提交诊断报告",
            ProjectAction::ApproveDiagnosis => "诊断报告通过",
            ProjectAction::ReturnDiagnosis => "退回诊断报告",
            ProjectAction::SubmitPlan => "提交改造方案",
            ProjectAction::SignContract => "签订合同",
            ProjectAction::File => "备案",
            ProjectAction::Start => "开始实施",
            ProjectAction::Complete => "申报完成",
            ProjectAction::Cancel => "取消项目",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProjectAction::StartDiagnosis => "Start diagnosis",
            ProjectAction::SubmitDiagnosis => "Submit diagnosis report",
            ProjectAction::ApproveDiagnosis => "Approve diagnosis",
            ProjectAction::ReturnDiagnosis => "Return diagnosis",
            ProjectAction::SubmitPlan => "Submit plan",
            ProjectAction::SignContract => "Sign contract",
            ProjectAction::File => "File",
            ProjectAction::Start => "Start implementation",
            ProjectAction::Complete => "Declare completion",
            ProjectAction::Cancel => "Cancel project",
        }
    }

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

impl ProjectActor {
    pub const ALL: [ProjectActor; 4] =
        [ProjectActor::Enterprise, ProjectActor::Provider, ProjectActor::Expert, ProjectActor::Officer];

    pub fn code(self) -> &'static str {
        match self {
            ProjectActor::Enterprise => "enterprise",
            ProjectActor::Provider => "provider",
            ProjectActor::Expert => "expert",
            ProjectActor::Officer => "officer",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectActor::Enterprise => "试点企业",
            ProjectActor::Provider => "服务商",
            ProjectActor::Expert => "专家",
            ProjectActor::Officer => "主管部门",
        }
    }

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

// ───────────────────────────── 3. objection ─────────────────────────────

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

    /// Every state × action against an expected table: allowed pairs reach their target with a
    /// permissive guard and are offered; every other pair is refused by name and not offered.
    fn exhaustive<S: Workflow>(expected: &[(S, S::Action, S)], g: &S::Guard, finals: &[S]) {
        let mut allowed = 0;
        for &from in S::STATES {
            for &action in S::ACTIONS {
                let want = expected.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, t)| *t);
                let got = transition(from, action, g);
                match want {
                    Some(to) => {
                        allowed += 1;
                        assert_eq!(got, Ok(to), "{from:?} --{action:?}");
                        assert!(available(from).contains(&action), "{from:?} offers {action:?}");
                    }
                    None => {
                        assert_eq!(
                            got,
                            Err(TransitionError::NotAllowed {
                                from: from.state_label_zh(),
                                action: S::action_label_zh(action)
                            }),
                            "{from:?} --{action:?}"
                        );
                        assert!(!available(from).contains(&action), "{from:?} must not offer {action:?}");
                    }
                }
            }
        }
        assert_eq!(allowed, expected.len());
        let got_finals: Vec<S> = S::STATES.iter().copied().filter(|&s| is_final(s)).collect();
        assert_eq!(got_finals, finals);
    }

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

    // ── project ──

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

    // ── objection ──

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
