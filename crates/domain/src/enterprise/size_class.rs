//! 划型: whether an enterprise is a medium (中型), small (小型) or micro (微型)
//! enterprise, or not an SME at all, under 工信部联企业〔2011〕300号
//! 《中小企业划型标准规定》.
//!
//! The thresholds and the industry mapping are data
//! (`data/rules/size-class-2011.toml`, embedded as [`EMBEDDED_2011_TOML`]):
//! a revision of the standard is a new file, and every [`SizeOutcome`] names
//! the rules and thresholds that produced it, with a Chinese explanation an
//! officer can read back to the enterprise.
//!
//! The rule, per industry group: an SME if ANY indicator is below the SME
//! ceiling ("或"); medium if ALL indicators reach the medium bounds ("且");
//! otherwise small if ALL reach the small bounds; otherwise micro.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::industry_code::{self, IndustryCode, IndustryCodeError};
use crate::money::Fen;

/// The rules file shipped with the platform.
pub const EMBEDDED_2011_TOML: &str = include_str!("../../../../data/rules/size-class-2011.toml");

/// Fen in one 万元 (10 000 元 × 100 分).
const FEN_PER_WAN: i64 = 1_000_000;

/// The size classes, from the largest down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    NotSme,
    Medium,
    Small,
    Micro,
}

impl SizeClass {
    pub fn label(self) -> &'static str {
        match self {
            SizeClass::NotSme => "非中小企业",
            SizeClass::Medium => "中型",
            SizeClass::Small => "小型",
            SizeClass::Micro => "微型",
        }
    }

    pub fn is_sme(self) -> bool {
        self != SizeClass::NotSme
    }
}

/// A measure the standard classifies by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    Employees,
    Revenue,
    Assets,
}

impl Indicator {
    const ALL: [Indicator; 3] = [Indicator::Employees, Indicator::Revenue, Indicator::Assets];

    pub fn label(self) -> &'static str {
        match self {
            Indicator::Employees => "从业人员",
            Indicator::Revenue => "营业收入",
            Indicator::Assets => "资产总额",
        }
    }

    /// The field name in the rules file.
    fn key(self) -> &'static str {
        match self {
            Indicator::Employees => "employees",
            Indicator::Revenue => "revenue_wan",
            Indicator::Assets => "assets_wan",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Indicator::Employees => "人",
            Indicator::Revenue | Indicator::Assets => "万元",
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One row of bounds: headcount in persons, money in whole 万元. An absent
/// indicator is not used by the group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_wan: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assets_wan: Option<u32>,
}

impl Bounds {
    pub fn get(&self, indicator: Indicator) -> Option<u32> {
        match indicator {
            Indicator::Employees => self.employees,
            Indicator::Revenue => self.revenue_wan,
            Indicator::Assets => self.assets_wan,
        }
    }

    /// The indicators this row uses, with their values, in a fixed order.
    pub fn indicators(&self) -> impl Iterator<Item = (Indicator, u32)> + '_ {
        Indicator::ALL.into_iter().filter_map(|i| self.get(i).map(|v| (i, v)))
    }
}

/// A group's thresholds (see the module docs for how they combine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// SME if any indicator is strictly below its value.
    pub ceiling: Bounds,
    /// Medium if every indicator is at or above its value.
    pub medium: Bounds,
    /// Small if every indicator is at or above its value.
    pub small: Bounds,
}

/// An industry group of the standard (工业, 批发业, …) and the codes it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndustryGroup {
    /// Stable identifier, e.g. "industry".
    pub key: String,
    /// The standard's name, e.g. "工业".
    pub name: String,
    pub covers: Vec<IndustryCode>,
    /// Takes every code no group or exclusion covers (其他未列明行业).
    pub fallback: bool,
    pub thresholds: Thresholds,
}

/// Codes the standard does not classify, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    pub name: String,
    pub covers: Vec<IndustryCode>,
    pub reason: String,
}

/// A validated set of size-class rules. Only [`SizeRules::from_toml`] makes one.
#[derive(Clone, Debug)]
pub struct SizeRules {
    id: String,
    revision: u32,
    instrument: String,
    groups: Vec<IndustryGroup>,
    exclusions: Vec<Exclusion>,
    fallback: usize,
    /// Every listed code with what it maps to.
    covers: Vec<(IndustryCode, Target)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Group(usize),
    Excluded(usize),
}

/// Why a rules file was refused. `place` names the table and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeRulesError {
    #[error("划型规则文件无法解析（{}）：{message}", line_note(.line))]
    Parse { line: Option<usize>, message: String },
    #[error("划型规则文件有误：{place}：{problem}")]
    Invalid { place: String, problem: String },
}

fn line_note(line: &Option<usize>) -> String {
    line.map_or_else(|| "位置不明".to_owned(), |l| format!("第{l}行"))
}

/// Why an enterprise could not be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeClassError {
    #[error(transparent)]
    IndustryCode(#[from] IndustryCodeError),
    #[error("行业代码{code}不够具体：其下的{example}等适用不同的划型标准，请填写更细一级的行业代码")]
    IndustryTooCoarse { code: String, example: String },
    #[error("行业代码{code}属于{name}，不按本标准划型：{reason}")]
    NotCovered { code: String, name: String, reason: String },
    #[error("按“{group}”划型需要{indicator}，但未提供")]
    MissingInput { group: String, indicator: Indicator },
    #[error("{indicator}不能为负数")]
    NegativeAmount { indicator: Indicator },
}

/// The figures the standard classifies by (prior-year data). Only those the
/// enterprise's industry group uses are required.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeInputs {
    /// 从业人员, persons.
    pub employees: Option<u32>,
    /// 营业收入.
    pub revenue: Option<Fen>,
    /// 资产总额.
    pub assets: Option<Fen>,
}

/// A classification with everything needed to explain or re-check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SizeOutcome {
    pub class: SizeClass,
    pub rules_id: String,
    pub rules_revision: u32,
    pub instrument: String,
    pub industry_code: IndustryCode,
    pub group_key: String,
    pub group_name: String,
    /// The listed code that matched; `None` when the fallback group applied.
    pub matched_code: Option<IndustryCode>,
    pub thresholds: Thresholds,
    pub inputs: SizeInputs,
    /// Chinese, one paragraph: the industry match, each test and its result.
    pub explanation: String,
}

/// Classifies an enterprise of GB/T 4754-2017 industry `industry_code`.
pub fn classify(rules: &SizeRules, industry_code: &str, inputs: SizeInputs) -> Result<SizeOutcome, SizeClassError> {
    let code = IndustryCode::parse(industry_code)?;
    let (group, matched_code) = rules.resolve(&code)?;
    let thresholds = group.thresholds;

    let mut values = Vec::new();
    for (indicator, _) in thresholds.ceiling.indicators() {
        values.push(Measured::take(indicator, &inputs, &group.name)?);
    }

    let is_sme = values.iter().any(|m| !m.at_least(thresholds.ceiling));
    let medium = values.iter().all(|m| m.at_least(thresholds.medium));
    let small = values.iter().all(|m| m.at_least(thresholds.small));
    let class = match (is_sme, medium, small) {
        (false, ..) => SizeClass::NotSme,
        (true, true, _) => SizeClass::Medium,
        (true, false, true) => SizeClass::Small,
        (true, false, false) => SizeClass::Micro,
    };

    let explanation = explain(rules, &code, group, matched_code, &values, class);
    Ok(SizeOutcome {
        class,
        rules_id: rules.id.clone(),
        rules_revision: rules.revision,
        instrument: rules.instrument.clone(),
        industry_code: code,
        group_key: group.key.clone(),
        group_name: group.name.clone(),
        matched_code: matched_code.cloned(),
        thresholds,
        inputs,
        explanation,
    })
}

/// One input value, checked present and non-negative.
#[derive(Clone, Copy, Debug)]
struct Measured {
    indicator: Indicator,
    value: Value,
}

#[derive(Clone, Copy, Debug)]
enum Value {
    Persons(u32),
    Money(Fen),
}

impl Measured {
    fn take(indicator: Indicator, inputs: &SizeInputs, group: &str) -> Result<Measured, SizeClassError> {
        let missing = || SizeClassError::MissingInput { group: group.to_owned(), indicator };
        let value = match indicator {
            Indicator::Employees => Value::Persons(inputs.employees.ok_or_else(missing)?),
            Indicator::Revenue => Value::Money(inputs.revenue.ok_or_else(missing)?),
            Indicator::Assets => Value::Money(inputs.assets.ok_or_else(missing)?),
        };
        if let Value::Money(Fen(fen)) = value
            && fen < 0
        {
            return Err(SizeClassError::NegativeAmount { indicator });
        }
        Ok(Measured { indicator, value })
    }

    /// Whether the value reaches this row's bound ("及以上"). A row without
    /// the indicator cannot occur: validation makes all rows use the same ones.
    fn at_least(&self, bounds: Bounds) -> bool {
        let Some(bound) = bounds.get(self.indicator) else {
            return true;
        };
        match self.value {
            Value::Persons(n) => n >= bound,
            Value::Money(Fen(fen)) => fen >= i64::from(bound) * FEN_PER_WAN,
        }
    }

    fn describe(&self) -> String {
        match self.value {
            Value::Persons(n) => format!("{}{n}人", self.indicator),
            Value::Money(Fen(fen)) => format!("{}{}万元", self.indicator, fen_as_wan(fen)),
        }
    }
}

/// Exact decimal 万元 for a non-negative fen amount: 2_500_000_000 → "2500",
/// 1_999_999_900 → "1999.9999".
fn fen_as_wan(fen: i64) -> String {
    let whole = fen / FEN_PER_WAN;
    let frac = fen % FEN_PER_WAN;
    if frac == 0 {
        whole.to_string()
    } else {
        let digits = format!("{frac:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// "从业人员300人及以上且营业收入2000万元及以上" (joiner "且") or
/// "从业人员1000人以下或营业收入40000万元以下" (joiner "或").
fn describe_row(bounds: Bounds, suffix: &str, joiner: &str) -> String {
    bounds.indicators().map(|(i, v)| format!("{i}{v}{}{suffix}", i.unit())).collect::<Vec<_>>().join(joiner)
}

/// The measured values that fall short of a row, e.g. "营业收入1999.99万元，不足2000万元".
fn shortfalls(values: &[Measured], bounds: Bounds) -> String {
    values
        .iter()
        .filter(|m| !m.at_least(bounds))
        .map(|m| format!("{}，不足{}{}", m.describe(), bounds.get(m.indicator).unwrap_or(0), m.indicator.unit()))
        .collect::<Vec<_>>()
        .join("；")
}

fn explain(
    rules: &SizeRules,
    code: &IndustryCode,
    group: &IndustryGroup,
    matched_code: Option<&IndustryCode>,
    values: &[Measured],
    class: SizeClass,
) -> String {
    let t = group.thresholds;
    let matched = match matched_code {
        Some(m) if m == code => String::new(),
        Some(m) => format!("（按{m}匹配）"),
        None => "（未单独列明，按兜底行业）".to_owned(),
    };
    let mut text = format!(
        "行业代码{code}归入“{}”{matched}，依据{}（规则{}第{}版）划型。本企业{}。",
        group.name,
        rules.instrument,
        rules.id,
        rules.revision,
        values.iter().map(Measured::describe).collect::<Vec<_>>().join("，"),
    );
    let ceiling = describe_row(t.ceiling, "以下", "或");
    if class == SizeClass::NotSme {
        let all = if values.len() > 1 { "均" } else { "" };
        text.push_str(&format!("中小微型企业须{ceiling}，本企业{all}不满足，不属于中小微型企业。"));
        return text;
    }
    let under: Vec<String> = values
        .iter()
        .filter(|m| !m.at_least(t.ceiling))
        .map(|m| format!("{}低于{}{}", m.describe(), t.ceiling.get(m.indicator).unwrap_or(0), m.indicator.unit()))
        .collect();
    text.push_str(&format!("中小微型企业须{ceiling}：{}，属于中小微型企业。", under.join("，")));
    let medium = describe_row(t.medium, "及以上", "且");
    if class == SizeClass::Medium {
        text.push_str(&format!("满足中型企业标准（{medium}），划为中型企业。"));
        return text;
    }
    text.push_str(&format!("不满足中型企业标准（{medium}）：{}。", shortfalls(values, t.medium)));
    let small = describe_row(t.small, "及以上", "且");
    if class == SizeClass::Small {
        text.push_str(&format!("满足小型企业标准（{small}），划为小型企业。"));
    } else {
        text.push_str(&format!("不满足小型企业标准（{small}）：{}，划为微型企业。", shortfalls(values, t.small)));
    }
    text
}

impl SizeRules {
    /// The rules embedded in the binary (工信部联企业〔2011〕300号).
    pub fn embedded_2011() -> Result<SizeRules, SizeRulesError> {
        SizeRules::from_toml(EMBEDDED_2011_TOML)
    }

    /// Parses and validates a rules file; errors name the table and field.
    pub fn from_toml(text: &str) -> Result<SizeRules, SizeRulesError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| SizeRulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().to_owned(),
        })?;
        raw.validate()
    }

    /// Identifier of this rules set, e.g. "size-class-2011".
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Bumped on every correction of the file, so results can say which
    /// version of the data produced them.
    pub fn revision(&self) -> u32 {
        self.revision
    }

    /// The legal instrument the rules encode.
    pub fn instrument(&self) -> &str {
        &self.instrument
    }

    pub fn groups(&self) -> &[IndustryGroup] {
        &self.groups
    }

    pub fn exclusions(&self) -> &[Exclusion] {
        &self.exclusions
    }

    /// The group an industry code is classified under, e.g. to know which
    /// figures to ask for before calling [`classify`].
    pub fn group_for(&self, code: &IndustryCode) -> Result<&IndustryGroup, SizeClassError> {
        self.resolve(code).map(|(group, _)| group)
    }

    /// The most specific listed code containing `code` decides; none means
    /// the fallback group. A code too coarse to decide is an error.
    fn resolve(&self, code: &IndustryCode) -> Result<(&IndustryGroup, Option<&IndustryCode>), SizeClassError> {
        let best = self
            .covers
            .iter()
            .filter(|(listed, _)| listed.contains(code))
            .max_by_key(|(listed, _)| listed.digits().len());
        let target = best.map_or(Target::Group(self.fallback), |&(_, target)| target);
        if let Some((finer, _)) =
            self.covers.iter().find(|(listed, t)| *t != target && code.contains(listed) && listed != code)
        {
            return Err(SizeClassError::IndustryTooCoarse { code: code.to_string(), example: finer.to_string() });
        }
        match target {
            Target::Excluded(e) => {
                let exclusion = &self.exclusions[e];
                Err(SizeClassError::NotCovered {
                    code: code.to_string(),
                    name: exclusion.name.clone(),
                    reason: exclusion.reason.clone(),
                })
            }
            Target::Group(g) => Ok((&self.groups[g], best.map(|(listed, _)| listed))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    id: String,
    revision: u32,
    instrument: String,
    industry_classification: String,
    #[serde(rename = "group")]
    groups: Vec<RawGroup>,
    #[serde(default, rename = "excluded")]
    exclusions: Vec<RawExclusion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    key: String,
    name: String,
    #[serde(default)]
    covers: Vec<String>,
    #[serde(default)]
    fallback: bool,
    ceiling: Bounds,
    medium: Bounds,
    small: Bounds,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    name: String,
    covers: Vec<String>,
    reason: String,
}

fn invalid(place: impl Into<String>, problem: impl Into<String>) -> SizeRulesError {
    SizeRulesError::Invalid { place: place.into(), problem: problem.into() }
}

fn group_place(index: usize, name: &str) -> String {
    format!("第{}个[[group]]（{name}）", index + 1)
}

fn exclusion_place(index: usize, name: &str) -> String {
    format!("第{}个[[excluded]]（{name}）", index + 1)
}

fn parse_covers(codes: &[String], place: &str) -> Result<Vec<IndustryCode>, SizeRulesError> {
    codes
        .iter()
        .map(|c| IndustryCode::parse(c).map_err(|e| invalid(format!("{place}的covers中的“{c}”"), e.to_string())))
        .collect()
}

impl RawRules {
    fn validate(self) -> Result<SizeRules, SizeRulesError> {
        for (field, value) in [("id", &self.id), ("instrument", &self.instrument)] {
            if value.trim().is_empty() {
                return Err(invalid(field, "不能为空"));
            }
        }
        if self.industry_classification != industry_code::CLASSIFICATION {
            return Err(invalid(
                "industry_classification",
                format!("只支持{}，文件写的是“{}”", industry_code::CLASSIFICATION, self.industry_classification),
            ));
        }
        if self.groups.is_empty() {
            return Err(invalid("[[group]]", "至少需要一个行业"));
        }

        let mut groups = Vec::with_capacity(self.groups.len());
        let mut keys = HashSet::new();
        let mut fallback = None;
        for (index, raw) in self.groups.into_iter().enumerate() {
            let place = group_place(index, &raw.name);
            if raw.key.trim().is_empty() || raw.name.trim().is_empty() {
                return Err(invalid(place, "key和name不能为空"));
            }
            if !keys.insert(raw.key.clone()) {
                return Err(invalid(format!("{place}的key"), format!("“{}”与前面的行业重复", raw.key)));
            }
            match (raw.fallback, raw.covers.is_empty()) {
                (true, false) => {
                    return Err(invalid(place, "兜底行业（fallback = true）不应再列covers"));
                }
                (false, true) => {
                    return Err(invalid(place, "未列出适用的行业代码（covers），也未标为兜底行业（fallback）"));
                }
                (true, true) => {
                    if fallback.replace(index).is_some() {
                        return Err(invalid(place, "只能有一个兜底行业（fallback = true）"));
                    }
                }
                (false, false) => {}
            }
            let covers = parse_covers(&raw.covers, &place)?;
            let thresholds = Thresholds { ceiling: raw.ceiling, medium: raw.medium, small: raw.small };
            validate_thresholds(&thresholds, &place)?;
            groups.push(IndustryGroup { key: raw.key, name: raw.name, covers, fallback: raw.fallback, thresholds });
        }
        let Some(fallback) = fallback else {
            return Err(invalid("[[group]]", "须有一个兜底行业（fallback = true，即其他未列明行业）"));
        };

        let mut exclusions = Vec::with_capacity(self.exclusions.len());
        for (index, raw) in self.exclusions.into_iter().enumerate() {
            let place = exclusion_place(index, &raw.name);
            if raw.name.trim().is_empty() || raw.reason.trim().is_empty() || raw.covers.is_empty() {
                return Err(invalid(place, "name、covers和reason都不能为空"));
            }
            let covers = parse_covers(&raw.covers, &place)?;
            exclusions.push(Exclusion { name: raw.name, covers, reason: raw.reason });
        }

        let mut covers: Vec<(IndustryCode, Target)> = Vec::new();
        let listed = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| group.covers.iter().map(move |c| (c, Target::Group(g))))
            .chain(
                exclusions
                    .iter()
                    .enumerate()
                    .flat_map(|(e, ex)| ex.covers.iter().map(move |c| (c, Target::Excluded(e)))),
            );
        for (code, target) in listed {
            let place_of = |t: Target| match t {
                Target::Group(g) => group_place(g, &groups[g].name),
                Target::Excluded(e) => exclusion_place(e, &exclusions[e].name),
            };
            for (earlier, earlier_target) in &covers {
                let clash = if earlier == code {
                    Some(format!("已在{}中列出", place_of(*earlier_target)))
                } else if *earlier_target == target && (earlier.contains(code) || code.contains(earlier)) {
                    Some(format!("与同一处列出的{earlier}相互包含，重复"))
                } else {
                    None
                };
                if let Some(problem) = clash {
                    return Err(invalid(format!("{}的covers中的“{code}”", place_of(target)), problem));
                }
            }
            covers.push((code.clone(), target));
        }

        Ok(SizeRules {
            id: self.id,
            revision: self.revision,
            instrument: self.instrument,
            groups,
            exclusions,
            fallback,
            covers,
        })
    }
}

/// All three rows use the same indicators, every bound is positive and the
/// rows are strictly ordered small < medium < ceiling (else a class would be
/// empty, which in practice means a typo).
fn validate_thresholds(t: &Thresholds, place: &str) -> Result<(), SizeRulesError> {
    let used: Vec<Indicator> = t.ceiling.indicators().map(|(i, _)| i).collect();
    if used.is_empty() {
        return Err(invalid(format!("{place}的ceiling"), "至少需要一个指标（employees、revenue_wan或assets_wan）"));
    }
    let names = |ids: &[Indicator]| ids.iter().map(|i| i.key()).collect::<Vec<_>>().join("、");
    for (row, bounds) in [("medium", t.medium), ("small", t.small)] {
        let row_used: Vec<Indicator> = bounds.indicators().map(|(i, _)| i).collect();
        if row_used != used {
            return Err(invalid(
                format!("{place}的{row}"),
                format!("所用指标（{}）须与ceiling一致（{}）", names(&row_used), names(&used)),
            ));
        }
    }
    for indicator in used {
        let field = |row: &str| format!("{place}的{row}.{}", indicator.key());
        let (Some(ceiling), Some(medium), Some(small)) =
            (t.ceiling.get(indicator), t.medium.get(indicator), t.small.get(indicator))
        else {
            continue;
        };
        if small == 0 {
            return Err(invalid(field("small"), "须大于0"));
        }
        if small >= medium {
            return Err(invalid(field("small"), format!("小型下限{small}须低于中型下限{medium}")));
        }
        if medium >= ceiling {
            return Err(invalid(field("medium"), format!("中型下限{medium}须低于中小微型企业上限{ceiling}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> SizeRules {
        SizeRules::embedded_2011().unwrap()
    }

    fn wan(n: i64) -> Fen {
        Fen(n * FEN_PER_WAN)
    }

    fn inputs(employees: Option<u32>, revenue: Option<Fen>, assets: Option<Fen>) -> SizeInputs {
        SizeInputs { employees, revenue, assets }
    }

    /// Inputs for a group: each used indicator gets the given bound value,
    /// less one unit (1 person or 1 fen) for `lowered`.
    fn at(bounds: Bounds, lowered: Option<Indicator>) -> SizeInputs {
        let mut i = SizeInputs::default();
        for (indicator, v) in bounds.indicators() {
            let cut = lowered == Some(indicator);
            match indicator {
                Indicator::Employees => i.employees = Some(v - u32::from(cut)),
                Indicator::Revenue => i.revenue = Some(Fen(i64::from(v) * FEN_PER_WAN - i64::from(cut))),
                Indicator::Assets => i.assets = Some(Fen(i64::from(v) * FEN_PER_WAN - i64::from(cut))),
            }
        }
        i
    }

    fn class_of(code: &str, i: SizeInputs) -> SizeClass {
        classify(&rules(), code, i).unwrap().class
    }

    #[test]
    fn embedded_rules_load_every_row_of_the_table() {
        let r = rules();
        assert_eq!(r.id(), "size-class-2011");
        assert_eq!(r.revision(), 1);
        let keys: Vec<&str> = r.groups().iter().map(|g| g.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "agriculture",
                "industry",
                "construction",
                "wholesale",
                "retail",
                "transport",
                "warehousing",
                "postal",
                "accommodation",
                "catering",
                "information_transmission",
                "software_it_services",
                "real_estate_development",
                "property_management",
                "leasing_business_services",
                "other",
            ]
        );
        let industry = &r.groups()[1].thresholds;
        assert_eq!(industry.ceiling, Bounds { employees: Some(1000), revenue_wan: Some(40000), assets_wan: None });
        assert_eq!(industry.medium, Bounds { employees: Some(300), revenue_wan: Some(2000), assets_wan: None });
        assert_eq!(industry.small, Bounds { employees: Some(20), revenue_wan: Some(300), assets_wan: None });
    }

    #[test]
    fn an_industry_code_per_group_maps_to_it() {
        let r = rules();
        let cases = [
            ("A0111", "agriculture"),
            ("05", "agriculture"),
            ("B0610", "industry"),
            ("C3670", "industry"),
            ("C43", "industry"),
            ("D4411", "industry"),
            ("E4720", "construction"),
            ("F5171", "wholesale"),
            ("5211", "retail"),
            ("G5431", "transport"),
            ("G5821", "transport"),
            ("G5910", "transport"),
            ("G5920", "warehousing"),
            ("G595", "warehousing"),
            ("G6020", "postal"),
            ("H6110", "accommodation"),
            ("H6210", "catering"),
            ("I6311", "information_transmission"),
            ("I6421", "information_transmission"),
            ("I6513", "software_it_services"),
            ("K7010", "real_estate_development"),
            ("K7020", "property_management"),
            ("L7111", "leasing_business_services"),
            ("L7212", "leasing_business_services"),
            ("L", "leasing_business_services"),
            ("K7030", "other"),
            ("M7320", "other"),
            ("O8010", "other"),
            ("R", "other"),
            ("T9700", "other"),
        ];
        for (code, key) in cases {
            let group = r.group_for(&IndustryCode::parse(code).unwrap()).unwrap();
            assert_eq!(group.key, key, "{code}");
        }
    }

    #[test]
    fn codes_too_coarse_or_outside_the_standard_are_errors() {
        for code in ["G", "G59", "K", "K70", "I"] {
            let err = classify(&rules(), code, SizeInputs::default()).unwrap_err();
            assert!(matches!(err, SizeClassError::IndustryTooCoarse { .. }), "{code}: {err}");
        }
        let err = classify(&rules(), "G59", SizeInputs::default()).unwrap_err();
        assert_eq!(err, SizeClassError::IndustryTooCoarse { code: "G59".into(), example: "G591".into() });
        for (code, name) in [("G5310", "铁路运输业"), ("53", "铁路运输业"), ("J6620", "金融业"), ("J", "金融业")]
        {
            match classify(&rules(), code, inputs(Some(10), Some(wan(10)), None)).unwrap_err() {
                SizeClassError::NotCovered { name: n, reason, .. } => {
                    assert_eq!(n, name);
                    assert!(!reason.is_empty());
                }
                other => panic!("{code}: {other}"),
            }
        }
        assert!(matches!(
            classify(&rules(), "C99", SizeInputs::default()).unwrap_err(),
            SizeClassError::IndustryCode(IndustryCodeError::UnknownDivision { .. })
        ));
    }

    /// One class-level code per group, for tests that walk every row.
    const SAMPLE_CODES: [(&str, &str); 16] = [
        ("agriculture", "A0111"),
        ("industry", "C3670"),
        ("construction", "E4720"),
        ("wholesale", "F5171"),
        ("retail", "F5211"),
        ("transport", "G5910"),
        ("warehousing", "G5920"),
        ("postal", "G6020"),
        ("accommodation", "H6110"),
        ("catering", "H6210"),
        ("information_transmission", "I6311"),
        ("software_it_services", "I6513"),
        ("real_estate_development", "K7010"),
        ("property_management", "K7020"),
        ("leasing_business_services", "L7212"),
        ("other", "M7320"),
    ];

    /// For every group: exactly at each bound and one unit (person or fen)
    /// below it.
    #[test]
    fn boundaries_of_every_row() {
        let r = rules();
        for group in r.groups() {
            let code = SAMPLE_CODES.iter().find(|(key, _)| *key == group.key).map(|&(_, code)| code).unwrap();
            let t = group.thresholds;
            let class = |i: SizeInputs| {
                let outcome = classify(&r, code, i).unwrap();
                assert_eq!(outcome.group_key, group.key);
                outcome.class
            };
            // At the ceiling on every indicator: not an SME.
            assert_eq!(class(at(t.ceiling, None)), SizeClass::NotSme, "{}", group.name);
            for (indicator, _) in t.ceiling.indicators() {
                // One indicator just under the ceiling is enough ("或"); the
                // others stay above the medium bounds, so it is medium.
                assert_eq!(class(at(t.ceiling, Some(indicator))), SizeClass::Medium, "{} {indicator}", group.name);
                // One indicator just under the medium bound: small ("且").
                assert_eq!(class(at(t.medium, Some(indicator))), SizeClass::Small, "{} {indicator}", group.name);
                // One indicator just under the small bound: micro.
                assert_eq!(class(at(t.small, Some(indicator))), SizeClass::Micro, "{} {indicator}", group.name);
            }
            assert_eq!(class(at(t.medium, None)), SizeClass::Medium, "{}", group.name);
            assert_eq!(class(at(t.small, None)), SizeClass::Small, "{}", group.name);
        }
    }

    #[test]
    fn the_ceiling_is_either_indicator() {
        // 工业: 5000 staff but revenue under 40000万元 is still an SME; with
        // revenue 1000万元 it misses the medium revenue bound but is small.
        assert_eq!(class_of("C3670", inputs(Some(5000), Some(wan(39_999)), None)), SizeClass::Medium);
        assert_eq!(class_of("C3670", inputs(Some(5000), Some(wan(1000)), None)), SizeClass::Small);
        // Few staff and a huge revenue: SME, and micro because staff < 20.
        assert_eq!(class_of("C3670", inputs(Some(10), Some(wan(100_000)), None)), SizeClass::Micro);
        assert_eq!(class_of("C3670", inputs(Some(1000), Some(wan(40_000)), None)), SizeClass::NotSme);
    }

    #[test]
    fn single_indicator_groups_ignore_other_figures() {
        assert_eq!(class_of("A0111", inputs(None, Some(wan(20_000)), None)), SizeClass::NotSme);
        assert_eq!(class_of("A0111", inputs(Some(5000), Some(Fen(wan(20_000).0 - 1)), None)), SizeClass::Medium);
        assert_eq!(class_of("A0111", inputs(None, Some(wan(50)), None)), SizeClass::Small);
        assert_eq!(class_of("A0111", inputs(None, Some(Fen(0)), None)), SizeClass::Micro);
        assert_eq!(class_of("M7320", inputs(Some(300), None, None)), SizeClass::NotSme);
        assert_eq!(class_of("M7320", inputs(Some(9), Some(wan(1_000_000)), None)), SizeClass::Micro);
    }

    #[test]
    fn missing_or_negative_inputs_name_the_indicator() {
        let err = classify(&rules(), "C3670", inputs(Some(100), None, None)).unwrap_err();
        assert_eq!(err, SizeClassError::MissingInput { group: "工业".into(), indicator: Indicator::Revenue });
        assert_eq!(err.to_string(), "按“工业”划型需要营业收入，但未提供");
        let err = classify(&rules(), "E4720", inputs(None, Some(wan(1)), None)).unwrap_err();
        assert_eq!(err, SizeClassError::MissingInput { group: "建筑业".into(), indicator: Indicator::Assets });
        let err = classify(&rules(), "L7212", inputs(Some(10), None, Some(Fen(-1)))).unwrap_err();
        assert_eq!(err, SizeClassError::NegativeAmount { indicator: Indicator::Assets });
    }

    #[test]
    fn outcome_carries_a_trace_and_a_chinese_explanation() {
        let outcome = classify(&rules(), "3670", inputs(Some(350), Some(Fen(1_999_990_000)), None)).unwrap();
        assert_eq!(outcome.class, SizeClass::Small);
        assert_eq!(outcome.class.label(), "小型");
        assert_eq!(outcome.industry_code.as_str(), "C3670");
        assert_eq!(outcome.group_key, "industry");
        assert_eq!(outcome.group_name, "工业");
        assert_eq!(outcome.matched_code.as_ref().map(IndustryCode::as_str), Some("C"));
        assert_eq!(outcome.rules_id, "size-class-2011");
        assert_eq!(outcome.thresholds.medium.revenue_wan, Some(2000));
        assert_eq!(
            outcome.explanation,
            "行业代码C3670归入“工业”（按C匹配），依据工信部联企业〔2011〕300号《中小企业划型标准规定》\
             （规则size-class-2011第1版）划型。本企业从业人员350人，营业收入1999.99万元。\
             中小微型企业须从业人员1000人以下或营业收入40000万元以下：从业人员350人低于1000人，\
             营业收入1999.99万元低于40000万元，属于中小微型企业。\
             不满足中型企业标准（从业人员300人及以上且营业收入2000万元及以上）：营业收入1999.99万元，不足2000万元。\
             满足小型企业标准（从业人员20人及以上且营业收入300万元及以上），划为小型企业。"
        );
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["class"], "small");
        assert_eq!(json["inputs"]["revenue"], 1_999_990_000_i64);

        let farm = classify(&rules(), "A0111", inputs(None, Some(wan(20_000)), None)).unwrap();
        assert!(
            farm.explanation.ends_with("中小微型企业须营业收入20000万元以下，本企业不满足，不属于中小微型企业。"),
            "{}",
            farm.explanation
        );

        let micro = classify(&rules(), "M7320", inputs(Some(3), None, None)).unwrap();
        assert_eq!(micro.matched_code, None);
        assert!(micro.explanation.contains("（未单独列明，按兜底行业）"), "{}", micro.explanation);
        assert!(micro.explanation.ends_with("从业人员3人，不足10人，划为微型企业。"), "{}", micro.explanation);

        let large = classify(&rules(), "C3670", inputs(Some(1000), Some(wan(50_000)), None)).unwrap();
        assert!(large.explanation.ends_with("本企业均不满足，不属于中小微型企业。"), "{}", large.explanation);
    }

    #[test]
    fn labels() {
        assert_eq!(SizeClass::Medium.label(), "中型");
        assert_eq!(SizeClass::Micro.label(), "微型");
        assert_eq!(SizeClass::NotSme.label(), "非中小企业");
        assert!(!SizeClass::NotSme.is_sme());
        assert_eq!(fen_as_wan(2_500_000_000), "2500");
        assert_eq!(fen_as_wan(1), "0.000001");
    }

    /// The embedded file with one line replaced, to exercise validation.
    fn edited(from: &str, to: &str) -> Result<SizeRules, SizeRulesError> {
        assert!(EMBEDDED_2011_TOML.contains(from), "{from}");
        SizeRules::from_toml(&EMBEDDED_2011_TOML.replacen(from, to, 1))
    }

    fn place_of(result: Result<SizeRules, SizeRulesError>) -> String {
        match result.unwrap_err() {
            SizeRulesError::Invalid { place, .. } => place,
            other => panic!("expected a validation error, got {other}"),
        }
    }

    #[test]
    fn invalid_thresholds_are_reported_with_their_place() {
        assert_eq!(
            place_of(edited(
                "medium = { employees = 20, revenue_wan = 5000 }",
                "medium = { employees = 2, revenue_wan = 5000 }"
            )),
            "第4个[[group]]（批发业）的small.employees"
        );
        assert_eq!(
            place_of(edited(
                "medium = { employees = 300, revenue_wan = 2000 }",
                "medium = { employees = 1000, revenue_wan = 2000 }"
            )),
            "第2个[[group]]（工业）的medium.employees"
        );
        assert_eq!(
            place_of(edited("small = { revenue_wan = 300, assets_wan = 300 }", "small = { revenue_wan = 300 }")),
            "第3个[[group]]（建筑业）的small"
        );
        assert_eq!(
            place_of(edited("small = { revenue_wan = 50 }", "small = { revenue_wan = 0 }")),
            "第1个[[group]]（农、林、牧、渔业）的small.revenue_wan"
        );
        assert_eq!(
            place_of(edited("ceiling = { employees = 300 }", "ceiling = { }")),
            "第16个[[group]]（其他未列明行业）的ceiling"
        );
    }

    #[test]
    fn invalid_mapping_is_reported_with_its_place() {
        assert_eq!(
            place_of(edited(r#"covers = ["52"]"#, r#"covers = ["51"]"#)),
            "第5个[[group]]（零售业）的covers中的“F51”"
        );
        assert_eq!(
            place_of(edited(r#"covers = ["52"]"#, r#"covers = ["5X"]"#)),
            "第5个[[group]]（零售业）的covers中的“5X”"
        );
        assert_eq!(
            place_of(edited(r#"covers = ["59"]"#, r#"covers = ["59", "592"]"#)),
            "第7个[[group]]（仓储业）的covers中的“G592”"
        );
        assert_eq!(place_of(edited("fallback = true\n", "")), "第16个[[group]]（其他未列明行业）");
        assert_eq!(place_of(edited(r#"key = "retail""#, r#"key = "wholesale""#)), "第5个[[group]]（零售业）的key");
        assert_eq!(
            place_of(edited(r#"covers = ["53"]"#, r#"covers = ["C"]"#)),
            "第1个[[excluded]]（铁路运输业）的covers中的“C”"
        );
        assert_eq!(
            place_of(edited(
                r#"industry_classification = "GB/T 4754-2017""#,
                r#"industry_classification = "GB/T 4754-2011""#
            )),
            "industry_classification"
        );
    }

    #[test]
    fn malformed_toml_is_reported_with_its_line() {
        let err = edited("[[group]]\nkey = \"retail\"", "[[group]]\nkey = retail").unwrap_err();
        let line = EMBEDDED_2011_TOML.lines().position(|l| l == "key = \"retail\"").unwrap() + 1;
        assert!(matches!(&err, SizeRulesError::Parse { line: Some(l), .. } if *l == line), "{err}");
        assert!(err.to_string().starts_with(&format!("划型规则文件无法解析（第{line}行）")), "{err}");

        let err = edited("small = { revenue_wan = 50 }", "small = { revenue_wan = 50, staff = 3 }").unwrap_err();
        assert!(matches!(&err, SizeRulesError::Parse { line: Some(_), message } if message.contains("staff")), "{err}");
        let err = edited("small = { revenue_wan = 50 }", "small = { revenue_wan = -50 }").unwrap_err();
        assert!(matches!(err, SizeRulesError::Parse { .. }), "{err}");
    }
}
