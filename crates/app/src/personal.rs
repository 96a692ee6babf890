//! Personal data (个人信息: legal representative, contact name and phone): masked wherever it
//! is listed or kept in history, shown only on an explicit read that is itself audited (PIPL).

use super::audit::{Outcome, record};
use super::{Actor, App, AppResult};
use crate::db::enterprises::EnterpriseRow;

/// "张伟" → "张*"; "13912345678" → "139****5678".
pub fn mask_name(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(first) => format!("{first}{}", "*".repeat(cs.count().max(1))),
        None => String::new(),
    }
}

/// "boss@example.com" → "b***@example.com".
pub use dengta_domain::integrity::mask_email;

pub fn mask_phone(s: &str) -> String {
    let cs: Vec<char> = s.chars().collect();
    if cs.len() < 7 {
        return "*".repeat(cs.len());
    }
    let head: String = cs[..3].iter().collect();
    let tail: String = cs[cs.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(cs.len() - 7))
}

/// Masks the personal data of a record (legal representative, phone) in place.
pub fn mask_personal(e: &mut EnterpriseRow) {
    e.legal_rep = e.legal_rep.as_deref().map(mask_name);
    e.contact_phone = e.contact_phone.as_deref().map(mask_phone);
}

/// The personal fields that may appear in a stored JSON change (history rows), with their mask.
type Mask = fn(&str) -> String;
const PERSONAL_KEYS: &[(&str, Mask)] =
    &[("legal_rep", mask_name), ("contact_phone", mask_phone), ("contact_name", mask_name)];

/// Masks the personal fields of a JSON object (a history row's before or after); anything that
/// is not an object is returned as it was.
pub fn mask_personal_json(text: &str) -> String {
    let Ok(serde_json::Value::Object(mut m)) = serde_json::from_str::<serde_json::Value>(text) else {
        return text.to_owned();
    };
    let mut touched = false;
    for (key, mask) in PERSONAL_KEYS {
        if let Some(serde_json::Value::String(v)) = m.get_mut(*key) {
            *v = mask(v);
            touched = true;
        }
    }
    if touched { serde_json::Value::Object(m).to_string() } else { text.to_owned() }
}

/// A submitted value that is the mask of the stored one means "unchanged" (a form shown masked
/// sends the mask back); anything else is the new value.
pub fn unmasked(submitted: &str, stored: Option<&str>, mask: Mask) -> String {
    match stored {
        Some(old) if !old.is_empty() && submitted.trim() == mask(old) => old.to_owned(),
        _ => submitted.to_owned(),
    }
}

/// Records that the caller saw an enterprise's personal data (PIPL: every read).
pub async fn audit_read(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let object = format!("enterprise:{id}");
    record(&mut tx, actor, "enterprise.read_personal", &object, Outcome::Ok, "legal_rep,contact_phone").await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_personal_data() {
        assert_eq!(mask_name("张伟"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_phone("13912345678"), "139****5678");
        assert_eq!(mask_phone("12345"), "*****");
    }

    #[test]
    fn history_json_is_masked_and_a_mask_sent_back_keeps_the_stored_value() {
        let masked = mask_personal_json(r#"{"name":"甲公司","legal_rep":"张伟","contact_phone":"13912345678"}"#);
        let v: serde_json::Value = serde_json::from_str(&masked).unwrap();
        assert_eq!(v["legal_rep"], "张*");
        assert_eq!(v["contact_phone"], "139****5678");
        assert_eq!(v["name"], "甲公司");
        assert_eq!(mask_personal_json("{}"), "{}");
        assert_eq!(mask_personal_json("not json"), "not json");
        assert_eq!(unmasked("139****5678", Some("13912345678"), mask_phone), "13912345678");
        assert_eq!(unmasked("13700000000", Some("13912345678"), mask_phone), "13700000000");
        assert_eq!(unmasked("", Some("13912345678"), mask_phone), "", "clearing a field is a change");
        assert_eq!(unmasked("张*", None, mask_name), "张*");
    }
}
