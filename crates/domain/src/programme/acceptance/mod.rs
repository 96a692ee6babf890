//! The state machines after a project is completed (programme.md §5.7, §10.2):
//!
//! 1. Acceptance (验收): 已申请验收 → 区县已核查 (the district's truthfulness check) → 已评测核查
//!    (on-site assessment and financial check recorded, criteria evaluated) → 验收通过 | 验收未通过;
//!    from any open state the project can be returned for rectification (退回整改) and re-applied.
//!    This follows Nanjing's sequence (district check, then third-party on-site assessment and a
//!    special financial audit) and Liuzhou's review chain (county review, then the city).
//! 2. Subsidy (奖补): 已核算 → 公示中 → 已批准 → 已拨付; cancelled (已撤销) before payment; a
//!    reversed payment brings it back to 已批准 so it can be paid again correctly.
//! 3. Payment (付款): 已入账 → 已冲正 (by a compensating transfer, with a reason; never deleted).
//!
//! Same shape as [`super::workflow`]: the table in `target`, guards in `guard`, who acts apart
//! ([`AcceptanceActor::allowed`]). The server gathers the guard's facts in the same transaction,
//! calls [`super::workflow::transition`] and writes the new state only if the stored one is still
//! `from` (compare-and-set).
//!
//! One file per machine: `review` (acceptance), `subsidy`, `payment`.

mod conflict;
mod payment;
mod review;
mod round;
mod subsidy;

pub use conflict::*;
pub use payment::*;
pub use review::*;
pub use round::*;
pub use subsidy::*;

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use serde::Serialize;

    use super::*;

    use AcceptanceAction as AA;
    use AcceptanceState as AS;
    use SubsidyAction as SA;
    use SubsidyState as SS;
    #[test]
    fn codes_labels_and_serde_agree() {
        fn check<T: Copy + PartialEq + Debug + Serialize>(
            all: &[T],
            code: fn(T) -> &'static str,
            zh: fn(T) -> &'static str,
            en: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            let mut codes: Vec<&str> = all.iter().map(|&x| code(x)).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), all.len(), "codes are unique");
            let mut labels: Vec<&str> = all.iter().map(|&x| zh(x)).collect();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(labels.len(), all.len(), "Chinese labels are unique");
            for &x in all {
                assert_eq!(parse(code(x)), Some(x));
                assert_eq!(parse(zh(x)), Some(x));
                assert_eq!(parse(&format!(" {} ", code(x))), Some(x), "trimmed");
                assert!(!en(x).is_empty());
                assert_eq!(serde_json::to_string(&x).unwrap(), format!("\"{}\"", code(x)));
            }
            assert_eq!(parse("nonsense"), None);
        }
        check(&AS::ALL, AS::code, AS::label_zh, AS::label_en, AS::parse);
        check(&AA::ALL, AA::code, AA::label_zh, AA::label_en, AA::parse);
        check(
            &AcceptanceActor::ALL,
            AcceptanceActor::code,
            AcceptanceActor::label_zh,
            AcceptanceActor::label_en,
            AcceptanceActor::parse,
        );
        check(&SS::ALL, SS::code, SS::label_zh, SS::label_en, SS::parse);
        check(&SA::ALL, SA::code, SA::label_zh, SA::label_en, SA::parse);
        check(
            &PaymentState::ALL,
            PaymentState::code,
            PaymentState::label_zh,
            PaymentState::label_en,
            PaymentState::parse,
        );
        check(
            &PaymentAction::ALL,
            PaymentAction::code,
            PaymentAction::label_zh,
            PaymentAction::label_en,
            PaymentAction::parse,
        );
        assert_eq!(AS::DistrictVerified.code(), "district_verified");
        assert_eq!(AS::parse("退回整改"), Some(AS::Returned));
        assert_eq!(AA::parse("退回整改"), Some(AA::Return));
        assert_eq!(SS::parse("公示中"), Some(SS::Publicised));
    }
}
