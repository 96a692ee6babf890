//! Property tests of solution matching over random needs and catalogues: recommendations always
//! lift a gap and respect the budget, better ratings never score lower, binding scenes outrank,
//! and the ranking does not depend on the order candidates arrive in.

use std::sync::OnceLock;

use dengta_domain::catalogue::{Candidate, EnterpriseNeed, ExcludeWhy, MatchWeights, Reason, SceneGap, rank};
use dengta_domain::money::Fen;
use proptest::prelude::*;

const SCENES: [&str; 8] = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"];
const INDUSTRIES: [&str; 7] = ["C3411", "C341", "C34", "C", "C35", "A01", "E"];
const REGIONS: [&str; 5] = ["350203", "350206", "350102", "440305", "350000"];

fn weights() -> &'static MatchWeights {
    static W: OnceLock<MatchWeights> = OnceLock::new();
    W.get_or_init(|| MatchWeights::builtin().expect("shipped weights are valid"))
}

fn gap() -> impl Strategy<Value = (bool, u8, bool)> {
    (any::<bool>(), 0u8..=3, any::<bool>())
}

fn need() -> impl Strategy<Value = EnterpriseNeed> {
    (
        proptest::collection::vec(gap(), SCENES.len()),
        proptest::sample::subsequence(SCENES.to_vec(), 1..=SCENES.len()),
        proptest::option::of(0i64..2_000_000),
        proptest::sample::select(REGIONS.to_vec()),
        proptest::collection::vec(0i64..5, 0..3),
    )
        .prop_map(|(flags, scenes, budget, region, subs)| EnterpriseNeed {
            industry_code: "C3411".into(),
            sub_industries: subs,
            region_code: region.into(),
            gaps: scenes
                .iter()
                .zip(flags)
                .map(|(s, (binding, current, helps))| SceneGap {
                    scene: (*s).into(),
                    name: format!("场景{s}"),
                    binding,
                    current,
                    helps_next_level: helps,
                })
                .collect(),
            budget: budget.map(Fen),
        })
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (
        proptest::collection::vec((proptest::sample::select(SCENES.to_vec()), 0u8..=5), 0..4),
        proptest::collection::vec(proptest::sample::select(INDUSTRIES.to_vec()), 0..3),
        0u8..=5,
        proptest::sample::select(REGIONS.to_vec()),
        0i64..2_500_000,
        any::<bool>(),
        proptest::collection::vec(0i64..5, 0..3),
    )
        .prop_map(|(scenes, industries, stars, region, price, xkqz, subs)| Candidate {
            solution_id: 0,
            name: "方案".into(),
            provider_id: 1,
            provider_name: "服务商".into(),
            provider_stars: stars,
            provider_region: region.into(),
            price: Fen(price),
            is_xkqz: xkqz,
            delivery_days: 30,
            scenes: scenes.into_iter().map(|(s, l)| (s.to_owned(), l)).collect(),
            industries: industries.into_iter().map(str::to_owned).collect(),
            sub_industries: subs,
        })
}

/// Candidates with distinct ids in no particular order.
fn catalogue() -> impl Strategy<Value = Vec<Candidate>> {
    proptest::collection::vec(candidate(), 0..30).prop_map(|mut cs| {
        for (i, c) in cs.iter_mut().enumerate() {
            c.solution_id = i64::try_from(i * 37 % 1009).expect("small");
        }
        cs
    })
}

proptest! {
    #[test]
    fn recommendations_lift_a_gap_and_respect_the_budget(need in need(), cs in catalogue()) {
        let r = rank(&need, &cs, weights(), usize::MAX);
        prop_assert_eq!(r.recommendations.len() + r.excluded.len(), cs.len());
        for rec in &r.recommendations {
            prop_assert!(rec.reasons.iter().any(|x| matches!(x, Reason::LiftsScene { .. })), "{:?}", rec);
            prop_assert!(rec.gain_levels >= 1);
            let c = cs.iter().find(|c| c.solution_id == rec.solution_id).expect("recommended from input");
            if let Some(budget) = need.budget {
                prop_assert!(c.price <= budget);
            }
            for x in &rec.reasons {
                if let Reason::LiftsScene { from, to, .. } = x {
                    prop_assert!(from < to && *to <= 4);
                }
                prop_assert!(!x.zh().is_empty() && !x.en().is_empty());
            }
        }
        prop_assert!(r.recommendations.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn more_stars_never_lower_the_score(need in need(), c in candidate(), extra in 1u8..=5) {
        let mut better = c.clone();
        better.provider_stars = c.provider_stars.saturating_add(extra).min(5);
        let before = rank(&need, &[c], weights(), 1);
        let after = rank(&need, &[better], weights(), 1);
        prop_assert_eq!(before.recommendations.len(), after.recommendations.len());
        if let (Some(a), Some(b)) = (before.recommendations.first(), after.recommendations.first()) {
            prop_assert!(b.score >= a.score);
        }
    }

    #[test]
    fn ranking_ignores_input_order(
        need in need(),
        (cs, permuted) in catalogue().prop_flat_map(|cs| (Just(cs.clone()), Just(cs).prop_shuffle())),
        limit in 0usize..40,
    ) {
        prop_assert_eq!(rank(&need, &cs, weights(), limit), rank(&need, &permuted, weights(), limit));
    }

    #[test]
    fn a_binding_lift_outranks_the_same_non_binding_lift(
        current in 0u8..=3,
        lift in 1u8..=4,
        helps in any::<bool>(),
        mut c in candidate(),
    ) {
        let to = current.saturating_add(lift).min(4);
        prop_assume!(to > current);
        let mk = |scene: &str, binding: bool| SceneGap {
            scene: scene.into(),
            name: scene.into(),
            binding,
            current,
            helps_next_level: helps,
        };
        let need = EnterpriseNeed {
            industry_code: "C3411".into(),
            sub_industries: vec![],
            region_code: "350203".into(),
            gaps: vec![mk("plain", false), mk("binding", true)],
            budget: None,
        };
        c.industries = vec![];
        let mut plain = c.clone();
        plain.solution_id = 1;
        plain.scenes = vec![("plain".into(), to)];
        let mut binding = c;
        binding.solution_id = 2;
        binding.scenes = vec![("binding".into(), to)];
        let r = rank(&need, &[plain, binding], weights(), 2);
        let ids: Vec<i64> = r.recommendations.iter().map(|x| x.solution_id).collect();
        prop_assert_eq!(ids, vec![2, 1]);
    }

    #[test]
    fn industry_mismatch_is_excluded(need in need(), mut c in candidate()) {
        c.industries = vec!["E".into(), "C35".into(), "C342".into()];
        c.scenes = need.gaps.iter().map(|g| (g.scene.clone(), 4)).collect();
        let r = rank(&need, &[c], weights(), 10);
        prop_assert!(r.recommendations.is_empty());
        prop_assert_eq!(&r.excluded[0].why, &ExcludeWhy::IndustryMismatch);
    }
}
