//! Provider admission and lifecycle (入库与动态管理) as a state machine.
//!
//! The server enforces it with compare-and-set: it reads the state and the facts in a [`Guard`],
//! calls [`transition`], and writes the new state only if the stored one is still `from`. So the
//! table here is the single place that says what may happen; buttons come from [`available`].
//!
//! Admission: 已申请 → 专家评审中 → 公示中 → 在库, or 未入库 on a failed review or an upheld
//! objection. In the pool: 警告 → 限期整改 → back to 在库 or 已取消资格. A provider may appeal a
//! warning, a rectification order or its removal; a dismissed appeal returns to where it came from.

use serde::{Deserialize, Serialize};

/// Where a provider stands in admission and in the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderState {
    Applied,
    Reviewing,
    Publicised,
    Active,
    Rejected,
    Warned,
    Rectifying,
    Removed,
    Appealing,
}

coded!(ProviderState [
    /// The stable snake_case code stored in the database (same as the serde form).
    code, label_zh, label_en
], pub fn parse(code | label_zh) {
    Applied => "applied", "已申请", "Applied";
    Reviewing => "reviewing", "专家评审中", "Under expert review";
    Publicised => "publicised", "公示中", "In publicity period";
    Active => "active", "在库", "In the pool";
    Rejected => "rejected", "未入库", "Not admitted";
    Warned => "warned", "警告", "Warned";
    Rectifying => "rectifying", "限期整改", "Rectifying";
    Removed => "removed", "已取消资格", "Removed";
    Appealing => "appealing", "申诉中", "Appealing";
});

impl ProviderState {
    /// Whether the provider is in the pool (its solutions can be found and matched): Active,
    /// Warned, Rectifying. A warning or a rectification order does not take a provider out;
    /// removal does, and a provider under appeal stays out until the appeal is decided.
    pub fn in_pool(self) -> bool {
        matches!(self, ProviderState::Active | ProviderState::Warned | ProviderState::Rectifying)
    }

    /// Whether the provider was ever admitted. Until then its account may only follow its own
    /// application: no cloud records, solutions, contacts or projects. A removed provider (or one
    /// appealing) was admitted and still finishes what it had started.
    pub fn admitted(self) -> bool {
        !matches!(
            self,
            ProviderState::Applied | ProviderState::Reviewing | ProviderState::Publicised | ProviderState::Rejected
        )
    }
}

/// What an officer (or, for [`ProviderAction::Appeal`], the provider) does to a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderAction {
    /// Applied → Reviewing: the authority assigned experts.
    StartReview,
    /// Reviewing → Publicised: the combined expert score passed.
    Publicise,
    /// Applied | Reviewing → Rejected: score failed or the application was refused.
    RejectApplication,
    /// Publicised → Active: the publicity period is over and no objection is open.
    Admit,
    /// Publicised → Rejected: an objection raised during publicity was upheld.
    UpholdObjection,
    /// Active → Warned.
    Warn,
    /// Warned → Rectifying, with a deadline.
    OrderRectification,
    /// Rectifying → Active: the problem was fixed.
    Restore,
    /// Active | Warned | Rectifying → Removed: serious, or not fixed in time.
    Remove,
    /// Warned | Rectifying | Removed → Appealing: the provider's 申诉.
    Appeal,
    /// Appealing → Active.
    GrantAppeal,
    /// Appealing → the state the appeal came from ([`Guard::appeal_from`]).
    DismissAppeal,
    /// Active | Warned | Rectifying → same state: the periodic evaluation sets the stars.
    Evaluate,
}

coded!(ProviderAction [
    /// The stable snake_case code (same as the serde form).
    code, label_zh, label_en
], pub fn parse(code | label_zh) {
    StartReview => "start_review", "启动专家评审", "Start expert review";
    Publicise => "publicise", "公示", "Publicise";
    RejectApplication => "reject_application", "不予入库", "Reject application";
    Admit => "admit", "入库", "Admit to the pool";
    UpholdObjection => "uphold_objection", "异议成立", "Uphold objection";
    Warn => "warn", "警告", "Warn";
    OrderRectification => "order_rectification", "限期整改", "Order rectification";
    Restore => "restore", "整改完成恢复", "Restore after rectification";
    Remove => "remove", "取消资格", "Remove from the pool";
    Appeal => "appeal", "申诉", "Appeal";
    GrantAppeal => "grant_appeal", "申诉成立", "Grant appeal";
    DismissAppeal => "dismiss_appeal", "驳回申诉", "Dismiss appeal";
    Evaluate => "evaluate", "定期评价", "Periodic evaluation";
});

impl ProviderAction {
    /// Who performs it: Appeal is the provider itself; every other action an authority (officer).
    pub fn by_provider(self) -> bool {
        self == ProviderAction::Appeal
    }

    /// Actions that change a provider's standing against it, or decide an appeal, must say why:
    /// the reason is shown to the provider and kept in the audit trail.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            ProviderAction::RejectApplication
                | ProviderAction::UpholdObjection
                | ProviderAction::Warn
                | ProviderAction::OrderRectification
                | ProviderAction::Remove
                | ProviderAction::Appeal
                | ProviderAction::GrantAppeal
                | ProviderAction::DismissAppeal
                | ProviderAction::Restore
        )
    }

    /// A rectification order is only meaningful with a deadline (限期).
    pub fn needs_deadline(self) -> bool {
        self == ProviderAction::OrderRectification
    }
}

/// Facts the guards need, gathered by the server in the same transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    pub now_ms: i64,
    /// When the publicity period ends; `None` when none was recorded (then only objections guard
    /// admission).
    pub publicity_ends_ms: Option<i64>,
    pub open_objections: u32,
    /// The combined expert result: `None` while experts are still scoring.
    pub review_passed: Option<bool>,
    /// The state an appeal was lodged from, to return to when it is dismissed.
    pub appeal_from: Option<ProviderState>,
    pub has_reason: bool,
    pub deadline_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("当前状态“{from}”下不能执行“{action}”")]
    NotAllowed { from: &'static str, action: &'static str },
    #[error("公示期至 {ends} 结束，结束前不能入库")]
    PublicityRunning { ends: String },
    #[error("公示期内有 {0} 件异议尚未处理")]
    OpenObjections(u32),
    #[error("专家评审未通过，不能公示")]
    ReviewFailed,
    #[error("专家评审尚未完成")]
    ReviewIncomplete,
    #[error("请填写理由")]
    ReasonRequired,
    #[error("请填写整改期限（须晚于当前时间）")]
    DeadlineRequired,
    #[error("申诉前的状态未知")]
    UnknownAppealOrigin,
}

/// The target of `action` from `from` by the table alone, before any guard.
fn target(from: ProviderState, action: ProviderAction) -> Option<ProviderState> {
    use ProviderAction as A;
    use ProviderState as S;
    let in_pool = from.in_pool();
    match action {
        A::StartReview if from == S::Applied => Some(S::Reviewing),
        A::Publicise if from == S::Reviewing => Some(S::Publicised),
        A::RejectApplication if matches!(from, S::Applied | S::Reviewing) => Some(S::Rejected),
        A::Admit if from == S::Publicised => Some(S::Active),
        A::UpholdObjection if from == S::Publicised => Some(S::Rejected),
        A::Warn if from == S::Active => Some(S::Warned),
        A::OrderRectification if from == S::Warned => Some(S::Rectifying),
        A::Restore if from == S::Rectifying => Some(S::Active),
        A::Remove if in_pool => Some(S::Removed),
        A::Appeal if appealable(from) => Some(S::Appealing),
        A::GrantAppeal if from == S::Appealing => Some(S::Active),
        // The real target comes from the guard; the table only says the action exists here.
        A::DismissAppeal if from == S::Appealing => Some(S::Appealing),
        A::Evaluate if in_pool => Some(from),
        _ => None,
    }
}

/// States a provider may appeal from: the sanctions.
fn appealable(s: ProviderState) -> bool {
    matches!(s, ProviderState::Warned | ProviderState::Rectifying | ProviderState::Removed)
}

/// The state after `action`, or why it may not happen now. Checks, in order: the table, the
/// reason, the deadline, then the action's own guard (review result, publicity, objections,
/// appeal origin).
pub fn transition(from: ProviderState, action: ProviderAction, g: &Guard) -> Result<ProviderState, TransitionError> {
    let to =
        target(from, action).ok_or(TransitionError::NotAllowed { from: from.label_zh(), action: action.label_zh() })?;
    if action.needs_reason() && !g.has_reason {
        return Err(TransitionError::ReasonRequired);
    }
    if action.needs_deadline() && g.deadline_ms.is_none_or(|d| d <= g.now_ms) {
        return Err(TransitionError::DeadlineRequired);
    }
    match action {
        ProviderAction::Publicise => match g.review_passed {
            None => Err(TransitionError::ReviewIncomplete),
            Some(false) => Err(TransitionError::ReviewFailed),
            Some(true) => Ok(to),
        },
        ProviderAction::Admit => {
            if let Some(ends) = g.publicity_ends_ms.filter(|&e| g.now_ms < e) {
                return Err(TransitionError::PublicityRunning { ends: beijing_minute(ends) });
            }
            if g.open_objections > 0 {
                return Err(TransitionError::OpenObjections(g.open_objections));
            }
            Ok(to)
        }
        ProviderAction::DismissAppeal => {
            g.appeal_from.filter(|&s| appealable(s)).ok_or(TransitionError::UnknownAppealOrigin)
        }
        _ => Ok(to),
    }
}

/// Actions allowed from a state (for buttons), ignoring guards that depend on time/objections.
pub fn available(from: ProviderState) -> Vec<ProviderAction> {
    ProviderAction::ALL.into_iter().filter(|&a| target(from, a).is_some()).collect()
}

/// Milliseconds since the Unix epoch as Beijing time (UTC+8, no daylight saving) "YYYY-MM-DD HH:MM".
/// Written here because the domain crate carries no time library.
pub fn beijing_minute(ms: i64) -> String {
    const MS_PER_MINUTE: i64 = 60_000;
    const MINUTES_PER_DAY: i64 = 24 * 60;
    let minutes = ms.div_euclid(MS_PER_MINUTE).saturating_add(8 * 60);
    let days = minutes.div_euclid(MINUTES_PER_DAY);
    let in_day = minutes.rem_euclid(MINUTES_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", in_day / 60, in_day % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard Hinnant's
/// `civil_from_days`: shift to eras of 400 years starting on 1 March so leap days fall last.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProviderAction as A;
    use ProviderState as S;
    use proptest::prelude::*;

    /// A guard every guarded action passes (publicity over, review passed, reason and deadline given).
    fn permissive() -> Guard {
        Guard {
            now_ms: 1_700_000_000_000,
            publicity_ends_ms: Some(1_600_000_000_000),
            open_objections: 0,
            review_passed: Some(true),
            appeal_from: Some(S::Warned),
            has_reason: true,
            deadline_ms: Some(1_800_000_000_000),
        }
    }

    /// The transition table written out independently of `target`: every allowed pair and its result.
    const EXPECTED: &[(S, A, S)] = &[
        (S::Applied, A::StartReview, S::Reviewing),
        (S::Applied, A::RejectApplication, S::Rejected),
        (S::Reviewing, A::Publicise, S::Publicised),
        (S::Reviewing, A::RejectApplication, S::Rejected),
        (S::Publicised, A::Admit, S::Active),
        (S::Publicised, A::UpholdObjection, S::Rejected),
        (S::Active, A::Warn, S::Warned),
        (S::Active, A::Remove, S::Removed),
        (S::Active, A::Evaluate, S::Active),
        (S::Warned, A::OrderRectification, S::Rectifying),
        (S::Warned, A::Remove, S::Removed),
        (S::Warned, A::Appeal, S::Appealing),
        (S::Warned, A::Evaluate, S::Warned),
        (S::Rectifying, A::Restore, S::Active),
        (S::Rectifying, A::Remove, S::Removed),
        (S::Rectifying, A::Appeal, S::Appealing),
        (S::Rectifying, A::Evaluate, S::Rectifying),
        (S::Removed, A::Appeal, S::Appealing),
        (S::Appealing, A::GrantAppeal, S::Active),
        // With the permissive guard's appeal_from = Warned.
        (S::Appealing, A::DismissAppeal, S::Warned),
    ];

    #[test]
    fn only_admission_makes_a_provider_admitted_and_nothing_undoes_it() {
        assert!(!S::Applied.admitted());
        for (from, action, to) in EXPECTED {
            if !from.admitted() && to.admitted() {
                assert_eq!(*action, A::Admit, "{from:?} → {to:?}");
            }
            assert!(!from.admitted() || to.admitted(), "{from:?} --{action:?}→ {to:?} un-admits");
        }
    }

    #[test]
    fn every_state_action_pair_matches_the_table() {
        let g = permissive();
        let mut allowed = 0;
        for from in S::ALL {
            for action in A::ALL {
                let expected = EXPECTED.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, t)| *t);
                let got = transition(from, action, &g);
                match expected {
                    Some(to) => {
                        allowed += 1;
                        assert_eq!(got, Ok(to), "{from:?} --{action:?}");
                        assert!(available(from).contains(&action), "{from:?} offers {action:?}");
                    }
                    None => {
                        assert_eq!(
                            got,
                            Err(TransitionError::NotAllowed { from: from.label_zh(), action: action.label_zh() }),
                            "{from:?} --{action:?}"
                        );
                        assert!(!available(from).contains(&action), "{from:?} must not offer {action:?}");
                    }
                }
            }
        }
        assert_eq!(allowed, EXPECTED.len());
        assert!(available(S::Rejected).is_empty(), "未入库 is final");
    }

    #[test]
    fn not_allowed_names_state_and_action_in_chinese() {
        let e = transition(S::Rejected, A::Admit, &permissive()).unwrap_err();
        assert_eq!(e.to_string(), "当前状态“未入库”下不能执行“入库”");
    }

    #[test]
    fn codes_labels_and_serde_agree() {
        for s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(s));
            assert_eq!(S::parse(s.label_zh()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.code()));
        }
        for a in A::ALL {
            assert_eq!(A::parse(a.code()), Some(a));
            assert_eq!(A::parse(a.label_zh()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{}\"", a.code()));
        }
        assert_eq!(S::parse("nope"), None);
        assert_eq!(A::parse(""), None);
        let pool: Vec<S> = S::ALL.into_iter().filter(|s| s.in_pool()).collect();
        assert_eq!(pool, vec![S::Active, S::Warned, S::Rectifying]);
        let by_provider: Vec<A> = A::ALL.into_iter().filter(|a| a.by_provider()).collect();
        assert_eq!(by_provider, vec![A::Appeal]);
    }

    #[test]
    fn review_guards_publicity() {
        let mut g = permissive();
        g.review_passed = None;
        assert_eq!(transition(S::Reviewing, A::Publicise, &g), Err(TransitionError::ReviewIncomplete));
        g.review_passed = Some(false);
        assert_eq!(transition(S::Reviewing, A::Publicise, &g), Err(TransitionError::ReviewFailed));
        // A failed review is rejected with a reason instead.
        assert_eq!(transition(S::Reviewing, A::RejectApplication, &g), Ok(S::Rejected));
    }

    #[test]
    fn admission_waits_for_publicity_and_objections() {
        let mut g = permissive();
        // 2024-03-01 00:00 Beijing = 2024-02-29 16:00 UTC.
        let ends = 1_709_222_400_000;
        g.publicity_ends_ms = Some(ends);
        g.now_ms = ends - 1;
        let e = transition(S::Publicised, A::Admit, &g).unwrap_err();
        assert_eq!(e, TransitionError::PublicityRunning { ends: "2024-03-01 00:00".into() });
        assert_eq!(e.to_string(), "公示期至 2024-03-01 00:00 结束，结束前不能入库");
        g.now_ms = ends;
        assert_eq!(transition(S::Publicised, A::Admit, &g), Ok(S::Active));
        g.open_objections = 2;
        assert_eq!(transition(S::Publicised, A::Admit, &g), Err(TransitionError::OpenObjections(2)));
        assert_eq!(transition(S::Publicised, A::Admit, &g).unwrap_err().to_string(), "公示期内有 2 件异议尚未处理");
        // An objection can still be upheld while others are open.
        assert_eq!(transition(S::Publicised, A::UpholdObjection, &g), Ok(S::Rejected));
    }

    #[test]
    fn reasons_are_required_where_declared() {
        let mut g = permissive();
        g.has_reason = false;
        for (from, action, _) in EXPECTED {
            let got = transition(*from, *action, &g);
            if action.needs_reason() {
                assert_eq!(got, Err(TransitionError::ReasonRequired), "{from:?} --{action:?}");
            } else {
                assert!(got.is_ok(), "{from:?} --{action:?} needs no reason");
            }
        }
        let needing: Vec<A> = A::ALL.into_iter().filter(|a| a.needs_reason()).collect();
        assert_eq!(needing.len(), 9);
        assert!(!A::Evaluate.needs_reason() && !A::Admit.needs_reason() && !A::StartReview.needs_reason());
    }

    #[test]
    fn rectification_needs_a_future_deadline() {
        let mut g = permissive();
        g.deadline_ms = None;
        assert_eq!(transition(S::Warned, A::OrderRectification, &g), Err(TransitionError::DeadlineRequired));
        g.deadline_ms = Some(g.now_ms);
        assert_eq!(transition(S::Warned, A::OrderRectification, &g), Err(TransitionError::DeadlineRequired));
        g.deadline_ms = Some(g.now_ms + 1);
        assert_eq!(transition(S::Warned, A::OrderRectification, &g), Ok(S::Rectifying));
        assert_eq!(A::ALL.into_iter().filter(|a| a.needs_deadline()).collect::<Vec<_>>(), vec![A::OrderRectification]);
    }

    #[test]
    fn dismissed_appeal_returns_to_its_origin() {
        let mut g = permissive();
        for origin in [S::Warned, S::Rectifying, S::Removed] {
            g.appeal_from = Some(origin);
            assert_eq!(transition(S::Appealing, A::DismissAppeal, &g), Ok(origin));
        }
        for bad in [None, Some(S::Active), Some(S::Appealing), Some(S::Applied)] {
            g.appeal_from = bad;
            assert_eq!(transition(S::Appealing, A::DismissAppeal, &g), Err(TransitionError::UnknownAppealOrigin));
        }
        g.appeal_from = None;
        assert_eq!(transition(S::Appealing, A::GrantAppeal, &g), Ok(S::Active));
    }

    #[test]
    fn beijing_time_formatting() {
        assert_eq!(beijing_minute(0), "1970-01-01 08:00");
        assert_eq!(beijing_minute(-1), "1970-01-01 07:59");
        assert_eq!(beijing_minute(951_782_400_000), "2000-02-29 08:00");
        // 2023-12-31 16:00 UTC is already New Year in Beijing.
        assert_eq!(beijing_minute(1_704_038_400_000), "2024-01-01 00:00");
        assert_eq!(beijing_minute(-62_135_596_800_000), "0001-01-01 08:00");
        // Extremes do not panic.
        let _ = beijing_minute(i64::MAX);
        let _ = beijing_minute(i64::MIN);
    }

    proptest! {
        /// Walking any sequence of offered actions from 已申请 stays inside the known states, and
        /// 已取消资格 is only ever left by an appeal.
        #[test]
        fn walks_stay_in_the_machine(choices in proptest::collection::vec(any::<proptest::sample::Index>(), 0..60)) {
            let mut state = S::Applied;
            let mut appeal_from = None;
            for pick in choices {
                let offered = available(state);
                if offered.is_empty() {
                    prop_assert_eq!(state, S::Rejected, "only 未入库 is final");
                    break;
                }
                let action = offered[pick.index(offered.len())];
                let g = Guard { appeal_from, ..permissive() };
                let next = transition(state, action, &g);
                prop_assert!(next.is_ok(), "{:?} --{:?}: {:?}", state, action, next);
                let next = next.unwrap();
                prop_assert!(S::ALL.contains(&next));
                if state == S::Removed && next != S::Removed {
                    prop_assert_eq!(action, A::Appeal);
                }
                if action == A::Appeal {
                    appeal_from = Some(state);
                }
                if next == S::Removed {
                    prop_assert!(state.in_pool() || action == A::DismissAppeal);
                }
                state = next;
            }
        }
    }
}
