//! The two-person procedure for administrator-class accounts (三员分立): an administrator whose
//! duty rule says `two_person` files a request; a different administrator of a role the rule
//! names as approver approves or rejects it. On approval the change is made in the approval's
//! transaction, and a new or reset password is returned once, to the approver only. The request,
//! the decision and the change are each audited in the transaction that makes them.

use dengta_domain::duties::{AccountAction, Procedure};
use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Deserialize;

use super::accounts::{generate_password, hash_password};
use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::duties::{self as store, RequestRow};
use crate::db::{self, DbError};

/// What an administrator asks for.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct RequestForm {
    #[schemars(schema_with = "dengta_domain::schema::account_action")]
    pub action: String,
    /// The account acted on (every action but `create`).
    #[serde(default)]
    pub target_user_id: Option<i64>,
    /// For `create`: the new account.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub reason: String,
}

fn principal(actor: &Actor) -> AppResult<&Principal> {
    actor.principal.as_ref().ok_or(AppError::Unauthenticated)
}

fn duty_error(e: impl ToString) -> AppError {
    AppError::invalid("error.duty", e.to_string())
}

fn parse_region(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code.trim()).map_err(|e| AppError::invalid("error.region_code", e.to_string()))
}

/// Files a request; refused unless the rules make this a two-person action for the caller's role.
pub async fn request(app: &App, actor: &Actor, f: &RequestForm) -> AppResult<i64> {
    let p = principal(actor)?;
    let action = AccountAction::parse(&f.action).ok_or_else(|| AppError::invalid("error.bad_request", &f.action))?;
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid("error.reason_required", ""));
    }
    let mut c = app.db.clone();
    let (target_id, target_role, region, username, display) = match action {
        AccountAction::Create => {
            let role: Role = f.role.parse().map_err(|_| AppError::invalid("error.role", &f.role))?;
            let region = parse_region(&f.region)?;
            check(policy::user_account(p, Action::Create, &region))?;
            if !super::accounts::valid_username(f.username.trim()) {
                return Err(AppError::invalid("error.username_invalid", f.username.trim()));
            }
            if db::users::by_username(&mut c, f.username.trim()).await?.is_some() {
                return Err(AppError::Conflict("error.username_taken"));
            }
            if db::regions::get(&mut c, region.as_str()).await?.is_none() {
                return Err(AppError::invalid("error.region_unknown", region.as_str()));
            }
            (None, role, region, f.username.trim().to_owned(), f.display_name.trim().to_owned())
        }
        _ => {
            let id = f.target_user_id.ok_or_else(|| AppError::invalid("error.field_required", "target_user_id"))?;
            let u = db::users::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
            let region = parse_region(&u.region_code)?;
            check(policy::user_account(p, Action::Read, &region))?;
            if u.id == p.user_id {
                return Err(duty_error("不能为自己的账号提出申请"));
            }
            let role: Role = u.role.parse().map_err(|_| AppError::Internal(u.role.clone()))?;
            (Some(u.id), role, region, String::new(), String::new())
        }
    };
    let rules = super::duties::rules()?;
    if rules.account_procedure(p.role, action, target_role).map_err(duty_error)? != Procedure::TwoPerson {
        // A direct action needs no request: the caller does it on the user's page.
        return Err(AppError::invalid("error.duty_direct", action.label_zh()));
    }
    let mut tx = app.db.begin().await?;
    let id = store::insert_request(
        &mut tx,
        &store::NewRequest {
            action: action.code(),
            target_user_id: target_id,
            target_role: target_role.code(),
            region_code: region.as_str(),
            username: &username,
            display_name: &display,
            reason,
            requested_by: p.user_id,
            requested_role: p.role.code(),
        },
    )
    .await?;
    let target = target_id.map_or_else(|| format!("new:{username}"), |t| format!("user:{t}"));
    let detail = format!("{} {target} role={} {reason}", action.code(), target_role.code());
    record(&mut tx, actor, "account_request.create", &format!("account_request:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// Requests over the caller's region, newest first (account administrators only).
pub async fn list(app: &App, p: &Principal, limit: i64) -> AppResult<Vec<RequestRow>> {
    check(policy::user_account(p, Action::List, &p.region))?;
    let mut c = app.db.clone();
    Ok(store::requests_in(&mut c, &p.region.subtree_bounds(), limit).await?)
}

/// Whether the caller may approve this request now, or the reason it may not (for the page).
pub fn may_decide(p: &Principal, r: &RequestRow) -> AppResult<Result<(), String>> {
    let (Some(action), Ok(target_role), Ok(requested_role)) =
        (AccountAction::parse(&r.action), r.target_role.parse::<Role>(), r.requested_role.parse::<Role>())
    else {
        return Err(AppError::Internal(format!("account request {}", r.id)));
    };
    Ok(super::duties::rules()?
        .may_approve((r.requested_by, requested_role), action, target_role, r.target_user_id, (p.user_id, p.role))
        .map_err(|e| e.to_string()))
}

/// Approves (and carries out) or rejects a pending request. Returns the one-time password of a
/// created or reset account.
pub async fn decide(app: &App, actor: &Actor, id: i64, approve: bool) -> AppResult<Option<String>> {
    let p = principal(actor)?;
    let mut c = app.db.clone();
    let r = store::request(&mut c, id).await?.ok_or(AppError::NotFound)?;
    check(policy::user_account(p, Action::Update, &parse_region(&r.region_code)?))?;
    may_decide(p, &r)?.map_err(duty_error)?;
    let action = AccountAction::parse(&r.action).ok_or_else(|| AppError::Internal(r.action.clone()))?;
    let password = match (approve, action) {
        (true, AccountAction::Create | AccountAction::ResetPassword) => Some(generate_password()?),
        _ => None,
    };
    let hash = match &password {
        Some(pw) => Some(hash_password(pw).await?),
        None => None,
    };
    let mut tx = app.db.begin().await?;
    let status = if approve { "approved" } else { "rejected" };
    if !store::decide(&mut tx, r.id, r.version, status, p.user_id).await? {
        return Err(AppError::Conflict("error.request_decided"));
    }
    let object = format!("account_request:{}", r.id);
    record(
        &mut tx,
        actor,
        &format!("account_request.{}", if approve { "approve" } else { "reject" }),
        &object,
        Outcome::Ok,
        &r.requester,
    )
    .await?;
    if approve {
        let target = carry_out(&mut tx, &r, action, hash.as_deref()).await?;
        let detail = format!("{} by request {} of {}, approved by {}", action.code(), r.id, r.requester, p.username);
        record(&mut tx, actor, audit_action(action), &format!("user:{target}"), Outcome::Ok, &detail).await?;
    }
    tx.commit().await?;
    Ok(password)
}

fn audit_action(a: AccountAction) -> &'static str {
    match a {
        AccountAction::Create => "user.create",
        AccountAction::Disable => "user.disable",
        AccountAction::Enable => "user.enable",
        AccountAction::Unlock => "user.unlock",
        AccountAction::ResetPassword => "user.password_reset",
    }
}

/// Makes the approved change; returns the account's id.
async fn carry_out(tx: &mut db::Tx, r: &RequestRow, action: AccountAction, hash: Option<&str>) -> AppResult<i64> {
    if action == AccountAction::Create {
        let hash = hash.ok_or_else(|| AppError::Internal("no password".into()))?;
        let display = if r.display_name.is_empty() { &r.username } else { &r.display_name };
        let id = db::users::insert(
            tx,
            &db::users::NewUser {
                username: &r.username,
                display_name: display,
                password_hash: hash,
                role: &r.target_role,
                region_code: &r.region_code,
                enterprise_id: None,
                provider_id: None,
                is_demo: false,
            },
        )
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => AppError::Conflict("error.username_taken"),
            e => e.into(),
        })?;
        // The approver hands the password over: the new holder must replace it at first login.
        db::users::set_must_change(tx, id, true).await?;
        return Ok(id);
    }
    let id = r.target_user_id.ok_or_else(|| AppError::Internal(format!("account request {}", r.id)))?;
    match action {
        AccountAction::Disable | AccountAction::Enable => {
            db::users::set_disabled(tx, id, action == AccountAction::Disable).await?;
            super::accounts::end_access(tx, id).await?;
        }
        AccountAction::Unlock => db::users::clear_failures(tx, id).await?,
        AccountAction::ResetPassword => {
            let hash = hash.ok_or_else(|| AppError::Internal("no password".into()))?;
            // One-time: the holder must replace it at the next login.
            db::users::set_password(tx, id, hash, true).await?;
            db::users::clear_failures(tx, id).await?;
            super::accounts::end_access(tx, id).await?;
        }
        AccountAction::Create => {}
    }
    Ok(id)
}
