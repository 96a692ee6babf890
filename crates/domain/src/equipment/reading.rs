//! One reading from a device and the checks it must pass before it is stored.
//!
//! A reading says what a device did over the `period_s` seconds that start at `ts_ms` (ms since
//! the Unix epoch): how long it ran (`run_s`) of the time it was planned to produce
//! (`planned_s`), how many units it made (`output_units`) and how many of them were good
//! (`good_units`), the ideal cycle time per unit at that moment (`ideal_cycle_ms`, 0 when the
//! device has none, e.g. a compressor) and the energy it drew (`energy_wh`). These are the
//! sums OEE, energy per unit and utilisation need ([`super::kpi`]) and nothing more; a reading
//! belongs to the hour and the day (China time, UTC+8) its start falls in.
//!
//! A reading is *impossible* — refused, whatever else the batch holds — when a quantity is
//! negative or beyond any real machine, when it ran longer than it was planned, was planned
//! longer than the period, made more good units than units, or covers more than an hour.

use serde::{Deserialize, Serialize};

/// The longest period one reading may cover: one hour (the finest aggregate).
pub const MAX_PERIOD_S: i64 = 3_600;
/// Beyond these a value is taken for a fault, not a measurement. [I] bounds chosen so that an
/// hour of the fastest press (10 strokes/s) and the largest furnace (100 MW) fit, and sums over
/// a device-century stay far inside `i64`.
pub const MAX_UNITS: i64 = 10_000_000;
pub const MAX_CYCLE_MS: i64 = 86_400_000;
pub const MAX_ENERGY_WH: i64 = 100_000_000;
/// How far ahead of the server's clock a reading may be stamped (gateway clocks drift).
pub const FUTURE_SKEW_MS: i64 = 300_000;
/// China time: days are cut at local midnight.
pub const TZ_OFFSET_MS: i64 = 8 * 3_600_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub ts_ms: i64,
    pub period_s: i64,
    pub run_s: i64,
    pub planned_s: i64,
    pub output_units: i64,
    pub good_units: i64,
    pub ideal_cycle_ms: i64,
    pub energy_wh: i64,
}

/// Why a reading was refused; the code is what the API answers, the text its Chinese words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ReadingRefusal")]
pub enum Refusal {
    /// No such device, or not one the caller may send readings for.
    UnknownDevice,
    /// A reading with this device and time is stored with other values.
    ConflictingDuplicate,
    /// Stamped further ahead of the server's clock than gateways drift.
    InFuture,
    /// Older than the device's latest reading by more than the out-of-order window.
    TooLate,
    /// Older than raw readings are kept: it could no longer be told from a resubmission.
    TooOld,
    /// A quantity below zero.
    Negative,
    /// A quantity beyond any real machine (units, cycle time, energy).
    TooLarge,
    /// The period is not between 1 s and one hour.
    BadPeriod,
    /// Planned longer than the period.
    PlannedOverPeriod,
    /// Ran longer than planned.
    RunOverPlanned,
    /// More good units than units.
    GoodOverOutput,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::UnknownDevice => "unknown_device",
            Refusal::ConflictingDuplicate => "conflicting_duplicate",
            Refusal::InFuture => "in_future",
            Refusal::TooLate => "too_late",
            Refusal::TooOld => "too_old",
            Refusal::Negative => "negative",
            Refusal::TooLarge => "too_large",
            Refusal::BadPeriod => "bad_period",
            Refusal::PlannedOverPeriod => "planned_over_period",
            Refusal::RunOverPlanned => "run_over_planned",
            Refusal::GoodOverOutput => "good_over_output",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Refusal::UnknownDevice => "设备不存在或不在可报送范围内",
            Refusal::ConflictingDuplicate => "该设备该时刻已有读数且数值不同",
            Refusal::InFuture => "时间晚于服务器时间过多",
            Refusal::TooLate => "早于该设备最新读数超过允许的乱序窗口",
            Refusal::TooOld => "早于原始读数保留期限",
            Refusal::Negative => "数值不能为负",
            Refusal::TooLarge => "数值超出设备可能的范围",
            Refusal::BadPeriod => "时长应在1秒至1小时之间",
            Refusal::PlannedOverPeriod => "计划时间超过时长",
            Refusal::RunOverPlanned => "运行时间超过计划时间",
            Refusal::GoodOverOutput => "合格数超过产量",
        }
    }
}

impl Reading {
    /// The checks a reading passes on its own (its values), the first failure named.
    pub fn check(&self) -> Result<(), Refusal> {
        let all = [
            self.ts_ms,
            self.period_s,
            self.run_s,
            self.planned_s,
            self.output_units,
            self.good_units,
            self.ideal_cycle_ms,
            self.energy_wh,
        ];
        if all.iter().any(|v| *v < 0) {
            return Err(Refusal::Negative);
        }
        if self.output_units > MAX_UNITS || self.ideal_cycle_ms > MAX_CYCLE_MS || self.energy_wh > MAX_ENERGY_WH {
            return Err(Refusal::TooLarge);
        }
        if !(1..=MAX_PERIOD_S).contains(&self.period_s) {
            return Err(Refusal::BadPeriod);
        }
        if self.planned_s > self.period_s {
            return Err(Refusal::PlannedOverPeriod);
        }
        if self.run_s > self.planned_s {
            return Err(Refusal::RunOverPlanned);
        }
        if self.good_units > self.output_units {
            return Err(Refusal::GoodOverOutput);
        }
        Ok(())
    }

    /// The checks on its time: against the server's clock `now_ms`, the device's latest stored
    /// reading (`latest_ms`, if any) less the out-of-order window, and the oldest time raw
    /// readings are still kept for (`oldest_ms`).
    pub fn check_time(
        &self,
        now_ms: i64,
        latest_ms: Option<i64>,
        window_ms: i64,
        oldest_ms: i64,
    ) -> Result<(), Refusal> {
        if self.ts_ms > now_ms.saturating_add(FUTURE_SKEW_MS) {
            return Err(Refusal::InFuture);
        }
        if self.ts_ms < oldest_ms {
            return Err(Refusal::TooOld);
        }
        if latest_ms.is_some_and(|l| self.ts_ms < l.saturating_sub(window_ms)) {
            return Err(Refusal::TooLate);
        }
        Ok(())
    }

    /// Ideal production time for its output, in ms (`output × ideal cycle`).
    pub fn ideal_ms(&self) -> i64 {
        self.output_units.saturating_mul(self.ideal_cycle_ms)
    }

    pub fn hour_ms(&self) -> i64 {
        hour_of(self.ts_ms)
    }

    pub fn day_ms(&self) -> i64 {
        day_of(self.ts_ms)
    }
}

/// The start of the hour `ts_ms` falls in.
pub fn hour_of(ts_ms: i64) -> i64 {
    // Saturating: a time anywhere in i64 (a hostile query) cuts without overflowing.
    ts_ms.div_euclid(HOUR_MS).saturating_mul(HOUR_MS)
}

/// The start (UTC ms) of the China-time day `ts_ms` falls in.
pub fn day_of(ts_ms: i64) -> i64 {
    ts_ms.saturating_add(TZ_OFFSET_MS).div_euclid(DAY_MS).saturating_mul(DAY_MS).saturating_sub(TZ_OFFSET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Reading {
        Reading {
            ts_ms: 1_700_000_000_000,
            period_s: 60,
            run_s: 50,
            planned_s: 60,
            output_units: 20,
            good_units: 19,
            ideal_cycle_ms: 2_000,
            energy_wh: 150,
        }
    }

    #[test]
    fn buckets_of_any_time_do_not_overflow() {
        for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            assert!(hour_of(t) <= t && day_of(t) <= t, "{t}");
        }
        assert_eq!(hour_of(HOUR_MS + 5), HOUR_MS);
        assert_eq!(day_of(DAY_MS - TZ_OFFSET_MS + 5), DAY_MS - TZ_OFFSET_MS);
    }

    #[test]
    fn impossible_values_are_named() {
        assert_eq!(good().check(), Ok(()));
        type Case = (fn(&mut Reading), Refusal);
        let cases: [Case; 8] = [
            (|r| r.energy_wh = -1, Refusal::Negative),
            (|r| r.output_units = MAX_UNITS + 1, Refusal::TooLarge),
            (|r| r.period_s = 0, Refusal::BadPeriod),
            (|r| r.period_s = 3_601, Refusal::BadPeriod),
            (|r| r.planned_s = 61, Refusal::PlannedOverPeriod),
            (|r| r.run_s = 61, Refusal::RunOverPlanned),
            (|r| r.good_units = 21, Refusal::GoodOverOutput),
            (
                |r| {
                    r.planned_s = 40;
                },
                Refusal::RunOverPlanned,
            ),
        ];
        for (change, reason) in cases {
            let mut r = good();
            change(&mut r);
            assert_eq!(r.check(), Err(reason), "{r:?}");
        }
    }

    #[test]
    fn times_are_checked_against_clock_window_and_retention() {
        let r = good();
        let now = r.ts_ms;
        assert_eq!(r.check_time(now, None, 3_600_000, 0), Ok(()));
        assert_eq!(r.check_time(now - FUTURE_SKEW_MS - 1, None, 3_600_000, 0), Err(Refusal::InFuture));
        assert_eq!(r.check_time(now, Some(now + 3_600_000), 3_600_000, 0), Ok(()));
        assert_eq!(r.check_time(now, Some(now + 3_600_001), 3_600_000, 0), Err(Refusal::TooLate));
        assert_eq!(r.check_time(now, None, 3_600_000, now + 1), Err(Refusal::TooOld));
    }

    #[test]
    fn days_are_cut_at_china_midnight() {
        // 2024-01-01T00:00+08:00 = 2023-12-31T16:00Z = 1704038400000.
        let midnight = 1_704_038_400_000;
        assert_eq!(day_of(midnight), midnight);
        assert_eq!(day_of(midnight + DAY_MS - 1), midnight);
        assert_eq!(day_of(midnight - 1), midnight - DAY_MS);
        assert_eq!(hour_of(midnight + 90 * 60_000), midnight + HOUR_MS);
    }
}
