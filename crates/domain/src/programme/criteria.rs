//! Acceptance criteria as data: what a contract (and a programme's default) says acceptance must
//! measure, described in Chinese and checked for sense.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::level_zh;
use crate::money::Fen;

/// A KPI of a project's connected devices (设备上云), computed from their readings: the ratios
/// in basis points (higher is better), energy per unit in mWh per unit (lower is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiName {
    Oee,
    Availability,
    Performance,
    Quality,
    Utilisation,
    EnergyPerUnit,
}

impl KpiName {
    pub fn label_zh(self) -> &'static str {
        match self {
            KpiName::Oee => "设备综合效率（OEE）",
            KpiName::Availability => "时间开动率",
            KpiName::Performance => "性能开动率",
            KpiName::Quality => "合格品率",
            KpiName::Utilisation => "设备利用率",
            KpiName::EnergyPerUnit => "单位产量能耗",
        }
    }

    /// Lower values are better (energy per unit).
    pub fn lower_is_better(self) -> bool {
        self == KpiName::EnergyPerUnit
    }

    /// A value in words: "65.00%", or "1.250 Wh/件".
    pub fn show(self, v: i64) -> String {
        if self.lower_is_better() {
            format!("{}.{:03} Wh/件", v / 1000, v % 1000)
        } else {
            format!("{}.{:02}%", v / 100, v % 100)
        }
    }

    fn show_gain(self, v: i64) -> String {
        if self.lower_is_better() {
            format!("{}.{:03} Wh/件", v / 1000, v % 1000)
        } else {
            format!("{}.{:02} 个百分点", v / 100, v % 100)
        }
    }
}

/// The longest window a KPI criterion reads (days).
pub const KPI_WINDOW_MAX_DAYS: i64 = 366;

/// Acceptance criteria as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Criterion {
    /// The third-party on-site assessment (现场评测) reaches at least `level` (二级 per §5.7).
    OnsiteLevelAtLeast { level: u8 },
    /// A named business scene reaches at least L`level`.
    SceneAtLeast { scene: String, level: u8 },
    /// The cloud service has been in use for `days` days since it was verified.
    CloudInUseDays { days: u32 },
    /// Eligible spend reaches `amount` (in 分).
    EligibleSpendAtLeast { amount: Fen },
    /// Every milestone of the plan is done.
    MilestonesDone,
    /// A KPI of the project's connected devices over the after window (days inclusive, China
    /// time) reaches `target` (at least; at most for energy per unit) and improves on the
    /// baseline window by at least `min_gain` — "OEE from 55% to 65% over three months".
    DeviceKpi {
        kpi: KpiName,
        baseline_from: Date,
        baseline_to: Date,
        after_from: Date,
        after_to: Date,
        /// Basis points (10 000 = 100 %), or mWh per unit for energy per unit.
        target: i64,
        /// Improvement over the baseline, in the same unit (0: none asked).
        #[serde(default)]
        min_gain: i64,
    },
}

impl Criterion {
    /// "现场评测等级不低于二级", "场景“设备管理”达到 L3 及以上", "云服务核验后使用满 30 天",
    /// "可补助投入不少于 50,000.00 元", "全部里程碑完成".
    pub fn describe_zh(&self) -> String {
        match self {
            Criterion::OnsiteLevelAtLeast { level } => format!("现场评测等级不低于{}", level_zh(*level)),
            Criterion::SceneAtLeast { scene, level } => format!("场景“{scene}”达到 L{level} 及以上"),
            Criterion::CloudInUseDays { days } => format!("云服务核验后使用满 {days} 天"),
            Criterion::EligibleSpendAtLeast { amount } => format!("可补助投入不少于 {amount} 元"),
            Criterion::MilestonesDone => "全部里程碑完成".to_owned(),
            Criterion::DeviceKpi { kpi, baseline_from, baseline_to, after_from, after_to, target, min_gain } => {
                let cmp = if kpi.lower_is_better() { "不高于" } else { "不低于" };
                let gain = if *min_gain > 0 {
                    let dir = if kpi.lower_is_better() { "降低" } else { "提高" };
                    format!("，且较基线期{dir}不少于 {}", kpi.show_gain(*min_gain))
                } else {
                    String::new()
                };
                format!(
                    "联网设备{}：改造后（{after_from}至{after_to}）{cmp} {}（基线期 {baseline_from}至{baseline_to}）{gain}",
                    kpi.label_zh(),
                    kpi.show(*target)
                )
            }
        }
    }

    /// Whether the criterion itself makes sense: levels 1–4, a named scene, at least one day,
    /// a non-negative amount.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Criterion::OnsiteLevelAtLeast { level } | Criterion::SceneAtLeast { level, .. }
                if !(1..=4).contains(level) =>
            {
                Err(format!("等级应为1至4，收到 {level}"))
            }
            Criterion::SceneAtLeast { scene, .. } if scene.trim().is_empty() => Err("场景名称不能为空".to_owned()),
            Criterion::CloudInUseDays { days: 0 } => Err("使用天数应至少为1天".to_owned()),
            Criterion::EligibleSpendAtLeast { amount } if amount.0 < 0 => Err("金额不能为负数".to_owned()),
            Criterion::DeviceKpi { kpi, baseline_from, baseline_to, after_from, after_to, target, min_gain } => {
                if baseline_from > baseline_to || after_from > after_to {
                    return Err("时间窗口的开始日期不能晚于结束日期".to_owned());
                }
                if baseline_to >= after_from {
                    return Err("基线期应早于改造后的时间窗口".to_owned());
                }
                let longest = baseline_from.days_between(*baseline_to).max(after_from.days_between(*after_to)) + 1;
                if longest > KPI_WINDOW_MAX_DAYS {
                    return Err(format!("时间窗口不超过{KPI_WINDOW_MAX_DAYS}天"));
                }
                if *target < 0 || *min_gain < 0 || (!kpi.lower_is_better() && (*target > 10_000 || *min_gain > 10_000))
                {
                    return Err("目标值或提升幅度超出范围".to_owned());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_zh())
    }
}
