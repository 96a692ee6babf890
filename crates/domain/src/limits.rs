//! Resource and plausibility limits, as data: how much evidence one project may carry
//! (`data/rules/evidence-limits.toml`) and what an upward-report package from an instance below
//! may claim (`data/rules/upward-reports.toml`). Both load and validate here; the checks are
//! pure functions.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::region::{RegionCode, RegionLevel};

const EVIDENCE: &str = include_str!("../../../data/rules/evidence-limits.toml");
const REPORTS: &str = include_str!("../../../data/rules/upward-reports.toml");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LimitsError {
    #[error("limits file: {0}")]
    Format(String),
    #[error("limits file: {0} must be positive")]
    NotPositive(&'static str),
}

/// How much evidence one project may carry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceLimits {
    pub version: u32,
    pub max_files_per_project: i64,
    pub max_bytes_per_project: i64,
}

/// Why one more file is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceRefusal {
    TooManyFiles { max: i64 },
    TooManyBytes { max: i64 },
}

impl EvidenceLimits {
    pub fn from_toml(text: &str) -> Result<EvidenceLimits, LimitsError> {
        let l: EvidenceLimits = toml::from_str(text).map_err(|e| LimitsError::Format(e.to_string()))?;
        for (name, v) in [
            ("version", i64::from(l.version)),
            ("max_files_per_project", l.max_files_per_project),
            ("max_bytes_per_project", l.max_bytes_per_project),
        ] {
            if v <= 0 {
                return Err(LimitsError::NotPositive(name));
            }
        }
        Ok(l)
    }

    pub fn builtin() -> Result<EvidenceLimits, LimitsError> {
        EvidenceLimits::from_toml(EVIDENCE)
    }

    /// Whether a project holding `files` files of `bytes` bytes may take one more of `size`.
    pub fn admits(&self, files: i64, bytes: i64, size: i64) -> Result<(), EvidenceRefusal> {
        if files + 1 > self.max_files_per_project {
            return Err(EvidenceRefusal::TooManyFiles { max: self.max_files_per_project });
        }
        if bytes.saturating_add(size) > self.max_bytes_per_project {
            return Err(EvidenceRefusal::TooManyBytes { max: self.max_bytes_per_project });
        }
        Ok(())
    }
}

/// Upper bounds of an ordinary counter per level of the node it is reported for.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountBounds {
    pub province: i64,
    pub city: i64,
    pub county: i64,
}

/// What an upward-report package may claim.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRules {
    pub version: u32,
    pub clock_skew_seconds: i64,
    pub key_validity_days: i64,
    pub max_fen: i64,
    pub max_days: i64,
    pub monotonic: Vec<String>,
    pub max_count: CountBounds,
}

/// Region node → metric → value, as a package carries them.
pub type Counters = BTreeMap<String, BTreeMap<String, i64>>;

/// Why a package is implausible; it names the node and metric at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Implausible {
    #[error("{node} {metric} = {value}: negative")]
    Negative { node: String, metric: String, value: i64 },
    #[error("{node} {metric} = {value}: above the bound {max}")]
    TooLarge { node: String, metric: String, value: i64, max: i64 },
    #[error("{node} {metric} = {value}: more than its parent {parent} ({parent_value})")]
    AboveParent { node: String, metric: String, value: i64, parent: String, parent_value: i64 },
    #[error("{node} {metric} = {value}: less than the {previous} of the last package")]
    Decreased { node: String, metric: String, value: i64, previous: i64 },
    #[error("generated at {generated_at}: later than now ({now}) plus the allowed clock skew")]
    Future { generated_at: i64, now: i64 },
    #[error("generated at {generated_at}: not after the last package imported ({last})")]
    NotNewer { generated_at: i64, last: i64 },
}

impl ReportRules {
    pub fn from_toml(text: &str) -> Result<ReportRules, LimitsError> {
        let r: ReportRules = toml::from_str(text).map_err(|e| LimitsError::Format(e.to_string()))?;
        for (name, v) in [
            ("version", i64::from(r.version)),
            ("key_validity_days", r.key_validity_days),
            ("max_fen", r.max_fen),
            ("max_days", r.max_days),
            ("max_count.province", r.max_count.province),
            ("max_count.city", r.max_count.city),
            ("max_count.county", r.max_count.county),
        ] {
            if v <= 0 {
                return Err(LimitsError::NotPositive(name));
            }
        }
        if r.clock_skew_seconds < 0 {
            return Err(LimitsError::NotPositive("clock_skew_seconds"));
        }
        Ok(r)
    }

    pub fn builtin() -> Result<ReportRules, LimitsError> {
        ReportRules::from_toml(REPORTS)
    }

    /// The largest plausible value of `metric` at `node`.
    pub fn bound(&self, node: &RegionCode, metric: &str) -> i64 {
        let base = metric.split('@').next().unwrap_or(metric);
        if base.ends_with("_fen") {
            return self.max_fen;
        }
        if base.ends_with("accept_to_pay_days") {
            return self.max_days;
        }
        match node.level() {
            RegionLevel::County => self.max_count.county,
            RegionLevel::City => self.max_count.city,
            RegionLevel::Province | RegionLevel::National => self.max_count.province,
        }
    }

    /// Checks a package (already verified as signed by a trusted key) before it is imported:
    /// its time against this instance's clock (`now`, ms) and the last package of the same
    /// region (`previous`: when it was generated and its counters), and every counter: not
    /// negative, within its level's bound, not above its parent's (a node's counters include
    /// everything below it), cumulative ones not below the last package's.
    pub fn check(
        &self,
        counters: &Counters,
        generated_at: i64,
        now: i64,
        previous: Option<(i64, &Counters)>,
    ) -> Result<(), Implausible> {
        if generated_at > now.saturating_add(self.clock_skew_seconds.saturating_mul(1000)) {
            return Err(Implausible::Future { generated_at, now });
        }
        if let Some((last, _)) = previous
            && generated_at <= last
        {
            return Err(Implausible::NotNewer { generated_at, last });
        }
        for (node, metrics) in counters {
            let code = RegionCode::parse(node).ok();
            let parent = code.as_ref().and_then(RegionCode::parent).and_then(|p| {
                let values = counters.get(p.as_str())?;
                Some((p.as_str().to_owned(), values))
            });
            for (metric, &value) in metrics {
                let at = || (node.clone(), metric.clone());
                if value < 0 {
                    let (node, metric) = at();
                    return Err(Implausible::Negative { node, metric, value });
                }
                if let Some(code) = &code {
                    let max = self.bound(code, metric);
                    if value > max {
                        let (node, metric) = at();
                        return Err(Implausible::TooLarge { node, metric, value, max });
                    }
                }
                if let Some((p, values)) = &parent {
                    let parent_value = values.get(metric).copied().unwrap_or(0);
                    if value > parent_value {
                        let (node, metric) = at();
                        return Err(Implausible::AboveParent { node, metric, value, parent: p.clone(), parent_value });
                    }
                }
            }
        }
        if let Some((_, before)) = previous {
            for (node, metrics) in before {
                for metric in self.monotonic.iter() {
                    let Some(&prev) = metrics.get(metric) else { continue };
                    let value = counters.get(node).and_then(|m| m.get(metric)).copied().unwrap_or(0);
                    if value < prev {
                        return Err(Implausible::Decreased {
                            node: node.clone(),
                            metric: metric.clone(),
                            value,
                            previous: prev,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// How long a newly trusted key stays valid, in ms, given the days an officer asks for
    /// (none: the rule's default; never more than it).
    pub fn key_validity_ms(&self, days: Option<i64>) -> Option<i64> {
        let d = days.unwrap_or(self.key_validity_days);
        (1..=self.key_validity_days).contains(&d).then(|| d * 86_400_000)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn counters(rows: &[(&str, &str, i64)]) -> Counters {
        let mut c = Counters::new();
        for (n, m, v) in rows {
            c.entry(n.to_string()).or_default().insert(m.to_string(), *v);
        }
        c
    }

    #[test]
    fn builtin_rules_load_and_bad_ones_are_refused() {
        let e = EvidenceLimits::builtin().unwrap();
        assert!(e.max_files_per_project > 0 && e.max_bytes_per_project > 0);
        assert!(
            EvidenceLimits::from_toml("version = 1\nmax_files_per_project = 0\nmax_bytes_per_project = 1\n").is_err()
        );
        assert!(EvidenceLimits::from_toml("version = 1\nmax_files_per_project = 1\n").is_err());
        let r = ReportRules::builtin().unwrap();
        assert!(r.clock_skew_seconds >= 0 && r.key_validity_days > 0);
        let bad = REPORTS.replace("county = 1000000", "county = 0");
        assert_eq!(ReportRules::from_toml(&bad).unwrap_err(), LimitsError::NotPositive("max_count.county"));
    }

    #[test]
    fn evidence_limits_count_and_bytes() {
        let l = EvidenceLimits { version: 1, max_files_per_project: 2, max_bytes_per_project: 100 };
        assert_eq!(l.admits(0, 0, 100), Ok(()));
        assert_eq!(l.admits(1, 50, 50), Ok(()));
        assert_eq!(l.admits(2, 0, 1), Err(EvidenceRefusal::TooManyFiles { max: 2 }));
        assert_eq!(l.admits(1, 60, 41), Err(EvidenceRefusal::TooManyBytes { max: 100 }));
    }

    #[test]
    fn implausible_packages_are_named() {
        let r = ReportRules::builtin().unwrap();
        let now = 1_800_000_000_000;
        let ok = counters(&[("320100", "e.enterprises", 10), ("320102", "e.enterprises", 4), ("320100", "p.filed", 3)]);
        assert_eq!(r.check(&ok, now, now, None), Ok(()));
        // A little clock skew is allowed, the future is not.
        assert_eq!(r.check(&ok, now + 1000, now, None), Ok(()));
        assert!(matches!(r.check(&ok, now + 3_600_000, now, None), Err(Implausible::Future { .. })));
        // Replays and older packages.
        assert!(matches!(r.check(&ok, now, now, Some((now, &ok))), Err(Implausible::NotNewer { .. })));
        assert!(matches!(r.check(&ok, now - 1, now, Some((now, &ok))), Err(Implausible::NotNewer { .. })));
        let neg = counters(&[("320100", "e.enterprises", -1)]);
        assert!(matches!(r.check(&neg, now, now, None), Err(Implausible::Negative { .. })));
        let huge = counters(&[("320102", "e.enterprises", r.max_count.county + 1)]);
        assert!(matches!(r.check(&huge, now, now, None), Err(Implausible::TooLarge { .. })));
        // Money has its own bound.
        let money = counters(&[("320100", "p.disbursed_fen", r.max_count.city * 10)]);
        assert_eq!(r.check(&money, now, now, None), Ok(()));
        let child_above = counters(&[("320100", "e.enterprises", 3), ("320102", "e.enterprises", 4)]);
        assert!(matches!(r.check(&child_above, now, now, None), Err(Implausible::AboveParent { .. })));
        let fewer = counters(&[("320100", "e.enterprises", 10), ("320100", "p.filed", 2)]);
        assert!(matches!(r.check(&fewer, now + 1, now + 1, Some((now, &ok))), Err(Implausible::Decreased { .. })));
        // Non-cumulative counters may go down.
        let moved = counters(&[("320100", "e.enterprises", 9), ("320100", "p.filed", 3)]);
        assert_eq!(r.check(&moved, now + 1, now + 1, Some((now, &ok))), Ok(()));
    }

    #[test]
    fn key_validity_is_bounded_by_the_rule() {
        let r = ReportRules::builtin().unwrap();
        assert_eq!(r.key_validity_ms(None), Some(r.key_validity_days * 86_400_000));
        assert_eq!(r.key_validity_ms(Some(30)), Some(30 * 86_400_000));
        assert_eq!(r.key_validity_ms(Some(0)), None);
        assert_eq!(r.key_validity_ms(Some(r.key_validity_days + 1)), None);
    }
}
