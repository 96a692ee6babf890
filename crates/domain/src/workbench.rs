//! The workbench (工作台): what waits for whom. A queue is one state of one workflow, the party
//! that acts next, the action it takes there and the side-navigation entry that leads to it.
//! The server reads each queue with one indexed statement; this table is data, and the tests
//! below hold it to the state machines (every queue's action exists in its state and is the
//! party's to take).
//!
//! The enterprise's journey (registered → assessed → enrolled → project → accepted → paid) is
//! derived here too, from a handful of facts, with the next step it should take.

use serde::Serialize;

use crate::programme::acceptance::AcceptanceState;
use crate::programme::workflow::{EnrolmentState, ProjectState};
use crate::role::Role;

/// The records to-dos are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Enrolment,
    Project,
    Acceptance,
    Subsidy,
    Objection,
    IntegrityFlag,
    Claim,
    Provider,
    Solution,
    Review,
    /// A chain or cluster project (链式 / 面状).
    Chain,
}

/// Who acts next. District and city officers are told apart by region, as the workflows do
/// (`EnrolmentActor::roles_of`); `Officer` is any officer whose region holds the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Officer,
    DistrictOfficer,
    CityOfficer,
    Enterprise,
    Provider,
    Expert,
}

impl Party {
    pub fn role(self) -> Role {
        match self {
            Party::Officer | Party::DistrictOfficer | Party::CityOfficer => Role::Officer,
            Party::Enterprise => Role::Enterprise,
            Party::Provider => Role::Provider,
            Party::Expert => Role::Expert,
        }
    }
}

/// A fact beyond the state that a queue also asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Also {
    Nothing,
    /// The project's diagnosis report was handed in for review.
    DiagnosisSubmitted,
    /// The project's diagnosis report is not handed in yet.
    DiagnosisNotSubmitted,
    /// The project is past its due date.
    Overdue,
    /// The enterprise has not rated its provider's service on the project yet.
    Unrated,
}

/// What a to-do's deadline is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    None,
    /// The end of a 公示 period: the step may be taken from then on.
    PublicityEnds,
    /// The project's planned end.
    Due,
}

/// One queue of the workbench.
#[derive(Clone, Copy, Debug)]
pub struct Queue {
    /// Stable key (API and tests).
    pub key: &'static str,
    pub subject: Subject,
    /// The state code the record is in.
    pub state: &'static str,
    pub also: Also,
    pub party: Party,
    /// The workflow action the party takes (its code), or "" for a queue that only watches.
    pub action: &'static str,
    pub task_zh: &'static str,
    pub task_en: &'static str,
    pub deadline: Deadline,
    /// The side-navigation entry whose count this queue adds to.
    pub nav: &'static str,
}

// One argument per column of the table below.
#[allow(clippy::too_many_arguments)]
const fn q(
    key: &'static str,
    subject: Subject,
    state: &'static str,
    party: Party,
    action: &'static str,
    task: (&'static str, &'static str),
    deadline: Deadline,
    nav: &'static str,
) -> Queue {
    Queue { key, subject, state, also: Also::Nothing, party, action, task_zh: task.0, task_en: task.1, deadline, nav }
}

const fn with(mut queue: Queue, also: Also) -> Queue {
    queue.also = also;
    queue
}

use Deadline as D;
use Party as P;
use Subject as S;

/// Every queue, in the order a workbench lists ties.
#[rustfmt::skip]
pub const QUEUES: &[Queue] = &[
    // Officers: the pilot-enterprise pool.
    q("enrolment.district_review", S::Enrolment, "applied", P::DistrictOfficer, "district_approve", ("区县审核试点企业申请", "Review a pilot application (district)"), D::None, "/enrolments"),
    q("enrolment.city_review", S::Enrolment, "district_approved", P::CityOfficer, "city_approve", ("市级审核试点企业申请", "Review a pilot application (city)"), D::None, "/enrolments"),
    q("enrolment.publicise", S::Enrolment, "city_approved", P::CityOfficer, "publicise", ("发布试点企业公示", "Publish the pilot notice"), D::None, "/enrolments"),
    q("enrolment.list", S::Enrolment, "publicised", P::CityOfficer, "list", ("公示期满后入库", "List once the notice period ends"), D::PublicityEnds, "/enrolments"),
    // Officers: projects.
    with(q("project.review_diagnosis", S::Project, "diagnosing", P::Officer, "approve_diagnosis", ("审核诊断报告", "Review a diagnosis report"), D::None, "/projects"), Also::DiagnosisSubmitted),
    q("project.file", S::Project, "contracted", P::Officer, "file", ("项目备案", "File a project"), D::None, "/projects"),
    with(q("project.overdue", S::Project, "in_progress", P::Officer, "", ("督办逾期项目", "Follow up an overdue project"), D::Due, "/projects"), Also::Overdue),
    // Officers: acceptance and money.
    q("acceptance.verify", S::Acceptance, "applied", P::DistrictOfficer, "verify", ("验收申请真实性核查", "Verify an acceptance application"), D::None, "/projects"),
    q("acceptance.assess", S::Acceptance, "district_verified", P::CityOfficer, "assess", ("现场评测与财务核查", "On-site assessment and financial check"), D::None, "/projects"),
    q("acceptance.decide", S::Acceptance, "assessed", P::CityOfficer, "accept", ("作出验收结论", "Decide an acceptance"), D::None, "/projects"),
    q("subsidy.publicise", S::Subsidy, "computed", P::Officer, "publicise", ("发布奖补公示", "Publish a subsidy notice"), D::None, "/subsidies"),
    q("subsidy.approve", S::Subsidy, "publicised", P::Officer, "approve", ("公示期满后批准拨付", "Approve once the notice period ends"), D::PublicityEnds, "/subsidies"),
    q("subsidy.pay", S::Subsidy, "approved", P::Officer, "pay", ("拨付奖补资金", "Pay a subsidy"), D::None, "/subsidies"),
    q("objection.decide", S::Objection, "open", P::Officer, "dismiss", ("处理公示异议", "Decide an objection"), D::None, "/subsidies"),
    q("integrity.review", S::IntegrityFlag, "open", P::Officer, "", ("核查诚信预警", "Look into an integrity flag"), D::None, "/integrity"),
    q("claim.decide", S::Claim, "pending", P::Officer, "", ("审核企业认领", "Decide an enterprise claim"), D::None, "/claims"),
    q("provider.start_review", S::Provider, "applied", P::Officer, "start_review", ("组织服务商入库评审", "Start a provider review"), D::None, "/providers"),
    q("provider.admit", S::Provider, "publicised", P::Officer, "admit", ("公示期满后服务商入库", "Admit a provider once its notice ends"), D::PublicityEnds, "/providers"),
    q("chain.approve", S::Chain, "applied", P::CityOfficer, "approve", ("审批链式/面状项目", "Decide a chain or cluster project"), D::None, "/chains"),
    q("solution.review", S::Solution, "submitted", P::Officer, "", ("审核解决方案", "Review a solution"), D::None, "/solutions/review"),
    // Enterprises.
    q("project.sign.enterprise", S::Project, "planned", P::Enterprise, "sign_contract", ("确认改造方案并签订合同", "Agree the plan and sign the contract"), D::None, "/projects"),
    q("project.start.enterprise", S::Project, "filed", P::Enterprise, "start", ("开始实施", "Start implementation"), D::None, "/projects"),
    q("project.complete", S::Project, "in_progress", P::Enterprise, "complete", ("里程碑完成后申报完成", "Declare completion once milestones are done"), D::Due, "/projects"),
    q("chain.submit", S::Chain, "forming", P::Enterprise, "submit", ("组建完成后提交链式/面状项目", "Submit the chain once its SMEs have joined"), D::None, "/chains"),
    q("acceptance.reapply", S::Acceptance, "returned", P::Enterprise, "reapply", ("整改后重新申请验收", "Rectify and re-apply for acceptance"), D::None, "/projects"),
    with(q("acceptance.rate", S::Acceptance, "accepted", P::Enterprise, "", ("评价服务商的服务", "Rate the provider's service"), D::None, "/projects"), Also::Unrated),
    // Providers.
    q("project.start_diagnosis", S::Project, "draft", P::Provider, "start_diagnosis", ("开始诊断", "Start the diagnosis"), D::None, "/projects"),
    with(q("project.submit_diagnosis", S::Project, "diagnosing", P::Provider, "submit_diagnosis", ("提交诊断报告", "Hand in the diagnosis report"), D::None, "/projects"), Also::DiagnosisNotSubmitted),
    q("project.submit_plan", S::Project, "diagnosed", P::Provider, "submit_plan", ("提交改造方案", "Submit the transformation plan"), D::None, "/projects"),
    q("project.sign.provider", S::Project, "planned", P::Provider, "sign_contract", ("签订合同", "Sign the contract"), D::None, "/projects"),
    q("project.deliver", S::Project, "in_progress", P::Provider, "", ("交付里程碑并上传证据", "Deliver milestones with evidence"), D::Due, "/projects"),
    // Experts.
    q("review.score", S::Review, "open", P::Expert, "", ("评审打分", "Score a review"), D::None, "/reviews"),
];

/// The queues a role works through.
pub fn queues_for(role: Role) -> impl Iterator<Item = &'static Queue> {
    QUEUES.iter().filter(move |q| q.party.role() == role)
}

/// The queue named `key`.
pub fn queue(key: &str) -> Option<&'static Queue> {
    QUEUES.iter().find(|q| q.key == key)
}

/// What is known of an enterprise for its journey.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JourneyFacts {
    pub assessed: bool,
    /// The enrolment's state, if it applied to a pilot.
    pub enrolment: Option<EnrolmentState>,
    /// The most advanced project's state.
    pub project: Option<ProjectState>,
    /// The acceptance's state.
    pub acceptance: Option<AcceptanceState>,
    pub paid: bool,
}

/// The steps of the journey, in order.
pub const JOURNEY: [(&str, &str, &str); 6] = [
    ("registered", "注册建档", "Registered"),
    ("assessed", "完成自评估", "Self-assessed"),
    ("enrolled", "入选试点企业库", "In the pilot pool"),
    ("project", "实施改造项目", "Transformation project"),
    ("accepted", "通过验收", "Accepted"),
    ("paid", "获得奖补", "Subsidy paid"),
];

/// Where an enterprise stands: how many steps are done (0–6) and what it should do next
/// (a (zh, en) sentence and the page it starts on, relative to the enterprise's own pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Journey {
    pub done: usize,
    pub next_zh: &'static str,
    pub next_en: &'static str,
    /// "assessments" | "programmes" | "project" | "" (nothing to do but wait).
    pub next_page: &'static str,
}

pub fn journey(f: &JourneyFacts) -> Journey {
    let j = |done, next_zh, next_en, next_page| Journey { done, next_zh, next_en, next_page };
    if f.paid {
        return j(
            6,
            "奖补已拨付；可继续开展评估，巩固改造成效",
            "Paid; keep assessing to hold the gains",
            "assessments",
        );
    }
    if f.acceptance == Some(AcceptanceState::Accepted) {
        return j(
            5,
            "已通过验收，等待奖补核算、公示与拨付",
            "Accepted; the subsidy is computed, publicised and paid next",
            "",
        );
    }
    if f.acceptance == Some(AcceptanceState::Returned) {
        return j(4, "验收被退回：按意见整改后重新申请验收", "Returned: fix what was asked and re-apply", "project");
    }
    if f.acceptance.is_some() {
        return j(4, "验收申请审核中", "Acceptance under review", "project");
    }
    if let Some(p) = f.project {
        let next = match p {
            ProjectState::Completed => ("项目已完成：提交验收申请", "Completed: apply for acceptance"),
            ProjectState::InProgress => {
                ("实施中：里程碑全部完成后申报完成", "In progress: declare completion once milestones are done")
            }
            ProjectState::Filed => ("已备案：开始实施", "Filed: start implementation"),
            ProjectState::Contracted => ("已签约：等待主管部门备案", "Contract signed: the authority files it next"),
            ProjectState::Planned => ("审阅改造方案并签订合同", "Review the plan and sign the contract"),
            ProjectState::Draft | ProjectState::Diagnosing | ProjectState::Diagnosed => {
                ("服务商诊断中，请配合提供资料", "The provider is diagnosing; help with the material")
            }
            ProjectState::Cancelled => ("项目已取消：可与服务商另立项目", "Cancelled: start another project"),
        };
        return j(3, next.0, next.1, "project");
    }
    match f.enrolment {
        Some(EnrolmentState::Listed) => {
            j(3, "已入库：选择服务商，启动改造项目", "Listed: choose a provider and start a project", "programmes")
        }
        Some(EnrolmentState::Rejected | EnrolmentState::Removed) => {
            j(2, "试点申请未通过，可查看原因", "The application was not accepted; see why", "programmes")
        }
        Some(_) => j(2, "试点申请审核中", "Pilot application under review", "programmes"),
        None if f.assessed => j(2, "申请加入试点企业库", "Apply to the pilot pool", "programmes"),
        None => j(1, "完成数字化水平自评估", "Take the digital-level self-assessment", "assessments"),
    }
}

/// The steps of a transformation project, in order, as its parties see them.
pub const PROJECT_STEPS: [(&str, &str, &str); 7] = [
    ("diagnosis", "诊断", "Diagnosis"),
    ("plan", "改造方案", "Plan"),
    ("contract", "签约", "Contract"),
    ("filing", "备案", "Filing"),
    ("implementation", "实施", "Implementation"),
    ("acceptance", "验收", "Acceptance"),
    ("subsidy", "奖补拨付", "Subsidy paid"),
];

/// How many of [`PROJECT_STEPS`] a project has done, from its state code, its acceptance's and
/// whether a subsidy of it was paid; `None` for a cancelled project (no line to show).
pub fn project_progress(state: ProjectState, acceptance: Option<AcceptanceState>, paid: bool) -> Option<usize> {
    if paid {
        return Some(7);
    }
    if acceptance == Some(AcceptanceState::Accepted) {
        return Some(6);
    }
    Some(match state {
        ProjectState::Draft | ProjectState::Diagnosing => 0,
        ProjectState::Diagnosed => 1,
        ProjectState::Planned => 2,
        ProjectState::Contracted => 3,
        ProjectState::Filed | ProjectState::InProgress => 4,
        ProjectState::Completed => 5,
        ProjectState::Cancelled => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::acceptance::{
        AcceptanceAction, AcceptanceActor, AcceptanceState, SubsidyAction, SubsidyState,
    };
    use crate::programme::workflow::{
        ChainAction, ChainActor, ChainState, EnrolmentAction, EnrolmentActor, EnrolmentState, ObjectionAction,
        ObjectionState, ProjectAction, ProjectActor, ProjectState, Workflow,
    };
    use crate::provider::lifecycle::{ProviderAction, ProviderState, available};

    fn exists<W: Workflow>(state: Option<W>, action: Option<W::Action>, key: &str) {
        let (Some(s), Some(a)) = (state, action) else { panic!("{key}: unknown state or action") };
        assert!(s.target(a).is_some(), "{key}: no such step from this state");
    }

    #[test]
    fn every_queue_is_a_step_its_party_may_take() {
        for q in QUEUES {
            if q.action.is_empty() {
                continue;
            }
            match q.subject {
                S::Enrolment => {
                    let a = EnrolmentAction::parse(q.action);
                    exists(EnrolmentState::parse(q.state), a, q.key);
                    let who = match q.party {
                        P::DistrictOfficer => EnrolmentActor::DistrictOfficer,
                        P::CityOfficer => EnrolmentActor::CityOfficer,
                        other => panic!("{}: {other:?} does not act on enrolments", q.key),
                    };
                    assert!(a.is_some_and(|a| EnrolmentActor::allowed(a).contains(&who)), "{}", q.key);
                }
                S::Project => {
                    let a = ProjectAction::parse(q.action);
                    exists(ProjectState::parse(q.state), a, q.key);
                    let who = match q.party {
                        P::Enterprise => ProjectActor::Enterprise,
                        P::Provider => ProjectActor::Provider,
                        P::Expert => ProjectActor::Expert,
                        _ => ProjectActor::Officer,
                    };
                    assert!(a.is_some_and(|a| who.may(a)), "{}", q.key);
                }
                S::Acceptance => {
                    let a = AcceptanceAction::parse(q.action);
                    exists(AcceptanceState::parse(q.state), a, q.key);
                    let who = match q.party {
                        P::Enterprise => AcceptanceActor::Enterprise,
                        P::DistrictOfficer => AcceptanceActor::DistrictOfficer,
                        _ => AcceptanceActor::CityOfficer,
                    };
                    assert!(a.is_some_and(|a| AcceptanceActor::allowed(a).contains(&who)), "{}", q.key);
                }
                S::Subsidy => exists(SubsidyState::parse(q.state), SubsidyAction::parse(q.action), q.key),
                S::Objection => exists(ObjectionState::parse(q.state), ObjectionAction::parse(q.action), q.key),
                S::Provider => {
                    let (s, a) = (ProviderState::parse(q.state), ProviderAction::parse(q.action));
                    assert!(s.zip(a).is_some_and(|(s, a)| available(s).contains(&a) && !a.by_provider()), "{}", q.key);
                }
                S::Chain => {
                    let a = ChainAction::parse(q.action);
                    exists(ChainState::parse(q.state), a, q.key);
                    let who = match q.party {
                        P::Enterprise => ChainActor::Lead,
                        _ => ChainActor::Officer,
                    };
                    assert!(a.is_some_and(|a| a.actor() == who), "{}", q.key);
                }
                other => panic!("{}: {other:?} has no state machine to name an action of", q.key),
            }
        }
    }

    #[test]
    fn keys_are_unique_and_every_acting_role_has_queues() {
        let mut keys: Vec<&str> = QUEUES.iter().map(|q| q.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), QUEUES.len());
        for role in [Role::Officer, Role::Enterprise, Role::Provider, Role::Expert] {
            assert!(queues_for(role).count() > 0, "{role:?}");
        }
        assert_eq!(queues_for(Role::SysAdmin).count(), 0);
    }

    #[test]
    fn a_project_moves_along_its_steps() {
        use AcceptanceState as A;
        use ProjectState as P;
        assert_eq!(project_progress(P::Draft, None, false), Some(0));
        assert_eq!(project_progress(P::Planned, None, false), Some(2));
        assert_eq!(project_progress(P::InProgress, None, false), Some(4));
        assert_eq!(project_progress(P::Completed, Some(A::Returned), false), Some(5));
        assert_eq!(project_progress(P::Completed, Some(A::Accepted), false), Some(6));
        assert_eq!(project_progress(P::Completed, Some(A::Accepted), true), Some(7));
        assert_eq!(project_progress(P::Cancelled, None, false), None);
    }

    #[test]
    fn the_journey_moves_forward_with_the_facts() {
        let mut f = JourneyFacts::default();
        assert_eq!(journey(&f).done, 1);
        assert_eq!(journey(&f).next_page, "assessments");
        f.assessed = true;
        assert_eq!((journey(&f).done, journey(&f).next_page), (2, "programmes"));
        f.enrolment = Some(EnrolmentState::Listed);
        assert_eq!(journey(&f).done, 3);
        f.project = Some(ProjectState::Planned);
        assert!(journey(&f).next_zh.contains("签订合同"));
        f.acceptance = Some(AcceptanceState::Returned);
        assert!(journey(&f).next_zh.contains("重新申请"));
        f.acceptance = Some(AcceptanceState::Accepted);
        assert_eq!(journey(&f).done, 5);
        f.paid = true;
        assert_eq!(journey(&f).done, 6);
    }
}
