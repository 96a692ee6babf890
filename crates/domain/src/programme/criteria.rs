//! Acceptance criteria as data: what a contract (and a programme's default) says acceptance must
//! measure, described in Chinese and checked for sense.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::level_zh;
use crate::money::Fen;

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
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_zh())
    }
}
