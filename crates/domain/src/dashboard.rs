//! What each enterprise and project contributes to the dashboard roll-ups, and how a change of
//! its facts turns into counter deltas. The store keeps one facts row per enterprise and per
//! project; after every write it recomputes the facts, and adds `new − old` contributions to the
//! counters of the enterprise's region and every region above it, in the same transaction. The
//! same `contributions` summed over all facts rebuild the counters from scratch (`rollups check`).
//!
//! Metric names: plain (`enterprises`), by level (`level:3`), by sub-industry
//! (`sub:智能装备:above_scale`), by month (`filed@2026-11`), and the demand for solutions: weak
//! scenes of the latest self-assessment by industry division (`gap:equipment_management:C34`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One enterprise as the dashboards count it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseFacts {
    pub region_code: String,
    /// "YYYY-MM" of registration on the platform.
    pub registered_month: String,
    /// The pilot sub-industry its industry code falls in, if any.
    pub sub_industry: Option<String>,
    /// 规上 (above designated size).
    pub above_scale: bool,
    /// Level of its latest submitted self-assessment, 1–4.
    pub level: Option<u8>,
    /// Has a verified 上云 record.
    pub cloud: bool,
    /// The industry's division (大类, the letter and two digits of GB/T 4754).
    #[serde(default)]
    pub division: String,
    /// Scenes rated below 二级 in its latest submitted self-assessment: where it needs solutions.
    #[serde(default)]
    pub gaps: Vec<String>,
    /// A 专精特新 enterprise (any tier): the 2025–27 plan wants every one transformed.
    #[serde(default)]
    pub srdi: bool,
}

/// One transformation project as the dashboards count it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFacts {
    pub region_code: String,
    /// "YYYY-MM" when each milestone of the programme was reached.
    pub diagnosed_month: Option<String>,
    pub filed_month: Option<String>,
    pub accepted_month: Option<String>,
    /// Subsidies reserved and not cancelled, in fen (incl. paid ones).
    pub committed_fen: i64,
    /// Paid and not reversed, in fen.
    pub disbursed_fen: i64,
    /// Days from acceptance to the first payment after it, once paid.
    pub accept_to_pay_days: Option<i64>,
    pub paid_month: Option<String>,
    /// The points (0–100) of the enterprise's satisfaction evaluation, once given.
    #[serde(default)]
    pub satisfaction_points: Option<i64>,
}

fn add(out: &mut BTreeMap<String, i64>, metric: String, v: i64) {
    if v != 0 {
        *out.entry(metric).or_insert(0) += v;
    }
}

/// The counters one enterprise adds to its region (and every region above it).
pub fn enterprise_contributions(f: &EnterpriseFacts) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    add(&mut out, "enterprises".into(), 1);
    add(&mut out, format!("enterprises@{}", f.registered_month), 1);
    let ge2 = f.level.is_some_and(|l| l >= 2);
    if let Some(l) = f.level {
        add(&mut out, "assessed".into(), 1);
        add(&mut out, format!("level:{l}"), 1);
    }
    if ge2 {
        add(&mut out, "level_ge2".into(), 1);
    }
    if f.above_scale {
        add(&mut out, "above_scale".into(), 1);
        if ge2 {
            add(&mut out, "above_scale_ge2".into(), 1);
        }
    }
    if f.cloud {
        add(&mut out, "cloud".into(), 1);
    }
    if f.srdi {
        add(&mut out, "srdi".into(), 1);
        if ge2 {
            add(&mut out, "srdi_ge2".into(), 1);
        }
    }
    for scene in &f.gaps {
        add(&mut out, format!("gap:{scene}:{}", f.division), 1);
    }
    if let Some(s) = &f.sub_industry {
        add(&mut out, format!("sub:{s}:enterprises"), 1);
        if f.level.is_some() {
            add(&mut out, format!("sub:{s}:assessed"), 1);
        }
        if f.above_scale {
            add(&mut out, format!("sub:{s}:above_scale"), 1);
            if ge2 {
                add(&mut out, format!("sub:{s}:above_scale_ge2"), 1);
            }
        }
    }
    out
}

/// The counters one project adds to its region (and every region above it).
pub fn project_contributions(f: &ProjectFacts) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    add(&mut out, "projects".into(), 1);
    for (name, month) in [("diagnosed", &f.diagnosed_month), ("filed", &f.filed_month), ("accepted", &f.accepted_month)]
    {
        if let Some(m) = month {
            add(&mut out, name.into(), 1);
            add(&mut out, format!("{name}@{m}"), 1);
        }
    }
    add(&mut out, "committed_fen".into(), f.committed_fen);
    add(&mut out, "disbursed_fen".into(), f.disbursed_fen);
    if let Some(m) = &f.paid_month {
        add(&mut out, format!("disbursed_fen@{m}"), f.disbursed_fen);
    }
    if let Some(d) = f.accept_to_pay_days {
        add(&mut out, "paid_projects".into(), 1);
        add(&mut out, "accept_to_pay_days".into(), d);
    }
    if let Some(p) = f.satisfaction_points {
        add(&mut out, "satisfaction_count".into(), 1);
        add(&mut out, "satisfaction_points".into(), p);
    }
    out
}

/// A counter change at one region: (region code, metric, delta).
pub type Delta = (String, String, i64);

/// What changes when facts go from `old` to `new` (either may be absent: created, removed). Each
/// side is applied to its own region, so a move between regions takes the counts along.
pub fn deltas<F>(
    old: Option<&F>,
    new: Option<&F>,
    contributions: fn(&F) -> BTreeMap<String, i64>,
    region: fn(&F) -> &str,
) -> Vec<Delta> {
    let mut sum: BTreeMap<(String, String), i64> = BTreeMap::new();
    if let Some(o) = old {
        for (m, v) in contributions(o) {
            *sum.entry((region(o).to_owned(), m)).or_insert(0) -= v;
        }
    }
    if let Some(n) = new {
        for (m, v) in contributions(n) {
            *sum.entry((region(n).to_owned(), m)).or_insert(0) += v;
        }
    }
    sum.into_iter().filter(|(_, v)| *v != 0).map(|((r, m), v)| (r, m, v)).collect()
}

pub fn enterprise_deltas(old: Option<&EnterpriseFacts>, new: Option<&EnterpriseFacts>) -> Vec<Delta> {
    deltas(old, new, enterprise_contributions, |f| f.region_code.as_str())
}

pub fn project_deltas(old: Option<&ProjectFacts>, new: Option<&ProjectFacts>) -> Vec<Delta> {
    deltas(old, new, project_contributions, |f| f.region_code.as_str())
}

/// A share in per cent with one decimal, or `None` with nothing to divide by.
pub fn share_pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(region: &str) -> EnterpriseFacts {
        EnterpriseFacts { region_code: region.into(), registered_month: "2026-11".into(), ..Default::default() }
    }

    #[test]
    fn gaps_count_per_scene_and_division_and_move_with_the_latest_assessment() {
        let before = EnterpriseFacts {
            region_code: "320102".into(),
            division: "C34".into(),
            gaps: vec!["equipment_management".into(), "energy".into()],
            ..Default::default()
        };
        let c = enterprise_contributions(&before);
        assert_eq!(c.get("gap:equipment_management:C34"), Some(&1));
        assert_eq!(c.get("gap:energy:C34"), Some(&1));
        let after = EnterpriseFacts { gaps: vec!["energy".into()], ..before.clone() };
        let d = enterprise_deltas(Some(&before), Some(&after));
        assert!(d.contains(&("320102".into(), "gap:equipment_management:C34".into(), -1)), "{d:?}");
        assert!(!d.iter().any(|x| x.1 == "gap:energy:C34"), "an unchanged gap is no change: {d:?}");
    }

    #[test]
    fn a_new_enterprise_counts_once() {
        let d = enterprise_deltas(None, Some(&ent("320102")));
        assert_eq!(
            d,
            vec![("320102".into(), "enterprises".into(), 1), ("320102".into(), "enterprises@2026-11".into(), 1)]
        );
    }

    #[test]
    fn a_level_change_moves_one_count() {
        let a = EnterpriseFacts {
            level: Some(1),
            above_scale: true,
            sub_industry: Some("智能装备".into()),
            ..ent("320102")
        };
        let b = EnterpriseFacts { level: Some(3), ..a.clone() };
        let d = enterprise_deltas(Some(&a), Some(&b));
        let get = |m: &str| d.iter().find(|x| x.1 == m).map(|x| x.2);
        assert_eq!(get("level:1"), Some(-1));
        assert_eq!(get("level:3"), Some(1));
        assert_eq!(get("level_ge2"), Some(1));
        assert_eq!(get("above_scale_ge2"), Some(1));
        assert_eq!(get("sub:智能装备:above_scale_ge2"), Some(1));
        assert_eq!(get("assessed"), None, "still assessed: no change");
        assert_eq!(get("enterprises"), None);
    }

    #[test]
    fn a_move_between_regions_takes_the_counts_along() {
        let a = EnterpriseFacts { cloud: true, ..ent("320102") };
        let b = EnterpriseFacts { cloud: true, ..ent("320104") };
        let d = enterprise_deltas(Some(&a), Some(&b));
        assert!(d.contains(&("320102".into(), "cloud".into(), -1)));
        assert!(d.contains(&("320104".into(), "cloud".into(), 1)));
        assert!(d.contains(&("320104".into(), "enterprises".into(), 1)));
        assert_eq!(enterprise_deltas(Some(&a), Some(&a)), vec![], "no change, no writes");
    }

    #[test]
    fn project_money_and_months() {
        let a =
            ProjectFacts { region_code: "320102".into(), filed_month: Some("2026-01".into()), ..Default::default() };
        let b = ProjectFacts {
            accepted_month: Some("2026-10".into()),
            committed_fen: 8_000_000,
            disbursed_fen: 8_000_000,
            accept_to_pay_days: Some(12),
            paid_month: Some("2026-11".into()),
            ..a.clone()
        };
        let d = project_deltas(Some(&a), Some(&b));
        let get = |m: &str| d.iter().find(|x| x.1 == m).map(|x| x.2);
        assert_eq!(get("accepted"), Some(1));
        assert_eq!(get("accepted@2026-10"), Some(1));
        assert_eq!(get("disbursed_fen"), Some(8_000_000));
        assert_eq!(get("disbursed_fen@2026-11"), Some(8_000_000));
        assert_eq!(get("accept_to_pay_days"), Some(12));
        assert_eq!(get("filed"), None);
        // A reversal takes the money back out.
        let c = ProjectFacts { disbursed_fen: 0, accept_to_pay_days: None, paid_month: None, ..b.clone() };
        let d = project_deltas(Some(&b), Some(&c));
        assert!(d.contains(&("320102".into(), "disbursed_fen".into(), -8_000_000)));
        assert!(d.contains(&("320102".into(), "paid_projects".into(), -1)));
        // A satisfaction evaluation adds one count and its points.
        let e = ProjectFacts { satisfaction_points: Some(84), ..c.clone() };
        let d = project_deltas(Some(&c), Some(&e));
        assert_eq!(
            d,
            vec![
                ("320102".into(), "satisfaction_count".into(), 1),
                ("320102".into(), "satisfaction_points".into(), 84)
            ]
        );
    }

    #[test]
    fn shares() {
        assert_eq!(share_pct(9, 10), Some(90.0));
        assert_eq!(share_pct(2, 3), Some(66.7));
        assert_eq!(share_pct(1, 0), None);
    }

    mod sums {
        use proptest::prelude::*;

        use super::*;

        fn facts() -> impl Strategy<Value = Option<EnterpriseFacts>> {
            proptest::option::of(
                (
                    0usize..3,
                    proptest::option::of(1u8..=4),
                    any::<bool>(),
                    any::<bool>(),
                    proptest::option::of(0usize..2),
                    proptest::collection::vec(0usize..3, 0..3),
                )
                    .prop_map(|(r, level, above_scale, cloud, sub, gaps)| EnterpriseFacts {
                        // 专精特新 follows the region index so both values occur.
                        srdi: r == 1,
                        region_code: ["320102", "320104", "320205"][r].into(),
                        registered_month: "2026-11".into(),
                        sub_industry: sub.map(|s| ["智能装备", "电子信息"][s].into()),
                        above_scale,
                        level,
                        cloud,
                        division: ["C34", "C39"][r % 2].into(),
                        gaps: {
                            let mut g: Vec<String> =
                                gaps.iter().map(|i| ["energy", "safety", "quality"][*i].into()).collect();
                            g.sort();
                            g.dedup();
                            g
                        },
                    }),
            )
        }

        proptest! {
            /// Applying the deltas of any sequence of changes gives the same counters as summing
            /// the contributions of the final facts: incremental and recomputed roll-ups agree.
            #[test]
            fn incremental_equals_recomputed(history in proptest::collection::vec(facts(), 1..20)) {
                let mut counters: BTreeMap<(String, String), i64> = BTreeMap::new();
                let mut cur: Option<EnterpriseFacts> = None;
                for next in history {
                    for (r, m, v) in enterprise_deltas(cur.as_ref(), next.as_ref()) {
                        *counters.entry((r, m)).or_insert(0) += v;
                    }
                    cur = next;
                }
                counters.retain(|_, v| *v != 0);
                let mut expected = BTreeMap::new();
                if let Some(f) = &cur {
                    for (m, v) in enterprise_contributions(f) {
                        expected.insert((f.region_code.clone(), m), v);
                    }
                }
                prop_assert_eq!(counters, expected);
            }
        }
    }
}
