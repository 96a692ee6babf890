//! `/api/v1` for accounts: users (the administrators' side), one's own password, API tokens.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::v1::{ListQuery, paged};
use crate::app::records::UserRow;
use crate::app::{App, AppError, accounts};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{UserForm, account_from};

#[derive(Serialize)]
pub struct UserJson {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    region: String,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
    disabled: bool,
    locked: bool,
    must_change_password: bool,
    totp: bool,
}

impl From<UserRow> for UserJson {
    fn from(u: UserRow) -> Self {
        UserJson {
            locked: u.locked_until.is_some_and(|t| t > crate::app::now_ms()),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            region: u.region_code,
            enterprise_id: u.enterprise_id,
            provider_id: u.provider_id,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            totp: u.totp_secret.is_some(),
        }
    }
}

pub async fn users(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let rows = accounts::list_users(&app, ctx.principal()?, q.after_id()?, q.limit() + 1).await?;
    let items: Vec<UserJson> = rows.into_iter().map(UserJson::from).collect();
    Ok(Json(paged(items, q.limit(), |u| u.id.to_string())).into_response())
}

pub async fn user(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    Ok(Json(UserJson::from(accounts::get_user(&app, ctx.principal()?, id).await?)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct CreateUser {
    username: String,
    #[serde(default)]
    display_name: String,
    role: String,
    region: String,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
    password: String,
}

pub async fn create_user(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<CreateUser>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let form = UserForm {
        username: b.username,
        display_name: b.display_name,
        role: b.role,
        region: b.region,
        enterprise_id: b.enterprise_id.map(|i| i.to_string()).unwrap_or_default(),
        provider_id: b.provider_id.map(|i| i.to_string()).unwrap_or_default(),
        password: b.password,
    };
    let account = account_from(&form)?;
    let id = accounts::create_user(&app, &ctx.actor(), &account).await?;
    let u = accounts::get_user(&app, ctx.principal()?, id).await?;
    Ok((StatusCode::CREATED, Json(UserJson::from(u))).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Changes the caller's password (also how a one-time password is replaced over the API).
pub async fn change_password(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<PasswordChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    accounts::change_password(&app, &ctx.actor(), &b.current, &b.new).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
pub struct TokenJson {
    id: i64,
    user_id: i64,
    username: String,
    name: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    active: bool,
}

impl From<crate::app::records::TokenRow> for TokenJson {
    fn from(t: crate::app::records::TokenRow) -> Self {
        let now = crate::app::now_ms();
        TokenJson {
            active: t.revoked_at.is_none() && t.expires_at.is_some_and(|e| e > now),
            id: t.id,
            user_id: t.user_id,
            username: t.username,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

pub async fn my_tokens(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = accounts::list_tokens(&app, p, p.user_id).await?;
    Ok(Json(json!({ "items": rows.into_iter().map(TokenJson::from).collect::<Vec<_>>() })).into_response())
}

pub async fn user_tokens(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let rows = accounts::list_tokens(&app, ctx.principal()?, id).await?;
    Ok(Json(json!({ "items": rows.into_iter().map(TokenJson::from).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct RevokeToken {
    id: i64,
}

pub async fn revoke_token(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<RevokeToken>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    accounts::revoke_token(&app, &ctx.actor(), b.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
