//! Conflicts of interest (利益冲突) of an on-site assessor: an assessor may not rate an acceptance
//! of an enterprise or a provider it belongs to (the same organisation) or has declared a conflict
//! with. The rule is one function so assigning an assessor and adding an acceptance to a round
//! with assessors already on it ask the same question.

use std::fmt;

/// Who an assessor is tied to: the organisation its account belongs to, and its declarations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ties {
    pub enterprise_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub declared_enterprises: Vec<i64>,
    pub declared_providers: Vec<i64>,
}

/// One side of an acceptance an assessor would rate, with its name for the refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub provider_id: i64,
    pub provider_name: String,
}

/// Why an assessor may not rate a party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    SameEnterprise(String),
    SameProvider(String),
    DeclaredEnterprise(String),
    DeclaredProvider(String),
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::SameEnterprise(n) => write!(f, "评审专家属于企业“{n}”"),
            Conflict::SameProvider(n) => write!(f, "评审专家属于服务商“{n}”"),
            Conflict::DeclaredEnterprise(n) => write!(f, "评审专家已申报与企业“{n}”存在利益冲突"),
            Conflict::DeclaredProvider(n) => write!(f, "评审专家已申报与服务商“{n}”存在利益冲突"),
        }
    }
}

/// The first conflict between the assessor's ties and the parties, if any.
pub fn conflict_of(t: &Ties, parties: &[Party]) -> Option<Conflict> {
    parties.iter().find_map(|p| {
        if t.enterprise_id == Some(p.enterprise_id) {
            Some(Conflict::SameEnterprise(p.enterprise_name.clone()))
        } else if t.provider_id == Some(p.provider_id) {
            Some(Conflict::SameProvider(p.provider_name.clone()))
        } else if t.declared_enterprises.contains(&p.enterprise_id) {
            Some(Conflict::DeclaredEnterprise(p.enterprise_name.clone()))
        } else if t.declared_providers.contains(&p.provider_id) {
            Some(Conflict::DeclaredProvider(p.provider_name.clone()))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(e: i64, p: i64) -> Party {
        Party {
            enterprise_id: e,
            enterprise_name: format!("企业{e}"),
            provider_id: p,
            provider_name: format!("服务商{p}"),
        }
    }

    #[test]
    fn each_tie_is_a_conflict_and_named() {
        let parties = [party(1, 10), party(2, 20)];
        assert_eq!(conflict_of(&Ties::default(), &parties), None);
        let t = Ties { provider_id: Some(20), ..Default::default() };
        assert_eq!(conflict_of(&t, &parties), Some(Conflict::SameProvider("服务商20".into())));
        assert_eq!(conflict_of(&t, &parties).unwrap().to_string(), "评审专家属于服务商“服务商20”");
        let t = Ties { enterprise_id: Some(1), ..Default::default() };
        assert_eq!(conflict_of(&t, &parties), Some(Conflict::SameEnterprise("企业1".into())));
        let t = Ties { declared_enterprises: vec![2], ..Default::default() };
        assert_eq!(conflict_of(&t, &parties), Some(Conflict::DeclaredEnterprise("企业2".into())));
        let t = Ties { declared_providers: vec![10], ..Default::default() };
        assert_eq!(conflict_of(&t, &parties), Some(Conflict::DeclaredProvider("服务商10".into())));
        assert_eq!(conflict_of(&Ties { provider_id: Some(99), ..Default::default() }, &parties), None);
    }
}
