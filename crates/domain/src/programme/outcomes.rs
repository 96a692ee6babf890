//! Outcomes of a transformation project on the seven axes of 财办建〔2024〕23号 (创新、市场、提质、
//! 降本、增效、绿色、安全): the axes and their suggested indicators as data
//! (`data/rules/outcome-axes.toml`), a measured value as an exact decimal (never a float), and the
//! improvement from baseline to result in basis points, respecting whether higher or lower is
//! better. The summaries take medians of those improvements and suppress small cells.

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("../../../../data/rules/outcome-axes.toml");

/// The seven axes, in the notice's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    Innovation,
    Market,
    Quality,
    Cost,
    Efficiency,
    Green,
    Safety,
}

coded!(Axis [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Innovation => "innovation", "创新", "Innovation";
    Market => "market", "市场", "Market";
    Quality => "quality", "提质", "Quality";
    Cost => "cost", "降本", "Cost";
    Efficiency => "efficiency", "增效", "Efficiency";
    Green => "green", "绿色", "Green";
    Safety => "safety", "安全", "Safety";
});

/// Whether a larger or a smaller value of an indicator is the improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

coded!(Better [code, label_zh, label_en], pub fn parse(code | label_zh) {
    Higher => "higher", "越高越好", "Higher is better";
    Lower => "lower", "越低越好", "Lower is better";
});

/// A suggested indicator of an axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: String,
}

impl Indicator {
    pub fn better(&self) -> Better {
        Better::parse(&self.better).unwrap_or(Better::Higher)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisRule {
    pub code: String,
    pub name: String,
    pub name_en: String,
    #[serde(rename = "indicator", default)]
    pub indicators: Vec<Indicator>,
}

/// The axes file, versioned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axes {
    pub version: u32,
    #[serde(rename = "axis")]
    pub axes: Vec<AxisRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AxesError {
    #[error("成效维度文件格式错误：{0}")]
    Format(String),
    #[error("成效维度文件版本号应从 1 开始，收到 {0}")]
    Version(u32),
    #[error("成效维度“{0}”未知（应为七个维度之一：innovation、market、quality、cost、efficiency、green、safety）")]
    UnknownAxis(String),
    #[error("成效维度“{0}”重复")]
    DuplicateAxis(String),
    #[error("成效维度缺少“{0}”")]
    MissingAxis(&'static str),
    #[error("指标“{0}”重复")]
    DuplicateIndicator(String),
    #[error("指标“{id}”的字段 {field} 无效")]
    BadIndicator { id: String, field: &'static str },
}

impl Axes {
    pub fn from_toml(text: &str) -> Result<Axes, AxesError> {
        let a: Axes = toml::from_str(text).map_err(|e| AxesError::Format(e.to_string()))?;
        if a.version == 0 {
            return Err(AxesError::Version(0));
        }
        let mut seen = Vec::new();
        let mut ids = Vec::new();
        for ax in &a.axes {
            let axis = Axis::parse(&ax.code).ok_or_else(|| AxesError::UnknownAxis(ax.code.clone()))?;
            if seen.contains(&axis) {
                return Err(AxesError::DuplicateAxis(ax.code.clone()));
            }
            seen.push(axis);
            for i in &ax.indicators {
                let bad = |field| AxesError::BadIndicator { id: i.id.clone(), field };
                if i.id.trim().is_empty() {
                    return Err(bad("id"));
                }
                if i.name.trim().is_empty() {
                    return Err(bad("name"));
                }
                if i.unit.trim().is_empty() {
                    return Err(bad("unit"));
                }
                if Better::parse(&i.better).is_none() {
                    return Err(bad("better"));
                }
                if ids.contains(&i.id) {
                    return Err(AxesError::DuplicateIndicator(i.id.clone()));
                }
                ids.push(i.id.clone());
            }
        }
        if let Some(missing) = Axis::ALL.iter().find(|x| !seen.contains(x)) {
            return Err(AxesError::MissingAxis(missing.code()));
        }
        Ok(a)
    }

    pub fn builtin() -> Result<Axes, AxesError> {
        Axes::from_toml(BUILTIN)
    }

    pub fn axis(&self, axis: Axis) -> Option<&AxisRule> {
        self.axes.iter().find(|a| a.code == axis.code())
    }

    /// The suggested indicator of `axis` with that id or name.
    pub fn indicator(&self, axis: Axis, name: &str) -> Option<&Indicator> {
        let name = name.trim();
        self.axis(axis)?.indicators.iter().find(|i| i.id == name || i.name == name)
    }
}

/// Decimal places a measured value keeps.
pub const SCALE_DIGITS: u32 = 4;
const SCALE: i64 = 10_000;

/// A measured value as an exact decimal: the value × 10⁴ in an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Measure(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeasureError {
    #[error("“{0}”不是有效的数值")]
    NotANumber(String),
    #[error("“{0}”的小数位超过 4 位")]
    TooPrecise(String),
    #[error("“{0}”超出允许范围")]
    TooLarge(String),
}

impl Measure {
    /// Parses "12", "-3.5", "0.0125" (at most 4 decimals; thousands separators are refused).
    pub fn parse(s: &str) -> Result<Measure, MeasureError> {
        let t = s.trim();
        let nan = || MeasureError::NotANumber(t.to_owned());
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(nan());
        }
        if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(nan());
        }
        if frac.len() > SCALE_DIGITS as usize {
            return Err(MeasureError::TooPrecise(t.to_owned()));
        }
        let big = || MeasureError::TooLarge(t.to_owned());
        if int.len() > 12 {
            return Err(big());
        }
        let i: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| big())? };
        let mut f: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| nan())? };
        for _ in frac.len()..SCALE_DIGITS as usize {
            f *= 10;
        }
        let v = i.checked_mul(SCALE).and_then(|v| v.checked_add(f)).ok_or_else(big)?;
        Ok(Measure(if neg { -v } else { v }))
    }
}

impl std::fmt::Display for Measure {
    /// The shortest exact decimal: 125000 → "12.5", 30000 → "3".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (int, frac) = (a / SCALE as u64, a % SCALE as u64);
        if frac == 0 {
            return write!(f, "{sign}{int}");
        }
        let digits = format!("{frac:04}");
        write!(f, "{sign}{int}.{}", digits.trim_end_matches('0'))
    }
}

/// Integer division rounding half away from zero.
fn div_round(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d.abs() { q + if (n < 0) != (d < 0) { -1 } else { 1 } } else { q }
}

/// The improvement from `baseline` to `result` in basis points of the baseline (1 bp = 0.01%),
/// positive when the value moved the better way; `None` for a zero baseline (no percentage).
pub fn improvement_bp(baseline: Measure, result: Measure, better: Better) -> Option<i64> {
    if baseline.0 == 0 {
        return None;
    }
    let change = i128::from(result.0) - i128::from(baseline.0);
    let towards = match better {
        Better::Higher => change,
        Better::Lower => -change,
    };
    i64::try_from(div_round(towards * 10_000, i128::from(baseline.0).abs())).ok()
}

/// Basis points as a percentage with two decimals: 1250 → "12.50%", -5 → "-0.05%".
pub fn percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let a = bp.unsigned_abs();
    format!("{sign}{}.{:02}%", a / 100, a % 100)
}

/// The median of the values (the mean of the two middle ones for an even count, rounded half
/// away from zero); `None` when empty.
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        Some(v[n / 2])
    } else {
        i64::try_from(div_round(i128::from(v[n / 2 - 1]) + i128::from(v[n / 2]), 2)).ok()
    }
}

/// The fewest projects a public summary cell may stand on: fewer, and it is suppressed so a cell
/// cannot point at one enterprise's figures.
pub const PUBLIC_MIN_PROJECTS: usize = 3;

/// Whether a public cell counting `projects` projects is shown.
pub fn publishable(projects: usize) -> bool {
    projects >= PUBLIC_MIN_PROJECTS
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn builtin_has_the_seven_axes_with_indicators() {
        let a = Axes::builtin().unwrap();
        assert_eq!(a.axes.len(), 7);
        for x in Axis::ALL {
            assert!(!a.axis(x).unwrap().indicators.is_empty(), "{x:?}");
        }
        let d = a.indicator(Axis::Quality, "产品不良率").unwrap();
        assert_eq!((d.unit.as_str(), d.better()), ("%", Better::Lower));
        assert_eq!(a.indicator(Axis::Quality, "defect_rate").unwrap().name, "产品不良率");
    }

    #[test]
    fn a_faulty_file_names_the_field() {
        let bad = BUILTIN.replacen("better = \"lower\"", "better = \"smaller\"", 1);
        assert_eq!(
            Axes::from_toml(&bad).unwrap_err(),
            AxesError::BadIndicator { id: "rnd_cycle".into(), field: "better" }
        );
        let missing = BUILTIN.replace("code = \"safety\"", "code = \"innovation\"");
        assert_eq!(Axes::from_toml(&missing).unwrap_err(), AxesError::DuplicateAxis("innovation".into()));
        assert!(matches!(Axes::from_toml("version = 1\naxis = []"), Err(AxesError::MissingAxis("innovation"))));
    }

    #[test]
    fn measures_are_exact() {
        assert_eq!(Measure::parse("12.5").unwrap(), Measure(125_000));
        assert_eq!(Measure::parse("-0.0125").unwrap(), Measure(-125));
        assert_eq!(Measure::parse(".5").unwrap(), Measure(5_000));
        assert_eq!(Measure::parse("3").unwrap().to_string(), "3");
        assert_eq!(Measure(125_000).to_string(), "12.5");
        assert_eq!(Measure(-125).to_string(), "-0.0125");
        assert!(matches!(Measure::parse("1.23456"), Err(MeasureError::TooPrecise(_))));
        assert!(matches!(Measure::parse("1,000"), Err(MeasureError::NotANumber(_))));
        assert!(matches!(Measure::parse(""), Err(MeasureError::NotANumber(_))));
        assert!(matches!(Measure::parse("."), Err(MeasureError::NotANumber(_))));
        assert!(matches!(Measure::parse("1e5"), Err(MeasureError::NotANumber(_))));
        assert!(matches!(Measure::parse("9999999999999"), Err(MeasureError::TooLarge(_))));
    }

    #[test]
    fn improvement_respects_the_direction() {
        let m = |s| Measure::parse(s).unwrap();
        // 不良率 5% → 3%: lower is better, a 40% improvement.
        assert_eq!(improvement_bp(m("5"), m("3"), Better::Lower), Some(4_000));
        // The same move on an indicator where higher is better is a 40% worsening.
        assert_eq!(improvement_bp(m("5"), m("3"), Better::Higher), Some(-4_000));
        // 人均产值 80 → 100: +25%.
        assert_eq!(improvement_bp(m("80"), m("100"), Better::Higher), Some(2_500));
        // 1/3 rounds half away from zero in basis points.
        assert_eq!(improvement_bp(m("3"), m("4"), Better::Higher), Some(3_333));
        assert_eq!(improvement_bp(m("3"), m("5"), Better::Higher), Some(6_667));
        assert_eq!(improvement_bp(m("0"), m("4"), Better::Higher), None);
        // A negative baseline (a loss) measured against its size.
        assert_eq!(improvement_bp(m("-10"), m("-5"), Better::Higher), Some(5_000));
        assert_eq!(percent(4_000), "40.00%");
        assert_eq!(percent(-5), "-0.05%");
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[9, 1, 5]), Some(5));
        assert_eq!(median(&[1, 2]), Some(2));
        assert_eq!(median(&[-1, -2]), Some(-2));
        assert_eq!(median(&[10, 0, 4, 6]), Some(5));
        assert!(!publishable(2));
        assert!(publishable(3));
    }

    proptest! {
        #[test]
        fn measures_round_trip(v in -9_999_999_999_999_999_i64..9_999_999_999_999_999) {
            let m = Measure(v);
            prop_assert_eq!(Measure::parse(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn direction_flips_the_sign(b in 1_i64..1_000_000_000, r in 0_i64..1_000_000_000) {
            let (b, r) = (Measure(b), Measure(r));
            let up = improvement_bp(b, r, Better::Higher).unwrap();
            let down = improvement_bp(b, r, Better::Lower).unwrap();
            prop_assert_eq!(up, -down);
            prop_assert_eq!(up > 0, r > b);
        }

        #[test]
        fn the_median_lies_between_the_extremes(v in proptest::collection::vec(-1_000_000_i64..1_000_000, 1..20)) {
            let m = median(&v).unwrap();
            prop_assert!(m >= *v.iter().min().unwrap() && m <= *v.iter().max().unwrap());
        }
    }
}
