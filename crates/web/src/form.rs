//! Input shared by pages and the API: reading submitted forms, the account form, the
//! personal-data switch, and turning a refusal into the message shown on the form again.

use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;
use serde::Deserialize;

use crate::app::AppError;
use crate::app::accounts::NewAccount;
use crate::ctx::Ctx;

/// The message for a refused form: the translated reason and the rule's own detail.
pub fn error_text(ctx: &Ctx, key: &str, detail: &str) -> String {
    if detail.is_empty() { ctx.t(key).to_owned() } else { format!("{}：{detail}", ctx.t(key)) }
}

/// A refused action's message in the user's language; other errors pass through.
pub fn refusal(ctx: &Ctx, e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Invalid { key, detail } => Ok(error_text(ctx, key, &detail)),
        AppError::Conflict(key) => Ok(ctx.t(key).to_owned()),
        e => Err(e),
    }
}

/// Repeated form keys (checkboxes) as a list of pairs.
pub type Pairs = Vec<(String, String)>;

/// What a refused form sent, so the page shows it again as typed: `form` names which of the
/// page's forms it was (several share field names), and only that form is filled.
#[derive(Clone, Debug, Default)]
pub struct Kept {
    form: String,
    pairs: Pairs,
}

impl Kept {
    pub fn new(form: impl Into<String>, pairs: &Pairs) -> Kept {
        // The CSRF token is rendered afresh; nothing else is dropped.
        let pairs = pairs.iter().filter(|(k, _)| k != "_csrf").cloned().collect();
        Kept { form: form.into(), pairs }
    }

    /// Whether `form` is the one refused.
    pub fn is(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }

    /// The `i`-th value typed into `name` of `form`, or "".
    pub fn nth(&self, form: &str, name: &str, i: impl std::borrow::Borrow<usize>) -> &str {
        let i = *i.borrow();
        if !self.is(form) {
            return "";
        }
        self.pairs.iter().filter(|(k, _)| k == name).nth(i).map_or("", |(_, v)| v.as_str())
    }

    /// The value typed into `name` of `form`, or "".
    pub fn v(&self, form: &str, name: &str) -> &str {
        self.nth(form, name, 0)
    }

    /// Whether `form` sent `value` under `name` (a ticked box, a chosen option).
    pub fn has(&self, form: &str, name: &str, value: &str) -> bool {
        self.is(form) && self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    /// Whether the `i`-th `name` of `form` was `value` (one of several selects of that name).
    pub fn sel(&self, form: &str, name: &str, i: impl std::borrow::Borrow<usize>, value: &str) -> bool {
        self.is(form) && self.nth(form, name, i) == value
    }
}

pub fn one(f: &Pairs, key: &str) -> String {
    f.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub fn all_ids(f: &Pairs, key: &str) -> Vec<i64> {
    f.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.trim().parse().ok()).collect()
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub enterprise_id: String,
    #[serde(default)]
    pub provider_id: String,
    #[serde(default)]
    pub password: String,
}

/// Parses the form into an account; shared by the page and the API.
pub fn account_from(f: &UserForm) -> Result<NewAccount, AppError> {
    let role: Role = f.role.parse().map_err(|_| AppError::invalid("error.role", &f.role))?;
    let region = RegionCode::parse(&f.region).map_err(|e| AppError::invalid("error.region_code", e.to_string()))?;
    if f.username.trim().is_empty() || f.password.is_empty() {
        return Err(AppError::invalid("error.field_required", ""));
    }
    Ok(NewAccount {
        username: f.username.trim().to_owned(),
        display_name: f.display_name.trim().to_owned(),
        role,
        region,
        enterprise_id: optional_id(&f.enterprise_id)?,
        provider_id: optional_id(&f.provider_id)?,
        password: f.password.clone(),
        is_demo: false,
    })
}

#[derive(Deserialize, Default)]
pub struct Personal {
    /// `true` (or `1`) to include personal data unmasked; the read is then audited.
    #[serde(default)]
    pub personal: Option<String>,
}

impl Personal {
    pub fn reveal(&self) -> bool {
        matches!(self.personal.as_deref(), Some("1" | "true" | "yes"))
    }
}

fn optional_id(s: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| AppError::invalid("error.bad_request", s))
}

/// A random hex key for a form that must post once (idempotency key).
pub fn fresh_key() -> Result<String, AppError> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn id_of(f: &Pairs, key: &str) -> i64 {
    one(f, key).trim().parse().unwrap_or(0)
}
