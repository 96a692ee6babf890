//! Administrative regions by GB/T 2260 code (行政区划代码) and the subtree rule
//! that scopes every authority officer to its own region and the ones below it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The root of the tree: the whole country (GB/T 2260 uses 100000 for 中华人民共和国).
pub const NATIONAL: &str = "100000";

/// A six-digit GB/T 2260 code; the national root is [`NATIONAL`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionLevel {
    National,
    Province,
    City,
    County,
}

coded!(RegionLevel [label_zh] {
    National => "国家";
    Province => "省级";
    City => "市级";
    County => "县级";
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("行政区划代码应为6位数字（GB/T 2260），收到“{0}”")]
pub struct RegionCodeError(pub String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let t = s.trim();
        let ok = t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with("00");
        if ok { Ok(RegionCode(t.to_owned())) } else { Err(RegionCodeError(s.to_owned())) }
    }

    pub fn national() -> Self {
        RegionCode(NATIONAL.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        let b = self.0.as_bytes();
        if self.0 == NATIONAL {
            RegionLevel::National
        } else if &b[2..] == b"0000" {
            RegionLevel::Province
        } else if &b[4..] == b"00" {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }

    /// The significant prefix: every code below this node starts with it.
    pub fn prefix(&self) -> &str {
        match self.level() {
            RegionLevel::National => "",
            RegionLevel::Province => &self.0[..2],
            RegionLevel::City => &self.0[..4],
            RegionLevel::County => &self.0,
        }
    }

    /// The parent node (county → city → province → national).
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::National => None,
            RegionLevel::Province => Some(RegionCode::national()),
            RegionLevel::City => Some(RegionCode(format!("{}0000", &self.0[..2]))),
            RegionLevel::County => Some(RegionCode(format!("{}00", &self.0[..4]))),
        }
    }

    /// True when `other` is this node or lies below it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    /// Inclusive bounds of the codes in this subtree, for an indexed range query
    /// (`code BETWEEN lo AND hi`) that works the same on every SQL store.
    pub fn subtree_bounds(&self) -> (String, String) {
        let p = self.prefix();
        let pad = 6 - p.len();
        (format!("{p}{}", "0".repeat(pad)), format!("{p}{}", "9".repeat(pad)))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(r: RegionCode) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_the_code_shape() {
        assert_eq!(rc("100000").level(), RegionLevel::National);
        assert_eq!(rc("320000").level(), RegionLevel::Province);
        assert_eq!(rc("320100").level(), RegionLevel::City);
        assert_eq!(rc("320102").level(), RegionLevel::County);
    }

    #[test]
    fn subtree_contains_descendants_only() {
        let city = rc("320100");
        assert!(city.contains(&rc("320102")));
        assert!(city.contains(&rc("320100")));
        assert!(!city.contains(&rc("320200")));
        assert!(!city.contains(&rc("320000")));
        assert!(rc("320000").contains(&rc("320583")));
        assert!(!rc("320102").contains(&rc("320104")));
        assert!(RegionCode::national().contains(&rc("650102")));
    }

    #[test]
    fn bounds_match_contains() {
        let (lo, hi) = rc("320100").subtree_bounds();
        assert_eq!((lo.as_str(), hi.as_str()), ("320100", "320199"));
        let (lo, hi) = RegionCode::national().subtree_bounds();
        assert_eq!((lo.as_str(), hi.as_str()), ("000000", "999999"));
    }

    #[test]
    fn parents_walk_up() {
        assert_eq!(rc("320102").parent(), Some(rc("320100")));
        assert_eq!(rc("320100").parent(), Some(rc("320000")));
        assert_eq!(rc("320000").parent(), Some(RegionCode::national()));
        assert_eq!(RegionCode::national().parent(), None);
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "32010", "3201000", "32a100", "000000"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
