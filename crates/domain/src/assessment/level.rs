//! Level determination (等级判定): which level a total score and a set of scene levels reach under
//! an instrument's level rule, with the reasons each higher level was missed.
//!
//! The rule is data ([`LevelRule`]); this file only applies it. The highest level whose every
//! condition holds wins; because loading checks that each level is at least as strict as the
//! one below, that is also the level up to which every row holds.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;
use super::instrument::{LevelRow, LevelRule, SceneLevel};

/// The outcome: rank 1–4 with the rule's name (一级…四级), or rank 0 (未达一级).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Level {
    pub rank: u8,
    pub name: String,
}

/// How one level's conditions compare with the enterprise's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LevelCheck {
    pub rank: u8,
    pub name: String,
    pub score: Decimal,
    pub min_score: Decimal,
    pub scenes: Option<SceneCheck>,
}

/// Scenes at `at_least` or above: how many there are and how many the level needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SceneCheck {
    pub at_least: SceneLevel,
    pub count: u32,
    pub need: u32,
    pub binding_count: u32,
    pub binding_need: u32,
}

/// One unmet condition of a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    Score { have: Decimal, need: Decimal },
    Scenes { at_least: SceneLevel, have: u32, need: u32 },
    BindingScenes { at_least: SceneLevel, have: u32, need: u32 },
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortfall::Score { have, need } => write!(f, "得分 {have} 分，需 ≥{need} 分"),
            Shortfall::Scenes { at_least, have, need } => write!(f, "≥{at_least} 的场景 {have} 个，需 {need} 个"),
            Shortfall::BindingScenes { at_least, have, need } => {
                write!(f, "≥{at_least} 的约束性场景 {have} 个，需 {need} 个")
            }
        }
    }
}

impl LevelCheck {
    pub fn met(&self) -> bool {
        self.shortfalls().is_empty()
    }

    pub fn shortfalls(&self) -> Vec<Shortfall> {
        let mut out = Vec::new();
        if self.score < self.min_score {
            out.push(Shortfall::Score { have: self.score, need: self.min_score });
        }
        if let Some(s) = self.scenes {
            if s.count < s.need {
                out.push(Shortfall::Scenes { at_least: s.at_least, have: s.count, need: s.need });
            }
            if s.binding_count < s.binding_need {
                out.push(Shortfall::BindingScenes {
                    at_least: s.at_least,
                    have: s.binding_count,
                    need: s.binding_need,
                });
            }
        }
        out
    }

    /// One line of the trace: the unmet conditions, or for a met level every condition with its need.
    pub fn explain(&self) -> String {
        let shortfalls = self.shortfalls();
        if !shortfalls.is_empty() {
            let parts: Vec<String> = shortfalls.iter().map(ToString::to_string).collect();
            return format!("{}未达到：{}", self.name, parts.join("；"));
        }
        let mut s = format!("达到{}：得分 {} 分（需 ≥{} 分）", self.name, self.score, self.min_score);
        if let Some(c) = self.scenes {
            s.push_str(&format!(
                "；≥{} 的场景 {} 个（需 {} 个），其中约束性场景 {} 个（需 {} 个）",
                c.at_least, c.count, c.need, c.binding_count, c.binding_need
            ));
        }
        s
    }
}

/// Compares one level row with a total score and the scenes as (level, binding) pairs.
pub fn check_row(row: &LevelRow, total: Decimal, scenes: &[(SceneLevel, bool)]) -> LevelCheck {
    let scenes = row.scenes.map(|c| {
        let reached = || scenes.iter().filter(|(l, _)| *l >= c.at_least);
        SceneCheck {
            at_least: c.at_least,
            count: count(reached()),
            need: c.count,
            binding_count: count(reached().filter(|(_, b)| *b)),
            binding_need: c.binding,
        }
    });
    LevelCheck { rank: row.rank, name: row.name.clone(), score: total, min_score: row.min_score, scenes }
}

fn count<I: Iterator>(it: I) -> u32 {
    u32::try_from(it.count()).unwrap_or(u32::MAX)
}

/// The level reached and a check for every level, highest rank first.
pub fn determine_level(rule: &LevelRule, total: Decimal, scenes: &[(SceneLevel, bool)]) -> (Level, Vec<LevelCheck>) {
    let checks: Vec<LevelCheck> = rule.levels.iter().rev().map(|row| check_row(row, total, scenes)).collect();
    let level = match checks.iter().find(|c| c.met()) {
        Some(c) => Level { rank: c.rank, name: c.name.clone() },
        None => not_reached(rule),
    };
    (level, checks)
}

fn not_reached(rule: &LevelRule) -> Level {
    let lowest = rule.levels.first().map_or("一级", |r| r.name.as_str());
    Level { rank: 0, name: format!("未达{lowest}") }
}

/// The explanation of a determination: each level above the one reached and why it was missed,
/// then the level reached with its conditions (or 未达一级).
pub fn trace(level: &Level, checks: &[LevelCheck]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for c in checks {
        lines.push(c.explain());
        if c.met() {
            return lines;
        }
    }
    lines.push(format!("评定结果：{}", level.name));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::instrument::builtin_instruments;

    fn rule(id: &str) -> LevelRule {
        builtin_instruments().unwrap().into_iter().find(|i| i.id() == id).unwrap().level_rule().clone()
    }

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    /// `n` scenes at `level`, the first `binding` of them binding.
    fn scenes(level: SceneLevel, n: usize, binding: usize) -> Vec<(SceneLevel, bool)> {
        (0..n).map(|i| (level, i < binding)).collect()
    }

    fn rank(rule: &LevelRule, score: &str, s: &[(SceneLevel, bool)]) -> u8 {
        determine_level(rule, d(score), s).0.rank
    }

    #[test]
    fn generic_2022_boundaries_belong_to_the_higher_level() {
        let r = rule("generic-2022");
        let cases = [
            ("0", 0),
            ("19.999", 0),
            ("20", 1),
            ("39.999", 1),
            ("40", 2),
            ("59.999", 2),
            ("60", 3),
            ("79.999", 3),
            ("80", 4),
            ("100", 4),
        ];
        for (score, want) in cases {
            assert_eq!(rank(&r, score, &[]), want, "score {score}");
        }
        assert_eq!(determine_level(&r, d("19.999"), &[]).0.name, "未达一级");
    }

    #[test]
    fn mfg_2024_score_boundaries_with_all_scenes_at_l4() {
        let r = rule("mfg-2024");
        let all = scenes(SceneLevel::L4, 16, 10);
        for (score, want) in
            [("19.999", 0), ("20", 1), ("39.999", 1), ("40", 2), ("59.999", 2), ("60", 3), ("79.999", 3), ("80", 4)]
        {
            assert_eq!(rank(&r, score, &all), want, "score {score}");
        }
    }

    #[test]
    fn mfg_2024_scene_count_boundaries() {
        let r = rule("mfg-2024");
        // 四级: 10 scenes at L4, 6 binding.
        assert_eq!(rank(&r, "90", &scenes(SceneLevel::L4, 10, 6)), 4);
        assert_eq!(rank(&r, "90", &scenes(SceneLevel::L4, 9, 6)), 3);
        assert_eq!(rank(&r, "90", &scenes(SceneLevel::L4, 10, 5)), 3);
        // 三级: 8 at ≥L3, 5 binding.
        assert_eq!(rank(&r, "70", &scenes(SceneLevel::L3, 8, 5)), 3);
        assert_eq!(rank(&r, "70", &scenes(SceneLevel::L3, 7, 5)), 2);
        assert_eq!(rank(&r, "70", &scenes(SceneLevel::L3, 8, 4)), 2);
        // 二级 and 一级: 6 scenes, 3 binding, at ≥L2 and ≥L1.
        assert_eq!(rank(&r, "50", &scenes(SceneLevel::L2, 6, 3)), 2);
        assert_eq!(rank(&r, "50", &scenes(SceneLevel::L2, 6, 2)), 0);
        assert_eq!(rank(&r, "50", &scenes(SceneLevel::L1, 6, 3)), 1);
        assert_eq!(rank(&r, "50", &scenes(SceneLevel::L1, 5, 3)), 0);
        // A great score does not make up for missing scenes.
        assert_eq!(rank(&r, "100", &scenes(SceneLevel::None, 16, 10)), 0);
    }

    #[test]
    fn trace_names_the_binding_scene_shortfall() {
        let r = rule("mfg-2024");
        // 8 scenes at L3 but only 4 of them binding; the other 8 scenes at L1.
        let mut s = scenes(SceneLevel::L3, 8, 4);
        s.extend(scenes(SceneLevel::L1, 8, 0));
        let (level, checks) = determine_level(&r, d("70"), &s);
        assert_eq!(level, Level { rank: 2, name: "二级".into() });
        assert_eq!(
            trace(&level, &checks),
            [
                "四级未达到：得分 70 分，需 ≥80 分；≥L4 的场景 0 个，需 10 个；≥L4 的约束性场景 0 个，需 6 个",
                "三级未达到：≥L3 的约束性场景 4 个，需 5 个",
                "达到二级：得分 70 分（需 ≥40 分）；≥L2 的场景 8 个（需 6 个），其中约束性场景 4 个（需 3 个）",
            ]
        );
    }

    #[test]
    fn trace_when_no_level_is_reached() {
        let r = rule("generic-2022");
        let (level, checks) = determine_level(&r, d("12.5"), &[]);
        let lines = trace(&level, &checks);
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[3], "一级未达到：得分 12.5 分，需 ≥20 分");
        assert_eq!(lines[4], "评定结果：未达一级");
    }
}
