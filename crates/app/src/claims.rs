//! Self-registration of enterprise users and their claims: a person registers
//! with the enterprise's 统一社会信用代码; an authority over the code's region
//! confirms (binding the account to the enterprise file) or rejects with a reason.

use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Deserialize;

use super::accounts::validate_password;
use super::audit::{Outcome, record};
use super::identifiers::parse_uscc;
use super::{Actor, App, AppError, AppResult};
use crate::db::enterprise_file::{self as file, ClaimRow};
use crate::db::{self};

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// The nearest region in the table for the code's positions 3–8 (a county
/// missing from the table falls back to its city, then its province).
pub(crate) async fn claim_region(c: &mut impl db::Conn, code: &str) -> AppResult<String> {
    let mut cur = RegionCode::parse(code).ok();
    while let Some(r) = cur {
        if r.level() != dengta_domain::region::RegionLevel::National && db::regions::get(c, r.as_str()).await?.is_some()
        {
            return Ok(r.to_string());
        }
        cur = r.parent();
    }
    Err(AppError::invalid("error.region_unknown", code))
}

/// Creates an enterprise account (unbound) and its pending claim.
pub async fn register(app: &App, f: &RegisterForm, request_id: &str) -> AppResult<i64> {
    let username = f.username.trim();
    if !(3..=64).contains(&username.len()) || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(AppError::invalid("error.username_invalid", username));
    }
    validate_password(app.settings.security.min_password_length, &f.password)?;
    let (uscc, _) = parse_uscc(&f.uscc, "")?;
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("error.enterprise_name", name));
    }
    let phone = f.contact_phone.trim();
    if !phone.is_empty() && !dengta_domain::enterprise::profile::valid_phone(phone) {
        return Err(AppError::invalid("error.phone", phone));
    }
    let hash = app.hasher.hash(&f.password).await?;
    let mut tx = app.db.begin().await?;
    let region = claim_region(&mut tx, uscc.region_code()).await?;
    let user_id = db::users::insert(
        &mut tx,
        &db::users::NewUser {
            username,
            display_name: name,
            password_hash: &hash,
            role: Role::Enterprise.code(),
            region_code: &region,
            enterprise_id: None,
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.username_taken"),
        e => e.into(),
    })?;
    let contact = f.contact_name.trim();
    let claim_id = file::add_claim(
        &mut tx,
        &file::NewClaim {
            user_id,
            uscc: uscc.as_str(),
            name,
            region_code: &region,
            contact_name: (!contact.is_empty()).then_some(contact),
            contact_phone: (!phone.is_empty()).then_some(phone),
        },
    )
    .await?;
    let actor = Actor::anonymous(username, request_id);
    record(
        &mut tx,
        &actor,
        "user.register",
        &format!("user:{user_id}"),
        Outcome::Ok,
        &format!("claim:{claim_id} {}", uscc.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(claim_id)
}

pub async fn my_claims(app: &App, p: &Principal) -> AppResult<Vec<ClaimRow>> {
    let mut conn = app.db.clone();
    Ok(file::claims_of_user(&mut conn, p.user_id).await?)
}

/// Pending claims in the officer's subtree.
pub async fn pending(app: &App, p: &Principal, after_id: i64, limit: i64) -> AppResult<Vec<ClaimRow>> {
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut conn = app.db.clone();
    Ok(file::pending_claims(&mut conn, &p.region.subtree_bounds(), after_id, limit).await?)
}

/// Confirms (binding the account to the registered enterprise with that code)
/// or rejects a claim with a reason.
pub async fn decide(app: &App, actor: &Actor, claim_id: i64, approve: Option<bool>, reason: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let claim = file::claim(&mut tx, claim_id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&claim.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    if !p.region.contains(&region) {
        return Err(AppError::NotFound);
    }
    if claim.status != "pending" {
        return Err(AppError::Conflict("error.claim_decided"));
    }
    let approve = approve.ok_or(AppError::invalid("error.bad_request", "decision"))?;
    let reason = reason.trim();
    if approve {
        let e = db::enterprises::by_uscc(&mut tx, &claim.uscc)
            .await?
            .ok_or(AppError::invalid("error.claim_unregistered", &claim.uscc))?;
        let er = RegionCode::parse(&e.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
        if !p.region.contains(&er) {
            return Err(AppError::invalid("error.claim_unregistered", &claim.uscc));
        }
        tx.execute(
            "UPDATE users SET enterprise_id = $2, region_code = $3, version = version + 1 WHERE id = $1 AND role = 'enterprise'",
            dengta_db::args![claim.user_id, e.id, &e.region_code],
        )
        .await?;
        if !file::decide_claim(&mut tx, claim_id, "confirmed", Some(e.id), &actor.name, None).await? {
            return Err(AppError::Conflict("error.claim_decided"));
        }
        let change = serde_json::json!({ "claim": claim_id, "user": claim.user_id, "confirmed": true });
        file::add_history(&mut tx, e.id, &actor.name, "claim.confirm", "{}", &change.to_string()).await?;
        record(
            &mut tx,
            actor,
            "claim.confirm",
            &format!("claim:{claim_id}"),
            Outcome::Ok,
            &format!("enterprise:{}", e.id),
        )
        .await?;
    } else {
        if reason.is_empty() {
            return Err(AppError::invalid("error.reason_required", ""));
        }
        if !file::decide_claim(&mut tx, claim_id, "rejected", None, &actor.name, Some(reason)).await? {
            return Err(AppError::Conflict("error.claim_decided"));
        }
        record(&mut tx, actor, "claim.reject", &format!("claim:{claim_id}"), Outcome::Ok, reason).await?;
    }
    tx.commit().await?;
    Ok(())
}
