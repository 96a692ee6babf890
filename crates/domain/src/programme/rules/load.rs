//! Loading a programme file: the TOML format, its validation into a [`Programme`], the
//! fingerprint and the errors that name the field in Chinese.

use std::collections::HashSet;

use serde::Deserialize;
use sm3::{Digest, Sm3};

use super::*;
use crate::enterprise::IndustryCode;
use crate::money::Fen;
use crate::programme::level_zh;
use crate::region::RegionCode;

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

pub(super) fn invalid(place: impl Into<String>, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid { place: place.into(), problem: problem.into() }
}

impl Programme {
    /// Parses and validates a programme file against the shipped batches; errors name the
    /// field in Chinese.
    pub fn from_toml(text: &str) -> Result<Programme, RulesError> {
        Programme::from_toml_with(text, Batches::builtin()?)
    }

    /// Parses and validates a programme file against the given batches.
    pub fn from_toml_with(text: &str, batches: &Batches) -> Result<Programme, RulesError> {
        let raw: RawProgramme = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        raw.validate(fingerprint(text), batches)
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
        Batches::builtin()?.check(&out.iter().collect::<Vec<_>>())?;
        Ok(out)
    }
}

fn fingerprint(text: &str) -> String {
    let digest = Sm3::digest(text.replace("\r\n", "\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

// ───────────────────────────── file format ─────────────────────────────

/// A date written as a TOML string ("2024-10-18") or a bare TOML date (2024-10-18).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDate {
    pub(super) fn resolve(&self, place: &str) -> Result<Date, RulesError> {
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
    /// A batch whose window counts from each city's plan approval: that date (the window
    /// follows from it). Otherwise the window's own first and last day.
    #[serde(default)]
    plan_approved: Option<RawDate>,
    #[serde(default)]
    window_start: Option<RawDate>,
    #[serde(default)]
    window_end: Option<RawDate>,
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
    #[serde(default)]
    chain: Option<ChainRule>,
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
    fn validate(self, fingerprint: String, batches: &Batches) -> Result<Programme, RulesError> {
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
        let known = batches.get(&batch);
        if self.level == ProgrammeLevel::City && known.is_none() {
            let ids: Vec<&str> = batches.all().iter().map(|b| b.id.as_str()).collect();
            return Err(invalid("批次（batch）", format!("城市试点的批次应为 {} 之一，收到“{batch}”", ids.join("、"))));
        }
        let plan_approved =
            self.plan_approved.as_ref().map(|d| d.resolve("方案批复日期（plan_approved）")).transpose()?;
        let (start, end) = match (known, plan_approved, &self.window_start, &self.window_end) {
            (_, Some(_), Some(_), _) | (_, Some(_), _, Some(_)) => {
                return Err(invalid("实施期（window_start、window_end）", "已由方案批复日期推算，不要另填"));
            }
            (Some(b), Some(approved), None, None) => Batches::window(b, approved),
            (None, Some(_), None, None) => {
                return Err(invalid(
                    "方案批复日期（plan_approved）",
                    format!("批次“{batch}”未规定实施年限，请直接填写实施期"),
                ));
            }
            (Some(b), None, _, _) if b.window_from_plan_approval => {
                return Err(invalid(
                    "方案批复日期（plan_approved）",
                    format!("{}的实施期自方案批复之日起算（{}），请填写批复日期", b.name, b.document),
                ));
            }
            (_, None, Some(s), Some(e)) => {
                (s.resolve("实施期起始日（window_start）")?, e.resolve("实施期截止日（window_end）")?)
            }
            (_, None, _, _) => return Err(invalid("实施期（window_start、window_end）", "起止日期都要填写")),
        };
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
        if let Some(c) = &self.chain {
            validate_chain(c)?;
        }

        Ok(Programme {
            id: self.id,
            version: self.version,
            name,
            level: self.level,
            region,
            batch,
            plan_approved,
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
            chain: self.chain,
            fingerprint,
        })
    }
}

fn validate_chain(c: &ChainRule) -> Result<(), RulesError> {
    if c.kinds.is_empty() {
        return Err(invalid("链式/面状项目（chain.kinds）", "至少列出一种牵引方式；不设链式项目请删去 [chain]"));
    }
    let mut seen = HashSet::new();
    if let Some(k) = c.kinds.iter().find(|k| !seen.insert(**k)) {
        return Err(invalid("链式/面状项目（chain.kinds）", format!("“{}”重复", k.label_zh())));
    }
    if c.min_members < 2 {
        return Err(invalid("链式/面状项目最少参与企业数（chain.min_members）", "应至少为2家"));
    }
    if let Some(max) = c.max_members
        && max < c.min_members
    {
        return Err(invalid(
            "链式/面状项目最多参与企业数（chain.max_members）",
            format!("{max} 小于最少企业数 {}", c.min_members),
        ));
    }
    if c.lead_share_bp > FULL_BP / 2 {
        return Err(invalid("牵引单位分成（chain.lead_share_bp）", "应为0至5000个基点（不超过50%）"));
    }
    Ok(())
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
    use crate::programme::rules::tests::d;
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
    fn a_chain_rule_is_checked_and_optional() {
        assert_eq!(Programme::from_toml(MINIMAL).unwrap().chain(), None, "no [chain]: no chain projects");
        let with = |c: &str| format!("{MINIMAL}\n[chain]\n{c}\n");
        let ok = Programme::from_toml(&with("kinds = [\"cluster\"]\nmin_members = 3\nlead_share_bp = 1000")).unwrap();
        let rule = ok.chain().unwrap();
        assert_eq!((rule.min_members, rule.lead_share_bp, rule.max_members), (3, 1000, None));
        for (body, place) in [
            ("kinds = []\nmin_members = 3\nlead_share_bp = 0", "chain.kinds"),
            ("kinds = [\"cluster\", \"cluster\"]\nmin_members = 3\nlead_share_bp = 0", "chain.kinds"),
            ("kinds = [\"cluster\"]\nmin_members = 1\nlead_share_bp = 0", "chain.min_members"),
            ("kinds = [\"cluster\"]\nmin_members = 5\nmax_members = 4\nlead_share_bp = 0", "chain.max_members"),
            ("kinds = [\"cluster\"]\nmin_members = 3\nlead_share_bp = 5001", "chain.lead_share_bp"),
        ] {
            let (got, _) = problem(Programme::from_toml(&with(body)));
            assert!(got.contains(place), "{body}: {got}");
        }
        assert!(Programme::from_toml(&with("kinds = [\"ring\"]\nmin_members = 3\nlead_share_bp = 0")).is_err());
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
