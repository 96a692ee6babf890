//! Mails and SMS made from in-platform messages (an outbox, like the webhook deliveries): where
//! a person wants notices and whether they want them ([`contact`], [`set_contact`]), the
//! channels this installation sends by ([`set_channels`], read by [`queue`] inside the event's
//! transaction), and the outbox the worker works through ([`due`], [`claim`], [`settle`]).

use super::{Conn, DbResult, now_ms};
use crate::args;

/// Each channel: its name, the contact column holding its address, the column of the person's
/// consent.
const CHANNELS: [(&str, &str, &str); 2] = [("email", "email", "email_on"), ("sms", "mobile", "sms_on")];

/// Records which channels are on in the configuration the server started with, so that the
/// transaction of every event (in any process on this database) queues for those alone.
pub async fn set_channels(c: &mut impl Conn, email: bool, sms: bool) -> DbResult<()> {
    for (channel, on) in [("email", email), ("sms", sms)] {
        super::meta::set(c, &format!("outbound.{channel}"), if on { "on" } else { "off" }).await?;
    }
    Ok(())
}

/// Queues a mail and an SMS for each message (站内信) of `event` whose recipient asked for that
/// channel and gave an address, when the channel is on; a muted kind is sent by no channel.
pub async fn queue(c: &mut impl Conn, event: i64, kind: &str, now: i64) -> DbResult<()> {
    for (channel, address, consent) in CHANNELS {
        c.execute(
            &format!(
                "INSERT INTO outbound_messages (channel, user_id, notification_id, event_id, address, lang, status, \
                 attempts, next_at, last_error, created_at) \
                 SELECT $3, n.user_id, n.id, n.event_id, k.{address}, k.lang, 'pending', 0, $2, '', $2 \
                 FROM notifications n JOIN user_contacts k ON k.user_id = n.user_id \
                 WHERE n.event_id = $1 AND k.{consent} = TRUE AND k.{address} <> '' \
                 AND EXISTS (SELECT 1 FROM meta WHERE key = $4 AND value = 'on') \
                 AND NOT EXISTS (SELECT 1 FROM notification_mutes m WHERE m.user_id = n.user_id AND m.kind = $5)"
            ),
            args![event, now, channel, format!("outbound.{channel}"), kind],
        )
        .await?;
    }
    Ok(())
}

/// Where a person wants notices, and whether.
#[derive(Clone, Debug, Default, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ContactRow {
    pub email: String,
    pub mobile: String,
    pub email_on: bool,
    pub sms_on: bool,
    pub lang: String,
}

pub async fn contact(c: &mut impl Conn, user_id: i64) -> DbResult<Option<ContactRow>> {
    c.fetch_optional(
        "SELECT email, mobile, email_on, sms_on, lang FROM user_contacts WHERE user_id = $1",
        args![user_id],
    )
    .await
}

pub async fn set_contact(c: &mut impl Conn, user_id: i64, k: &ContactRow) -> DbResult<()> {
    c.execute(
        "INSERT INTO user_contacts (user_id, email, mobile, email_on, sms_on, lang, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, \
         mobile = excluded.mobile, email_on = excluded.email_on, sms_on = excluded.sms_on, lang = excluded.lang, \
         updated_at = excluded.updated_at",
        args![user_id, k.email.as_str(), k.mobile.as_str(), k.email_on, k.sms_on, k.lang.as_str(), now_ms()],
    )
    .await?;
    Ok(())
}

/// One outbound message, with what it is about (for composing it) and to whom.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct OutboundRow {
    pub id: i64,
    pub channel: String,
    pub user_id: i64,
    pub username: String,
    pub event_id: i64,
    pub kind: String,
    pub subject: String,
    pub subject_id: i64,
    pub project_id: Option<i64>,
    pub address: String,
    pub lang: String,
    pub status: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLS: &str = "SELECT o.id, o.channel, o.user_id, u.username, o.event_id, e.kind, e.subject, e.subject_id, \
     e.project_id, o.address, o.lang, o.status, o.attempts, o.next_at, o.last_error, o.created_at, o.sent_at \
     FROM outbound_messages o JOIN users u ON u.id = o.user_id JOIN events e ON e.id = o.event_id";

/// The outbound log of the people whose region lies in `bounds`, newest first.
pub async fn log(c: &mut impl Conn, bounds: &(String, String), limit: i64) -> DbResult<Vec<OutboundRow>> {
    c.fetch_all(
        &format!("{COLS} WHERE u.region_code BETWEEN $1 AND $2 ORDER BY o.id DESC LIMIT $3"),
        args![&bounds.0, &bounds.1, limit],
    )
    .await
}

/// Messages due now on the `channels` named, oldest first.
pub async fn due(c: &mut impl Conn, channels: &[&str], now: i64, limit: i64) -> DbResult<Vec<OutboundRow>> {
    let email = channels.contains(&"email");
    let sms = channels.contains(&"sms");
    c.fetch_all(
        &format!(
            "{COLS} WHERE o.status = 'pending' AND o.next_at <= $1 \
             AND ((o.channel = 'email' AND $3) OR (o.channel = 'sms' AND $4)) ORDER BY o.next_at, o.id LIMIT $2"
        ),
        args![now, limit, email, sms],
    )
    .await
}

/// Takes a due message for one attempt (see `events::claim`).
pub async fn claim(c: &mut impl Conn, m: &OutboundRow, lease_until: i64) -> DbResult<bool> {
    claim_in(c, "outbound_messages", (m.id, m.next_at, m.attempts), lease_until).await
}

/// Takes the pending row `(id, next_at, attempts)` of an outbox `table` for one attempt, as read.
pub(crate) async fn claim_in(
    c: &mut impl Conn,
    table: &str,
    (id, next_at, attempts): (i64, i64, i64),
    lease_until: i64,
) -> DbResult<bool> {
    Ok(c.execute(
        &format!(
            "UPDATE {table} SET next_at = $3, attempts = attempts + 1 \
             WHERE id = $1 AND status = 'pending' AND next_at = $2 AND attempts = $4"
        ),
        args![id, next_at, lease_until, attempts],
    )
    .await?
        == 1)
}

/// Records an attempt: sent (`error` None), or failed and tried again at `next_at` or given up.
pub async fn settle(c: &mut impl Conn, id: i64, error: Option<&str>, next_at: Option<i64>) -> DbResult<()> {
    match error {
        None => {
            c.execute(
                "UPDATE outbound_messages SET status = 'sent', last_error = '', sent_at = $2 WHERE id = $1",
                args![id, now_ms()],
            )
            .await?
        }
        Some(error) => {
            c.execute(
                "UPDATE outbound_messages SET status = $2, last_error = $3, next_at = $4 WHERE id = $1",
                args![id, if next_at.is_some() { "pending" } else { "failed" }, error, next_at.unwrap_or(0)],
            )
            .await?
        }
    };
    Ok(())
}
