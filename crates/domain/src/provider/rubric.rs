//! The expert scoring rubric for provider admission (服务商评审评分细则) and how several experts'
//! sheets combine into one result.
//!
//! The rubric is data (`data/rules/provider-rubric-2024.toml`) so a new year's guideline is a new
//! file, not a code change. A [`Rubric`] can only come from [`Rubric::from_toml`], which checks
//! that the points add up; everything below relies on that. Combined scores are kept in
//! hundredths of a point in an `i64`, so averages are exact and reproducible (no floats).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The rubric shipped with the platform. The path is relative to this file.
pub const BUILTIN_TOML: &str = include_str!("../../../../data/rules/provider-rubric-2024.toml");

/// Every rubric shipped with the platform, the default (admission, and a periodic evaluation
/// unless the officer chooses another) first: the 2024 guideline and the five-dimension
/// capability model (T/ZJEI 010—2023).
pub const BUILTIN_SET: [(&str, &str); 2] = [
    ("provider-rubric-2024.toml", BUILTIN_TOML),
    (
        "provider-rubric-capability-2023.toml",
        include_str!("../../../../data/rules/provider-rubric-capability-2023.toml"),
    ),
];

/// One scored criterion: an expert gives whole points 0..=max, guided by `guide`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RubricCriterion")]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub max: u32,
    pub guide: String,
}

/// A dimension (维度) whose maximum is the sum of its criteria.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricDimension {
    pub id: String,
    pub name: String,
    pub max: u32,
    pub criteria: Vec<Criterion>,
}

/// A combined total of at least `min` whole points earns `stars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarBand {
    pub min: u32,
    pub stars: u8,
}

/// How the experts' sheet totals become one score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineRule {
    Mean,
    Median,
    /// Drop one highest and one lowest total when there are at least `trim_from` of them.
    TrimmedMean,
}

coded!(CombineRule [code] {
    Mean => "mean";
    Median => "median";
    TrimmedMean => "trimmed_mean";
});

impl CombineRule {
    fn parse(s: &str) -> Option<CombineRule> {
        [CombineRule::Mean, CombineRule::Median, CombineRule::TrimmedMean].into_iter().find(|r| r.code() == s)
    }
}

/// A validated rubric version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rubric {
    id: String,
    version: u32,
    name: String,
    source: String,
    total: u32,
    rule: CombineRule,
    trim_from: usize,
    min_experts: usize,
    pass_score: u32,
    stars: Vec<StarBand>,
    dimensions: Vec<RubricDimension>,
}

/// The combined result of several experts, with a Chinese sentence that can be shown as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Combined {
    /// The combined total in hundredths of a point (8150 = 81.50 分).
    pub hundredths: i64,
    pub passed: bool,
    pub stars: u8,
    /// The rule's code, e.g. "trimmed_mean".
    pub rule: String,
    /// The totals the result was computed from, ascending.
    pub used: Vec<u32>,
    /// The totals left out (lowest, then highest) by a trimmed mean.
    pub dropped: Vec<u32>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RubricError {
    #[error("评分细则文件格式错误：{0}")]
    Toml(String),
    #[error("评分细则缺少{0}")]
    Missing(&'static str),
    #[error("编号“{0}”重复")]
    DuplicateId(String),
    #[error("“{name}”的满分须大于 0")]
    ZeroMax { name: String },
    #[error("维度“{name}”至少要有一条评分细则")]
    NoCriteria { name: String },
    #[error("维度“{name}”满分 {max} 分，但各细则满分之和为 {sum} 分")]
    CriteriaSum { name: String, max: u32, sum: u32 },
    #[error("总分 {total} 分，但各维度满分之和为 {sum} 分")]
    DimensionSum { total: u32, sum: u32 },
    #[error("未知的合成规则“{0}”（可选 mean、median、trimmed_mean）")]
    UnknownRule(String),
    #[error("去掉最高分和最低分至少需要 3 位专家，trim_from 为 {0}")]
    TrimTooSmall(usize),
    #[error("最少专家人数须至少为 1 人")]
    NoExperts,
    #[error("通过分数 {pass} 分超过总分 {total} 分")]
    PassAboveTotal { pass: u32, total: u32 },
    #[error("第 {0} 个星级档须为 1–5 星，分数线不超过总分")]
    BadBand(usize),
    #[error("第 {0} 个星级档须比上一档分数更高、星数更多")]
    BandsNotAscending(usize),
    #[error("评分表中有未知的细则“{0}”")]
    UnknownCriterion(String),
    #[error("缺少细则“{name}”的评分")]
    MissingScore { id: String, name: String },
    #[error("细则“{name}”得 {points} 分，超过满分 {max} 分")]
    AboveMax { id: String, name: String, points: u32, max: u32 },
    #[error("至少需要 {need} 位专家的评分，目前只有 {have} 位")]
    TooFewExperts { have: usize, need: usize },
    #[error("专家评分合计 {points} 分，超过总分 {total} 分")]
    TotalAboveMax { points: u32, total: u32 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    id: String,
    version: u32,
    name: String,
    source: String,
    total: u32,
    combine: RawCombine,
    #[serde(default)]
    stars: Vec<StarBand>,
    dimensions: Vec<RubricDimension>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCombine {
    rule: String,
    trim_from: Option<usize>,
    min_experts: usize,
    pass_score: u32,
}

impl Rubric {
    /// Parses and validates a rubric file; the error names the first problem found.
    pub fn from_toml(text: &str) -> Result<Rubric, RubricError> {
        let raw: RawRubric = toml::from_str(text).map_err(|e| RubricError::Toml(e.message().to_owned()))?;
        for (value, what) in [(&raw.id, "编号 id"), (&raw.name, "名称 name")] {
            if value.trim().is_empty() {
                return Err(RubricError::Missing(what));
            }
        }
        check_dimensions(&raw.dimensions, raw.total)?;
        let rule = CombineRule::parse(raw.combine.rule.trim()).ok_or(RubricError::UnknownRule(raw.combine.rule))?;
        let trim_from = match (rule, raw.combine.trim_from) {
            (CombineRule::TrimmedMean, None) => return Err(RubricError::Missing("合成规则 trimmed_mean 的 trim_from")),
            (CombineRule::TrimmedMean, Some(n)) if n < 3 => return Err(RubricError::TrimTooSmall(n)),
            (_, n) => n.unwrap_or(0),
        };
        if raw.combine.min_experts == 0 {
            return Err(RubricError::NoExperts);
        }
        if raw.combine.pass_score > raw.total {
            return Err(RubricError::PassAboveTotal { pass: raw.combine.pass_score, total: raw.total });
        }
        check_bands(&raw.stars, raw.total)?;
        Ok(Rubric {
            id: raw.id,
            version: raw.version,
            name: raw.name,
            source: raw.source,
            total: raw.total,
            rule,
            trim_from,
            min_experts: raw.combine.min_experts,
            pass_score: raw.combine.pass_score,
            stars: raw.stars,
            dimensions: raw.dimensions,
        })
    }

    /// The rubric shipped with the platform (`provider-2024`).
    pub fn builtin() -> Result<Rubric, RubricError> {
        Rubric::from_toml(BUILTIN_TOML)
    }

    /// Every shipped rubric, the default first; ids are unique across the set.
    pub fn builtin_set() -> Result<Vec<Rubric>, RubricError> {
        let mut out: Vec<Rubric> = Vec::new();
        for (file, text) in BUILTIN_SET {
            let r = Rubric::from_toml(text).map_err(|e| RubricError::Toml(format!("{file}: {e}")))?;
            if out.iter().any(|o| o.id == r.id) {
                return Err(RubricError::DuplicateId(r.id));
            }
            out.push(r);
        }
        Ok(out)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The full marks of a sheet (100 for the 2024 rubric).
    pub fn total(&self) -> u32 {
        self.total
    }

    pub fn dimensions(&self) -> &[RubricDimension] {
        &self.dimensions
    }

    /// Every criterion, dimension by dimension, in file order.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.dimensions.iter().flat_map(|d| d.criteria.iter())
    }

    pub fn rule(&self) -> CombineRule {
        self.rule
    }

    /// From how many totals a trimmed mean drops the extremes (0 for other rules).
    pub fn trim_from(&self) -> usize {
        self.trim_from
    }

    pub fn min_experts(&self) -> usize {
        self.min_experts
    }

    pub fn pass_score(&self) -> u32 {
        self.pass_score
    }

    pub fn star_bands(&self) -> &[StarBand] {
        &self.stars
    }

    /// Validates one expert's scores (criterion id -> points, whole points 0..=max, every criterion
    /// present, no unknown ids) and returns the sheet total.
    pub fn score_sheet(&self, scores: &BTreeMap<String, u32>) -> Result<u32, RubricError> {
        if let Some(unknown) = scores.keys().find(|k| !self.criteria().any(|c| &c.id == *k)) {
            return Err(RubricError::UnknownCriterion(unknown.clone()));
        }
        let mut sum = 0u32;
        for c in self.criteria() {
            let points = *scores
                .get(&c.id)
                .ok_or_else(|| RubricError::MissingScore { id: c.id.clone(), name: c.name.clone() })?;
            if points > c.max {
                return Err(RubricError::AboveMax { id: c.id.clone(), name: c.name.clone(), points, max: c.max });
            }
            // Cannot overflow: the maxima add up to `total`, a u32.
            sum += points;
        }
        Ok(sum)
    }

    /// Combines sheet totals by the configured rule. Result in hundredths of a point (i64) to stay
    /// exact (e.g. mean of 81,82 = 8150). Err if fewer than min_experts totals.
    pub fn combine(&self, totals: &[u32]) -> Result<Combined, RubricError> {
        if totals.len() < self.min_experts {
            return Err(RubricError::TooFewExperts { have: totals.len(), need: self.min_experts });
        }
        if let Some(&points) = totals.iter().find(|&&t| t > self.total) {
            return Err(RubricError::TotalAboveMax { points, total: self.total });
        }
        let mut sorted = totals.to_vec();
        sorted.sort_unstable();
        let trim = self.rule == CombineRule::TrimmedMean && sorted.len() >= self.trim_from;
        let (used, dropped) = match (trim, sorted.first(), sorted.last()) {
            (true, Some(&lo), Some(&hi)) => (sorted[1..sorted.len() - 1].to_vec(), vec![lo, hi]),
            _ => (sorted.clone(), Vec::new()),
        };
        let hundredths = match self.rule {
            CombineRule::Median => median_hundredths(&used),
            CombineRule::Mean | CombineRule::TrimmedMean => mean_hundredths(&used),
        };
        let passed = hundredths >= i64::from(self.pass_score) * 100;
        let stars = self.stars(hundredths);
        let explanation = self.explain(&sorted, &dropped, hundredths, passed, stars);
        Ok(Combined { hundredths, passed, stars, rule: self.rule.code().to_owned(), used, dropped, explanation })
    }

    /// The stars of the highest band reached; 0 below the lowest band.
    pub fn stars(&self, combined_hundredths: i64) -> u8 {
        self.stars.iter().rev().find(|b| i64::from(b.min) * 100 <= combined_hundredths).map_or(0, |b| b.stars)
    }

    fn explain(&self, sorted: &[u32], dropped: &[u32], hundredths: i64, passed: bool, stars: u8) -> String {
        let list: Vec<String> = sorted.iter().map(u32::to_string).collect();
        let mut s = format!("{} 位专家评分 {}，", sorted.len(), list.join("、"));
        let value = points_text(hundredths);
        match (self.rule, dropped) {
            (CombineRule::Median, _) => {
                let _ = write!(s, "取中位数 {value} 分");
            }
            (CombineRule::TrimmedMean, [lo, hi]) => {
                let _ = write!(s, "去掉最高分 {hi} 和最低分 {lo}，平均 {value} 分");
            }
            (CombineRule::TrimmedMean, _) => {
                let _ = write!(s, "不足 {} 位不去掉最高分和最低分，平均 {value} 分", self.trim_from);
            }
            (CombineRule::Mean, _) => {
                let _ = write!(s, "平均 {value} 分");
            }
        }
        if passed {
            let _ = write!(s, "（≥{} 分通过）", self.pass_score);
        } else {
            let _ = write!(s, "（低于 {} 分，未通过）", self.pass_score);
        }
        if stars > 0 {
            let _ = write!(s, "，评为 {stars} 星");
        } else {
            s.push_str("，未达星级");
        }
        s
    }
}

fn check_dimensions(dimensions: &[RubricDimension], total: u32) -> Result<(), RubricError> {
    let mut ids = BTreeSet::new();
    let mut sum = 0u64;
    for d in dimensions {
        check_item(&mut ids, &d.id, &d.name, d.max)?;
        if d.criteria.is_empty() {
            return Err(RubricError::NoCriteria { name: d.name.clone() });
        }
        let mut inner = 0u64;
        for c in &d.criteria {
            check_item(&mut ids, &c.id, &c.name, c.max)?;
            inner += u64::from(c.max);
        }
        if inner != u64::from(d.max) {
            let sum = u32::try_from(inner).unwrap_or(u32::MAX);
            return Err(RubricError::CriteriaSum { name: d.name.clone(), max: d.max, sum });
        }
        sum += inner;
    }
    if sum != u64::from(total) {
        return Err(RubricError::DimensionSum { total, sum: u32::try_from(sum).unwrap_or(u32::MAX) });
    }
    Ok(())
}

/// One dimension or criterion: a non-empty id unique across the whole rubric, a name, max > 0.
fn check_item(ids: &mut BTreeSet<String>, id: &str, name: &str, max: u32) -> Result<(), RubricError> {
    if id.trim().is_empty() {
        return Err(RubricError::Missing("维度或细则的编号 id"));
    }
    if name.trim().is_empty() {
        return Err(RubricError::Missing("维度或细则的名称 name"));
    }
    if !ids.insert(id.to_owned()) {
        return Err(RubricError::DuplicateId(id.to_owned()));
    }
    if max == 0 {
        return Err(RubricError::ZeroMax { name: name.to_owned() });
    }
    Ok(())
}

/// Bands must rise in both score and stars, so "the highest matching band" is also the best.
fn check_bands(bands: &[StarBand], total: u32) -> Result<(), RubricError> {
    for (i, b) in bands.iter().enumerate() {
        if !(1..=5).contains(&b.stars) || b.min > total {
            return Err(RubricError::BadBand(i + 1));
        }
        if i > 0 && bands.get(i - 1).is_some_and(|p| p.min >= b.min || p.stars >= b.stars) {
            return Err(RubricError::BandsNotAscending(i + 1));
        }
    }
    Ok(())
}

/// The mean in hundredths, rounded half up. Empty input is 0 (never reached: min_experts ≥ 1).
fn mean_hundredths(values: &[u32]) -> i64 {
    let n = i64::try_from(values.len()).unwrap_or(i64::MAX);
    if n == 0 {
        return 0;
    }
    let sum: i64 = values.iter().map(|&v| i64::from(v)).sum();
    (sum * 200 + n) / (2 * n)
}

/// The median in hundredths; for an even count the mean of the two middle values (exact).
fn median_hundredths(sorted: &[u32]) -> i64 {
    let n = sorted.len();
    match (sorted.get((n.saturating_sub(1)) / 2), sorted.get(n / 2)) {
        (Some(&a), Some(&b)) => (i64::from(a) + i64::from(b)) * 50,
        _ => 0,
    }
}

/// Hundredths of a point as "82.33".
fn points_text(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn builtin() -> Rubric {
        Rubric::builtin().expect("shipped rubric is valid")
    }

    fn with_rule(rule: &str) -> Rubric {
        let text = BUILTIN_TOML.replace("rule = \"trimmed_mean\"", &format!("rule = \"{rule}\""));
        Rubric::from_toml(&text).expect("rule swapped")
    }

    #[test]
    fn the_shipped_set_has_the_five_dimension_capability_model() {
        let set = Rubric::builtin_set().unwrap();
        assert_eq!(set.iter().map(Rubric::id).collect::<Vec<_>>(), ["provider-2024", "capability-2023"]);
        let five = &set[1];
        let dims: Vec<&str> = five.dimensions().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(dims, ["经营能力", "技术能力", "服务能力", "资源整合能力", "创新推广能力"]);
        assert_eq!(five.total(), 100);
        let full = full_marks(five);
        assert_eq!(five.score_sheet(&full), Ok(100));
        assert!(matches!(set[0].score_sheet(&full), Err(RubricError::UnknownCriterion(_))), "sheets do not mix");
    }

    #[test]
    fn builtin_rubric_loads() {
        let r = builtin();
        assert_eq!((r.id(), r.version(), r.total()), ("provider-2024", 1, 100));
        assert_eq!(r.name(), "服务商评审评分细则（2024）");
        assert!(r.source().contains("厦门"));
        let dims: Vec<(&str, u32)> = r.dimensions().iter().map(|d| (d.name.as_str(), d.max)).collect();
        assert_eq!(dims, vec![("服务企业情况", 25), ("产品服务能力", 25), ("工作实效评价", 30), ("综合服务能力", 20)]);
        assert!(r.dimensions().iter().all(|d| (2..=4).contains(&d.criteria.len())));
        assert!(r.criteria().all(|c| !c.guide.is_empty()));
        assert_eq!((r.min_experts(), r.pass_score(), r.rule(), r.trim_from()), (3, 60, CombineRule::TrimmedMean, 5));
        assert_eq!(r.star_bands().len(), 5);
    }

    #[test]
    fn invalid_rubrics_are_rejected_with_the_problem_named() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "max = 10\nguide = \"近两年",
                "max = 11\nguide = \"近两年",
                "维度“服务企业情况”满分 25 分，但各细则满分之和为 26 分",
            ),
            ("id = \"served_cases\"", "id = \"served_count\"", "编号“served_count”重复"),
            ("max = 7\nguide = \"可复制", "max = 0\nguide = \"可复制", "“典型案例”的满分须大于 0"),
            ("total = 100", "total = 90", "总分 90 分，但各维度满分之和为 100 分"),
            ("rule = \"trimmed_mean\"", "rule = \"mode\"", "未知的合成规则“mode”（可选 mean、median、trimmed_mean）"),
            ("trim_from = 5", "trim_from = 2", "去掉最高分和最低分至少需要 3 位专家，trim_from 为 2"),
            ("min_experts = 3", "min_experts = 0", "最少专家人数须至少为 1 人"),
            ("pass_score = 60", "pass_score = 101", "通过分数 101 分超过总分 100 分"),
            ("min = 80\nstars = 3", "min = 70\nstars = 3", "第 3 个星级档须比上一档分数更高、星数更多"),
            ("min = 95\nstars = 5", "min = 95\nstars = 6", "第 5 个星级档须为 1–5 星，分数线不超过总分"),
        ];
        for (from, to, message) in cases {
            assert!(BUILTIN_TOML.contains(from), "fixture {from}");
            let err = Rubric::from_toml(&BUILTIN_TOML.replacen(from, to, 1)).unwrap_err();
            assert_eq!(err.to_string(), *message);
        }
        let err = Rubric::from_toml("id = 1").unwrap_err();
        assert!(matches!(err, RubricError::Toml(_)), "{err:?}");
        let err = Rubric::from_toml(&BUILTIN_TOML.replace("trim_from = 5\n", "")).unwrap_err();
        assert_eq!(err, RubricError::Missing("合成规则 trimmed_mean 的 trim_from"));
        let err = Rubric::from_toml(&format!("{BUILTIN_TOML}\nextra = 1\n")).unwrap_err();
        assert!(matches!(err, RubricError::Toml(_)), "unknown keys are refused: {err:?}");
    }

    fn full_marks(r: &Rubric) -> BTreeMap<String, u32> {
        r.criteria().map(|c| (c.id.clone(), c.max)).collect()
    }

    #[test]
    fn sheets_are_checked_and_summed() {
        let r = builtin();
        let mut sheet = full_marks(&r);
        assert_eq!(r.score_sheet(&sheet), Ok(100));
        sheet.insert("served_count".into(), 4);
        assert_eq!(r.score_sheet(&sheet), Ok(94));
        sheet.insert("team".into(), 9);
        assert_eq!(r.score_sheet(&sheet).unwrap_err().to_string(), "细则“专业团队”得 9 分，超过满分 8 分");
        sheet.insert("team".into(), 0);
        sheet.remove("benefit");
        assert_eq!(r.score_sheet(&sheet).unwrap_err().to_string(), "缺少细则“降本提质增效”的评分");
        sheet.insert("benefit".into(), 1);
        sheet.insert("luck".into(), 1);
        assert_eq!(r.score_sheet(&sheet).unwrap_err().to_string(), "评分表中有未知的细则“luck”");
    }

    #[test]
    fn trimmed_mean_drops_the_extremes() {
        let c = builtin().combine(&[93, 80, 71, 85, 82]).unwrap();
        assert_eq!(c.hundredths, 8233);
        assert_eq!((c.passed, c.stars, c.rule.as_str()), (true, 3, "trimmed_mean"));
        assert_eq!(c.used, vec![80, 82, 85]);
        assert_eq!(c.dropped, vec![71, 93]);
        assert_eq!(
            c.explanation,
            "5 位专家评分 71、80、82、85、93，去掉最高分 93 和最低分 71，平均 82.33 分（≥60 分通过），评为 3 星"
        );
    }

    #[test]
    fn too_few_for_trimming_is_a_plain_mean() {
        let c = builtin().combine(&[81, 82, 50, 90]).unwrap();
        // (81 + 82 + 50 + 90) / 4 = 75.75
        assert_eq!((c.hundredths, c.stars, c.dropped.len()), (7575, 2, 0));
        assert_eq!(
            c.explanation,
            "4 位专家评分 50、81、82、90，不足 5 位不去掉最高分和最低分，平均 75.75 分（≥60 分通过），评为 2 星"
        );
    }

    #[test]
    fn mean_rounds_half_up_and_median_is_exact() {
        let mean = with_rule("mean");
        assert_eq!(mean.combine(&[81, 82, 82]).unwrap().hundredths, 8167); // 81.666…
        assert_eq!(mean.combine(&[81, 81, 82]).unwrap().hundredths, 8133); // 81.333…
        // 1/8 point = 12.5 hundredths, rounded half up.
        assert_eq!(mean.combine(&[0, 0, 0, 0, 0, 0, 0, 1]).unwrap().hundredths, 13);
        let c = mean.combine(&[50, 55, 59]).unwrap();
        assert_eq!(c.hundredths, 5467);
        assert!(!c.passed);
        assert_eq!(c.explanation, "3 位专家评分 50、55、59，平均 54.67 分（低于 60 分，未通过），未达星级");
        let median = with_rule("median");
        assert_eq!(median.combine(&[81, 99, 82, 10]).unwrap().hundredths, 8150);
        let c = median.combine(&[60, 95, 70]).unwrap();
        assert_eq!(c.hundredths, 7000);
        assert_eq!(c.explanation, "3 位专家评分 60、70、95，取中位数 70.00 分（≥60 分通过），评为 2 星");
    }

    #[test]
    fn combine_refuses_too_few_or_impossible_totals() {
        let r = builtin();
        assert_eq!(r.combine(&[80, 90]).unwrap_err().to_string(), "至少需要 3 位专家的评分，目前只有 2 位");
        assert_eq!(r.combine(&[]), Err(RubricError::TooFewExperts { have: 0, need: 3 }));
        assert_eq!(r.combine(&[80, 90, 101]), Err(RubricError::TotalAboveMax { points: 101, total: 100 }));
    }

    #[test]
    fn star_bands() {
        let r = builtin();
        for (h, s) in [(0, 0), (5999, 0), (6000, 1), (6999, 1), (7000, 2), (8000, 3), (9499, 4), (9500, 5), (10000, 5)]
        {
            assert_eq!(r.stars(h), s, "{h}");
        }
    }

    proptest! {
        #[test]
        fn combined_lies_between_min_and_max(totals in proptest::collection::vec(0u32..=100, 3..12), rule in 0usize..3) {
            let r = with_rule(["mean", "median", "trimmed_mean"][rule]);
            let c = r.combine(&totals).unwrap();
            let lo = i64::from(*totals.iter().min().unwrap()) * 100;
            let hi = i64::from(*totals.iter().max().unwrap()) * 100;
            prop_assert!(lo <= c.hundredths && c.hundredths <= hi, "{:?} -> {}", totals, c.hundredths);
            prop_assert_eq!(c.used.len() + c.dropped.len(), totals.len());
            prop_assert_eq!(c.passed, c.hundredths >= 6000);
        }

        #[test]
        fn trimmed_mean_ignores_one_extreme_outlier(
            base in proptest::collection::vec(40u32..=90, 4..10),
            outlier_high in any::<bool>(),
        ) {
            let r = builtin();
            let outlier = if outlier_high { 100 } else { 0 };
            let mut with = base.clone();
            with.push(outlier);
            let mut tamer = base.clone();
            tamer.push(if outlier_high { 91 } else { 39 });
            // An outlier beyond every other score counts no more than a score just beyond them.
            prop_assert_eq!(r.combine(&with).unwrap().hundredths, r.combine(&tamer).unwrap().hundredths);
        }

        #[test]
        fn stars_are_monotone(a in 0i64..=10_000, b in 0i64..=10_000) {
            let r = builtin();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(r.stars(lo) <= r.stars(hi));
        }

        #[test]
        fn any_valid_sheet_sums_to_its_points(seed in proptest::collection::vec(0u32..=12, 12)) {
            let r = builtin();
            let sheet: BTreeMap<String, u32> =
                r.criteria().zip(seed.iter().cycle()).map(|(c, &p)| (c.id.clone(), p.min(c.max))).collect();
            let expected: u32 = sheet.values().sum();
            prop_assert_eq!(r.score_sheet(&sheet), Ok(expected));
        }
    }
}
