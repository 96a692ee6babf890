//! The subsidy (奖补) for one project, fen-exact, with a line-by-line Chinese trace an officer can
//! read back to the enterprise (programme.md §5.8, §10.1 `SubsidyRule` / `SubsidyAward`).
//!
//! Order of the computation:
//! 1. the terms: the first taper step (退坡) that applies — completed by its `until` date and each
//!    of its dated steps (district check, on-site assessment, audit, filing) done by its deadline —
//!    else the base rate and cap;
//! 2. proportional amount = eligible spend × rate, rounded DOWN to the fen;
//! 3. capped by the (level's) cap, which holds per enterprise: what its other projects in the
//!    programme (and in the programmes sharing the cap) were granted is taken off the cap first;
//! 4. plus the level bonus, once per enterprise → the award (核定补助);
//! 5. minus every earlier instalment of this project computed and reserved (not cancelled),
//!    paid or not;
//! 6. limited by what is left in the budget pool (总量控制、先到先补) → `total`, payable now;
//! 7. `total` split into instalments: the schedule is applied to everything granted so far
//!    (already reserved + `total`), earlier stages first — an instalment on the down payment is a
//!    share of the contract's down payment, the others of the award — and what was already
//!    reserved is taken off the earliest stages. The instalments therefore always add up to `total`.

use serde::{Deserialize, Serialize};

use super::level_zh;
use super::rules::{
    Date, FULL_BP, InstalmentBase, InstalmentStage, MAX_LEVEL, Programme, StepDates, TaperStep, pct_of_bp,
};
use crate::money::Fen;

/// What the computation needs about one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubsidyInput {
    /// Spend in the categories the programme subsidises, net of the provider's discount (see
    /// `contract::subsidy_base`).
    pub eligible_spend: Fen,
    /// Final level (on-site assessment), 1–4.
    pub level: u8,
    /// When the transformation was completed: decides a taper step with an `until` date.
    pub completed_on: Date,
    /// When the dated acceptance steps were done: decide a taper step with deadlines.
    pub steps: StepDates,
    /// Every earlier instalment of this project computed and reserved, not cancelled (paid or not).
    pub already_reserved: Fen,
    /// Granted to the enterprise's other projects under the cap (programme and those sharing it),
    /// level bonuses excluded.
    pub enterprise_prior: Fen,
    /// Level bonuses granted to the enterprise's other projects.
    pub enterprise_prior_bonus: Fen,
    /// The contract's down payment (首付金额), for an instalment on it.
    pub down_payment: Option<Fen>,
    /// What is left in the budget pool for new payments.
    pub pool_remaining: Fen,
}

impl SubsidyInput {
    /// An input with nothing reserved before, no other projects, no dated steps, no down payment.
    pub fn new(eligible_spend: Fen, level: u8, completed_on: Date, pool_remaining: Fen) -> SubsidyInput {
        SubsidyInput {
            eligible_spend,
            level,
            completed_on,
            steps: StepDates::default(),
            already_reserved: Fen::ZERO,
            enterprise_prior: Fen::ZERO,
            enterprise_prior_bonus: Fen::ZERO,
            down_payment: None,
            pool_remaining,
        }
    }
}

/// One step of the computation, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TraceLine {
    pub label: String,
    pub amount: Option<Fen>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubsidyResult {
    /// Payable now.
    pub total: Fen,
    /// `total` by stage, in the programme's order; adds up to `total`.
    pub instalments: Vec<(InstalmentStage, Fen)>,
    pub trace: Vec<TraceLine>,
    /// The programme rule that produced it, "id vN".
    pub rule: String,
    /// The award (核定补助) before what was reserved earlier and the pool.
    pub award: Fen,
    /// The level bonus inside the award.
    pub bonus: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubsidyError {
    #[error("评测等级为{}，低于本试点奖补要求的{}，不予补助", level_zh(*.level), level_zh(*.min))]
    LevelBelowMinimum { level: u8, min: u8 },
    #[error("评测等级应为1至4（一级至四级），收到 {0}")]
    InvalidLevel(u8),
    #[error("{field}不能为负数")]
    Negative { field: &'static str },
    #[error("金额超出范围")]
    Overflow,
}

fn line(label: &str, amount: Option<Fen>, note: String) -> TraceLine {
    TraceLine { label: label.to_owned(), amount, note }
}

fn add(a: Fen, b: Fen) -> Result<Fen, SubsidyError> {
    a.checked_add(b).map_err(|_| SubsidyError::Overflow)
}

fn minus(a: Fen, b: Fen) -> Fen {
    Fen(a.0.saturating_sub(b.0).max(0))
}

/// `amount × bp / 10000`, rounded down to the fen. `amount` and `bp` are non-negative.
fn share(amount: Fen, bp: u32) -> Fen {
    let v = i128::from(amount.0) * i128::from(bp) / i128::from(FULL_BP);
    // bp ≤ 10000, so the share never exceeds the amount and fits an i64.
    Fen(i64::try_from(v).unwrap_or(amount.0))
}

/// A chain member's award split between the SME and the chain's lead (链式项目, the programme's
/// `chain.lead_share_bp`): the lead's share is rounded down to the fen and the SME keeps the rest,
/// so the two always add up to `amount` exactly. Returns `(sme, lead)`.
pub fn split_for_lead(amount: Fen, lead_share_bp: u32) -> (Fen, Fen) {
    let amount = Fen(amount.0.max(0));
    let lead = share(amount, lead_share_bp.min(FULL_BP));
    (Fen(amount.0 - lead.0), lead)
}

/// Why a taper step applies or not, in Chinese: each condition with its date.
fn taper_conditions(step: &TaperStep, completed_on: Date, steps: &StepDates) -> (Vec<String>, Option<String>) {
    let mut met = Vec::new();
    let mut failed = None;
    if let Some(until) = step.until {
        if completed_on <= until {
            met.push(format!("完成日期 {completed_on} 不晚于 {until}"));
        } else {
            failed = Some(format!("完成日期 {completed_on} 晚于 {until}"));
        }
    }
    for (kind, by) in &step.deadlines {
        match steps.of(*kind) {
            Some(d) if d <= *by => met.push(format!("{} {d} 办结，不晚于 {by}", kind.label_zh())),
            Some(d) => {
                failed.get_or_insert_with(|| format!("{} {d} 办结，晚于时限 {by}", kind.label_zh()));
            }
            None => {
                failed.get_or_insert_with(|| format!("{}尚未办结（时限 {by}）", kind.label_zh()));
            }
        }
    }
    (met, failed)
}

/// Computes the subsidy for one project under `p`. Refuses a level below the programme's minimum.
pub fn compute(p: &Programme, input: &SubsidyInput) -> Result<SubsidyResult, SubsidyError> {
    let rule = p.subsidy();
    let level = input.level;
    if !(1..=MAX_LEVEL).contains(&level) {
        return Err(SubsidyError::InvalidLevel(level));
    }
    if level < rule.min_level {
        return Err(SubsidyError::LevelBelowMinimum { level, min: rule.min_level });
    }
    for (field, amount) in [
        ("可补助投入", input.eligible_spend),
        ("已核拨金额", input.already_reserved),
        ("本企业其他项目已核定金额", input.enterprise_prior),
        ("本企业其他项目等级奖励", input.enterprise_prior_bonus),
        ("首付金额", input.down_payment.unwrap_or(Fen::ZERO)),
        ("预算池余额", input.pool_remaining),
    ] {
        if amount.0 < 0 {
            return Err(SubsidyError::Negative { field });
        }
    }

    let mut trace = Vec::new();
    let spend = input.eligible_spend;
    trace.push(line(
        "可补助投入",
        Some(spend),
        format!("完成日期 {}，最终评测等级{}", input.completed_on, level_zh(level)),
    ));

    // 1. Terms.
    let (rate_bp, cap, step) = rule.terms(input.completed_on, &input.steps);
    let cap_amount = cap.for_level(level).ok_or(SubsidyError::LevelBelowMinimum { level, min: rule.min_level })?;
    let terms = format!("比例 {}、上限 {}", pct_of_bp(rate_bp), cap.describe_zh());
    let mut terms_note = match step {
        Some(step) => {
            let (met, _) = taper_conditions(step, input.completed_on, &input.steps);
            format!("{}，适用{}{terms}", met.join("；"), step.name)
        }
        None if rule.taper.is_empty() => terms,
        None => {
            let why: Vec<String> = rule
                .taper
                .iter()
                .map(|t| {
                    let (_, failed) = taper_conditions(t, input.completed_on, &input.steps);
                    format!("{}条件未满足（{}）", t.name, failed.unwrap_or_default())
                })
                .collect();
            format!("{}，退坡后适用{terms}", why.join("；"))
        }
    };
    if !rule.rate_verified {
        terms_note.push_str("；注意：补助比例未经核实（来源只核实了上限，见试点规则文件说明）");
    }
    trace.push(line("适用规则", None, format!("{}：{terms_note}", p.rule_ref())));

    // 2. Proportional amount.
    let base = share(spend, rate_bp);
    trace.push(line(
        "按比例计算",
        Some(base),
        format!("{spend} 元 × {} = {base} 元（不足一分的部分舍去）", pct_of_bp(rate_bp)),
    ));

    // 3. Cap, per enterprise.
    let prior = input.enterprise_prior;
    let room = minus(cap_amount, prior);
    let capped = base.min(room);
    let cap_name = if matches!(cap, super::rules::Cap::ByLevel(_)) {
        format!("{}上限", level_zh(level))
    } else {
        "上限".to_owned()
    };
    let cap_desc = if prior.0 > 0 {
        format!("单家企业{cap_name} {cap_amount} 元，本企业其他项目已核定 {prior} 元，剩余 {room} 元")
    } else {
        format!("单家企业{cap_name} {cap_amount} 元")
    };
    let cap_note = if capped < base {
        format!("超过{cap_desc}，按上限补助，超出的 {} 元不予补助", Fen(base.0 - capped.0))
    } else {
        format!("未超过{cap_desc}")
    };
    trace.push(line("封顶", Some(capped), cap_note));

    // 4. Level bonus, once per enterprise.
    let full_bonus = rule.bonus_for(level);
    let bonus = minus(full_bonus, input.enterprise_prior_bonus);
    if let Some((rank, amount)) = rule.level_bonus.first() {
        let mut note = if full_bonus.0 == 0 {
            format!("{}及以上另加 {amount} 元；本项目为{}，不适用", level_zh(*rank), level_zh(level))
        } else if bonus < full_bonus {
            format!(
                "达到{}，另加 {full_bonus} 元；本企业其他项目已获 {} 元，本项目另加 {bonus} 元",
                level_zh(level),
                input.enterprise_prior_bonus,
            )
        } else {
            format!("达到{}，另加 {bonus} 元", level_zh(level))
        };
        let with_bonus = capped.0.saturating_add(bonus.0);
        if bonus.0 > 0 && with_bonus > spend.0 {
            note.push_str(&format!(
                "；按通知原文，等级奖励在封顶金额之外另加，不以投入为限：合计 {} 元超过可补助投入 {spend} 元",
                Fen(with_bonus)
            ));
        }
        trace.push(line("等级奖励", Some(bonus), note));
    }
    let award = add(capped, bonus)?;
    trace.push(line("核定补助", Some(award), format!("{award} 元，大写{}", super::amount_in_words(award))));

    // 5. Earlier instalments of this project, reserved whether paid or not.
    let reserved = input.already_reserved;
    let mut due = minus(award, reserved);
    if reserved.0 > 0 {
        let note = if reserved > award {
            format!(
                "此前各期已核拨 {reserved} 元（已预留即计入，不论是否已支付），超过核定补助 {award} 元，本次不再拨付，多拨的 {} 元应予核查",
                Fen(reserved.0 - award.0)
            )
        } else {
            format!("此前各期已核拨 {reserved} 元（已预留即计入，不论是否已支付）")
        };
        trace.push(line("扣除已拨付", Some(due), note));
    }

    // 6. Budget pool.
    let pool = input.pool_remaining;
    if due > pool {
        let short = Fen(due.0 - pool.0);
        trace.push(line(
            "预算池余额不足",
            Some(pool),
            format!(
                "预算池余额 {pool} 元，不足应拨的 {due} 元；{}，本次只能拨付余额，差额 {short} 元",
                rule.pool_order.label_zh()
            ),
        ));
        due = pool;
    } else {
        trace.push(line("预算池余额", Some(pool), format!("足以拨付 {due} 元")));
    }
    let total = due;
    trace.push(line("本次应拨付", Some(total), format!("{total} 元，大写{}", super::amount_in_words(total))));

    // 7. Instalments.
    let granted = add(total, reserved.min(award))?;
    let down = input.down_payment.unwrap_or(Fen::ZERO);
    let mut schedule = Vec::with_capacity(rule.instalments.len());
    let mut left = granted;
    for (i, inst) in rule.instalments.iter().enumerate() {
        let amount = if i + 1 == rule.instalments.len() {
            left
        } else {
            let of = match inst.base {
                InstalmentBase::Award => granted,
                InstalmentBase::DownPayment => down,
            };
            let s = share(of, inst.share_bp);
            inst.cap.map_or(s, |c| s.min(c)).min(left)
        };
        left = Fen(left.0 - amount.0);
        schedule.push((inst, amount));
    }
    let mut to_deduct = reserved.min(award);
    let mut instalments = Vec::with_capacity(schedule.len());
    for (i, (inst, amount)) in schedule.into_iter().enumerate() {
        let deducted = to_deduct.min(amount);
        to_deduct = Fen(to_deduct.0 - deducted.0);
        let now = Fen(amount.0 - deducted.0);
        instalments.push((inst.stage, now));
        let mut note = if inst.stage == InstalmentStage::AfterAcceptance {
            "领取余额".to_owned()
        } else {
            let capped = inst.cap.map(|c| format!("，封顶 {c} 元")).unwrap_or_default();
            match inst.base {
                InstalmentBase::Award => format!("补助的 {}{capped}", pct_of_bp(inst.share_bp)),
                InstalmentBase::DownPayment if input.down_payment.is_none() => {
                    format!("首付金额的 {}{capped}；合同未载明首付金额", pct_of_bp(inst.share_bp))
                }
                InstalmentBase::DownPayment => {
                    format!("首付金额 {down} 元的 {}{capped}，且不超过核定补助", pct_of_bp(inst.share_bp))
                }
            }
        };
        if deducted.0 > 0 {
            note.push_str(&format!("；本期 {amount} 元中已核拨 {deducted} 元"));
        }
        trace.push(TraceLine {
            label: format!("第{}期（{}）", i + 1, inst.stage.label_zh()), amount: Some(now), note
        });
    }

    Ok(SubsidyResult { total, instalments, trace, rule: p.rule_ref(), award, bonus })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_chain_split_adds_up_to_the_fen() {
        for (amount, bp) in [(0, 1000), (1, 1000), (9, 1000), (25_000_001, 1500), (123_457, 3333), (99_999_999, 5000)] {
            let (sme, lead) = split_for_lead(Fen(amount), bp);
            assert_eq!(sme.0 + lead.0, amount, "{amount} at {bp}");
            assert_eq!(lead.0, amount * i64::from(bp) / 10_000, "the lead's share is rounded down");
        }
        assert_eq!(split_for_lead(Fen(10_000), 0), (Fen(10_000), Fen::ZERO));
    }

    use super::*;
    use crate::programme::rules::Programme;

    fn programme(id: &str) -> Programme {
        Programme::builtin().unwrap().into_iter().find(|p| p.id() == id).unwrap()
    }

    fn y(s: &str) -> Fen {
        Fen::parse_yuan(s).unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn input(spend: &str, level: u8, completed_on: &str) -> SubsidyInput {
        SubsidyInput::new(y(spend), level, d(completed_on), y("80000000"))
    }

    /// Nanjing's dated steps all done by the batch-1 deadlines (the deadline days themselves).
    fn on_time() -> StepDates {
        StepDates {
            district_check: Some(d("2026-01-20")),
            onsite_assessment: Some(d("2026-01-27")),
            finance_audit: Some(d("2026-01-27")),
            filing: Some(d("2026-01-27")),
        }
    }

    fn labels(r: &SubsidyResult) -> Vec<&str> {
        r.trace.iter().map(|l| l.label.as_str()).collect()
    }

    #[test]
    fn nanjing_batch_one_by_the_dated_steps() {
        // 80万 at 三级, completed 2026-01-05, every check done by 2026-01-27 → 50% = 40万.
        let r =
            compute(&programme("nanjing-2024"), &SubsidyInput { steps: on_time(), ..input("800000", 3, "2026-01-05") })
                .unwrap();
        assert_eq!(r.total, y("400000"));
        assert_eq!(r.instalments, vec![(InstalmentStage::AfterAcceptance, y("400000"))]);
        assert_eq!(r.rule, "nanjing-2024 v2");
        assert_eq!(
            labels(&r),
            [
                "可补助投入",
                "适用规则",
                "按比例计算",
                "封顶",
                "等级奖励",
                "核定补助",
                "预算池余额",
                "本次应拨付",
                "第1期（验收后拨付）"
            ]
        );
        assert_eq!(
            r.trace[1].note,
            "nanjing-2024 v2：区级真实性核查 2026-01-20 办结，不晚于 2026-01-20；第三方现场评测 2026-01-27 办结，不晚于 2026-01-27；\
             专项财务审计 2026-01-27 办结，不晚于 2026-01-27；建档 2026-01-27 办结，不晚于 2026-01-27，适用第一批比例 50%、上限 500,000.00 元"
        );
        assert_eq!(r.trace[2].note, "800,000.00 元 × 50% = 400,000.00 元（不足一分的部分舍去）");
        assert_eq!(r.trace[3].note, "未超过单家企业上限 500,000.00 元");
        assert_eq!(
            r.trace[4],
            TraceLine {
                label: "等级奖励".into(),
                amount: Some(Fen::ZERO),
                note: "四级及以上另加 200,000.00 元；本项目为三级，不适用".into()
            }
        );
        assert_eq!(r.trace[5].note, "400,000.00 元，大写肆拾万元整");
    }

    #[test]
    fn nanjing_taper_when_a_step_is_late_whatever_the_completion_date() {
        let p = programme("nanjing-2024");
        // Completed 2025-12-20 but assessed in February → 40% = 32万.
        let late = StepDates { onsite_assessment: Some(d("2026-02-03")), ..on_time() };
        let r = compute(&p, &SubsidyInput { steps: late, ..input("800000", 3, "2025-12-20") }).unwrap();
        assert_eq!(r.total, y("320000"));
        assert_eq!(
            r.trace[1].note,
            "nanjing-2024 v2：第一批条件未满足（第三方现场评测 2026-02-03 办结，晚于时限 2026-01-27），退坡后适用比例 40%、上限 400,000.00 元"
        );
        // A step not done at all.
        let r = compute(&p, &SubsidyInput { steps: StepDates::default(), ..input("800000", 3, "2025-12-20") }).unwrap();
        assert_eq!(r.total, y("320000"));
        assert!(r.trace[1].note.contains("区级真实性核查尚未办结（时限 2026-01-20）"), "{}", r.trace[1].note);
        // The district check one day late.
        let late = StepDates { district_check: Some(d("2026-01-21")), ..on_time() };
        assert_eq!(
            compute(&p, &SubsidyInput { steps: late, ..input("800000", 3, "2026-01-05") }).unwrap().total,
            y("320000")
        );
        // After the taper a large project is capped at 40万, +20万 at 四级.
        let r = compute(&p, &input("1500000", 4, "2026-03-01")).unwrap();
        assert_eq!(r.total, y("600000"));
    }

    #[test]
    fn nanjing_level_four_bonus_on_top_of_the_cap() {
        let p = programme("nanjing-2024");
        let r = compute(&p, &SubsidyInput { steps: on_time(), ..input("1500000", 4, "2026-01-05") }).unwrap();
        assert_eq!(r.total, y("700000"));
        assert_eq!((r.award, r.bonus), (y("700000"), y("200000")));
        let amounts: Vec<Option<Fen>> = r.trace.iter().map(|l| l.amount).collect();
        assert_eq!(amounts[2..6], [Some(y("750000")), Some(y("500000")), Some(y("200000")), Some(y("700000"))]);
        assert_eq!(r.trace[3].note, "超过单家企业上限 500,000.00 元，按上限补助，超出的 250,000.00 元不予补助");
        assert_eq!(r.trace[4].note, "达到四级，另加 200,000.00 元");
    }

    #[test]
    fn nanjing_bonus_beyond_the_spend_is_literal_and_said() {
        // 10万 at 四级: 40% = 4万, +20万 = 24万 > 10万 spent. The notice adds the bonus outright.
        let r = compute(&programme("nanjing-2024"), &input("100000", 4, "2026-03-01")).unwrap();
        assert_eq!(r.total, y("240000"));
        assert_eq!(
            r.trace[4].note,
            "达到四级，另加 200,000.00 元；按通知原文，等级奖励在封顶金额之外另加，不以投入为限：合计 240,000.00 元超过可补助投入 100,000.00 元"
        );
    }

    #[test]
    fn the_cap_holds_per_enterprise_and_the_bonus_once() {
        let p = programme("nanjing-2024");
        // The enterprise's first project took 30万 of the 40万 cap: the second gets at most 10万.
        let second = SubsidyInput { enterprise_prior: y("300000"), ..input("800000", 3, "2026-03-01") };
        let r = compute(&p, &second).unwrap();
        assert_eq!(r.total, y("100000"));
        assert_eq!(
            r.trace[3].note,
            "超过单家企业上限 400,000.00 元，本企业其他项目已核定 300,000.00 元，剩余 100,000.00 元，按上限补助，超出的 220,000.00 元不予补助"
        );
        // Cap used up: nothing more; a 四级 bonus already granted is not granted again.
        let r = compute(
            &p,
            &SubsidyInput {
                enterprise_prior: y("400000"),
                enterprise_prior_bonus: y("200000"),
                ..input("800000", 4, "2026-03-01")
            },
        )
        .unwrap();
        assert_eq!(r.total, Fen::ZERO);
        assert!(
            r.trace[4].note.contains("本企业其他项目已获 200,000.00 元，本项目另加 0.00 元"),
            "{}",
            r.trace[4].note
        );
        // Longyan's level caps too: 二级 25万 less 20万 elsewhere = 5万.
        let r = compute(
            &programme("longyan-2024"),
            &SubsidyInput { enterprise_prior: y("200000"), ..input("1000000", 2, "2026-03-01") },
        )
        .unwrap();
        assert_eq!(r.total, y("50000"));
    }

    /// Longyan's 实施细则: first instalment 40% of the down payment, capped at 15万; the balance after
    /// acceptance. (contract, down payment, final level) → (first instalment, total).
    #[test]
    fn longyan_first_instalment_is_a_share_of_the_down_payment() {
        let p = programme("longyan-2024");
        for (contract, down, level, first, total) in [
            ("400000", "120000", 3, "48000", "200000"),
            ("1000000", "500000", 2, "150000", "250000"),
            ("2000000", "1000000", 4, "150000", "450000"),
        ] {
            // After the contract: the award at the minimum level bounds nothing here.
            let pre =
                compute(&p, &SubsidyInput { down_payment: Some(y(down)), ..input(contract, 2, "2026-03-01") }).unwrap();
            assert_eq!(pre.instalments[0], (InstalmentStage::AfterContract, y(first)), "{contract}");
            // After acceptance with the first instalment reserved (paid or not): the balance.
            let at = SubsidyInput {
                down_payment: Some(y(down)),
                already_reserved: y(first),
                ..input(contract, level, "2026-06-01")
            };
            let r = compute(&p, &at).unwrap();
            assert_eq!(r.award, y(total), "{contract}");
            assert_eq!(r.total.0 + y(first).0, y(total).0, "{contract}: reserved in all = the award");
            assert_eq!(
                r.instalments,
                vec![(InstalmentStage::AfterContract, Fen::ZERO), (InstalmentStage::AfterAcceptance, r.total)]
            );
        }
        let r =
            compute(&p, &SubsidyInput { down_payment: Some(y("120000")), ..input("400000", 2, "2026-03-01") }).unwrap();
        let first = r.trace.iter().find(|l| l.label == "第1期（签约后预拨）").unwrap();
        assert_eq!(first.note, "首付金额 120,000.00 元的 40%，封顶 150,000.00 元，且不超过核定补助");
        // No down payment recorded on the contract: nothing before acceptance.
        let r = compute(&p, &input("400000", 2, "2026-03-01")).unwrap();
        assert_eq!(r.instalments[0], (InstalmentStage::AfterContract, Fen::ZERO));
        assert!(!labels(&r).contains(&"等级奖励"), "Longyan has no level bonus");
    }

    #[test]
    fn longyan_at_acceptance_after_the_first_instalment() {
        let p = programme("longyan-2024");
        let at = SubsidyInput {
            already_reserved: y("48000"),
            down_payment: Some(y("120000")),
            ..input("400000", 3, "2026-06-01")
        };
        let r = compute(&p, &at).unwrap();
        assert_eq!(r.total, y("152000"));
        let paid = r.trace.iter().find(|l| l.label == "扣除已拨付").unwrap();
        assert_eq!(
            (paid.amount, paid.note.as_str()),
            (Some(y("152000")), "此前各期已核拨 48,000.00 元（已预留即计入，不论是否已支付）")
        );
        assert!(r.trace.iter().rev().nth(1).unwrap().note.ends_with("；本期 48,000.00 元中已核拨 48,000.00 元"));

        // Reserved more than the award: nothing more, and the trace says so.
        let r =
            compute(&p, &SubsidyInput { already_reserved: y("150000"), ..input("200000", 2, "2026-06-01") }).unwrap();
        assert_eq!(r.total, Fen::ZERO);
        assert_eq!(r.instalments.iter().map(|(_, f)| f.0).sum::<i64>(), 0);
        assert!(r.trace.iter().any(|l| l.note.contains("多拨的 50,000.00 元应予核查")));
    }

    #[test]
    fn zhongshan_caps_by_level_and_says_its_rate_is_unverified() {
        let p = programme("zhongshan-2024");
        let r = compute(&p, &input("2000000", 2, "2025-06-01")).unwrap();
        assert_eq!(r.trace[2].amount, Some(y("600000")));
        assert_eq!(r.total, y("300000"));
        assert!(r.trace[1].note.contains("补助比例未经核实"), "{}", r.trace[1].note);
        let r = compute(&p, &input("2000000", 3, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("600000"));
        let r = compute(&p, &input("5000000", 4, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("1000000"));
        assert_eq!(r.instalments, vec![(InstalmentStage::AfterAcceptance, y("1000000"))]);
    }

    #[test]
    fn pool_limits_the_payment() {
        let p = programme("longyan-2024");
        let r = compute(&p, &SubsidyInput { pool_remaining: y("50000"), ..input("400000", 3, "2025-06-01") }).unwrap();
        assert_eq!(r.total, y("50000"));
        let short = r.trace.iter().find(|l| l.label == "预算池余额不足").unwrap();
        assert_eq!(short.amount, Some(y("50000")));
        assert_eq!(
            short.note,
            "预算池余额 50,000.00 元，不足应拨的 200,000.00 元；先到先补（按申报先后拨付，额满即止），本次只能拨付余额，差额 150,000.00 元"
        );
        assert_eq!(r.instalments.iter().map(|(_, f)| f.0).sum::<i64>(), y("50000").0);
        let r = compute(&p, &SubsidyInput { pool_remaining: Fen::ZERO, ..input("400000", 3, "2025-06-01") }).unwrap();
        assert_eq!(r.total, Fen::ZERO);
    }

    #[test]
    fn rounds_down_to_the_fen() {
        let p = programme("longyan-2024");
        let r = compute(&p, &SubsidyInput { down_payment: Some(y("16666.67")), ..input("33333.33", 2, "2025-06-01") })
            .unwrap();
        assert_eq!(r.total, y("16666.66"));
        assert_eq!(r.trace[2].note, "33,333.33 元 × 50% = 16,666.66 元（不足一分的部分舍去）");
        // 40% of 16,666.67 = 6,666.668 → 6,666.66; the balance takes the rest.
        assert_eq!(
            r.instalments,
            vec![(InstalmentStage::AfterContract, y("6666.66")), (InstalmentStage::AfterAcceptance, y("10000"))]
        );
        let r = compute(&programme("nanjing-2024"), &input("0.01", 2, "2025-06-01")).unwrap();
        assert_eq!(r.total, Fen::ZERO);
    }

    #[test]
    fn refuses_levels_and_negative_amounts() {
        let p = programme("nanjing-2024");
        let err = compute(&p, &input("800000", 1, "2025-06-01")).unwrap_err();
        assert_eq!(err, SubsidyError::LevelBelowMinimum { level: 1, min: 2 });
        assert_eq!(err.to_string(), "评测等级为一级，低于本试点奖补要求的二级，不予补助");
        assert_eq!(compute(&p, &input("800000", 0, "2025-06-01")), Err(SubsidyError::InvalidLevel(0)));
        assert_eq!(compute(&p, &input("800000", 5, "2025-06-01")), Err(SubsidyError::InvalidLevel(5)));
        let err = compute(&p, &input("-1", 2, "2025-06-01")).unwrap_err();
        assert_eq!(err.to_string(), "可补助投入不能为负数");
        let err = compute(&p, &SubsidyInput { pool_remaining: y("-1"), ..input("1", 2, "2025-06-01") }).unwrap_err();
        assert_eq!(err, SubsidyError::Negative { field: "预算池余额" });
        let err =
            compute(&p, &SubsidyInput { down_payment: Some(y("-1")), ..input("1", 2, "2025-06-01") }).unwrap_err();
        assert_eq!(err, SubsidyError::Negative { field: "首付金额" });
    }

    #[test]
    fn serialises_for_storage() {
        let r = compute(
            &programme("longyan-2024"),
            &SubsidyInput { down_payment: Some(y("200000")), ..input("400000", 3, "2025-06-01") },
        )
        .unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["total"], 20_000_000);
        assert_eq!(json["instalments"][0], serde_json::json!(["after_contract", 8_000_000]));
        assert_eq!(json["trace"][0]["label"], "可补助投入");
        assert_eq!(json["rule"], "longyan-2024 v2");
    }
}
