//! A small civil (calendar) date, proleptic Gregorian, for programme windows, contract dates and
//! completion dates. The domain crate carries no time library, and these rules only ever need
//! whole days in Beijing time (UTC+8, no daylight saving).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds in one day.
const MS_PER_DAY: i64 = 86_400_000;
/// Beijing is UTC+8 all year.
const BEIJING_OFFSET_MS: i64 = 8 * 3_600_000;

/// A calendar day. Ordered chronologically; prints and parses as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: i32,
    month: u8,
    day: u8,
}

/// A calendar day in JSON, as a pattern.
pub const PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// In JSON: `YYYY-MM-DD`, a day that exists. (Defined here, not in `crate::schema`, which names
/// the programme's coded enums: the date module stays below them.)
impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": PATTERN, "format": "date", "minLength": 10, "maxLength": 10 })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日期“{0}”格式不对，应为“YYYY-MM-DD”（如 2024-10-18）")]
    Malformed(String),
    #[error("日期“{0}”不存在")]
    NoSuchDay(String),
}

impl Date {
    /// A date if it exists (`2024-02-29` does, `2023-02-29` does not).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        ok.then_some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day), trimming spaces.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let t = s.trim();
        let malformed = || DateError::Malformed(s.to_owned());
        let b = t.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(malformed());
        }
        let year: i32 = t[..4].parse().map_err(|_| malformed())?;
        let month: u8 = t[5..7].parse().map_err(|_| malformed())?;
        let day: u8 = t[8..].parse().map_err(|_| malformed())?;
        Date::new(year, month, day).ok_or_else(|| DateError::NoSuchDay(t.to_owned()))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// The Beijing calendar day of an instant given as milliseconds since the Unix epoch.
    pub fn from_unix_ms_beijing(ms: i64) -> Date {
        Date::from_days(ms.saturating_add(BEIJING_OFFSET_MS).div_euclid(MS_PER_DAY))
    }

    /// The instant this day starts in Beijing (00:00 UTC+8), as milliseconds since the Unix epoch.
    pub fn start_ms_beijing(self) -> i64 {
        self.to_days().saturating_mul(MS_PER_DAY).saturating_sub(BEIJING_OFFSET_MS)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day))
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let (y, m, d) = civil_from_days(days);
        // |days| ≤ i64::MAX / 86_400_000 + 1 for any instant, so the year fits an i32 with room to spare;
        // clamp anyway rather than panic.
        let year = i32::try_from(y).unwrap_or(if y < 0 { i32::MIN } else { i32::MAX });
        // Month and day come out of civil_from_days in 1..=12 and 1..=31.
        Date { year, month: u8::try_from(m).unwrap_or(1), day: u8::try_from(d).unwrap_or(1) }
    }

    /// Whole days from `self` to `other`: positive when `other` is later, 0 on the same day.
    pub fn days_between(self, other: Date) -> i64 {
        other.to_days() - self.to_days()
    }

    /// The date `days` later (earlier when negative).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days(self.to_days().saturating_add(days))
    }

    /// The same day `months` calendar months later, clamped to the month's last day
    /// (2024-01-31 + 1 month = 2024-02-29): how "within 3 months of listing" deadlines are read.
    pub fn add_months(self, months: u32) -> Date {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 + i64::from(months);
        let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
        let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(12);
        Date { year, month, day: self.day.min(days_in_month(year, month)) }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse, `civil_from_days`: eras of 400 years starting on 1 March so leap days fall last.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = DateError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Date::parse(&s)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(d("2024-10-18").to_string(), "2024-10-18");
        assert_eq!(d(" 2024-02-29 ").day(), 29);
        assert_eq!(Date::new(2024, 10, 18), Some(d("2024-10-18")));
        for bad in ["", "2024-1-18", "2024/10/18", "24-10-18", "2024-10-18x", "２０２４-10-18", "+024-10-18"] {
            assert_eq!(Date::parse(bad), Err(DateError::Malformed(bad.to_owned())), "{bad}");
        }
        for missing in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00"] {
            assert!(matches!(Date::parse(missing), Err(DateError::NoSuchDay(_))), "{missing}");
        }
        assert_eq!(Date::parse("2023-02-29").unwrap_err().to_string(), "日期“2023-02-29”不存在");
        assert_eq!(serde_json::to_string(&d("2026-12-31")).unwrap(), "\"2026-12-31\"");
        assert_eq!(serde_json::from_str::<Date>("\"2026-12-31\"").unwrap(), d("2026-12-31"));
        assert!(serde_json::from_str::<Date>("\"2026-12-32\"").is_err());
    }

    #[test]
    fn orders_and_counts_days() {
        assert!(d("2024-10-18") < d("2024-10-19"));
        assert!(d("2024-12-31") < d("2025-01-01"));
        assert!(d("2024-02-01") > d("2024-01-31"));
        assert_eq!(d("2024-10-18").days_between(d("2026-12-31")), 804);
        assert_eq!(d("2026-12-31").days_between(d("2024-10-18")), -804);
        assert_eq!(d("1970-01-01").to_days(), 0);
        assert_eq!(d("2000-03-01").to_days(), 11_017);
        assert_eq!(d("2024-02-28").add_days(1), d("2024-02-29"));
        assert_eq!(d("2024-01-31").add_months(1), d("2024-02-29"));
        assert_eq!(d("2024-11-30").add_months(3), d("2025-02-28"));
        assert_eq!(d("2024-10-18").add_months(0), d("2024-10-18"));
        assert_eq!(d("2024-10-18").add_months(15), d("2026-01-18"));
    }

    #[test]
    fn beijing_days() {
        assert_eq!(Date::from_unix_ms_beijing(0), d("1970-01-01"));
        // 2023-12-31 16:00 UTC is already New Year's Day in Beijing; a millisecond earlier is not.
        assert_eq!(Date::from_unix_ms_beijing(1_704_038_400_000), d("2024-01-01"));
        assert_eq!(Date::from_unix_ms_beijing(1_704_038_399_999), d("2023-12-31"));
        assert_eq!(d("2024-01-01").start_ms_beijing(), 1_704_038_400_000);
        assert_eq!(Date::from_unix_ms_beijing(-1), d("1970-01-01"));
        assert_eq!(Date::from_unix_ms_beijing(-28_800_001), d("1969-12-31"));
        let _ = Date::from_unix_ms_beijing(i64::MAX);
        let _ = Date::from_unix_ms_beijing(i64::MIN);
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -1_000_000i64..1_000_000) {
            let date = Date::from_days(days);
            prop_assert_eq!(date.to_days(), days);
            prop_assert_eq!(Date::new(date.year(), date.month(), date.day()), Some(date));
            if (0..=9999).contains(&date.year()) {
                prop_assert_eq!(Date::parse(&date.to_string()), Ok(date));
            }
            prop_assert!(Date::from_days(days + 1) > date);
        }

        #[test]
        fn instants_fall_on_their_beijing_day(ms in -10_000_000_000_000i64..10_000_000_000_000) {
            let day = Date::from_unix_ms_beijing(ms);
            let start = day.start_ms_beijing();
            prop_assert!(start <= ms && ms < start + MS_PER_DAY);
        }
    }
}
