//! First-run setup: with no account at all, `serve` prints a one-time token;
//! whoever holds it may create the first system administrator at /setup.
//! There are no default credentials.

use dengta_domain::audit::sm3_hex;
use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;

use super::accounts::{NewAccount, create_user};
use super::audit::{Outcome, record_alone};
use super::{Actor, App, AppError, AppResult, random_hex};
use crate::db;

const KEY: &str = "setup_token_sm3";

/// Issues a fresh token if the database has no account; returns it to print.
pub async fn issue_token_if_needed(app: &App) -> AppResult<Option<String>> {
    let mut conn = app.db.clone();
    if db::users::count(&mut conn).await? > 0 {
        db::meta::delete(&mut conn, KEY).await?;
        return Ok(None);
    }
    let token = random_hex(16)?;
    db::meta::set(&mut conn, KEY, &sm3_hex(token.as_bytes())).await?;
    Ok(Some(token))
}

pub async fn is_open(app: &App) -> AppResult<bool> {
    let mut conn = app.db.clone();
    Ok(db::meta::get(&mut conn, KEY).await?.is_some() && db::users::count(&mut conn).await? == 0)
}

/// Creates the first system administrator (national scope) and burns the token.
pub async fn complete(app: &App, token: &str, username: &str, password: &str, request_id: &str) -> AppResult<i64> {
    let mut conn = app.db.clone();
    let stored = db::meta::get(&mut conn, KEY).await?;
    let actor = Actor::anonymous(username, request_id);
    if stored.as_deref() != Some(sm3_hex(token.trim().as_bytes()).as_str()) || db::users::count(&mut conn).await? > 0 {
        record_alone(&app.db, &actor, "setup.complete", "setup", Outcome::Denied, "bad token").await?;
        return Err(AppError::invalid("error.setup_token", ""));
    }
    let account = NewAccount {
        username: username.trim().to_owned(),
        display_name: "系统管理员".into(),
        role: Role::SysAdmin,
        region: RegionCode::national(),
        enterprise_id: None,
        provider_id: None,
        password: password.to_owned(),
        is_demo: false,
    };
    let id = create_user(app, &actor, &account).await?;
    db::meta::delete(&mut conn, KEY).await?;
    Ok(id)
}
