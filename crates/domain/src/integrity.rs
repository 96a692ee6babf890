//! Integrity flags (诚信预警): the checks that raise them, with thresholds as data
//! (`data/rules/integrity.toml`). Each check returns the Chinese evidence an officer reads;
//! personal values (phones, e-mails, accounts) appear only masked.

use serde::{Deserialize, Serialize};

use crate::money::Fen;
use crate::programme::Date;

const BUILTIN: &str = include_str!("../../../data/rules/integrity.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    SharedContact,
    IdenticalAmounts,
    FastDelivery,
    DoubleFunding,
    ReusedEvidence,
}

impl FlagKind {
    pub const ALL: [FlagKind; 5] = [
        FlagKind::SharedContact,
        FlagKind::IdenticalAmounts,
        FlagKind::FastDelivery,
        FlagKind::DoubleFunding,
        FlagKind::ReusedEvidence,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FlagKind::SharedContact => "shared_contact",
            FlagKind::IdenticalAmounts => "identical_amounts",
            FlagKind::FastDelivery => "fast_delivery",
            FlagKind::DoubleFunding => "double_funding",
            FlagKind::ReusedEvidence => "reused_evidence",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FlagKind::SharedContact => "企业与服务商联系方式相同",
            FlagKind::IdenticalAmounts => "合同金额雷同",
            FlagKind::FastDelivery => "交付过快",
            FlagKind::DoubleFunding => "重复申报补助",
            FlagKind::ReusedEvidence => "佐证材料重复使用",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FlagKind::SharedContact => "Enterprise and provider share contact details",
            FlagKind::IdenticalAmounts => "Identical contract amounts",
            FlagKind::FastDelivery => "Delivered implausibly fast",
            FlagKind::DoubleFunding => "Funded twice for the same work",
            FlagKind::ReusedEvidence => "Evidence reused across enterprises",
        }
    }

    pub fn parse(s: &str) -> Option<FlagKind> {
        FlagKind::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrityRules {
    pub version: u32,
    pub identical_amount_min_cluster: u32,
    pub min_delivery_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityRulesError {
    #[error("诚信预警规则格式错误：{0}")]
    Format(String),
    #[error("合同金额雷同的阈值至少为 2，收到 {0}")]
    Cluster(u32),
    #[error("最短交付天数至少为 1，收到 {0}")]
    Days(u32),
}

impl IntegrityRules {
    pub fn from_toml(text: &str) -> Result<IntegrityRules, IntegrityRulesError> {
        let r: IntegrityRules = toml::from_str(text).map_err(|e| IntegrityRulesError::Format(e.to_string()))?;
        if r.identical_amount_min_cluster < 2 {
            return Err(IntegrityRulesError::Cluster(r.identical_amount_min_cluster));
        }
        if r.min_delivery_days < 1 {
            return Err(IntegrityRulesError::Days(r.min_delivery_days));
        }
        Ok(r)
    }

    pub fn builtin() -> Result<IntegrityRules, IntegrityRulesError> {
        IntegrityRules::from_toml(BUILTIN)
    }
}

/// Contact details of one party.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contacts {
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub bank_accounts: Vec<String>,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn norm_phone(s: &str) -> String {
    let d = digits(s);
    match d.strip_prefix("86") {
        Some(rest) if d.len() == 13 => rest.to_owned(),
        _ => d,
    }
}

fn mask_phone(p: &str) -> String {
    let n = p.chars().count();
    if n <= 7 {
        return "*".repeat(n);
    }
    let first: String = p.chars().take(3).collect();
    let last: String = p.chars().skip(n - 4).collect();
    format!("{first}****{last}")
}

fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((user, domain)) => format!("{}***@{domain}", user.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

fn mask_account(a: &str) -> String {
    let n = a.chars().count();
    let last: String = a.chars().skip(n.saturating_sub(4)).collect();
    format!("****{last}")
}

/// Values the enterprise and its provider both registered, one Chinese line each, masked.
pub fn shared_contacts(enterprise: &Contacts, provider: &Contacts) -> Vec<String> {
    let mut out = Vec::new();
    let mut compare = |mine: &[String], theirs: &[String], norm: fn(&str) -> String, mask: fn(&str) -> String, what| {
        let theirs: Vec<String> = theirs.iter().map(|v| norm(v)).filter(|v| !v.is_empty()).collect();
        let mut seen = Vec::new();
        for v in mine.iter().map(|v| norm(v)).filter(|v| !v.is_empty()) {
            if theirs.contains(&v) && !seen.contains(&v) {
                out.push(format!("{what} {} 同时登记为企业和服务商的联系方式", mask(&v)));
                seen.push(v);
            }
        }
    };
    compare(&enterprise.phones, &provider.phones, norm_phone, mask_phone, "电话");
    compare(&enterprise.emails, &provider.emails, |e| e.trim().to_lowercase(), mask_email, "电子邮箱");
    compare(&enterprise.bank_accounts, &provider.bank_accounts, digits, mask_account, "银行账户");
    out
}

/// Filing to completion in fewer days than the rules allow.
pub fn fast_delivery(r: &IntegrityRules, filed_on: Date, completed_on: Date) -> Option<String> {
    let days = filed_on.days_between(completed_on);
    (days < i64::from(r.min_delivery_days))
        .then(|| format!("备案 {filed_on} 至完成 {completed_on} 仅 {days} 天，少于 {} 天", r.min_delivery_days))
}

/// `same_count` contracts of the programme (this one included) share exactly this total.
pub fn identical_amounts(r: &IntegrityRules, amount: Fen, same_count: u32) -> Option<String> {
    (same_count >= r.identical_amount_min_cluster).then(|| format!("本试点有 {same_count} 份合同金额同为 {amount} 元"))
}

/// Another funded project of the same enterprise (in another programme) targets the same scenes.
/// `others` are (programme name, that project's target scenes).
pub fn double_funding(scenes: &[String], others: &[(String, Vec<String>)]) -> Option<String> {
    let hits: Vec<String> = others
        .iter()
        .filter_map(|(name, theirs)| {
            let common: Vec<&str> = scenes.iter().filter(|s| theirs.contains(s)).map(String::as_str).collect();
            (!common.is_empty()).then(|| format!("{name}已资助同一改造场景：{}", common.join("、")))
        })
        .collect();
    (!hits.is_empty()).then(|| hits.join("；"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> IntegrityRules {
        IntegrityRules::builtin().unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn builtin_rules_load_and_bad_ones_are_refused() {
        let r = rules();
        assert_eq!((r.identical_amount_min_cluster, r.min_delivery_days), (3, 30));
        let bad = "version = 1\nidentical_amount_min_cluster = 1\nmin_delivery_days = 30\n";
        assert_eq!(IntegrityRules::from_toml(bad), Err(IntegrityRulesError::Cluster(1)));
        let bad = "version = 1\nidentical_amount_min_cluster = 3\nmin_delivery_days = 0\n";
        assert_eq!(IntegrityRules::from_toml(bad), Err(IntegrityRulesError::Days(0)));
    }

    #[test]
    fn shared_phone_email_and_account_are_found_and_masked() {
        let e = Contacts {
            phones: vec!["+86 138-1234-5678".into()],
            emails: vec![" Boss@Example.com".into()],
            bank_accounts: vec!["6222 0212 3456 7890".into()],
        };
        let p = Contacts {
            phones: vec!["13812345678".into()],
            emails: vec!["boss@example.com".into()],
            bank_accounts: vec!["6222021234567890".into()],
        };
        let lines = shared_contacts(&e, &p);
        assert_eq!(
            lines,
            vec![
                "电话 138****5678 同时登记为企业和服务商的联系方式".to_owned(),
                "电子邮箱 b***@example.com 同时登记为企业和服务商的联系方式".to_owned(),
                "银行账户 ****7890 同时登记为企业和服务商的联系方式".to_owned(),
            ]
        );
        let other = Contacts { phones: vec!["13912345678".into()], ..Contacts::default() };
        assert!(shared_contacts(&e, &other).is_empty());
        let blank = Contacts { phones: vec![" ".into()], ..Contacts::default() };
        assert!(shared_contacts(&blank, &blank).is_empty(), "empty values never match");
    }

    #[test]
    fn delivery_exactly_at_the_minimum_is_not_flagged() {
        let r = rules();
        assert_eq!(
            fast_delivery(&r, d("2025-01-02"), d("2025-01-20")).as_deref(),
            Some("备案 2025-01-02 至完成 2025-01-20 仅 18 天，少于 30 天")
        );
        assert_eq!(fast_delivery(&r, d("2025-01-01"), d("2025-01-31")), None);
        assert!(fast_delivery(&r, d("2025-01-01"), d("2025-01-30")).is_some());
    }

    #[test]
    fn identical_amounts_from_the_cluster_size() {
        let r = rules();
        assert_eq!(identical_amounts(&r, Fen(20_000_000), 2), None);
        assert_eq!(
            identical_amounts(&r, Fen(20_000_000), 3).as_deref(),
            Some("本试点有 3 份合同金额同为 200,000.00 元")
        );
    }

    #[test]
    fn double_funding_names_programme_and_scenes() {
        let mine = vec!["设备管理".to_owned(), "生产管控".to_owned()];
        let others = vec![
            ("中山市试点".to_owned(), vec!["设备管理".to_owned()]),
            ("龙岩市试点".to_owned(), vec!["采购管理".to_owned()]),
        ];
        assert_eq!(double_funding(&mine, &others).as_deref(), Some("中山市试点已资助同一改造场景：设备管理"));
        assert_eq!(double_funding(&mine, &others[1..]), None);
        assert_eq!(double_funding(&[], &others), None);
    }

    #[test]
    fn kinds_round_trip() {
        for k in FlagKind::ALL {
            assert_eq!(FlagKind::parse(k.code()), Some(k));
            assert!(!k.label_zh().is_empty() && !k.label_en().is_empty());
        }
    }
}
