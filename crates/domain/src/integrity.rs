//! Integrity flags (诚信预警): the checks that raise them, with thresholds as data
//! (`data/rules/integrity.toml`). A flag is a prompt for an officer to look, not a verdict: each
//! check returns the Chinese evidence the officer reads, and an open flag blocks subsidy approval
//! until it is cleared with a reason (`SubsidyGuard::open_flags`). Personal values (phones,
//! e-mails, accounts) appear only masked, since flags are shown to more people than may see them.

use serde::{Deserialize, Serialize};

use crate::money::Fen;
use crate::programme::Date;

const BUILTIN: &str = include_str!("../../../data/rules/integrity.toml");

/// What an integrity flag is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The enterprise and its provider registered the same phone, e-mail or bank account
    /// (a sign the two are not independent).
    SharedContact,
    /// Several contracts of one programme carry exactly the same total (templated applications).
    IdenticalAmounts,
    /// Filing to completion faster than a real transformation plausibly takes.
    FastDelivery,
    /// The same scenes are funded by another programme for the same enterprise.
    DoubleFunding,
    /// The same evidence file appears in more than one enterprise's materials.
    ReusedEvidence,
    /// An SME of a chain shares its legal representative or phone with the chain's lead: a related
    /// party, so the lead's share of its award may flow back to itself.
    ChainRelated,
}

coded!(FlagKind [code, label_zh, label_en], pub fn parse(code | label_zh) {
    SharedContact => "shared_contact", "企业与服务商联系方式相同", "Enterprise and provider share contact details";
    IdenticalAmounts => "identical_amounts", "合同金额雷同", "Identical contract amounts";
    FastDelivery => "fast_delivery", "交付过快", "Delivered implausibly fast";
    DoubleFunding => "double_funding", "重复申报补助", "Funded twice for the same work";
    ReusedEvidence => "reused_evidence", "佐证材料重复使用", "Evidence reused across enterprises";
    ChainRelated => "chain_related", "链式项目参与企业与牵引企业关联", "Chain participant related to its lead";
});

/// The thresholds of the checks, versioned so a stored flag can say which rules raised it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrityRules {
    pub version: u32,
    /// This many or more contracts of one programme with exactly the same total are flagged.
    pub identical_amount_min_cluster: u32,
    /// Completion fewer than this many days after filing is flagged.
    pub min_delivery_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityRulesError {
    #[error("诚信预警规则格式错误：{0}")]
    Format(String),
    #[error("诚信预警规则版本号应从 1 开始，收到 {0}")]
    Version(u32),
    #[error("合同金额雷同的阈值至少为 2，收到 {0}")]
    Cluster(u32),
    #[error("最短交付天数至少为 1，收到 {0}")]
    Days(u32),
}

impl IntegrityRules {
    /// Parses and validates: version ≥ 1; a cluster of one is every contract, so at least 2; a
    /// zero-day minimum would never flag, so at least 1.
    pub fn from_toml(text: &str) -> Result<IntegrityRules, IntegrityRulesError> {
        let r: IntegrityRules = toml::from_str(text).map_err(|e| IntegrityRulesError::Format(e.to_string()))?;
        if r.version == 0 {
            return Err(IntegrityRulesError::Version(r.version));
        }
        if r.identical_amount_min_cluster < 2 {
            return Err(IntegrityRulesError::Cluster(r.identical_amount_min_cluster));
        }
        if r.min_delivery_days < 1 {
            return Err(IntegrityRulesError::Days(r.min_delivery_days));
        }
        Ok(r)
    }

    /// The rules shipped in the binary.
    pub fn builtin() -> Result<IntegrityRules, IntegrityRulesError> {
        IntegrityRules::from_toml(BUILTIN)
    }
}

/// Contact details of one party, as registered (any formatting; [`shared_contacts`] normalises).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contacts {
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub bank_accounts: Vec<String>,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Digits only, without a leading 86 country code on a 13-digit number (+86 mobile numbers).
fn norm_phone(s: &str) -> String {
    let d = digits(s);
    match d.strip_prefix("86") {
        Some(rest) if d.len() == 13 => rest.to_owned(),
        _ => d,
    }
}

/// 138****5678: the first 3 and last 4 digits; all masked when too short to keep any.
fn mask_phone(p: &str) -> String {
    let n = p.chars().count();
    if n <= 7 {
        return "*".repeat(n);
    }
    let first: String = p.chars().take(3).collect();
    let last: String = p.chars().skip(n - 4).collect();
    format!("{first}****{last}")
}

/// b***@example.com: the first character and the domain.
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((user, domain)) => format!("{}***@{domain}", user.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

/// ****7890: the last 4 digits only.
fn mask_account(a: &str) -> String {
    let n = a.chars().count();
    let last: String = a.chars().skip(n.saturating_sub(4)).collect();
    format!("****{last}")
}

/// Who an enterprise is, for the chain check: its legal representative and phone as registered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub legal_rep: Option<String>,
    pub phone: Option<String>,
}

/// Why a chain's SME looks related to the chain's lead (same legal representative, same phone),
/// masked, or `None`. Empty values never match.
pub fn chain_related(sme: &Person, lead: &Person) -> Option<String> {
    let mut why = Vec::new();
    let name = |p: &Person| p.legal_rep.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if let (Some(a), Some(b)) = (name(sme), name(lead))
        && a == b
    {
        let first: String = a.chars().take(1).collect();
        why.push(format!("法定代表人相同（{first}**）"));
    }
    let phone = |p: &Person| p.phone.as_deref().map(norm_phone).filter(|v| !v.is_empty());
    if let (Some(a), Some(b)) = (phone(sme), phone(lead))
        && a == b
    {
        why.push(format!("联系电话 {} 相同", mask_phone(&a)));
    }
    (!why.is_empty()).then(|| format!("参与企业与牵引企业{}，牵引单位分成可能回流关联方", why.join("，")))
}

/// Values the enterprise and its provider both registered, one Chinese line each, masked, in the
/// order phones, e-mails, bank accounts. Values are compared after normalising (phones and
/// accounts: digits only; e-mails: trimmed, lower-case); empty values never match.
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

/// Filing to completion in fewer days than the rules allow (exactly the minimum is fine). A
/// completion dated before the filing is flagged too, saying so.
pub fn fast_delivery(r: &IntegrityRules, filed_on: Date, completed_on: Date) -> Option<String> {
    let days = filed_on.days_between(completed_on);
    if days < 0 {
        return Some(format!("完成日期 {completed_on} 早于备案日期 {filed_on}"));
    }
    (days < i64::from(r.min_delivery_days))
        .then(|| format!("备案 {filed_on} 至完成 {completed_on} 仅 {days} 天，少于 {} 天", r.min_delivery_days))
}

/// `same_count` contracts of the programme (this one included) share exactly this total; flagged
/// from the rules' cluster size up.
pub fn identical_amounts(r: &IntegrityRules, amount: Fen, same_count: u32) -> Option<String> {
    (same_count >= r.identical_amount_min_cluster).then(|| format!("本试点有 {same_count} 份合同金额同为 {amount} 元"))
}

/// Another funded project of the same enterprise (in another programme) targets the same scenes.
/// `others` are (programme name, that project's target scenes). One clause per programme that
/// overlaps, naming the shared scenes once each in this project's order, joined with "；".
pub fn double_funding(scenes: &[String], others: &[(String, Vec<String>)]) -> Option<String> {
    let hits: Vec<String> = others
        .iter()
        .filter_map(|(name, theirs)| {
            let mut common: Vec<&str> = Vec::new();
            for s in scenes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                if theirs.iter().any(|t| t.trim() == s) && !common.contains(&s) {
                    common.push(s);
                }
            }
            (!common.is_empty()).then(|| format!("{name}已资助同一改造场景：{}", common.join("、")))
        })
        .collect();
    (!hits.is_empty()).then(|| hits.join("；"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_chain_participant_sharing_its_leads_representative_or_phone_is_related() {
        let lead = Person { legal_rep: Some("张伟".into()), phone: Some("138-0000-5678".into()) };
        let same_rep = Person { legal_rep: Some(" 张伟 ".into()), phone: Some("13911112222".into()) };
        let why = chain_related(&same_rep, &lead).expect("related");
        assert!(why.contains("法定代表人相同（张**）") && !why.contains("张伟"), "{why}");
        let same_phone = Person { legal_rep: Some("李娜".into()), phone: Some("13800005678".into()) };
        let why = chain_related(&same_phone, &lead).expect("related");
        assert!(why.contains("联系电话") && !why.contains("13800005678"), "masked: {why}");
        assert_eq!(chain_related(&Person::default(), &Person::default()), None, "empty values never match");
        assert_eq!(chain_related(&Person { legal_rep: Some("王芳".into()), phone: None }, &lead), None);
    }

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
    fn double_funding_lists_every_overlapping_programme_once() {
        let mine = vec!["设备管理".to_owned(), "生产管控".to_owned(), "设备管理".to_owned(), " ".to_owned()];
        let others = vec![
            ("中山市试点".to_owned(), vec!["生产管控".to_owned(), "设备管理".to_owned()]),
            ("龙岩市试点".to_owned(), vec!["采购管理".to_owned(), " ".to_owned()]),
            ("长春市试点".to_owned(), vec![" 生产管控".to_owned()]),
        ];
        assert_eq!(
            double_funding(&mine, &others).as_deref(),
            Some("中山市试点已资助同一改造场景：设备管理、生产管控；长春市试点已资助同一改造场景：生产管控")
        );
        assert_eq!(double_funding(&mine, &[]), None);
    }

    #[test]
    fn normalisation_and_masking() {
        // The 86 prefix goes only from a 13-digit number; other digits stay.
        assert_eq!(norm_phone("+86 138 1234 5678"), "13812345678");
        assert_eq!(norm_phone("0086-138-1234-5678"), "008613812345678");
        assert_eq!(norm_phone("86123456789"), "86123456789");
        assert_eq!(norm_phone("（025）8888-6666"), "02588886666");
        assert_eq!(norm_phone("电话"), "");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("02588886666"), "025****6666");
        assert_eq!(mask_phone("1234567"), "*******");
        assert_eq!(mask_email("boss@example.com"), "b***@example.com");
        assert_eq!(mask_email("@example.com"), "****@example.com");
        assert_eq!(mask_email("nonsense"), "***");
        assert_eq!(mask_account("6222021234567890"), "****7890");
        assert_eq!(mask_account("12"), "****12");
        assert_eq!(digits("6222-0212 3456/7890"), "6222021234567890");
    }

    #[test]
    fn shared_values_are_reported_once_and_formats_do_not_hide_them() {
        let e = Contacts {
            phones: vec!["138 1234 5678".into(), "13812345678".into(), "".into()],
            emails: vec!["A@B.CN ".into()],
            bank_accounts: vec!["6222-0212-3456-7890".into()],
        };
        let p = Contacts {
            phones: vec!["8613812345678".into(), "".into()],
            emails: vec!["a@b.cn".into(), "other@b.cn".into()],
            bank_accounts: vec!["6222 0212 3456 7891".into()],
        };
        assert_eq!(
            shared_contacts(&e, &p),
            vec![
                "电话 138****5678 同时登记为企业和服务商的联系方式".to_owned(),
                "电子邮箱 a***@b.cn 同时登记为企业和服务商的联系方式".to_owned(),
            ]
        );
        assert!(shared_contacts(&Contacts::default(), &p).is_empty());
        // A phone and a bank account with the same digits are different kinds and never match.
        let only_phone = Contacts { phones: vec!["6222021234567890".into()], ..Contacts::default() };
        let only_bank = Contacts { bank_accounts: vec!["6222021234567890".into()], ..Contacts::default() };
        assert!(shared_contacts(&only_phone, &only_bank).is_empty());
    }

    #[test]
    fn delivery_boundaries_follow_the_rules() {
        let r = IntegrityRules { min_delivery_days: 1, ..rules() };
        assert!(fast_delivery(&r, d("2024-02-28"), d("2024-02-28")).is_some(), "same day is 0 days");
        assert_eq!(fast_delivery(&r, d("2024-02-28"), d("2024-02-29")), None);
        // Across a leap day and a year end, counted in calendar days.
        let r = rules();
        assert_eq!(fast_delivery(&r, d("2024-02-01"), d("2024-03-02")), None, "30 days in a leap year");
        assert!(fast_delivery(&r, d("2023-02-01"), d("2023-03-02")).is_some(), "29 days");
        assert_eq!(
            fast_delivery(&r, d("2024-12-20"), d("2025-01-10")).as_deref(),
            Some("备案 2024-12-20 至完成 2025-01-10 仅 21 天，少于 30 天")
        );
        assert_eq!(
            fast_delivery(&r, d("2025-01-10"), d("2025-01-07")).as_deref(),
            Some("完成日期 2025-01-07 早于备案日期 2025-01-10")
        );
    }

    #[test]
    fn identical_amounts_boundary() {
        let r = IntegrityRules { identical_amount_min_cluster: 2, ..rules() };
        assert_eq!(identical_amounts(&r, Fen(123_456), 1), None, "a contract alone is no cluster");
        assert_eq!(identical_amounts(&r, Fen(123_456), 2).as_deref(), Some("本试点有 2 份合同金额同为 1,234.56 元"));
        assert_eq!(identical_amounts(&rules(), Fen(1), 0), None);
    }

    #[test]
    fn rules_files_are_checked() {
        let v0 = "version = 0\nidentical_amount_min_cluster = 3\nmin_delivery_days = 30\n";
        assert_eq!(IntegrityRules::from_toml(v0), Err(IntegrityRulesError::Version(0)));
        let extra = "version = 1\nidentical_amount_min_cluster = 3\nmin_delivery_days = 30\nmax = 1\n";
        assert!(matches!(IntegrityRules::from_toml(extra), Err(IntegrityRulesError::Format(_))));
        let missing = "version = 1\nidentical_amount_min_cluster = 3\n";
        assert!(matches!(IntegrityRules::from_toml(missing), Err(IntegrityRulesError::Format(_))));
        let edge = "version = 2\nidentical_amount_min_cluster = 2\nmin_delivery_days = 1\n";
        assert_eq!(
            IntegrityRules::from_toml(edge),
            Ok(IntegrityRules { version: 2, identical_amount_min_cluster: 2, min_delivery_days: 1 })
        );
    }

    #[test]
    fn kinds_round_trip() {
        let mut codes: Vec<&str> = FlagKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), FlagKind::ALL.len());
        for k in FlagKind::ALL {
            assert_eq!(FlagKind::parse(k.code()), Some(k));
            assert_eq!(FlagKind::parse(k.label_zh()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.code()));
            assert!(!k.label_zh().is_empty() && !k.label_en().is_empty());
        }
        assert_eq!(FlagKind::parse(" fast_delivery "), Some(FlagKind::FastDelivery));
        assert_eq!(FlagKind::parse("交付过快"), Some(FlagKind::FastDelivery));
        assert_eq!(FlagKind::parse("nope"), None);
    }
}
