//! Authorization: one policy function per resource, so "who may do what to
//! which object" is answered in exactly one place. Handlers ask; they never
//! decide. An object outside the caller's scope is reported as `NotFound`, so
//! its existence does not leak; a page the role may never use is `Forbidden`.

use crate::region::RegionCode;
use crate::role::{Principal, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbidden,
    NotFound,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    List,
    Create,
    Update,
}

fn allow_if(cond: bool, otherwise: Decision) -> Decision {
    if cond { Decision::Allow } else { otherwise }
}

/// An enterprise record (一企一档).
pub fn enterprise(p: &Principal, action: Action, id: i64, region: &RegionCode) -> Decision {
    match (p.role, action) {
        (Role::Enterprise, Action::Read | Action::Update) => allow_if(p.enterprise_id == Some(id), Decision::NotFound),
        (Role::Officer, _) => allow_if(p.region.contains(region), Decision::NotFound),
        (Role::Enterprise | Role::Provider | Role::Expert, _) => Decision::NotFound,
        (Role::SysAdmin | Role::SecAdmin | Role::AuditAdmin, _) => Decision::NotFound,
    }
}

/// The enterprise list: officers see their subtree, an enterprise user its own.
pub fn enterprise_list(p: &Principal) -> Decision {
    allow_if(matches!(p.role, Role::Officer | Role::Enterprise), Decision::Forbidden)
}

/// A service provider record (服务商).
pub fn provider(p: &Principal, action: Action, id: i64, region: &RegionCode) -> Decision {
    match (p.role, action) {
        (Role::Provider, Action::Read | Action::Update) => allow_if(p.provider_id == Some(id), Decision::NotFound),
        (Role::Officer, _) => allow_if(p.region.contains(region), Decision::NotFound),
        _ => Decision::NotFound,
    }
}

/// A token for a gateway (device readings only): the parties whose devices send readings.
pub fn gateway_token(p: &Principal) -> Decision {
    allow_if(matches!(p.role, Role::Enterprise | Role::Provider), Decision::Forbidden)
}

pub fn provider_list(p: &Principal) -> Decision {
    allow_if(matches!(p.role, Role::Officer | Role::Provider), Decision::Forbidden)
}

/// User accounts: the system administrator manages them within its region; the
/// security administrator may unlock and reset them. Others see only themselves.
pub fn user_account(p: &Principal, action: Action, target_region: &RegionCode) -> Decision {
    match p.role {
        Role::SysAdmin => allow_if(p.region.contains(target_region), Decision::NotFound),
        Role::SecAdmin => match action {
            Action::Read | Action::List | Action::Update => {
                allow_if(p.region.contains(target_region), Decision::NotFound)
            }
            Action::Create => Decision::Forbidden,
        },
        _ => Decision::Forbidden,
    }
}

/// Security actions on an account (unlock, reset password, end sessions).
pub fn account_security(p: &Principal, target_region: &RegionCode) -> Decision {
    match p.role {
        Role::SecAdmin => allow_if(p.region.contains(target_region), Decision::NotFound),
        _ => Decision::Forbidden,
    }
}

/// The region tree: readable by every signed-in user, maintained by the system administrator.
pub fn regions(p: &Principal, action: Action) -> Decision {
    match action {
        Action::Read | Action::List => Decision::Allow,
        Action::Create | Action::Update => allow_if(p.role == Role::SysAdmin, Decision::Forbidden),
    }
}

/// The audit trail: only the audit administrator reads it, and nobody changes it (三员分立).
pub fn audit_trail(p: &Principal, action: Action) -> Decision {
    match action {
        Action::Read | Action::List => allow_if(p.role == Role::AuditAdmin, Decision::Forbidden),
        Action::Create | Action::Update => Decision::Forbidden,
    }
}

/// An expert's review sheet: only the expert it is assigned to.
pub fn review_sheet(p: &Principal, expert_user_id: i64) -> Decision {
    allow_if(p.role == Role::Expert && p.user_id == expert_user_id, Decision::NotFound)
}

/// A catalogue solution. Anyone signed in reads a published one; drafts and reviews belong to
/// its provider and to officers over the provider's region.
pub fn solution(
    p: &Principal,
    action: Action,
    provider_id: i64,
    provider_region: &RegionCode,
    published: bool,
) -> Decision {
    match (p.role, action) {
        (_, Action::Read | Action::List) if published => Decision::Allow,
        (Role::Provider, Action::Read | Action::Update) => {
            allow_if(p.provider_id == Some(provider_id), Decision::NotFound)
        }
        (Role::Provider, Action::Create) => allow_if(p.provider_id == Some(provider_id), Decision::Forbidden),
        (Role::Officer, Action::Read | Action::Update) => {
            allow_if(p.region.contains(provider_region), Decision::NotFound)
        }
        _ => Decision::NotFound,
    }
}

/// A contact request: the enterprise that made it and the provider it addresses.
pub fn contact_request(p: &Principal, enterprise_id: i64, provider_id: i64) -> Decision {
    match p.role {
        Role::Enterprise => allow_if(p.enterprise_id == Some(enterprise_id), Decision::NotFound),
        Role::Provider => allow_if(p.provider_id == Some(provider_id), Decision::NotFound),
        _ => Decision::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, region: &str) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            region: RegionCode::parse(region).unwrap(),
            enterprise_id: (role == Role::Enterprise).then_some(10),
            provider_id: (role == Role::Provider).then_some(20),
        }
    }

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn officers_see_their_subtree_only() {
        let city = who(Role::Officer, "320100");
        assert_eq!(enterprise(&city, Action::Read, 1, &rc("320102")), Decision::Allow);
        assert_eq!(enterprise(&city, Action::Read, 1, &rc("320205")), Decision::NotFound);
        let county = who(Role::Officer, "320102");
        assert_eq!(enterprise(&county, Action::Read, 1, &rc("320104")), Decision::NotFound);
    }

    #[test]
    fn enterprise_users_see_only_their_own() {
        let e = who(Role::Enterprise, "320102");
        assert_eq!(enterprise(&e, Action::Read, 10, &rc("320102")), Decision::Allow);
        assert_eq!(enterprise(&e, Action::Read, 11, &rc("320102")), Decision::NotFound);
        assert_eq!(enterprise(&e, Action::Create, 10, &rc("320102")), Decision::NotFound);
    }

    #[test]
    fn three_admins_are_separated() {
        let sys = who(Role::SysAdmin, "100000");
        let audit = who(Role::AuditAdmin, "100000");
        let sec = who(Role::SecAdmin, "100000");
        assert_eq!(audit_trail(&sys, Action::Read), Decision::Forbidden);
        assert_eq!(audit_trail(&sec, Action::Read), Decision::Forbidden);
        assert_eq!(audit_trail(&audit, Action::Read), Decision::Allow);
        assert_eq!(audit_trail(&audit, Action::Update), Decision::Forbidden);
        assert_eq!(user_account(&audit, Action::Read, &rc("320100")), Decision::Forbidden);
        assert_eq!(user_account(&sec, Action::Create, &rc("320100")), Decision::Forbidden);
        assert_eq!(account_security(&sys, &rc("320100")), Decision::Forbidden);
        assert_eq!(enterprise(&sys, Action::Read, 1, &rc("320102")), Decision::NotFound);
    }
}
