//! Pilot programmes (中小企业数字化转型试点): their rules as versioned data, the entry check for
//! the pilot-enterprise pool, the enrolment / project / objection workflows, the transformation
//! contract and the subsidy computation with its trace. Reference: programme.md §5, §10.
//!
//! - [`rules`]: a programme file (`data/programmes/*.toml`) loaded and validated into a [`Programme`].
//! - [`eligibility`]: one explained outcome per entry criterion the programme switches on.
//! - [`workflow`]: state machines for enrolment (试点企业库), the project (改造项目) up to acceptance,
//!   and objections raised in 公示.
//! - [`contract`]: contract draft validation, eligible spend, acceptance criteria, 人民币大写.
//! - [`subsidy`]: 奖补 computed fen-exact, with a line-by-line Chinese trace.

pub mod acceptance;
pub mod cases;
pub mod contract;
pub mod criteria;
pub mod date;
pub mod eligibility;
pub mod materials;
pub mod outcomes;
pub mod rules;
pub mod subsidy;
pub mod workflow;

pub use contract::{
    ContractDraft, ContractProblem, CostSplit, Criterion, Evidence, InvestmentLine, Party, PartyRole, amount_in_words,
};
pub use date::{Date, DateError};
pub use eligibility::{EligibilityRule, EnterpriseFacts, RuleOutcome};
pub use rules::{
    BudgetPool, Cap, DatedStep, Eligibility, Instalment, InstalmentBase, InstalmentStage, OnsiteRule, PoolOrder,
    PoolPurpose, Programme, ProgrammeLevel, RulesError, SpendCategory, StepDates, SubIndustryRule, SubsidyRule,
    TaperStep, Targets,
};
pub use subsidy::{SubsidyError, SubsidyInput, SubsidyResult, TraceLine};

/// A digital level in Chinese: 1 → "一级" … 4 → "四级"; 0 → "未评级"; others "N级".
pub fn level_zh(level: u8) -> String {
    match level {
        0 => "未评级".to_owned(),
        1 => "一级".to_owned(),
        2 => "二级".to_owned(),
        3 => "三级".to_owned(),
        4 => "四级".to_owned(),
        n => format!("{n}级"),
    }
}
