//! Need to know (数据最小必要): which audience may see which sensitive field. The table is data
//! (`data/rules/disclosure.toml`); every view that carries a bank account, a finance note,
//! personal data or an expert's identity asks here, so one answer holds for the API, the pages,
//! exports and the 一企一档 bundle alike.

use serde::Deserialize;

use crate::role::{Principal, Role};

const BUILTIN: &str = include_str!("../../../data/rules/disclosure.toml");

/// Who is looking at a record, relative to that record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The enterprise the record belongs to, through its own account.
    Subject,
    /// An authority over the record's region (scope is checked by the policy first).
    Officer,
    /// A provider party to the record.
    Provider,
    /// An expert reviewing the record.
    Expert,
    /// Anyone else, signed in or not.
    Public,
}

impl Audience {
    /// The audience of `p` for a record of enterprise `enterprise_id` (`None`: not about one).
    pub fn of(p: Option<&Principal>, enterprise_id: Option<i64>) -> Audience {
        match p.map(|p| (p.role, p.enterprise_id)) {
            Some((Role::Enterprise, Some(own))) if enterprise_id == Some(own) => Audience::Subject,
            Some((Role::Officer, _)) => Audience::Officer,
            Some((Role::Provider, _)) => Audience::Provider,
            Some((Role::Expert, _)) => Audience::Expert,
            _ => Audience::Public,
        }
    }
}

/// A sensitive kind of data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    BankAccount,
    FinanceNote,
    PersonalData,
    ExpertIdentity,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::BankAccount, Field::FinanceNote, Field::PersonalData, Field::ExpertIdentity];
}

/// The table: for each field, the audiences that may see it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub version: u32,
    bank_account: Vec<Audience>,
    finance_note: Vec<Audience>,
    personal_data: Vec<Audience>,
    expert_identity: Vec<Audience>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    #[error("disclosure.toml: {0}")]
    Parse(String),
    #[error("disclosure.toml: the public may never see {0}")]
    Public(&'static str),
    #[error(
        "disclosure.toml: {0} may not be shown to the provider (bank accounts, finance notes and expert identities stay with the enterprise and the authority)"
    )]
    Provider(&'static str),
}

impl Disclosure {
    /// Parses and validates a table: the public never sees any listed field, and providers never
    /// see bank accounts, finance notes or who reviewed them, whatever a file says.
    pub fn parse(text: &str) -> Result<Disclosure, DisclosureError> {
        let d: Disclosure = toml::from_str(text).map_err(|e| DisclosureError::Parse(e.to_string()))?;
        for (name, who) in d.named() {
            if who.contains(&Audience::Public) {
                return Err(DisclosureError::Public(name));
            }
            if name != "personal_data" && who.contains(&Audience::Provider) {
                return Err(DisclosureError::Provider(name));
            }
        }
        Ok(d)
    }

    pub fn builtin() -> Result<Disclosure, DisclosureError> {
        Disclosure::parse(BUILTIN)
    }

    fn named(&self) -> [(&'static str, &[Audience]); 4] {
        [
            ("bank_account", &self.bank_account),
            ("finance_note", &self.finance_note),
            ("personal_data", &self.personal_data),
            ("expert_identity", &self.expert_identity),
        ]
    }

    /// Whether `audience` may see `field`.
    pub fn may_see(&self, audience: Audience, field: Field) -> bool {
        let who = match field {
            Field::BankAccount => &self.bank_account,
            Field::FinanceNote => &self.finance_note,
            Field::PersonalData => &self.personal_data,
            Field::ExpertIdentity => &self.expert_identity,
        };
        who.contains(&audience)
    }

    /// `value` if `audience` may see `field`, else nothing.
    pub fn shown<T>(&self, audience: Audience, field: Field, value: T) -> Option<T> {
        self.may_see(audience, field).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::RegionCode;

    fn who(role: Role, enterprise_id: Option<i64>) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            region: RegionCode::parse("320100").unwrap(),
            enterprise_id,
            provider_id: None,
        }
    }

    #[test]
    fn the_builtin_table_keeps_money_and_reviewers_from_providers_and_experts() {
        let d = Disclosure::builtin().unwrap();
        for f in [Field::BankAccount, Field::FinanceNote, Field::ExpertIdentity] {
            assert!(!d.may_see(Audience::Provider, f), "{f:?}");
            assert!(!d.may_see(Audience::Expert, f), "{f:?}");
            assert!(!d.may_see(Audience::Public, f), "{f:?}");
        }
        assert!(d.may_see(Audience::Subject, Field::BankAccount));
        assert!(d.may_see(Audience::Officer, Field::BankAccount));
        assert!(!d.may_see(Audience::Subject, Field::FinanceNote));
        assert!(d.may_see(Audience::Officer, Field::FinanceNote));
        assert!(!d.may_see(Audience::Expert, Field::PersonalData));
        assert_eq!(d.shown(Audience::Provider, Field::BankAccount, "6222"), None);
    }

    #[test]
    fn a_file_that_shows_bank_accounts_to_providers_or_anything_to_the_public_is_refused() {
        let base = "version = 1\nfinance_note = [\"officer\"]\npersonal_data = []\nexpert_identity = []\n";
        let e = Disclosure::parse(&format!("{base}bank_account = [\"provider\"]")).unwrap_err();
        assert_eq!(e, DisclosureError::Provider("bank_account"));
        let e = Disclosure::parse(&format!("{base}bank_account = [\"public\"]")).unwrap_err();
        assert_eq!(e, DisclosureError::Public("bank_account"));
        assert!(matches!(
            Disclosure::parse(&format!("{base}bank_account = [\"nobody\"]")),
            Err(DisclosureError::Parse(_))
        ));
        assert!(matches!(Disclosure::parse("version = 1"), Err(DisclosureError::Parse(_))));
    }

    #[test]
    fn the_audience_is_relative_to_the_record() {
        let own = who(Role::Enterprise, Some(10));
        assert_eq!(Audience::of(Some(&own), Some(10)), Audience::Subject);
        assert_eq!(Audience::of(Some(&own), Some(11)), Audience::Public);
        assert_eq!(Audience::of(Some(&who(Role::Officer, None)), Some(10)), Audience::Officer);
        assert_eq!(Audience::of(Some(&who(Role::Expert, None)), Some(10)), Audience::Expert);
        assert_eq!(Audience::of(Some(&who(Role::SysAdmin, None)), Some(10)), Audience::Public);
        assert_eq!(Audience::of(None, Some(10)), Audience::Public);
    }
}
