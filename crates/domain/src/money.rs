//! Money as whole fen (分) in an `i64`: no floats anywhere, checked arithmetic.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额超出范围")]
    Overflow,
    #[error("金额格式不正确：“{0}”（示例：1234.56）")]
    Malformed(String),
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn checked_add(self, o: Fen) -> Result<Fen, MoneyError> {
        self.0.checked_add(o.0).map(Fen).ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, o: Fen) -> Result<Fen, MoneyError> {
        self.0.checked_sub(o.0).map(Fen).ok_or(MoneyError::Overflow)
    }

    /// Parses a yuan amount with at most two decimals ("1234.5" → 123450 fen).
    /// Yuan with two decimals and no grouping, for machine-read files: 1234567.89
    pub fn plain_yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    pub fn parse_yuan(s: &str) -> Result<Fen, MoneyError> {
        let t = s.trim().replace(',', "");
        let bad = || MoneyError::Malformed(s.to_owned());
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r.to_owned()),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        if whole.is_empty() || frac.len() > 2 || !(whole.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let w: i64 = whole.parse().map_err(|_| bad())?;
        let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let v = w.checked_mul(100).and_then(|v| v.checked_add(f)).ok_or(MoneyError::Overflow)?;
        Ok(Fen(if neg { -v } else { v }))
    }
}

impl fmt::Display for Fen {
    /// Yuan with two decimals and thousands separators: 1,234,567.89
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let yuan = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_yuan() {
        assert_eq!(Fen::parse_yuan("1234.5").unwrap(), Fen(123450));
        assert_eq!(Fen::parse_yuan("0.07").unwrap(), Fen(7));
        assert_eq!(Fen::parse_yuan("-3").unwrap(), Fen(-300));
        assert_eq!(Fen(123456789).to_string(), "1,234,567.89");
        assert_eq!(Fen(123456789).plain_yuan(), "1234567.89");
        assert_eq!(Fen(-5).plain_yuan(), "-0.05");
        assert_eq!(Fen(-5).to_string(), "-0.05");
    }

    #[test]
    fn rejects_bad_amounts() {
        for bad in ["", "1.234", "abc", "1e5", ".5", "--1"] {
            assert!(Fen::parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), Err(MoneyError::Overflow));
    }
}
