//! Accounts: passwords (argon2id), login with lockout, rate limits and a second factor
//! (TOTP), sessions, API tokens, and the administration of users.
//!
//! A login that fails answers the same whatever the reason (unknown name, wrong password,
//! locked, disabled); the audit record keeps the real one.

use dengta_domain::audit::sm3_hex;
use dengta_domain::duties::AccountAction;
use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};

use super::audit::{Outcome, record, record_alone};
use super::{Actor, App, AppError, AppResult, check, random_hex, totp};
use crate::db::{self, now_ms, users::UserRow};

/// Hashes a password outside any `App` (tests, tools), through a process-wide hasher that
/// is bounded like the app's. Use cases use `app.hasher`, sized by the configuration.
pub async fn hash_password(password: &str) -> AppResult<String> {
    static SHARED: std::sync::LazyLock<super::hashing::Hasher> =
        std::sync::LazyLock::new(|| super::hashing::Hasher::new(2, std::time::Duration::from_secs(60)));
    SHARED.hash(password).await
}

async fn verify_password(app: &App, password: &str, hash: &str) -> AppResult<bool> {
    app.hasher.verify(password, hash).await
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

/// Where a login stands after the password.
pub enum LoginStep {
    /// Signed in.
    Done(LoggedIn),
    /// The password was right; the TOTP code (or a recovery code) is still to come, with
    /// this short-lived token.
    SecondFactor { challenge: String },
}

/// One login attempt as it reached the server.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client's address (for the per-address limit and the audit record).
    pub client: &'a str,
    pub request_id: &'a str,
}

/// What an account may do with its session before anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// A password someone else set (a reset, a new account): change it first.
    ChangePassword,
    /// A role that needs a second factor has none yet: enrol first.
    EnrolTotp,
    /// A gateway's token: it may send device readings and nothing else.
    Readings,
}

/// The longest name kept in an audit record; longer ones are cut with a marker.
pub const AUDIT_NAME_MAX: usize = 64;

/// A submitted name as the audit trail keeps it: bounded, whatever was sent.
pub fn audit_name(name: &str) -> String {
    if name.chars().count() <= AUDIT_NAME_MAX {
        return name.to_owned();
    }
    let cut: String = name.chars().take(AUDIT_NAME_MAX).collect();
    format!("{cut}…[truncated]")
}

/// How long a pending login (password accepted, code to come) lives.
const CHALLENGE_MS: i64 = 5 * 60_000;

fn login_failed() -> AppError {
    AppError::invalid("error.login_failed", "")
}

/// The rate limits on a login attempt: per client address and per account name.
fn limit_login(app: &App, client: &str, name: &str) -> AppResult<()> {
    app.limits.login_address.check(client).map_err(|retry_after| AppError::TooMany { retry_after })?;
    let key = name.chars().take(AUDIT_NAME_MAX).collect::<String>().to_lowercase();
    app.limits.login_account.check(&key).map_err(|retry_after| AppError::TooMany { retry_after })?;
    Ok(())
}

/// Counts a failed attempt (wrong password or code) against the lockout and audits it with
/// the real reason, in one transaction.
async fn count_failure(app: &App, user: &UserRow, anon: &Actor, object: &str, why: &str) -> AppResult<()> {
    let sec = &app.settings.security;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let counted = db::users::record_failure(
        &mut tx,
        user.id,
        now,
        now - sec.lockout_window_minutes * 60_000,
        now + sec.lockout_minutes * 60_000,
        sec.lockout_threshold,
    )
    .await?;
    let (outcome, detail) = match counted {
        db::users::Failure::Counted => (Outcome::Failed, why.to_owned()),
        db::users::Failure::LockedNow => (Outcome::Failed, format!("{why}; account locked")),
        db::users::Failure::AlreadyLocked => (Outcome::Denied, "locked".to_owned()),
    };
    record(&mut tx, anon, "auth.login", object, outcome, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the user's role needs a second factor (demo accounts are exempt, so the demo
/// and the browser tests sign in with a password alone).
pub fn totp_required(app: &App, u: &UserRow) -> bool {
    !u.is_demo && app.settings.security.totp_roles.iter().any(|r| r == &u.role)
}

fn gate_of(app: &App, u: &UserRow) -> Option<Gate> {
    if u.must_change_password {
        Some(Gate::ChangePassword)
    } else if u.totp_secret.is_none() && totp_required(app, u) {
        Some(Gate::EnrolTotp)
    } else {
        None
    }
}

/// Opens a session inside `tx` and audits the login.
async fn open_session(
    app: &App,
    tx: &mut db::Tx,
    user: &UserRow,
    object: &str,
    request_id: &str,
    detail: &str,
) -> AppResult<LoggedIn> {
    let principal = principal_of(user)?;
    let session_id = random_hex(32)?;
    let now = now_ms();
    let expires = now + app.settings.session.absolute_hours * 3_600_000;
    db::sessions::insert(tx, &sm3_hex(session_id.as_bytes()), user.id, now, expires).await?;
    record(tx, &Actor::user(&principal, request_id), "auth.login", object, Outcome::Ok, detail).await?;
    Ok(LoggedIn { session_id, principal })
}

/// The password step of a login. Every refusal is the same `error.login_failed`.
pub async fn login(app: &App, a: &Attempt<'_>) -> AppResult<LoginStep> {
    let username = a.username.trim();
    limit_login(app, a.client, username)?;
    let shown = audit_name(username);
    let anon = Actor::anonymous(&shown, a.request_id);
    let object = format!("user:{shown}");
    // Names longer than any valid one cannot exist: no query for them.
    let user = if username.len() <= AUDIT_NAME_MAX {
        db::users::by_username(&mut app.db.clone(), username).await?
    } else {
        None
    };
    let Some(user) = user else {
        // Spend the same argon2 work as a real check, so timing does not
        // reveal whether the name exists.
        app.hasher.hash(a.password).await?;
        record_alone(
            &app.db,
            &anon,
            "auth.login",
            &object,
            Outcome::Failed,
            &format!("unknown user from {}", a.client),
        )
        .await?;
        return Err(login_failed());
    };
    // Checked even when the answer is already known, so every refusal costs the same.
    let ok = verify_password(app, a.password, &user.password_hash).await?;
    let now = now_ms();
    if user.disabled {
        record_alone(&app.db, &anon, "auth.login", &object, Outcome::Denied, "disabled").await?;
        return Err(login_failed());
    }
    if user.locked_until.is_some_and(|t| t > now) {
        record_alone(&app.db, &anon, "auth.login", &object, Outcome::Denied, "locked").await?;
        return Err(login_failed());
    }
    if !ok {
        count_failure(app, &user, &anon, &object, "bad password").await?;
        return Err(login_failed());
    }
    let mut tx = app.db.begin().await?;
    if user.totp_secret.is_some() {
        // The failure count stays until the second factor is right: guessing codes counts.
        if db::users::is_locked(&mut tx, user.id, now).await? {
            record(&mut tx, &anon, "auth.login", &object, Outcome::Denied, "locked").await?;
            tx.commit().await?;
            return Err(login_failed());
        }
        let challenge = random_hex(32)?;
        db::totp::insert_challenge(&mut tx, &sm3_hex(challenge.as_bytes()), user.id, now + CHALLENGE_MS).await?;
        record(&mut tx, &anon, "auth.password", &object, Outcome::Ok, "second factor pending").await?;
        tx.commit().await?;
        return Ok(LoginStep::SecondFactor { challenge });
    }
    // The lock is decided again in the same statement that clears the count.
    if !db::users::clear_failures_if_open(&mut tx, user.id, now).await? {
        record(&mut tx, &anon, "auth.login", &object, Outcome::Denied, "locked").await?;
        tx.commit().await?;
        return Err(login_failed());
    }
    let done = open_session(app, &mut tx, &user, &object, a.request_id, "").await?;
    tx.commit().await?;
    Ok(LoginStep::Done(done))
}

/// The second step of a login: a TOTP code, or one of the recovery codes, for a pending
/// login. A wrong code counts toward the lockout like a wrong password.
pub async fn login_second_factor(
    app: &App,
    challenge: &str,
    code: &str,
    client: &str,
    request_id: &str,
) -> AppResult<LoggedIn> {
    app.limits.login_address.check(client).map_err(|retry_after| AppError::TooMany { retry_after })?;
    let hash = sm3_hex(challenge.trim().as_bytes());
    let now = now_ms();
    let mut conn = app.db.clone();
    let Some(user_id) = db::totp::challenge_user(&mut conn, &hash, now).await? else {
        return Err(AppError::invalid("error.login_expired", ""));
    };
    let user = db::users::by_id(&mut conn, user_id).await?.ok_or_else(login_failed)?;
    let anon = Actor::anonymous(&user.username, request_id);
    let object = format!("user:{}", user.username);
    let secret = user.totp_secret.clone().unwrap_or_default();
    let code = code.trim();
    let step = totp::verify(&secret, code, now / 1000);
    let recovery = step.is_none() && code.len() >= 8;
    if user.disabled || (step.is_none() && !recovery) {
        let why = if user.disabled { "disabled" } else { "bad second factor" };
        if user.disabled {
            record_alone(&app.db, &anon, "auth.login", &object, Outcome::Denied, why).await?;
        } else {
            count_failure(app, &user, &anon, &object, why).await?;
        }
        return Err(login_failed());
    }
    let mut tx = app.db.begin().await?;
    let accepted = match step {
        Some(s) => db::users::use_totp_step(&mut tx, user.id, s).await?,
        None => db::totp::use_recovery_code(&mut tx, user.id, &sm3_hex(normal_code(code).as_bytes()), now).await?,
    };
    if !accepted {
        drop(tx);
        let why = if recovery { "bad second factor" } else { "code used already" };
        count_failure(app, &user, &anon, &object, why).await?;
        return Err(login_failed());
    }
    if !db::users::clear_failures_if_open(&mut tx, user.id, now).await? {
        drop(tx);
        record_alone(&app.db, &anon, "auth.login", &object, Outcome::Denied, "locked").await?;
        return Err(login_failed());
    }
    // A pending login is good once.
    if !db::totp::delete_challenge(&mut tx, &hash).await? {
        return Err(AppError::invalid("error.login_expired", ""));
    }
    let detail = if recovery { "second factor: recovery code" } else { "second factor: totp" };
    let done = open_session(app, &mut tx, &user, &object, request_id, detail).await?;
    tx.commit().await?;
    Ok(done)
}

/// Recovery codes compare without spaces and dashes, in lower case.
fn normal_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// The principal behind a session cookie, if the session is alive, and what it must do
/// first (if anything). Touches the session at most once a minute so reads stay reads.
pub async fn session_principal(app: &App, session_id: &str) -> AppResult<Option<(Principal, Option<Gate>)>> {
    let hash = sm3_hex(session_id.as_bytes());
    let now = now_ms();
    if let Some(known) = app.callers.get(&hash, now) {
        return Ok(Some(known));
    }
    let epoch = db::access::epoch();
    let mut conn = app.db.clone();
    let Some(s) = db::sessions::get(&mut conn, &hash).await? else {
        return Ok(None);
    };
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
    let mut last_seen = s.last_seen_at;
    if now - s.last_seen_at > 60_000 {
        db::sessions::touch(&mut conn, &hash, now).await?;
        last_seen = now;
    }
    let caller = (principal_of(&user)?, gate_of(app, &user));
    // Remembered until the session would expire, or must be read again to be kept alive.
    let until = s.expires_at.min(last_seen + 60_000).min(last_seen + idle_limit);
    app.callers.put(&hash, caller.clone(), epoch, now, until);
    Ok(Some(caller))
}

/// The caller behind an API token, and what its scope limits it to (a gateway's token).
pub async fn token_principal(app: &App, token: &str) -> AppResult<Option<(Principal, Option<Gate>)>> {
    let hash = sm3_hex(token.as_bytes());
    let now = now_ms();
    if let Some(caller) = app.callers.get(&hash, now) {
        return Ok(Some(caller));
    }
    let epoch = db::access::epoch();
    let mut conn = app.db.clone();
    let Some((user, expires_at, scope)) = db::users::by_token_hash(&mut conn, &hash).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    let gate = match scope.as_deref() {
        None => None,
        Some(db::tokens::SCOPE_READINGS) => Some(Gate::Readings),
        // A scope this binary does not know grants nothing.
        Some(_) => return Ok(None),
    };
    let caller = (principal_of(&user)?, gate);
    app.callers.put(&hash, caller.clone(), epoch, now, expires_at);
    Ok(Some(caller))
}

pub async fn logout(app: &App, session_id: &str, actor: &Actor) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    db::sessions::delete(&mut tx, &sm3_hex(session_id.as_bytes())).await?;
    record(&mut tx, actor, "auth.logout", &format!("user:{}", actor.name), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the caller's own password and ends all of its sessions and API tokens (whoever
/// knew the old password may have made them).
pub async fn change_password(app: &App, actor: &Actor, old: &str, new: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, p.user_id).await?.ok_or(AppError::NotFound)?;
    if !verify_password(app, old, &user.password_hash).await? {
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
    let hash = app.hasher.hash(new).await?;
    let mut tx = app.db.begin().await?;
    db::users::set_password(&mut tx, user.id, &hash, false).await?;
    let ended = end_access(&mut tx, user.id).await?;
    record(&mut tx, actor, "account.password_change", &format!("user:{}", user.id), Outcome::Ok, &ended).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session, pending login and API token of a user (inside the caller's
/// transaction); returns what was ended, for the audit record.
pub(crate) async fn end_access(tx: &mut db::Tx, user_id: i64) -> AppResult<String> {
    let sessions = db::sessions::delete_for_user(tx, user_id).await?;
    let tokens = db::tokens::revoke_for_user(tx, user_id).await?;
    db::totp::delete_challenges_for_user(tx, user_id).await?;
    Ok(format!("sessions ended={sessions} tokens revoked={tokens}"))
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
    let hash = app.hasher.hash(&n.password).await?;
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
    // A password someone else chose (an administrator, the CLI) is good for one login.
    let one_time = !n.is_demo && (actor.principal.is_some() || actor.is_cli());
    db::users::set_must_change(&mut tx, id, one_time).await?;
    let detail = format!("role={} region={} one_time_password={one_time}", n.role.code(), n.region);
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

/// Disables or re-enables an account (system administrator); disabling ends its sessions
/// and revokes its API tokens.
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
    let ended = if disabled { end_access(&mut tx, id).await? } else { String::new() };
    let action = if disabled { "user.disable" } else { "user.enable" };
    record(&mut tx, actor, action, &format!("user:{id}"), Outcome::Ok, &ended).await?;
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
/// sessions and tokens, and returns the password to hand over. It is good for one login:
/// the user must then choose a new one.
pub async fn reset_password(app: &App, actor: &Actor, id: i64) -> AppResult<String> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = target_user(app, p, id, true).await?;
    account_duty(p.role, AccountAction::ResetPassword, role_of(&user)?)?;
    let pw = generate_password()?;
    let hash = app.hasher.hash(&pw).await?;
    let mut tx = app.db.begin().await?;
    db::users::set_password(&mut tx, id, &hash, true).await?;
    db::users::clear_failures(&mut tx, id).await?;
    let ended = end_access(&mut tx, id).await?;
    record(&mut tx, actor, "user.password_reset", &format!("user:{id}"), Outcome::Ok, &ended).await?;
    tx.commit().await?;
    Ok(pw)
}

/// Issues an API token for a user (CLI) with the default lifetime (`security.token_days`).
/// The token is returned once; only its hash is stored.
pub async fn create_token(app: &App, actor: &Actor, username: &str, name: &str) -> AppResult<String> {
    create_token_for_days(app, actor, username, name, app.settings.security.token_days).await
}

/// Issues an API token that expires after `days`.
pub async fn create_token_for_days(
    app: &App,
    actor: &Actor,
    username: &str,
    name: &str,
    days: i64,
) -> AppResult<String> {
    if !(1..=3650).contains(&days) {
        return Err(AppError::invalid("error.token_days", days.to_string()));
    }
    let mut conn = app.db.clone();
    let user = db::users::by_username(&mut conn, username).await?.ok_or(AppError::NotFound)?;
    if user.disabled {
        return Err(AppError::invalid("error.user_disabled", username));
    }
    let token = format!("dt_{}", random_hex(32)?);
    let mut tx = app.db.begin().await?;
    let id = db::tokens::insert(&mut tx, user.id, &sm3_hex(token.as_bytes()), name, days * 86_400_000, None).await?;
    let detail = format!("user={username} days={days}");
    record(&mut tx, actor, "token.create", &format!("token:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(token)
}

/// A gateway's token, issued once to the enterprise or provider user asking.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct GatewayToken {
    pub id: i64,
    /// The token itself: shown this once, only its hash is kept.
    pub token: String,
    pub name: String,
    pub expires_at: i64,
    /// Always `readings`: the token may send device readings and nothing else.
    pub scope: String,
}

/// The longest a gateway token's name may be.
const TOKEN_NAME_MAX: usize = 64;

/// Issues the caller (an enterprise or a provider) a token for a gateway: it sends the caller's
/// device readings (`POST /api/v1/devices/readings`) and can do nothing else, so a gateway in a
/// workshop never holds the account's full rights. Listed and revoked with the caller's tokens.
pub async fn create_gateway_token(app: &App, actor: &Actor, name: &str, days: i64) -> AppResult<GatewayToken> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    check(policy::gateway_token(p))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > TOKEN_NAME_MAX || name.chars().any(char::is_control) {
        return Err(AppError::invalid("error.token_name", ""));
    }
    if !(1..=3650).contains(&days) {
        return Err(AppError::invalid("error.token_days", days.to_string()));
    }
    let token = format!("dt_{}", random_hex(32)?);
    let lifetime = days * 86_400_000;
    let scope = db::tokens::SCOPE_READINGS;
    let mut tx = app.db.begin().await?;
    let id = db::tokens::insert(&mut tx, p.user_id, &sm3_hex(token.as_bytes()), name, lifetime, Some(scope)).await?;
    let detail = format!("user={} days={days} scope={scope}", p.username);
    record(&mut tx, actor, "token.create", &format!("token:{id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(GatewayToken { id, token, name: name.to_owned(), expires_at: now_ms() + lifetime, scope: scope.to_owned() })
}

/// May `p` see and revoke the tokens of `user`? Its own, or as the security administrator
/// over the user's region.
fn token_policy(p: &Principal, user: &UserRow) -> AppResult<()> {
    if p.user_id == user.id {
        return Ok(());
    }
    let region = RegionCode::parse(&user.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    check(policy::account_security(p, &region))
}

/// A user's API tokens (never the tokens themselves: those were shown once).
pub async fn list_tokens(app: &App, p: &Principal, user_id: i64) -> AppResult<Vec<db::tokens::TokenRow>> {
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, user_id).await?.ok_or(AppError::NotFound)?;
    token_policy(p, &user)?;
    Ok(db::tokens::for_user(&mut conn, user_id).await?)
}

/// Every token (the CLI), newest first, or a user's.
pub async fn list_tokens_cli(app: &App, username: Option<&str>) -> AppResult<Vec<db::tokens::TokenRow>> {
    let mut conn = app.db.clone();
    match username {
        Some(name) => {
            let user = db::users::by_username(&mut conn, name).await?.ok_or(AppError::NotFound)?;
            Ok(db::tokens::for_user(&mut conn, user.id).await?)
        }
        None => Ok(db::tokens::all(&mut conn, 1000).await?),
    }
}

/// Revokes a token: its owner, the security administrator over the owner, or the CLI.
pub async fn revoke_token(app: &App, actor: &Actor, token_id: i64) -> AppResult<()> {
    let mut conn = app.db.clone();
    let t = db::tokens::get(&mut conn, token_id).await?.ok_or(AppError::NotFound)?;
    if let Some(p) = &actor.principal {
        let user = db::users::by_id(&mut conn, t.user_id).await?.ok_or(AppError::NotFound)?;
        // Someone else's token out of scope: as if it did not exist.
        token_policy(p, &user).map_err(|_| AppError::NotFound)?;
    }
    let mut tx = app.db.begin().await?;
    if !db::tokens::revoke(&mut tx, token_id).await? {
        return Err(AppError::Conflict("error.token_revoked"));
    }
    let detail = format!("user={}", t.username);
    record(&mut tx, actor, "token.revoke", &format!("token:{token_id}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// A secret offered at enrolment: the base32 text and the `otpauth://` URI.
pub struct TotpOffer {
    pub secret: String,
    pub uri: String,
}

/// Starts (or restarts) TOTP enrolment for the caller: a new secret, not in force until a
/// code from it is confirmed.
pub async fn totp_begin(app: &App, actor: &Actor) -> AppResult<TotpOffer> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, p.user_id).await?.ok_or(AppError::NotFound)?;
    if user.totp_secret.is_some() {
        return Err(AppError::Conflict("error.totp_enrolled"));
    }
    let mut key = [0u8; 20];
    getrandom::fill(&mut key).map_err(|e| AppError::Internal(e.to_string()))?;
    let secret = totp::base32_encode(&key);
    let mut tx = app.db.begin().await?;
    db::users::set_totp_pending(&mut tx, user.id, &secret).await?;
    record(&mut tx, actor, "account.totp_begin", &format!("user:{}", user.id), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(TotpOffer { uri: totp::otpauth_uri("灯塔 Dengta", &user.username, &secret), secret })
}

/// The secret on offer, if enrolment has begun and is not confirmed.
pub async fn totp_offer(app: &App, p: &Principal) -> AppResult<Option<TotpOffer>> {
    let user = db::users::by_id(&mut app.db.clone(), p.user_id).await?.ok_or(AppError::NotFound)?;
    Ok(user
        .totp_pending
        .filter(|_| user.totp_secret.is_none())
        .map(|secret| TotpOffer { uri: totp::otpauth_uri("灯塔 Dengta", &user.username, &secret), secret }))
}

/// Whether the caller has a second factor, and how many recovery codes are left.
pub async fn totp_status(app: &App, p: &Principal) -> AppResult<(bool, i64)> {
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, p.user_id).await?.ok_or(AppError::NotFound)?;
    Ok((user.totp_secret.is_some(), db::totp::unused_recovery_codes(&mut conn, user.id).await?))
}

/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;

/// Confirms enrolment with a code from the offered secret: the second factor is in force
/// and ten one-time recovery codes are returned (shown once, stored hashed).
pub async fn totp_confirm(app: &App, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut conn = app.db.clone();
    let user = db::users::by_id(&mut conn, p.user_id).await?.ok_or(AppError::NotFound)?;
    let object = format!("user:{}", user.id);
    let Some(secret) = user.totp_pending.filter(|_| user.totp_secret.is_none()) else {
        return Err(AppError::invalid("error.totp_not_begun", ""));
    };
    let Some(step) = totp::verify(&secret, code, now_ms() / 1000) else {
        record_alone(&app.db, actor, "account.totp_enrol", &object, Outcome::Failed, "wrong code").await?;
        return Err(AppError::invalid("error.totp_wrong", ""));
    };
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let raw = random_hex(5)?;
        codes.push(format!("{}-{}", &raw[..5], &raw[5..]));
    }
    let hashes: Vec<String> = codes.iter().map(|c| sm3_hex(normal_code(c).as_bytes())).collect();
    let mut tx = app.db.begin().await?;
    if !db::users::confirm_totp(&mut tx, user.id, &secret, step).await? {
        return Err(AppError::Conflict("error.conflict"));
    }
    db::totp::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    record(&mut tx, actor, "account.totp_enrol", &object, Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(codes)
}

/// Removes a user's second factor (security administrator, e.g. a lost phone): its
/// recovery codes go, its sessions end, and it enrols again at its next login.
pub async fn totp_reset(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    target_user(app, p, id, true).await?;
    let mut tx = app.db.begin().await?;
    db::users::clear_totp(&mut tx, id).await?;
    db::totp::delete_recovery_codes(&mut tx, id).await?;
    let sessions = db::sessions::delete_for_user(&mut tx, id).await?;
    db::totp::delete_challenges_for_user(&mut tx, id).await?;
    record(
        &mut tx,
        actor,
        "user.totp_reset",
        &format!("user:{id}"),
        Outcome::Ok,
        &format!("sessions ended={sessions}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audited_names_are_bounded_with_a_marker() {
        assert_eq!(audit_name("demo-officer"), "demo-officer");
        let long = "名".repeat(10_000);
        let kept = audit_name(&long);
        assert!(kept.ends_with("…[truncated]"));
        assert_eq!(kept.chars().count(), AUDIT_NAME_MAX + "…[truncated]".chars().count());
    }

    #[test]
    fn recovery_codes_compare_loosely() {
        assert_eq!(normal_code(" AB12c-3de45 "), "ab12c3de45");
    }
}
