//! Mail and SMS made of messages (站内信), against receivers started here: a tiny SMTP server
//! speaking enough of the protocol (EHLO, MAIL, RCPT, DATA, QUIT) and an SMS gateway that
//! fails once. A person who opted in and gave an address is mailed and texted for a step that
//! concerns them, in Chinese with a link; nothing is queued for one who did not, for a muted
//! kind, or when the channels are off (the default); the SMS is signed and retried under the
//! same id; the log shows addresses masked; bad addresses are refused in the caller's language
//! and change nothing; no one reads another person's address.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{Store, TestApp, get, post, receiver_failing_once, signed_by, token, wait_for};

const EMAIL: &str = "wang.li@example.com";
const MOBILE: &str = "13912345678";
const SMS_SECRET: &str = "sms-gateway-secret";

/// One mail as the SMTP server received it.
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    data: String,
}

type Mails = Arc<Mutex<Vec<Mail>>>;

/// An SMTP server on a free port that accepts every mail.
async fn smtp_receiver() -> (u16, Mails) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Mails::default();
    let m = mails.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let m = m.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, m).await;
            });
        }
    });
    (port, mails)
}

async fn smtp_session(stream: TcpStream, mails: Mails) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 relay.test ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-relay.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(cmd["RCPT TO:".len()..].trim().to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            mails.lock().unwrap().push(Mail { to: std::mem::take(&mut to), data });
            b"250 Queued\r\n"
        } else if upper == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        w.write_all(reply).await?;
    }
}

/// A mail's headers (encoded words decoded) and its body (base64 decoded, if it is).
fn read_mail(data: &str) -> (String, String) {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.decode(s.replace(['\r', '\n'], "")).unwrap();
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    let mut headers = String::new();
    for (i, word) in head.split("=?utf-8?b?").enumerate() {
        match word.split_once("?=") {
            Some((encoded, rest)) if i > 0 => {
                headers.push_str(&String::from_utf8(b64(encoded)).unwrap());
                headers.push_str(rest);
            }
            _ => headers.push_str(word),
        }
    }
    let body = if head.contains("Content-Transfer-Encoding: base64") {
        String::from_utf8(b64(body)).unwrap()
    } else {
        body.to_owned()
    };
    (headers, body)
}

/// The caller gives both addresses and turns both channels on; returns which channels the
/// platform sends by.
async fn opt_in(t: &TestApp, tok: &str) -> Value {
    let body = json!({"email": EMAIL, "mobile": MOBILE, "email_on": true, "sms_on": true});
    let (s, v) = post(t, tok, "/api/v1/notifications/contact", body).await;
    assert_eq!(s, 200, "{v}");
    v["channels"].clone()
}

async fn queued(t: &TestApp) -> i64 {
    t.db().scalar("SELECT COUNT(*) FROM outbound_messages", vec![]).await.unwrap()
}

/// An enterprise application taken up to the district's approval; returns its id and the path
/// of its transitions.
async fn application(t: &TestApp, enterprise: &str, district: &str) -> (i64, String) {
    let (s, v) = post(t, enterprise, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["enrolment"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/enrolments/{id}/transitions");
    assert_eq!(post(t, district, &path, json!({"action": "district_approve"})).await.0, 200);
    (id, path)
}

async fn mail_and_sms_reach_those_who_asked(store: Store) {
    let (smtp_port, mails) = smtp_receiver().await;
    let (gateway, texts) = receiver_failing_once("/sms").await;
    let t = TestApp::spawn_with(store, |s| {
        s.public_url = "http://dengta.test/".into();
        s.webhooks.poll_ms = 50;
        s.webhooks.retry_base_ms = 200;
        s.mail.enabled = true;
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = smtp_port;
        s.mail.from = "灯塔平台 <dengta@example.gov.cn>".into();
        s.mail.timeout_ms = 5000;
        s.sms.enabled = true;
        s.sms.gateway_url = gateway;
        s.sms.secret = SMS_SECRET.into();
        s.sms.timeout_ms = 5000;
    })
    .await;
    let sys = token(&t, "demo-sysadmin").await;
    let district = token(&t, "demo-district").await;
    let city = token(&t, "demo-officer").await;
    let enterprise = token(&t, "demo-enterprise").await;

    // Not opted in: the enterprise gets its message, and no mail or SMS is queued.
    let (id, path) = application(&t, &enterprise, &district).await;
    let (_, v) = get(&t, &enterprise, "/api/v1/notifications?unread=true").await;
    assert_eq!(v["items"][0]["kind"], "enrolment.district_approve", "{v}");
    assert_eq!(queued(&t).await, 0, "no one asked for mail or SMS");

    // It opts in to both and mutes the city's approval: that step is sent by no channel.
    assert_eq!(opt_in(&t, &enterprise).await, json!({"email": true, "sms": true}));
    let (s, _) =
        post(&t, &enterprise, "/api/v1/notifications/mutes", json!({"muted": ["enrolment.city_approve"]})).await;
    assert_eq!(s, 204);
    assert_eq!(post(&t, &city, &path, json!({"action": "city_approve"})).await.0, 200);
    assert_eq!(queued(&t).await, 0, "a muted kind is not sent");

    // The 公示 starts: one mail and one SMS.
    assert_eq!(post(&t, &city, &path, json!({"action": "publicise"})).await.0, 200);
    assert_eq!(queued(&t).await, 2);
    let link = format!("http://dengta.test/enrolments/{id}");

    let got = wait_for(&mails, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].to, [format!("<{EMAIL}>")]);
    let (headers, body) = read_mail(&got[0].data);
    assert!(headers.contains("Content-Type: text/plain; charset=utf-8"), "{headers}");
    assert!(headers.contains(&format!("To: {EMAIL}")), "{headers}");
    assert!(headers.contains("From: 灯塔平台 <dengta@example.gov.cn>"), "{headers}");
    assert!(headers.contains("Subject: 【灯塔】试点企业申请"), "{headers}");
    assert!(body.contains("试点企业申请") && body.contains(&link), "Chinese, with the link: {body}");

    // The SMS: refused once, retried under the same id, signed both times.
    let got = wait_for(&texts, 2).await;
    let (h1, b1) = &got[0];
    let (h2, b2) = &got[1];
    assert!(signed_by(SMS_SECRET, h1, b1) && signed_by(SMS_SECRET, h2, b2), "signed with the gateway's secret");
    assert!(!signed_by("another secret", h2, b2));
    let (first, sms): (Value, Value) = (serde_json::from_slice(b1).unwrap(), serde_json::from_slice(b2).unwrap());
    assert_eq!(first["id"], sms["id"], "the same message id on the retry");
    assert_eq!(sms["to"], MOBILE);
    let text = sms["text"].as_str().unwrap();
    assert!(text.starts_with("【灯塔】试点企业申请") && text.contains(&link), "{text}");

    // The log: both sent, the SMS on its second attempt; addresses masked; administrators only.
    let mut log = Value::Null;
    for _ in 0..100 {
        log = get(&t, &sys, "/api/v1/outbound").await.1;
        if log["items"].as_array().is_some_and(|i| i.iter().all(|m| m["status"] == "sent")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{log}");
    let by = |channel: &str| items.iter().find(|m| m["channel"] == channel).cloned().unwrap();
    let (mail, sms) = (by("email"), by("sms"));
    assert_eq!((mail["status"].as_str(), mail["attempts"].as_i64()), (Some("sent"), Some(1)), "{log}");
    assert_eq!((sms["status"].as_str(), sms["attempts"].as_i64()), (Some("sent"), Some(2)), "{log}");
    assert_eq!((mail["address"].as_str(), sms["address"].as_str()), (Some("w***@example.com"), Some("139****5678")));
    assert_eq!(mail["username"], "demo-enterprise");
    assert!(!log.to_string().contains(EMAIL) && !log.to_string().contains(MOBILE), "{log}");
    assert_eq!(get(&t, &enterprise, "/api/v1/outbound").await.0, 403);
    let (c, _) = t.demo_login("demo-sysadmin").await;
    let page = c.get(t.url("/admin/outbound")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("139****5678") && page.contains("已发送"), "{page}");
    assert!(!page.contains(MOBILE) && !page.contains(EMAIL));
}

async fn nothing_is_queued_when_the_channels_are_off(store: Store) {
    let t = TestApp::spawn(store).await;
    let sys = token(&t, "demo-sysadmin").await;
    let district = token(&t, "demo-district").await;
    let enterprise = token(&t, "demo-enterprise").await;
    // Consent may be given while the platform sends neither: it waits unused.
    assert_eq!(opt_in(&t, &enterprise).await, json!({"email": false, "sms": false}));
    application(&t, &enterprise, &district).await;
    let (_, v) = get(&t, &enterprise, "/api/v1/notifications?unread=true").await;
    assert_eq!(v["items"][0]["kind"], "enrolment.district_approve", "the message itself is there: {v}");
    assert_eq!(queued(&t).await, 0, "mail and SMS are off by default");
    assert_eq!(get(&t, &sys, "/api/v1/outbound").await.1["items"], json!([]));
}

async fn contact_details_are_checked_and_private(store: Store) {
    let t = TestApp::spawn(store).await;
    let sys = token(&t, "demo-sysadmin").await;
    let provider = token(&t, "demo-provider").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let path = "/api/v1/notifications/contact";
    let (s, v) = post(&t, &enterprise, path, json!({"email": EMAIL, "mobile": MOBILE})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["email_on"].as_bool(), v["sms_on"].as_bool()), (Some(false), Some(false)), "off unless turned on");
    let stored = get(&t, &enterprise, path).await.1;
    assert_eq!((stored["email"].as_str(), stored["mobile"].as_str()), (Some(EMAIL), Some(MOBILE)));

    // Refusals, in Chinese (and English on request), change nothing.
    let refused = [
        (json!({"mobile": "1391234567"}), "手机号码须为以 1 开头的 11 位数字", "11 digits"),
        (json!({"mobile": "23912345678"}), "手机号码", "mobile"),
        (json!({"mobile": "139-1234-567a"}), "手机号码", "mobile"),
        (json!({"email": "wang.li@", "email_on": true}), "电子邮箱格式不正确", "e-mail address is not valid"),
        (json!({"email": "wang li@example.com"}), "电子邮箱格式不正确", "e-mail"),
        (json!({"mobile": "", "sms_on": true}), "请先填写手机号码", "Give a mobile number"),
    ];
    let c = reqwest::Client::new();
    for (body, zh, en) in refused {
        let (s, v) = post(&t, &enterprise, path, body.clone()).await;
        assert_eq!(s, 422, "{body} → {v}");
        assert!(v["title"].as_str().unwrap().contains(zh), "{body} → {v}");
        let res = c.post(t.url(path)).bearer_auth(&enterprise).header("accept-language", "en").json(&body).send();
        let v: Value = res.await.unwrap().json().await.unwrap();
        assert!(v["title"].as_str().unwrap().contains(en), "{body} → {v}");
    }
    assert_eq!(post(&t, &enterprise, path, json!({"phone": MOBILE})).await.0, 400, "unknown fields are refused");
    assert_eq!(get(&t, &enterprise, path).await.1, stored, "nothing changed");

    // The account page: a refused form shows the message and what was typed, and saves nothing.
    let (browser, csrf) = t.demo_login("demo-enterprise").await;
    let form = [("_csrf", csrf.as_str()), ("email", EMAIL), ("mobile", "12345"), ("sms_on", "1")];
    let res = browser.post(t.url("/account/contact")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("手机号码须为以 1 开头的 11 位数字") && html.contains("value=\"12345\""), "{html}");
    assert!(
        html.contains("<p class=\"field-error\" id=\"err-contact-mobile\">手机号码须为"),
        "beside the mobile: {html}"
    );
    assert_eq!(get(&t, &enterprise, path).await.1, stored, "nothing changed");
    let form = [("_csrf", csrf.as_str()), ("email", EMAIL), ("mobile", "13800001111"), ("email_on", "1")];
    let res = browser.post(t.url("/account/contact")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let now = get(&t, &enterprise, path).await.1;
    assert_eq!(
        (now["mobile"].as_str(), now["email_on"].as_bool(), now["sms_on"].as_bool()),
        (Some("13800001111"), Some(true), Some(false))
    );
    let page = browser.get(t.url("/account/contact")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("13800001111") && page.contains(EMAIL), "the owner sees their own in full");

    // No one else reads them: another user sees only their own (none), an administrator's
    // view of users holds neither, and the audit trail has them masked.
    let other = get(&t, &provider, path).await.1;
    assert_eq!((other["email"].as_str(), other["mobile"].as_str()), (Some(""), Some("")), "{other}");
    let users = get(&t, &sys, "/api/v1/users").await.1.to_string();
    assert!(!users.contains(EMAIL) && !users.contains("13800001111"));
    let audit: Vec<(String,)> = t
        .db()
        .fetch_all("SELECT detail FROM audit_log WHERE action = 'account.contact' ORDER BY seq", vec![])
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(
        audit.iter().all(|(d,)| !d.contains(EMAIL) && !d.contains(MOBILE) && !d.contains("13800001111")),
        "{audit:?}"
    );
}

async fn an_unreachable_gateway_is_given_up_after_the_last_attempt(store: Store) {
    // A port nothing listens on any more.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let t = TestApp::spawn_with(store, |s| {
        s.webhooks.poll_ms = 50;
        s.webhooks.retry_base_ms = 50;
        s.webhooks.max_attempts = 3;
        s.sms.enabled = true;
        s.sms.gateway_url = format!("http://{closed}/sms");
        s.sms.secret = SMS_SECRET.into();
        s.sms.timeout_ms = 1000;
    })
    .await;
    let sys = token(&t, "demo-sysadmin").await;
    let district = token(&t, "demo-district").await;
    let enterprise = token(&t, "demo-enterprise").await;
    assert_eq!(opt_in(&t, &enterprise).await, json!({"email": false, "sms": true}));
    application(&t, &enterprise, &district).await;
    assert_eq!(queued(&t).await, 1, "SMS only: mail is off");
    let mut log = Value::Null;
    for _ in 0..200 {
        log = get(&t, &sys, "/api/v1/outbound").await.1;
        if log["items"][0]["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m = &log["items"][0];
    assert_eq!(
        (m["channel"].as_str(), m["status"].as_str(), m["attempts"].as_i64(), m["last_error"].as_str()),
        (Some("sms"), Some("failed"), Some(3), Some("connection failed")),
        "{log}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get(&t, &sys, "/api/v1/outbound").await.1["items"][0]["attempts"], 3, "no attempt after the last");
}

on_both_stores!(
    mail_and_sms_reach_those_who_asked,
    an_unreachable_gateway_is_given_up_after_the_last_attempt,
    nothing_is_queued_when_the_channels_are_off,
    contact_details_are_checked_and_private
);
