//! Notices by e-mail and SMS, both off unless configured (`[mail]`, `[sms]`). A person gives an
//! e-mail address and a mainland mobile number on their account (both optional personal data,
//! shown to no one else unmasked) and turns each channel on for themselves. Each message
//! (站内信) of a person who did is queued for that channel in the transaction that made it
//! (`db::outbound::queue`), never for a muted kind; the server's worker sends what is due and
//! retries a failure with the webhooks' backoff until it is sent or `max_attempts` is spent.
//!
//! Mail goes by plain SMTP (no TLS stack is built in) to the office's in-house relay, which
//! carries it on. An SMS is `POST <gateway_url>` of `{"to", "text", "id"}` to the in-house SMS
//! gateway, signed like a webhook (`X-Dengta-Signature`, HMAC-SHA256 under `[sms] secret`);
//! `id` is the message's, the same on every retry, so the gateway can de-duplicate.

use std::time::Duration;

use dengta_i18n::{Lang, t};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::personal::{mask_email, mask_phone};
use super::webhooks::{admin, backoff_ms, signature};
use super::{Actor, App, AppError, AppResult};
use crate::config::{MailSettings, Settings};
use crate::db::outbound::{self as store, ContactRow, OutboundRow};
use crate::db::{self, Db};

/// Messages taken per round of the worker.
const BATCH: i64 = 20;
/// The outbound log lists at most this many.
const LOG_LIMIT: i64 = 200;

/// A mainland mobile number: 11 digits, the first a 1.
pub fn valid_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

/// An e-mail address, checked simply: one @ between a name and a dotted domain, no spaces, and
/// one the mailer can send to.
pub fn valid_email(s: &str) -> bool {
    let Some((name, domain)) = s.split_once('@') else { return false };
    s.len() <= 254
        && !name.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.parse::<lettre::Address>().is_ok()
}

/// Where the caller wants notices, and whether; and which channels this installation sends by.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "NoticeContact")]
pub struct Contact {
    pub email: String,
    pub mobile: String,
    pub email_on: bool,
    pub sms_on: bool,
    /// Whether the installation sends mail / SMS at all (else a consent waits unused).
    pub channels: Channels,
}

#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "NoticeChannels")]
pub struct Channels {
    pub email: bool,
    pub sms: bool,
}

/// What a person submits; each field absent keeps what was stored.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub email_on: Option<bool>,
    pub sms_on: Option<bool>,
}

fn channels(app: &App) -> Channels {
    Channels { email: app.settings.mail.enabled, sms: app.settings.sms.enabled }
}

/// The caller's own contact details, unmasked (no one else can read them).
pub async fn contact(app: &App, actor: &Actor) -> AppResult<Contact> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let k = store::contact(&mut app.db.clone(), p.user_id).await?.unwrap_or_default();
    Ok(Contact { email: k.email, mobile: k.mobile, email_on: k.email_on, sms_on: k.sms_on, channels: channels(app) })
}

/// Saves the caller's contact details and consents; notices will be in `lang`. A malformed
/// address, or a channel turned on without its address, is refused and changes nothing.
pub async fn set_contact(app: &App, actor: &Actor, lang: Lang, input: &ContactInput) -> AppResult<Contact> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let old = store::contact(&mut app.db.clone(), p.user_id).await?.unwrap_or_default();
    let email = input.email.as_deref().map_or(old.email, |e| e.trim().to_owned());
    let mobile = input.mobile.as_deref().map_or(old.mobile, |m| m.trim().replace([' ', '-'], ""));
    if !email.is_empty() && !valid_email(&email) {
        return Err(AppError::invalid("error.contact_email", email));
    }
    if !mobile.is_empty() && !valid_mobile(&mobile) {
        return Err(AppError::invalid("error.contact_mobile", mobile));
    }
    let row = ContactRow {
        email_on: input.email_on.unwrap_or(old.email_on),
        sms_on: input.sms_on.unwrap_or(old.sms_on),
        email,
        mobile,
        lang: lang.code().to_owned(),
    };
    if row.email_on && row.email.is_empty() {
        return Err(AppError::invalid("error.contact_email_missing", ""));
    }
    if row.sms_on && row.mobile.is_empty() {
        return Err(AppError::invalid("error.contact_mobile_missing", ""));
    }
    let mut tx = app.db.begin().await?;
    store::set_contact(&mut tx, p.user_id, &row).await?;
    // Personal data: the record says what changed, masked.
    let detail = format!(
        "email={} email_on={} mobile={} sms_on={}",
        mask_email(&row.email),
        row.email_on,
        mask_phone(&row.mobile),
        row.sms_on
    );
    record(&mut tx, actor, "account.contact", &format!("user:{}", p.user_id), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    contact(app, actor).await
}

/// Tells the database which channels are on (the server, at start): events queue for those
/// alone, whichever process records them.
pub async fn publish_channels(db: &Db, settings: &Settings) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::set_channels(&mut tx, settings.mail.enabled, settings.sms.enabled).await?;
    tx.commit().await?;
    Ok(())
}

/// One line of the outbound log, its address masked.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "OutboundMessage")]
pub struct LogLine {
    pub id: i64,
    pub channel: String,
    pub username: String,
    pub event_id: i64,
    pub kind: String,
    pub address: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

fn masked(channel: &str, address: &str) -> String {
    if channel == "email" { mask_email(address) } else { mask_phone(address) }
}

/// The mails and SMS to the people of the administrator's region, newest first.
pub async fn log(app: &App, actor: &Actor) -> AppResult<Vec<LogLine>> {
    let p = admin(actor)?;
    let rows = store::log(&mut app.db.clone(), &p.region.subtree_bounds(), LOG_LIMIT).await?;
    Ok(rows
        .into_iter()
        .map(|r| LogLine {
            address: masked(&r.channel, &r.address),
            id: r.id,
            channel: r.channel,
            username: r.username,
            event_id: r.event_id,
            kind: r.kind,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
        .collect())
}

/// A message's subject and text in its language: the message's title and a link to its page.
pub fn compose(m: &OutboundRow, public_url: &str) -> (String, String) {
    let lang = Lang::from_code(&m.lang).unwrap_or_default();
    let (zh, en) = super::notifications::kind_label(&m.kind);
    let title = if lang == Lang::En { en } else { zh };
    let link = format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        super::notifications::href(&m.subject, m.subject_id, m.project_id)
    );
    let fill = |key: &str| t(lang, key).replace("{title}", &title).replace("{link}", &link);
    if m.channel == "sms" {
        (String::new(), fill("outbound.sms_text"))
    } else {
        (fill("outbound.mail_subject"), fill("outbound.mail_text"))
    }
}

/// The relay's client: plain SMTP, with AUTH when a user name is configured.
fn mailer(s: &MailSettings) -> AsyncSmtpTransport<Tokio1Executor> {
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.smtp_host.trim())
        .port(s.smtp_port)
        .timeout(Some(Duration::from_millis(s.timeout_ms)));
    if !s.username.is_empty() {
        b = b.credentials(Credentials::new(s.username.clone(), s.password.clone()));
    }
    b.build()
}

/// What the worker sends with.
pub struct Senders {
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
}

impl Senders {
    pub fn new(settings: &Settings) -> AppResult<Senders> {
        let mail = if settings.mail.enabled {
            let from = settings.mail.from.parse::<Mailbox>().map_err(|e| AppError::Internal(e.to_string()))?;
            Some((mailer(&settings.mail), from))
        } else {
            None
        };
        Ok(Senders { mail, http: reqwest::Client::new() })
    }
}

async fn send_mail(app: &App, s: &Senders, m: &OutboundRow) -> Result<(), String> {
    let Some((transport, from)) = &s.mail else { return Err("mail is not enabled".into()) };
    let to = m.address.parse::<Mailbox>().map_err(|e| e.to_string())?;
    let (subject, text) = compose(m, &app.settings.public_url);
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| e.to_string())?;
    transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
}

async fn send_sms(app: &App, s: &Senders, m: &OutboundRow) -> Result<(), String> {
    let sms = &app.settings.sms;
    let (_, text) = compose(m, &app.settings.public_url);
    let body = serde_json::json!({ "to": m.address, "text": text, "id": m.id }).to_string();
    let sent = s
        .http
        .post(&sms.gateway_url)
        .timeout(Duration::from_millis(sms.timeout_ms))
        .header("content-type", "application/json")
        .header("x-dengta-signature", signature(&sms.secret, db::now_ms(), body.as_bytes()))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
        Err(e) => Err(if e.is_timeout() { "timeout" } else { "connection failed" }.into()),
    }
}

/// One round of the worker: sends every message that is due on an enabled channel (at most a
/// batch) and records each outcome. Returns how many were attempted.
pub async fn send_due(app: &App, senders: &Senders) -> AppResult<usize> {
    let s = &app.settings;
    let mut on = Vec::new();
    if s.mail.enabled {
        on.push("email");
    }
    if s.sms.enabled {
        on.push("sms");
    }
    let now = db::now_ms();
    let mut c = app.db.clone();
    let mut attempted = 0;
    for m in store::due(&mut c, &on, now, BATCH).await? {
        let timeout = if m.channel == "email" { s.mail.timeout_ms } else { s.sms.timeout_ms };
        if !store::claim(&mut c, &m, now + 2 * timeout as i64 + 1000).await? {
            continue; // another worker took it
        }
        attempted += 1;
        let sent =
            if m.channel == "email" { send_mail(app, senders, &m).await } else { send_sms(app, senders, &m).await };
        let attempts = m.attempts + 1;
        let retry =
            (attempts < s.webhooks.max_attempts).then(|| db::now_ms() + backoff_ms(s.webhooks.retry_base_ms, attempts));
        // The relay's answer may quote the address: it is kept masked, like everywhere else.
        let error = sent.err().map(|e| {
            let e = e.replace(&m.address, &masked(&m.channel, &m.address));
            e.chars().take(500).collect::<String>()
        });
        store::settle(&mut c, m.id, error.as_deref(), retry).await?;
    }
    Ok(attempted)
}

/// The worker, when a channel is on: a round every `[webhooks] poll_ms`.
pub async fn run(app: App) {
    let senders = match Senders::new(&app.settings) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "outbound mail and SMS cannot start");
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(app.settings.webhooks.poll_ms.max(50)));
    loop {
        tick.tick().await;
        if let Err(e) = send_due(&app, &senders).await {
            tracing::warn!(error = %e, "sending mail and SMS failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_eleven_digits_from_a_one() {
        assert!(valid_mobile("13912345678"));
        for bad in ["1391234567", "139123456789", "23912345678", "1391234567a", "+8613912345678", ""] {
            assert!(!valid_mobile(bad), "{bad}");
        }
    }

    #[test]
    fn emails_are_checked_simply() {
        assert!(valid_email("wang.li@example.com.cn"));
        for bad in ["wang", "wang@", "@example.com", "wang@localhost", "wang li@example.com", "a@b@c.com", "w@.cn"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_message_is_in_its_language_with_its_link() {
        let m = OutboundRow {
            id: 1,
            channel: "email".into(),
            user_id: 1,
            username: "u".into(),
            event_id: 1,
            kind: "acceptance.apply".into(),
            subject: "acceptance".into(),
            subject_id: 9,
            project_id: Some(4),
            address: "a@b.cn".into(),
            lang: "zh-CN".into(),
            status: "pending".into(),
            attempts: 0,
            next_at: 0,
            last_error: String::new(),
            created_at: 0,
            sent_at: None,
        };
        let (subject, text) = compose(&m, "http://dengta.example/");
        assert!(subject.contains("验收"), "{subject}");
        assert!(text.contains("http://dengta.example/projects/4"), "{text}");
        let en = OutboundRow { lang: "en".into(), channel: "sms".into(), ..m };
        let (_, text) = compose(&en, "");
        assert!(text.contains("Acceptance") && text.contains("/projects/4"), "{text}");
    }
}
