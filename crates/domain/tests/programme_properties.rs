//! Property tests of the programme rules: the workflows stay inside their machines, the subsidy
//! never pays more than the rules or the pool allow and its instalments add up, the amount in
//! Chinese capitals reads back to the same amount, and the contract checks agree with the totals.

use dengta_domain::money::Fen;
use dengta_domain::programme::contract::{
    self, ContractDraft, ContractProblem, CostSplit, InvestmentLine, Party, PartyRole,
};
use dengta_domain::programme::eligibility::{self, EligibilityRule, EnterpriseFacts};
use dengta_domain::programme::subsidy::{self, SubsidyError, SubsidyInput};
use dengta_domain::programme::workflow::{
    self, EnrolmentGuard, EnrolmentState, ObjectionGuard, ObjectionState, ProjectGuard, ProjectState, TransitionError,
    Workflow,
};
use dengta_domain::programme::{Date, InstalmentStage, Programme, SpendCategory, amount_in_words};
use proptest::prelude::*;
use proptest::sample::{Index, select};

fn programmes() -> Vec<Programme> {
    Programme::builtin().expect("the shipped programmes are valid")
}

// ───────────────────────────── workflows ─────────────────────────────

/// Walks offered actions from `start` with a guard every guard passes: each offered action
/// succeeds, the state stays in the machine, and a state without actions is one of `finals`.
fn walk<S: Workflow>(start: S, g: &S::Guard, finals: &[S], picks: &[Index]) -> Result<(), TestCaseError> {
    let mut state = start;
    for pick in picks {
        let offered = workflow::available(state);
        if offered.is_empty() {
            prop_assert!(finals.contains(&state), "{:?} has no actions but is not final", state);
            break;
        }
        prop_assert!(!finals.contains(&state), "final {:?} offers {:?}", state, offered);
        let action = offered[pick.index(offered.len())];
        let next = workflow::transition(state, action, g);
        prop_assert!(next.is_ok(), "{:?} --{:?}: {:?}", state, action, next);
        let next = next.unwrap_or(state);
        prop_assert!(S::STATES.contains(&next));
        state = next;
    }
    for f in finals {
        prop_assert!(workflow::available(*f).is_empty());
    }
    Ok(())
}

/// Any state, any action, any guard: never a panic; a pair the table refuses is refused by name
/// whatever the guard; a pair it allows either reaches the table's target or fails a guard.
fn any_pair<S: Workflow>(from: S, action: S::Action, g: &S::Guard) -> Result<(), TestCaseError> {
    let got = workflow::transition(from, action, g);
    if workflow::available(from).contains(&action) {
        match got {
            Ok(to) => prop_assert!(S::STATES.contains(&to)),
            Err(e) => prop_assert!(!matches!(e, TransitionError::NotAllowed { .. }), "{:?}", e),
        }
    } else {
        let refused = matches!(got, Err(TransitionError::NotAllowed { .. }));
        prop_assert!(refused, "{:?} --{:?} should be refused: {:?}", from, action, got);
    }
    Ok(())
}

fn enrolment_guard() -> impl Strategy<Value = EnrolmentGuard> {
    (any::<i64>(), proptest::option::of(any::<i64>()), 0u32..3, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(now_ms, publicity_ends_ms, open_objections, eligible, override_reason, has_reason)| EnrolmentGuard {
            now_ms,
            publicity_ends_ms,
            open_objections,
            eligible,
            override_reason,
            has_reason,
        },
    )
}

fn project_guard() -> impl Strategy<Value = ProjectGuard> {
    proptest::array::uniform7(any::<bool>()).prop_map(|b| ProjectGuard {
        has_report: b[0],
        diagnosis_submitted: b[1],
        plan_valid: b[2],
        contract_valid: b[3],
        has_filing_number: b[4],
        milestones_done: b[5],
        has_reason: b[6],
    })
}

fn permissive_project() -> ProjectGuard {
    ProjectGuard {
        has_report: true,
        diagnosis_submitted: true,
        plan_valid: true,
        contract_valid: true,
        has_filing_number: true,
        milestones_done: true,
        has_reason: true,
    }
}

// ───────────────────────────── 人民币大写 read back ─────────────────────────────

fn digit(c: char) -> Option<u64> {
    "零壹贰叁肆伍陆柒捌玖".chars().position(|d| d == c).map(|p| p as u64)
}

/// 1–9999 written with 拾佰仟 and single 零s.
fn read_section(s: &str) -> Option<u64> {
    let mut total = 0;
    let mut pending: Option<u64> = None;
    for c in s.chars() {
        match c {
            '零' => {}
            '拾' | '佰' | '仟' => {
                let unit = match c {
                    '拾' => 10,
                    '佰' => 100,
                    _ => 1000,
                };
                total += pending.take()? * unit;
            }
            _ => pending = Some(digit(c)?),
        }
    }
    Some(total + pending.unwrap_or(0))
}

/// A whole number with 万 and (possibly nested) 亿: split at the last 亿, then at 万.
fn read_integer(s: &str) -> Option<u64> {
    if let Some(i) = s.rfind('亿') {
        let high = read_integer(&s[..i])?;
        let rest = s[i + '亿'.len_utf8()..].trim_start_matches('零');
        let low = if rest.is_empty() { 0 } else { read_integer(rest)? };
        return Some(high * 100_000_000 + low);
    }
    if let Some(i) = s.find('万') {
        let high = read_section(&s[..i])?;
        let rest = &s[i + '万'.len_utf8()..];
        let low = if rest.is_empty() { 0 } else { read_section(rest)? };
        return Some(high * 10_000 + low);
    }
    read_section(s)
}

/// Reads "…元…角…分" / "…元整" back to fen (negative with "负").
fn read_words(s: &str) -> Option<i128> {
    let (neg, s) = match s.strip_prefix('负') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if s == "零元整" {
        return Some(0);
    }
    let (yuan, rest) = match s.find('元') {
        Some(i) => (read_integer(&s[..i])?, &s[i + '元'.len_utf8()..]),
        None => (0, s),
    };
    let mut fen = u128::from(yuan) * 100;
    let rest = rest.trim_start_matches('零');
    if rest != "整" {
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            let d = u128::from(digit(c)?);
            match chars.next()? {
                '角' => fen += d * 10,
                '分' => fen += d,
                _ => return None,
            }
        }
    }
    let v = i128::try_from(fen).ok()?;
    Some(if neg { -v } else { v })
}

// ───────────────────────────── contract drafts ─────────────────────────────

fn category() -> impl Strategy<Value = SpendCategory> {
    select(SpendCategory::ALL.to_vec())
}

fn party(name: &str, role: PartyRole, amount: i64) -> Party {
    Party { uscc: "91320100MA1XXXXX9R".into(), name: name.into(), role, amount: Fen(amount) }
}

fn lines() -> impl Strategy<Value = Vec<InvestmentLine>> {
    proptest::collection::vec(
        (category(), 1i64..10_000_000_000).prop_map(|(category, amount)| InvestmentLine {
            category,
            description: category.label_zh().to_owned(),
            amount: Fen(amount),
        }),
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn enrolment_walks_stay_in_the_machine(picks in proptest::collection::vec(any::<Index>(), 0..20)) {
        let g =
            EnrolmentGuard { now_ms: 10, publicity_ends_ms: Some(5), eligible: true, has_reason: true, ..Default::default() };
        walk(EnrolmentState::Applied, &g, &[EnrolmentState::Rejected, EnrolmentState::Removed], &picks)?;
    }

    #[test]
    fn project_walks_stay_in_the_machine(picks in proptest::collection::vec(any::<Index>(), 0..40)) {
        let g = permissive_project();
        walk(ProjectState::Draft, &g, &[ProjectState::Completed, ProjectState::Cancelled], &picks)?;
    }

    #[test]
    fn objection_walks_stay_in_the_machine(picks in proptest::collection::vec(any::<Index>(), 0..5)) {
        let finals = [ObjectionState::Upheld, ObjectionState::Dismissed];
        walk(ObjectionState::Open, &ObjectionGuard { has_reason: true }, &finals, &picks)?;
    }

    #[test]
    fn any_enrolment_pair_with_any_guard(
        s in select(EnrolmentState::ALL.to_vec()),
        a in select(workflow::EnrolmentAction::ALL.to_vec()),
        g in enrolment_guard(),
    ) {
        any_pair(s, a, &g)?;
    }

    #[test]
    fn any_project_pair_with_any_guard(
        s in select(ProjectState::ALL.to_vec()),
        a in select(workflow::ProjectAction::ALL.to_vec()),
        g in project_guard(),
    ) {
        any_pair(s, a, &g)?;
    }

    #[test]
    fn any_objection_pair(
        s in select(ObjectionState::ALL.to_vec()),
        a in select(workflow::ObjectionAction::ALL.to_vec()),
        has_reason in any::<bool>(),
    ) {
        any_pair(s, a, &ObjectionGuard { has_reason })?;
    }

    /// Never panics; reads back to the same amount; ends in 整 for whole yuan, else in 角 or 分.
    #[test]
    fn amount_in_words_reads_back(
        fen in prop_oneof![any::<i64>(), -100_000_000_000i64..100_000_000_000, 0i64..10_000],
    ) {
        let words = amount_in_words(Fen(fen));
        prop_assert_eq!(read_words(&words), Some(i128::from(fen)), "{} → {}", fen, words);
        let abs = fen.unsigned_abs();
        let ending = words.chars().last();
        if abs % 100 == 0 {
            prop_assert_eq!(ending, Some('整'));
        } else if abs % 10 == 0 {
            prop_assert_eq!(ending, Some('角'));
        } else {
            prop_assert_eq!(ending, Some('分'));
        }
        prop_assert!(!words.contains("零零"), "{}", words);
        prop_assert!(words == "零元整" || !words.trim_start_matches('负').starts_with('零'), "{}", words);
        prop_assert!(!words.contains("零元") || words == "零元整", "{}", words);
        prop_assert!(words.chars().all(|c| "负零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整".contains(c)));
    }

    /// The subsidy never exceeds the award's parts or the pool, its instalments add up to the
    /// total, and more spend never pays less.
    #[test]
    fn subsidy_bounds(
        which in 0usize..3,
        spend in 0i64..100_000_000_000,
        extra in 0i64..10_000_000,
        level in 0u8..6,
        day in 0i64..1200,
        paid in prop_oneof![Just(0i64), 0i64..100_000_000],
        pool in prop_oneof![Just(i64::MAX / 4), 0i64..100_000_000],
    ) {
        let all = programmes();
        let p = &all[which];
        let completed_on = Date::parse("2024-01-01").map_err(|e| TestCaseError::fail(e.to_string()))?.add_days(day);
        let input = SubsidyInput { already_reserved: Fen(paid), ..SubsidyInput::new(Fen(spend), level, completed_on, Fen(pool)) };
        let rule = p.subsidy();
        let result = subsidy::compute(p, &input);
        if !(1..=4).contains(&level) {
            prop_assert_eq!(result, Err(SubsidyError::InvalidLevel(level)));
            return Ok(());
        }
        if level < rule.min_level {
            prop_assert_eq!(result, Err(SubsidyError::LevelBelowMinimum { level, min: rule.min_level }));
            return Ok(());
        }
        let r = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (rate, cap, _) = rule.terms(completed_on, &input.steps);
        let cap = cap.for_level(level).map_or(0, |c| c.0);
        let proportional = i64::try_from(i128::from(spend) * i128::from(rate) / 10_000).unwrap_or(i64::MAX);
        let award = proportional.min(cap) + rule.bonus_for(level).0;
        prop_assert!(r.total.0 >= 0);
        prop_assert!(r.total.0 <= pool);
        prop_assert!(r.total.0 <= (award - paid).max(0));
        prop_assert_eq!(r.total.0, (award - paid).max(0).min(pool));
        prop_assert_eq!(r.instalments.iter().map(|(_, f)| f.0).sum::<i64>(), r.total.0);
        prop_assert!(r.instalments.iter().all(|(_, f)| f.0 >= 0));
        let stages: Vec<InstalmentStage> = r.instalments.iter().map(|(s, _)| *s).collect();
        let expected: Vec<InstalmentStage> = rule.instalments.iter().map(|i| i.stage).collect();
        prop_assert_eq!(stages, expected);
        if paid == 0 {
            for ((_, amount), inst) in r.instalments.iter().zip(&rule.instalments) {
                if let Some(c) = inst.cap {
                    prop_assert!(*amount <= c);
                }
            }
        }
        prop_assert_eq!(r.rule.clone(), p.rule_ref());
        prop_assert_eq!(r.trace.first().map(|l| l.label.as_str()), Some("可补助投入"));
        prop_assert_eq!(r.trace.iter().any(|l| l.label == "预算池余额不足"), (award - paid).max(0) > pool);

        let more = subsidy::compute(p, &SubsidyInput { eligible_spend: Fen(spend + extra), ..input })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(more.total >= r.total);
    }

    /// Eligible and excluded spend partition the lines; a draft built to agree with itself is valid
    /// inside the window, and a one-fen change in the split is caught.
    #[test]
    fn contract_totals(which in 0usize..3, lines in lines(), cut in any::<Index>(), offset in 0i64..900) {
        let all = programmes();
        let p = &all[which];
        let total: i64 = lines.iter().map(|l| l.amount.0).sum();
        let (eligible, excluded) = contract::eligible_spend(p, &lines);
        prop_assert_eq!(eligible.0 + excluded.0, total);
        let excluded_sum: i64 = lines.iter().filter(|l| p.is_excluded(l.category)).map(|l| l.amount.0).sum();
        prop_assert_eq!(excluded.0, excluded_sum);

        let first = total / 2 + 1;
        let parties = vec![
            party("甲", PartyRole::LeadUnit, first),
            party("乙", PartyRole::Integrator, total - first),
        ];
        let government = i64::try_from(cut.index(usize::try_from(total).unwrap_or(usize::MAX))).unwrap_or(0);
        let enterprise = Fen(total - government);
        let split = CostSplit { enterprise, provider_discount: Fen::ZERO, government: Fen(government) };
        let (start, _) = p.window();
        let mut draft = ContractDraft {
            sign_date: start.add_days(offset),
            parties,
            lines,
            split,
            criteria: p.default_criteria().to_vec(),
            down_payment: Fen::ZERO,
        };
        if total - first > 0 {
            let in_window = p.in_window(draft.sign_date);
            let problems = contract::validate(p, &draft);
            prop_assert_eq!(problems.is_empty(), in_window, "{:?}", problems);
            draft.split.enterprise = Fen(draft.split.enterprise.0 + 1);
            let problems = contract::validate(p, &draft);
            let caught = problems.iter().any(|x| matches!(x, ContractProblem::SplitMismatch { .. }));
            prop_assert!(caught, "{:?}", problems);
        }
    }

    /// One outcome per switched-on rule, in the fixed order, and `eligible` is their conjunction.
    #[test]
    fn eligibility_outcomes(
        which in 0usize..3,
        region in select(vec!["320115", "320100", "350802", "442000", "320205", "bad", ""]),
        industry in select(vec!["C3670", "C3484", "C3854", "C2110", "C3211", "I6520", "Z1", ""]),
        size in proptest::option::of(select(vec!["medium", "small", "micro", "not_sme", "large", "?"])),
        flags in proptest::array::uniform3(any::<bool>()),
        funded in proptest::collection::vec("[a-z ]{0,4}", 0..3),
    ) {
        let all = programmes();
        let p = &all[which];
        let facts = EnterpriseFacts {
            region_code: region.into(),
            industry_code: industry.into(),
            size_class: size.map(str::to_owned),
            above_scale: flags[0],
            serious_dishonesty: flags[1],
            funded_elsewhere: funded,
            has_baseline_assessment: flags[2],
        };
        let out = eligibility::check(p, &facts);
        let expected: Vec<EligibilityRule> = EligibilityRule::ALL.into_iter().filter(|r| r.applies(p)).collect();
        let got: Vec<EligibilityRule> = out.iter().map(|o| o.rule).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(eligibility::eligible(&out), out.iter().all(|o| o.passed));
        prop_assert!(out.iter().all(|o| !o.explanation.is_empty()));
    }
}
