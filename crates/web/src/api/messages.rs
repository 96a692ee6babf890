//! In-platform messages (站内信), the mail and SMS made of them, and outbound webhooks through
//! the API.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::takes::{Accepted, Created, NoContent};
use crate::app::notifications::Message;
use crate::app::outbound::{Contact, LogLine};
use crate::app::records::{DeliveryRow, WebhookRow};
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

/// The caller's messages, newest first, and how many are unread.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Messages {
    /// Unread messages in all (not only those listed).
    unread: i64,
    items: Vec<Message>,
}

/// The caller's messages, newest first (`?unread=true`: unread only), and the unread count.
pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<Unread>) -> Result<Json<Messages>, HttpError> {
    let p = ctx.principal()?;
    let items = notifications::messages(&app, p, q.unread).await?;
    let unread = notifications::unread(&app, p).await?;
    Ok(Json(Messages { unread, items }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// One message; absent: all of them.
    id: Option<i64>,
}

/// How many messages were marked read.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Marked {
    marked: u64,
}

pub async fn mark_read(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<MarkRead>, JsonRejection>,
) -> Result<Json<Marked>, HttpError> {
    let b = body(b)?;
    let marked = notifications::mark_read(&app, ctx.principal()?, b.id).await?;
    Ok(Json(Marked { marked }))
}

/// The kinds of event the caller muted, and every kind there is (`subject.action`).
#[derive(Serialize, schemars::JsonSchema)]
pub struct Mutes {
    muted: Vec<String>,
    kinds: Vec<String>,
}

/// The kinds the caller muted, and every kind there is.
pub async fn mutes(State(app): State<App>, ctx: Ctx) -> Result<Json<Mutes>, HttpError> {
    let muted = notifications::mutes(&app, ctx.principal()?).await?;
    Ok(Json(Mutes { muted, kinds: notifications::kinds() }))
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
) -> Result<NoContent, HttpError> {
    let b = body(b)?;
    notifications::set_mutes(&app, ctx.principal()?, &b.muted).await?;
    Ok(NoContent)
}

/// The caller's own e-mail address and mobile for notices, and whether each is on (only the
/// caller reads them: there is no way to ask for another user's).
pub async fn contact(State(app): State<App>, ctx: Ctx) -> Result<Json<Contact>, HttpError> {
    Ok(Json(outbound::contact(&app, &ctx.actor()).await?))
}

/// Sets them: `{email, mobile, email_on, sms_on}`, each optional; notices come in the caller's
/// language.
pub async fn set_contact(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<outbound::ContactInput>, JsonRejection>,
) -> Result<Json<Contact>, HttpError> {
    let b = body(b)?;
    Ok(Json(outbound::set_contact(&app, &ctx.actor(), ctx.lang, &b).await?))
}

/// Mail and SMS sent, newest first, addresses masked.
#[derive(Serialize, schemars::JsonSchema)]
pub struct OutboundLog {
    items: Vec<LogLine>,
}

/// Mail and SMS sent to the people of the administrator's region, addresses masked.
pub async fn outbound_log(State(app): State<App>, ctx: Ctx) -> Result<Json<OutboundLog>, HttpError> {
    Ok(Json(OutboundLog { items: outbound::log(&app, &ctx.actor()).await? }))
}

/// Webhook subscriptions (never their secrets).
#[derive(Serialize, schemars::JsonSchema)]
pub struct Webhooks {
    items: Vec<WebhookRow>,
}

pub async fn webhooks(State(app): State<App>, ctx: Ctx) -> Result<Json<Webhooks>, HttpError> {
    Ok(Json(Webhooks { items: webhooks::list(&app, &ctx.actor()).await? }))
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
) -> Result<Created<webhooks::Created>, HttpError> {
    let b = body(b)?;
    Ok(Created(webhooks::create(&app, &ctx.actor(), &b.url, &b.region, &b.kinds).await?))
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
) -> Result<NoContent, HttpError> {
    let b = body(b)?;
    webhooks::set_active(&app, &ctx.actor(), id, b.active).await?;
    Ok(NoContent)
}

/// A webhook's delivery log, newest first.
#[derive(Serialize, schemars::JsonSchema)]
pub struct WebhookDeliveries {
    items: Vec<DeliveryRow>,
}

pub async fn deliveries(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<WebhookDeliveries>, HttpError> {
    Ok(Json(WebhookDeliveries { items: webhooks::deliveries(&app, &ctx.actor(), id).await? }))
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
) -> Result<Accepted, HttpError> {
    let b = body(b)?;
    webhooks::replay(&app, &ctx.actor(), id, b.delivery).await?;
    Ok(Accepted)
}

/// The kinds a person may mute, as the notifications list them.
fn mute_kinds(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let kinds = crate::app::notifications::kinds();
    schemars::json_schema!({ "type": "array", "items": { "type": "string", "enum": kinds } })
}
