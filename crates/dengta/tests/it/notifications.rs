//! Messages (站内信) and webhooks through the API, against a real receiver started here: a step
//! tells the enterprise (not the person who took it), a muted kind is not told, a webhook
//! delivery is signed with the subscription's secret, a failed delivery is retried with the
//! same delivery id, the log shows every outcome, a replay sends it again, and a step raced
//! by many requests makes exactly one event.

use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, public_objection, receiver_failing_once, signed_by, token, wait_for};
use dengta::db;

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn unread(t: &TestApp, tok: &str) -> Vec<Value> {
    let (s, v) = get(t, tok, "/api/v1/notifications?unread=true").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["unread"].as_u64(), Some(v["items"].as_array().unwrap().len() as u64));
    v["items"].as_array().unwrap().clone()
}

async fn steps_tell_people_and_signed_webhooks(store: Store) {
    let t = TestApp::spawn_with(store, |s| {
        s.webhooks.poll_ms = 50;
        s.webhooks.retry_base_ms = 200;
    })
    .await;
    let sys = token(&t, "demo-sysadmin").await;
    let district = token(&t, "demo-district").await;
    let city = token(&t, "demo-officer").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let (url, seen) = receiver_failing_once("/hook").await;

    // Refused subscriptions change nothing.
    let bad = [
        json!({"url": "ftp://127.0.0.1/x", "region": "320100", "kinds": "*"}),
        json!({"url": url, "region": "320100", "kinds": "enrolment.nonsense"}),
        json!({"url": url, "region": "999999", "kinds": "*"}),
        json!({"url": url, "region": "320100"}),
    ];
    for b in bad {
        let (s, v) = post(&t, &sys, "/api/v1/webhooks", b.clone()).await;
        assert!(s == 422 || s == 400, "{b} → {s} {v}");
    }
    assert_eq!(post(&t, &city, "/api/v1/webhooks", json!({"url": url, "region": "320100", "kinds": "*"})).await.0, 403);
    assert_eq!(get(&t, &sys, "/api/v1/webhooks").await.1["items"], json!([]));

    let kinds = "enrolment.district_approve enrolment.city_approve";
    let (s, v) = post(&t, &sys, "/api/v1/webhooks", json!({"url": url, "region": "320100", "kinds": kinds})).await;
    assert_eq!(s, 201, "{v}");
    let hook = v["webhook"]["id"].as_i64().unwrap();
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert!(get(&t, &sys, "/api/v1/webhooks").await.1.to_string().contains(&url));
    assert!(!get(&t, &sys, "/api/v1/webhooks").await.1.to_string().contains(&secret), "the secret is shown once");

    let (s, v) = post(&t, &enterprise, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["enrolment"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/enrolments/{id}/transitions");
    assert!(unread(&t, &enterprise).await.is_empty(), "its own application is not news to it");
    assert_eq!(post(&t, &district, &path, json!({"action": "district_approve"})).await.0, 200);

    // The enterprise is told; the district, who took the step, is not.
    let items = unread(&t, &enterprise).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["kind"], "enrolment.district_approve");
    assert_eq!(items[0]["href"], format!("/enrolments/{id}"));
    assert!(unread(&t, &district).await.is_empty());
    let (_, v) = post(&t, &enterprise, "/api/v1/notifications/read", json!({})).await;
    assert_eq!(v["marked"], 1);
    assert!(unread(&t, &enterprise).await.is_empty());

    // The webhook: refused once, retried with the same delivery id, signed both times.
    let got = wait_for(&seen, 2).await;
    let (h1, b1) = &got[0];
    let (h2, b2) = &got[1];
    assert_eq!(header(h1, "x-dengta-delivery"), header(h2, "x-dengta-delivery"));
    assert_eq!(header(h1, "x-dengta-event"), "enrolment.district_approve");
    assert!(signed_by(&secret, h1, b1) && signed_by(&secret, h2, b2), "signed with the secret");
    assert!(!signed_by("another secret", h2, b2));
    let event: Value = serde_json::from_slice(b2).unwrap();
    assert_eq!((event["kind"].as_str(), event["subject_id"].as_i64()), (Some("enrolment.district_approve"), Some(id)));
    assert_eq!(event["data"]["to"], "district_approved");
    assert!(!String::from_utf8_lossy(b2).contains("13912345678"), "no personal data");
    // The log: delivered on the second attempt.
    let mut log = Value::Null;
    for _ in 0..100 {
        log = get(&t, &sys, &format!("/api/v1/webhooks/{hook}/deliveries")).await.1;
        if log["items"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = &log["items"][0];
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64(), d["last_status"].as_i64()),
        (Some("delivered"), Some(2), Some(200)),
        "{log}"
    );
    // A replay sends it again, under the same delivery id.
    let did = d["id"].as_i64().unwrap();
    let (s, _) = post(&t, &sys, &format!("/api/v1/webhooks/{hook}/replay"), json!({"delivery": did})).await;
    assert_eq!(s, 202);
    let got = wait_for(&seen, 3).await;
    assert_eq!(header(&got[2].0, "x-dengta-delivery"), did.to_string());
    assert!(signed_by(&secret, &got[2].0, &got[2].1));

    // A muted kind is not told; an unknown kind cannot be muted.
    let (s, _) = post(&t, &enterprise, "/api/v1/notifications/mutes", json!({"muted": ["no.such"]})).await;
    assert_eq!(s, 400);
    let (s, _) =
        post(&t, &enterprise, "/api/v1/notifications/mutes", json!({"muted": ["enrolment.city_approve"]})).await;
    assert_eq!(s, 204);

    // Eight officers' requests race for one step: one wins, and it is one event, one delivery.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (u, tok) = (t.url(&path), city.clone());
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(u)
                .bearer_auth(tok)
                .json(&json!({"action": "city_approve"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1, "exactly one request takes the step");
    let c = t.db();
    let events: i64 = c
        .scalar(
            "SELECT COUNT(*) FROM events WHERE kind = 'enrolment.city_approve' AND subject_id = $1",
            vec![db::Arg::from(id)],
        )
        .await
        .unwrap();
    assert_eq!(events, 1);
    let deliveries: i64 = c
        .scalar(
            "SELECT COUNT(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE e.kind = 'enrolment.city_approve'",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(deliveries, 1);
    assert!(unread(&t, &enterprise).await.is_empty(), "muted");

    // An objection from the public during 公示: the officers over the enterprise are told (the
    // district and the city), and so is the enterprise; the objector's name is in no message.
    assert_eq!(post(&t, &city, &path, json!({"action": "publicise"})).await.0, 200);
    post(&t, &city, "/api/v1/notifications/read", json!({})).await;
    post(&t, &district, "/api/v1/notifications/read", json!({})).await;
    // An officer over it who muted objections is not told.
    let approver = token(&t, "demo-approver").await;
    post(&t, &approver, "/api/v1/notifications/read", json!({})).await;
    let (s, _) = post(&t, &approver, "/api/v1/notifications/mutes", json!({"muted": ["enrolment.objection"]})).await;
    assert_eq!(s, 204);
    assert_eq!(public_objection(&t, id, "赵先生", "该企业已获省级同类项目资助").await.0, 201);
    assert!(unread(&t, &approver).await.iter().all(|m| m["kind"] != "enrolment.objection"), "muted");
    for tok in [&city, &district, &enterprise] {
        let items = unread(&t, tok).await;
        let told = items.iter().find(|m| m["kind"] == "enrolment.objection");
        assert!(told.is_some_and(|m| m["href"] == format!("/enrolments/{id}")), "{items:?}");
        assert!(!serde_json::to_string(&items).unwrap().contains("赵先生"));
    }
}

on_both_stores!(steps_tell_people_and_signed_webhooks);
