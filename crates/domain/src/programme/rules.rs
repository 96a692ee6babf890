//! A pilot programme's rules as versioned data (`data/programmes/*.toml`).
//!
//! City rules differ and change every batch (programme.md §5.8, §10.3, §10.4), so everything a
//! computation needs — window, sub-industries, entry criteria, excluded spend, subsidy rate, caps,
//! level bonus, tapering, instalments, budget pools — is read from a file, validated once by
//! [`Programme::from_toml`], and every result records the programme's id and version (and can
//! record its [`Programme::fingerprint`]). A correction ships as a new version, never as an edit.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

pub use super::contract::Criterion;
pub use super::date::Date;
use super::level_zh;
use crate::enterprise::IndustryCode;
use crate::money::Fen;
use crate::region::RegionCode;

/// The programme files shipped with Dengta, as (file name, text). Paths are relative to this file.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("nanjing-2024.toml", include_str!("../../../../data/programmes/nanjing-2024.toml")),
    ("zhongshan-2024.toml", include_str!("../../../../data/programmes/zhongshan-2024.toml")),
    ("longyan-2024.toml", include_str!("../../../../data/programmes/longyan-2024.toml")),
];

/// Highest digital level of the assessment (四级).
pub const MAX_LEVEL: u8 = 4;
/// 100% in basis points.
pub const FULL_BP: u32 = 10_000;

// ───────────────────────────── enums ─────────────────────────────

/// Who runs the programme: a national pilot city, a provincial pilot, or a city's own scheme.
/// One enterprise can sit in several at once, each with its own rules (programme.md §5.1 D).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeLevel {
    National,
    Province,
    City,
}

impl ProgrammeLevel {
    pub const ALL: [ProgrammeLevel; 3] = [ProgrammeLevel::National, ProgrammeLevel::Province, ProgrammeLevel::City];

    pub fn code(self) -> &'static str {
        match self {
            ProgrammeLevel::National => "national",
            ProgrammeLevel::Province => "province",
            ProgrammeLevel::City => "city",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProgrammeLevel::National => "国家级",
            ProgrammeLevel::Province => "省级",
            ProgrammeLevel::City => "市级",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<ProgrammeLevel> {
        let s = s.trim();
        ProgrammeLevel::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }
}

/// What an investment line buys. The first five are the usual eligible spend (programme.md §5.3
/// Yinchuan, §10.3); the last four are the usual exclusions (Xi'an). Each programme lists its own
/// exclusions in [`Programme::excluded_categories`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendCategory {
    Software,
    Cloud,
    Gateway,
    DataAcquisition,
    Service,
    Hardware,
    OfficePc,
    Cabling,
    EmbeddedPlc,
}

impl SpendCategory {
    pub const ALL: [SpendCategory; 9] = [
        SpendCategory::Software,
        SpendCategory::Cloud,
        SpendCategory::Gateway,
        SpendCategory::DataAcquisition,
        SpendCategory::Service,
        SpendCategory::Hardware,
        SpendCategory::OfficePc,
        SpendCategory::Cabling,
        SpendCategory::EmbeddedPlc,
    ];

    /// The stable snake_case code (same as the serde form).
    pub fn code(self) -> &'static str {
        match self {
            SpendCategory::Software => "software",
            SpendCategory::Cloud => "cloud",
            SpendCategory::Gateway => "gateway",
            SpendCategory::DataAcquisition => "data_acquisition",
            SpendCategory::Service => "service",
            SpendCategory::Hardware => "hardware",
            SpendCategory::OfficePc => "office_pc",
            SpendCategory::Cabling => "cabling",
            SpendCategory::EmbeddedPlc => "embedded_plc",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SpendCategory::Software => "软件",
            SpendCategory::Cloud => "云服务",
            SpendCategory::Gateway => "网关路由",
            SpendCategory::DataAcquisition => "数据采集设备",
            SpendCategory::Service => "服务",
            SpendCategory::Hardware => "其他硬件",
            SpendCategory::OfficePc => "办公电脑",
            SpendCategory::Cabling => "布线工程",
            SpendCategory::EmbeddedPlc => "嵌入式PLC软件",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<SpendCategory> {
        let s = s.trim();
        SpendCategory::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }
}

/// What a budget pool pays for: at least [`Programme::min_enterprise_share_pct`] of the money goes
/// to enterprise transformation, the rest to public services (programme.md §5.1 B).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolPurpose {
    Enterprise,
    Services,
}

impl PoolPurpose {
    pub const ALL: [PoolPurpose; 2] = [PoolPurpose::Enterprise, PoolPurpose::Services];

    pub fn code(self) -> &'static str {
        match self {
            PoolPurpose::Enterprise => "enterprise",
            PoolPurpose::Services => "services",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PoolPurpose::Enterprise => "企业数字化改造",
            PoolPurpose::Services => "公共服务",
        }
    }

    pub fn parse(s: &str) -> Option<PoolPurpose> {
        let s = s.trim();
        PoolPurpose::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }
}

/// When an instalment of the subsidy is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentStage {
    /// After the contract is signed and the down payment made (Longyan's 预拨).
    AfterContract,
    /// After acceptance: takes the balance.
    AfterAcceptance,
}

impl InstalmentStage {
    pub const ALL: [InstalmentStage; 2] = [InstalmentStage::AfterContract, InstalmentStage::AfterAcceptance];

    pub fn code(self) -> &'static str {
        match self {
            InstalmentStage::AfterContract => "after_contract",
            InstalmentStage::AfterAcceptance => "after_acceptance",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            InstalmentStage::AfterContract => "签约后预拨",
            InstalmentStage::AfterAcceptance => "验收后拨付",
        }
    }

    pub fn parse(s: &str) -> Option<InstalmentStage> {
        let s = s.trim();
        InstalmentStage::ALL.into_iter().find(|x| x.code() == s || x.label_zh() == s)
    }
}

/// A dated step of the acceptance procedure that a taper step may require by a deadline
/// (Nanjing's January 2026 notice: the district truthfulness check by one day, the on-site
/// assessment, the special financial audit and the filing by another).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatedStep {
    /// 区级真实性核查: the district officer's verify step of the acceptance.
    DistrictCheck,
    /// 第三方现场评测: the on-site assessment's submission.
    OnsiteAssessment,
    /// 专项财务审计: the financial check recorded by the city.
    FinanceAudit,
    /// 建档 (企业信息档案完善): the acceptance file completed with the assessment and the audit.
    Filing,
}

impl DatedStep {
    pub const ALL: [DatedStep; 4] =
        [DatedStep::DistrictCheck, DatedStep::OnsiteAssessment, DatedStep::FinanceAudit, DatedStep::Filing];

    pub fn code(self) -> &'static str {
        match self {
            DatedStep::DistrictCheck => "district_check",
            DatedStep::OnsiteAssessment => "onsite_assessment",
            DatedStep::FinanceAudit => "finance_audit",
            DatedStep::Filing => "filing",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DatedStep::DistrictCheck => "区级真实性核查",
            DatedStep::OnsiteAssessment => "第三方现场评测",
            DatedStep::FinanceAudit => "专项财务审计",
            DatedStep::Filing => "建档",
        }
    }
}

/// When each dated step of a project's acceptance was done (Beijing calendar days).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepDates {
    pub district_check: Option<Date>,
    pub onsite_assessment: Option<Date>,
    pub finance_audit: Option<Date>,
    pub filing: Option<Date>,
}

impl StepDates {
    pub fn of(&self, step: DatedStep) -> Option<Date> {
        match step {
            DatedStep::DistrictCheck => self.district_check,
            DatedStep::OnsiteAssessment => self.onsite_assessment,
            DatedStep::FinanceAudit => self.finance_audit,
            DatedStep::Filing => self.filing,
        }
    }
}

/// What an instalment before acceptance is a share of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentBase {
    /// The award (核定补助).
    #[default]
    Award,
    /// The contract's down payment (首付金额), as Longyan's 实施细则 says.
    DownPayment,
}

/// How a budget pool is shared out when applications exceed it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolOrder {
    /// 总量控制、先到先补: in order of application until the pool is exhausted.
    #[default]
    FirstComeFirstServed,
}

impl PoolOrder {
    pub fn code(self) -> &'static str {
        match self {
            PoolOrder::FirstComeFirstServed => "first_come_first_served",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PoolOrder::FirstComeFirstServed => "先到先补（按申报先后拨付，额满即止）",
        }
    }
}

// ───────────────────────────── rule parts ─────────────────────────────

/// A city-defined sub-industry (细分行业) and the GB/T 4754-2017 codes it covers, canonical
/// (section letter first: "C36", "C3973").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubIndustryRule {
    pub name: String,
    pub codes: Vec<String>,
}

/// What the on-site assessment (现场评测) behind acceptance must be (工信厅企业〔2024〕56号: pilot
/// enterprises are rated on site against the 2024 instrument).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnsiteRule {
    /// The instrument edition it must use, e.g. "2024"; `None` = any.
    #[serde(default)]
    pub edition: Option<String>,
    /// It must be made (created and submitted) after the project was completed.
    #[serde(default)]
    pub after_completion: bool,
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

/// A validated programme. Only [`Programme::from_toml`] makes one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Programme {
    id: String,
    version: u32,
    name: String,
    level: ProgrammeLevel,
    region: RegionCode,
    batch: String,
    window: (Date, Date),
    sub_industries: Vec<SubIndustryRule>,
    targets: Targets,
    pools: Vec<BudgetPool>,
    min_enterprise_share_pct: u32,
    eligibility: Eligibility,
    excluded_categories: Vec<SpendCategory>,
    eligible_categories: Vec<SpendCategory>,
    onsite: OnsiteRule,
    completion_months: Option<u32>,
    subsidy: SubsidyRule,
    default_criteria: Vec<Criterion>,
    fingerprint: String,
}

/// Why a programme file was refused. `place` names the field in Chinese with its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("试点规则文件无法解析（{}）：{message}", line_note(.line))]
    Parse { line: Option<usize>, message: String },
    #[error("试点规则文件有误：{place}：{problem}")]
    Invalid { place: String, problem: String },
    #[error("内置试点规则 {file} 有误：{error}")]
    Builtin { file: String, error: Box<RulesError> },
    #[error("试点规则“{id}”第 {version} 版重复")]
    Duplicate { id: String, version: u32 },
}

fn line_note(line: &Option<usize>) -> String {
    line.map_or_else(|| "位置不明".to_owned(), |l| format!("第{l}行"))
}

fn invalid(place: impl Into<String>, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid { place: place.into(), problem: problem.into() }
}

impl Programme {
    /// Parses and validates a programme file; errors name the field in Chinese.
    pub fn from_toml(text: &str) -> Result<Programme, RulesError> {
        let raw: RawProgramme = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        raw.validate(fingerprint(text))
    }

    /// The programmes shipped in the binary; fails if any is invalid or two share an id and version.
    pub fn builtin() -> Result<Vec<Programme>, RulesError> {
        let mut out: Vec<Programme> = Vec::new();
        for (file, text) in BUILTIN_FILES {
            let p = Programme::from_toml(text)
                .map_err(|error| RulesError::Builtin { file: (*file).to_owned(), error: Box::new(error) })?;
            if out.iter().any(|o| o.id == p.id && o.version == p.version) {
                return Err(RulesError::Duplicate { id: p.id, version: p.version });
            }
            out.push(p);
        }
        Ok(out)
    }

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
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

impl fmt::Display for Programme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（{} 第{}版）", self.name, self.id, self.version)
    }
}

fn fingerprint(text: &str) -> String {
    let digest = Sm3::digest(text.replace("\r\n", "\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
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

// ───────────────────────────── file format ─────────────────────────────

/// A date written as a TOML string ("2024-10-18") or a bare TOML date (2024-10-18).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDate {
    fn resolve(&self, place: &str) -> Result<Date, RulesError> {
        let text = match self {
            RawDate::Text(s) => s.clone(),
            RawDate::Toml(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
                _ => return Err(invalid(place, format!("“{dt}”应为日期（YYYY-MM-DD），不能带时间"))),
            },
        };
        Date::parse(&text).map_err(|e| invalid(place, e.to_string()))
    }
}

/// An amount in 元: a whole number (`500_000`) or a string with up to two decimals ("33,333.33").
#[derive(Deserialize)]
#[serde(untagged)]
enum RawYuan {
    Whole(i64),
    Text(String),
}

impl RawYuan {
    fn resolve(&self, place: &str) -> Result<Fen, RulesError> {
        let fen = match self {
            RawYuan::Whole(y) => y.checked_mul(100).map(Fen).ok_or_else(|| invalid(place, "金额超出范围"))?,
            RawYuan::Text(s) => Fen::parse_yuan(s).map_err(|e| invalid(place, e.to_string()))?,
        };
        if fen.0 <= 0 {
            return Err(invalid(place, format!("金额须大于0，收到 {fen} 元")));
        }
        Ok(fen)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    id: String,
    version: u32,
    name: String,
    level: ProgrammeLevel,
    region: String,
    batch: String,
    window_start: RawDate,
    window_end: RawDate,
    #[serde(default)]
    completion_months: Option<u32>,
    min_enterprise_share_pct: u32,
    #[serde(default)]
    excluded_categories: Vec<SpendCategory>,
    #[serde(default)]
    eligible_categories: Vec<SpendCategory>,
    #[serde(default)]
    onsite: OnsiteRule,
    #[serde(default)]
    targets: Targets,
    eligibility: Eligibility,
    #[serde(default, rename = "sub_industry")]
    sub_industries: Vec<RawSubIndustry>,
    #[serde(default, rename = "pool")]
    pools: Vec<RawPool>,
    subsidy: RawSubsidy,
    #[serde(default, rename = "criterion")]
    criteria: Vec<Criterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubIndustry {
    name: String,
    codes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPool {
    id: String,
    name: String,
    amount_yuan: RawYuan,
    purpose: PoolPurpose,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevelYuan {
    level: u8,
    amount_yuan: RawYuan,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubsidy {
    rate_bp: u32,
    #[serde(default)]
    cap_yuan: Option<RawYuan>,
    #[serde(default)]
    cap_by_level: Option<Vec<RawLevelYuan>>,
    #[serde(default)]
    level_bonus: Vec<RawLevelYuan>,
    min_level: u8,
    #[serde(default)]
    taper: Vec<RawTaper>,
    #[serde(default, rename = "instalment")]
    instalments: Vec<RawInstalment>,
    #[serde(default)]
    pool_order: PoolOrder,
    #[serde(default)]
    cap_shared_with: Vec<String>,
    #[serde(default = "yes")]
    rate_verified: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaper {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    until: Option<RawDate>,
    #[serde(default, rename = "deadline")]
    deadlines: Vec<RawDeadline>,
    rate_bp: u32,
    #[serde(default)]
    cap_yuan: Option<RawYuan>,
    #[serde(default)]
    cap_by_level: Option<Vec<RawLevelYuan>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    step: DatedStep,
    by: RawDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstalment {
    stage: InstalmentStage,
    #[serde(default)]
    base: InstalmentBase,
    #[serde(default)]
    share_bp: Option<u32>,
    #[serde(default)]
    cap_yuan: Option<RawYuan>,
}

fn check_id(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

fn check_rate(place: &str, bp: u32) -> Result<(), RulesError> {
    if bp == 0 || bp > FULL_BP {
        return Err(invalid(place, format!("应为1至10000之间的基点数（5000 = 50%），收到 {bp}")));
    }
    Ok(())
}

fn check_level(place: &str, level: u8) -> Result<(), RulesError> {
    if !(1..=MAX_LEVEL).contains(&level) {
        return Err(invalid(place, format!("等级应为1至4（一级至四级），收到 {level}")));
    }
    Ok(())
}

/// (level, amount) rows: levels valid, unique and ascending.
fn level_rows(place: &str, rows: &[RawLevelYuan]) -> Result<Vec<(u8, Fen)>, RulesError> {
    let mut out: Vec<(u8, Fen)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let here = format!("{place}第{}行", i + 1);
        check_level(&format!("{here}的等级（level）"), row.level)?;
        if out.last().is_some_and(|(prev, _)| *prev >= row.level) {
            return Err(invalid(format!("{here}的等级（level）"), "各行等级须由低到高排列且不重复"));
        }
        out.push((row.level, row.amount_yuan.resolve(&format!("{here}的金额（amount_yuan）"))?));
    }
    Ok(out)
}

fn cap_of(
    place: &str,
    flat: &Option<RawYuan>,
    by_level: &Option<Vec<RawLevelYuan>>,
    min_level: u8,
) -> Result<Cap, RulesError> {
    match (flat, by_level) {
        (Some(f), None) => Ok(Cap::Flat(f.resolve(&format!("{place}的统一上限（cap_yuan）"))?)),
        (None, Some(rows)) => {
            let by_level_place = format!("{place}的分级上限（cap_by_level）");
            let rows = level_rows(&by_level_place, rows)?;
            match rows.first() {
                None => Err(invalid(by_level_place, "至少列出一个等级的上限")),
                Some((lowest, _)) if *lowest > min_level => Err(invalid(
                    by_level_place,
                    format!(
                        "最低列到{}，但补助起点等级为{}，{}没有上限",
                        level_zh(*lowest),
                        level_zh(min_level),
                        level_zh(min_level)
                    ),
                )),
                Some(_) => Ok(Cap::ByLevel(rows)),
            }
        }
        (Some(_), Some(_)) => Err(invalid(place, "统一上限（cap_yuan）与分级上限（cap_by_level）只能填写一个")),
        (None, None) => Err(invalid(place, "缺少补助上限：请填写统一上限（cap_yuan）或分级上限（cap_by_level）")),
    }
}

impl RawProgramme {
    fn validate(self, fingerprint: String) -> Result<Programme, RulesError> {
        if !check_id(&self.id) {
            return Err(invalid("规则标识（id）", format!("应为小写字母、数字和连字符，收到“{}”", self.id)));
        }
        if self.version == 0 {
            return Err(invalid("版本号（version）", "应从1开始"));
        }
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(invalid("试点名称（name）", "不能为空"));
        }
        let region = RegionCode::parse(&self.region).map_err(|e| invalid("试点地区（region）", e.to_string()))?;
        if self.level == ProgrammeLevel::National && region.as_str() != crate::region::NATIONAL {
            return Err(invalid("试点地区（region）", "国家级试点的地区应为100000"));
        }
        let batch = self.batch.trim().to_owned();
        if batch.is_empty() {
            return Err(invalid("批次（batch）", "不能为空"));
        }
        let start = self.window_start.resolve("实施期起始日（window_start）")?;
        let end = self.window_end.resolve("实施期截止日（window_end）")?;
        if start > end {
            return Err(invalid("实施期截止日（window_end）", format!("{end} 早于起始日 {start}")));
        }
        if self.completion_months == Some(0) {
            return Err(invalid("完成期限（completion_months）", "应至少为1个月；不设期限请删去此项"));
        }
        if self.min_enterprise_share_pct > 100 {
            return Err(invalid("企业改造资金最低占比（min_enterprise_share_pct）", "应为0至100的百分数"));
        }
        let mut seen = HashSet::new();
        for c in &self.excluded_categories {
            if !seen.insert(*c) {
                return Err(invalid("不予补助的支出类别（excluded_categories）", format!("“{}”重复", c.label_zh())));
            }
        }
        let mut listed = HashSet::new();
        for c in &self.eligible_categories {
            if !listed.insert(*c) || seen.contains(c) {
                return Err(invalid(
                    "可补助的支出类别（eligible_categories）",
                    format!("“{}”重复或同时列为不予补助", c.label_zh()),
                ));
            }
        }
        if let Some(e) = &self.onsite.edition
            && e.trim().is_empty()
        {
            return Err(invalid("现场评测（onsite.edition）", "评测指标版本不能为空；不限版本请删去此项"));
        }
        if self.targets.share_l2_above_scale_pct.is_some_and(|p| p > 100) {
            return Err(invalid("目标中规上企业达二级比例（targets.share_l2_above_scale_pct）", "应为0至100的百分数"));
        }

        let sub_industries = validate_sub_industries(&self.sub_industries)?;
        if self.eligibility.sub_industry_required && sub_industries.is_empty() {
            return Err(invalid(
                "细分行业（[[sub_industry]]）",
                "入库条件要求属于细分行业（eligibility.sub_industry_required），但未列出任何细分行业",
            ));
        }
        let pools = validate_pools(&self.pools, self.min_enterprise_share_pct)?;
        let subsidy = validate_subsidy(&self.subsidy)?;
        for (i, c) in self.criteria.iter().enumerate() {
            c.check().map_err(|problem| invalid(format!("第{}个验收条件（[[criterion]]）", i + 1), problem))?;
        }

        Ok(Programme {
            id: self.id,
            version: self.version,
            name,
            level: self.level,
            region,
            batch,
            window: (start, end),
            sub_industries,
            targets: self.targets,
            pools,
            min_enterprise_share_pct: self.min_enterprise_share_pct,
            eligibility: self.eligibility,
            excluded_categories: self.excluded_categories,
            eligible_categories: self.eligible_categories,
            onsite: self.onsite,
            completion_months: self.completion_months,
            subsidy,
            default_criteria: self.criteria,
            fingerprint,
        })
    }
}

fn validate_sub_industries(raw: &[RawSubIndustry]) -> Result<Vec<SubIndustryRule>, RulesError> {
    let mut out: Vec<SubIndustryRule> = Vec::new();
    let mut all_codes: Vec<(IndustryCode, String)> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let name = s.name.trim().to_owned();
        let place = format!("第{}个细分行业（[[sub_industry]]）", i + 1);
        if name.is_empty() {
            return Err(invalid(format!("{place}的名称（name）"), "不能为空"));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(invalid(format!("{place}的名称（name）"), format!("“{name}”重复")));
        }
        let place = format!("第{}个细分行业（{name}）的行业代码（codes）", i + 1);
        if s.codes.is_empty() {
            return Err(invalid(place, "至少列出一个GB/T 4754-2017行业代码"));
        }
        let mut codes = Vec::new();
        for c in &s.codes {
            let code = IndustryCode::parse(c).map_err(|e| invalid(&place, e.to_string()))?;
            if let Some((_, owner)) = all_codes.iter().find(|(other, _)| *other == code) {
                return Err(invalid(&place, format!("行业代码{code}已列在“{owner}”中")));
            }
            all_codes.push((code.clone(), name.clone()));
            codes.push(code.to_string());
        }
        out.push(SubIndustryRule { name, codes });
    }
    Ok(out)
}

fn validate_pools(raw: &[RawPool], min_share_pct: u32) -> Result<Vec<BudgetPool>, RulesError> {
    let mut out: Vec<BudgetPool> = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let place = format!("第{}个预算池（[[pool]]）", i + 1);
        if !check_id(&p.id) {
            return Err(invalid(format!("{place}的标识（id）"), format!("应为小写字母、数字和连字符，收到“{}”", p.id)));
        }
        if out.iter().any(|o| o.id == p.id) {
            return Err(invalid(format!("{place}的标识（id）"), format!("“{}”重复", p.id)));
        }
        let name = p.name.trim().to_owned();
        if name.is_empty() {
            return Err(invalid(format!("{place}的名称（name）"), "不能为空"));
        }
        let amount = p.amount_yuan.resolve(&format!("{place}的金额（amount_yuan）"))?;
        out.push(BudgetPool { id: p.id.clone(), name, amount, purpose: p.purpose });
    }
    let total: i128 = out.iter().map(|p| i128::from(p.amount.0)).sum();
    let enterprise: i128 =
        out.iter().filter(|p| p.purpose == PoolPurpose::Enterprise).map(|p| i128::from(p.amount.0)).sum();
    if total > 0 && enterprise * 100 < total * i128::from(min_share_pct) {
        return Err(invalid(
            "预算池（[[pool]]）",
            format!(
                "用于企业数字化改造的资金占 {}，低于规定的 {min_share_pct}%",
                pct_of_bp(u32::try_from(enterprise * 10_000 / total).unwrap_or(0))
            ),
        ));
    }
    Ok(out)
}

fn validate_subsidy(raw: &RawSubsidy) -> Result<SubsidyRule, RulesError> {
    check_rate("补助比例（subsidy.rate_bp）", raw.rate_bp)?;
    check_level("补助起点等级（subsidy.min_level）", raw.min_level)?;
    let cap = cap_of("补助上限（subsidy）", &raw.cap_yuan, &raw.cap_by_level, raw.min_level)?;
    let level_bonus = level_rows("等级奖励（subsidy.level_bonus）", &raw.level_bonus)?;

    let mut taper: Vec<TaperStep> = Vec::new();
    for (i, t) in raw.taper.iter().enumerate() {
        let place = format!("第{}个退坡档（[[subsidy.taper]]）", i + 1);
        let until = t.until.as_ref().map(|u| u.resolve(&format!("{place}的截止日期（until）"))).transpose()?;
        if let Some(until) = until
            && let Some(prev) = taper.iter().filter_map(|p| p.until).next_back().filter(|prev| *prev >= until)
        {
            return Err(invalid(
                format!("{place}的截止日期（until）"),
                format!("{until} 不晚于上一档的 {prev}；各档须按截止日期由早到晚排列"),
            ));
        }
        let mut deadlines: Vec<(DatedStep, Date)> = Vec::new();
        for (j, dl) in t.deadlines.iter().enumerate() {
            let here = format!("{place}的第{}个办结时限（[[subsidy.taper.deadline]]）", j + 1);
            if deadlines.iter().any(|(s, _)| *s == dl.step) {
                return Err(invalid(here, format!("“{}”重复", dl.step.label_zh())));
            }
            deadlines.push((dl.step, dl.by.resolve(&format!("{here}的日期（by）"))?));
        }
        if until.is_none() && deadlines.is_empty() {
            return Err(invalid(&place, "须写明完成日期截止（until）或各环节办结时限（[[subsidy.taper.deadline]]）"));
        }
        check_rate(&format!("{place}的补助比例（rate_bp）"), t.rate_bp)?;
        let cap = cap_of(&place, &t.cap_yuan, &t.cap_by_level, raw.min_level)?;
        let name = t.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("退坡前").to_owned();
        taper.push(TaperStep { name, until, deadlines, rate_bp: t.rate_bp, cap });
    }

    if raw.instalments.is_empty() {
        return Err(invalid(
            "拨付安排（[[subsidy.instalment]]）",
            "至少一期；一次性拨付请写一期验收后拨付（after_acceptance）",
        ));
    }
    let mut instalments: Vec<Instalment> = Vec::new();
    let mut used_bp: u32 = 0;
    let last = raw.instalments.len() - 1;
    for (i, r) in raw.instalments.iter().enumerate() {
        let place = format!("第{}期拨付（[[subsidy.instalment]]）", i + 1);
        if instalments.iter().any(|x| x.stage == r.stage) {
            return Err(invalid(format!("{place}的阶段（stage）"), format!("“{}”重复", r.stage.label_zh())));
        }
        if r.stage == InstalmentStage::AfterAcceptance {
            if i != last {
                return Err(invalid(format!("{place}的阶段（stage）"), "验收后拨付须为最后一期，领取余额"));
            }
            let balance = FULL_BP - used_bp;
            if r.share_bp.is_some_and(|s| s != balance) {
                return Err(invalid(
                    format!("{place}的比例（share_bp）"),
                    format!("验收后拨付领取余额，应为 {balance}（{}），或不填", pct_of_bp(balance)),
                ));
            }
            if r.cap_yuan.is_some() {
                return Err(invalid(format!("{place}的上限（cap_yuan）"), "验收后拨付领取余额，不设上限"));
            }
            if r.base != InstalmentBase::Award {
                return Err(invalid(format!("{place}的基数（base）"), "验收后拨付领取余额，不另设基数"));
            }
            instalments.push(Instalment { stage: r.stage, share_bp: balance, cap: None, base: r.base });
        } else {
            if i == last {
                return Err(invalid(
                    format!("{place}的阶段（stage）"),
                    "最后一期须为验收后拨付（after_acceptance），领取余额",
                ));
            }
            let share = r.share_bp.ok_or_else(|| invalid(format!("{place}的比例（share_bp）"), "缺少比例"))?;
            if share == 0 || used_bp + share >= FULL_BP {
                return Err(invalid(
                    format!("{place}的比例（share_bp）"),
                    format!("应大于0，且各期预拨合计小于10000（100%），收到 {share}"),
                ));
            }
            used_bp += share;
            let cap = r.cap_yuan.as_ref().map(|c| c.resolve(&format!("{place}的上限（cap_yuan）"))).transpose()?;
            instalments.push(Instalment { stage: r.stage, share_bp: share, cap, base: r.base });
        }
    }

    Ok(SubsidyRule {
        rate_bp: raw.rate_bp,
        cap,
        level_bonus,
        min_level: raw.min_level,
        taper,
        instalments,
        pool_order: raw.pool_order,
        cap_shared_with: {
            for id in &raw.cap_shared_with {
                if !check_id(id) {
                    return Err(invalid(
                        "共享上限的试点（subsidy.cap_shared_with）",
                        format!("应为试点规则标识，收到“{id}”"),
                    ));
                }
            }
            raw.cap_shared_with.clone()
        },
        rate_verified: raw.rate_verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(id: &str) -> Programme {
        Programme::builtin().unwrap().into_iter().find(|p| p.id() == id).unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn builtin_programmes_load() {
        let all = Programme::builtin().unwrap();
        let ids: Vec<&str> = all.iter().map(Programme::id).collect();
        assert_eq!(ids, ["nanjing-2024", "zhongshan-2024", "longyan-2024"]);
        for p in &all {
            assert!(!p.eligible_categories().is_empty(), "{}: eligible spend listed exactly", p.id());
            assert_eq!(p.onsite().edition.as_deref(), Some("2024"), "{}", p.id());
        }
        for p in &all {
            assert_eq!(p.fingerprint().len(), 64, "{}", p.id());
            assert!(p.fingerprint().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert_eq!(p.min_enterprise_share_pct(), 80);
            assert_eq!(p.subsidy().min_level, 2);
            assert!(!p.default_criteria().is_empty());
            assert_eq!(p.subsidy().instalments.last().map(|i| i.stage), Some(InstalmentStage::AfterAcceptance));
        }
    }

    #[test]
    fn nanjing_as_data() {
        let p = builtin("nanjing-2024");
        assert_eq!(p.version(), 2);
        assert_eq!(p.rule_ref(), "nanjing-2024 v2");
        assert_eq!(p.level(), ProgrammeLevel::City);
        assert_eq!(p.region(), "320100");
        assert_eq!(p.batch(), "2024");
        assert_eq!(p.window(), (d("2024-10-18"), d("2026-10-31")));
        assert!(p.in_window(d("2024-10-18")) && p.in_window(d("2026-10-31")));
        assert!(!p.in_window(d("2024-10-17")) && !p.in_window(d("2026-11-01")));
        let s = p.subsidy();
        // Base = the later terms; the taper step holds batch 1's terms and the dated steps earning them.
        assert_eq!((s.rate_bp, &s.cap), (4000, &Cap::Flat(Fen(40_000_000))));
        assert_eq!(
            s.taper,
            vec![TaperStep {
                name: "第一批".into(),
                until: None,
                deadlines: vec![
                    (DatedStep::DistrictCheck, d("2026-01-20")),
                    (DatedStep::OnsiteAssessment, d("2026-01-27")),
                    (DatedStep::FinanceAudit, d("2026-01-27")),
                    (DatedStep::Filing, d("2026-01-27")),
                ],
                rate_bp: 5000,
                cap: Cap::Flat(Fen(50_000_000))
            }]
        );
        let on_time = StepDates {
            district_check: Some(d("2026-01-20")),
            onsite_assessment: Some(d("2026-01-27")),
            finance_audit: Some(d("2026-01-27")),
            filing: Some(d("2026-01-27")),
        };
        // The completion date does not decide; the deadline days themselves still count.
        assert_eq!(s.terms(d("2026-01-05"), &on_time).0, 5000);
        assert_eq!(
            s.terms(d("2025-12-20"), &StepDates { onsite_assessment: Some(d("2026-02-03")), ..on_time }).0,
            4000
        );
        assert_eq!(s.terms(d("2025-12-20"), &StepDates { district_check: Some(d("2026-01-21")), ..on_time }).0, 4000);
        assert_eq!(s.terms(d("2025-12-20"), &StepDates { filing: None, ..on_time }).0, 4000);
        assert_eq!(p.eligible_categories().len(), 5);
        assert!(p.is_excluded(SpendCategory::Hardware) && !p.is_excluded(SpendCategory::Service));
        assert_eq!(p.onsite(), &OnsiteRule { edition: Some("2024".into()), after_completion: true });
        assert!(s.rate_verified && s.cap_shared_with.is_empty());
        assert_eq!(s.level_bonus, vec![(4, Fen(20_000_000))]);
        assert_eq!(s.bonus_for(3), Fen::ZERO);
        assert_eq!(s.bonus_for(4), Fen(20_000_000));
        assert_eq!(
            s.instalments,
            vec![Instalment {
                stage: InstalmentStage::AfterAcceptance,
                share_bp: 10_000,
                cap: None,
                base: InstalmentBase::Award
            }]
        );
        assert_eq!(s.pool_order, PoolOrder::FirstComeFirstServed);
        let e = p.eligibility();
        assert!(e.sme_required && e.local_required && e.sub_industry_required);
        assert!(e.no_serious_dishonesty && e.not_double_funded && e.baseline_assessment_required);
        assert!(!e.above_scale_required);
        let pools: Vec<(&str, i64, PoolPurpose)> =
            p.pools().iter().map(|x| (x.id.as_str(), x.amount.0, x.purpose)).collect();
        assert_eq!(
            pools,
            [
                ("enterprise", 8_000_000_000, PoolPurpose::Enterprise),
                ("services", 2_000_000_000, PoolPurpose::Services)
            ]
        );
        assert_eq!(p.pool("services").map(|x| x.name.as_str()), Some("公共服务"));
        assert_eq!(p.targets().share_l2_above_scale_pct, Some(90));
        assert!(p.is_excluded(SpendCategory::OfficePc) && !p.is_excluded(SpendCategory::Software));
        assert_eq!(p.completion_months(), Some(12));
        assert_eq!(p.completion_deadline(d("2025-01-01")), Some(d("2026-01-01")));
    }

    #[test]
    fn zhongshan_and_longyan_as_data() {
        let z = builtin("zhongshan-2024");
        assert_eq!((z.level(), z.region()), (ProgrammeLevel::Province, "442000"));
        assert_eq!(z.window(), (d("2023-10-11"), d("2026-12-31")));
        assert_eq!(
            z.subsidy().cap,
            Cap::ByLevel(vec![(2, Fen(30_000_000)), (3, Fen(60_000_000)), (4, Fen(100_000_000))])
        );
        assert_eq!(z.subsidy().rate_bp, 3000);
        assert!(!z.subsidy().rate_verified, "only Zhongshan's caps are verified");
        assert!(z.eligibility().above_scale_required);
        assert_eq!(z.sub_industry_of("C3851").map(|s| s.name.as_str()), Some("智能家居"));
        assert_eq!(z.sub_industry_of("2110").map(|s| s.name.as_str()), Some("智能家居"));
        assert_eq!(z.targets().enterprises, Some(350));

        let l = builtin("longyan-2024");
        assert_eq!((l.level(), l.region()), (ProgrammeLevel::City, "350800"));
        assert_eq!(l.window(), (d("2024-10-18"), d("2026-12-31")));
        let s = l.subsidy();
        assert_eq!(s.rate_bp, 5000);
        assert_eq!(s.cap.for_level(2), Some(Fen(25_000_000)));
        assert_eq!(s.cap.for_level(3), Some(Fen(35_000_000)));
        assert_eq!(s.cap.for_level(4), Some(Fen(45_000_000)));
        assert_eq!(s.cap.for_level(1), None);
        assert_eq!(
            s.instalments,
            vec![
                Instalment {
                    stage: InstalmentStage::AfterContract,
                    share_bp: 4000,
                    cap: Some(Fen(15_000_000)),
                    base: InstalmentBase::DownPayment
                },
                Instalment {
                    stage: InstalmentStage::AfterAcceptance,
                    share_bp: 6000,
                    cap: None,
                    base: InstalmentBase::Award
                },
            ]
        );
        // Longyan's scope: software, cloud, data acquisition and transmission equipment — no services.
        for c in SpendCategory::ALL {
            let counted = matches!(
                c,
                SpendCategory::Software
                    | SpendCategory::Cloud
                    | SpendCategory::Gateway
                    | SpendCategory::DataAcquisition
            );
            assert_eq!(l.is_excluded(c), !counted, "{c:?}");
        }
        assert_eq!(s.cap.describe_zh(), "二级 250,000.00 元、三级 350,000.00 元、四级 450,000.00 元");
    }

    #[test]
    fn sub_industry_longest_prefix_wins() {
        let p = builtin("nanjing-2024");
        let of = |c: &str| p.sub_industry_of(c).map(|s| s.name.as_str());
        assert_eq!(of("C3484"), Some("智能制造装备"));
        assert_eq!(of("3562"), Some("智能制造装备"));
        // Only the three published sub-industries, industrial classes only.
        assert_eq!(of("C3670"), None);
        assert_eq!(of("C3981"), None);
        assert_eq!(of("C3973"), Some("集成电路"));
        assert_eq!(p.sub_industry_match("C3973").map(|(_, c)| c), Some("C3973"));
        assert_eq!(of("I6520"), None, "IC design is a service class");
        assert_eq!(of("C3821"), Some("智能电网"));
        assert_eq!(of("C2927"), None);
        assert_eq!(of("C"), None, "a section is coarser than every listed code");
        assert_eq!(of("not a code"), None);
        assert_eq!(of(""), None);
    }

    #[test]
    fn enums_round_trip() {
        for l in ProgrammeLevel::ALL {
            assert_eq!(ProgrammeLevel::parse(l.code()), Some(l));
            assert_eq!(ProgrammeLevel::parse(l.label_zh()), Some(l));
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.code()));
        }
        assert_eq!(ProgrammeLevel::Province.label_zh(), "省级");
        for c in SpendCategory::ALL {
            assert_eq!(SpendCategory::parse(c.code()), Some(c));
            assert_eq!(SpendCategory::parse(c.label_zh()), Some(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.code()));
        }
        assert_eq!(SpendCategory::EmbeddedPlc.label_zh(), "嵌入式PLC软件");
        for s in InstalmentStage::ALL {
            assert_eq!(InstalmentStage::parse(s.code()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.code()));
        }
        for p in PoolPurpose::ALL {
            assert_eq!(PoolPurpose::parse(p.label_zh()), Some(p));
        }
        assert_eq!(SpendCategory::parse("laptop"), None);
        assert_eq!(pct_of_bp(5000), "50%");
        assert_eq!(pct_of_bp(1250), "12.5%");
        assert_eq!(pct_of_bp(3333), "33.33%");
        let json = serde_json::to_value(builtin("longyan-2024")).unwrap();
        assert_eq!(json["subsidy"]["cap"]["by_level"][0], serde_json::json!([2, 25_000_000]));
        assert_eq!(json["window"], serde_json::json!(["2024-10-18", "2026-12-31"]));
    }

    #[test]
    fn fingerprint_ignores_line_endings_only() {
        let text = BUILTIN_FILES[2].1;
        let a = Programme::from_toml(text).unwrap();
        let b = Programme::from_toml(&text.replace('\n', "\r\n")).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = Programme::from_toml(&format!("{text}\n# edited\n")).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_eq!(a, Programme { fingerprint: a.fingerprint.clone(), ..c });
    }

    /// A small valid file to edit in the validation tests.
    const MINIMAL: &str = r#"
id = "test-1"
version = 1
name = "测试试点"
level = "city"
region = "320100"
batch = "2024"
window_start = 2024-10-18
window_end = "2026-12-31"
min_enterprise_share_pct = 80

[eligibility]
sme_required = true
local_required = true
sub_industry_required = true
no_serious_dishonesty = true
not_double_funded = true
baseline_assessment_required = false
above_scale_required = false

[[sub_industry]]
name = "装备"
codes = ["34", "C35"]

[[pool]]
id = "enterprise"
name = "企业改造"
amount_yuan = 800
purpose = "enterprise"

[[pool]]
id = "services"
name = "公共服务"
amount_yuan = "200.00"
purpose = "services"

[subsidy]
rate_bp = 5000
cap_by_level = [{ level = 2, amount_yuan = 250_000 }, { level = 4, amount_yuan = "450,000" }]
min_level = 2

[[subsidy.instalment]]
stage = "after_contract"
share_bp = 4000
cap_yuan = 150000

[[subsidy.instalment]]
stage = "after_acceptance"

[[criterion]]
kind = "onsite_level_at_least"
level = 2
"#;

    fn edited(from: &str, to: &str) -> Result<Programme, RulesError> {
        assert!(MINIMAL.contains(from), "{from}");
        Programme::from_toml(&MINIMAL.replacen(from, to, 1))
    }

    fn problem(r: Result<Programme, RulesError>) -> (String, String) {
        match r {
            Err(RulesError::Invalid { place, problem }) => (place, problem),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn minimal_file_loads_with_bare_and_quoted_dates() {
        let p = Programme::from_toml(MINIMAL).unwrap();
        assert_eq!(p.window(), (d("2024-10-18"), d("2026-12-31")));
        assert_eq!(p.sub_industries()[0].codes, ["C34", "C35"]);
        assert_eq!(p.subsidy().cap.for_level(3), Some(Fen(25_000_000)), "三级 takes the 二级 row");
        assert_eq!(p.subsidy().instalments[1].share_bp, 6000);
        assert_eq!(p.pools()[1].amount, Fen(20_000));
        assert_eq!(p.default_criteria(), [Criterion::OnsiteLevelAtLeast { level: 2 }]);
        assert_eq!(p.to_string(), "测试试点（test-1 第1版）");
    }

    #[test]
    fn invalid_fields_are_named_in_chinese() {
        let cases: &[(&str, &str, &str)] = &[
            ("id = \"test-1\"", "id = \"Test 1\"", "规则标识（id）"),
            ("version = 1", "version = 0", "版本号（version）"),
            ("region = \"320100\"", "region = \"3201\"", "试点地区（region）"),
            ("window_end = \"2026-12-31\"", "window_end = \"2024-10-17\"", "实施期截止日（window_end）"),
            ("window_end = \"2026-12-31\"", "window_end = \"2026-02-30\"", "实施期截止日（window_end）"),
            ("window_start = 2024-10-18", "window_start = 2024-10-18T08:00:00", "实施期起始日（window_start）"),
            ("rate_bp = 5000", "rate_bp = 10001", "补助比例（subsidy.rate_bp）"),
            ("min_level = 2", "min_level = 5", "补助起点等级（subsidy.min_level）"),
            ("min_level = 2", "min_level = 1", "补助上限（subsidy）的分级上限（cap_by_level）"),
            (
                "{ level = 4, amount_yuan",
                "{ level = 2, amount_yuan",
                "补助上限（subsidy）的分级上限（cap_by_level）第2行的等级（level）",
            ),
            (
                "amount_yuan = 250_000",
                "amount_yuan = 0",
                "补助上限（subsidy）的分级上限（cap_by_level）第1行的金额（amount_yuan）",
            ),
            ("min_level = 2", "min_level = 2\ncap_yuan = 1", "补助上限（subsidy）"),
            ("codes = [\"34\", \"C35\"]", "codes = [\"34\", \"C99\"]", "第1个细分行业（装备）的行业代码（codes）"),
            ("codes = [\"34\", \"C35\"]", "codes = [\"34\", \"C34\"]", "第1个细分行业（装备）的行业代码（codes）"),
            ("codes = [\"34\", \"C35\"]", "codes = []", "第1个细分行业（装备）的行业代码（codes）"),
            ("amount_yuan = 800", "amount_yuan = 700", "预算池（[[pool]]）"),
            ("id = \"services\"", "id = \"enterprise\"", "第2个预算池（[[pool]]）的标识（id）"),
            ("share_bp = 4000", "share_bp = 10000", "第1期拨付（[[subsidy.instalment]]）的比例（share_bp）"),
            (
                "stage = \"after_acceptance\"",
                "stage = \"after_acceptance\"\nshare_bp = 5000",
                "第2期拨付（[[subsidy.instalment]]）的比例（share_bp）",
            ),
            (
                "stage = \"after_acceptance\"",
                "stage = \"after_contract\"",
                "第2期拨付（[[subsidy.instalment]]）的阶段（stage）",
            ),
            (
                "kind = \"onsite_level_at_least\"\nlevel = 2",
                "kind = \"onsite_level_at_least\"\nlevel = 7",
                "第1个验收条件（[[criterion]]）",
            ),
        ];
        for (from, to, place) in cases {
            let (got, why) = problem(edited(from, to));
            assert_eq!(&got, place, "{to}: {why}");
            assert!(!why.is_empty());
        }
        let (_, why) = problem(edited("amount_yuan = 800", "amount_yuan = 700"));
        assert_eq!(why, "用于企业数字化改造的资金占 77.77%，低于规定的 80%");
        let (_, why) = problem(edited("codes = [\"34\", \"C35\"]", "codes = [\"34\", \"C34\"]"));
        assert_eq!(why, "行业代码C34已列在“装备”中");
        let err = edited("window_end = \"2026-12-31\"", "window_end = \"2024-10-17\"").unwrap_err();
        assert_eq!(err.to_string(), "试点规则文件有误：实施期截止日（window_end）：2024-10-17 早于起始日 2024-10-18");
    }

    #[test]
    fn tapers_and_sub_industry_requirement_are_checked() {
        let taper = "\n[[subsidy.taper]]\nuntil = \"2025-12-31\"\nrate_bp = 5000\ncap_yuan = 500000\n\
                     \n[[subsidy.taper]]\nuntil = \"2025-06-30\"\nrate_bp = 4500\ncap_yuan = 450000\n";
        let text = MINIMAL.replacen("\n[[subsidy.instalment]]", &format!("{taper}\n[[subsidy.instalment]]"), 1);
        let (place, why) = problem(Programme::from_toml(&text));
        assert_eq!(place, "第2个退坡档（[[subsidy.taper]]）的截止日期（until）");
        assert!(why.contains("2025-06-30 不晚于上一档的 2025-12-31"), "{why}");
        let (place, why) = problem(Programme::from_toml(&text.replace("cap_yuan = 500000\n", "")));
        assert_eq!(place, "第1个退坡档（[[subsidy.taper]]）");
        assert_eq!(why, "缺少补助上限：请填写统一上限（cap_yuan）或分级上限（cap_by_level）");
        // A step with neither a completion date nor deadlines; a step named twice; a bad deadline.
        let (place, _) = problem(Programme::from_toml(&text.replacen("until = \"2025-12-31\"\n", "", 1)));
        assert_eq!(place, "第1个退坡档（[[subsidy.taper]]）");
        let dl = |a: &str, b: &str| {
            format!(
                "\n[[subsidy.taper]]\nrate_bp = 5000\ncap_yuan = 500000\n\n[[subsidy.taper.deadline]]\nstep = \"{a}\"\nby = \"2026-01-20\"\n\n[[subsidy.taper.deadline]]\nstep = \"{b}\"\nby = \"2026-01-27\"\n"
            )
        };
        let with = |t: String| MINIMAL.replacen("\n[[subsidy.instalment]]", &format!("{t}\n[[subsidy.instalment]]"), 1);
        let p = Programme::from_toml(&with(dl("district_check", "filing"))).unwrap();
        assert_eq!(p.subsidy().taper[0].deadlines.len(), 2);
        assert_eq!(p.subsidy().taper[0].name, "退坡前");
        let (place, _) = problem(Programme::from_toml(&with(dl("filing", "filing"))));
        assert_eq!(place, "第1个退坡档（[[subsidy.taper]]）的第2个办结时限（[[subsidy.taper.deadline]]）");
        assert!(matches!(Programme::from_toml(&with(dl("filing", "lunch"))), Err(RulesError::Parse { .. })));
        // A down-payment base belongs to an instalment before acceptance only.
        let bad = MINIMAL.replacen(
            "stage = \"after_acceptance\"",
            "stage = \"after_acceptance\"\nbase = \"down_payment\"",
            1,
        );
        assert_eq!(problem(Programme::from_toml(&bad)).0, "第2期拨付（[[subsidy.instalment]]）的基数（base）");
        // A category both eligible and excluded.
        let both = MINIMAL.replacen(
            "min_enterprise_share_pct = 80",
            "min_enterprise_share_pct = 80\neligible_categories = [\"software\"]\nexcluded_categories = [\"software\"]",
            1,
        );
        assert_eq!(problem(Programme::from_toml(&both)).0, "可补助的支出类别（eligible_categories）");

        let no_subs = MINIMAL.replacen("[[sub_industry]]\nname = \"装备\"\ncodes = [\"34\", \"C35\"]\n", "", 1);
        let (place, _) = problem(Programme::from_toml(&no_subs));
        assert_eq!(place, "细分行业（[[sub_industry]]）");
        let p = Programme::from_toml(&no_subs.replace("sub_industry_required = true", "sub_industry_required = false"));
        assert!(p.unwrap().sub_industries().is_empty());
    }

    #[test]
    fn malformed_toml_is_reported_with_its_line() {
        let err = edited("batch = \"2024\"", "batch = 2024x").unwrap_err();
        let line = MINIMAL.lines().position(|l| l == "batch = \"2024\"").unwrap() + 1;
        assert!(matches!(&err, RulesError::Parse { line: Some(l), .. } if *l == line), "{err}");
        assert!(err.to_string().starts_with(&format!("试点规则文件无法解析（第{line}行）")), "{err}");
        let err = edited("batch = \"2024\"", "batch = \"2024\"\ncolour = \"red\"").unwrap_err();
        assert!(matches!(&err, RulesError::Parse { message, .. } if message.contains("colour")), "{err}");
        let err = edited("level = \"city\"", "level = \"town\"").unwrap_err();
        assert!(matches!(err, RulesError::Parse { .. }), "{err}");
    }
}
