//! The transformation contract (数字化改造合同): parties, itemised investment, the cost split
//! ("企业出一点、服务商让一点、政府补一点"), acceptance criteria as data, and the amount in
//! Chinese capital numerals (人民币大写) printed on the contract and the subsidy forms.
//!
//! Guangdong requires the contract to name every party (牵引单位, integrator, software and hardware
//! vendors), the measures, the period, the targets and itemised prices; contracts must be signed
//! inside the programme window (programme.md §5.5).

use serde::{Deserialize, Serialize};

pub use super::criteria::{Criterion, KpiName};
use super::level_zh;
use super::rules::{Date, Programme, SpendCategory};
use crate::money::Fen;

/// A party's role in the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    LeadUnit,
    Integrator,
    SoftwareVendor,
    HardwareVendor,
}

coded!(PartyRole [code, label_zh], pub fn parse(code | label_zh) {
    LeadUnit => "lead_unit", "牵引单位";
    Integrator => "integrator", "集成服务商";
    SoftwareVendor => "software_vendor", "软件供应商";
    HardwareVendor => "hardware_vendor", "硬件供应商";
});

/// A supplier party and the part of the contract price it receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Party {
    pub uscc: String,
    pub name: String,
    pub role: PartyRole,
    pub amount: Fen,
}

/// One line of the itemised investment list (投入清单).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InvestmentLine {
    pub category: SpendCategory,
    pub description: String,
    pub amount: Fen,
}

/// Who pays the contract total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CostSplit {
    pub enterprise: Fen,
    pub provider_discount: Fen,
    pub government: Fen,
}

impl CostSplit {
    /// The three parts added up (saturating: a sum beyond the range of money is never valid anyway).
    pub fn total(&self) -> Fen {
        Fen(self.enterprise.0.saturating_add(self.provider_discount.0).saturating_add(self.government.0))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContractDraft {
    pub sign_date: Date,
    pub parties: Vec<Party>,
    pub lines: Vec<InvestmentLine>,
    pub split: CostSplit,
    pub criteria: Vec<Criterion>,
    /// The down payment (首付金额) the contract sets; Longyan's first instalment is a share of it.
    #[serde(default)]
    pub down_payment: Fen,
}

impl ContractDraft {
    /// The contract total: the sum of the investment lines.
    pub fn total(&self) -> Fen {
        sum(self.lines.iter().map(|l| l.amount))
    }
}

fn sum(amounts: impl Iterator<Item = Fen>) -> Fen {
    Fen(amounts.fold(0i64, |acc, f| acc.saturating_add(f.0)))
}

/// Why a contract draft cannot be signed; [`validate`] lists every one that applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContractProblem {
    #[error("合同未列明任何签约方")]
    NoParties,
    /// `index` counts from 1.
    #[error("第{index}个签约方“{name}”的合同金额应大于0，现为 {amount} 元")]
    PartyAmountNotPositive { index: usize, name: String, amount: Fen },
    #[error("合同未列明投入明细")]
    NoLines,
    #[error("第{index}项投入明细“{description}”的金额应大于0，现为 {amount} 元")]
    LineAmountNotPositive { index: usize, description: String, amount: Fen },
    #[error("各签约方金额合计 {parties} 元，与投入明细合计 {lines} 元不一致")]
    PartiesTotalMismatch { parties: Fen, lines: Fen },
    #[error("费用分担不能为负数（{part}）")]
    SplitNegative { part: String },
    #[error(
        "费用分担合计 {split} 元（企业 {enterprise} 元、服务商让利 {provider_discount} 元、政府补助 {government} 元），与合同总额 {total} 元不一致"
    )]
    SplitMismatch { split: Fen, enterprise: Fen, provider_discount: Fen, government: Fen, total: Fen },
    #[error("签约日期 {sign_date} 不在试点实施期 {start} 至 {end} 内")]
    SignDateOutsideWindow { sign_date: Date, start: Date, end: Date },
    #[error("合同未约定验收条件")]
    NoCriteria,
    #[error("首付金额 {down_payment} 元应在0至合同总额 {total} 元之间")]
    DownPaymentOutOfRange { down_payment: Fen, total: Fen },
    #[error("第{index}个验收条件无效：{problem}")]
    InvalidCriterion { index: usize, problem: String },
}

/// Every problem with the draft, in a fixed order; empty = valid.
pub fn validate(p: &Programme, c: &ContractDraft) -> Vec<ContractProblem> {
    let mut out = Vec::new();
    if c.parties.is_empty() {
        out.push(ContractProblem::NoParties);
    }
    for (i, party) in c.parties.iter().enumerate() {
        if party.amount.0 <= 0 {
            out.push(ContractProblem::PartyAmountNotPositive {
                index: i + 1,
                name: party.name.clone(),
                amount: party.amount,
            });
        }
    }
    if c.lines.is_empty() {
        out.push(ContractProblem::NoLines);
    }
    for (i, line) in c.lines.iter().enumerate() {
        if line.amount.0 <= 0 {
            out.push(ContractProblem::LineAmountNotPositive {
                index: i + 1,
                description: line.description.clone(),
                amount: line.amount,
            });
        }
    }
    let total = c.total();
    let parties = sum(c.parties.iter().map(|p| p.amount));
    if !c.parties.is_empty() && parties != total {
        out.push(ContractProblem::PartiesTotalMismatch { parties, lines: total });
    }
    let s = c.split;
    for (part, amount) in [("企业自筹", s.enterprise), ("服务商让利", s.provider_discount), ("政府补助", s.government)]
    {
        if amount.0 < 0 {
            out.push(ContractProblem::SplitNegative { part: format!("{part} {amount} 元") });
        }
    }
    if s.total() != total {
        out.push(ContractProblem::SplitMismatch {
            split: s.total(),
            enterprise: s.enterprise,
            provider_discount: s.provider_discount,
            government: s.government,
            total,
        });
    }
    let (start, end) = p.window();
    if !p.in_window(c.sign_date) {
        out.push(ContractProblem::SignDateOutsideWindow { sign_date: c.sign_date, start, end });
    }
    if c.criteria.is_empty() {
        out.push(ContractProblem::NoCriteria);
    }
    if c.down_payment.0 < 0 || c.down_payment > total {
        out.push(ContractProblem::DownPaymentOutOfRange { down_payment: c.down_payment, total });
    }
    for (i, criterion) in c.criteria.iter().enumerate() {
        if let Err(problem) = criterion.check() {
            out.push(ContractProblem::InvalidCriterion { index: i + 1, problem });
        }
    }
    out
}

/// Spend the programme subsidises and spend in its excluded categories, in that order.
/// Non-positive lines count as they are (validation reports them).
pub fn eligible_spend(p: &Programme, lines: &[InvestmentLine]) -> (Fen, Fen) {
    let eligible = sum(lines.iter().filter(|l| !p.is_excluded(l.category)).map(|l| l.amount));
    let excluded = sum(lines.iter().filter(|l| p.is_excluded(l.category)).map(|l| l.amount));
    (eligible, excluded)
}

/// The subsidy base of a contract: its eligible spend less the provider's discount (服务商让利)
/// falling on it, pro rata to the contract total and rounded up to the fen, so the base is what
/// the enterprise and the government actually pay. Returns (base, the discount taken off).
pub fn subsidy_base(p: &Programme, c: &ContractDraft) -> (Fen, Fen) {
    let (eligible, _) = eligible_spend(p, &c.lines);
    let total = c.total();
    let discount = c.split.provider_discount;
    if discount.0 <= 0 || total.0 <= 0 || eligible.0 <= 0 {
        return (eligible, Fen::ZERO);
    }
    let num = i128::from(eligible.0) * i128::from(discount.0.min(total.0));
    let den = i128::from(total.0);
    let off = Fen(i64::try_from((num + den - 1) / den).unwrap_or(eligible.0).min(eligible.0));
    (Fen(eligible.0 - off.0), off)
}

/// What acceptance measured.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub onsite_level: Option<u8>,
    /// (scene name, level 0–4).
    pub scene_levels: Vec<(String, u8)>,
    pub cloud_days_in_use: Option<u32>,
    pub eligible_spend: Fen,
    pub milestones_done: bool,
    /// Device KPIs measured over windows (see [`Criterion::DeviceKpi`]); `None` where the
    /// window has no readings to compute it from.
    pub device_kpis: Vec<KpiMeasure>,
}

/// A device KPI of the project measured over a window (days inclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiMeasure {
    pub kpi: KpiName,
    pub from: Date,
    pub to: Date,
    pub value: Option<i64>,
}

/// Whether the evidence meets the criterion, with a Chinese explanation naming the measured value.
pub fn evaluate(c: &Criterion, e: &Evidence) -> (bool, String) {
    match c {
        Criterion::OnsiteLevelAtLeast { level } => match e.onsite_level {
            None => (false, format!("尚无现场评测结果，要求不低于{}", level_zh(*level))),
            Some(got) if got >= *level => {
                (true, format!("现场评测等级为{}，不低于{}", level_zh(got), level_zh(*level)))
            }
            Some(got) => (false, format!("现场评测等级为{}，低于{}", level_zh(got), level_zh(*level))),
        },
        Criterion::SceneAtLeast { scene, level } => {
            match e.scene_levels.iter().find(|(name, _)| name.trim() == scene.trim()) {
                None => (false, format!("场景“{scene}”尚无评测结果，要求达到 L{level}")),
                Some((_, got)) if got >= level => (true, format!("场景“{scene}”为 L{got}，达到 L{level}")),
                Some((_, got)) => (false, format!("场景“{scene}”为 L{got}，未达到 L{level}")),
            }
        }
        Criterion::CloudInUseDays { days } => match e.cloud_days_in_use {
            None => (false, format!("尚无云服务核验记录，要求使用满 {days} 天")),
            Some(got) if got >= *days => (true, format!("云服务核验后已使用 {got} 天，满 {days} 天")),
            Some(got) => (false, format!("云服务核验后已使用 {got} 天，不足 {days} 天")),
        },
        Criterion::EligibleSpendAtLeast { amount } => {
            let got = e.eligible_spend;
            if got >= *amount {
                (true, format!("可补助投入 {got} 元，不少于 {amount} 元"))
            } else {
                (false, format!("可补助投入 {got} 元，不足 {amount} 元"))
            }
        }
        Criterion::DeviceKpi { kpi, baseline_from, baseline_to, after_from, after_to, target, min_gain } => {
            let find = |from: &Date, to: &Date| {
                e.device_kpis.iter().find(|m| m.kpi == *kpi && m.from == *from && m.to == *to).and_then(|m| m.value)
            };
            let (Some(before), Some(after)) = (find(baseline_from, baseline_to), find(after_from, after_to)) else {
                return (false, format!("{}：基线期或改造后尚无可计算的设备读数", kpi.label_zh()));
            };
            let (meets, gain) = if kpi.lower_is_better() {
                (after <= *target, before - after)
            } else {
                (after >= *target, after - before)
            };
            let text = format!("{}：基线期 {}，改造后 {}", kpi.label_zh(), kpi.show(before), kpi.show(after));
            if !meets {
                (false, format!("{text}，未达到目标 {}", kpi.show(*target)))
            } else if gain < *min_gain {
                (false, format!("{text}，达到目标但提升幅度不足"))
            } else {
                (true, format!("{text}，达到目标 {}", kpi.show(*target)))
            }
        }
        Criterion::MilestonesDone => {
            if e.milestones_done {
                (true, "全部里程碑已完成".to_owned())
            } else {
                (false, "尚有里程碑未完成".to_owned())
            }
        }
    }
}

// ───────────────────────────── 人民币大写 ─────────────────────────────

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
const SMALL_UNITS: [&str; 4] = ["", "拾", "佰", "仟"];

/// 人民币大写, following the People's Bank rules for writing amounts on bills
/// (《正确填写票据和结算凭证的基本规定》):
/// - 1234567.89 元 → "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"; whole yuan end in "整"; zero is "零元整";
/// - zeros between digits read as one "零" (1,000,001 → "壹佰万零壹元整", 10,010 → "壹万零壹拾元整");
/// - where the rules make the "零" optional (a 万 or 元 digit that is 0 before a non-zero 仟 or 角
///   digit: 107,000.53 → "壹拾万柒仟元伍角叁分"), it is left out;
/// - a 角 of 0 before a non-zero 分 is written "零" (1.05 → "壹元零伍分"), and amounts under one
///   yuan start at the first non-zero digit (0.05 → "伍分"); nothing follows "角" or "分";
/// - negative amounts are prefixed "负".
pub fn amount_in_words(f: Fen) -> String {
    let abs = f.0.unsigned_abs();
    let yuan = abs / 100;
    let jiao = usize::try_from(abs / 10 % 10).unwrap_or(0);
    let fen = usize::try_from(abs % 10).unwrap_or(0);
    let mut out = String::new();
    if f.0 < 0 {
        out.push('负');
    }
    if yuan > 0 {
        out.push_str(&integer_words(yuan));
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) => out.push_str(if yuan > 0 { "整" } else { "零元整" }),
        (j, 0) => {
            out.push_str(DIGITS[j]);
            out.push('角');
        }
        (0, p) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push_str(DIGITS[p]);
            out.push('分');
        }
        (j, p) => {
            out.push_str(DIGITS[j]);
            out.push('角');
            out.push_str(DIGITS[p]);
            out.push('分');
        }
    }
    out
}

/// A positive whole number in capitals, by sections of 亿 and 万: a lower section that starts
/// with a zero (is below 1000 of its unit) is joined with "零".
fn integer_words(n: u64) -> String {
    const YI: u64 = 100_000_000;
    const WAN: u64 = 10_000;
    if n >= YI {
        let (high, low) = (n / YI, n % YI);
        let mut s = integer_words(high) + "亿";
        if low > 0 {
            if low < YI / 10 {
                s.push('零');
            }
            s.push_str(&integer_words(low));
        }
        s
    } else if n >= WAN {
        let (high, low) = (n / WAN, n % WAN);
        let mut s = section_words(high) + "万";
        if low > 0 {
            if low < WAN / 10 {
                s.push('零');
            }
            s.push_str(&section_words(low));
        }
        s
    } else {
        section_words(n)
    }
}

/// 1–9999: "壹仟零肆", "壹拾", "壹佰零伍"; inner zeros read as one "零", trailing zeros as nothing.
fn section_words(n: u64) -> String {
    let mut s = String::new();
    let mut zero_pending = false;
    for pos in (0..4).rev() {
        let digit = usize::try_from(n / 10u64.pow(pos) % 10).unwrap_or(0);
        if digit == 0 {
            zero_pending = !s.is_empty();
        } else {
            if zero_pending {
                s.push('零');
                zero_pending = false;
            }
            s.push_str(DIGITS[digit]);
            s.push_str(SMALL_UNITS[pos as usize]);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::rules::Programme;

    fn y(s: &str) -> Fen {
        Fen::parse_yuan(s).unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn nanjing() -> Programme {
        Programme::builtin().unwrap().into_iter().find(|p| p.id() == "nanjing-2024").unwrap()
    }

    #[test]
    fn amounts_in_words() {
        let cases = [
            ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
            ("100000", "壹拾万元整"),
            ("0", "零元整"),
            ("1000001", "壹佰万零壹元整"),
            ("10010", "壹万零壹拾元整"),
            ("0.05", "伍分"),
            ("0.5", "伍角"),
            ("0.56", "伍角陆分"),
            ("1", "壹元整"),
            ("10", "壹拾元整"),
            ("1.05", "壹元零伍分"),
            ("1004.56", "壹仟零肆元伍角陆分"),
            ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
            ("107000.53", "壹拾万柒仟元伍角叁分"),
            ("100000000", "壹亿元整"),
            ("100000001", "壹亿零壹元整"),
            ("100010000", "壹亿零壹万元整"),
            ("110000000", "壹亿壹仟万元整"),
            ("1010000000", "壹拾亿壹仟万元整"),
            ("1000001000", "壹拾亿零壹仟元整"),
            ("10001000", "壹仟万壹仟元整"),
            ("20304050", "贰仟零叁拾万肆仟零伍拾元整"),
            ("1000000000000", "壹万亿元整"),
            ("1000100000000", "壹万零壹亿元整"),
            ("500000", "伍拾万元整"),
            ("350000", "叁拾伍万元整"),
            ("16666.66", "壹万陆仟陆佰陆拾陆元陆角陆分"),
            ("-12.3", "负壹拾贰元叁角"),
        ];
        for (yuan, words) in cases {
            assert_eq!(amount_in_words(y(yuan)), words, "{yuan}");
        }
        // 92,233,720,368,547,758.07 元: 亿 nests (亿亿).
        assert_eq!(
            amount_in_words(Fen(i64::MAX)),
            "玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分"
        );
        assert_eq!(
            amount_in_words(Fen(i64::MIN)),
            "负玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零捌分"
        );
    }

    fn party(name: &str, amount: &str) -> Party {
        Party { uscc: "91320100MA1XXXXX9R".into(), name: name.into(), role: PartyRole::Integrator, amount: y(amount) }
    }

    fn line(category: SpendCategory, amount: &str) -> InvestmentLine {
        InvestmentLine { category, description: category.label_zh().into(), amount: y(amount) }
    }

    fn good_draft() -> ContractDraft {
        ContractDraft {
            sign_date: d("2025-03-01"),
            parties: vec![party("甲集成", "300000"), party("乙软件", "100000")],
            lines: vec![
                line(SpendCategory::Software, "250000"),
                line(SpendCategory::Gateway, "100000"),
                line(SpendCategory::OfficePc, "50000"),
            ],
            split: CostSplit { enterprise: y("180000"), provider_discount: y("20000"), government: y("200000") },
            criteria: vec![Criterion::OnsiteLevelAtLeast { level: 2 }, Criterion::MilestonesDone],
            down_payment: y("120000"),
        }
    }

    #[test]
    fn a_good_draft_is_valid_and_spend_is_split() {
        let p = nanjing();
        let c = good_draft();
        assert_eq!(validate(&p, &c), vec![]);
        assert_eq!(c.total(), y("400000"));
        assert_eq!(eligible_spend(&p, &c.lines), (y("350000"), y("50000")));
        assert_eq!(eligible_spend(&p, &[]), (Fen::ZERO, Fen::ZERO));
        // The provider's 20,000 discount on a 400,000 contract: 350,000 × 20,000 / 400,000 = 17,500
        // of it falls on the eligible lines; the base is what the enterprise and government pay.
        assert_eq!(subsidy_base(&p, &c), (y("332500"), y("17500")));
        let none = ContractDraft {
            split: CostSplit { provider_discount: Fen::ZERO, enterprise: y("200000"), ..c.split },
            ..good_draft()
        };
        assert_eq!(subsidy_base(&p, &none), (y("350000"), Fen::ZERO));
        // Rounding never gives the enterprise a fen it did not spend: the discount share rounds up.
        let odd = ContractDraft {
            split: CostSplit { enterprise: y("179999.99"), provider_discount: y("20000.01"), government: y("200000") },
            ..good_draft()
        };
        assert_eq!(subsidy_base(&p, &odd).1, y("17500.01"));
        // The down payment lies within the contract.
        let over = ContractDraft { down_payment: y("400000.01"), ..good_draft() };
        assert_eq!(
            validate(&p, &over).iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["首付金额 400,000.01 元应在0至合同总额 400,000.00 元之间"]
        );
    }

    #[test]
    fn every_problem_is_reported_in_chinese() {
        let p = nanjing();
        let mut c = good_draft();
        c.parties.clear();
        c.criteria.clear();
        c.sign_date = d("2024-10-17");
        assert_eq!(
            validate(&p, &c).iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "合同未列明任何签约方",
                "签约日期 2024-10-17 不在试点实施期 2024-10-18 至 2026-10-31 内",
                "合同未约定验收条件",
            ]
        );
        let mut c = good_draft();
        c.parties[1].amount = Fen::ZERO;
        c.split.government = y("150000");
        c.sign_date = d("2027-01-01");
        let problems = validate(&p, &c);
        assert_eq!(
            problems,
            vec![
                ContractProblem::PartyAmountNotPositive { index: 2, name: "乙软件".into(), amount: Fen::ZERO },
                ContractProblem::PartiesTotalMismatch { parties: y("300000"), lines: y("400000") },
                ContractProblem::SplitMismatch {
                    split: y("350000"),
                    enterprise: y("180000"),
                    provider_discount: y("20000"),
                    government: y("150000"),
                    total: y("400000"),
                },
                ContractProblem::SignDateOutsideWindow {
                    sign_date: d("2027-01-01"),
                    start: d("2024-10-18"),
                    end: d("2026-10-31")
                },
            ]
        );
        assert_eq!(problems[0].to_string(), "第2个签约方“乙软件”的合同金额应大于0，现为 0.00 元");
        assert_eq!(problems[1].to_string(), "各签约方金额合计 300,000.00 元，与投入明细合计 400,000.00 元不一致");
        assert_eq!(
            problems[2].to_string(),
            "费用分担合计 350,000.00 元（企业 180,000.00 元、服务商让利 20,000.00 元、政府补助 150,000.00 元），\
             与合同总额 400,000.00 元不一致"
        );
        let mut c = good_draft();
        c.lines.clear();
        c.parties.clear();
        c.split = CostSplit { enterprise: y("-1"), provider_discount: Fen::ZERO, government: y("1") };
        c.criteria = vec![Criterion::CloudInUseDays { days: 0 }];
        let text: Vec<String> = validate(&p, &c).iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "合同未列明任何签约方",
                "合同未列明投入明细",
                "费用分担不能为负数（企业自筹 -1.00 元）",
                "首付金额 120,000.00 元应在0至合同总额 0.00 元之间",
                "第1个验收条件无效：使用天数应至少为1天"
            ]
        );
        let mut c = good_draft();
        c.lines[0].amount = y("-250000");
        assert!(validate(&p, &c).contains(&ContractProblem::LineAmountNotPositive {
            index: 1,
            description: "软件".into(),
            amount: y("-250000")
        }));
        // The window's first and last days are inside it.
        for day in ["2024-10-18", "2026-10-31"] {
            let c = ContractDraft { sign_date: d(day), ..good_draft() };
            assert_eq!(validate(&p, &c), vec![], "{day}");
        }
    }

    #[test]
    fn criteria_describe_and_evaluate() {
        let described: Vec<String> = [
            Criterion::OnsiteLevelAtLeast { level: 2 },
            Criterion::SceneAtLeast { scene: "设备管理".into(), level: 3 },
            Criterion::CloudInUseDays { days: 30 },
            Criterion::EligibleSpendAtLeast { amount: y("50000") },
            Criterion::MilestonesDone,
        ]
        .iter()
        .map(Criterion::describe_zh)
        .collect();
        assert_eq!(
            described,
            [
                "现场评测等级不低于二级",
                "场景“设备管理”达到 L3 及以上",
                "云服务核验后使用满 30 天",
                "可补助投入不少于 50,000.00 元",
                "全部里程碑完成"
            ]
        );

        let e = Evidence {
            onsite_level: Some(3),
            scene_levels: vec![("设备管理".into(), 2), ("生产管控".into(), 4)],
            cloud_days_in_use: Some(45),
            eligible_spend: y("60000"),
            milestones_done: false,
            device_kpis: Vec::new(),
        };
        let check = |c: Criterion| evaluate(&c, &e);
        assert_eq!(check(Criterion::OnsiteLevelAtLeast { level: 2 }), (true, "现场评测等级为三级，不低于二级".into()));
        assert_eq!(check(Criterion::OnsiteLevelAtLeast { level: 4 }), (false, "现场评测等级为三级，低于四级".into()));
        assert_eq!(
            check(Criterion::SceneAtLeast { scene: "设备管理".into(), level: 3 }),
            (false, "场景“设备管理”为 L2，未达到 L3".into())
        );
        assert_eq!(
            check(Criterion::SceneAtLeast { scene: "生产管控".into(), level: 3 }),
            (true, "场景“生产管控”为 L4，达到 L3".into())
        );
        assert_eq!(
            check(Criterion::SceneAtLeast { scene: "质量管理".into(), level: 1 }),
            (false, "场景“质量管理”尚无评测结果，要求达到 L1".into())
        );
        assert_eq!(check(Criterion::CloudInUseDays { days: 30 }), (true, "云服务核验后已使用 45 天，满 30 天".into()));
        assert_eq!(
            check(Criterion::CloudInUseDays { days: 90 }),
            (false, "云服务核验后已使用 45 天，不足 90 天".into())
        );
        assert_eq!(
            check(Criterion::EligibleSpendAtLeast { amount: y("60000") }),
            (true, "可补助投入 60,000.00 元，不少于 60,000.00 元".into())
        );
        assert_eq!(
            check(Criterion::EligibleSpendAtLeast { amount: y("60000.01") }),
            (false, "可补助投入 60,000.00 元，不足 60,000.01 元".into())
        );
        assert_eq!(check(Criterion::MilestonesDone), (false, "尚有里程碑未完成".into()));
        let empty = Evidence::default();
        assert!(!evaluate(&Criterion::OnsiteLevelAtLeast { level: 2 }, &empty).0);
        assert_eq!(evaluate(&Criterion::CloudInUseDays { days: 30 }, &empty).1, "尚无云服务核验记录，要求使用满 30 天");
    }

    #[test]
    fn criteria_serde_form() {
        let c = Criterion::SceneAtLeast { scene: "设备管理".into(), level: 3 };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"kind": "scene_at_least", "scene": "设备管理", "level": 3})
        );
        let m: Criterion = serde_json::from_str(r#"{"kind":"milestones_done"}"#).unwrap();
        assert_eq!(m, Criterion::MilestonesDone);
        let s: Criterion = serde_json::from_str(r#"{"kind":"eligible_spend_at_least","amount":5000000}"#).unwrap();
        assert_eq!(s.describe_zh(), "可补助投入不少于 50,000.00 元");
        for r in PartyRole::ALL {
            assert_eq!(PartyRole::parse(r.code()), Some(r));
            assert_eq!(PartyRole::parse(r.label_zh()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.code()));
        }
        assert_eq!(PartyRole::LeadUnit.label_zh(), "牵引单位");
    }

    #[test]
    fn device_kpi_criteria_read_both_windows() {
        let d = |s: &str| Date::parse(s).unwrap();
        let oee = |target, min_gain| Criterion::DeviceKpi {
            kpi: KpiName::Oee,
            baseline_from: d("2025-01-01"),
            baseline_to: d("2025-03-31"),
            after_from: d("2025-07-01"),
            after_to: d("2025-09-30"),
            target,
            min_gain,
        };
        assert_eq!(
            oee(6500, 1000).describe_zh(),
            "联网设备设备综合效率（OEE）：改造后（2025-07-01至2025-09-30）不低于 65.00%（基线期 2025-01-01至2025-03-31），且较基线期提高不少于 10.00 个百分点"
        );
        let measure = |from: &str, to: &str, value| KpiMeasure { kpi: KpiName::Oee, from: d(from), to: d(to), value };
        let mut e = Evidence {
            device_kpis: vec![
                measure("2025-01-01", "2025-03-31", Some(5500)),
                measure("2025-07-01", "2025-09-30", Some(6620)),
            ],
            ..Evidence::default()
        };
        assert!(evaluate(&oee(6500, 1000), &e).0);
        assert_eq!(
            evaluate(&oee(6700, 0), &e),
            (false, "设备综合效率（OEE）：基线期 55.00%，改造后 66.20%，未达到目标 67.00%".into())
        );
        assert!(!evaluate(&oee(6500, 1200), &e).0, "gain 11.20 points short of 12");
        e.device_kpis[0].value = None;
        assert!(evaluate(&oee(6500, 0), &e).1.contains("尚无可计算的设备读数"));
        // Windows checked for sense.
        let mut bad = oee(6500, 0);
        if let Criterion::DeviceKpi { after_from, .. } = &mut bad {
            *after_from = d("2025-03-01");
        }
        assert!(bad.check().is_err());
        assert!(oee(10_001, 0).check().is_err());
        assert!(oee(6500, 0).check().is_ok());
    }
}
