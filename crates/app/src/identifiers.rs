//! The national identifiers people type and the platform keys on: the 统一社会信用代码
//! (GB 32100, with the organisation code inside it, GB 11714) and the region path of a
//! 行政区划代码 (GB/T 2260). Shared by every use-case that takes them.

use dengta_domain::enterprise::{OrgCodeStatus, Uscc, UsccError};
use dengta_domain::region::RegionCode;

use super::{AppError, AppResult};

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Parses a 统一社会信用代码, accepting a check-character failure only with a reason. The
/// organisation code inside it (positions 9–17, GB 11714) is checked too: a failure is a warning
/// the authority overrides with a reason, recorded with the code and in the audit record.
pub fn parse_uscc(code: &str, legacy_reason: &str) -> AppResult<(Uscc, Option<String>)> {
    match Uscc::parse(code) {
        Ok(u) => match (u.org_code_status(), opt(legacy_reason)) {
            (OrgCodeStatus::Valid, _) => Ok((u, None)),
            (OrgCodeStatus::Mismatch { .. }, Some(reason)) => Ok((u, Some(reason))),
            (OrgCodeStatus::Mismatch { expected, actual }, None) => Err(AppError::invalid(
                "error.uscc_org_check",
                format!("第9–17位组织机构代码（GB 11714）校验位应为{expected}，实际为{actual}"),
            )),
        },
        Err(e) if e.is_check_char_only() => match opt(legacy_reason) {
            Some(reason) => {
                let (u, _) = Uscc::parse_legacy(code).map_err(|e| AppError::invalid("error.uscc", e.to_string()))?;
                Ok((u, Some(reason)))
            }
            None => Err(AppError::invalid("error.uscc_check", e.to_string())),
        },
        Err(e @ UsccError::Empty) => Err(AppError::invalid("error.field_required", e.to_string())),
        Err(e) => Err(AppError::invalid("error.uscc", e.to_string())),
    }
}

/// The region and every node above it: where roll-up counters are kept.
pub fn region_path(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = RegionCode::parse(code).ok();
    while let Some(r) = cur {
        out.push(r.to_string());
        cur = r.parent();
    }
    out
}
