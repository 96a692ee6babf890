//! Test helpers shared by the programme's state machines (`workflow` and `acceptance`): the
//! exhaustive table check, the reason check and the random walk.

use proptest::prelude::*;

use super::{TransitionError, Workflow, available, is_final, transition};

/// Every state × action against a table written out independently of `target`: allowed pairs
/// reach their target with a permissive guard and are offered; every other pair is refused by
/// name and not offered. Also checks which states are final.
pub(crate) fn exhaustive<S: Workflow>(expected: &[(S, S::Action, S)], g: &S::Guard, finals: &[S]) {
    let mut allowed = 0;
    for &from in S::STATES {
        for &action in S::ACTIONS {
            let want = expected.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, t)| *t);
            let got = transition(from, action, g);
            match want {
                Some(to) => {
                    allowed += 1;
                    assert_eq!(got, Ok(to), "{from:?} --{action:?}");
                    assert!(available(from).contains(&action), "{from:?} offers {action:?}");
                }
                None => {
                    assert_eq!(
                        got,
                        Err(TransitionError::NotAllowed {
                            from: from.state_label_zh(),
                            action: S::action_label_zh(action)
                        }),
                        "{from:?} --{action:?}"
                    );
                    assert!(!available(from).contains(&action), "{from:?} must not offer {action:?}");
                }
            }
        }
    }
    assert_eq!(allowed, expected.len(), "the expected table has no duplicates");
    let got: Vec<S> = S::STATES.iter().copied().filter(|&s| is_final(s)).collect();
    assert_eq!(got, finals);
}

/// Without a reason, exactly the actions that need one are refused (with a permissive guard
/// otherwise).
pub(crate) fn reasons<S: Workflow>(expected: &[(S, S::Action, S)], no_reason: &S::Guard, needs: fn(S::Action) -> bool) {
    for &(from, action, to) in expected {
        let got = transition(from, action, no_reason);
        if needs(action) {
            assert_eq!(got, Err(TransitionError::ReasonRequired), "{from:?} --{action:?}");
        } else {
            assert_eq!(got, Ok(to), "{from:?} --{action:?} needs no reason");
        }
    }
}

/// Applies random actions under random guards: the state never leaves the machine, a
/// final state is never left, a refused action changes nothing, and every success is a
/// row of the expected table.
pub(crate) fn walk<S: Workflow>(
    start: S,
    steps: &[(usize, S::Guard)],
    expected: &[(S, S::Action, S)],
) -> Result<Vec<(S, S::Action, S)>, TestCaseError> {
    let mut s = start;
    let mut taken = Vec::new();
    for (i, g) in steps {
        let action = S::ACTIONS[i % S::ACTIONS.len()];
        let final_before = is_final(s);
        match transition(s, action, g) {
            Ok(to) => {
                prop_assert!(!final_before, "{:?} is final but --{:?} left it", s, action);
                prop_assert!(S::STATES.contains(&to));
                prop_assert!(expected.contains(&(s, action, to)), "{:?} --{:?}→ {:?}", s, action, to);
                taken.push((s, action, to));
                s = to;
            }
            Err(TransitionError::NotAllowed { .. }) => prop_assert!(!available(s).contains(&action)),
            Err(_) => prop_assert!(available(s).contains(&action), "guards refuse only offered actions"),
        }
    }
    Ok(taken)
}
