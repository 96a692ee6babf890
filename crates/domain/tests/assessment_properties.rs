//! Property tests of scoring over random valid answers to the shipped 2024 manufacturing
//! instrument: points stay within their declared maxima at every level of the tree, choosing one
//! more option never lowers the total, and raising a scene never lowers the level.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use dengta_domain::assessment::instrument::QuestionKind;
use dengta_domain::assessment::{Answers, Decimal, Instrument, ScoreResult, builtin_instruments, score};
use proptest::prelude::*;
use proptest::sample::Index;

fn mfg() -> &'static Instrument {
    static MFG: OnceLock<Instrument> = OnceLock::new();
    MFG.get_or_init(|| {
        builtin_instruments()
            .expect("shipped instruments load")
            .into_iter()
            .find(|i| i.id() == "mfg-2024")
            .expect("mfg-2024 is shipped")
    })
}

/// A valid answer to every choice question: one option for a single choice; for a multiple
/// choice either the exclusive option (无) alone or a non-empty subset of the others, in any order.
fn choices(inst: &'static Instrument) -> impl Strategy<Value = BTreeMap<String, Vec<String>>> {
    let per_question: Vec<BoxedStrategy<(String, Vec<String>)>> = inst
        .questions()
        .filter_map(|q| {
            let id = q.id.clone();
            let s = match &q.kind {
                QuestionKind::Single { options } => {
                    let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
                    proptest::sample::select(ids).prop_map(|o| vec![o]).boxed()
                }
                QuestionKind::Multiple { options } => {
                    let others: Vec<String> = options.iter().filter(|o| !o.exclusive).map(|o| o.id.clone()).collect();
                    let n = others.len();
                    let subset = proptest::sample::subsequence(others, 1..=n).prop_shuffle().boxed();
                    match options.iter().find(|o| o.exclusive) {
                        Some(ex) => prop_oneof![1 => Just(vec![ex.id.clone()]), 4 => subset].boxed(),
                        None => subset,
                    }
                }
                QuestionKind::Ratio(_) => return None,
            };
            Some(s.prop_map(move |sel| (id.clone(), sel)).boxed())
        })
        .collect();
    per_question.prop_map(|v| v.into_iter().collect())
}

/// Valid raw figures: every denominator positive, every numerator between 0 and each denominator
/// it is divided by; the evidence-only inputs are present or not, with any non-negative value.
fn inputs(inst: &'static Instrument) -> impl Strategy<Value = BTreeMap<String, Decimal>> {
    let mut denominators: BTreeSet<String> = BTreeSet::new();
    let mut numerators: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for q in inst.questions() {
        if let QuestionKind::Ratio(spec) = &q.kind {
            denominators.insert(spec.denominator.clone());
            numerators.entry(spec.numerator.clone()).or_default().push(spec.denominator.clone());
        }
    }
    let evidence: Vec<(String, bool)> = inst
        .inputs()
        .iter()
        .filter(|i| !denominators.contains(&i.id) && !numerators.contains_key(&i.id))
        .map(|i| (i.id.clone(), i.integer))
        .collect();
    let den_ids: Vec<String> = denominators.into_iter().collect();
    // Small totals hit the band edges (10%, 20%, …) exactly; large ones cover the rest.
    let den_values = proptest::collection::vec(prop_oneof![1i64..=20, 1i64..=5000], den_ids.len());
    let evidence_values = proptest::collection::vec(proptest::option::of(0i64..=10_000_000), evidence.len());
    (den_values, evidence_values).prop_flat_map(move |(dens, ev)| {
        let den_map: BTreeMap<String, i64> = den_ids.iter().cloned().zip(dens).collect();
        let mut fixed: BTreeMap<String, Decimal> = den_map.iter().map(|(k, &v)| (k.clone(), whole(v))).collect();
        for ((id, integer), v) in evidence.iter().zip(ev) {
            if let Some(v) = v {
                let d = if *integer { whole(v) } else { Decimal::from_thousandths(v) };
                fixed.insert(id.clone(), d);
            }
        }
        let nums: Vec<BoxedStrategy<(String, Decimal)>> = numerators
            .iter()
            .map(|(id, ds)| {
                let max = ds.iter().filter_map(|d| den_map.get(d)).copied().min().unwrap_or(0);
                let id = id.clone();
                (0..=max).prop_map(move |n| (id.clone(), whole(n))).boxed()
            })
            .collect();
        nums.prop_map(move |ns| {
            let mut all = fixed.clone();
            all.extend(ns);
            all
        })
    })
}

fn whole(n: i64) -> Decimal {
    Decimal::from_i64(n).expect("small whole number")
}

fn scenes(inst: &'static Instrument) -> impl Strategy<Value = BTreeMap<String, u8>> {
    let ids: Vec<String> = inst.scenes().iter().map(|s| s.id.clone()).collect();
    proptest::collection::vec(0u8..=4, ids.len()).prop_map(move |levels| ids.iter().cloned().zip(levels).collect())
}

fn answers() -> impl Strategy<Value = Answers> {
    let inst = mfg();
    (choices(inst), inputs(inst), scenes(inst)).prop_map(|(choices, inputs, scenes)| Answers {
        choices,
        inputs,
        scenes,
        dimension_scores: BTreeMap::new(),
    })
}

fn scored(a: &Answers) -> Result<ScoreResult, TestCaseError> {
    score(mfg(), a).map_err(|e| TestCaseError::fail(format!("generated answers were rejected: {e}")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// No question, indicator, sub-dimension or dimension scores above its declared points, none
    /// below zero, and the parts add up to a total within the instrument's total.
    #[test]
    fn points_never_exceed_their_maxima(a in answers()) {
        let r = scored(&a)?;
        let zero = Decimal::ZERO;
        for d in &r.dimensions {
            let max = d.max_points.expect("2024 dimensions have maxima");
            prop_assert!(zero <= d.points && d.points <= max, "dimension {} = {} of {}", d.id, d.points, max);
            for s in &d.sub_dimensions {
                prop_assert!(zero <= s.points && s.points <= s.max_points, "sub-dimension {} = {} of {}", s.id, s.points, s.max_points);
                for i in &s.indicators {
                    prop_assert!(zero <= i.points && i.points <= i.max_points, "indicator {} = {} of {}", i.id, i.points, i.max_points);
                    for q in &i.questions {
                        prop_assert!(zero <= q.points && q.points <= q.max_points, "question {} = {} of {}", q.id, q.points, q.max_points);
                    }
                }
            }
        }
        prop_assert!(r.total <= r.max_total && r.max_total == mfg().total_points(), "total {} of {}", r.total, r.max_total);
        prop_assert_eq!(r.total, r.dimensions.iter().map(|d| d.points).sum::<Decimal>());
    }

    /// Selecting one more (non-exclusive) option of a multiple-choice question, or one option in
    /// place of 无, never lowers the total or the level.
    #[test]
    fn one_more_option_never_lowers_the_total(a in answers(), which in any::<Index>(), option in any::<Index>()) {
        let inst = mfg();
        let multiple: Vec<_> = inst.questions().filter(|q| matches!(q.kind, QuestionKind::Multiple { .. })).collect();
        let q = which.get(&multiple);
        let exclusive: Vec<&str> = q.kind.options().iter().filter(|o| o.exclusive).map(|o| o.id.as_str()).collect();
        let selected = a.choices.get(&q.id).cloned().unwrap_or_default();
        let unselected: Vec<&str> = q
            .kind
            .options()
            .iter()
            .filter(|o| !o.exclusive && !selected.contains(&o.id))
            .map(|o| o.id.as_str())
            .collect();
        prop_assume!(!unselected.is_empty());
        let added = option.get(&unselected);
        let mut more: Vec<String> = selected.into_iter().filter(|s| !exclusive.contains(&s.as_str())).collect();
        more.push((*added).to_owned());
        let before = scored(&a)?;
        let after = scored(&a.clone().choose(&q.id, more))?;
        prop_assert!(after.total >= before.total, "{} + {}: {} → {}", q.id, added, before.total, after.total);
        prop_assert!(after.level.rank >= before.level.rank);
    }

    /// Raising any one scene by one rung never lowers the level.
    #[test]
    fn the_level_is_monotone_in_every_scene(a in answers(), which in any::<Index>()) {
        let scene = which.get(mfg().scenes());
        let now = a.scenes[&scene.id];
        prop_assume!(now < 4);
        let before = scored(&a)?;
        let after = scored(&a.clone().scene(&scene.id, now + 1))?;
        prop_assert_eq!(before.total, after.total);
        prop_assert!(
            after.level.rank >= before.level.rank,
            "{} {} → {}: {} → {}", scene.id, now, now + 1, before.level.name, after.level.name
        );
    }
}
