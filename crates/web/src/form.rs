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

/// A refused form's message, and the form kept as typed with the message beside the field the
/// refusal concerns (when it concerns one); other errors pass through.
pub fn refused(ctx: &Ctx, e: AppError, kept: Kept) -> Result<(String, Kept), AppError> {
    let field = field_of(&kept.form, &e);
    let message = refusal(ctx, e)?;
    let error = field.map(|f| (f, message.clone()));
    Ok((message, Kept { error, ..kept }))
}

/// Which field of which form a refusal (its key) concerns; the first match wins, and form "*"
/// is any form.
const FIELDS: &[(&str, &str, &str)] = &[
    ("project", "error.project_title", "title"),
    ("diagnosis", "error.date", "survey_date"),
    ("diagnosis", "error.surveyors", "surveyors"),
    ("diagnosis", "error.gaps", "gaps"),
    ("diagnosis", "error.recommendations", "recommendations"),
    ("contract", "error.date", "sign_date"),
    ("milestone", "error.milestone_title", "title"),
    ("milestone", "error.date", "due_date"),
    ("payment", "error.payment_kind", "kind"),
    ("payment", "error.spend_category", "category"),
    ("payment", "error.item_price", "amount"),
    ("payment", "error.payment_number", "number"),
    ("payment", "error.date", "date"),
    ("payment", "error.outside_window", "date"),
    ("start_review", "error.experts_needed", "expert"),
    ("start_review", "error.expert_unknown", "expert"),
    ("webhook", "error.webhook_url", "url"),
    ("webhook", "error.region_unknown", "region"),
    ("webhook", "error.webhook_kinds", "kinds"),
    ("contact", "error.contact_email", "email"),
    ("contact", "error.contact_email_missing", "email"),
    ("contact", "error.contact_mobile", "mobile"),
    ("contact", "error.contact_mobile_missing", "mobile"),
    ("*", "error.reason_required", "reason"),
    ("*", "error.date", "deadline"),
];

/// The field of `form` that a refusal concerns, if it concerns one: by its key, and for a
/// workflow step refused by its guard, by the guard's reason (a missing reason or deadline).
pub fn field_of(form: &str, e: &AppError) -> Option<&'static str> {
    use dengta_domain::programme::workflow::TransitionError as Step;
    use dengta_domain::provider::TransitionError as Pool;
    let AppError::Invalid { key, detail } = e else { return None };
    if *key == "error.transition" {
        let wants_reason = [Step::ReasonRequired, Step::NotEligible, Step::CriteriaFailed].map(|r| r.to_string());
        return if wants_reason.contains(detail) || *detail == Pool::ReasonRequired.to_string() {
            Some("reason")
        } else if *detail == Pool::DeadlineRequired.to_string() {
            Some("deadline")
        } else {
            None
        };
    }
    FIELDS.iter().find(|(f, k, _)| (*f == form || *f == "*") && k == key).map(|(_, _, field)| *field)
}

/// Repeated form keys (checkboxes) as a list of pairs.
pub type Pairs = Vec<(String, String)>;

/// What a refused form sent, so the page shows it again as typed: `form` names which of the
/// page's forms it was (several share field names), and only that form is filled; `error` is
/// the refusal's message and the field it concerns (see [`refused`]).
#[derive(Clone, Debug, Default)]
pub struct Kept {
    form: String,
    pairs: Pairs,
    error: Option<(&'static str, String)>,
}

impl Kept {
    pub fn new(form: impl Into<String>, pairs: &Pairs) -> Kept {
        // The CSRF token is rendered afresh; nothing else is dropped.
        let pairs = pairs.iter().filter(|(k, _)| k != "_csrf").cloned().collect();
        Kept { form: form.into(), pairs, error: None }
    }

    /// The refusal's message when it concerns `name` of `form`.
    pub fn err(&self, form: &str, name: &str) -> Option<&str> {
        match &self.error {
            Some((field, message)) if self.is(form) && *field == name => Some(message),
            _ => None,
        }
    }

    /// The message shown beside `name` of `form` when the refusal concerns it (escaped HTML,
    /// `id="err-<form>-<name>"`), else nothing.
    pub fn note(&self, form: &str, name: &str) -> String {
        self.err(form, name).map_or_else(String::new, |m| {
            format!(r#"<p class="field-error" id="err-{}-{}">{}</p>"#, escape(form), escape(name), escape(m))
        })
    }

    /// The attributes of `name`'s input when the refusal concerns it: marked invalid and
    /// described by its message.
    pub fn aria(&self, form: &str, name: &str) -> String {
        self.err(form, name).map_or_else(String::new, |_| {
            format!(r#" aria-invalid="true" aria-describedby="err-{}-{}""#, escape(form), escape(name))
        })
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

/// Text for HTML, attribute values included.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct Personal {
    /// `true` (or `1`) to include personal data unmasked; the read is then audited.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::flag")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_field_by_form_and_reason() {
        use dengta_domain::programme::workflow::TransitionError as Step;
        let date = AppError::invalid("error.date", "2025-13-45");
        assert_eq!(field_of("payment", &date), Some("date"));
        assert_eq!(field_of("diagnosis", &date), Some("survey_date"));
        assert_eq!(field_of("warn", &date), Some("deadline"), "an action form's date is its deadline");
        let reason = AppError::invalid("error.transition", Step::ReasonRequired.to_string());
        assert_eq!(field_of("cancel", &reason), Some("reason"));
        let not_allowed = AppError::invalid("error.transition", "当前状态下不能执行");
        assert_eq!(field_of("cancel", &not_allowed), None);
        assert_eq!(field_of("payment", &AppError::Forbidden), None);
    }

    #[test]
    fn the_note_is_escaped_and_only_for_its_field() {
        let k =
            Kept { form: "webhook".into(), pairs: Vec::new(), error: Some(("url", "<b>\"bad\" & 'worse'</b>".into())) };
        assert_eq!(
            k.note("webhook", "url"),
            r#"<p class="field-error" id="err-webhook-url">&lt;b&gt;&quot;bad&quot; &amp; &#39;worse&#39;&lt;/b&gt;</p>"#
        );
        assert_eq!(k.aria("webhook", "url"), r#" aria-invalid="true" aria-describedby="err-webhook-url""#);
        assert!(k.note("webhook", "region").is_empty() && k.note("other", "url").is_empty());
    }
}
