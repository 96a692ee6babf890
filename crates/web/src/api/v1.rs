//! `/api/v1` handlers: the same use-cases and policies as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::records::UserRow;
use crate::app::{App, AppError, accounts, audit as audit_app, directory};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Personal, UserForm, account_from};
use crate::pages::audit::{AuditQuery, query as audit_query};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub after: Option<String>,
    pub limit: Option<i64>,
    pub name: Option<String>,
}

impl ListQuery {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
    pub fn after_id(&self) -> Result<i64, AppError> {
        match self.after.as_deref() {
            None | Some("") => Ok(0),
            Some(s) => s.parse().map_err(|_| AppError::invalid("error.bad_request", "after")),
        }
    }
}

/// A page of items and the key to continue after (`null` at the end).
#[derive(Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

pub fn paged<T>(mut items: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Paged<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_after = if more { items.last().map(key) } else { None };
    Paged { items, next_after }
}

pub async fn me(ctx: Ctx) -> Result<Json<serde_json::Value>, crate::error::HttpError> {
    let p = ctx.principal()?;
    Ok(Json(json!({
        "user_id": p.user_id,
        "username": p.username,
        "role": p.role.code(),
        "region": p.region.as_str(),
        "enterprise_id": p.enterprise_id,
        "provider_id": p.provider_id,
        "csrf_token": if ctx.via_token { None } else { Some(&ctx.csrf) },
    })))
}

pub async fn enterprises(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(filters): Query<directory::EnterpriseFilters>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = directory::list_enterprises(&app, p, &filters, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |e| e.id.to_string())).into_response())
}

pub async fn enterprise(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Personal>,
) -> Result<Response, HttpError> {
    Ok(Json(directory::get_enterprise(&app, &ctx.actor(), id, q.reveal()).await?).into_response())
}

pub async fn providers(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(f): Query<ProviderFilter>,
) -> Result<Response, HttpError> {
    let rows = directory::list_providers(&app, ctx.principal()?, f.status, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |p| p.id.to_string())).into_response())
}

#[derive(Deserialize, Default)]
pub struct ProviderFilter {
    status: Option<String>,
}

pub async fn regions(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let rows = directory::list_regions(&app, ctx.principal()?, q.after.as_deref().unwrap_or(""), q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |r| r.code.clone())).into_response())
}

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

#[derive(Deserialize)]
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

pub async fn audit(State(app): State<App>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Result<Response, HttpError> {
    let rows = audit_query(&app, &ctx, &q).await?;
    let limit = crate::pages::PAGE_SIZE;
    Ok(Json(paged(rows, limit, |r| r.seq.to_string())).into_response())
}

pub async fn audit_verify(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(match audit_app::verify_for(&app, ctx.principal()?).await? {
        Ok(n) => Json(json!({ "intact": true, "records": n })).into_response(),
        Err(e) => Json(json!({ "intact": false, "problem": e.to_string() })).into_response(),
    })
}

pub async fn audit_anchor(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(audit_app::anchor(&app, &ctx.actor()).await?).into_response())
}

pub async fn create_enterprise(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<crate::app::enterprises::EnterpriseInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, HttpError> {
    let Json(input) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let id = crate::app::enterprises::register(&app, &ctx.actor(), &input).await?;
    let e = directory::get_enterprise(&app, &ctx.actor(), id, false).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

/// Bulk cloud reports: each item answers on its own (id or reason).
pub async fn cloud_bulk(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<Vec<crate::app::cloud::BulkItem>>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, HttpError> {
    let Json(items) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    if items.len() > 10_000 {
        return Err(AppError::invalid("error.too_many_items", "10000").into());
    }
    let results = crate::app::cloud::report_bulk(&app, &ctx.actor(), &items).await?;
    let accepted = results.iter().filter(|r| r.id.is_some()).count();
    Ok(Json(json!({ "accepted": accepted, "rejected": results.len() - accepted, "results": results })).into_response())
}

#[derive(Deserialize)]
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

#[derive(Deserialize)]
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
