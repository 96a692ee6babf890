//! An explained ranking of catalogue solutions for an enterprise's gaps (供需匹配).
//!
//! The enterprise's assessment says which scenes are below L4 and which of them are binding
//! (约束性) for its level; a solution is worth recommending only if it lifts one of those scenes.
//! Among those, the score adds whole points from the weights file (`data/rules/matching.toml`) for
//! each fact in favour, and every fact becomes a [`Reason`] shown next to the recommendation, so an
//! officer can retrace any ranking. Candidates left out are listed with why.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::money::Fen;

/// The weights shipped with the platform. The path is relative to this file.
pub const BUILTIN_TOML: &str = include_str!("../../../../data/rules/matching.toml");

/// The highest scene level; a solution claiming more lifts only to here.
const TOP_LEVEL: u8 = 4;

/// One of the enterprise's scenes below L4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SceneGap {
    pub scene: String,
    pub name: String,
    pub binding: bool,
    /// 0..=4, 0 = 未开展.
    pub current: u8,
    /// The improvement step from current to current+1 reaches or helps the next enterprise level.
    pub helps_next_level: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseNeed {
    /// GB/T 4754 code, e.g. "C3411".
    pub industry_code: String,
    pub sub_industries: Vec<i64>,
    /// 6-digit GB/T 2260 code.
    pub region_code: String,
    pub gaps: Vec<SceneGap>,
    pub budget: Option<Fen>,
}

/// A published solution of a provider in the pool, as the matcher needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub solution_id: i64,
    pub name: String,
    pub provider_id: i64,
    pub provider_name: String,
    /// 0..=5.
    pub provider_stars: u8,
    pub provider_region: String,
    pub price: Fen,
    /// 小快轻准.
    pub is_xkqz: bool,
    pub delivery_days: u32,
    /// Scene id -> the level the solution lifts it to.
    pub scenes: Vec<(String, u8)>,
    /// GB/T 4754 codes at any level ("C", "C34", "C341", "C3411"); empty = all industries.
    pub industries: Vec<String>,
    pub sub_industries: Vec<i64>,
}

/// Whole points per fact in favour; see `data/rules/matching.toml` for their meaning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchWeights {
    pub per_level: u32,
    pub binding_factor: u32,
    pub next_level_bonus: u32,
    pub industry_exact: u32,
    pub industry_group: u32,
    pub industry_division: u32,
    pub industry_section: u32,
    pub industry_generic: u32,
    pub sub_industry: u32,
    pub per_star: u32,
    pub same_city: u32,
    pub same_province: u32,
    pub xkqz: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("匹配权重文件格式错误：{0}")]
    Toml(String),
    #[error("约束性场景倍数 binding_factor 须至少为 1")]
    BindingFactor,
    #[error("行业匹配权重须满足：小类一致 ≥ 中类 ≥ 大类 ≥ 门类 ≥ 通用")]
    IndustryOrder,
    #[error("同一地级市的权重不能低于同一省的权重")]
    RegionOrder,
}

impl MatchWeights {
    /// Parses and checks the weights: a binding scene must count at least as much as any other,
    /// and a closer industry or region must never score less than a looser one.
    pub fn from_toml(text: &str) -> Result<MatchWeights, MatchError> {
        let w: MatchWeights = toml::from_str(text).map_err(|e| MatchError::Toml(e.message().to_owned()))?;
        if w.binding_factor < 1 {
            return Err(MatchError::BindingFactor);
        }
        let industry =
            [w.industry_exact, w.industry_group, w.industry_division, w.industry_section, w.industry_generic];
        if industry.windows(2).any(|p| p[0] < p[1]) {
            return Err(MatchError::IndustryOrder);
        }
        if w.same_city < w.same_province {
            return Err(MatchError::RegionOrder);
        }
        Ok(w)
    }

    pub fn builtin() -> Result<MatchWeights, MatchError> {
        MatchWeights::from_toml(BUILTIN_TOML)
    }

    fn industry(&self, fit: IndustryFit) -> u32 {
        match fit {
            IndustryFit::Exact => self.industry_exact,
            IndustryFit::Group => self.industry_group,
            IndustryFit::Division => self.industry_division,
            IndustryFit::Section => self.industry_section,
            IndustryFit::Generic => self.industry_generic,
        }
    }
}

/// How closely a solution's industries fit the enterprise's code, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndustryFit {
    /// The same code.
    Exact,
    /// The solution lists the enterprise's 中类 (4 characters, e.g. "C341").
    Group,
    /// … its 大类 (3 characters, "C34").
    Division,
    /// … its 门类 (the letter, "C").
    Section,
    /// The solution lists no industry: it is meant for all.
    Generic,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub solution_id: i64,
    pub score: u32,
    /// Levels gained over all covered gap scenes.
    pub gain_levels: u32,
    pub reasons: Vec<Reason>,
}

/// One fact behind a recommendation's score, renderable as a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    LiftsScene {
        scene: String,
        name: String,
        binding: bool,
        from: u8,
        to: u8,
        helps_next_level: bool,
    },
    Industry {
        fit: IndustryFit,
        code: String,
    },
    SubIndustry,
    WithinBudget {
        price: Fen,
        budget: Fen,
    },
    /// When no budget was given.
    Price {
        price: Fen,
    },
    Rating {
        stars: u8,
    },
    /// Only when in the same province or city.
    Region {
        same_city: bool,
    },
    Xkqz,
}

impl Reason {
    /// The reason as a plain Chinese sentence for the enterprise.
    pub fn zh(&self) -> String {
        match self {
            Reason::LiftsScene { name, binding, from, to, helps_next_level, .. } => {
                let kind = if *binding { "约束性场景" } else { "场景" };
                let from = if *from == 0 { "未开展".to_owned() } else { format!(" L{from} ") };
                let tail = if *helps_next_level { "，并有助于达到下一等级" } else { "" };
                format!("可将{kind}“{name}”从{from}提升到 L{to}{tail}")
            }
            Reason::Industry { fit, code } => match fit {
                IndustryFit::Exact => format!("适用行业与贵企业所属行业{} {code} 一致", industry_level_zh(code)),
                IndustryFit::Group => format!("适用行业涵盖贵企业所属行业中类 {code}"),
                IndustryFit::Division => format!("适用行业涵盖贵企业所属行业大类 {code}"),
                IndustryFit::Section => format!("适用行业涵盖贵企业所属门类 {code}"),
                IndustryFit::Generic => "通用方案，适用于各行业".to_owned(),
            },
            Reason::SubIndustry => "适用于贵企业所属的细分行业".to_owned(),
            Reason::WithinBudget { price, budget } => format!("报价 {price} 元，在预算 {budget} 元以内"),
            Reason::Price { price } => format!("报价 {price} 元"),
            Reason::Rating { stars } => format!("服务商评级 {stars} 星"),
            Reason::Region { same_city: true } => "服务商与贵企业同在一个地级市".to_owned(),
            Reason::Region { same_city: false } => "服务商与贵企业同在一个省（区、市）".to_owned(),
            Reason::Xkqz => "属于“小快轻准”产品，部署快、投入少".to_owned(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            Reason::LiftsScene { name, binding, from, to, helps_next_level, .. } => {
                let kind = if *binding { "binding scene" } else { "scene" };
                let from = if *from == 0 { "not started".to_owned() } else { format!("L{from}") };
                let tail = if *helps_next_level { ", helping reach the next level" } else { "" };
                format!("Lifts {kind} “{name}” from {from} to L{to}{tail}")
            }
            Reason::Industry { fit, code } => match fit {
                IndustryFit::Exact => format!("Made for your industry {code}"),
                IndustryFit::Group => format!("Covers your industry group {code}"),
                IndustryFit::Division => format!("Covers your industry division {code}"),
                IndustryFit::Section => format!("Covers your industry section {code}"),
                IndustryFit::Generic => "Generic solution for all industries".to_owned(),
            },
            Reason::SubIndustry => "Fits your sub-industry".to_owned(),
            Reason::WithinBudget { price, budget } => format!("Priced at ¥{price}, within your budget of ¥{budget}"),
            Reason::Price { price } => format!("Priced at ¥{price}"),
            Reason::Rating { stars } => format!("Provider rated {stars} star{}", if *stars == 1 { "" } else { "s" }),
            Reason::Region { same_city: true } => "The provider is in your city".to_owned(),
            Reason::Region { same_city: false } => "The provider is in your province".to_owned(),
            Reason::Xkqz => "A small-fast-light-precise product: quick to deploy, low cost".to_owned(),
        }
    }
}

/// 门类/大类/中类/小类 by the length of a GB/T 4754 code with its letter.
fn industry_level_zh(code: &str) -> &'static str {
    match code.chars().count() {
        1 => "门类",
        3 => "大类",
        4 => "中类",
        5 => "小类",
        _ => "",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub solution_id: i64,
    pub why: ExcludeWhy,
}

/// Why a candidate was left out; the first failing check in the order listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExcludeWhy {
    NoGapCovered,
    IndustryMismatch,
    OverBudget { price: Fen, budget: Fen },
}

impl ExcludeWhy {
    pub fn zh(&self) -> String {
        match self {
            ExcludeWhy::NoGapCovered => "不能提升贵企业任何待提升场景".to_owned(),
            ExcludeWhy::IndustryMismatch => "适用行业不含贵企业所属行业".to_owned(),
            ExcludeWhy::OverBudget { price, budget } => format!("报价 {price} 元，超出预算 {budget} 元"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            ExcludeWhy::NoGapCovered => "Lifts none of your gap scenes".to_owned(),
            ExcludeWhy::IndustryMismatch => "Not made for your industry".to_owned(),
            ExcludeWhy::OverBudget { price, budget } => format!("Priced at ¥{price}, over your budget of ¥{budget}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ranking {
    pub recommendations: Vec<Recommendation>,
    /// Every candidate left out, by solution id.
    pub excluded: Vec<Excluded>,
}

/// A candidate that passed the checks, with what its reasons will be built from.
struct Scored<'a> {
    candidate: &'a Candidate,
    score: u32,
    gain: u32,
    binding_gain: u32,
    /// (index into need.gaps, level reached).
    lifts: Vec<(usize, u8)>,
    fit: IndustryFit,
    fit_code: &'a str,
    sub_industry: bool,
    stars: u8,
    region: Option<bool>,
}

/// Ranks candidates: a candidate must lift at least one gap scene above its current level (else
/// NoGapCovered), must apply to the enterprise's industry (its industries empty, or one of them a
/// prefix of need.industry_code; else IndustryMismatch) and, when a budget is given, cost no more
/// than it (else OverBudget). Score = Σ over covered gap scenes of (to - current) * per_level *
/// (binding_factor if binding else 1) + next_level_bonus if helps_next_level; + best industry fit
/// weight; + sub_industry if the sub-industries intersect; + per_star * stars; + same_city (first
/// 4 digits equal) or same_province (first 2 digits); + xkqz. Order: score desc, then binding gain
/// desc, then price asc, then solution_id asc (deterministic). `limit` truncates recommendations.
pub fn rank(need: &EnterpriseNeed, candidates: &[Candidate], w: &MatchWeights, limit: usize) -> Ranking {
    let mut gap_index: HashMap<&str, usize> = HashMap::with_capacity(need.gaps.len());
    for (i, g) in need.gaps.iter().enumerate() {
        gap_index.entry(g.scene.as_str()).or_insert(i);
    }
    let mut scored = Vec::new();
    let mut excluded = Vec::new();
    for c in candidates {
        match assess(need, &gap_index, c, w) {
            Ok(s) => scored.push(s),
            Err(why) => excluded.push(Excluded { solution_id: c.solution_id, why }),
        }
    }
    scored.sort_by(order);
    scored.truncate(limit);
    excluded.sort_by_key(|e| e.solution_id);
    let recommendations = scored.iter().map(|s| recommend(need, s)).collect();
    Ranking { recommendations, excluded }
}

/// Score desc, binding gain desc, price asc, solution id asc; then the remaining fields so that
/// even duplicate ids order the same whatever the input order.
fn order(a: &Scored<'_>, b: &Scored<'_>) -> Ordering {
    let (x, y) = (a.candidate, b.candidate);
    b.score
        .cmp(&a.score)
        .then(b.binding_gain.cmp(&a.binding_gain))
        .then(x.price.cmp(&y.price))
        .then(x.solution_id.cmp(&y.solution_id))
        .then(x.provider_id.cmp(&y.provider_id))
        .then_with(|| x.name.cmp(&y.name))
}

fn assess<'a>(
    need: &EnterpriseNeed,
    gap_index: &HashMap<&str, usize>,
    c: &'a Candidate,
    w: &MatchWeights,
) -> Result<Scored<'a>, ExcludeWhy> {
    let mut lifts: Vec<(usize, u8)> = Vec::new();
    for (scene, to) in &c.scenes {
        let Some(&gi) = gap_index.get(scene.as_str()) else { continue };
        let to = (*to).min(TOP_LEVEL);
        if need.gaps.get(gi).is_none_or(|g| to <= g.current) {
            continue;
        }
        match lifts.iter_mut().find(|(i, _)| *i == gi) {
            Some(l) => l.1 = l.1.max(to),
            None => lifts.push((gi, to)),
        }
    }
    if lifts.is_empty() {
        return Err(ExcludeWhy::NoGapCovered);
    }
    let (fit, fit_code) = industry_fit(&need.industry_code, &c.industries).ok_or(ExcludeWhy::IndustryMismatch)?;
    if let Some(budget) = need.budget
        && c.price > budget
    {
        return Err(ExcludeWhy::OverBudget { price: c.price, budget });
    }

    let mut score: u64 = 0;
    let (mut gain, mut binding_gain) = (0u32, 0u32);
    for &(gi, to) in &lifts {
        let Some(g) = need.gaps.get(gi) else { continue };
        let levels = u32::from(to - g.current);
        gain += levels;
        let factor = if g.binding {
            binding_gain += levels;
            u64::from(w.binding_factor)
        } else {
            1
        };
        score += u64::from(levels) * u64::from(w.per_level) * factor;
        if g.helps_next_level {
            score += u64::from(w.next_level_bonus);
        }
    }
    score += u64::from(w.industry(fit));
    let sub_industry = c.sub_industries.iter().any(|s| need.sub_industries.contains(s));
    if sub_industry {
        score += u64::from(w.sub_industry);
    }
    let stars = c.provider_stars.min(5);
    score += u64::from(w.per_star) * u64::from(stars);
    let region = region_match(&need.region_code, &c.provider_region);
    score += u64::from(match region {
        Some(true) => w.same_city,
        Some(false) => w.same_province,
        None => 0,
    });
    if c.is_xkqz {
        score += u64::from(w.xkqz);
    }
    let score = u32::try_from(score).unwrap_or(u32::MAX);
    Ok(Scored { candidate: c, score, gain, binding_gain, lifts, fit, fit_code, sub_industry, stars, region })
}

/// The best fit among the solution's industries, or `None` if none applies. A listed code applies
/// when it equals the enterprise's code or is its 中类, 大类 or 门类 (a prefix of 4, 3 or 1
/// characters); other prefixes are not GB/T 4754 levels and do not count.
fn industry_fit<'a>(code: &str, industries: &'a [String]) -> Option<(IndustryFit, &'a str)> {
    if industries.is_empty() {
        return Some((IndustryFit::Generic, ""));
    }
    let code = code.trim();
    industries
        .iter()
        .filter_map(|listed| {
            let l = listed.trim();
            let prefix = code.get(..l.len()).is_some_and(|p| p.eq_ignore_ascii_case(l));
            let fit = match l.len() {
                _ if l.eq_ignore_ascii_case(code) && !l.is_empty() => IndustryFit::Exact,
                4 if prefix => IndustryFit::Group,
                3 if prefix => IndustryFit::Division,
                1 if prefix => IndustryFit::Section,
                _ => return None,
            };
            Some((fit, l))
        })
        .min_by_key(|(fit, _)| *fit)
}

/// `Some(true)` in the same prefecture-level city (first 4 digits equal and naming a city, not
/// "xx00" for a province), `Some(false)` in the same province (first 2), else `None`.
fn region_match(a: &str, b: &str) -> Option<bool> {
    let province = digits(a, 2)?;
    if digits(b, 2)? != province {
        return None;
    }
    let city = digits(a, 4).filter(|c| !c.ends_with("00"));
    Some(city.is_some() && city == digits(b, 4))
}

/// The first `n` characters of a code if they are all ASCII digits.
fn digits(s: &str, n: usize) -> Option<&str> {
    s.get(..n).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
}

fn recommend(need: &EnterpriseNeed, s: &Scored<'_>) -> Recommendation {
    let c = s.candidate;
    let mut lifts: Vec<(&SceneGap, u8)> =
        s.lifts.iter().filter_map(|&(gi, to)| need.gaps.get(gi).map(|g| (g, to))).collect();
    // Binding first, then the larger gain; the sort is stable so ties keep the need's order.
    lifts.sort_by_key(|(g, to)| (!g.binding, std::cmp::Reverse(to - g.current)));
    let mut reasons: Vec<Reason> = lifts
        .into_iter()
        .map(|(g, to)| Reason::LiftsScene {
            scene: g.scene.clone(),
            name: g.name.clone(),
            binding: g.binding,
            from: g.current,
            to,
            helps_next_level: g.helps_next_level,
        })
        .collect();
    reasons.push(Reason::Industry { fit: s.fit, code: s.fit_code.to_owned() });
    if s.sub_industry {
        reasons.push(Reason::SubIndustry);
    }
    reasons.push(match need.budget {
        Some(budget) => Reason::WithinBudget { price: c.price, budget },
        None => Reason::Price { price: c.price },
    });
    if s.stars > 0 {
        reasons.push(Reason::Rating { stars: s.stars });
    }
    if let Some(same_city) = s.region {
        reasons.push(Reason::Region { same_city });
    }
    if c.is_xkqz {
        reasons.push(Reason::Xkqz);
    }
    Recommendation { solution_id: c.solution_id, score: s.score, gain_levels: s.gain, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> MatchWeights {
        MatchWeights::builtin().expect("shipped weights are valid")
    }

    fn gap(scene: &str, name: &str, binding: bool, current: u8, helps: bool) -> SceneGap {
        SceneGap { scene: scene.into(), name: name.into(), binding, current, helps_next_level: helps }
    }

    fn need() -> EnterpriseNeed {
        EnterpriseNeed {
            industry_code: "C3411".into(),
            sub_industries: vec![7],
            region_code: "350203".into(),
            gaps: vec![
                gap("equipment", "设备管理", true, 1, true),
                gap("planning", "计划排程", false, 0, false),
                gap("quality", "质量管理", false, 2, false),
            ],
            budget: Some(Fen(5_000_000)),
        }
    }

    fn candidate(id: i64) -> Candidate {
        Candidate {
            solution_id: id,
            name: format!("方案{id}"),
            provider_id: 100 + id,
            provider_name: "某服务商".into(),
            provider_stars: 4,
            provider_region: "350206".into(),
            price: Fen(3_800_000),
            is_xkqz: true,
            delivery_days: 30,
            scenes: vec![("equipment".into(), 3)],
            industries: vec!["C3411".into()],
            sub_industries: vec![7],
        }
    }

    #[test]
    fn builtin_weights_load_and_are_checked() {
        let w = weights();
        assert_eq!((w.per_level, w.binding_factor), (100, 2));
        let bad = BUILTIN_TOML.replace("binding_factor = 2", "binding_factor = 0");
        assert_eq!(MatchWeights::from_toml(&bad), Err(MatchError::BindingFactor));
        let bad = BUILTIN_TOML.replace("industry_section = 10", "industry_section = 40");
        assert_eq!(MatchWeights::from_toml(&bad), Err(MatchError::IndustryOrder));
        let bad = BUILTIN_TOML.replace("same_city = 20", "same_city = 5");
        assert_eq!(MatchWeights::from_toml(&bad).unwrap_err().to_string(), "同一地级市的权重不能低于同一省的权重");
        assert!(matches!(MatchWeights::from_toml("per_level = 1"), Err(MatchError::Toml(_))));
    }

    #[test]
    fn a_hand_made_case_scores_and_reads_as_expected() {
        let w = weights();
        let r = rank(&need(), &[candidate(1)], &w, 10);
        assert!(r.excluded.is_empty());
        let rec = &r.recommendations[0];
        // 2 levels × 100 × 2 (binding) + 50 + 60 exact + 20 sub + 4 × 10 + 20 city + 15 xkqz
        assert_eq!(rec.score, 400 + 50 + 60 + 20 + 40 + 20 + 15);
        assert_eq!(rec.gain_levels, 2);
        let zh: Vec<String> = rec.reasons.iter().map(Reason::zh).collect();
        assert_eq!(
            zh,
            vec![
                "可将约束性场景“设备管理”从 L1 提升到 L3，并有助于达到下一等级",
                "适用行业与贵企业所属行业小类 C3411 一致",
                "适用于贵企业所属的细分行业",
                "报价 38,000.00 元，在预算 50,000.00 元以内",
                "服务商评级 4 星",
                "服务商与贵企业同在一个地级市",
                "属于“小快轻准”产品，部署快、投入少",
            ]
        );
        assert_eq!(rec.reasons[0].en(), "Lifts binding scene “设备管理” from L1 to L3, helping reach the next level");
    }

    #[test]
    fn reasons_list_binding_lifts_first_then_by_gain() {
        let mut c = candidate(1);
        c.scenes = vec![("quality".into(), 3), ("planning".into(), 4), ("equipment".into(), 2), ("unknown".into(), 4)];
        let mut n = need();
        n.budget = None;
        n.region_code = "350000".into();
        c.provider_region = "350206".into();
        let rec = &rank(&n, &[c], &weights(), 10).recommendations[0];
        let scenes: Vec<(&str, String)> = rec
            .reasons
            .iter()
            .filter_map(|r| match r {
                Reason::LiftsScene { scene, .. } => Some((scene.as_str(), r.zh())),
                _ => None,
            })
            .collect();
        assert_eq!(
            scenes,
            vec![
                ("equipment", "可将约束性场景“设备管理”从 L1 提升到 L2，并有助于达到下一等级".to_owned()),
                ("planning", "可将场景“计划排程”从未开展提升到 L4".to_owned()),
                ("quality", "可将场景“质量管理”从 L2 提升到 L3".to_owned()),
            ]
        );
        assert_eq!(rec.gain_levels, 1 + 4 + 1);
        assert!(rec.reasons.contains(&Reason::Price { price: Fen(3_800_000) }));
        assert!(rec.reasons.contains(&Reason::Region { same_city: false }), "province-level code is no city");
    }

    #[test]
    fn exclusions_say_why() {
        let mut none = candidate(1);
        none.scenes = vec![("equipment".into(), 1), ("other".into(), 4)];
        let mut wrong_industry = candidate(2);
        wrong_industry.industries = vec!["C35".into(), "C3".into(), "E".into()];
        let mut dear = candidate(3);
        dear.price = Fen(5_000_001);
        let mut exactly = candidate(4);
        exactly.price = Fen(5_000_000);
        let r = rank(&need(), &[dear, wrong_industry, none, exactly], &weights(), 10);
        assert_eq!(
            r.excluded,
            vec![
                Excluded { solution_id: 1, why: ExcludeWhy::NoGapCovered },
                Excluded { solution_id: 2, why: ExcludeWhy::IndustryMismatch },
                Excluded {
                    solution_id: 3,
                    why: ExcludeWhy::OverBudget { price: Fen(5_000_001), budget: Fen(5_000_000) }
                },
            ]
        );
        assert_eq!(r.excluded[2].why.zh(), "报价 50,000.01 元，超出预算 50,000.00 元");
        assert_eq!(r.recommendations.iter().map(|r| r.solution_id).collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn industry_fits_rank_exact_over_group_over_division_over_section_over_generic() {
        let w = weights();
        let fits = [
            (vec!["C3411"], Some(IndustryFit::Exact), "适用行业与贵企业所属行业小类 C3411 一致"),
            (vec!["C341"], Some(IndustryFit::Group), "适用行业涵盖贵企业所属行业中类 C341"),
            (vec!["C34"], Some(IndustryFit::Division), "适用行业涵盖贵企业所属行业大类 C34"),
            (vec!["C"], Some(IndustryFit::Section), "适用行业涵盖贵企业所属门类 C"),
            (vec![], Some(IndustryFit::Generic), "通用方案，适用于各行业"),
            (vec!["C", "A01", "c341"], Some(IndustryFit::Group), "适用行业涵盖贵企业所属行业中类 c341"),
            (vec!["C3", "C34111"], None, ""),
        ];
        let mut last = u32::MAX;
        for (codes, fit, sentence) in fits {
            let industries: Vec<String> = codes.iter().map(|s| s.to_string()).collect();
            let got = industry_fit("C3411", &industries);
            assert_eq!(got.map(|g| g.0), fit, "{codes:?}");
            if let Some((f, code)) = got {
                assert_eq!(Reason::Industry { fit: f, code: code.to_owned() }.zh(), sentence);
                if codes.len() <= 1 {
                    assert!(w.industry(f) < last || last == u32::MAX);
                    last = w.industry(f);
                }
            }
        }
    }

    #[test]
    fn regions() {
        assert_eq!(region_match("350203", "350206"), Some(true));
        assert_eq!(region_match("350203", "350102"), Some(false));
        assert_eq!(region_match("350000", "350000"), Some(false));
        assert_eq!(region_match("350203", "440305"), None);
        assert_eq!(region_match("", "350203"), None);
        assert_eq!(region_match("35", "350203"), Some(false));
    }

    #[test]
    fn limit_truncates_and_order_breaks_ties_by_price_then_id() {
        let mut a = candidate(5);
        a.price = Fen(100);
        let b = candidate(3);
        let c = candidate(2);
        let r = rank(&need(), &[b.clone(), c.clone(), a.clone()], &weights(), 10);
        assert_eq!(r.recommendations.iter().map(|r| r.solution_id).collect::<Vec<_>>(), vec![5, 2, 3]);
        let r = rank(&need(), &[b, c, a], &weights(), 2);
        assert_eq!(r.recommendations.iter().map(|r| r.solution_id).collect::<Vec<_>>(), vec![5, 2]);
    }

    #[test]
    fn reasons_serialise_with_a_kind_tag() {
        let json = serde_json::to_value(Reason::Rating { stars: 3 }).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "rating", "stars": 3}));
        let json = serde_json::to_value(ExcludeWhy::NoGapCovered).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "no_gap_covered"}));
    }
}
