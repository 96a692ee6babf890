//! Time to rank a 10,000-solution catalogue for an enterprise with 16 gap scenes.
//!
//! Run with `cargo bench -p dengta-domain --bench matching`. The catalogue is generated from a
//! fixed seed so runs compare.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dengta_domain::catalogue::{Candidate, EnterpriseNeed, MatchWeights, SceneGap, rank};
use dengta_domain::money::Fen;

const SCENES: usize = 24;
const INDUSTRIES: [&str; 6] = ["C3411", "C341", "C34", "C", "C35", "E48"];
const REGIONS: [&str; 4] = ["350203", "350206", "350102", "440305"];

/// A small linear congruential generator: deterministic and dependency-free.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[usize::try_from(self.below(from.len() as u64)).expect("small")]
    }
}

fn need() -> EnterpriseNeed {
    EnterpriseNeed {
        industry_code: "C3411".into(),
        sub_industries: vec![3, 7],
        region_code: "350203".into(),
        gaps: (0..16)
            .map(|i| SceneGap {
                scene: format!("scene{i}"),
                name: format!("场景{i}"),
                binding: i % 3 == 0,
                current: u8::try_from(i % 4).expect("small"),
                helps_next_level: i % 2 == 0,
            })
            .collect(),
        budget: Some(Fen(20_000_000)),
    }
}

fn catalogue(n: usize) -> Vec<Candidate> {
    let mut rng = Lcg(42);
    (0..n)
        .map(|i| {
            let scenes = (0..1 + rng.below(4))
                .map(|_| (format!("scene{}", rng.below(SCENES as u64)), u8::try_from(1 + rng.below(4)).expect("small")))
                .collect();
            let industries = (0..rng.below(3)).map(|_| rng.pick(&INDUSTRIES).to_owned()).collect();
            Candidate {
                solution_id: i64::try_from(i).expect("small"),
                name: format!("方案{i}"),
                provider_id: i64::try_from(i / 5).expect("small"),
                provider_name: format!("服务商{}", i / 5),
                provider_stars: u8::try_from(rng.below(6)).expect("small"),
                provider_region: rng.pick(&REGIONS).to_owned(),
                price: Fen(i64::try_from(rng.below(30_000_000)).expect("small")),
                is_xkqz: rng.below(2) == 0,
                delivery_days: 30,
                scenes,
                industries,
                sub_industries: vec![i64::try_from(rng.below(10)).expect("small")],
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let w = MatchWeights::builtin().expect("shipped weights are valid");
    let need = need();
    let candidates = catalogue(10_000);
    c.bench_function("rank 10k candidates, 16 gaps, top 20", |b| {
        b.iter(|| rank(black_box(&need), black_box(&candidates), &w, 20))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
