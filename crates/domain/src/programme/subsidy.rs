//! The subsidy (奖补) for one project, fen-exact, with a line-by-line Chinese trace an officer can
//! read back to the enterprise (programme.md §5.8, §10.1 `SubsidyRule` / `SubsidyAward`).
//!
//! Order of the computation:
//! 1. the terms: the first taper step (退坡) whose `until` is on or after the completion date, else
//!    the base rate and cap;
//! 2. proportional amount = eligible spend × rate, rounded DOWN to the fen;
//! 3. capped by the (level's) cap;
//! 4. plus the level bonus → the award (核定补助);
//! 5. minus what was already paid for this project;
//! 6. limited by what is left in the budget pool (总量控制、先到先补) → `total`, payable now;
//! 7. `total` split into instalments: the schedule is applied to everything granted so far
//!    (already paid + `total`), earlier stages first, and what was already paid is taken off the
//!    earliest stages. The instalments therefore always add up to `total`.

use serde::{Deserialize, Serialize};

use super::level_zh;
use super::rules::{Date, FULL_BP, InstalmentStage, MAX_LEVEL, Programme, pct_of_bp};
use crate::money::Fen;

/// What the computation needs about one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubsidyInput {
    /// Spend in the categories the programme subsidises (see `contract::eligible_spend`).
    pub eligible_spend: Fen,
    /// Final level (on-site assessment), 1–4.
    pub level: u8,
    /// When the transformation was completed: decides the taper step.
    pub completed_on: Date,
    /// Already paid to this project (e.g. the instalment after contract).
    pub already_paid: Fen,
    /// What is left in the budget pool for new payments.
    pub pool_remaining: Fen,
}

/// One step of the computation, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// `amount × bp / 10000`, rounded down to the fen. `amount` and `bp` are non-negative.
fn share(amount: Fen, bp: u32) -> Fen {
    let v = i128::from(amount.0) * i128::from(bp) / i128::from(FULL_BP);
    // bp ≤ 10000, so the share never exceeds the amount and fits an i64.
    Fen(i64::try_from(v).unwrap_or(amount.0))
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
    for (field, amount) in
        [("可补助投入", input.eligible_spend), ("已拨付金额", input.already_paid), ("预算池余额", input.pool_remaining)]
    {
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
    let (rate_bp, cap, step) = rule.terms_on(input.completed_on);
    let cap_amount = cap.for_level(level).ok_or(SubsidyError::LevelBelowMinimum { level, min: rule.min_level })?;
    let terms_note = match (step, rule.taper.last()) {
        (Some(step), _) => {
            format!("完成日期不晚于 {}，适用该阶段比例 {}、上限 {}", step.until, pct_of_bp(rate_bp), cap.describe_zh())
        }
        (None, Some(last)) => {
            format!("完成日期晚于 {}（退坡），适用比例 {}、上限 {}", last.until, pct_of_bp(rate_bp), cap.describe_zh())
        }
        (None, None) => format!("比例 {}、上限 {}", pct_of_bp(rate_bp), cap.describe_zh()),
    };
    trace.push(line("适用规则", None, format!("{}：{terms_note}", p.rule_ref())));

    // 2. Proportional amount.
    let base = share(spend, rate_bp);
    trace.push(line(
        "按比例计算",
        Some(base),
        format!("{spend} 元 × {} = {base} 元（不足一分的部分舍去）", pct_of_bp(rate_bp)),
    ));

    // 3. Cap.
    let capped = base.min(cap_amount);
    let cap_name = if matches!(cap, super::rules::Cap::ByLevel(_)) {
        format!("{}上限", level_zh(level))
    } else {
        "上限".to_owned()
    };
    let cap_note = if capped < base {
        format!("超过{cap_name} {cap_amount} 元，按上限补助，超出的 {} 元不予补助", Fen(base.0 - capped.0))
    } else {
        format!("未超过{cap_name} {cap_amount} 元")
    };
    trace.push(line("封顶", Some(capped), cap_note));

    // 4. Level bonus.
    let bonus = rule.bonus_for(level);
    if let Some((rank, amount)) = rule.level_bonus.first() {
        let note = if bonus.0 > 0 {
            format!("达到{}，另加 {bonus} 元", level_zh(level))
        } else {
            format!("{}及以上另加 {amount} 元；本项目为{}，不适用", level_zh(*rank), level_zh(level))
        };
        trace.push(line("等级奖励", Some(bonus), note));
    }
    let award = add(capped, bonus)?;
    trace.push(line("核定补助", Some(award), format!("{award} 元，大写{}", super::amount_in_words(award))));

    // 5. Already paid.
    let paid = input.already_paid;
    let mut due = Fen(award.0.saturating_sub(paid.0).max(0));
    if paid.0 > 0 {
        let note = if paid > award {
            format!(
                "已拨付 {paid} 元，超过核定补助 {award} 元，本次不再拨付，多拨的 {} 元应予核查",
                Fen(paid.0 - award.0)
            )
        } else {
            format!("已拨付 {paid} 元")
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
    let granted = add(total, paid.min(award))?;
    let mut schedule = Vec::with_capacity(rule.instalments.len());
    let mut left = granted;
    for (i, inst) in rule.instalments.iter().enumerate() {
        let amount = if i + 1 == rule.instalments.len() {
            left
        } else {
            let s = share(granted, inst.share_bp);
            inst.cap.map_or(s, |c| s.min(c)).min(left)
        };
        left = Fen(left.0 - amount.0);
        schedule.push((inst, amount));
    }
    let mut to_deduct = paid.min(award);
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
            format!("补助的 {}{capped}", pct_of_bp(inst.share_bp))
        };
        if deducted.0 > 0 {
            note.push_str(&format!("；本期 {amount} 元中已拨付 {deducted} 元"));
        }
        trace.push(TraceLine {
            label: format!("第{}期（{}）", i + 1, inst.stage.label_zh()), amount: Some(now), note
        });
    }

    Ok(SubsidyResult { total, instalments, trace, rule: p.rule_ref() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::rules::Programme;

    fn programme(id: &str) -> Programme {
        Programme::builtin().unwrap().into_iter().find(|p| p.id() == id).unwrap()
    }

    fn y(s: &str) -> Fen {
        Fen::parse_yuan(s).unwrap()
    }

    fn input(spend: &str, level: u8, completed_on: &str) -> SubsidyInput {
        SubsidyInput {
            eligible_spend: y(spend),
            level,
            completed_on: Date::parse(completed_on).unwrap(),
            already_paid: Fen::ZERO,
            pool_remaining: y("80000000"),
        }
    }

    fn labels(r: &SubsidyResult) -> Vec<&str> {
        r.trace.iter().map(|l| l.label.as_str()).collect()
    }

    #[test]
    fn nanjing_before_the_taper() {
        let r = compute(&programme("nanjing-2024"), &input("800000", 3, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("400000"));
        assert_eq!(r.instalments, vec![(InstalmentStage::AfterAcceptance, y("400000"))]);
        assert_eq!(r.rule, "nanjing-2024 v1");
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
            "nanjing-2024 v1：完成日期不晚于 2025-12-31，适用该阶段比例 50%、上限 500,000.00 元"
        );
        assert_eq!(r.trace[2].note, "800,000.00 元 × 50% = 400,000.00 元（不足一分的部分舍去）");
        assert_eq!(r.trace[3].note, "未超过上限 500,000.00 元");
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
    fn nanjing_after_the_taper() {
        let r = compute(&programme("nanjing-2024"), &input("800000", 3, "2026-03-01")).unwrap();
        assert_eq!(r.total, y("320000"));
        assert_eq!(
            r.trace[1].note,
            "nanjing-2024 v1：完成日期晚于 2025-12-31（退坡），适用比例 40%、上限 400,000.00 元"
        );
        assert_eq!(r.trace[2].amount, Some(y("320000")));
        // The deadline day itself still gets the batch-1 terms.
        let r = compute(&programme("nanjing-2024"), &input("800000", 3, "2025-12-31")).unwrap();
        assert_eq!(r.total, y("400000"));
        // After the taper a large project is capped at 40万 (+20万 at 四级).
        let r = compute(&programme("nanjing-2024"), &input("1500000", 4, "2026-03-01")).unwrap();
        assert_eq!(r.total, y("600000"));
    }

    #[test]
    fn nanjing_level_four_bonus_on_top_of_the_cap() {
        let r = compute(&programme("nanjing-2024"), &input("1500000", 4, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("700000"));
        let amounts: Vec<Option<Fen>> = r.trace.iter().map(|l| l.amount).collect();
        assert_eq!(amounts[2..6], [Some(y("750000")), Some(y("500000")), Some(y("200000")), Some(y("700000"))]);
        assert_eq!(r.trace[3].note, "超过上限 500,000.00 元，按上限补助，超出的 250,000.00 元不予补助");
        assert_eq!(r.trace[4].note, "达到四级，另加 200,000.00 元");
    }

    #[test]
    fn longyan_caps_by_level_and_pays_in_two_instalments() {
        let p = programme("longyan-2024");
        let r = compute(&p, &input("400000", 3, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("200000"));
        assert_eq!(
            r.instalments,
            vec![(InstalmentStage::AfterContract, y("80000")), (InstalmentStage::AfterAcceptance, y("120000"))]
        );
        assert_eq!(r.trace[3].note, "未超过三级上限 350,000.00 元");
        let last_two: Vec<&TraceLine> = r.trace.iter().rev().take(2).collect();
        assert_eq!(last_two[1].label, "第1期（签约后预拨）");
        assert_eq!(last_two[1].note, "补助的 40%，封顶 150,000.00 元");
        assert_eq!(last_two[0].label, "第2期（验收后拨付）");
        assert_eq!(last_two[0].note, "领取余额");
        assert!(!labels(&r).contains(&"等级奖励"), "Longyan has no level bonus");

        let r = compute(&p, &input("1000000", 2, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("250000"));
        assert_eq!(r.trace[2].amount, Some(y("500000")));
        assert_eq!(r.trace[3].note, "超过二级上限 250,000.00 元，按上限补助，超出的 250,000.00 元不予补助");
        assert_eq!(r.instalments[0], (InstalmentStage::AfterContract, y("100000")));
        assert_eq!(r.instalments[1], (InstalmentStage::AfterAcceptance, y("150000")));

        // The first instalment's own cap: 40% of 45万 = 18万 > 15万.
        let r = compute(&p, &input("2000000", 4, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("450000"));
        assert_eq!(
            r.instalments,
            vec![(InstalmentStage::AfterContract, y("150000")), (InstalmentStage::AfterAcceptance, y("300000"))]
        );
    }

    #[test]
    fn longyan_at_acceptance_after_the_first_instalment() {
        let p = programme("longyan-2024");
        let r = compute(&p, &SubsidyInput { already_paid: y("80000"), ..input("400000", 3, "2025-06-01") }).unwrap();
        assert_eq!(r.total, y("120000"));
        assert_eq!(
            r.instalments,
            vec![(InstalmentStage::AfterContract, Fen::ZERO), (InstalmentStage::AfterAcceptance, y("120000"))]
        );
        let paid = r.trace.iter().find(|l| l.label == "扣除已拨付").unwrap();
        assert_eq!((paid.amount, paid.note.as_str()), (Some(y("120000")), "已拨付 80,000.00 元"));
        assert_eq!(
            r.trace.iter().rev().nth(1).unwrap().note,
            "补助的 40%，封顶 150,000.00 元；本期 80,000.00 元中已拨付 80,000.00 元"
        );

        // Paid more than the award: nothing more, and the trace says so.
        let r = compute(&p, &SubsidyInput { already_paid: y("150000"), ..input("200000", 2, "2025-06-01") }).unwrap();
        assert_eq!(r.total, Fen::ZERO);
        assert_eq!(r.instalments.iter().map(|(_, f)| f.0).sum::<i64>(), 0);
        assert!(r.trace.iter().any(|l| l.note.contains("多拨的 50,000.00 元应予核查")));
    }

    #[test]
    fn zhongshan_caps_by_level() {
        let p = programme("zhongshan-2024");
        let r = compute(&p, &input("2000000", 2, "2025-06-01")).unwrap();
        assert_eq!(r.trace[2].amount, Some(y("600000")));
        assert_eq!(r.total, y("300000"));
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
        assert_eq!(
            r.instalments,
            vec![(InstalmentStage::AfterContract, y("20000")), (InstalmentStage::AfterAcceptance, y("30000"))]
        );
        let r = compute(&p, &SubsidyInput { pool_remaining: Fen::ZERO, ..input("400000", 3, "2025-06-01") }).unwrap();
        assert_eq!(r.total, Fen::ZERO);
    }

    #[test]
    fn rounds_down_to_the_fen() {
        let r = compute(&programme("longyan-2024"), &input("33333.33", 2, "2025-06-01")).unwrap();
        assert_eq!(r.total, y("16666.66"));
        assert_eq!(r.trace[2].note, "33,333.33 元 × 50% = 16,666.66 元（不足一分的部分舍去）");
        // 40% of 16,666.66 = 6,666.664 → 6,666.66; the balance takes the rest.
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
    }

    #[test]
    fn serialises_for_storage() {
        let r = compute(&programme("longyan-2024"), &input("400000", 3, "2025-06-01")).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["total"], 20_000_000);
        assert_eq!(json["instalments"][0], serde_json::json!(["after_contract", 8_000_000]));
        assert_eq!(json["trace"][0]["label"], "可补助投入");
        assert_eq!(json["rule"], "longyan-2024 v1");
    }
}
