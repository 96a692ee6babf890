//! The parts a programme's rules are made of: sub-industries, on-site checks, targets, budget
//! pools, eligibility, caps, tapering, instalments and the subsidy rule.

use serde::{Deserialize, Serialize};

use super::*;
use crate::money::Fen;
use crate::programme::level_zh;

/// A city-defined sub-industry (细分行业) and the GB/T 4754-2017 codes it covers, canonical
/// (section letter first: "C36", "C3973").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubIndustryRule {
    pub name: String,
    pub codes: Vec<String>,
}

/// What the on-site assessment (现场评测) behind acceptance must be (工信厅企业〔2024〕56号: pilot
/// enterprises are rated on site against the 2024 instrument).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnsiteRule {
    /// The instrument edition it must use, e.g. "2024"; `None` = any.
    #[serde(default)]
    pub edition: Option<String>,
    /// It must be made (created and submitted) after the project was completed.
    #[serde(default)]
    pub after_completion: bool,
}

/// Chain and cluster projects (链式 / 面状) in this programme: which leads it admits, how many SMEs a
/// chain needs, and what share of each participating SME's award goes to the lead for organising
/// the chain. A programme without this section has no chain projects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainRule {
    pub kinds: Vec<crate::programme::workflow::ChainKind>,
    /// A chain is submitted and approved only with at least this many participating SMEs.
    pub min_members: u32,
    /// And never more than this many.
    #[serde(default)]
    pub max_members: Option<u32>,
    /// Share of each participating SME's award after acceptance that goes to the lead, in basis
    /// points (1000 = 10%); 0 = the lead receives nothing through the chain.
    pub lead_share_bp: u32,
}

/// Programme targets, for dashboards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Enterprises to transform.
    #[serde(default)]
    pub enterprises: Option<u32>,
    /// Share of 规上 enterprises in each sub-industry at 二级 or above, percent (e.g. 90).
    #[serde(default)]
    pub share_l2_above_scale_pct: Option<u32>,
    /// Enterprises using the cloud (上云用云).
    #[serde(default)]
    pub cloud: Option<u32>,
}

/// A budget pool (资金池): 总量控制.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetPool {
    pub id: String,
    pub name: String,
    pub amount: Fen,
    pub purpose: PoolPurpose,
}

/// Which entry criteria (试点企业库入库条件) a programme switches on (programme.md §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    pub sme_required: bool,
    pub local_required: bool,
    pub sub_industry_required: bool,
    pub no_serious_dishonesty: bool,
    pub not_double_funded: bool,
    pub baseline_assessment_required: bool,
    pub above_scale_required: bool,
}

/// A per-enterprise cap on the proportional subsidy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    Flat(Fen),
    /// (level rank, cap), ascending by rank. A level takes the cap of the highest rank at or below
    /// it ("三级及以上 60万").
    ByLevel(Vec<(u8, Fen)>),
}

impl Cap {
    /// The cap at `level`; `None` when the table starts above it.
    pub fn for_level(&self, level: u8) -> Option<Fen> {
        match self {
            Cap::Flat(f) => Some(*f),
            Cap::ByLevel(rows) => rows.iter().rev().find(|(rank, _)| *rank <= level).map(|(_, f)| *f),
        }
    }

    /// "500,000.00 元" or "二级 250,000.00 元、三级 350,000.00 元、四级 450,000.00 元".
    pub fn describe_zh(&self) -> String {
        match self {
            Cap::Flat(f) => format!("{f} 元"),
            Cap::ByLevel(rows) => {
                rows.iter().map(|(rank, f)| format!("{} {f} 元", level_zh(*rank))).collect::<Vec<_>>().join("、")
            }
        }
    }
}

/// A stage of tapering (退坡): applies to a project completed on or before `until` (when set) whose
/// dated steps were each done on or before their deadline (when any are listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaperStep {
    /// A name for the terms, e.g. "第一批".
    pub name: String,
    pub until: Option<Date>,
    pub deadlines: Vec<(DatedStep, Date)>,
    pub rate_bp: u32,
    pub cap: Cap,
}

impl TaperStep {
    /// Whether a project completed on `completed_on` with these step dates gets this step's terms.
    pub fn applies(&self, completed_on: Date, steps: &StepDates) -> bool {
        self.until.is_none_or(|u| completed_on <= u)
            && self.deadlines.iter().all(|(step, by)| steps.of(*step).is_some_and(|d| d <= *by))
    }
}

/// One instalment of the subsidy. The [`InstalmentStage::AfterAcceptance`] one is last and takes
/// the balance; its `share_bp` is what is left of 100% after the others (for display).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    pub stage: InstalmentStage,
    pub share_bp: u32,
    pub cap: Option<Fen>,
    /// What `share_bp` is a share of (only before acceptance; the last instalment takes the balance).
    pub base: InstalmentBase,
}

/// How the subsidy (奖补) is computed; see `programme::subsidy::compute`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyRule {
    /// Basis points of eligible spend, 5000 = 50%. Applies when no taper step does.
    pub rate_bp: u32,
    pub cap: Cap,
    /// (level rank, bonus) added on top of the capped amount, ascending by rank; a level takes the
    /// bonus of the highest rank at or below it.
    pub level_bonus: Vec<(u8, Fen)>,
    /// Lowest final level that earns a subsidy (二级).
    pub min_level: u8,
    /// In order: the first step that applies ([`TaperStep::applies`]) sets the terms, else the base
    /// `rate_bp` and `cap`.
    pub taper: Vec<TaperStep>,
    pub instalments: Vec<Instalment>,
    pub pool_order: PoolOrder,
    /// Other programmes (ids) whose awards to the same enterprise count against this one's cap
    /// (a cap across batches); the cap always holds across the enterprise's projects in this one.
    pub cap_shared_with: Vec<String>,
    /// False when the rate is not confirmed by the source (the file says why; the UI says so).
    pub rate_verified: bool,
}

impl SubsidyRule {
    /// The rate and cap for a project completed on `completed_on` with these step dates, with the
    /// taper step that set them (`None` = the base terms).
    pub fn terms(&self, completed_on: Date, steps: &StepDates) -> (u32, &Cap, Option<&TaperStep>) {
        match self.taper.iter().find(|s| s.applies(completed_on, steps)) {
            Some(step) => (step.rate_bp, &step.cap, Some(step)),
            None => (self.rate_bp, &self.cap, None),
        }
    }

    /// The bonus at `level` (zero when none applies).
    pub fn bonus_for(&self, level: u8) -> Fen {
        self.level_bonus.iter().rev().find(|(rank, _)| *rank <= level).map_or(Fen::ZERO, |(_, f)| *f)
    }
}
