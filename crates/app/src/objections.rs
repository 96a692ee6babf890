//! Objections (异议) raised by the public during a 公示 period, over one table keyed by subject
//! ("provider", "enrolment", "subsidy"): lodging and deciding, each audited. The caller checks
//! that the subject is under 公示 (lodging) and that the officer may decide (deciding), then
//! applies what an upheld objection means for its subject.

use super::audit::{Outcome, record};
use super::{Actor, AppError, AppResult};
use crate::db::{self, Tx};
use serde::Deserialize;

/// What a member of the public writes in an objection: who, how to reach them, and why.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ObjectionForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub body: String,
}

/// Validates and records an objection to `subject:id`; returns its id.
pub async fn lodge(c: &mut Tx, actor: &Actor, subject: &str, id: i64, f: &ObjectionForm) -> AppResult<i64> {
    let name = f.name.trim();
    let body = f.body.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::invalid("error.objection_name", name));
    }
    if body.is_empty() || body.chars().count() > 2000 {
        return Err(AppError::invalid("error.objection_body", ""));
    }
    let contact: String = f.contact.trim().chars().take(100).collect();
    let oid = db::providers::add_objection(c, subject, id, name, &contact, body).await?;
    // The officers over the subject are told, and the enterprise or provider it concerns; who
    // objected is not in the event.
    db::events::record_step(c, subject, id, ("objection", "", "open"), &actor.name).await?;
    record(c, actor, "objection.lodge", &format!("{subject}:{id}"), Outcome::Ok, &format!("objection:{oid}")).await?;
    Ok(oid)
}

/// Upholds or dismisses an open objection to `subject:id`, with the reason required either way.
pub async fn decide(
    c: &mut Tx,
    actor: &Actor,
    subject: &str,
    id: i64,
    objection_id: i64,
    uphold: bool,
    reason: &str,
) -> AppResult<()> {
    let o = db::providers::objection(c, objection_id).await?.ok_or(AppError::NotFound)?;
    if o.subject != subject || o.subject_id != id {
        return Err(AppError::NotFound);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("error.reason_required", ""));
    }
    let status = if uphold { "upheld" } else { "dismissed" };
    if !db::providers::resolve_objection(c, o.id, o.version, status, reason, &actor.name).await? {
        return Err(AppError::Conflict("error.objection_resolved"));
    }
    record(c, actor, "objection.resolve", &format!("objection:{}", o.id), Outcome::Ok, &format!("{status} {reason}"))
        .await?;
    Ok(())
}
