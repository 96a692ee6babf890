//! Improvement steps (提升路径): from a score result, the single steps that would raise the score
//! or the level, ranked. This is the list that later drives matching with providers' solutions.
//!
//! A step is one rung: a scene from Lk to Lk+1, one more option in a multiple choice, the next
//! better option in a single choice, or the next band of a ratio. Each step is simulated against
//! the next level's conditions, so "reaches" and "helps" come from the rule itself, not guesses.
//!
//! Order: steps that reach the next level on their own; then steps that narrow one of its
//! shortfalls; then the rest. Within each tier binding scenes come first, then other scenes (lower
//! rungs first), then questions (most points first); ties keep instrument order.

use serde::Serialize;

use super::decimal::Decimal;
use super::instrument::{Instrument, LevelRow, QuestionKind, SceneLevel};
use super::level::{LevelCheck, check_row};
use super::scoring::{ScoreResult, ScoredAnswer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Improvement {
    pub step: Step,
    /// Points added to the total; 0 for scene steps, which carry no points.
    pub points_gained: Decimal,
    /// This step alone makes the next level's every condition hold.
    pub reaches_next_level: bool,
    /// This step narrows at least one shortfall of the next level.
    pub helps_next_level: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
// Inline: a generated client names a shared component's one-of members twice.
#[schemars(inline)]
pub enum Step {
    #[schemars(title = "SceneStep")]
    Scene { scene: String, binding: bool, from: SceneLevel, to: SceneLevel },
    /// Select `option`: added to a multiple choice, or replacing the answer of a single choice.
    #[schemars(title = "ChooseStep")]
    Choose { question: String, option: String },
    /// Raise a ratio into band `to_band`; `min_numerator` is the smallest whole count that does it
    /// when the numerator is a count.
    #[schemars(title = "RaiseRatioStep")]
    RaiseRatio { question: String, to_band: usize, min_numerator: Option<i64> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImprovementError {
    #[error("评测结果由“{result}”计算，与评测版本“{instrument}”不一致")]
    InstrumentMismatch { result: String, instrument: String },
}

/// The ranked improvement steps for `result`, which must come from `instrument`.
pub fn improvements(instrument: &Instrument, result: &ScoreResult) -> Result<Vec<Improvement>, ImprovementError> {
    if result.instrument_id != instrument.id()
        || result.instrument_version != instrument.version()
        || result.instrument_fingerprint != instrument.fingerprint()
    {
        return Err(ImprovementError::InstrumentMismatch {
            result: format!("{} 第 {} 版", result.instrument_id, result.instrument_version),
            instrument: format!("{} 第 {} 版", instrument.id(), instrument.version()),
        });
    }
    let sim = Simulator::new(instrument, result);
    let mut ranked: Vec<(RankKey, Improvement)> = Vec::new();
    scene_steps(instrument, result, &sim, &mut ranked);
    question_steps(instrument, result, &sim, &mut ranked);
    ranked.sort_by_key(|(k, _)| *k);
    Ok(ranked.into_iter().map(|(_, i)| i).collect())
}

/// (tier, kind, within-kind order, generation order); smaller sorts first.
type RankKey = (u8, u8, i64, usize);

fn rank_key(imp: &Improvement, seq: usize) -> RankKey {
    let tier = if imp.reaches_next_level {
        0
    } else if imp.helps_next_level {
        1
    } else {
        2
    };
    match &imp.step {
        Step::Scene { binding, to, .. } => (tier, if *binding { 0 } else { 1 }, i64::from(to.as_u8()), seq),
        Step::Choose { .. } | Step::RaiseRatio { .. } => (tier, 2, -imp.points_gained.thousandths(), seq),
    }
}

/// Replays the next level's check with one step applied.
struct Simulator<'a> {
    next: Option<&'a LevelRow>,
    total: Decimal,
    scenes: Vec<(SceneLevel, bool)>,
    before: Option<LevelCheck>,
}

struct Effect {
    reaches: bool,
    helps: bool,
    text: String,
}

impl<'a> Simulator<'a> {
    fn new(instrument: &'a Instrument, result: &ScoreResult) -> Simulator<'a> {
        let next = instrument.level_rule().levels.iter().find(|r| r.rank == result.level.rank + 1);
        let scenes = result.scene_levels();
        let before = next.map(|row| check_row(row, result.total, &scenes));
        Simulator { next, total: result.total, scenes, before }
    }

    fn effect(&self, gain: Decimal, scene: Option<(usize, SceneLevel)>) -> Effect {
        let (Some(row), Some(before)) = (self.next, &self.before) else {
            return Effect { reaches: false, helps: false, text: String::new() };
        };
        let mut scenes = self.scenes.clone();
        if let Some((i, to)) = scene
            && let Some(s) = scenes.get_mut(i)
        {
            s.0 = to;
        }
        let after = check_row(row, self.total + gain, &scenes);
        let reaches = after.met();
        let helps = narrows(before, &after);
        let text = if reaches {
            format!("完成此项即可达到{}。", row.name)
        } else if helps {
            let rest: Vec<String> = after.shortfalls().iter().map(ToString::to_string).collect();
            format!("有助于达到{}，完成后仍差：{}。", row.name, rest.join("；"))
        } else {
            String::new()
        };
        Effect { reaches, helps, text }
    }
}

fn narrows(before: &LevelCheck, after: &LevelCheck) -> bool {
    let score = before.score < before.min_score && after.score > before.score;
    let scenes = match (before.scenes, after.scenes) {
        (Some(b), Some(a)) => {
            (b.count < b.need && a.count > b.count)
                || (b.binding_count < b.binding_need && a.binding_count > b.binding_count)
        }
        _ => false,
    };
    score || scenes
}

fn scene_steps(
    instrument: &Instrument,
    result: &ScoreResult,
    sim: &Simulator<'_>,
    out: &mut Vec<(RankKey, Improvement)>,
) {
    for (i, s) in result.scenes.iter().enumerate() {
        let Some(to) = s.level.next() else { continue };
        let ladder = instrument.scene(&s.id).and_then(|x| x.ladder_text(to)).unwrap_or_default();
        let e = sim.effect(Decimal::ZERO, Some((i, to)));
        let kind = if s.binding { "约束性场景" } else { "场景" };
        let imp = Improvement {
            step: Step::Scene { scene: s.id.clone(), binding: s.binding, from: s.level, to },
            points_gained: Decimal::ZERO,
            reaches_next_level: e.reaches,
            helps_next_level: e.helps,
            explanation: format!("将{kind}“{}”由{}提升至{to}：{ladder}。{}", s.name, s.level, e.text),
        };
        let seq = out.len();
        out.push((rank_key(&imp, seq), imp));
    }
}

fn question_steps(
    instrument: &Instrument,
    result: &ScoreResult,
    sim: &Simulator<'_>,
    out: &mut Vec<(RankKey, Improvement)>,
) {
    for q in instrument.questions() {
        let Some(scored) = result.question(&q.id) else {
            continue;
        };
        let mut push = |step: Step, gain: Decimal, what: String| {
            let e = sim.effect(gain, None);
            let imp = Improvement {
                step,
                points_gained: gain,
                reaches_next_level: e.reaches,
                helps_next_level: e.helps,
                explanation: format!(
                    "“{}”{what}，得分 +{gain}（{} → {} 分）。{}",
                    q.title,
                    scored.points,
                    scored.points + gain,
                    e.text
                ),
            };
            let seq = out.len();
            out.push((rank_key(&imp, seq), imp));
        };
        match (&q.kind, &scored.answer) {
            (QuestionKind::Single { options }, ScoredAnswer::Choice { selected }) => {
                let current = options.iter().find(|o| selected.contains(&o.id));
                // The next rung: the cheapest option that still scores more.
                let next = options.iter().filter(|o| o.points > scored.points).min_by_key(|o| o.points);
                if let Some(o) = next {
                    let from = current.map_or_else(String::new, |c| format!("由“{}”", c.text));
                    push(
                        Step::Choose { question: q.id.clone(), option: o.id.clone() },
                        o.points - scored.points,
                        format!("{from}提升至“{}”", o.text),
                    );
                }
            }
            (QuestionKind::Multiple { options }, ScoredAnswer::Choice { selected }) => {
                let none_selected = options.iter().find(|o| o.exclusive && selected.contains(&o.id));
                for o in
                    options.iter().filter(|o| !o.exclusive && o.points > Decimal::ZERO && !selected.contains(&o.id))
                {
                    let drop = none_selected.map_or_else(String::new, |n| format!("（并取消“{}”）", n.text));
                    push(
                        Step::Choose { question: q.id.clone(), option: o.id.clone() },
                        o.points,
                        format!("增加“{}”{drop}", o.text),
                    );
                }
            }
            (QuestionKind::Ratio(spec), ScoredAnswer::Ratio { numerator, denominator, band }) => {
                let Some(to) = spec
                    .bands
                    .iter()
                    .enumerate()
                    .skip(band + 1)
                    .find(|(_, b)| b.points > scored.points)
                    .map(|(i, _)| i)
                else {
                    continue;
                };
                let Some(target) = spec.bands.get(to) else {
                    continue;
                };
                let lower =
                    to.checked_sub(1).and_then(|i| spec.bands.get(i)).map_or(Decimal::ZERO, |b| b.up_to_percent);
                let integer = instrument.input(&spec.numerator).is_some_and(|i| i.integer);
                let min = if integer { spec.min_whole_numerator_above(to - 1, *denominator) } else { None };
                let how = match (min, instrument.input(&spec.numerator)) {
                    (Some(n), Some(input)) => {
                        format!("（{}至少 {n} {}，现为 {numerator} {}）", input.label, input.unit, input.unit)
                    }
                    _ => String::new(),
                };
                push(
                    Step::RaiseRatio { question: q.id.clone(), to_band: to, min_numerator: min },
                    target.points - scored.points,
                    format!("比例由 {}% 提升至 {lower}% 以上{how}", percent_one_decimal(*numerator, *denominator)),
                );
            }
            _ => {}
        }
    }
}

/// numerator ÷ denominator in percent, rounded half up to one decimal; for display only.
fn percent_one_decimal(numerator: Decimal, denominator: Decimal) -> Decimal {
    let (n, d) = (i128::from(numerator.thousandths()), i128::from(denominator.thousandths()));
    if d <= 0 {
        return Decimal::ZERO;
    }
    let tenths = (n * 1000 * 2 + d) / (2 * d);
    Decimal::from_thousandths(i64::try_from(tenths * 100).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::scoring::tests::{d, max_answers, mfg, min_answers};
    use crate::assessment::scoring::{Answers, score};

    /// 二级 with 65 points: 8 scenes at L3 of which 4 binding, the rest at L2. 三级 then lacks one
    /// binding scene at ≥L3 and nothing else.
    fn one_binding_scene_short() -> (Instrument, ScoreResult) {
        let inst = mfg();
        let mut a = min_answers(&inst)
            .choose("network", ["B", "C", "D", "E"]) // 8
            .choose("information_systems", ["E"]) // 10
            .choose("network_security", ["B", "C", "D", "E"]) // 5
            .choose("data_security", ["B", "C", "D", "E"]) // 5
            .choose("planning_execution", ["F"]) // 7.5
            .choose("management_rules", ["B", "C", "D", "E"]) // 7.5
            .choose("talent", ["B", "C", "D", "E", "F"]) // 7.5
            .choose("green", ["C"]) // 7
            .choose("quality", ["C"]) // 7
            .input("digital_equipment", d("0"))
            .input("total_equipment", d("50"));
        // Binding: product_design, marketing, production_control, quality_management at L3;
        // non-binding: process_design, after_sales, planning_scheduling, human_resources at L3.
        for s in inst.scenes() {
            let l3 = [
                "product_design",
                "marketing",
                "production_control",
                "quality_management",
                "process_design",
                "after_sales",
                "planning_scheduling",
                "human_resources",
            ];
            a = a.scene(&s.id, if l3.contains(&s.id.as_str()) { 3 } else { 2 });
        }
        let r = score(&inst, &a).unwrap();
        assert_eq!(r.total.to_string(), "64.5");
        assert_eq!(r.level.name, "二级");
        assert_eq!(r.trace()[1], "三级未达到：≥L3 的约束性场景 4 个，需 5 个");
        (inst, r)
    }

    #[test]
    fn binding_scene_steps_come_first() {
        let (inst, r) = one_binding_scene_short();
        let list = improvements(&inst, &r).unwrap();
        // The six binding scenes at L2 each reach 三级 alone, in instrument order.
        let first: Vec<&Step> = list.iter().take(6).map(|i| &i.step).collect();
        let ids: Vec<&str> = first
            .iter()
            .map(|s| match s {
                Step::Scene { scene, binding: true, from: SceneLevel::L2, to: SceneLevel::L3 } => scene.as_str(),
                other => panic!("expected a binding L2→L3 step, got {other:?}"),
            })
            .collect();
        assert_eq!(ids, ["equipment_management", "safety", "energy", "purchasing", "warehousing_logistics", "finance"]);
        assert!(list.iter().take(6).all(|i| i.reaches_next_level));
        assert_eq!(
            list[0].explanation,
            "将约束性场景“设备管理”由L2提升至L3：实时采集设备关键参数，开展故障分析、远程诊断和 OEE 统计。完成此项即可达到三级。"
        );
        // Nothing else reaches or helps: a non-binding scene or more points do not fix the shortfall.
        assert!(list.iter().skip(6).all(|i| !i.reaches_next_level && !i.helps_next_level));
        // Then the remaining binding scene steps (L3→L4), then non-binding ones, then questions.
        let kinds: Vec<u8> = list
            .iter()
            .map(|i| match &i.step {
                Step::Scene { binding: true, .. } => 0,
                Step::Scene { binding: false, .. } => 1,
                _ => 2,
            })
            .collect();
        let mut sorted = kinds.clone();
        sorted.sort();
        assert_eq!(kinds, sorted);
    }

    #[test]
    fn question_steps_rank_by_points_and_explain_the_band() {
        let (inst, r) = one_binding_scene_short();
        let list = improvements(&inst, &r).unwrap();
        let questions: Vec<&Improvement> = list.iter().filter(|i| !matches!(i.step, Step::Scene { .. })).collect();
        let gains: Vec<i64> = questions.iter().map(|i| i.points_gained.thousandths()).collect();
        let mut sorted = gains.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(gains, sorted, "questions must be ordered by points gained");
        let eq = questions
            .iter()
            .find(|i| matches!(&i.step, Step::RaiseRatio { question, .. } if question == "equipment_digital"))
            .unwrap();
        assert_eq!(
            eq.step,
            Step::RaiseRatio { question: "equipment_digital".into(), to_band: 1, min_numerator: Some(6) }
        );
        assert_eq!(eq.points_gained.to_string(), "1.5");
        assert_eq!(
            eq.explanation,
            "“设备数字化”比例由 0% 提升至 10% 以上（数字化生产设备数至少 6 台（套），现为 0 台（套）），得分 +1.5（0 → 1.5 分）。"
        );
        let dc = questions
            .iter()
            .find(|i| i.step == Step::Choose { question: "data_collection".into(), option: "O".into() })
            .unwrap();
        assert_eq!(dc.explanation, "“数据采集”增加“人力资源”（并取消“无”），得分 +0.9（0 → 0.9 分）。");
        let funding = questions
            .iter()
            .find(|i| matches!(&i.step, Step::Choose { question, .. } if question == "funding"))
            .unwrap();
        assert_eq!(funding.step, Step::Choose { question: "funding".into(), option: "B".into() });
        assert_eq!(funding.points_gained.to_string(), "1.875");
    }

    #[test]
    fn points_help_when_the_score_is_short() {
        let inst = mfg();
        // Every scene at L3 but only 50 points: 三级 lacks 10, more than any single step gives.
        let mut a = min_answers(&inst)
            .choose("network", ["B", "C", "D", "E"])
            .choose("information_systems", ["E"])
            .choose("network_security", ["B", "C", "D", "E"])
            .choose("data_security", ["B", "C", "D", "E"])
            .choose("planning_execution", ["F"])
            .choose("management_rules", ["B", "C", "D", "E"])
            .choose("quality", ["C"]);
        for s in inst.scenes() {
            a = a.scene(&s.id, 3);
        }
        let r = score(&inst, &a).unwrap();
        assert_eq!((r.total.to_string(), r.level.name.as_str()), ("50".to_owned(), "二级"));
        let list = improvements(&inst, &r).unwrap();
        // Nothing reaches 三级 in one step; every question step helps, no scene does.
        assert!(list.iter().all(|i| !i.reaches_next_level));
        let helping: Vec<&Improvement> = list.iter().filter(|i| i.helps_next_level).collect();
        assert!(helping.iter().all(|i| !matches!(i.step, Step::Scene { .. })));
        assert_eq!(helping[0].step, Step::Choose { question: "green".into(), option: "B".into() });
        assert_eq!(list[0], *helping[0], "helping steps rank first");
        assert!(
            helping[0].explanation.ends_with("有助于达到三级，完成后仍差：得分 53.5 分，需 ≥60 分。"),
            "{}",
            helping[0].explanation
        );
    }

    #[test]
    fn top_level_still_lists_points_and_nothing_when_full() {
        let inst = mfg();
        let full = score(&inst, &max_answers(&inst, 4)).unwrap();
        assert!(improvements(&inst, &full).unwrap().is_empty());
        let r = score(&inst, &max_answers(&inst, 4).choose("green", ["B"])).unwrap();
        assert_eq!(r.level.name, "四级");
        let list = improvements(&inst, &r).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].explanation, "“绿色低碳”由“持平”提升至“下降”，得分 +3.5（3.5 → 7 分）。");
    }

    #[test]
    fn order_is_deterministic() {
        let (inst, r) = one_binding_scene_short();
        assert_eq!(improvements(&inst, &r).unwrap(), improvements(&inst, &r).unwrap());
    }

    #[test]
    fn refuses_a_result_from_another_instrument() {
        let inst = mfg();
        let generic = crate::assessment::instrument::builtin_instruments().unwrap().pop().unwrap();
        let a = Answers::new()
            .dimension_score("foundation", d("10"))
            .dimension_score("operations", d("10"))
            .dimension_score("management", d("10"))
            .dimension_score("results", d("10"));
        let r = score(&generic, &a).unwrap();
        assert!(improvements(&generic, &r).unwrap().is_empty());
        assert_eq!(
            improvements(&inst, &r).unwrap_err().to_string(),
            "评测结果由“generic-2022 第 1 版”计算，与评测版本“mfg-2024 第 1 版”不一致"
        );
    }
}
