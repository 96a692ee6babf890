//! The validated instrument (评测指标版本): dimensions → sub-dimensions → indicators → questions, the
//! raw inputs behind banded questions, the business scenes with their L1–L4 ladders, and the level
//! rule. Only `load` builds these, so their invariants hold everywhere downstream.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::assessment::decimal::Decimal;

/// A scene's digital level: 0 (未开展) or L1–L4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(into = "u8", try_from = "u8")]
pub enum SceneLevel {
    None,
    L1,
    L2,
    L3,
    L4,
}

impl SceneLevel {
    pub const ALL: [SceneLevel; 5] = [SceneLevel::None, SceneLevel::L1, SceneLevel::L2, SceneLevel::L3, SceneLevel::L4];

    pub fn from_u8(n: u8) -> Option<SceneLevel> {
        SceneLevel::ALL.get(usize::from(n)).copied()
    }

    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The next rung up, or `None` at L4.
    pub fn next(self) -> Option<SceneLevel> {
        SceneLevel::from_u8(self.as_u8() + 1)
    }
}

impl From<SceneLevel> for u8 {
    fn from(l: SceneLevel) -> u8 {
        l.as_u8()
    }
}

impl TryFrom<u8> for SceneLevel {
    type Error = String;
    fn try_from(n: u8) -> Result<SceneLevel, String> {
        SceneLevel::from_u8(n).ok_or_else(|| format!("场景等级须为 0–4，收到 {n}"))
    }
}

impl fmt::Display for SceneLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SceneLevel::None => f.write_str("未开展"),
            l => write!(f, "L{}", l.as_u8()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Input {
    pub id: String,
    pub label: String,
    pub unit: String,
    /// Counts (equipment, staff) must be whole numbers.
    pub integer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dimension {
    pub id: String,
    pub name: String,
    pub kind: DimensionKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DimensionKind {
    /// Scored from questions; `points` is the dimension's maximum.
    Questions { points: Decimal, sub_dimensions: Vec<SubDimension> },
    /// The score is entered directly (the 2022 rule, whose item tables were not obtained).
    /// `max_points` is `None` when the source does not say how the total splits.
    DirectEntry { max_points: Option<Decimal> },
}

impl Dimension {
    pub fn max_points(&self) -> Option<Decimal> {
        match &self.kind {
            DimensionKind::Questions { points, .. } => Some(*points),
            DimensionKind::DirectEntry { max_points } => *max_points,
        }
    }

    pub fn sub_dimensions(&self) -> &[SubDimension] {
        match &self.kind {
            DimensionKind::Questions { sub_dimensions, .. } => sub_dimensions,
            DimensionKind::DirectEntry { .. } => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubDimension {
    pub id: String,
    pub name: String,
    pub points: Decimal,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub points: Decimal,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: String,
    /// Short name for messages; defaults to the indicator's name.
    pub title: String,
    pub text: String,
    pub points: Decimal,
    pub kind: QuestionKind,
    /// Raw figures recorded with the answer as evidence; they do not change the score.
    pub evidence_inputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum QuestionKind {
    /// Exactly one option; the score is that option's points.
    Single { options: Vec<ChoiceOption> },
    /// One or more options, points summed; an exclusive option (“无”) stands alone.
    Multiple { options: Vec<ChoiceOption> },
    /// The band, and so the points, follow from two raw inputs.
    Ratio(RatioSpec),
}

impl QuestionKind {
    pub fn options(&self) -> &[ChoiceOption] {
        match self {
            QuestionKind::Single { options } | QuestionKind::Multiple { options } => options,
            QuestionKind::Ratio(_) => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceOption {
    pub id: String,
    pub text: String,
    pub points: Decimal,
    pub exclusive: bool,
}

/// numerator ÷ denominator as a percentage, placed in bands `[0, b0], (b0, b1], …, (bn-1, 100]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatioSpec {
    pub numerator: String,
    pub denominator: String,
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Band {
    /// Inclusive upper bound in percent.
    pub up_to_percent: Decimal,
    pub points: Decimal,
}

impl RatioSpec {
    /// The band holding numerator ÷ denominator, compared exactly (no division), or `None` when the
    /// denominator is not positive or the ratio exceeds the last band.
    pub fn band_index(&self, numerator: Decimal, denominator: Decimal) -> Option<usize> {
        if denominator.thousandths() <= 0 || numerator.is_negative() {
            return None;
        }
        // ratio% ≤ bound  ⇔  num × 100 ≤ bound × den; both sides in thousandths².
        let lhs = i128::from(numerator.thousandths()) * 100;
        self.bands.iter().position(|b| {
            lhs * 1000 <= i128::from(b.up_to_percent.thousandths()) * i128::from(denominator.thousandths())
        })
    }

    /// The smallest whole numerator that lifts the ratio above band `band`'s upper bound.
    pub fn min_whole_numerator_above(&self, band: usize, denominator: Decimal) -> Option<i64> {
        let bound = self.bands.get(band)?.up_to_percent.thousandths();
        // n × 1000 × 100 × 1000 > bound × den  ⇔  n > bound × den / 10^8.
        let threshold = i128::from(bound) * i128::from(denominator.thousandths()) / 100_000_000;
        i64::try_from(threshold + 1).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SceneGroup {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scene {
    pub id: String,
    pub name: String,
    pub group: String,
    /// 约束性场景: counted separately by the level rule.
    pub binding: bool,
    /// Descriptions of L1, L2, L3, L4.
    pub ladder: [String; 4],
}

impl Scene {
    pub fn ladder_text(&self, level: SceneLevel) -> Option<&str> {
        let i = usize::from(level.as_u8()).checked_sub(1)?;
        self.ladder.get(i).map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelRule {
    /// Which source or interpretation the rule follows.
    pub basis: String,
    /// Ascending by rank (一级 first). Each row is at least as strict as the one below it, so
    /// "the highest row that holds" and "every row up to it holds" give the same level.
    pub levels: Vec<LevelRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelRow {
    pub rank: u8,
    pub name: String,
    pub description: Option<String>,
    /// Inclusive: a score equal to the threshold qualifies.
    pub min_score: Decimal,
    pub scenes: Option<SceneCondition>,
}

/// At least `count` scenes at `at_least` or above, of which at least `binding` are binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SceneCondition {
    pub at_least: SceneLevel,
    pub count: u32,
    pub binding: u32,
}

/// A validated instrument version. Fields are private to this module and `load`: the only way to get one is
/// [`Instrument::from_toml`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instrument {
    pub(super) file_name: String,
    pub(super) id: String,
    pub(super) version: u32,
    pub(super) edition: String,
    pub(super) name: String,
    pub(super) document: String,
    pub(super) industries: Vec<String>,
    pub(super) total_points: Decimal,
    pub(super) scene_dimension: Option<String>,
    pub(super) source: String,
    pub(super) inputs: Vec<Input>,
    pub(super) dimensions: Vec<Dimension>,
    pub(super) scene_groups: Vec<SceneGroup>,
    pub(super) scenes: Vec<Scene>,
    pub(super) level_rule: LevelRule,
    pub(super) fingerprint: String,
}

impl Instrument {
    pub fn file_name(&self) -> &str {
        &self.file_name
    }
    /// Stable key recorded with every result, e.g. "mfg-2024".
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Data revision of this id; a correction ships as a new version, never as an edit.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// The official edition, e.g. "2024".
    pub fn edition(&self) -> &str {
        &self.edition
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn document(&self) -> &str {
        &self.document
    }
    /// GB/T 4754-2017 门类 letters; empty means every industry.
    pub fn industries(&self) -> &[String] {
        &self.industries
    }
    pub fn applies_to_section(&self, section: char) -> bool {
        self.industries.is_empty() || self.industries.iter().any(|s| s.starts_with(section))
    }
    pub fn total_points(&self) -> Decimal {
        self.total_points
    }
    /// Name of the dimension judged by scenes instead of points (数字化经营 in 2024).
    pub fn scene_dimension(&self) -> Option<&str> {
        self.scene_dimension.as_deref()
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dimensions
    }
    pub fn scene_groups(&self) -> &[SceneGroup] {
        &self.scene_groups
    }
    pub fn scenes(&self) -> &[Scene] {
        &self.scenes
    }
    pub fn level_rule(&self) -> &LevelRule {
        &self.level_rule
    }
    /// SM3 of the file text (line endings normalised): proves which rules produced a result and
    /// detects a file edited after use.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Every question in file order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.dimensions
            .iter()
            .flat_map(Dimension::sub_dimensions)
            .flat_map(|s| &s.indicators)
            .flat_map(|i| &i.questions)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    pub fn input(&self, id: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.id == id)
    }

    pub fn scene(&self, id: &str) -> Option<&Scene> {
        self.scenes.iter().find(|s| s.id == id)
    }
}
