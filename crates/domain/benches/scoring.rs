//! Time to score one full submission of the 2024 manufacturing instrument.
//!
//! Run with `cargo bench -p dengta-domain --bench scoring`; the target is ≤ 50 µs per submission.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dengta_domain::assessment::instrument::QuestionKind;
use dengta_domain::assessment::{Answers, Decimal, Instrument, builtin_instruments, score};

fn mfg() -> Instrument {
    builtin_instruments()
        .expect("shipped instruments load")
        .into_iter()
        .find(|i| i.id() == "mfg-2024")
        .expect("mfg-2024 is shipped")
}

fn d(s: &str) -> Decimal {
    Decimal::parse(s).expect("decimal literal")
}

/// Every question answered (all non-exclusive options of each multiple choice, so the longest
/// option lists are walked), every input filled in, every scene at L3.
fn full_answers(inst: &Instrument) -> Answers {
    let mut a = Answers::new()
        .input("total_equipment", d("480"))
        .input("digital_equipment", d("301"))
        .input("networked_equipment", d("157"))
        .input("digital_investment_avg", d("312.5"))
        .input("revenue_last_year", d("52000"))
        .input("revenue_prev_year", d("48500.25"))
        .input("headcount_last_year", d("410"))
        .input("headcount_prev_year", d("398"))
        .input("cost_last_year", d("41000"))
        .input("cost_prev_year", d("39800.75"));
    for q in inst.questions() {
        match &q.kind {
            QuestionKind::Single { options } => {
                if let Some(o) = options.get(options.len() / 2) {
                    a = a.choose(&q.id, [o.id.as_str()]);
                }
            }
            QuestionKind::Multiple { options } => {
                a = a.choose(&q.id, options.iter().filter(|o| !o.exclusive).map(|o| o.id.as_str()));
            }
            QuestionKind::Ratio(_) => {}
        }
    }
    for s in inst.scenes() {
        a = a.scene(&s.id, 3);
    }
    a
}

fn scoring(c: &mut Criterion) {
    let inst = mfg();
    let answers = full_answers(&inst);
    score(&inst, &answers).expect("the benchmark's answers are valid");
    c.bench_function("score mfg-2024 full submission", |b| {
        b.iter(|| score(black_box(&inst), black_box(&answers)));
    });
}

criterion_group!(benches, scoring);
criterion_main!(benches);
