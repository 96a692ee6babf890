//! The enterprise file's flags: 专精特新 tier, credit listings, and stable
//! storage codes for the size class.

use serde::{Deserialize, Serialize};

use super::SizeClass;

/// 专精特新 tier, lowest to highest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SrdiTier {
    None,
    /// 创新型中小企业
    Innovative,
    /// 专精特新中小企业
    Srdi,
    /// 专精特新“小巨人”企业
    LittleGiant,
}

coded!(SrdiTier [code, label] {
    None => "none", "无";
    Innovative => "innovative", "创新型中小企业";
    Srdi => "srdi", "专精特新中小企业";
    LittleGiant => "little_giant", "专精特新“小巨人”企业";
});

impl SrdiTier {
    pub fn from_code(s: &str) -> Option<SrdiTier> {
        let s = s.trim();
        SrdiTier::ALL.into_iter().find(|t| t.code() == s || t.label() == s || (s.is_empty() && *t == SrdiTier::None))
    }
}

/// A credit listing recorded on the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    /// 严重失信主体名单: bars the enterprise from pilot funding.
    SeriousDishonesty,
    /// 经营异常名录
    AbnormalOperation,
}

coded!(CreditKind [code, label], pub fn from_code(code) {
    SeriousDishonesty => "serious_dishonesty", "严重失信主体名单";
    AbnormalOperation => "abnormal_operation", "经营异常名录";
});

/// Storage code of a size class (`medium`, `small`, `micro`, `not_sme`).
pub fn size_code(c: SizeClass) -> &'static str {
    c.code()
}

pub fn size_from_code(s: &str) -> Option<SizeClass> {
    SizeClass::ALL.into_iter().find(|c| c.code() == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in SrdiTier::ALL {
            assert_eq!(SrdiTier::from_code(t.code()), Some(t));
            assert_eq!(SrdiTier::from_code(t.label()), Some(t));
        }
        for k in CreditKind::ALL {
            assert_eq!(CreditKind::from_code(k.code()), Some(k));
        }
        for c in [SizeClass::NotSme, SizeClass::Medium, SizeClass::Small, SizeClass::Micro] {
            assert_eq!(size_from_code(size_code(c)), Some(c));
        }
        assert_eq!(SrdiTier::from_code("金牌"), None);
    }
}

/// A contact phone as people type it: 7–20 characters of digits, `+`, `-` or spaces.
pub fn valid_phone(s: &str) -> bool {
    (7..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c))
}

#[cfg(test)]
mod phone_tests {
    use super::valid_phone;

    #[test]
    fn phones() {
        assert!(valid_phone("13912345678"));
        assert!(valid_phone("025-8400 0000"));
        assert!(valid_phone("+86 139 1234 5678"));
        assert!(!valid_phone("123"));
        assert!(!valid_phone("139abc45678"));
    }
}
