//! The enterprise's satisfaction evaluation (满意度评价) of its provider after acceptance: the
//! dimensions and the scale as data (`data/rules/satisfaction.toml`), how one evaluation is
//! checked, and the points (0–100) it comes to. The points are what the dashboards sum and the
//! city evaluation averages; the provider's aggregate is shown to it only from [`MIN_FOR_PROVIDER`]
//! evaluations on, so that it cannot tell who said what.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::programme::rules::RulesError;

/// The rules shipped with Dengta.
pub const BUILTIN_SATISFACTION: &str = include_str!("../../../data/rules/satisfaction.toml");

/// Below this many evaluations the provider sees no aggregate: with one or two it would know
/// whose scores they are.
pub const MIN_FOR_PROVIDER: i64 = 3;

/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 1000;

/// One rated dimension (服务态度, 响应及时, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SatisfactionDimension")]
pub struct Dimension {
    pub id: String,
    pub name: String,
}

/// A validated version of the satisfaction form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SatisfactionRules {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub source: String,
    pub scale_min: u8,
    pub scale_max: u8,
    pub dimensions: Vec<Dimension>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    version: u32,
    name: String,
    source: String,
    scale_min: u8,
    scale_max: u8,
    #[serde(rename = "dimension")]
    dimensions: Vec<Dimension>,
}

/// Why an evaluation was refused; the message names the dimension in Chinese.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SatisfactionError {
    #[error("未知的评价项“{0}”")]
    Unknown(String),
    #[error("缺少“{0}”的评分")]
    Missing(String),
    #[error("“{name}”的评分 {score} 不在 {min}–{max} 之间")]
    OutOfScale { name: String, score: u8, min: u8, max: u8 },
    #[error("评价意见不能超过 {0} 字")]
    CommentTooLong(usize),
}

fn invalid(place: &str, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid { place: place.to_owned(), problem: problem.into() }
}

impl SatisfactionRules {
    /// Parses and validates a satisfaction file; errors name the field in Chinese.
    pub fn from_toml(text: &str) -> Result<SatisfactionRules, RulesError> {
        let raw: Raw = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        if raw.version == 0 || raw.id.trim().is_empty() || raw.name.trim().is_empty() || raw.source.trim().is_empty() {
            return Err(invalid("评价表（id、version、name、source）", "标识、名称、依据不能为空，版本号从1开始"));
        }
        if raw.scale_min == 0 || raw.scale_max <= raw.scale_min || raw.scale_max > 100 {
            return Err(invalid(
                "分值范围（scale_min、scale_max）",
                format!("应为 1 ≤ scale_min < scale_max ≤ 100，收到 {}–{}", raw.scale_min, raw.scale_max),
            ));
        }
        if raw.dimensions.is_empty() {
            return Err(invalid("评价项（[[dimension]]）", "至少要有一项"));
        }
        for (i, d) in raw.dimensions.iter().enumerate() {
            let ok_id = !d.id.is_empty() && d.id.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if !ok_id || raw.dimensions[..i].iter().any(|x| x.id == d.id) {
                return Err(invalid(
                    &format!("第{}个评价项的标识（id）", i + 1),
                    format!("“{}”为空、重复或不是小写字母", d.id),
                ));
            }
            if d.name.trim().is_empty() {
                return Err(invalid(&format!("第{}个评价项的名称（name）", i + 1), "不能为空"));
            }
        }
        Ok(SatisfactionRules {
            id: raw.id.trim().to_owned(),
            version: raw.version,
            name: raw.name.trim().to_owned(),
            source: raw.source.trim().to_owned(),
            scale_min: raw.scale_min,
            scale_max: raw.scale_max,
            dimensions: raw.dimensions,
        })
    }

    pub fn builtin() -> Result<SatisfactionRules, RulesError> {
        SatisfactionRules::from_toml(BUILTIN_SATISFACTION)
            .map_err(|error| RulesError::Builtin { file: "satisfaction.toml".to_owned(), error: Box::new(error) })
    }

    /// "satisfaction v1".
    pub fn rule_ref(&self) -> String {
        format!("{} v{}", self.id, self.version)
    }

    /// Checks one evaluation (every dimension scored on the scale, nothing unknown, the comment
    /// not too long) and returns its points, 0–100: the scores' sum over the highest sum,
    /// rounded half up.
    pub fn points(&self, scores: &BTreeMap<String, u8>, comment: &str) -> Result<u32, SatisfactionError> {
        if let Some(unknown) = scores.keys().find(|k| !self.dimensions.iter().any(|d| &d.id == *k)) {
            return Err(SatisfactionError::Unknown(unknown.clone()));
        }
        let mut sum = 0u32;
        for d in &self.dimensions {
            let score = *scores.get(&d.id).ok_or_else(|| SatisfactionError::Missing(d.name.clone()))?;
            if !(self.scale_min..=self.scale_max).contains(&score) {
                return Err(SatisfactionError::OutOfScale {
                    name: d.name.clone(),
                    score,
                    min: self.scale_min,
                    max: self.scale_max,
                });
            }
            sum += u32::from(score);
        }
        if comment.chars().count() > MAX_COMMENT {
            return Err(SatisfactionError::CommentTooLong(MAX_COMMENT));
        }
        let most = u32::from(self.scale_max) * u32::try_from(self.dimensions.len()).unwrap_or(u32::MAX);
        Ok((sum * 200 + most) / (most * 2))
    }
}

/// Averages of several evaluations: per dimension (two decimals of the scale) and of the points.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Averages {
    pub count: i64,
    /// Mean points (0–100), one decimal; None without evaluations.
    pub points: Option<f64>,
    /// Per dimension id: the mean score on the scale, two decimals.
    pub dimensions: BTreeMap<String, f64>,
}

/// Averages of the given evaluations (scores, points).
pub fn averages<'a>(records: impl IntoIterator<Item = (&'a BTreeMap<String, u8>, i64)>) -> Averages {
    let mut count = 0i64;
    let mut points = 0i64;
    let mut sums: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (scores, p) in records {
        count += 1;
        points += p;
        for (k, v) in scores {
            let e = sums.entry(k.clone()).or_insert((0, 0));
            e.0 += i64::from(*v);
            e.1 += 1;
        }
    }
    Averages {
        count,
        points: (count > 0).then(|| (points as f64 * 10.0 / count as f64).round() / 10.0),
        dimensions: sums.into_iter().map(|(k, (s, n))| (k, (s as f64 * 100.0 / n as f64).round() / 100.0)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(r: &SatisfactionRules, v: u8) -> BTreeMap<String, u8> {
        r.dimensions.iter().map(|d| (d.id.clone(), v)).collect()
    }

    #[test]
    fn the_shipped_form_loads_with_five_dimensions_on_a_five_point_scale() {
        let r = SatisfactionRules::builtin().unwrap();
        assert_eq!(r.rule_ref(), "satisfaction v1");
        assert_eq!((r.scale_min, r.scale_max), (1, 5));
        let names: Vec<&str> = r.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["服务态度", "响应及时", "交付质量", "改造成效", "总体满意度"]);
    }

    #[test]
    fn points_are_the_share_of_the_highest_sum() {
        let r = SatisfactionRules::builtin().unwrap();
        assert_eq!(r.points(&all(&r, 5), ""), Ok(100));
        assert_eq!(r.points(&all(&r, 1), ""), Ok(20));
        let mut s = all(&r, 4);
        s.insert("overall".into(), 5);
        // 21 of 25 = 84.
        assert_eq!(r.points(&s, "很好"), Ok(84));
    }

    #[test]
    fn bad_evaluations_are_refused_with_the_dimension_named() {
        let r = SatisfactionRules::builtin().unwrap();
        let mut s = all(&r, 4);
        s.insert("quality".into(), 6);
        assert!(r.points(&s, "").unwrap_err().to_string().contains("交付质量"));
        s.insert("quality".into(), 0);
        assert!(matches!(r.points(&s, ""), Err(SatisfactionError::OutOfScale { score: 0, .. })));
        let mut s = all(&r, 4);
        s.remove("attitude");
        assert_eq!(r.points(&s, ""), Err(SatisfactionError::Missing("服务态度".into())));
        let mut s = all(&r, 4);
        s.insert("price".into(), 3);
        assert_eq!(r.points(&s, ""), Err(SatisfactionError::Unknown("price".into())));
        let long = "好".repeat(MAX_COMMENT + 1);
        assert_eq!(r.points(&all(&r, 4), &long), Err(SatisfactionError::CommentTooLong(MAX_COMMENT)));
    }

    #[test]
    fn malformed_files_are_refused_with_the_field_named() {
        for (from, to, field) in [
            ("scale_max = 5", "scale_max = 1", "scale_max"),
            ("id = \"quality\"", "id = \"attitude\"", "第3个评价项的标识"),
            ("name = \"交付质量\"", "name = \" \"", "第3个评价项的名称"),
            ("version = 1", "version = 0", "version"),
        ] {
            let text = BUILTIN_SATISFACTION.replacen(from, to, 1);
            assert_ne!(text, BUILTIN_SATISFACTION, "{from}");
            let err = SatisfactionRules::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(field), "{from} → {to}: {err}");
        }
    }

    #[test]
    fn averages_per_dimension_and_of_points() {
        let r = SatisfactionRules::builtin().unwrap();
        let (a, b) = (all(&r, 5), all(&r, 4));
        let avg = averages([(&a, 100), (&b, 80), (&b, 80)]);
        assert_eq!(avg.count, 3);
        assert_eq!(avg.points, Some(86.7));
        assert_eq!(avg.dimensions.get("quality"), Some(&4.33));
        assert_eq!(averages(std::iter::empty()).points, None);
    }
}
