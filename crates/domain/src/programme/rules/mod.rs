//! A pilot programme's rules as versioned data (`data/programmes/*.toml`).
//!
//! City rules differ and change every batch (programme.md §5.8, §10.3, §10.4), so everything a
//! computation needs — window, sub-industries, entry criteria, excluded spend, subsidy rate, caps,
//! level bonus, tapering, instalments, budget pools — is read from a file, validated once by
//! [`Programme::from_toml`], and every result records the programme's id and version (and can
//! record its [`Programme::fingerprint`]). A correction ships as a new version, never as an edit.
//!
//! `kinds` holds the coded enums, `parts` the rule parts, `model` the validated [`Programme`] and
//! its accessors, `load` the file format and its validation.

mod batches;
mod kinds;
mod load;
mod model;
mod parts;

pub use batches::{BUILTIN_BATCHES, Batch, Batches};
pub use kinds::*;
pub use load::RulesError;
pub use model::*;
pub use parts::*;

pub use super::criteria::Criterion;
pub use super::date::Date;
/// The programme files shipped with Dengta, as (file name, text). Paths are relative to this file.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("nanjing-2024.toml", include_str!("../../../../../data/programmes/nanjing-2024.toml")),
    ("zhongshan-2024.toml", include_str!("../../../../../data/programmes/zhongshan-2024.toml")),
    ("longyan-2024.toml", include_str!("../../../../../data/programmes/longyan-2024.toml")),
];

/// Highest digital level of the assessment (四级).
pub const MAX_LEVEL: u8 = 4;
/// 100% in basis points.
pub const FULL_BP: u32 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Fen;
    pub(super) fn builtin(id: &str) -> Programme {
        Programme::builtin().unwrap().into_iter().find(|p| p.id() == id).unwrap()
    }

    pub(super) fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn builtin_programmes_load() {
        let all = Programme::builtin().unwrap();
        let ids: Vec<&str> = all.iter().map(Programme::id).collect();
        assert_eq!(ids, ["nanjing-2024", "zhongshan-2024", "longyan-2024"]);
        for p in &all {
            assert!(!p.eligible_categories().is_empty(), "{}: eligible spend listed exactly", p.id());
            assert_eq!(p.onsite().edition.as_deref(), Some("2024"), "{}", p.id());
        }
        for p in &all {
            assert_eq!(p.fingerprint().len(), 64, "{}", p.id());
            assert!(p.fingerprint().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert_eq!(p.min_enterprise_share_pct(), 80);
            assert_eq!(p.subsidy().min_level, 2);
            assert!(!p.default_criteria().is_empty());
            assert_eq!(p.subsidy().instalments.last().map(|i| i.stage), Some(InstalmentStage::AfterAcceptance));
        }
    }

    #[test]
    fn nanjing_as_data() {
        let p = builtin("nanjing-2024");
        assert_eq!(p.version(), 2);
        assert_eq!(p.rule_ref(), "nanjing-2024 v2");
        assert_eq!(p.level(), ProgrammeLevel::City);
        assert_eq!(p.region(), "320100");
        assert_eq!(p.batch(), "2024");
        assert_eq!(p.window(), (d("2024-10-18"), d("2026-10-31")));
        assert!(p.in_window(d("2024-10-18")) && p.in_window(d("2026-10-31")));
        assert!(!p.in_window(d("2024-10-17")) && !p.in_window(d("2026-11-01")));
        let s = p.subsidy();
        // Base = the later terms; the taper step holds batch 1's terms and the dated steps earning them.
        assert_eq!((s.rate_bp, &s.cap), (4000, &Cap::Flat(Fen(40_000_000))));
        assert_eq!(
            s.taper,
            vec![TaperStep {
                name: "第一批".into(),
                until: None,
                deadlines: vec![
                    (DatedStep::DistrictCheck, d("2026-01-20")),
                    (DatedStep::OnsiteAssessment, d("2026-01-27")),
                    (DatedStep::FinanceAudit, d("2026-01-27")),
                    (DatedStep::Filing, d("2026-01-27")),
                ],
                rate_bp: 5000,
                cap: Cap::Flat(Fen(50_000_000))
            }]
        );
        let on_time = StepDates {
            district_check: Some(d("2026-01-20")),
            onsite_assessment: Some(d("2026-01-27")),
            finance_audit: Some(d("2026-01-27")),
            filing: Some(d("2026-01-27")),
        };
        // The completion date does not decide; the deadline days themselves still count.
        assert_eq!(s.terms(d("2026-01-05"), &on_time).0, 5000);
        assert_eq!(
            s.terms(d("2025-12-20"), &StepDates { onsite_assessment: Some(d("2026-02-03")), ..on_time }).0,
            4000
        );
        assert_eq!(s.terms(d("2025-12-20"), &StepDates { district_check: Some(d("2026-01-21")), ..on_time }).0, 4000);
        assert_eq!(s.terms(d("2025-12-20"), &StepDates { filing: None, ..on_time }).0, 4000);
        assert_eq!(p.eligible_categories().len(), 5);
        assert!(p.is_excluded(SpendCategory::Hardware) && !p.is_excluded(SpendCategory::Service));
        assert_eq!(p.onsite(), &OnsiteRule { edition: Some("2024".into()), after_completion: true });
        assert!(s.rate_verified && s.cap_shared_with.is_empty());
        assert_eq!(s.level_bonus, vec![(4, Fen(20_000_000))]);
        assert_eq!(s.bonus_for(3), Fen::ZERO);
        assert_eq!(s.bonus_for(4), Fen(20_000_000));
        assert_eq!(
            s.instalments,
            vec![Instalment {
                stage: InstalmentStage::AfterAcceptance,
                share_bp: 10_000,
                cap: None,
                base: InstalmentBase::Award
            }]
        );
        assert_eq!(s.pool_order, PoolOrder::FirstComeFirstServed);
        let e = p.eligibility();
        assert!(e.sme_required && e.local_required && e.sub_industry_required);
        assert!(e.no_serious_dishonesty && e.not_double_funded && e.baseline_assessment_required);
        assert!(!e.above_scale_required);
        let pools: Vec<(&str, i64, PoolPurpose)> =
            p.pools().iter().map(|x| (x.id.as_str(), x.amount.0, x.purpose)).collect();
        assert_eq!(
            pools,
            [
                ("enterprise", 8_000_000_000, PoolPurpose::Enterprise),
                ("services", 2_000_000_000, PoolPurpose::Services)
            ]
        );
        assert_eq!(p.pool("services").map(|x| x.name.as_str()), Some("公共服务"));
        assert_eq!(p.targets().share_l2_above_scale_pct, Some(90));
        assert!(p.is_excluded(SpendCategory::OfficePc) && !p.is_excluded(SpendCategory::Software));
        assert_eq!(p.completion_months(), Some(12));
        assert_eq!(p.completion_deadline(d("2025-01-01")), Some(d("2026-01-01")));
    }

    #[test]
    fn zhongshan_and_longyan_as_data() {
        let z = builtin("zhongshan-2024");
        assert_eq!((z.level(), z.region()), (ProgrammeLevel::Province, "442000"));
        assert_eq!(z.window(), (d("2023-10-11"), d("2026-12-31")));
        assert_eq!(
            z.subsidy().cap,
            Cap::ByLevel(vec![(2, Fen(30_000_000)), (3, Fen(60_000_000)), (4, Fen(100_000_000))])
        );
        assert_eq!(z.subsidy().rate_bp, 3000);
        assert!(!z.subsidy().rate_verified, "only Zhongshan's caps are verified");
        assert!(z.eligibility().above_scale_required);
        assert_eq!(z.sub_industry_of("C3851").map(|s| s.name.as_str()), Some("智能家居"));
        assert_eq!(z.sub_industry_of("2110").map(|s| s.name.as_str()), Some("智能家居"));
        assert_eq!(z.targets().enterprises, Some(350));

        let l = builtin("longyan-2024");
        assert_eq!((l.level(), l.region()), (ProgrammeLevel::City, "350800"));
        assert_eq!(l.window(), (d("2024-10-18"), d("2026-12-31")));
        let s = l.subsidy();
        assert_eq!(s.rate_bp, 5000);
        assert_eq!(s.cap.for_level(2), Some(Fen(25_000_000)));
        assert_eq!(s.cap.for_level(3), Some(Fen(35_000_000)));
        assert_eq!(s.cap.for_level(4), Some(Fen(45_000_000)));
        assert_eq!(s.cap.for_level(1), None);
        assert_eq!(
            s.instalments,
            vec![
                Instalment {
                    stage: InstalmentStage::AfterContract,
                    share_bp: 4000,
                    cap: Some(Fen(15_000_000)),
                    base: InstalmentBase::DownPayment
                },
                Instalment {
                    stage: InstalmentStage::AfterAcceptance,
                    share_bp: 6000,
                    cap: None,
                    base: InstalmentBase::Award
                },
            ]
        );
        // Longyan's scope: software, cloud, data acquisition and transmission equipment — no services.
        for c in SpendCategory::ALL {
            let counted = matches!(
                c,
                SpendCategory::Software
                    | SpendCategory::Cloud
                    | SpendCategory::Gateway
                    | SpendCategory::DataAcquisition
            );
            assert_eq!(l.is_excluded(c), !counted, "{c:?}");
        }
        assert_eq!(s.cap.describe_zh(), "二级 250,000.00 元、三级 350,000.00 元、四级 450,000.00 元");
    }

    #[test]
    fn sub_industry_longest_prefix_wins() {
        let p = builtin("nanjing-2024");
        let of = |c: &str| p.sub_industry_of(c).map(|s| s.name.as_str());
        assert_eq!(of("C3484"), Some("智能制造装备"));
        assert_eq!(of("3562"), Some("智能制造装备"));
        // Only the three published sub-industries, industrial classes only.
        assert_eq!(of("C3670"), None);
        assert_eq!(of("C3981"), None);
        assert_eq!(of("C3973"), Some("集成电路"));
        assert_eq!(p.sub_industry_match("C3973").map(|(_, c)| c), Some("C3973"));
        assert_eq!(of("I6520"), None, "IC design is a service class");
        assert_eq!(of("C3821"), Some("智能电网"));
        assert_eq!(of("C2927"), None);
        assert_eq!(of("C"), None, "a section is coarser than every listed code");
        assert_eq!(of("not a code"), None);
        assert_eq!(of(""), None);
    }
}
