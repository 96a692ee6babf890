//! Roles and the signed-in principal. Each user holds exactly one role and the
//! binding that role needs: an enterprise, a provider, or a region node.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::region::RegionCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 企业用户: bound to one enterprise.
    Enterprise,
    /// 服务商用户: bound to one provider.
    Provider,
    /// 主管部门: bound to one region node and its subtree.
    Officer,
    /// 专家
    Expert,
    /// 系统管理员: accounts and regions; never the audit trail (三员分立).
    SysAdmin,
    /// 安全管理员: lockouts, password resets, sessions and tokens.
    SecAdmin,
    /// 审计管理员: reads the audit trail, changes nothing.
    AuditAdmin,
}

coded!(Role [
    code,
    /// The i18n key of the role's display name.
    label_key,
    /// The Chinese name of the role, as refusals and audit texts say it.
    label_zh
] {
    Enterprise => "enterprise", "role.enterprise", "企业用户";
    Provider => "provider", "role.provider", "服务商用户";
    Officer => "officer", "role.officer", "主管部门";
    Expert => "expert", "role.expert", "专家";
    SysAdmin => "sysadmin", "role.sysadmin", "系统管理员";
    SecAdmin => "secadmin", "role.secadmin", "安全管理员";
    AuditAdmin => "auditadmin", "role.auditadmin", "审计管理员";
});

impl Role {
    pub fn is_admin(self) -> bool {
        matches!(self, Role::SysAdmin | Role::SecAdmin | Role::AuditAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知角色“{0}”，可选：enterprise、provider、officer、expert、sysadmin、secadmin、auditadmin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Who is acting: resolved once per request from a session or an API token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// Region node the user belongs to (officers are scoped to its subtree).
    pub region: RegionCode,
    pub enterprise_id: Option<i64>,
    pub provider_id: Option<i64>,
}

impl Principal {
    /// Whether this is an officer of exactly `region` (the city that decides a programme's money),
    /// not of a region above or below it.
    pub fn is_officer_of(&self, region: &RegionCode) -> bool {
        self.role == Role::Officer && &self.region == region
    }
}
