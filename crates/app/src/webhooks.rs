//! Outbound webhooks for integrations. A system administrator subscribes a receiver to the
//! events of a region (their own or below) — all kinds or some. A delivery is made in the
//! transaction of each matching event (`db::events::record_step`); the server's worker posts
//! it, signed, and retries a failure with exponential backoff until it is delivered or
//! `max_attempts` is spent; every attempt's outcome is in the delivery log, and any delivery
//! can be replayed.
//!
//! The request: `POST <url>` with the JSON event, and headers `X-Dengta-Event` (the kind),
//! `X-Dengta-Delivery` (the delivery id, the same on every retry: receivers de-duplicate on
//! it) and `X-Dengta-Signature: t=<unix ms>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
//! subscription's secret>`. Only http:// receivers are supported (no TLS stack is built in):
//! reach an https receiver through a local proxy.

use std::time::Duration;

use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::db::events::{self as store, DeliveryRow, Outcome as Attempt, WebhookRow};
use crate::db::{self};

/// Deliveries taken per round of the worker.
const BATCH: i64 = 20;
/// The longest wait between retries.
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// The caller, when a system administrator.
pub(crate) fn admin(actor: &Actor) -> AppResult<&Principal> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::SysAdmin {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// A webhook the caller may manage: in their region's subtree.
async fn own(app: &App, p: &Principal, id: i64) -> AppResult<WebhookRow> {
    let w = store::webhook(&mut app.db.clone(), id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&w.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    if !p.region.contains(&region) {
        return Err(AppError::NotFound);
    }
    Ok(w)
}

/// A new subscription and its secret, shown once.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "WebhookCreated")]
pub struct Created {
    pub webhook: WebhookRow,
    /// The key the deliveries are signed with (HMAC-SHA256); not shown again.
    pub secret: String,
}

/// Subscribes `url` to the events of `region` (the caller's own or below) of `kinds`
/// (space-separated "subject.action", or "*").
pub async fn create(app: &App, actor: &Actor, url: &str, region: &str, kinds: &str) -> AppResult<Created> {
    let p = admin(actor)?;
    let url = url.trim();
    let valid_url = url
        .strip_prefix("http://")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace) && url.len() <= 500);
    if !valid_url {
        return Err(AppError::invalid("error.webhook_url", url.to_owned()));
    }
    let region =
        RegionCode::parse(region.trim()).map_err(|e| AppError::invalid("error.region_unknown", e.to_string()))?;
    if !p.region.contains(&region) {
        return Err(AppError::invalid("error.region_unknown", region.to_string()));
    }
    let kinds = kinds.split_whitespace().collect::<Vec<_>>().join(" ");
    let known = super::notifications::kinds();
    if kinds.is_empty() || (kinds != "*" && kinds.split(' ').any(|k| !known.iter().any(|x| x == k))) {
        return Err(AppError::invalid("error.webhook_kinds", kinds));
    }
    let secret = super::random_hex(32)?;
    let mut tx = app.db.begin().await?;
    let id = store::add_webhook(
        &mut tx,
        &store::NewWebhook {
            url,
            secret: &secret,
            region_code: region.as_str(),
            bounds: &region.subtree_bounds(),
            kinds: &kinds,
            created_by: &actor.name,
        },
    )
    .await?;
    record(&mut tx, actor, "webhook.create", &format!("webhook:{id}"), Outcome::Ok, &format!("{url} {region} {kinds}"))
        .await?;
    let webhook = store::webhook(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(Created { webhook, secret })
}

pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<WebhookRow>> {
    let p = admin(actor)?;
    Ok(store::webhooks(&mut app.db.clone(), &p.region.subtree_bounds()).await?)
}

/// Stops (or resumes) sending to a webhook.
pub async fn set_active(app: &App, actor: &Actor, id: i64, active: Option<bool>) -> AppResult<()> {
    let p = admin(actor)?;
    own(app, p, id).await?;
    let active = active.ok_or(AppError::invalid("error.bad_request", "active"))?;
    let mut tx = app.db.begin().await?;
    store::set_active(&mut tx, id, active).await?;
    let action = if active { "webhook.resume" } else { "webhook.disable" };
    record(&mut tx, actor, action, &format!("webhook:{id}"), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(())
}

/// The delivery log of a webhook, newest first.
pub async fn deliveries(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<DeliveryRow>> {
    let p = admin(actor)?;
    own(app, p, id).await?;
    Ok(store::deliveries(&mut app.db.clone(), id, 200).await?)
}

/// Sends a delivery again from its first attempt.
pub async fn replay(app: &App, actor: &Actor, id: i64, delivery: Option<i64>) -> AppResult<()> {
    let p = admin(actor)?;
    own(app, p, id).await?;
    let delivery = delivery.ok_or(AppError::invalid("error.bad_request", "delivery"))?;
    let mut tx = app.db.begin().await?;
    if store::replay(&mut tx, id, delivery).await? == 0 {
        return Err(AppError::NotFound);
    }
    record(&mut tx, actor, "webhook.replay", &format!("webhook:{id}"), Outcome::Ok, &format!("delivery:{delivery}"))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The signature header's value for `body` sent at `t` (unix ms).
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes a key of any length; this arm is never taken.
        Err(_) => return String::new(),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// The wait before attempt `attempts + 1`.
pub fn backoff_ms(base_ms: i64, attempts: i64) -> i64 {
    let shift = attempts.clamp(1, 20) - 1;
    base_ms.max(1).saturating_mul(1 << shift).min(MAX_BACKOFF_MS)
}

/// One round of the worker: posts every delivery that is due (at most a batch) and records
/// each outcome. Returns how many were attempted.
pub async fn deliver_due(app: &App, client: &reqwest::Client) -> AppResult<usize> {
    let s = &app.settings.webhooks;
    let now = db::now_ms();
    let mut c = app.db.clone();
    let due = store::due(&mut c, now, BATCH).await?;
    let mut attempted = 0;
    for d in due {
        // Leased for the attempt's length and more: an instance that dies mid-attempt leaves the
        // delivery to be retried once the lease ends.
        let lease = now + 2 * s.timeout_ms as i64 + 1000;
        if !store::claim(&mut c, &d, lease).await? {
            continue; // another worker took it
        }
        attempted += 1;
        let (Some(hook), Some(event)) =
            (store::webhook(&mut c, d.webhook_id).await?, store::event(&mut c, d.event_id).await?)
        else {
            continue;
        };
        let body = serde_json::json!({
            "id": event.id,
            "kind": event.kind,
            "subject": event.subject,
            "subject_id": event.subject_id,
            "region_code": event.region_code,
            "at": event.created_at,
            "data": serde_json::from_str::<serde_json::Value>(&event.payload_json).unwrap_or_default(),
        })
        .to_string();
        let t = db::now_ms();
        let sent = client
            .post(&hook.url)
            .timeout(Duration::from_millis(s.timeout_ms))
            .header("content-type", "application/json")
            .header("x-dengta-event", &event.kind)
            .header("x-dengta-delivery", d.id.to_string())
            .header("x-dengta-signature", signature(&hook.secret, t, body.as_bytes()))
            .body(body)
            .send()
            .await;
        let attempts = d.attempts + 1;
        let retry = (attempts < s.max_attempts).then(|| db::now_ms() + backoff_ms(s.retry_base_ms, attempts));
        let outcome = match &sent {
            Ok(r) if r.status().is_success() => Attempt::Delivered { status: i64::from(r.status().as_u16()) },
            Ok(r) => Attempt::Failed { status: Some(i64::from(r.status().as_u16())), error: "", next_at: retry },
            Err(e) => Attempt::Failed {
                status: None,
                error: if e.is_timeout() { "timeout" } else { "connection failed" },
                next_at: retry,
            },
        };
        store::settle(&mut c, d.id, outcome).await?;
    }
    Ok(attempted)
}

/// The worker: a round every `poll_ms`, for as long as the server runs.
pub async fn run(app: App) {
    let client = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_millis(app.settings.webhooks.poll_ms.max(50)));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_due(&app, &client).await {
            tracing::warn!(error = %e, "webhook deliveries failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_an_hour() {
        assert_eq!(backoff_ms(1000, 1), 1000);
        assert_eq!(backoff_ms(1000, 2), 2000);
        assert_eq!(backoff_ms(1000, 4), 8000);
        assert_eq!(backoff_ms(1000, 30), MAX_BACKOFF_MS);
    }

    #[test]
    fn the_signature_covers_time_and_body() {
        let a = signature("k", 1, b"{}");
        assert!(a.starts_with("t=1,v1=") && a.len() == "t=1,v1=".len() + 64, "{a}");
        assert_ne!(a, signature("k", 2, b"{}"));
        assert_ne!(a, signature("k", 1, b"{ }"));
        assert_ne!(a, signature("other", 1, b"{}"));
    }
}
