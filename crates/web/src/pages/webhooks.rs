//! The system administrator's webhook pages: subscriptions of their region, a new one (its
//! secret shown once), stopping and resuming, the delivery log and a replay; and the log of
//! the mail and SMS sent.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::fmt::Fmt;
use super::{Msg, render, render_form};
use crate::app::{App, outbound, webhooks};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Kept, Pairs, one, refused};
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    l: Layout,
    hooks: Vec<crate::app::records::WebhookRow>,
    /// The secret of the subscription just made (shown this once).
    secret: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    k: Kept,
}

async fn list_page(
    app: &App,
    ctx: &Ctx,
    secret: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    k: Kept,
) -> Result<Response, HttpError> {
    let hooks = webhooks::list(app, &ctx.actor()).await?;
    let failed = error.is_some();
    let l = Layout::new(ctx, "webhooks.title", &[("/admin/webhooks", "webhooks.title")]);
    render_form(&WebhooksPage { l, hooks, secret, notice, error, k }, failed)
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(m): Query<Msg>) -> Result<Response, HttpError> {
    list_page(&app, &ctx, None, m.text(ctx.lang), None, Kept::default()).await
}

pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let kinds = one(&f, "kinds");
    let kinds = if kinds.trim().is_empty() { "*".to_owned() } else { kinds };
    match webhooks::create(&app, &ctx.actor(), &one(&f, "url"), &one(&f, "region"), &kinds).await {
        Ok(c) => list_page(&app, &ctx, Some(c.secret), None, None, Kept::default()).await,
        Err(e) => {
            let (msg, kept) = refused(&ctx, e, Kept::new("webhook", &f))?;
            list_page(&app, &ctx, None, None, Some(msg), kept).await
        }
    }
}

pub async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    webhooks::set_active(&app, &ctx.actor(), id, Some(one(&f, "active") == "true")).await?;
    Ok(Redirect::to("/admin/webhooks?msg=common.done").into_response())
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct DeliveriesPage {
    l: Layout,
    x: Fmt,
    id: i64,
    rows: Vec<crate::app::records::DeliveryRow>,
    notice: Option<&'static str>,
}

pub async fn deliveries(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, HttpError> {
    let rows = webhooks::deliveries(&app, &ctx.actor(), id).await?;
    let href = format!("/admin/webhooks/{id}");
    let title = format!("{} #{id}", ctx.t("webhooks.deliveries"));
    let l = Layout::titled(&ctx, title.clone(), &[("/admin/webhooks", "webhooks.title"), (&href, &title)]);
    render(&DeliveriesPage { l, x: Fmt::new(&ctx), id, rows, notice: m.text(ctx.lang) })
}

pub async fn replay(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let delivery = one(&f, "delivery").trim().parse().ok();
    webhooks::replay(&app, &ctx.actor(), id, delivery).await?;
    Ok(Redirect::to(&format!("/admin/webhooks/{id}?msg=common.done")).into_response())
}

#[derive(Template)]
#[template(path = "outbound.html")]
struct OutboundPage {
    l: Layout,
    x: Fmt,
    /// Each line and its event's label.
    rows: Vec<(outbound::LogLine, String)>,
    channels: (bool, bool),
}

/// Mail and SMS sent to the people of the administrator's region, addresses masked.
pub async fn outbound(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let en = ctx.lang == crate::i18n::Lang::En;
    let rows = outbound::log(&app, &ctx.actor())
        .await?
        .into_iter()
        .map(|r| {
            let (zh, english) = crate::app::notifications::kind_label(&r.kind);
            (r, if en { english } else { zh })
        })
        .collect();
    let l = Layout::new(
        &ctx,
        "outbound.title",
        &[("/admin/webhooks", "webhooks.title"), ("/admin/outbound", "outbound.title")],
    );
    let channels = (app.settings.mail.enabled, app.settings.sms.enabled);
    render(&OutboundPage { l, x: Fmt::new(&ctx), rows, channels })
}
