//! Exact decimals for assessment points and raw inputs: thousandths in an `i64`.
//!
//! The official option scores need three decimals at most (0.7, 1.25, 1.875, 5.625), and
//! binary floats get running sums wrong (0.7 + 0.7 + 0.7 = 2.0999999999999996), so every score and every
//! raw input (equipment counts, 万元 amounts) is held as an integer count of thousandths.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal with exactly three fractional digits, e.g. `Decimal::parse("9.1")` holds 9100.
///
/// Parsing bounds the magnitude to 10^12, so sums over any instrument (a few hundred terms)
/// cannot overflow; that is why `+` and `-` are plain integer operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(i64);

/// In JSON: a whole number, or text with at most three decimals ("9.1"), within ±10^12.
impl schemars::JsonSchema for Decimal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["integer", "string"],
            "pattern": r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$",
            "maxLength": 17,
            "minimum": -MAX_WHOLE,
            "maximum": MAX_WHOLE
        })
    }
}

/// Largest absolute value accepted by the parsers, in whole units.
const MAX_WHOLE: i64 = 1_000_000_000_000;
const SCALE: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("数值格式不正确：“{0}”（最多三位小数，示例：1.875）")]
    Malformed(String),
    #[error("数值超出范围：“{0}”")]
    OutOfRange(String),
}

impl Decimal {
    pub const ZERO: Decimal = Decimal(0);

    /// A whole number, e.g. `Decimal::from_int(80)` is 80.000.
    pub const fn from_int(n: i32) -> Decimal {
        Decimal(n as i64 * SCALE)
    }

    /// The value in thousandths (9.1 → 9100).
    pub const fn thousandths(self) -> i64 {
        self.0
    }

    pub const fn from_thousandths(t: i64) -> Decimal {
        Decimal(t)
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True when there is no fractional part (counts of equipment must be whole).
    pub const fn is_integer(self) -> bool {
        self.0 % SCALE == 0
    }

    /// Parses "9.1", "10", "-0.5", "1.875"; rejects exponents and more than three decimals.
    pub fn parse(s: &str) -> Result<Decimal, DecimalError> {
        let bad = || DecimalError::Malformed(s.to_owned());
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || frac.len() > 3 || !digits(whole) || !digits(frac) || (t.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 13 {
            return Err(DecimalError::OutOfRange(s.to_owned()));
        }
        let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        if w > MAX_WHOLE {
            return Err(DecimalError::OutOfRange(s.to_owned()));
        }
        let f: i64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
        let v = w * SCALE + f;
        Ok(Decimal(if neg { -v } else { v }))
    }

    /// Converts a float read from a data file without rounding surprises: Rust prints the
    /// shortest text that reads back as the same float (0.7 → "0.7"), and that text is parsed
    /// exactly. A float that needs more than three decimals is rejected, never rounded.
    pub fn from_f64(x: f64) -> Result<Decimal, DecimalError> {
        if !x.is_finite() {
            return Err(DecimalError::Malformed(x.to_string()));
        }
        Decimal::parse(&format!("{x}"))
    }

    pub fn from_i64(n: i64) -> Result<Decimal, DecimalError> {
        if n.unsigned_abs() > MAX_WHOLE.unsigned_abs() {
            return Err(DecimalError::OutOfRange(n.to_string()));
        }
        Ok(Decimal(n * SCALE))
    }
}

impl Add for Decimal {
    type Output = Decimal;
    fn add(self, o: Decimal) -> Decimal {
        Decimal(self.0 + o.0)
    }
}

impl Sub for Decimal {
    type Output = Decimal;
    fn sub(self, o: Decimal) -> Decimal {
        Decimal(self.0 - o.0)
    }
}

impl Sum for Decimal {
    fn sum<I: Iterator<Item = Decimal>>(iter: I) -> Decimal {
        iter.fold(Decimal::ZERO, Add::add)
    }
}

impl fmt::Display for Decimal {
    /// Shortest exact form: 9100 → "9.1", 10000 → "10", 1875 → "1.875", -500 → "-0.5".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / SCALE as u64;
        let frac = abs % SCALE as u64;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// Stored as a string ("9.1") so JSON round trips stay exact.
impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Accepts a string, an integer or a float (data files write `points = 0.7`).
impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("最多三位小数的数值")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Decimal::from_i64(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                let n = i64::try_from(v).map_err(|_| E::custom(DecimalError::OutOfRange(v.to_string())))?;
                Decimal::from_i64(n).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                Decimal::from_f64(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn the_extreme_integers_are_out_of_range_not_a_panic() {
        assert!(matches!(Decimal::from_i64(i64::MIN), Err(DecimalError::OutOfRange(_))));
        assert!(matches!(Decimal::from_i64(i64::MAX), Err(DecimalError::OutOfRange(_))));
        assert_eq!(Decimal::from_i64(-7).map(|d| d.to_string()), Ok("-7".to_owned()));
    }

    #[test]
    fn thirteen_times_point_seven_is_exactly_nine_point_one() {
        let sum: Decimal = std::iter::repeat_n(d("0.7"), 13).sum();
        assert_eq!(sum, d("9.1"));
        assert_eq!(sum.to_string(), "9.1");
        assert_eq!(sum.thousandths(), 9100);
    }

    /// Every running total of 0.7-point items is exact; the float running totals are not (3, 8,
    /// 9, 10 and 11 items drift), which is the bug this type exists to avoid.
    #[test]
    fn running_sums_of_point_seven_never_drift() {
        let (mut exact, mut float) = (Decimal::ZERO, 0.0_f64);
        let mut float_drifts = Vec::new();
        for k in 1..=14_i64 {
            exact = exact + d("0.7");
            float += 0.7;
            assert_eq!(exact.thousandths(), 700 * k);
            if float.to_string() != exact.to_string() {
                float_drifts.push(k);
            }
        }
        assert_eq!(exact.to_string(), "9.8");
        assert_eq!(float_drifts, [3, 8, 9, 10, 11, 14]);
    }

    #[test]
    fn prints_the_shortest_exact_form() {
        assert_eq!(d("10").to_string(), "10");
        assert_eq!(d("1.875").to_string(), "1.875");
        assert_eq!(d("1.50").to_string(), "1.5");
        assert_eq!(d("-0.5").to_string(), "-0.5");
        assert_eq!(d("007.250").to_string(), "7.25");
        assert_eq!(Decimal::ZERO.to_string(), "0");
    }

    #[test]
    fn rejects_what_it_cannot_hold_exactly() {
        assert!(matches!(Decimal::parse("1.2345"), Err(DecimalError::Malformed(_))));
        assert!(matches!(Decimal::parse("1e3"), Err(DecimalError::Malformed(_))));
        assert!(matches!(Decimal::parse(""), Err(DecimalError::Malformed(_))));
        assert!(matches!(Decimal::parse("1."), Err(DecimalError::Malformed(_))));
        assert!(matches!(Decimal::parse("99999999999999"), Err(DecimalError::OutOfRange(_))));
        assert!(Decimal::from_f64(0.0001).is_err());
        assert!(Decimal::from_f64(f64::NAN).is_err());
    }

    #[test]
    fn floats_from_data_files_convert_exactly() {
        assert_eq!(Decimal::from_f64(0.7).unwrap().thousandths(), 700);
        assert_eq!(Decimal::from_f64(1.875).unwrap().thousandths(), 1875);
        assert_eq!(Decimal::from_f64(5.625).unwrap().thousandths(), 5625);
    }

    #[test]
    fn json_round_trip_is_a_string() {
        let v = d("9.1");
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, "\"9.1\"");
        assert_eq!(serde_json::from_str::<Decimal>(&json).unwrap(), v);
        assert_eq!(serde_json::from_str::<Decimal>("0.7").unwrap(), d("0.7"));
        assert_eq!(serde_json::from_str::<Decimal>("12").unwrap(), d("12"));
    }
}
