//! Accounts: passwords (argon2id), login with lockout, sessions, API tokens,
//! and the administration of users.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use dengta_domain::audit::sm3_hex;
use dengta_domain::duties::AccountAction;
use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};

use super::audit::{Outcome, record, record_alone};
use super::{Actor, App, AppError, AppResult, check, random_hex};
use crate::db::{self, now_ms, users::UserRow};

pub async fn hash_password(password: &str) -> AppResult<String> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hash: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, h) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(pw.as_bytes(), h.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// Password rule: a minimum length and at least three of lower case, upper
/// case, digits and symbols (等保 level 3 asks for complexity).
pub fn validate_password(min_len: usize, pw: &str) -> AppResult<()> {
    if pw.chars().count() < min_len {
        return Err(AppError::invalid("error.password_short", min_len.to_string()));
    }
    let classes = [
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(AppError::invalid("error.password_weak", ""));
    }
    Ok(())
}

/// A password that satisfies [`validate_password`], for new and reset accounts.
pub fn generate_password() -> AppResult<String> {
    let raw = random_hex(8)?;
    Ok(format!("Dt-{}-{}", &raw[..8], raw[8..].to_uppercase()))
}

pub fn principal_of(u: &UserRow) -> AppResult<Principal> {
    let role: Role = u.role.parse().map_err(|e: dengta_domain::role::UnknownRole| AppError::Internal(e.to_string()))?;
    let region = RegionCode::parse(&u.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Principal {
        user_id: u.id,
        username: u.username.clone(),
        role,
        region,
        enterprise_id: u.enterprise_id,
        provider_id: u.provider_id,
    })
}

/// A new session: the id for the cookie, and the principal it belongs to.
pub struct LoggedIn {
    pub session_id: String,
    pub principal: Principal,
}

pub async fn login(app: &App, username: &str, password: &str, request_id: &str) -> AppResult<LoggedIn> {
    let sec = &app.settings.security;
    let mut conn = app.db.clone();
    let username = username.trim();
    let user = db::users::by_username(&mut conn, username).await?;
    let anon = Actor::anonymous(username, request_id);
    let object = format!("user:{username}");
    let Some(user) = user else {
        // Spend the same argon2 work as a real check, so timing does not
        // reveal whether the name exists.
        hash_password(password).await?;
        record_alone(&app.db, &anon, "auth.login", &object, Outcome::Failed, "unknown user").await?;
        return Err(AppError::invalid("error.login_failed", ""));
    };
    let now = now_ms();
    if user.locked_until.is_some_and(|t| t > now) {
        record_alone(&app.db, &anon, "auth.login", &object, Outcome::Denied, "locked").await?;
        return Err(AppError::Locked);
    }
    let ok = verify_password(password, &user.password_hash).await;
    if !ok || user.disabled {
        let window_start = now - sec.lockout_window_minutes * 60_000;
        let lock_until = now + sec.lockout_minutes * 60_000;
        let mut tx = app.db.begin().await?;
        db::users::record_failure(&mut tx, user.id, window_start, Some(lock_until), sec.lockout_threshold).await?;
        let why = if user.disabled { "disabled" } else { "bad password" };
        record(&mut tx, &anon, "auth.login", &object, Outcome::Failed, why).await?;
        tx.commit().await?;
        return Err(AppError::invalid("error.login_failed", ""));
    }
    let principal = principal_of(&user)?;
    let session_id = random_hex(32)?;
    let mut tx = app.db.begin().await?;
    db::users::clear_failures(&mut tx, user.id).await?;
    let expires = now + app.settings.session.absolute_hours * 3_600_000;
    db::sessions::insert(&mut tx, &sm3_hex(session_id.as_bytes()), user.id, now, expires).await?;
    record(&mut tx, &Actor::user(&principal, request_id), "auth.login", &object, Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(LoggedIn { session_id, principal })
}

/// The principal behind a session cookie, if the session is alive. Touches
/// the session at most once a minute so reads stay reads.
pub async fn session_principal(app: &App, session_id: &str) -> AppResult<Option<Principal>> {
    let mut conn = app.db.clone();
    let hash = sm3_hex(session_id.as_bytes());
    let Some(s) = db::sessions::get(&mut conn, &hash).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let idle_limit = app.settings.session.idle_minutes * 60_000;
    if s.expires_at <= now || s.last_seen_at + idle_limit <= now {
        db::sessions::delete(&mut conn, &hash).await?;
        return Ok(None);
    }
    let Some(user) = db::users::by_id(&mut conn, s.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if now - s.last_seen_at > 60_000 {
        db::sessions::touch(&mut conn, &hash, now).await?;
    }
    Ok(Some(principal_of(&user)?))
}

pub async fn token_principal(app: &App, token: &str) -> AppResult<Option<Principal>> {
    let mut conn = app.db.clone();
    let Some(user) = db::users::by_token_hash(&mut conn, &sm3_hex(token.as_bytes())).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    Ok(Some(principal_of(&user)?))
}

pub async fn logout(app: &App, session_id: &str, actor: &Actor) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    db::sessions::delete(&mut tx, &sm3_hex(session_id.as_bytes())).await?;
    record(&mut tx, actor, "auth.logout", &format!("user:{}", actor.name), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the caller's own password and ends all of its sessions.
pub async fn change_password(app: &App, actor: &Actor, old: &str, new: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, p.user_id).await?.ok_or(AppError::NotFound)?;
    if !verify_password(old, &user.password_hash).await {
        record_alone(
            &app.db,
            actor,
            "account.password_change",
            &format!("user:{}", user.id),
            Outcome::Failed,
            "wrong current password",
        )
        .await?;
        return Err(AppError::invalid("error.password_current", ""));
    }
    validate_password(app.settings.security.min_password_length, new)?;
    if old == new {
        return Err(AppError::invalid("error.password_same", ""));
    }
    let hash = hash_password(new).await?;
    let mut tx = app.db.begin().await?;
    db::users::set_password(&mut tx, user.id, &hash).await?;
    db::sessions::delete_for_user(&mut tx, user.id).await?;
    record(&mut tx, actor, "account.password_change", &format!("user:{}", user.id), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub enterprise_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub password: String,
    pub is_demo: bool,
}

pub(crate) fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
}

/// Creates an account. `actor.principal == None` means the CLI or first-run
/// setup, which the machine's operator is trusted to run.
pub async fn create_user(app: &App, actor: &Actor, n: &NewAccount) -> AppResult<i64> {
    if let Some(p) = &actor.principal {
        check(policy::user_account(p, Action::Create, &n.region))?;
        account_duty(p.role, AccountAction::Create, n.role)?;
    }
    if !valid_username(&n.username) {
        return Err(AppError::invalid("error.username_invalid", &n.username));
    }
    validate_password(app.settings.security.min_password_length, &n.password)?;
    let mut conn = app.db.clone();
    if db::regions::get(&mut conn, n.region.as_str()).await?.is_none() {
        return Err(AppError::invalid("error.region_unknown", n.region.as_str()));
    }
    // The binding a role needs, and nothing else.
    match n.role {
        Role::Enterprise => {
            let id = n.enterprise_id.ok_or(AppError::invalid("error.enterprise_required", ""))?;
            let e = db::enterprises::get(&mut conn, id)
                .await?
                .ok_or(AppError::invalid("error.enterprise_unknown", id.to_string()))?;
            if e.region_code != n.region.as_str() {
                return Err(AppError::invalid("error.binding_region", &e.region_code));
            }
        }
        Role::Provider => {
            let id = n.provider_id.ok_or(AppError::invalid("error.provider_required", ""))?;
            let pr = db::providers::get(&mut conn, id)
                .await?
                .ok_or(AppError::invalid("error.provider_unknown", id.to_string()))?;
            if pr.region_code != n.region.as_str() {
                return Err(AppError::invalid("error.binding_region", &pr.region_code));
            }
        }
        _ => {}
    }
    let (eid, pid) = match n.role {
        Role::Enterprise => (n.enterprise_id, None),
        Role::Provider => (None, n.provider_id),
        _ => (None, None),
    };
    let hash = hash_password(&n.password).await?;
    let mut tx = app.db.begin().await?;
    let id = db::users::insert(
        &mut tx,
        &db::users::NewUser {
            username: &n.username,
            display_name: if n.display_name.trim().is_empty() { &n.username } else { n.display_name.trim() },
            password_hash: &hash,
            role: n.role.code(),
            region_code: n.region.as_str(),
            enterprise_id: eid,
            provider_id: pid,
            is_demo: n.is_demo,
        },
    )
    .await
    .map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.username_taken"),
        e => e.into(),
    })?;
    let detail = format!("role={} region={}", n.role.code(), n.region);
    record(&mut tx, actor, "user.create", &format!("user:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// Refuses an account action the duty rules (三员分立) do not let this role take alone.
fn account_duty(actor: Role, action: AccountAction, target: Role) -> AppResult<()> {
    super::duties::rules()?
        .account_direct(actor, action, target)
        .map_err(|e| AppError::invalid("error.duty", e.to_string()))
}

fn role_of(u: &UserRow) -> AppResult<Role> {
    u.role.parse().map_err(|e: dengta_domain::role::UnknownRole| AppError::Internal(e.to_string()))
}

/// Loads a user the actor may act on, or answers as if it did not exist.
async fn target_user(app: &App, p: &Principal, id: i64, security: bool) -> AppResult<UserRow> {
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&user.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    if security {
        check(policy::account_security(p, &region))?;
    } else {
        check(policy::user_account(p, Action::Update, &region))?;
    }
    Ok(user)
}

pub async fn get_user(app: &App, p: &Principal, id: i64) -> AppResult<UserRow> {
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&user.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    check(policy::user_account(p, Action::Read, &region))?;
    Ok(user)
}

pub async fn list_users(app: &App, p: &Principal, after_id: i64, limit: i64) -> AppResult<Vec<UserRow>> {
    check(policy::user_account(p, Action::List, &p.region))?;
    let mut conn = app.db.clone();
    Ok(db::users::list(&mut conn, &p.region.subtree_bounds(), after_id, limit).await?)
}

/// Disables or re-enables an account (system administrator); ends its sessions.
pub async fn set_disabled(app: &App, actor: &Actor, id: i64, disabled: bool) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::SysAdmin {
        return Err(AppError::Forbidden);
    }
    let user = target_user(app, p, id, false).await?;
    if user.id == p.user_id {
        return Err(AppError::invalid("error.self_disable", ""));
    }
    account_duty(p.role, if disabled { AccountAction::Disable } else { AccountAction::Enable }, role_of(&user)?)?;
    let mut tx = app.db.begin().await?;
    db::users::set_disabled(&mut tx, id, disabled).await?;
    db::sessions::delete_for_user(&mut tx, id).await?;
    let action = if disabled { "user.disable" } else { "user.enable" };
    record(&mut tx, actor, action, &format!("user:{id}"), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Clears a lockout (security administrator).
pub async fn unlock(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = target_user(app, p, id, true).await?;
    account_duty(p.role, AccountAction::Unlock, role_of(&user)?)?;
    let mut tx = app.db.begin().await?;
    db::users::clear_failures(&mut tx, id).await?;
    record(&mut tx, actor, "user.unlock", &format!("user:{id}"), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new random password (security administrator), ends the user's
/// sessions and tokens, and returns the password to hand over.
pub async fn reset_password(app: &App, actor: &Actor, id: i64) -> AppResult<String> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = target_user(app, p, id, true).await?;
    account_duty(p.role, AccountAction::ResetPassword, role_of(&user)?)?;
    let pw = generate_password()?;
    let hash = hash_password(&pw).await?;
    let mut tx = app.db.begin().await?;
    db::users::set_password(&mut tx, id, &hash).await?;
    db::users::clear_failures(&mut tx, id).await?;
    db::sessions::delete_for_user(&mut tx, id).await?;
    db::tokens::revoke_for_user(&mut tx, id).await?;
    record(&mut tx, actor, "user.password_reset", &format!("user:{id}"), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(pw)
}

/// Issues an API token for a user (CLI). The token is returned once; only its
/// hash is stored.
pub async fn create_token(app: &App, actor: &Actor, username: &str, name: &str) -> AppResult<String> {
    let mut conn = app.db.clone();
    let user = db::users::by_username(&mut conn, username).await?.ok_or(AppError::NotFound)?;
    if user.disabled {
        return Err(AppError::invalid("error.user_disabled", username));
    }
    let token = format!("dt_{}", random_hex(32)?);
    let mut tx = app.db.begin().await?;
    let id = db::tokens::insert(&mut tx, user.id, &sm3_hex(token.as_bytes()), name).await?;
    record(&mut tx, actor, "token.create", &format!("token:{id}"), Outcome::Ok, &format!("user={username}")).await?;
    tx.commit().await?;
    Ok(token)
}
