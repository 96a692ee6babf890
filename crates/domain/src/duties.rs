//! Separation of duties as data (`data/rules/duties.toml`): which role may administer which role's
//! account, directly or only through a two-person procedure (三员分立), and which steps on one
//! object must be taken by different people (不相容岗位相互分离). The server gathers who took the
//! earlier steps of the object in the step's own transaction and asks [`Duties::check`].

use std::collections::BTreeSet;

use serde::Deserialize;
use sm3::{Digest, Sm3};

use crate::role::Role;

/// The kinds of object a separation rule may be counted on.
pub const OBJECTS: [&str; 5] = ["enrolment", "acceptance", "subsidy", "project", "region"];

const BUILTIN: &str = include_str!("../../../data/rules/duties.toml");

/// A step whose taker is remembered, so later incompatible steps on the same object can be refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    EnrolmentDistrictReview,
    EnrolmentCityReview,
    AcceptanceAssess,
    AcceptanceDecide,
    SubsidyCompute,
    SubsidyApprove,
    SubsidyPay,
    IntegrityClear,
    ObjectionDismiss,
    ReportTrust,
    ReportImport,
}

coded!(Step [code], pub fn parse(code) {
    EnrolmentDistrictReview => "enrolment.district_review";
    EnrolmentCityReview => "enrolment.city_review";
    AcceptanceAssess => "acceptance.assess";
    AcceptanceDecide => "acceptance.decide";
    SubsidyCompute => "subsidy.compute";
    SubsidyApprove => "subsidy.approve";
    SubsidyPay => "subsidy.pay";
    IntegrityClear => "integrity.clear";
    ObjectionDismiss => "objection.dismiss";
    ReportTrust => "report.trust";
    ReportImport => "report.import";
});

/// Something done to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountAction {
    Create,
    Disable,
    Enable,
    Unlock,
    ResetPassword,
}

coded!(AccountAction [code, label_zh], pub fn parse(code) {
    Create => "create", "开设账号";
    Disable => "disable", "停用账号";
    Enable => "enable", "启用账号";
    Unlock => "unlock", "解除锁定";
    ResetPassword => "reset_password", "重置口令";
});

/// How an account action may be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// By the actor alone.
    Direct,
    /// Requested by the actor, approved by a different person of another role.
    TwoPerson,
}

/// One account-administration rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRule {
    pub actor: Role,
    pub actions: Vec<AccountAction>,
    pub targets: Vec<Role>,
    pub procedure: Procedure,
    pub approvers: Vec<Role>,
    pub reason: String,
    pub source: String,
}

/// Two steps on one object that must be taken by different people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeparateRule {
    pub id: String,
    /// The kind of object both steps are counted on.
    pub on: String,
    pub steps: [Step; 2],
    pub message_zh: String,
    pub message_en: String,
    pub reason: String,
    pub source: String,
}

/// A refused step: the rule that refuses it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message_zh}（{message_en}；规则 {rule}）")]
pub struct Violation {
    pub rule: String,
    pub message_zh: String,
    pub message_en: String,
}

/// Why an account action is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    #[error("没有规则允许{actor}对{target}账号执行“{action}”")]
    NoRule { actor: &'static str, action: &'static str, target: &'static str },
    #[error("{actor}对{target}账号执行“{action}”须双人办理：提出申请后由另一类管理员批准")]
    NeedsApproval { actor: &'static str, action: &'static str, target: &'static str },
}

/// Why an approval of a two-person request is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    #[error("申请人不能批准自己的申请")]
    OwnRequest,
    #[error("不能批准针对自己账号的申请")]
    OwnAccount,
    #[error("须由与申请人不同类别的管理员批准")]
    SameRole,
    #[error("该角色不能批准此类申请，可批准的角色：{0}")]
    NotApprover(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DutiesError {
    #[error("职责分离规则格式错误：{0}")]
    Format(String),
    #[error("职责分离规则版本号应从 1 开始，收到 {0}")]
    Version(u32),
    #[error("职责分离规则：未知角色“{0}”")]
    Role(String),
    #[error("职责分离规则：未知账号操作“{0}”")]
    Action(String),
    #[error("职责分离规则：未知步骤“{0}”")]
    Step(String),
    #[error("职责分离规则“{0}”：须列出两个不同的步骤")]
    Steps(String),
    #[error("职责分离规则“{0}”：须写明理由、出处和中英文提示")]
    Missing(String),
    #[error("职责分离规则“{0}”：未知对象“{1}”，可选：enrolment、acceptance、subsidy、project、region")]
    Object(String, String),
    #[error("职责分离规则“{0}”重复")]
    Duplicate(String),
    #[error("账号规则（{0}）：双人办理须列出批准角色，且不含申请人自己的角色；直接办理不得列批准角色")]
    Approvers(String),
    #[error("账号规则（{0}）：同一角色对同一目标角色的同一操作只能有一条规则")]
    Overlap(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    actor: String,
    actions: Vec<String>,
    targets: Vec<String>,
    procedure: Procedure,
    #[serde(default)]
    approvers: Vec<String>,
    reason: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeparate {
    id: String,
    on: String,
    steps: Vec<String>,
    message_zh: String,
    message_en: String,
    reason: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: u32,
    #[serde(default)]
    account: Vec<RawAccount>,
    #[serde(default)]
    separate: Vec<RawSeparate>,
}

/// The rule set, with its version and the SM3 fingerprint of the file it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duties {
    pub version: u32,
    pub fingerprint: String,
    pub account: Vec<AccountRule>,
    pub separate: Vec<SeparateRule>,
}

fn role(s: &str) -> Result<Role, DutiesError> {
    s.parse().map_err(|_| DutiesError::Role(s.to_owned()))
}

fn role_names(roles: &[Role]) -> String {
    roles.iter().map(|r| role_zh(*r)).collect::<Vec<_>>().join("、")
}

/// The Chinese name of a role, as the refusals say it.
pub fn role_zh(r: Role) -> &'static str {
    r.label_zh()
}

impl Duties {
    /// Parses and validates: version ≥ 1; every role, action and step known; every rule with a
    /// reason and a source; a separation rule names two different steps and is not repeated; an
    /// account rule's approvers are given exactly for two-person procedures and never include the
    /// requester's own role; no two account rules cover the same (actor, action, target).
    pub fn from_toml(text: &str) -> Result<Duties, DutiesError> {
        let raw: Raw = toml::from_str(text).map_err(|e| DutiesError::Format(e.to_string()))?;
        if raw.version == 0 {
            return Err(DutiesError::Version(raw.version));
        }
        let mut account = Vec::new();
        let mut covered = BTreeSet::new();
        for a in raw.account {
            let actor = role(&a.actor)?;
            let actions = a
                .actions
                .iter()
                .map(|s| AccountAction::parse(s).ok_or_else(|| DutiesError::Action(s.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            let targets = a.targets.iter().map(|s| role(s)).collect::<Result<Vec<_>, _>>()?;
            let approvers = a.approvers.iter().map(|s| role(s)).collect::<Result<Vec<_>, _>>()?;
            let label = format!("{} {}", a.actor, a.actions.join(","));
            if a.reason.trim().is_empty() || a.source.trim().is_empty() {
                return Err(DutiesError::Missing(label));
            }
            let approvers_ok = match a.procedure {
                Procedure::Direct => approvers.is_empty(),
                Procedure::TwoPerson => !approvers.is_empty() && !approvers.contains(&actor),
            };
            if !approvers_ok {
                return Err(DutiesError::Approvers(label));
            }
            for act in &actions {
                for t in &targets {
                    if !covered.insert((actor.code(), act.code(), t.code())) {
                        return Err(DutiesError::Overlap(format!("{} {} {}", actor.code(), act.code(), t.code())));
                    }
                }
            }
            account.push(AccountRule {
                actor,
                actions,
                targets,
                procedure: a.procedure,
                approvers,
                reason: a.reason,
                source: a.source,
            });
        }
        let mut separate = Vec::new();
        let mut ids = BTreeSet::new();
        let mut pairs = BTreeSet::new();
        for s in raw.separate {
            let steps = s
                .steps
                .iter()
                .map(|x| Step::parse(x).ok_or_else(|| DutiesError::Step(x.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            let [a, b] = steps[..] else { return Err(DutiesError::Steps(s.id)) };
            if a == b {
                return Err(DutiesError::Steps(s.id));
            }
            if [&s.id, &s.message_zh, &s.message_en, &s.reason, &s.source].iter().any(|x| x.trim().is_empty()) {
                return Err(DutiesError::Missing(s.id));
            }
            if !OBJECTS.contains(&s.on.as_str()) {
                return Err(DutiesError::Object(s.id, s.on));
            }
            if !ids.insert(s.id.clone()) || !pairs.insert((a.min(b), a.max(b))) {
                return Err(DutiesError::Duplicate(s.id));
            }
            separate.push(SeparateRule {
                id: s.id,
                on: s.on,
                steps: [a, b],
                message_zh: s.message_zh,
                message_en: s.message_en,
                reason: s.reason,
                source: s.source,
            });
        }
        let digest = Sm3::digest(text.replace("\r\n", "\n").as_bytes());
        let fingerprint = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Duties { version: raw.version, fingerprint, account, separate })
    }

    /// The rules shipped in the binary.
    pub fn builtin() -> Result<Duties, DutiesError> {
        Duties::from_toml(BUILTIN)
    }

    /// May `actor` take `step` on an object on which `prior` lists who took which step
    /// (user ids)? The first rule that pairs `step` with a step the same person already took
    /// refuses it.
    pub fn check(&self, step: Step, actor_user_id: i64, prior: &[(Step, i64)]) -> Result<(), Violation> {
        for (r, other) in self.rules_of(step) {
            if prior.iter().any(|(s, who)| *s == other && *who == actor_user_id) {
                return Err(Violation {
                    rule: r.id.clone(),
                    message_zh: r.message_zh.clone(),
                    message_en: r.message_en.clone(),
                });
            }
        }
        Ok(())
    }

    /// The separation rules that name `step`, each with the step on its other side.
    pub fn rules_of(&self, step: Step) -> impl Iterator<Item = (&SeparateRule, Step)> {
        self.separate.iter().filter_map(move |r| match r.steps {
            [a, b] if a == step => Some((r, b)),
            [a, b] if b == step => Some((r, a)),
            _ => None,
        })
    }

    /// The rule covering `actor` doing `action` to an account of role `target`, if any.
    pub fn account_rule(&self, actor: Role, action: AccountAction, target: Role) -> Option<&AccountRule> {
        self.account.iter().find(|r| r.actor == actor && r.actions.contains(&action) && r.targets.contains(&target))
    }

    /// How `actor` may do `action` to an account of role `target`: directly, only by a two-person
    /// request, or not at all.
    pub fn account_procedure(
        &self,
        actor: Role,
        action: AccountAction,
        target: Role,
    ) -> Result<Procedure, AccountRefusal> {
        self.account_rule(actor, action, target).map(|r| r.procedure).ok_or(AccountRefusal::NoRule {
            actor: role_zh(actor),
            action: action.label_zh(),
            target: role_zh(target),
        })
    }

    /// Refuses unless `actor` may do `action` to a `target` account alone.
    pub fn account_direct(&self, actor: Role, action: AccountAction, target: Role) -> Result<(), AccountRefusal> {
        match self.account_procedure(actor, action, target)? {
            Procedure::Direct => Ok(()),
            Procedure::TwoPerson => Err(AccountRefusal::NeedsApproval {
                actor: role_zh(actor),
                action: action.label_zh(),
                target: role_zh(target),
            }),
        }
    }

    /// May a user approve a two-person request? The requester's rule must name the approver's role;
    /// the approver is neither the requester, nor of the requester's role, nor the target account.
    #[allow(clippy::too_many_arguments)]
    pub fn may_approve(
        &self,
        requester: (i64, Role),
        action: AccountAction,
        target_role: Role,
        target_user: Option<i64>,
        approver: (i64, Role),
    ) -> Result<(), ApprovalRefusal> {
        if approver.0 == requester.0 {
            return Err(ApprovalRefusal::OwnRequest);
        }
        if target_user == Some(approver.0) {
            return Err(ApprovalRefusal::OwnAccount);
        }
        if approver.1 == requester.1 {
            return Err(ApprovalRefusal::SameRole);
        }
        let approvers = self
            .account_rule(requester.1, action, target_role)
            .filter(|r| r.procedure == Procedure::TwoPerson)
            .map(|r| r.approvers.clone())
            .unwrap_or_default();
        if !approvers.contains(&approver.1) {
            return Err(ApprovalRefusal::NotApprover(role_names(&approvers)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Duties {
        Duties::builtin().unwrap()
    }

    #[test]
    fn builtin_loads_with_a_fingerprint() {
        let d = d();
        assert_eq!(d.version, 1);
        assert_eq!(d.fingerprint.len(), 64);
        assert!(d.separate.len() >= 8);
        assert_eq!(Duties::from_toml(&BUILTIN.replace('\n', "\r\n")).unwrap().fingerprint, d.fingerprint);
    }

    #[test]
    fn the_same_person_is_refused_and_another_passes() {
        let d = d();
        for r in &d.separate {
            let [a, b] = r.steps;
            let v = d.check(b, 7, &[(a, 7)]).unwrap_err();
            assert_eq!(v.rule, r.id);
            assert!(v.to_string().contains(&r.message_zh));
            let v = d.check(a, 7, &[(b, 7)]).unwrap_err();
            assert_eq!(v.rule, r.id, "either order");
            assert!(d.check(b, 8, &[(a, 7)]).is_ok(), "{}: a different person passes", r.id);
        }
    }

    #[test]
    fn subsidy_needs_three_people() {
        let d = d();
        let computed = [(Step::SubsidyCompute, 1)];
        assert_eq!(d.check(Step::SubsidyApprove, 1, &computed).unwrap_err().message_zh, "审批人不得与核算人为同一人");
        let approved = [(Step::SubsidyCompute, 1), (Step::SubsidyApprove, 2)];
        assert!(d.check(Step::SubsidyPay, 1, &approved).is_err());
        assert!(d.check(Step::SubsidyPay, 2, &approved).is_err());
        assert!(d.check(Step::SubsidyPay, 3, &approved).is_ok());
        // Repeating a step (paying again after a reversal) is not incompatible with itself.
        assert!(d.check(Step::SubsidyPay, 3, &[(Step::SubsidyPay, 3)]).is_ok());
    }

    #[test]
    fn admin_accounts_need_two_people() {
        let d = d();
        use AccountAction::*;
        assert!(d.account_direct(Role::SysAdmin, Create, Role::Officer).is_ok());
        for t in [Role::AuditAdmin, Role::SecAdmin, Role::SysAdmin] {
            assert!(matches!(d.account_direct(Role::SysAdmin, Create, t), Err(AccountRefusal::NeedsApproval { .. })));
            assert!(matches!(
                d.account_direct(Role::SecAdmin, ResetPassword, t),
                Err(AccountRefusal::NeedsApproval { .. })
            ));
            assert!(d.account_direct(Role::SecAdmin, Unlock, t).is_ok());
        }
        assert!(matches!(d.account_direct(Role::SecAdmin, Create, Role::Officer), Err(AccountRefusal::NoRule { .. })));
        assert!(matches!(
            d.account_direct(Role::AuditAdmin, ResetPassword, Role::Officer),
            Err(AccountRefusal::NoRule { .. })
        ));
        // Approval: another person of another listed role, not the target.
        let req = (1, Role::SysAdmin);
        assert_eq!(
            d.may_approve(req, Create, Role::AuditAdmin, None, (1, Role::SysAdmin)),
            Err(ApprovalRefusal::OwnRequest)
        );
        assert_eq!(
            d.may_approve(req, Create, Role::AuditAdmin, None, (2, Role::SysAdmin)),
            Err(ApprovalRefusal::SameRole)
        );
        assert!(d.may_approve(req, Create, Role::AuditAdmin, None, (3, Role::SecAdmin)).is_ok());
        assert!(matches!(
            d.may_approve(req, Create, Role::AuditAdmin, None, (3, Role::Officer)),
            Err(ApprovalRefusal::NotApprover(_))
        ));
        let sec = (4, Role::SecAdmin);
        assert_eq!(
            d.may_approve(sec, ResetPassword, Role::SysAdmin, Some(5), (5, Role::SysAdmin)),
            Err(ApprovalRefusal::OwnAccount)
        );
        assert!(d.may_approve(sec, ResetPassword, Role::AuditAdmin, Some(5), (6, Role::SysAdmin)).is_ok());
        assert!(matches!(
            d.may_approve(sec, ResetPassword, Role::AuditAdmin, Some(5), (6, Role::AuditAdmin)),
            Err(ApprovalRefusal::NotApprover(_))
        ));
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let head = "version = 1\n";
        let sep = |steps: &str, reason: &str| {
            format!(
                "{head}[[separate]]\nid = \"x\"\non = \"subsidy\"\nsteps = {steps}\nmessage_zh = \"m\"\nmessage_en = \"m\"\nreason = \"{reason}\"\nsource = \"s\"\n"
            )
        };
        assert!(Duties::from_toml(&sep("[\"subsidy.compute\", \"subsidy.approve\"]", "r")).is_ok());
        assert!(matches!(Duties::from_toml("version = 0\n"), Err(DutiesError::Version(0))));
        assert!(matches!(Duties::from_toml(&sep("[\"subsidy.compute\"]", "r")), Err(DutiesError::Steps(_))));
        assert!(matches!(
            Duties::from_toml(&sep("[\"subsidy.compute\", \"subsidy.compute\"]", "r")),
            Err(DutiesError::Steps(_))
        ));
        assert!(matches!(
            Duties::from_toml(&sep("[\"subsidy.cook\", \"subsidy.pay\"]", "r")),
            Err(DutiesError::Step(_))
        ));
        assert!(matches!(
            Duties::from_toml(&sep("[\"subsidy.compute\", \"subsidy.pay\"]", " ")),
            Err(DutiesError::Missing(_))
        ));
        let acc = |procedure: &str, approvers: &str| {
            format!(
                "{head}[[account]]\nactor = \"sysadmin\"\nactions = [\"create\"]\ntargets = [\"auditadmin\"]\nprocedure = \"{procedure}\"\napprovers = {approvers}\nreason = \"r\"\nsource = \"s\"\n"
            )
        };
        assert!(Duties::from_toml(&acc("two_person", "[\"secadmin\"]")).is_ok());
        assert!(matches!(Duties::from_toml(&acc("two_person", "[]")), Err(DutiesError::Approvers(_))));
        assert!(matches!(Duties::from_toml(&acc("two_person", "[\"sysadmin\"]")), Err(DutiesError::Approvers(_))));
        assert!(matches!(Duties::from_toml(&acc("direct", "[\"secadmin\"]")), Err(DutiesError::Approvers(_))));
        assert!(matches!(Duties::from_toml(&acc("direct", "[\"wizard\"]")), Err(DutiesError::Role(_))));
        let twice = format!("{}{}", acc("direct", "[]"), acc("direct", "[]").trim_start_matches(head));
        assert!(matches!(Duties::from_toml(&twice), Err(DutiesError::Overlap(_))));
    }
}
