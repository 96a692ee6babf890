//! In-platform messages (站内信), the mail and SMS made of them, and outbound webhooks through
//! the API.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::{App, AppError, notifications, outbound, webhooks};
use crate::ctx::Ctx;
use crate::error::HttpError;

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(v)| v).map_err(|e| AppError::invalid("error.bad_request", e.body_text()))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct Unread {
    #[serde(default)]
    unread: bool,
}

/// The caller's messages, newest first (`?unread=true`: unread only), and the unread count.
pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<Unread>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let items = notifications::messages(&app, p, q.unread).await?;
    let unread = notifications::unread(&app, p).await?;
    Ok(Json(json!({ "unread": unread, "items": items })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// One message; absent: all of them.
    id: Option<i64>,
}

pub async fn mark_read(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<MarkRead>, JsonRejection>,
) -> Result<Response, HttpError> {
    let b = body(b)?;
    let changed = notifications::mark_read(&app, ctx.principal()?, b.id).await?;
    Ok(Json(json!({ "marked": changed })).into_response())
}

/// The kinds the caller muted, and every kind there is.
pub async fn mutes(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let muted = notifications::mutes(&app, ctx.principal()?).await?;
    Ok(Json(json!({ "muted": muted, "kinds": notifications::kinds() })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMutes {
    #[schemars(schema_with = "mute_kinds")]
    muted: Vec<String>,
}

pub async fn set_mutes(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<SetMutes>, JsonRejection>,
) -> Result<Response, HttpError> {
    let b = body(b)?;
    notifications::set_mutes(&app, ctx.principal()?, &b.muted).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The caller's own e-mail address and mobile for notices, and whether each is on (only the
/// caller reads them: there is no way to ask for another user's).
pub async fn contact(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(outbound::contact(&app, &ctx.actor()).await?).into_response())
}

/// Sets them: `{email, mobile, email_on, sms_on}`, each optional; notices come in the caller's
/// language.
pub async fn set_contact(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<outbound::ContactInput>, JsonRejection>,
) -> Result<Response, HttpError> {
    let b = body(b)?;
    Ok(Json(outbound::set_contact(&app, &ctx.actor(), ctx.lang, &b).await?).into_response())
}

/// Mail and SMS sent to the people of the administrator's region, addresses masked.
pub async fn outbound_log(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(json!({ "items": outbound::log(&app, &ctx.actor()).await? })).into_response())
}

pub async fn webhooks(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    Ok(Json(json!({ "items": webhooks::list(&app, &ctx.actor()).await? })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    url: String,
    region: String,
    /// Space-separated kinds ("subsidy.pay enrolment.publicise"), or "*".
    kinds: String,
}

/// A new subscription; its secret is in this answer only.
pub async fn create_webhook(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewWebhook>, JsonRejection>,
) -> Result<Response, HttpError> {
    let b = body(b)?;
    let created = webhooks::create(&app, &ctx.actor(), &b.url, &b.region, &b.kinds).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Active {
    active: Option<bool>,
}

pub async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Active>, JsonRejection>,
) -> Result<Response, HttpError> {
    let b = body(b)?;
    webhooks::set_active(&app, &ctx.actor(), id, b.active).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn deliveries(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    Ok(Json(json!({ "items": webhooks::deliveries(&app, &ctx.actor(), id).await? })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    delivery: Option<i64>,
}

pub async fn replay(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Replay>, JsonRejection>,
) -> Result<Response, HttpError> {
    let b = body(b)?;
    webhooks::replay(&app, &ctx.actor(), id, b.delivery).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// The kinds a person may mute, as the notifications list them.
fn mute_kinds(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let kinds = crate::app::notifications::kinds();
    schemars::json_schema!({ "type": "array", "items": { "type": "string", "enum": kinds } })
}
