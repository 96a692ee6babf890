//! Need to know (数据最小必要): the disclosure table in force and the one question every view
//! asks of it. The rules live in `data/rules/disclosure.toml` (see `dengta_domain::disclosure`).

use std::sync::LazyLock;

use dengta_domain::disclosure::{Audience, Disclosure, Field};
use dengta_domain::role::Principal;

use super::{AppError, AppResult};

static RULES: LazyLock<Result<Disclosure, String>> = LazyLock::new(|| Disclosure::builtin().map_err(|e| e.to_string()));

/// The disclosure table (validated once; a broken table is an internal error, never a leak).
pub fn rules() -> AppResult<&'static Disclosure> {
    RULES.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

/// Whether `p` may see `field` of a record about enterprise `enterprise_id`.
pub fn may_see(p: &Principal, enterprise_id: Option<i64>, field: Field) -> AppResult<bool> {
    Ok(rules()?.may_see(Audience::of(Some(p), enterprise_id), field))
}
