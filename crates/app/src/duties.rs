//! Separation of duties at the use-case boundary: a duty-bearing step reads, in its own
//! transaction, who took the earlier steps on the same object, asks `domain::duties`, and on
//! success remembers its own taker in that transaction. Refusals name the rule in zh-CN and English.

use std::sync::LazyLock;

use dengta_domain::duties::{Duties, Step, Violation};

use super::{Actor, App, AppError, AppResult};
use crate::db::{self, Conn};

static RULES: LazyLock<Result<Duties, String>> = LazyLock::new(|| Duties::builtin().map_err(|e| e.to_string()));

/// The shipped rules (validated once; a broken file is an internal error on first use).
pub fn rules() -> AppResult<&'static Duties> {
    RULES.as_ref().map_err(|e| AppError::Internal(format!("duty rules: {e}")))
}

pub fn refusal(v: Violation) -> AppError {
    AppError::invalid("error.duty", v.to_string())
}

/// The objects a step touches, by kind: `("subsidy", id)`, `("project", id)`, … Each rule naming
/// the step is counted on the object of its own kind (`on` in the rules file).
pub type Object<'a> = (&'a str, i64);

fn object_for<'a>(objects: &[Object<'a>], kind: &str, rule: &str) -> AppResult<Object<'a>> {
    objects
        .iter()
        .find(|(k, _)| *k == kind)
        .copied()
        .ok_or_else(|| AppError::Internal(format!("duty rule {rule}: no {kind} given")))
}

/// The rule that would refuse `user_id` taking `step` now, for pages that explain a missing button.
pub async fn blocked(
    c: &mut impl Conn,
    objects: &[Object<'_>],
    step: Step,
    user_id: i64,
) -> AppResult<Option<Violation>> {
    let rules = rules()?;
    let mut prior = Vec::new();
    for (r, _) in rules.rules_of(step) {
        let obj = object_for(objects, &r.on, &r.id)?;
        if let Some(s) = db::duties::held(c, obj, &r.id, user_id).await?.and_then(|s| Step::parse(&s)) {
            prior.push((s, user_id));
        }
    }
    Ok(rules.check(step, user_id, &prior).err())
}

/// Takes `step` for the actor on these objects, inside the step's transaction (after its state
/// guards): claims the step's side of every rule naming it, then refuses, naming the rule, if the
/// actor already holds the other side of one. The claim and the check are one statement pair on a
/// unique key, so they hold under concurrent attempts.
pub async fn take(c: &mut impl Conn, actor: &Actor, step: Step, objects: &[Object<'_>]) -> AppResult<()> {
    let Some(p) = actor.principal.as_ref() else {
        return Err(AppError::Unauthenticated);
    };
    let rules = rules()?;
    let mut prior = Vec::new();
    for (r, _) in rules.rules_of(step) {
        let obj = object_for(objects, &r.on, &r.id)?;
        let held = db::duties::hold(c, obj, &r.id, p.user_id, step.code()).await?;
        if let Some(s) = Step::parse(&held).filter(|s| *s != step) {
            prior.push((s, p.user_id));
        }
    }
    rules.check(step, p.user_id, &prior).map_err(refusal)
}

/// [`blocked`] outside a transaction: which step the person may not take now (to hide its button).
pub async fn blocked_now(app: &App, objects: &[Object<'_>], step: Step, user_id: i64) -> AppResult<Option<Violation>> {
    blocked(&mut app.db.clone(), objects, step, user_id).await
}
