//! `/api/v1` for accounts: users (the administrators' side), one's own password, API tokens.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::takes::{Created, NoContent};
use super::v1::{ListQuery, Page, paged};
use crate::app::records::UserRow;
use crate::app::{App, AppError, accounts};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{UserForm, account_from};

/// A user account as the administrators see it (never its password or second factor).
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "User")]
pub struct UserJson {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    /// The region node of the account's scope (行政区划代码).
    region: String,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
    disabled: bool,
    /// Locked for now after failed sign-ins.
    locked: bool,
    must_change_password: bool,
    /// Whether a second factor (TOTP) is enrolled.
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

pub async fn users(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<UserJson>>, HttpError> {
    let rows = accounts::list_users(&app, ctx.principal()?, q.after_id()?, q.limit() + 1).await?;
    let items: Vec<UserJson> = rows.into_iter().map(UserJson::from).collect();
    Ok(Json(paged(items, q.limit(), |u| u.id.to_string())))
}

pub async fn user(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<UserJson>, HttpError> {
    Ok(Json(UserJson::from(accounts::get_user(&app, ctx.principal()?, id).await?)))
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
) -> Result<Created<UserJson>, HttpError> {
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
    Ok(Created(UserJson::from(u)))
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
) -> Result<NoContent, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    accounts::change_password(&app, &ctx.actor(), &b.current, &b.new).await?;
    Ok(NoContent)
}

/// An API token (never its secret).
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "ApiToken")]
pub struct TokenJson {
    id: i64,
    user_id: i64,
    username: String,
    name: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    /// Neither revoked nor expired.
    active: bool,
    /// `readings` for a gateway's token (device readings only); absent for a full token.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// A user's API tokens.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ApiTokens {
    items: Vec<TokenJson>,
}

impl ApiTokens {
    fn of(rows: Vec<crate::app::records::TokenRow>) -> Self {
        ApiTokens { items: rows.into_iter().map(TokenJson::from).collect() }
    }
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
            scope: t.scope,
        }
    }
}

pub async fn my_tokens(State(app): State<App>, ctx: Ctx) -> Result<Json<ApiTokens>, HttpError> {
    let p = ctx.principal()?;
    Ok(Json(ApiTokens::of(accounts::list_tokens(&app, p, p.user_id).await?)))
}

pub async fn user_tokens(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<ApiTokens>, HttpError> {
    Ok(Json(ApiTokens::of(accounts::list_tokens(&app, ctx.principal()?, id).await?)))
}

/// A token for a gateway: it may send the caller's device readings and nothing else.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGatewayToken {
    /// What the token is for (the gateway), as the token list shows it.
    #[schemars(
        length(min = 1, max = 64),
        regex(pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")
    )]
    name: String,
    /// Days until it expires; the platform's default token lifetime if left out.
    #[schemars(range(min = 1, max = 3650))]
    days: Option<i64>,
}

pub async fn create_gateway_token(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<NewGatewayToken>, axum::extract::rejection::JsonRejection>,
) -> Result<Created<accounts::GatewayToken>, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let days = b.days.unwrap_or(app.settings.security.token_days);
    Ok(Created(accounts::create_gateway_token(&app, &ctx.actor(), &b.name, days).await?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct RevokeToken {
    id: i64,
}

pub async fn revoke_token(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<RevokeToken>, axum::extract::rejection::JsonRejection>,
) -> Result<NoContent, HttpError> {
    let Json(b) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    accounts::revoke_token(&app, &ctx.actor(), b.id).await?;
    Ok(NoContent)
}
