//! A validated programme ([`Programme`]) and its read-only accessors.

use std::fmt;

use serde::Serialize;

use super::*;
use crate::enterprise::IndustryCode;
use crate::region::RegionCode;

/// A validated programme. Only [`Programme::from_toml`] makes one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Programme {
    pub(super) id: String,
    pub(super) version: u32,
    pub(super) name: String,
    pub(super) level: ProgrammeLevel,
    pub(super) region: RegionCode,
    pub(super) batch: String,
    /// When the city's plan was approved, for a batch whose window counts from it.
    pub(super) plan_approved: Option<Date>,
    pub(super) window: (Date, Date),
    pub(super) sub_industries: Vec<SubIndustryRule>,
    pub(super) targets: Targets,
    pub(super) pools: Vec<BudgetPool>,
    pub(super) min_enterprise_share_pct: u32,
    pub(super) eligibility: Eligibility,
    pub(super) excluded_categories: Vec<SpendCategory>,
    pub(super) eligible_categories: Vec<SpendCategory>,
    pub(super) onsite: OnsiteRule,
    pub(super) completion_months: Option<u32>,
    pub(super) subsidy: SubsidyRule,
    pub(super) default_criteria: Vec<Criterion>,
    pub(super) chain: Option<ChainRule>,
    pub(super) fingerprint: String,
}

impl Programme {
    /// Stable key recorded with every result, e.g. "nanjing-2024".
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Data revision of this id.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// "nanjing-2024 v1": what results record as the rule that produced them.
    pub fn rule_ref(&self) -> String {
        format!("{} v{}", self.id, self.version)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn level(&self) -> ProgrammeLevel {
        self.level
    }

    /// GB/T 2260 code of the region the programme covers, e.g. "320100".
    pub fn region(&self) -> &str {
        self.region.as_str()
    }

    pub fn region_code(&self) -> &RegionCode {
        &self.region
    }

    /// e.g. "2024".
    pub fn batch(&self) -> &str {
        &self.batch
    }

    /// The approval of the city's plan, where the batch counts the window from it.
    pub fn plan_approved(&self) -> Option<Date> {
        self.plan_approved
    }

    /// First and last day of the eligible window, inclusive.
    pub fn window(&self) -> (Date, Date) {
        self.window
    }

    /// Whether `d` falls inside [`Programme::window`].
    pub fn in_window(&self, d: Date) -> bool {
        self.window.0 <= d && d <= self.window.1
    }

    pub fn sub_industries(&self) -> &[SubIndustryRule] {
        &self.sub_industries
    }

    /// The sub-industry whose code contains `industry_code` (with or without its section letter);
    /// the longest matching code wins. `None` for a malformed code or one outside every sub-industry.
    pub fn sub_industry_of(&self, industry_code: &str) -> Option<&SubIndustryRule> {
        self.sub_industry_match(industry_code).map(|(rule, _)| rule)
    }

    /// Like [`Programme::sub_industry_of`], also giving the listed code that matched.
    pub fn sub_industry_match(&self, industry_code: &str) -> Option<(&SubIndustryRule, &str)> {
        let code = IndustryCode::parse(industry_code).ok()?;
        self.sub_industries
            .iter()
            .flat_map(|rule| rule.codes.iter().map(move |c| (rule, c)))
            .filter_map(|(rule, c)| IndustryCode::parse(c).ok().map(|listed| (rule, c, listed)))
            .filter(|(_, _, listed)| listed.contains(&code))
            .max_by_key(|(_, _, listed)| listed.digits().len())
            .map(|(rule, c, _)| (rule, c.as_str()))
    }

    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    pub fn pools(&self) -> &[BudgetPool] {
        &self.pools
    }

    pub fn pool(&self, id: &str) -> Option<&BudgetPool> {
        self.pools.iter().find(|p| p.id == id)
    }

    /// Minimum share of the money for enterprise transformation, percent (80).
    pub fn min_enterprise_share_pct(&self) -> u32 {
        self.min_enterprise_share_pct
    }

    pub fn eligibility(&self) -> &Eligibility {
        &self.eligibility
    }

    pub fn excluded_categories(&self) -> &[SpendCategory] {
        &self.excluded_categories
    }

    /// The categories the programme subsidises, when it lists them (then every other one is excluded).
    pub fn eligible_categories(&self) -> &[SpendCategory] {
        &self.eligible_categories
    }

    /// Whether spend in `category` is outside the subsidy base: not in the programme's eligible
    /// list when it has one, else in its excluded list.
    pub fn is_excluded(&self, category: SpendCategory) -> bool {
        if self.eligible_categories.is_empty() {
            self.excluded_categories.contains(&category)
        } else {
            !self.eligible_categories.contains(&category)
        }
    }

    /// What the on-site assessment behind acceptance must be.
    pub fn onsite(&self) -> &OnsiteRule {
        &self.onsite
    }

    /// Months after listing within which the transformation must be finished (Changchun: 3).
    pub fn completion_months(&self) -> Option<u32> {
        self.completion_months
    }

    /// The last day to finish for an enterprise listed on `listed_on`, if the programme sets one.
    pub fn completion_deadline(&self, listed_on: Date) -> Option<Date> {
        self.completion_months.map(|m| listed_on.add_months(m))
    }

    pub fn subsidy(&self) -> &SubsidyRule {
        &self.subsidy
    }

    /// Acceptance criteria a new contract starts from.
    pub fn default_criteria(&self) -> &[Criterion] {
        &self.default_criteria
    }

    /// SM3 of the file text (line endings normalised), lower-case hex: proves which rules produced
    /// a result and detects a file edited after use.
    /// Chain and cluster projects, if the programme has them.
    pub fn chain(&self) -> Option<&ChainRule> {
        self.chain.as_ref()
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

impl fmt::Display for Programme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（{} 第{}版）", self.name, self.id, self.version)
    }
}

/// "50%", "12.5%", "33.33%".
pub fn pct_of_bp(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else {
        let digits = format!("{frac:02}");
        format!("{whole}.{}%", digits.trim_end_matches('0'))
    }
}
