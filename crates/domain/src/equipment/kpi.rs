//! KPIs from summed readings, in exact integer arithmetic (basis points, 10 000 = 100 %).
//!
//! OEE = availability × performance × quality, as a mature MES computes it from sums over a
//! window (never as an average of per-reading ratios):
//! - availability = run time / planned time;
//! - performance = ideal time for the output (Σ output × ideal cycle) / run time, capped at
//!   100 % (a faster-than-ideal figure means the ideal cycle is set wrong, not a better machine);
//! - quality = good units / units.
//!
//! A ratio whose denominator is zero is *undefined* (`None`), not zero: no planned time, no
//! run, no output. OEE is undefined without planned time or when output was made with no ideal
//! cycle known; it is 0 when the machine was planned but never ran, or ran and made nothing.
//! The product is computed in one fraction (run time cancels) and rounded once, half up.
//!
//! Energy per unit is Σ energy / Σ output in mWh per unit; utilisation is run time over the
//! calendar time of the window (devices × seconds), capped at 100 %.

use serde::{Deserialize, Serialize};

use super::reading::Reading;

/// What KPIs are computed from: sums of readings (one device or many, one bucket or many —
/// sums add, so any grouping gives the same KPIs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sums {
    pub readings: i64,
    pub period_s: i64,
    pub run_s: i64,
    pub planned_s: i64,
    pub output_units: i64,
    pub good_units: i64,
    pub ideal_ms: i64,
    pub energy_wh: i64,
}

impl Sums {
    pub fn of(r: &Reading) -> Sums {
        Sums {
            readings: 1,
            period_s: r.period_s,
            run_s: r.run_s,
            planned_s: r.planned_s,
            output_units: r.output_units,
            good_units: r.good_units,
            ideal_ms: r.ideal_ms(),
            energy_wh: r.energy_wh,
        }
    }

    pub fn add(&mut self, o: &Sums) {
        self.readings += o.readings;
        self.period_s += o.period_s;
        self.run_s += o.run_s;
        self.planned_s += o.planned_s;
        self.output_units += o.output_units;
        self.good_units += o.good_units;
        self.ideal_ms += o.ideal_ms;
        self.energy_wh += o.energy_wh;
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "EquipmentKpis")]
pub struct Kpis {
    /// Run time over planned time, basis points; null without planned time.
    pub availability_bp: Option<i64>,
    /// Ideal time for the output over run time, capped at 10 000; null without run time or
    /// when output was made with no ideal cycle.
    pub performance_bp: Option<i64>,
    /// Good units over units; null without output.
    pub quality_bp: Option<i64>,
    /// Availability × performance × quality, rounded once; null without planned time or when
    /// performance is unknown for an output.
    pub oee_bp: Option<i64>,
    /// Energy over output, mWh per unit; null without output.
    pub energy_mwh_per_unit: Option<i64>,
    /// Run time over calendar time (devices × window), basis points.
    pub utilisation_bp: Option<i64>,
}

/// `num / den` rounded half up, for non-negative operands; `None` when `den` is 0.
fn div_round(num: i128, den: i128) -> Option<i64> {
    if den <= 0 || num < 0 {
        return None;
    }
    i64::try_from((2 * num + den) / (2 * den)).ok()
}

fn bp(num: i64, den: i64) -> Option<i64> {
    div_round(i128::from(num) * 10_000, i128::from(den))
}

/// The KPIs of `s` over `calendar_s` seconds of device time.
pub fn kpis(s: &Sums, calendar_s: i64) -> Kpis {
    let run_ms = i128::from(s.run_s) * 1_000;
    let ideal = i128::from(s.ideal_ms).min(run_ms);
    let performance_bp =
        if s.run_s == 0 || (s.ideal_ms == 0 && s.output_units > 0) { None } else { div_round(ideal * 10_000, run_ms) };
    let oee_bp = if s.planned_s == 0 {
        None
    } else if s.run_s == 0 || s.output_units == 0 {
        Some(0)
    } else if s.ideal_ms == 0 {
        None
    } else {
        // run/planned × ideal/run × good/output = ideal × good / (planned × output).
        div_round(
            ideal * i128::from(s.good_units) * 10_000,
            i128::from(s.planned_s) * 1_000 * i128::from(s.output_units),
        )
    };
    Kpis {
        availability_bp: bp(s.run_s, s.planned_s),
        performance_bp,
        quality_bp: bp(s.good_units, s.output_units),
        oee_bp,
        energy_mwh_per_unit: div_round(i128::from(s.energy_wh) * 1_000, i128::from(s.output_units)),
        utilisation_bp: bp(s.run_s, calendar_s).map(|u| u.min(10_000)),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sums(run: i64, planned: i64, output: i64, good: i64, cycle_ms: i64, energy: i64) -> Sums {
        Sums {
            readings: 1,
            period_s: planned,
            run_s: run,
            planned_s: planned,
            output_units: output,
            good_units: good,
            ideal_ms: output * cycle_ms,
            energy_wh: energy,
        }
    }

    #[test]
    fn the_textbook_example() {
        // Planned 420 min, ran 373 min, 19 271 units at 1 s ideal, 18 848 good (Vorne's example):
        // A 88.81 %, P 86.11 %, Q 97.80 %, OEE 74.79 %.
        let s = sums(373 * 60, 420 * 60, 19_271, 18_848, 1_000, 0);
        let k = kpis(&s, 480 * 60);
        assert_eq!(k.availability_bp, Some(8881));
        assert_eq!(k.performance_bp, Some(8611));
        assert_eq!(k.quality_bp, Some(9780));
        assert_eq!(k.oee_bp, Some(7479));
        assert_eq!(k.utilisation_bp, Some(7771));
    }

    #[test]
    fn zero_denominators_are_undefined_and_idle_machines_score_zero() {
        let none = kpis(&Sums::default(), 0);
        assert_eq!(none, Kpis::default());
        // Planned, never ran: availability 0, OEE 0, the rest unknown.
        let idle = kpis(&sums(0, 3_600, 0, 0, 1_000, 500), 3_600);
        assert_eq!((idle.availability_bp, idle.performance_bp, idle.quality_bp), (Some(0), None, None));
        assert_eq!((idle.oee_bp, idle.energy_mwh_per_unit, idle.utilisation_bp), (Some(0), None, Some(0)));
        // Output without an ideal cycle: performance and OEE unknown.
        let nocycle = kpis(&sums(3_000, 3_600, 10, 10, 0, 0), 3_600);
        assert_eq!((nocycle.performance_bp, nocycle.oee_bp, nocycle.quality_bp), (None, None, Some(10_000)));
        // Faster than ideal: performance capped at 100 %.
        let fast = kpis(&sums(100, 100, 200, 200, 1_000, 1_000), 100);
        assert_eq!((fast.performance_bp, fast.oee_bp), (Some(10_000), Some(10_000)));
        assert_eq!(fast.energy_mwh_per_unit, Some(5_000));
    }

    proptest! {
        /// OEE never exceeds any of its factors (beyond rounding) and stays within 0–100 %;
        /// sums in two parts give the KPIs of the whole.
        #[test]
        fn oee_is_bounded_by_its_factors(
            planned in 1i64..100_000, run_frac in 0i64..=100, output in 0i64..100_000,
            good_frac in 0i64..=100, cycle in 0i64..10_000, split in 0i64..=100,
        ) {
            let run = planned * run_frac / 100;
            let good = output * good_frac / 100;
            let s = sums(run, planned, output, good, cycle, output);
            let k = kpis(&s, planned);
            if let Some(oee) = k.oee_bp {
                prop_assert!((0..=10_000).contains(&oee));
                for f in [k.availability_bp, k.performance_bp, k.quality_bp].into_iter().flatten() {
                    prop_assert!(oee <= f + 1, "{k:?}");
                }
            }
            let mut a = sums(run * split / 100, planned * split / 100, output * split / 100, good * split / 100, cycle, 0);
            a.ideal_ms = s.ideal_ms * split / 100;
            let b = Sums {
                readings: 0,
                period_s: s.period_s - a.period_s,
                run_s: s.run_s - a.run_s,
                planned_s: s.planned_s - a.planned_s,
                output_units: s.output_units - a.output_units,
                good_units: s.good_units - a.good_units,
                ideal_ms: s.ideal_ms - a.ideal_ms,
                energy_wh: s.energy_wh - a.energy_wh,
            };
            let mut whole = a;
            whole.add(&b);
            prop_assert_eq!(kpis(&whole, planned), k);
        }
    }
}
