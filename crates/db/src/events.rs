//! Events and what is made of them: the in-platform messages (站内信) of the people an event
//! concerns, the mails and SMS of those who asked for them (`outbound`), and the deliveries to
//! the webhooks that subscribed to it. [`record_step`] writes them all in the caller's
//! transaction, so they exist exactly when the step that caused them was committed; the
//! deliveries are then sent by a worker ([`due`], [`claim`], [`settle`]).

use super::{Conn, DbResult, now_ms};
use crate::args;

/// The record a workflow step is about, for the statement that writes the event: the tables
/// it reads its region from, and its enterprise's, provider's and project's columns.
fn source(subject: &str) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    const NONE: &str = "CAST(NULL AS BIGINT)";
    Some(match subject {
        "enrolment" => ("enrolments x", "x.enterprise_id", NONE, NONE),
        "project" => ("projects x", "x.enterprise_id", "x.provider_id", "x.id"),
        "acceptance" => ("acceptances x", "x.enterprise_id", "x.provider_id", "x.project_id"),
        "subsidy" => {
            ("subsidies x JOIN projects p ON p.id = x.project_id", "x.enterprise_id", "p.provider_id", "x.project_id")
        }
        "case" => ("cases x", "x.enterprise_id", NONE, "x.project_id"),
        "provider" => ("providers x", NONE, "x.id", NONE),
        _ => return None,
    })
}

#[derive(serde::Deserialize, sqlx::FromRow)]
struct Written {
    id: i64,
    region_code: String,
    enterprise_id: Option<i64>,
    provider_id: Option<i64>,
}

/// Records a workflow step as an event "subject.action" (payload: action, from, to), a message
/// for each user of its enterprise and provider (but the actor, a disabled account, and those
/// who muted the kind), and a pending delivery for each matching webhook. A subject without a
/// region (none today) records nothing.
pub async fn record_step(
    c: &mut impl Conn,
    subject: &str,
    subject_id: i64,
    (action, from, to): (&str, &str, &str),
    actor: &str,
) -> DbResult<Option<i64>> {
    let Some((from_tables, enterprise, provider, project)) = source(subject) else { return Ok(None) };
    let now = now_ms();
    let kind = format!("{subject}.{action}");
    let payload = serde_json::json!({ "action": action, "from": from, "to": to }).to_string();
    let sql = format!(
        "INSERT INTO events (region_code, enterprise_id, provider_id, project_id, kind, subject, subject_id, actor, \
         payload_json, created_at) SELECT x.region_code, {enterprise}, {provider}, {project}, $1, $3, $2, $4, $5, $6 \
         FROM {from_tables} \
         WHERE x.id = $2 RETURNING id, region_code, enterprise_id, provider_id"
    );
    let Some(e) =
        c.fetch_optional::<Written>(&sql, args![kind.as_str(), subject_id, subject, actor, payload, now]).await?
    else {
        return Ok(None);
    };
    if e.enterprise_id.is_some() || e.provider_id.is_some() {
        c.execute(
            "INSERT INTO notifications (user_id, event_id, created_at) SELECT u.id, $1, $2 FROM users u \
             WHERE (u.enterprise_id = $3 OR u.provider_id = $4) AND u.username <> $5 AND u.disabled = FALSE \
             AND NOT EXISTS (SELECT 1 FROM notification_mutes m WHERE m.user_id = u.id AND m.kind = $6)",
            args![e.id, now, e.enterprise_id.unwrap_or(-1), e.provider_id.unwrap_or(-1), actor, kind.as_str()],
        )
        .await?;
    }
    if action == "objection" {
        tell_officers(c, e.id, now, &e.region_code, actor, kind.as_str()).await?;
    }
    super::outbound::queue(c, e.id, &kind, now).await?;
    c.execute(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, status, next_at) \
         SELECT w.id, $1, 'pending', $2 FROM webhooks w WHERE w.active = TRUE \
         AND $3 BETWEEN w.region_lo AND w.region_hi \
         AND (w.kinds = '*' OR ' ' || w.kinds || ' ' LIKE '% ' || $4 || ' %')",
        args![e.id, now, e.region_code.as_str(), kind.as_str()],
    )
    .await?;
    Ok(Some(e.id))
}

/// A message for every officer whose region holds `region` (the region and each above it, up to
/// the national authority) and who has not muted the kind: an objection is theirs to decide.
async fn tell_officers(c: &mut impl Conn, event: i64, now: i64, region: &str, actor: &str, kind: &str) -> DbResult<()> {
    let mut above: Vec<String> = Vec::new();
    let mut at = dengta_domain::region::RegionCode::parse(region).ok();
    while let Some(code) = at {
        above.push(code.as_str().to_owned());
        at = code.parent();
    }
    let marks: Vec<String> = (0..above.len()).map(|i| format!("${}", i + 5)).collect();
    let mut values = args![event, now, actor, kind];
    values.extend(above.iter().map(|c| crate::Arg::from(c.as_str())));
    c.execute(
        &format!(
            "INSERT INTO notifications (user_id, event_id, created_at) SELECT u.id, $1, $2 FROM users u \
             WHERE u.role = 'officer' AND u.disabled = FALSE AND u.username <> $3 AND u.region_code IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM notification_mutes m WHERE m.user_id = u.id AND m.kind = $4)",
            marks.join(", ")
        ),
        values,
    )
    .await?;
    Ok(())
}

/// One message with its event.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MessageRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub subject_id: i64,
    pub project_id: Option<i64>,
    pub payload_json: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A user's messages, newest first; unread only when asked.
pub async fn messages(c: &mut impl Conn, user_id: i64, unread_only: bool, limit: i64) -> DbResult<Vec<MessageRow>> {
    let filter = if unread_only { " AND n.read_at IS NULL" } else { "" };
    c.fetch_all(
        &format!(
            "SELECT n.id, e.kind, e.subject, e.subject_id, e.project_id, e.payload_json, n.created_at, n.read_at \
             FROM notifications n JOIN events e ON e.id = n.event_id WHERE n.user_id = $1{filter} \
             ORDER BY n.id DESC LIMIT $2"
        ),
        args![user_id, limit],
    )
    .await
}

pub async fn unread(c: &mut impl Conn, user_id: i64) -> DbResult<i64> {
    c.scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", args![user_id]).await
}

/// Marks the user's messages read: one (`Some(id)`) or all. Returns how many changed.
pub async fn mark_read(c: &mut impl Conn, user_id: i64, id: Option<i64>) -> DbResult<u64> {
    match id {
        Some(id) => {
            c.execute(
                "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND id = $2 AND read_at IS NULL",
                args![user_id, id, now_ms()],
            )
            .await
        }
        None => {
            c.execute(
                "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
                args![user_id, now_ms()],
            )
            .await
        }
    }
}

pub async fn mutes(c: &mut impl Conn, user_id: i64) -> DbResult<Vec<String>> {
    let rows: Vec<(String,)> =
        c.fetch_all("SELECT kind FROM notification_mutes WHERE user_id = $1 ORDER BY kind", args![user_id]).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Replaces the kinds the user muted.
pub async fn set_mutes(c: &mut impl Conn, user_id: i64, kinds: &[String]) -> DbResult<()> {
    c.execute("DELETE FROM notification_mutes WHERE user_id = $1", args![user_id]).await?;
    for k in kinds {
        c.execute("INSERT INTO notification_mutes (user_id, kind) VALUES ($1, $2)", args![user_id, k.as_str()]).await?;
    }
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "Webhook")]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    #[serde(skip_serializing)]
    #[schemars(skip)]
    pub secret: String,
    pub region_code: String,
    pub kinds: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: i64,
}

const HOOK_COLS: &str = "id, url, secret, region_code, kinds, active, created_by, created_at";

pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub region_code: &'a str,
    pub bounds: &'a (String, String),
    pub kinds: &'a str,
    pub created_by: &'a str,
}

pub async fn add_webhook(c: &mut impl Conn, w: &NewWebhook<'_>) -> DbResult<i64> {
    c.scalar(
        "INSERT INTO webhooks (url, secret, region_code, region_lo, region_hi, kinds, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        args![
            w.url,
            w.secret,
            w.region_code,
            w.bounds.0.as_str(),
            w.bounds.1.as_str(),
            w.kinds,
            w.created_by,
            now_ms()
        ],
    )
    .await
}

/// Webhooks whose region lies in `bounds`.
pub async fn webhooks(c: &mut impl Conn, bounds: &(String, String)) -> DbResult<Vec<WebhookRow>> {
    c.fetch_all(
        &format!("SELECT {HOOK_COLS} FROM webhooks WHERE region_code BETWEEN $1 AND $2 ORDER BY id"),
        args![&bounds.0, &bounds.1],
    )
    .await
}

pub async fn webhook(c: &mut impl Conn, id: i64) -> DbResult<Option<WebhookRow>> {
    c.fetch_optional(&format!("SELECT {HOOK_COLS} FROM webhooks WHERE id = $1"), args![id]).await
}

pub async fn set_active(c: &mut impl Conn, id: i64, active: bool) -> DbResult<u64> {
    c.execute("UPDATE webhooks SET active = $2 WHERE id = $1", args![id, active]).await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "WebhookDelivery")]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub status: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_status: Option<i64>,
    pub last_error: String,
    pub delivered_at: Option<i64>,
}

const DELIVERY_COLS: &str =
    "id, webhook_id, event_id, status, attempts, next_at, last_status, last_error, delivered_at";

/// A webhook's deliveries, newest first (the delivery log).
pub async fn deliveries(c: &mut impl Conn, webhook_id: i64, limit: i64) -> DbResult<Vec<DeliveryRow>> {
    c.fetch_all(
        &format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2"),
        args![webhook_id, limit],
    )
    .await
}

/// Deliveries due now, oldest first.
pub async fn due(c: &mut impl Conn, now: i64, limit: i64) -> DbResult<Vec<DeliveryRow>> {
    c.fetch_all(
        &format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE status = 'pending' AND next_at <= $1 \
             ORDER BY next_at, id LIMIT $2"
        ),
        args![now, limit],
    )
    .await
}

/// Takes a due delivery for one attempt: moves its next time to `lease_until` if it is still
/// what `due` read (another worker, or another instance, that took it first wins).
pub async fn claim(c: &mut impl Conn, d: &DeliveryRow, lease_until: i64) -> DbResult<bool> {
    super::outbound::claim_in(c, "webhook_deliveries", (d.id, d.next_at, d.attempts), lease_until).await
}

/// What an attempt came to.
pub enum Outcome<'a> {
    Delivered {
        status: i64,
    },
    /// Try again at `next_at`, or give up (`next_at` None).
    Failed {
        status: Option<i64>,
        error: &'a str,
        next_at: Option<i64>,
    },
}

pub async fn settle(c: &mut impl Conn, id: i64, outcome: Outcome<'_>) -> DbResult<()> {
    match outcome {
        Outcome::Delivered { status } => {
            c.execute(
                "UPDATE webhook_deliveries SET status = 'delivered', last_status = $2, last_error = '', \
                 delivered_at = $3 WHERE id = $1",
                args![id, status, now_ms()],
            )
            .await?;
        }
        Outcome::Failed { status, error, next_at } => {
            c.execute(
                "UPDATE webhook_deliveries SET status = $2, last_status = $3, last_error = $4, next_at = $5 WHERE id = $1",
                args![id, if next_at.is_some() { "pending" } else { "failed" }, status, error, next_at.unwrap_or(0)],
            )
            .await?;
        }
    }
    Ok(())
}

/// Sends a delivery again from the start (a replay).
pub async fn replay(c: &mut impl Conn, webhook_id: i64, id: i64) -> DbResult<u64> {
    c.execute(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_at = $3 WHERE id = $2 AND webhook_id = $1",
        args![webhook_id, id, now_ms()],
    )
    .await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub subject_id: i64,
    pub region_code: String,
    pub payload_json: String,
    pub created_at: i64,
}

pub async fn event(c: &mut impl Conn, id: i64) -> DbResult<Option<EventRow>> {
    c.fetch_optional(
        "SELECT id, kind, subject, subject_id, region_code, payload_json, created_at FROM events WHERE id = $1",
        args![id],
    )
    .await
}
