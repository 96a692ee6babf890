//! City performance evaluation (城市试点绩效评价): an indicator set as data
//! (`data/rules/city-evaluation.toml`), read against a region's roll-up counters. Each indicator
//! is a share of two counters (met at or above its target), an average of two (met at or below
//! its bound) or a measure the platform does not collect yet (listed, not scored). The score of
//! a met indicator is its weight; of an unmet one, its weight in proportion to how far it got.

use serde::{Deserialize, Serialize};

use crate::programme::rules::RulesError;

/// The indicator set shipped with Dengta.
pub const BUILTIN_INDICATORS: &str = include_str!("../../../data/rules/city-evaluation.toml");

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "measure", rename_all = "snake_case")]
pub enum Measure {
    Share { numerator: String, denominator: String, target_pct: u32 },
    Average { total: String, count: String, bound: Bound },
    NotCollected { note: String },
}

/// Which side of its bound an average must be: days at most so many, satisfaction at least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    AtMost(u32),
    AtLeast(u32),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub measure: Measure,
    pub weight: u32,
    /// Also read per pilot sub-industry (`sub:<name>:<counter>`); met only if every one is.
    pub per_sub_industry: bool,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorSet {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub indicators: Vec<Indicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: String,
    version: u32,
    name: String,
    #[serde(rename = "indicator")]
    indicators: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    name: String,
    measure: String,
    #[serde(default)]
    numerator: Option<String>,
    #[serde(default)]
    denominator: Option<String>,
    #[serde(default)]
    target: Option<u32>,
    #[serde(default)]
    total: Option<String>,
    #[serde(default)]
    count: Option<String>,
    #[serde(default)]
    at_most: Option<u32>,
    #[serde(default)]
    at_least: Option<u32>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    weight: u32,
    #[serde(default)]
    per_sub_industry: bool,
    source: String,
}

fn invalid(place: String, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid { place, problem: problem.into() }
}

/// A counter name: letters, digits and underscores.
fn counter(v: Option<String>, place: String) -> Result<String, RulesError> {
    match v.map(|s| s.trim().to_owned()) {
        Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Ok(s),
        other => Err(invalid(place, format!("应为计数项名称（字母、数字、下划线），收到 {other:?}"))),
    }
}

impl IndicatorSet {
    /// Parses and validates an indicator file; errors name the field in Chinese.
    pub fn from_toml(text: &str) -> Result<IndicatorSet, RulesError> {
        let raw: RawSet = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        if raw.version == 0 || raw.id.trim().is_empty() || raw.name.trim().is_empty() {
            return Err(invalid("指标集（id、version、name）".into(), "标识、名称不能为空，版本号从1开始"));
        }
        let mut indicators: Vec<Indicator> = Vec::new();
        for (i, r) in raw.indicators.into_iter().enumerate() {
            let place = |f: &str| format!("第{}个指标（[[indicator]]）的{f}", i + 1);
            if r.id.trim().is_empty() || indicators.iter().any(|x| x.id == r.id.trim()) {
                return Err(invalid(place("标识（id）"), format!("“{}”为空或重复", r.id)));
            }
            if r.name.trim().is_empty() || r.source.trim().is_empty() {
                return Err(invalid(place("名称和依据（name、source）"), "不能为空"));
            }
            let measure = match r.measure.as_str() {
                "share" => Measure::Share {
                    numerator: counter(r.numerator, place("分子（numerator）"))?,
                    denominator: counter(r.denominator, place("分母（denominator）"))?,
                    target_pct: match r.target {
                        Some(t @ 1..=100) => t,
                        other => {
                            return Err(invalid(
                                place("目标（target）"),
                                format!("应为1至100的百分数，收到 {other:?}"),
                            ));
                        }
                    },
                },
                "average" => Measure::Average {
                    total: counter(r.total, place("合计（total）"))?,
                    count: counter(r.count, place("个数（count）"))?,
                    bound: match (r.at_most, r.at_least) {
                        (Some(m), None) => Bound::AtMost(m),
                        (None, Some(l)) => Bound::AtLeast(l),
                        _ => {
                            return Err(invalid(
                                place("上限或下限（at_most、at_least）"),
                                "平均值指标应填且只填其中一个",
                            ));
                        }
                    },
                },
                "not_collected" => Measure::NotCollected {
                    note: r
                        .note
                        .map(|n| n.trim().to_owned())
                        .filter(|n| !n.is_empty())
                        .ok_or_else(|| invalid(place("说明（note）"), "尚未采集的指标要说明原因"))?,
                },
                other => {
                    return Err(invalid(
                        place("计算方式（measure）"),
                        format!("应为 share、average 或 not_collected，收到“{other}”"),
                    ));
                }
            };
            if matches!(measure, Measure::NotCollected { .. }) && r.weight != 0 {
                return Err(invalid(place("权重（weight）"), "尚未采集的指标不计分，权重应为0"));
            }
            if r.per_sub_industry && !matches!(measure, Measure::Share { .. }) {
                return Err(invalid(place("按细分行业（per_sub_industry）"), "只适用于比例指标"));
            }
            indicators.push(Indicator {
                id: r.id.trim().to_owned(),
                name: r.name.trim().to_owned(),
                measure,
                weight: r.weight,
                per_sub_industry: r.per_sub_industry,
                source: r.source.trim().to_owned(),
            });
        }
        let total: u32 = indicators.iter().map(|i| i.weight).sum();
        if total != 100 {
            return Err(invalid("权重（weight）".into(), format!("计分指标的权重之和应为100，现为 {total}")));
        }
        Ok(IndicatorSet {
            id: raw.id.trim().to_owned(),
            version: raw.version,
            name: raw.name.trim().to_owned(),
            indicators,
        })
    }

    pub fn builtin() -> Result<IndicatorSet, RulesError> {
        IndicatorSet::from_toml(BUILTIN_INDICATORS)
            .map_err(|error| RulesError::Builtin { file: "city-evaluation.toml".to_owned(), error: Box::new(error) })
    }

    /// "city-evaluation v1".
    pub fn rule_ref(&self) -> String {
        format!("{} v{}", self.id, self.version)
    }

    /// Reads every indicator against the counters (`value` of a counter name; 0 when absent)
    /// and the region's pilot sub-industries.
    pub fn evaluate(&self, value: impl Fn(&str) -> i64, sub_industries: &[String]) -> Evaluation {
        let findings: Vec<Finding> = self.indicators.iter().map(|i| i.read(&value, sub_industries)).collect();
        let score = findings.iter().map(|f| f.score).sum::<f64>();
        Evaluation { rule: self.rule_ref(), name: self.name.clone(), score: round1(score), max: 100, findings }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A share in percent, one decimal; None without a denominator.
fn pct(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| round1(num as f64 * 100.0 / den as f64))
}

/// What one indicator came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub id: String,
    pub name: String,
    /// The value (a percentage, or days), None when there is nothing to read it from.
    pub value: Option<f64>,
    /// How the value was reached, e.g. "45 / 50".
    pub basis: String,
    /// The target as the report says it, e.g. "≥ 90%".
    pub target: String,
    /// Met, not met, or unknown (no data, or not collected).
    pub met: Option<bool>,
    pub weight: u32,
    pub score: f64,
    pub source: String,
    pub note: Option<String>,
    /// Per pilot sub-industry: (name, value, met).
    pub sub_industries: Vec<SubFinding>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubFinding {
    pub name: String,
    pub value: Option<f64>,
    pub basis: String,
    pub met: Option<bool>,
}

/// The whole evaluation of a region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evaluation {
    /// The indicator set it was read against, e.g. "city-evaluation v1".
    pub rule: String,
    pub name: String,
    pub score: f64,
    pub max: u32,
    pub findings: Vec<Finding>,
}

impl Indicator {
    fn read(&self, value: &impl Fn(&str) -> i64, subs: &[String]) -> Finding {
        let mut f = Finding {
            id: self.id.clone(),
            name: self.name.clone(),
            value: None,
            basis: String::new(),
            target: String::new(),
            met: None,
            weight: self.weight,
            score: 0.0,
            source: self.source.clone(),
            note: None,
            sub_industries: Vec::new(),
        };
        match &self.measure {
            Measure::Share { numerator, denominator, target_pct } => {
                let (n, d) = (value(numerator), value(denominator));
                f.value = pct(n, d);
                f.basis = format!("{n} / {d}");
                f.target = format!("≥ {target_pct}%");
                let target = f64::from(*target_pct);
                if let Some(v) = f.value {
                    f.met = Some(v >= target);
                    f.score = round1(f64::from(self.weight) * (v / target).min(1.0));
                } else {
                    f.note = Some("无数据".to_owned());
                }
                if self.per_sub_industry {
                    for s in subs {
                        let (n, d) = (value(&format!("sub:{s}:{numerator}")), value(&format!("sub:{s}:{denominator}")));
                        let v = pct(n, d);
                        f.sub_industries.push(SubFinding {
                            name: s.clone(),
                            value: v,
                            basis: format!("{n} / {d}"),
                            met: v.map(|v| v >= target),
                        });
                    }
                    // The target holds in each sub-industry: one short of it, and it is not met.
                    if f.sub_industries.iter().any(|s| s.met == Some(false)) {
                        f.met = Some(false);
                    }
                }
            }
            Measure::Average { total, count, bound } => {
                let (t, c) = (value(total), value(count));
                f.value = (c > 0).then(|| round1(t as f64 / c as f64));
                f.basis = format!("{t} / {c}");
                f.target = match bound {
                    Bound::AtMost(m) => format!("≤ {m}"),
                    Bound::AtLeast(l) => format!("≥ {l}"),
                };
                if let Some(v) = f.value {
                    // Short of the bound, the points in proportion to how near it is.
                    let (met, part) = match *bound {
                        Bound::AtMost(m) => (v <= f64::from(m), if v > 0.0 { f64::from(m) / v } else { 1.0 }),
                        Bound::AtLeast(l) => (v >= f64::from(l), if l > 0 { v / f64::from(l) } else { 1.0 }),
                    };
                    f.met = Some(met);
                    f.score = round1(f64::from(self.weight) * if met { 1.0 } else { part.min(1.0) });
                } else {
                    f.note = Some("无数据".to_owned());
                }
            }
            Measure::NotCollected { note } => {
                f.target = "—".to_owned();
                f.note = Some(note.clone());
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn counters(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn find<'a>(e: &'a Evaluation, id: &str) -> &'a Finding {
        e.findings.iter().find(|f| f.id == id).unwrap()
    }

    #[test]
    fn the_shipped_set_loads_and_weighs_one_hundred() {
        let s = IndicatorSet::builtin().unwrap();
        assert_eq!(s.rule_ref(), "city-evaluation v2");
        assert_eq!(s.indicators.iter().map(|i| i.weight).sum::<u32>(), 100);
        let l2 = s.indicators.iter().find(|i| i.id == "share_l2_above_scale").unwrap();
        assert!(matches!(l2.measure, Measure::Share { target_pct: 90, .. }) && l2.per_sub_industry);
    }

    #[test]
    fn shares_averages_and_uncollected_measures_are_read_and_scored() {
        let s = IndicatorSet::builtin().unwrap();
        let c = counters(&[
            ("above_scale", 20),
            ("above_scale_ge2", 18),
            ("sub:装备:above_scale", 10),
            ("sub:装备:above_scale_ge2", 10),
            ("sub:电子:above_scale", 10),
            ("sub:电子:above_scale_ge2", 8),
            ("srdi", 4),
            ("srdi_ge2", 4),
            ("enterprises", 100),
            ("assessed", 40),
            ("cloud", 60),
            ("filed", 10),
            ("accepted", 9),
            ("accept_to_pay_days", 90),
            ("paid_projects", 2),
            ("satisfaction_points", 216),
            ("satisfaction_count", 3),
        ]);
        let e = s.evaluate(|k| c.get(k).copied().unwrap_or(0), &["装备".into(), "电子".into()]);
        let l2 = find(&e, "share_l2_above_scale");
        assert_eq!((l2.value, l2.basis.as_str()), (Some(90.0), "18 / 20"));
        assert_eq!(l2.met, Some(false), "电子 is at 80%: the target holds per sub-industry");
        assert_eq!(l2.sub_industries.iter().map(|s| s.met).collect::<Vec<_>>(), [Some(true), Some(false)]);
        assert_eq!(l2.score, 30.0, "the overall share reached the target");
        assert_eq!((find(&e, "srdi_l2").met, find(&e, "srdi_l2").score), (Some(true), 20.0));
        // 40% of a target of 80% earns half the weight.
        assert_eq!((find(&e, "assessed").value, find(&e, "assessed").score), (Some(40.0), 5.0));
        assert_eq!(find(&e, "cloud").score, 10.0);
        assert_eq!((find(&e, "accepted_of_filed").value, find(&e, "accepted_of_filed").score), (Some(90.0), 10.0));
        // 45 days against at most 30: 30/45 of the weight.
        let days = find(&e, "days_accept_to_pay");
        assert_eq!((days.value, days.met, days.score), (Some(45.0), Some(false), 6.7));
        // An average of 72 points against at least 80: 72/80 of the weight.
        let sat = find(&e, "satisfaction");
        assert_eq!(
            (sat.value, sat.met, sat.target.as_str(), sat.basis.as_str()),
            (Some(72.0), Some(false), "≥ 80", "216 / 3")
        );
        assert_eq!(sat.score, 9.0);
        let money = find(&e, "enterprise_money_share");
        assert!(money.met.is_none() && money.note.as_deref().is_some_and(|n| n.contains("不能计算")));
        assert_eq!(e.score, 30.0 + 20.0 + 5.0 + 10.0 + 10.0 + 6.7 + 9.0);
    }

    #[test]
    fn nothing_to_read_is_no_data_not_zero_percent() {
        let e = IndicatorSet::builtin().unwrap().evaluate(|_| 0, &[]);
        assert!(e.findings.iter().all(|f| f.value.is_none() && f.met.is_none() && f.score == 0.0));
        assert_eq!(e.score, 0.0);
    }

    #[test]
    fn malformed_sets_are_refused_with_the_field_named() {
        for (from, to, field) in [
            ("target = 90\n", "target = 190\n", "目标（target）"),
            ("weight = 30", "weight = 31", "权重之和"),
            ("measure = \"average\"", "measure = \"median\"", "计算方式（measure）"),
            ("numerator = \"srdi_ge2\"", "numerator = \"srdi ge2; DROP\"", "分子（numerator）"),
            ("note = \"公共服务支出不经本平台拨付，平台尚不能计算；请以财务决算为准\"", "note = \"\"", "说明（note）"),
            ("at_least = 80", "at_least = 80\nat_most = 90", "at_most、at_least"),
        ] {
            let text = BUILTIN_INDICATORS.replacen(from, to, 1);
            assert_ne!(text, BUILTIN_INDICATORS, "{from}");
            let err = IndicatorSet::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(field), "{from} → {to}: {err}");
        }
    }
}
