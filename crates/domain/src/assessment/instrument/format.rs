//! The instrument file's format: the TOML shape as written, and the problems found in a file,
//! each named by its place.

use std::fmt;

use serde::Deserialize;

use crate::assessment::decimal::Decimal;

/// One problem in an instrument file, at a place written as the path of TOML keys
/// (`dimensions[0].sub_dimensions[1].indicators[0].questions[0].options[2]`) or a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentProblem {
    pub place: String,
    pub message: String,
}

/// Every problem found in one file; each line of the display names the file and the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InstrumentError {
    pub file: String,
    pub problems: Vec<InstrumentProblem>,
}

impl InstrumentError {
    pub(super) fn single(file: &str, place: &str, message: String) -> InstrumentError {
        InstrumentError {
            file: file.to_owned(),
            problems: vec![InstrumentProblem { place: place.to_owned(), message }],
        }
    }

    /// The problems as "file: place: message" lines.
    pub fn lines(&self) -> Vec<String> {
        self.problems.iter().map(|p| format!("{}: {}: {}", self.file, p.place, p.message)).collect()
    }
}

impl fmt::Display for InstrumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

// ───────────────────────────── file format ─────────────────────────────

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InstrumentDef {
    pub(super) id: String,
    pub(super) version: u32,
    pub(super) edition: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) document: String,
    #[serde(default)]
    pub(super) industries: Vec<String>,
    pub(super) total_points: Decimal,
    pub(super) scene_dimension: Option<String>,
    #[serde(default)]
    pub(super) source: String,
    #[serde(default)]
    pub(super) inputs: Vec<InputDef>,
    #[serde(default)]
    pub(super) dimensions: Vec<DimensionDef>,
    #[serde(default)]
    pub(super) scene_groups: Vec<SceneGroupDef>,
    #[serde(default)]
    pub(super) scenes: Vec<SceneDef>,
    pub(super) level_rule: LevelRuleDef,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InputDef {
    pub(super) id: String,
    pub(super) label: String,
    #[serde(default)]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) integer: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DimensionDef {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) points: Option<Decimal>,
    #[serde(default)]
    pub(super) direct_entry: bool,
    #[serde(default)]
    pub(super) sub_dimensions: Vec<SubDimensionDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SubDimensionDef {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) points: Decimal,
    #[serde(default)]
    pub(super) indicators: Vec<IndicatorDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndicatorDef {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) points: Decimal,
    #[serde(default)]
    pub(super) questions: Vec<QuestionDef>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum KindName {
    Single,
    Multiple,
    Ratio,
}

/// Flat on purpose: a field that does not fit the kind gets a message naming its place, which an
/// internally tagged serde enum would not give.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QuestionDef {
    pub(super) id: String,
    pub(super) title: Option<String>,
    pub(super) kind: KindName,
    pub(super) text: String,
    pub(super) points: Decimal,
    #[serde(default)]
    pub(super) options: Vec<OptionDef>,
    pub(super) numerator: Option<String>,
    pub(super) denominator: Option<String>,
    #[serde(default)]
    pub(super) bands: Vec<BandDef>,
    #[serde(default)]
    pub(super) evidence_inputs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OptionDef {
    pub(super) id: String,
    pub(super) text: String,
    pub(super) points: Decimal,
    #[serde(default)]
    pub(super) exclusive: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BandDef {
    pub(super) up_to_percent: Decimal,
    pub(super) points: Decimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SceneGroupDef {
    pub(super) id: String,
    pub(super) name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SceneDef {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) group: String,
    pub(super) binding: bool,
    pub(super) ladder: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LevelRuleDef {
    pub(super) basis: String,
    pub(super) levels: Vec<LevelRowDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LevelRowDef {
    pub(super) rank: u8,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) min_score: Decimal,
    pub(super) scenes: Option<SceneConditionDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SceneConditionDef {
    pub(super) at_least: u8,
    pub(super) count: u32,
    pub(super) binding: u32,
}
