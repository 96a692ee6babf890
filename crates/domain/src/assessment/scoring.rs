//! Scoring (评分): answers to an instrument → points at every level of the tree, scene levels,
//! the final level and the trace that explains it.
//!
//! [`score`] is a pure function over exact decimals. It first checks the answers against the
//! instrument and reports every problem at once, in Chinese, so a form can show them together;
//! nothing missing is silently scored as zero.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;
use super::instrument::{Dimension, DimensionKind, Instrument, Question, QuestionKind, SceneLevel};
use super::level::{self, Level, LevelCheck};

/// An enterprise's answers, keyed by the instrument's ids. Stored as given, so a result can be
/// recomputed and an on-site assessor can recheck the raw figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Question id → selected option ids (one for a single choice).
    #[serde(default)]
    pub choices: BTreeMap<String, Vec<String>>,
    /// Input id → raw figure (equipment counts, 万元 amounts).
    #[serde(default)]
    pub inputs: BTreeMap<String, Decimal>,
    /// Scene id → level 0–4 (0 = 未开展).
    #[serde(default)]
    pub scenes: BTreeMap<String, u8>,
    /// Dimension id → score, for dimensions whose score is entered directly.
    #[serde(default)]
    pub dimension_scores: BTreeMap<String, Decimal>,
}

impl Answers {
    pub fn new() -> Answers {
        Answers::default()
    }

    pub fn choose<S: Into<String>>(mut self, question: &str, options: impl IntoIterator<Item = S>) -> Answers {
        self.choices.insert(question.to_owned(), options.into_iter().map(Into::into).collect());
        self
    }

    pub fn input(mut self, id: &str, value: Decimal) -> Answers {
        self.inputs.insert(id.to_owned(), value);
        self
    }

    pub fn scene(mut self, id: &str, level: u8) -> Answers {
        self.scenes.insert(id.to_owned(), level);
        self
    }

    pub fn dimension_score(mut self, id: &str, value: Decimal) -> Answers {
        self.dimension_scores.insert(id.to_owned(), value);
        self
    }
}

/// One problem with the answers. Ids are kept so a form can mark the field; the message is for
/// the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerProblem {
    #[error("“{title}”未作答（不具备时请选择“无”或最低项）")]
    Unanswered { question: String, title: String },
    #[error("“{title}”为单选题，只能选择一个选项（选择了 {count} 个）")]
    TooManyOptions { question: String, title: String, count: usize },
    #[error("“{title}”中的“{exclusive}”不能与其他选项同时选择")]
    ExclusiveCombined { question: String, title: String, exclusive: String },
    #[error("“{title}”没有选项“{option}”")]
    UnknownOption { question: String, title: String, option: String },
    #[error("“{title}”重复选择了选项“{option}”")]
    DuplicateOption { question: String, title: String, option: String },
    #[error("“{title}”按填报数值计算得分，不能直接选择选项")]
    ChoiceForRatio { question: String, title: String },
    #[error("没有编号为“{question}”的题目")]
    UnknownQuestion { question: String },
    #[error("缺少填报项“{label}”")]
    MissingInput { input: String, label: String },
    #[error("没有编号为“{input}”的填报项")]
    UnknownInput { input: String },
    #[error("“{label}”不能为负数（填报 {value}）")]
    NegativeInput { input: String, label: String, value: Decimal },
    #[error("“{label}”须为整数（填报 {value}）")]
    FractionalInput { input: String, label: String, value: Decimal },
    #[error("“{label}”为 0，无法计算“{title}”")]
    ZeroDenominator { question: String, title: String, label: String },
    #[error("“{numerator_label}”（{numerator}）不能大于“{denominator_label}”（{denominator}）")]
    NumeratorAboveDenominator {
        question: String,
        numerator_label: String,
        numerator: Decimal,
        denominator_label: String,
        denominator: Decimal,
    },
    #[error("缺少场景“{name}”的等级")]
    MissingScene { scene: String, name: String },
    #[error("没有编号为“{scene}”的场景")]
    UnknownScene { scene: String },
    #[error("场景“{name}”的等级须为 0–4（填报 {level}）")]
    SceneLevelOutOfRange { scene: String, name: String, level: u8 },
    #[error("缺少维度“{name}”的得分")]
    MissingDimensionScore { dimension: String, name: String },
    #[error("没有可直接录入得分的维度“{dimension}”")]
    UnknownDimension { dimension: String },
    #[error("维度“{name}”的得分 {value} 超出范围（0–{max}）")]
    DimensionScoreOutOfRange { dimension: String, name: String, value: Decimal, max: Decimal },
    #[error("各维度得分之和 {sum} 超过满分 {max}")]
    DimensionSumAboveTotal { sum: Decimal, max: Decimal },
}

/// Every problem found in one set of answers, in instrument order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AnswerError {
    pub problems: Vec<AnswerProblem>,
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("；"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScoreResult {
    /// Which rules produced this result: id, data version and SM3 fingerprint of the file.
    pub instrument_id: String,
    pub instrument_version: u32,
    pub instrument_fingerprint: String,
    pub total: Decimal,
    pub max_total: Decimal,
    pub dimensions: Vec<DimensionScore>,
    pub scenes: Vec<SceneResult>,
    pub level: Level,
    /// One check per level, highest rank first.
    pub checks: Vec<LevelCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DimensionScore {
    pub id: String,
    pub name: String,
    pub points: Decimal,
    /// `None` for a directly entered dimension whose maximum the source does not give.
    pub max_points: Option<Decimal>,
    pub sub_dimensions: Vec<SubDimensionScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubDimensionScore {
    pub id: String,
    pub name: String,
    pub points: Decimal,
    pub max_points: Decimal,
    pub indicators: Vec<IndicatorScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IndicatorScore {
    pub id: String,
    pub name: String,
    pub points: Decimal,
    pub max_points: Decimal,
    pub questions: Vec<QuestionScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QuestionScore {
    pub id: String,
    pub title: String,
    pub points: Decimal,
    pub max_points: Decimal,
    pub answer: ScoredAnswer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
// Inline: a generated client names a shared component's one-of members twice.
#[schemars(inline)]
pub enum ScoredAnswer {
    /// Selected option ids, in the instrument's option order.
    #[schemars(title = "ChoiceAnswer")]
    Choice { selected: Vec<String> },
    /// The raw figures and the band (index into the question's bands) they fall in.
    #[schemars(title = "RatioAnswer")]
    Ratio { numerator: Decimal, denominator: Decimal, band: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SceneResult {
    pub id: String,
    pub name: String,
    pub binding: bool,
    pub level: SceneLevel,
}

impl ScoreResult {
    /// The Chinese explanation of the level: why each higher level was missed, then the result.
    pub fn trace(&self) -> Vec<String> {
        level::trace(&self.level, &self.checks)
    }

    pub fn questions(&self) -> impl Iterator<Item = &QuestionScore> {
        self.dimensions.iter().flat_map(|d| &d.sub_dimensions).flat_map(|s| &s.indicators).flat_map(|i| &i.questions)
    }

    pub fn question(&self, id: &str) -> Option<&QuestionScore> {
        self.questions().find(|q| q.id == id)
    }

    pub fn scene(&self, id: &str) -> Option<&SceneResult> {
        self.scenes.iter().find(|s| s.id == id)
    }

    /// The scenes as (level, binding) pairs, the shape the level rule reads.
    pub fn scene_levels(&self) -> Vec<(SceneLevel, bool)> {
        self.scenes.iter().map(|s| (s.level, s.binding)).collect()
    }
}

/// Scores `answers` against `instrument`. Pure and exact; every answer problem is reported.
pub fn score(instrument: &Instrument, answers: &Answers) -> Result<ScoreResult, AnswerError> {
    let mut p = Problems::default();
    check_unknown_ids(instrument, answers, &mut p);
    check_inputs(instrument, answers, &mut p);

    let dimensions: Vec<DimensionScore> =
        instrument.dimensions().iter().map(|d| score_dimension(instrument, d, answers, &mut p)).collect();
    let total: Decimal = dimensions.iter().map(|d| d.points).sum();
    if total > instrument.total_points() {
        // Only reachable through directly entered dimensions without their own maxima.
        p.push(AnswerProblem::DimensionSumAboveTotal { sum: total, max: instrument.total_points() });
    }

    let scenes: Vec<SceneResult> = instrument
        .scenes()
        .iter()
        .map(|s| {
            let level = match answers.scenes.get(&s.id) {
                None => {
                    p.push(AnswerProblem::MissingScene { scene: s.id.clone(), name: s.name.clone() });
                    SceneLevel::None
                }
                Some(&n) => SceneLevel::from_u8(n).unwrap_or_else(|| {
                    p.push(AnswerProblem::SceneLevelOutOfRange { scene: s.id.clone(), name: s.name.clone(), level: n });
                    SceneLevel::None
                }),
            };
            SceneResult { id: s.id.clone(), name: s.name.clone(), binding: s.binding, level }
        })
        .collect();

    if !p.0.is_empty() {
        return Err(AnswerError { problems: p.0 });
    }
    let pairs: Vec<(SceneLevel, bool)> = scenes.iter().map(|s| (s.level, s.binding)).collect();
    let (level, checks) = level::determine_level(instrument.level_rule(), total, &pairs);
    Ok(ScoreResult {
        instrument_id: instrument.id().to_owned(),
        instrument_version: instrument.version(),
        instrument_fingerprint: instrument.fingerprint().to_owned(),
        total,
        max_total: instrument.total_points(),
        dimensions,
        scenes,
        level,
        checks,
    })
}

#[derive(Default)]
struct Problems(Vec<AnswerProblem>);

impl Problems {
    /// Shared inputs (one equipment total for two ratios) would otherwise be reported twice.
    fn push(&mut self, problem: AnswerProblem) {
        if !self.0.contains(&problem) {
            self.0.push(problem);
        }
    }
}

fn check_unknown_ids(instrument: &Instrument, answers: &Answers, p: &mut Problems) {
    for q in answers.choices.keys() {
        if instrument.question(q).is_none() {
            p.push(AnswerProblem::UnknownQuestion { question: q.clone() });
        }
    }
    for s in answers.scenes.keys() {
        if instrument.scene(s).is_none() {
            p.push(AnswerProblem::UnknownScene { scene: s.clone() });
        }
    }
    for d in answers.dimension_scores.keys() {
        let direct =
            instrument.dimensions().iter().any(|x| &x.id == d && matches!(x.kind, DimensionKind::DirectEntry { .. }));
        if !direct {
            p.push(AnswerProblem::UnknownDimension { dimension: d.clone() });
        }
    }
}

fn check_inputs(instrument: &Instrument, answers: &Answers, p: &mut Problems) {
    for (id, &value) in &answers.inputs {
        let Some(input) = instrument.input(id) else {
            p.push(AnswerProblem::UnknownInput { input: id.clone() });
            continue;
        };
        if value.is_negative() {
            p.push(AnswerProblem::NegativeInput { input: id.clone(), label: input.label.clone(), value });
        } else if input.integer && !value.is_integer() {
            p.push(AnswerProblem::FractionalInput { input: id.clone(), label: input.label.clone(), value });
        }
    }
}

fn score_dimension(instrument: &Instrument, d: &Dimension, answers: &Answers, p: &mut Problems) -> DimensionScore {
    match &d.kind {
        DimensionKind::DirectEntry { max_points } => {
            let points = match answers.dimension_scores.get(&d.id) {
                None => {
                    p.push(AnswerProblem::MissingDimensionScore { dimension: d.id.clone(), name: d.name.clone() });
                    Decimal::ZERO
                }
                Some(&v) => {
                    let max = max_points.unwrap_or(instrument.total_points());
                    if v.is_negative() || v > max {
                        p.push(AnswerProblem::DimensionScoreOutOfRange {
                            dimension: d.id.clone(),
                            name: d.name.clone(),
                            value: v,
                            max,
                        });
                    }
                    v
                }
            };
            DimensionScore {
                id: d.id.clone(),
                name: d.name.clone(),
                points,
                max_points: *max_points,
                sub_dimensions: Vec::new(),
            }
        }
        DimensionKind::Questions { points: max, sub_dimensions } => {
            let subs: Vec<SubDimensionScore> = sub_dimensions
                .iter()
                .map(|s| {
                    let indicators: Vec<IndicatorScore> = s
                        .indicators
                        .iter()
                        .map(|i| {
                            let questions: Vec<QuestionScore> =
                                i.questions.iter().map(|q| score_question(instrument, q, answers, p)).collect();
                            IndicatorScore {
                                id: i.id.clone(),
                                name: i.name.clone(),
                                points: questions.iter().map(|q| q.points).sum(),
                                max_points: i.points,
                                questions,
                            }
                        })
                        .collect();
                    SubDimensionScore {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        points: indicators.iter().map(|i| i.points).sum(),
                        max_points: s.points,
                        indicators,
                    }
                })
                .collect();
            DimensionScore {
                id: d.id.clone(),
                name: d.name.clone(),
                points: subs.iter().map(|s| s.points).sum(),
                max_points: Some(*max),
                sub_dimensions: subs,
            }
        }
    }
}

fn score_question(instrument: &Instrument, q: &Question, answers: &Answers, p: &mut Problems) -> QuestionScore {
    let (points, answer) = match &q.kind {
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
            let multiple = matches!(q.kind, QuestionKind::Multiple { .. });
            let chosen = answers.choices.get(&q.id).map(Vec::as_slice).unwrap_or_default();
            let unanswered = || AnswerProblem::Unanswered { question: q.id.clone(), title: q.title.clone() };
            if chosen.is_empty() {
                p.push(unanswered());
            } else if !multiple && chosen.len() > 1 {
                p.push(AnswerProblem::TooManyOptions {
                    question: q.id.clone(),
                    title: q.title.clone(),
                    count: chosen.len(),
                });
            }
            let mut seen = BTreeSet::new();
            for c in chosen {
                if !options.iter().any(|o| &o.id == c) {
                    p.push(AnswerProblem::UnknownOption {
                        question: q.id.clone(),
                        title: q.title.clone(),
                        option: c.clone(),
                    });
                } else if !seen.insert(c.as_str()) {
                    p.push(AnswerProblem::DuplicateOption {
                        question: q.id.clone(),
                        title: q.title.clone(),
                        option: c.clone(),
                    });
                }
            }
            if seen.len() > 1
                && let Some(ex) = options.iter().find(|o| o.exclusive && seen.contains(o.id.as_str()))
            {
                p.push(AnswerProblem::ExclusiveCombined {
                    question: q.id.clone(),
                    title: q.title.clone(),
                    exclusive: ex.text.clone(),
                });
            }
            let selected: Vec<&_> = options.iter().filter(|o| seen.contains(o.id.as_str())).collect();
            (
                selected.iter().map(|o| o.points).sum(),
                ScoredAnswer::Choice { selected: selected.iter().map(|o| o.id.clone()).collect() },
            )
        }
        QuestionKind::Ratio(spec) => {
            if answers.choices.contains_key(&q.id) {
                p.push(AnswerProblem::ChoiceForRatio { question: q.id.clone(), title: q.title.clone() });
            }
            let value = |id: &str, p: &mut Problems| {
                let label = instrument.input(id).map_or_else(|| id.to_owned(), |i| i.label.clone());
                match answers.inputs.get(id) {
                    Some(&v) => Some((v, label)),
                    None => {
                        p.push(AnswerProblem::MissingInput { input: id.to_owned(), label });
                        None
                    }
                }
            };
            let num = value(&spec.numerator, p);
            let den = value(&spec.denominator, p);
            let mut scored =
                (Decimal::ZERO, ScoredAnswer::Ratio { numerator: Decimal::ZERO, denominator: Decimal::ZERO, band: 0 });
            if let (Some((n, n_label)), Some((d, d_label))) = (num, den) {
                if n.is_negative() || d.is_negative() {
                    // Reported by check_inputs; a negative figure has no band.
                } else if d == Decimal::ZERO {
                    p.push(AnswerProblem::ZeroDenominator {
                        question: q.id.clone(),
                        title: q.title.clone(),
                        label: d_label,
                    });
                } else if n > d {
                    // Loading guarantees the last band ends at 100%, so this is the only way out.
                    p.push(AnswerProblem::NumeratorAboveDenominator {
                        question: q.id.clone(),
                        numerator_label: n_label,
                        numerator: n,
                        denominator_label: d_label,
                        denominator: d,
                    });
                } else if let Some(band) = spec.band_index(n, d)
                    && let Some(b) = spec.bands.get(band)
                {
                    scored = (b.points, ScoredAnswer::Ratio { numerator: n, denominator: d, band });
                }
            }
            scored
        }
    };
    QuestionScore { id: q.id.clone(), title: q.title.clone(), points, max_points: q.points, answer }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::assessment::instrument::builtin_instruments;

    pub(crate) fn mfg() -> Instrument {
        builtin_instruments().unwrap().into_iter().find(|i| i.id() == "mfg-2024").unwrap()
    }

    fn generic() -> Instrument {
        builtin_instruments().unwrap().into_iter().find(|i| i.id() == "generic-2022").unwrap()
    }

    pub(crate) fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    /// The best answer to every question and every scene at `scene_level`.
    pub(crate) fn max_answers(inst: &Instrument, scene_level: u8) -> Answers {
        let mut a = Answers::new()
            .input("total_equipment", d("100"))
            .input("digital_equipment", d("100"))
            .input("networked_equipment", d("100"));
        for q in inst.questions() {
            match &q.kind {
                QuestionKind::Single { options } => {
                    let best = options.iter().max_by_key(|o| o.points).unwrap();
                    a = a.choose(&q.id, [best.id.as_str()]);
                }
                QuestionKind::Multiple { options } => {
                    a = a.choose(&q.id, options.iter().filter(|o| !o.exclusive).map(|o| o.id.as_str()));
                }
                QuestionKind::Ratio(_) => {}
            }
        }
        for s in inst.scenes() {
            a = a.scene(&s.id, scene_level);
        }
        a
    }

    /// The lowest answer everywhere: 无 / the 0-point option, no digital equipment, scenes 未开展.
    pub(crate) fn min_answers(inst: &Instrument) -> Answers {
        let mut a = Answers::new()
            .input("total_equipment", d("50"))
            .input("digital_equipment", d("0"))
            .input("networked_equipment", d("0"));
        for q in inst.questions() {
            if let Some(low) = q.kind.options().iter().min_by_key(|o| o.points) {
                a = a.choose(&q.id, [low.id.as_str()]);
            }
        }
        for s in inst.scenes() {
            a = a.scene(&s.id, 0);
        }
        a
    }

    #[test]
    fn thirteen_links_at_point_seven_score_exactly_nine_point_one() {
        let inst = mfg();
        let thirteen = ["B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N"];
        let a = min_answers(&inst).choose("data_collection", thirteen);
        let r = score(&inst, &a).unwrap();
        let q = r.question("data_collection").unwrap();
        assert_eq!(q.points, d("9.1"));
        assert_eq!(q.points.to_string(), "9.1");
        let sub = &r.dimensions[0].sub_dimensions[1];
        assert_eq!((sub.name.as_str(), sub.points.to_string()), ("数据采集", "9.1".to_owned()));
        assert_eq!(r.total.to_string(), "9.1");
        // With 人力资源 (0.9) as well the indicator is exactly full.
        let all = score(&inst, &a.choose("data_collection", thirteen.iter().copied().chain(["O"]))).unwrap();
        assert_eq!(all.question("data_collection").unwrap().points, Decimal::from_int(10));
    }

    #[test]
    fn best_answers_give_100_points_and_the_top_level() {
        let inst = mfg();
        let r = score(&inst, &max_answers(&inst, 4)).unwrap();
        assert_eq!(r.total, Decimal::from_int(100));
        let dims: Vec<String> = r.dimensions.iter().map(|x| x.points.to_string()).collect();
        assert_eq!(dims, ["50", "30", "20"]);
        assert!(r.questions().all(|q| q.points == q.max_points));
        assert_eq!(r.level, Level { rank: 4, name: "四级".into() });
        assert_eq!(
            r.trace(),
            ["达到四级：得分 100 分（需 ≥80 分）；≥L4 的场景 16 个（需 10 个），其中约束性场景 10 个（需 6 个）"]
        );
        assert_eq!(r.instrument_id, "mfg-2024");
        assert_eq!(r.instrument_fingerprint, inst.fingerprint());
    }

    #[test]
    fn full_points_without_scenes_is_below_level_one() {
        let inst = mfg();
        let r = score(&inst, &max_answers(&inst, 0)).unwrap();
        assert_eq!(r.total, Decimal::from_int(100));
        assert_eq!(r.level.name, "未达一级");
        assert_eq!(r.trace().last().unwrap(), "评定结果：未达一级");
    }

    #[test]
    fn lowest_answers_give_zero_and_no_level() {
        let inst = mfg();
        let r = score(&inst, &min_answers(&inst)).unwrap();
        assert_eq!(r.total, Decimal::ZERO);
        assert!(r.scenes.iter().all(|s| s.level == SceneLevel::None));
        assert_eq!(r.level.rank, 0);
        assert_eq!(
            r.trace()[3],
            "一级未达到：得分 0 分，需 ≥20 分；≥L1 的场景 0 个，需 6 个；≥L1 的约束性场景 0 个，需 3 个"
        );
    }

    #[test]
    fn empty_answers_report_every_missing_item() {
        let inst = mfg();
        let err = score(&inst, &Answers::new()).unwrap_err();
        let unanswered = err.problems.iter().filter(|p| matches!(p, AnswerProblem::Unanswered { .. })).count();
        let missing_scenes = err.problems.iter().filter(|p| matches!(p, AnswerProblem::MissingScene { .. })).count();
        let missing_inputs: Vec<String> = err
            .problems
            .iter()
            .filter_map(|p| match p {
                AnswerProblem::MissingInput { input, .. } => Some(input.clone()),
                _ => None,
            })
            .collect();
        assert_eq!((unanswered, missing_scenes), (13, 16));
        // The shared equipment total is reported once.
        assert_eq!(missing_inputs, ["digital_equipment", "total_equipment", "networked_equipment"]);
        assert!(err.to_string().starts_with("“网络建设”未作答（不具备时请选择“无”或最低项）；"), "{err}");
    }

    #[test]
    fn equipment_ratio_bands_are_exact_at_the_edges() {
        let inst = mfg();
        let points = |digital: &str, total: &str| {
            let a = min_answers(&inst).input("total_equipment", d(total)).input("digital_equipment", d(digital));
            score(&inst, &a).unwrap().question("equipment_digital").unwrap().points.to_string()
        };
        assert_eq!(points("100", "1000"), "0"); // 10% is in [0, 10]
        assert_eq!(points("101", "1000"), "1.5"); // 10.1%
        assert_eq!(points("1", "5"), "1.5"); // 20%
        assert_eq!(points("1", "3"), "3"); // 33.3…%
        assert_eq!(points("3", "5"), "4.5"); // 60%
        assert_eq!(points("61", "100"), "6");
        assert_eq!(points("7", "7"), "6");
    }

    #[test]
    fn answer_errors_are_specific_and_in_chinese() {
        let inst = mfg();
        let base = min_answers(&inst);
        let problems =
            |a: Answers| score(&inst, &a).unwrap_err().problems.iter().map(ToString::to_string).collect::<Vec<_>>();

        assert_eq!(
            problems(base.clone().choose("information_systems", ["B", "C"])),
            ["“信息系统”为单选题，只能选择一个选项（选择了 2 个）"]
        );
        assert_eq!(problems(base.clone().choose("network", ["A", "B"])), ["“网络建设”中的“无”不能与其他选项同时选择"]);
        assert_eq!(problems(base.clone().choose("network", ["B", "B"])), ["“网络建设”重复选择了选项“B”"]);
        assert_eq!(problems(base.clone().choose("network", ["Z"])), ["“网络建设”没有选项“Z”"]);
        assert_eq!(
            problems(base.clone().choose("network", Vec::<String>::new())),
            ["“网络建设”未作答（不具备时请选择“无”或最低项）"]
        );
        assert_eq!(
            problems(base.clone().input("total_equipment", d("100")).input("digital_equipment", d("120"))),
            ["“数字化生产设备数”（120）不能大于“生产设备总数”（100）"]
        );
        assert_eq!(
            problems(base.clone().input("total_equipment", d("0"))),
            ["“生产设备总数”为 0，无法计算“设备数字化”", "“生产设备总数”为 0，无法计算“设备联网”"]
        );
        assert_eq!(problems(base.clone().input("total_equipment", d("10.5"))), ["“生产设备总数”须为整数（填报 10.5）"]);
        assert_eq!(
            problems(base.clone().input("digital_investment_avg", d("-3"))),
            ["“近三年年均数字化投入”不能为负数（填报 -3）"]
        );
        assert_eq!(
            problems(base.clone().choose("equipment_digital", ["A"])),
            ["“设备数字化”按填报数值计算得分，不能直接选择选项"]
        );
        assert_eq!(problems(base.clone().scene("finance", 5)), ["场景“财务管理”的等级须为 0–4（填报 5）"]);
        assert_eq!(problems(base.clone().scene("logistics", 1)), ["没有编号为“logistics”的场景"]);
    }

    #[test]
    fn evidence_inputs_are_optional_and_do_not_score() {
        let inst = mfg();
        let without = score(&inst, &min_answers(&inst)).unwrap();
        let with = score(&inst, &min_answers(&inst).input("digital_investment_avg", d("35.5"))).unwrap();
        assert_eq!(without.total, with.total);
    }

    #[test]
    fn generic_2022_scores_from_dimension_totals() {
        let inst = generic();
        let a = Answers::new()
            .dimension_score("foundation", d("15.5"))
            .dimension_score("operations", d("12"))
            .dimension_score("management", d("8.25"))
            .dimension_score("results", d("4.25"));
        let r = score(&inst, &a).unwrap();
        assert_eq!(r.total, d("40"));
        assert_eq!(r.level.name, "二级");
        assert_eq!(r.trace().last().unwrap(), "达到二级：得分 40 分（需 ≥40 分）");

        let over = a.clone().dimension_score("results", d("70"));
        let err = score(&inst, &over).unwrap_err();
        assert_eq!(err.to_string(), "各维度得分之和 105.75 超过满分 100");
        let missing = Answers::new().dimension_score("foundation", d("10"));
        assert_eq!(score(&inst, &missing).unwrap_err().problems.len(), 3);
    }

    #[test]
    fn results_and_answers_round_trip_through_json() {
        let inst = mfg();
        let a = max_answers(&inst, 3);
        let a2: Answers = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(a, a2);
        let r = score(&inst, &a).unwrap();
        let r2: ScoreResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(r, r2);
        assert_eq!(r.level.name, "三级");
    }
}
