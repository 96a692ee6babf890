//! Upward reporting between two instances: a city signs its counters, a province trusts the
//! city's key and imports; its dashboard includes the city; a tampered, untrusted or replayed
//! package is refused and changes nothing.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, page, post, token};
use dengta::db;

async fn province_officer(t: &TestApp, username: &str) -> String {
    let mut c = t.db();
    let hash = dengta::app::accounts::hash_password("Province#2026").await.unwrap();
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username,
            display_name: "江苏省工业和信息化厅",
            password_hash: &hash,
            role: "officer",
            region_code: "320000",
            enterprise_id: None,
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    token(t, username).await
}

async fn signed_packages_flow_upward(store: Store) {
    let city_instance = TestApp::spawn(store).await;
    let province_instance = TestApp::spawn(store).await;
    let city = token(&city_instance, "demo-officer").await;
    let (s, pkg) = get(&city_instance, &city, "/api/v1/reports/export").await;
    assert_eq!(s, 200, "{pkg}");
    assert_eq!(pkg["region_code"], "320100");
    let sent = pkg["counters"]["320100"]["e.enterprises"].as_i64().unwrap();
    assert!(sent > 0, "{pkg}");
    let text = pkg.to_string();
    assert!(!text.contains("91320102MA1X2Y3B1X") && !text.contains("玄武精密"), "aggregates only, no enterprise");
    let (_, key) = get(&city_instance, &city, "/api/v1/reports/key").await;
    assert_eq!(key["public_key"], pkg["public_key"]);

    let province = province_officer(&province_instance, "js-officer").await;
    // Whoever trusts a region's key does not import its packages (data/rules/duties.toml).
    let keeper = province_officer(&province_instance, "js-keykeeper").await;
    let (_, before) = get(&province_instance, &province, "/api/v1/dashboard").await;
    assert_eq!(before["region_code"], "320000");
    let enterprises = |d: &Value| d["values"]["enterprises"].as_i64().unwrap_or(0);

    // Untrusted first; then the key is registered for 南京市.
    let (s, v) = post(&province_instance, &province, "/api/v1/reports/import", pkg.clone()).await;
    assert_eq!(s, 422, "{v}");
    let trust = json!({"region_code": "320100", "public_key": pkg["public_key"]});
    assert_eq!(post(&province_instance, &keeper, "/api/v1/reports/keys", trust).await.0, 201);
    // A key for a region outside the province is refused.
    let other = json!({"region_code": "440000", "public_key": pkg["public_key"]});
    assert_eq!(post(&province_instance, &keeper, "/api/v1/reports/keys", other).await.0, 422);

    // A tampered package is refused and changes nothing.
    let mut forged = pkg.clone();
    forged["counters"]["320100"]["e.enterprises"] = json!(sent + 1000);
    let (s, v) = post(&province_instance, &province, "/api/v1/reports/import", forged).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("report_signature"), "{v}");
    let (_, same) = get(&province_instance, &province, "/api/v1/dashboard").await;
    assert_eq!(enterprises(&same), enterprises(&before));

    // The city's evaluation travels signed in the package: the one its officers see.
    let (_, own) = get(&city_instance, &city, "/api/v1/dashboard/evaluation").await;
    assert_eq!(pkg["evaluation"], own["evaluation"], "the package carries the city's evaluation");
    assert!(pkg["evaluation"]["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let mut boasted = pkg.clone();
    boasted["evaluation"]["score"] = json!(100.0);
    let (s, v) = post(&province_instance, &province, "/api/v1/reports/import", boasted).await;
    assert_eq!(s, 422, "a changed score breaks the signature: {v}");

    // The genuine package lands; the province's dashboard includes the city, and its drill-down too.
    let (s, v) = post(&province_instance, &province, "/api/v1/reports/import", pkg.clone()).await;
    assert_eq!(s, 201, "{v}");
    let (_, after) = get(&province_instance, &province, "/api/v1/dashboard").await;
    assert_eq!(enterprises(&after) - enterprises(&before), sent);
    let nanjing = after["children"].as_array().unwrap().iter().find(|c| c["code"] == "320100").cloned().unwrap();
    let nanjing_before =
        before["children"].as_array().unwrap().iter().find(|c| c["code"] == "320100").cloned().unwrap_or(json!({}));
    assert_eq!(
        nanjing["values"]["enterprises"].as_i64().unwrap()
            - nanjing_before["values"]["enterprises"].as_i64().unwrap_or(0),
        sent
    );
    // The province reads the city's evaluation from the imported counters and shows the one the
    // city signed beside it.
    let (s, ev) = get(&province_instance, &province, "/api/v1/dashboard/evaluation?region=320100").await;
    assert_eq!(s, 200, "{ev}");
    assert_eq!(ev["reported"]["evaluation"], pkg["evaluation"]);
    assert_eq!(ev["reported"]["generated_at"], pkg["generated_at"]);
    let html = page(&province_instance, &province, "/dashboard/evaluation?region=320100").await;
    assert!(html.contains("id=\"reported-score\""), "the printable report shows the signed score");
    // Replaying the same package is refused as stale.
    assert_eq!(post(&province_instance, &province, "/api/v1/reports/import", pkg).await.0, 409);
    let (_, list) = get(&province_instance, &province, "/api/v1/reports").await;
    assert_eq!(list["items"][0]["region_code"], "320100");
    // The city cannot import its own package (not below it).
    let (s, _) = post(
        &city_instance,
        &city,
        "/api/v1/reports/keys",
        json!({"region_code": "320100", "public_key": key["public_key"]}),
    )
    .await;
    assert_eq!(s, 422);
}

on_both_stores!(signed_packages_flow_upward);

/// A package signed with `key` by the test itself, so it can claim anything.
fn signed(key: &ed25519_dalek::SigningKey, generated_at: i64, rows: &[(&str, &str, i64)]) -> Value {
    use dengta::app::reports::{FORMAT, Package, Payload};
    use ed25519_dalek::Signer;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut counters = std::collections::BTreeMap::<String, std::collections::BTreeMap<String, i64>>::new();
    for (n, m, v) in rows {
        counters.entry(n.to_string()).or_default().insert(m.to_string(), *v);
    }
    let payload = Payload {
        format: FORMAT.into(),
        region_code: "320100".into(),
        region_name: "南京市".into(),
        generated_at,
        counters,
        public_key: hex(key.verifying_key().as_bytes()),
        evaluation: None,
    };
    let signature = hex(&key.sign(&serde_json::to_vec(&payload).unwrap()).to_bytes());
    serde_json::to_value(Package { payload, signature }).unwrap()
}

/// Signed by a trusted key is not enough: a package claiming negative, out-of-bounds or
/// inconsistent counters, dated in the future or older than the last one, or signed by an
/// expired or revoked key is refused and changes nothing; revocation is audited.
async fn implausible_packages_and_dead_keys_are_refused(store: Store) {
    let t = TestApp::spawn(store).await;
    // Trusting keys and importing packages are duties of two different people.
    let province = province_officer(&t, "js-officer").await;
    let keeper = province_officer(&t, "js-keykeeper").await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let public = signed(&key, 0, &[])["public_key"].clone();
    let trust = |days: i64| json!({"region_code": "320100", "public_key": public, "valid_days": days});
    let (s, v) = post(&t, &keeper, "/api/v1/reports/keys", trust(100_000)).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["code"], "error.report_key_validity");
    assert_eq!(post(&t, &keeper, "/api/v1/reports/keys", trust(30)).await.0, 201);
    let (_, keys) = get(&t, &keeper, "/api/v1/reports/keys").await;
    assert!(keys["items"][0]["expires_at"].as_i64().unwrap() > db::now_ms(), "{keys}");

    let now = db::now_ms();
    let good = [("320100", "e.enterprises", 100), ("320102", "e.enterprises", 40), ("320100", "p.filed", 5)];
    let (s, v) = post(&t, &province, "/api/v1/reports/import", signed(&key, now, &good)).await;
    assert_eq!(s, 201, "{v}");
    let stored = |list: &Value| list["items"][0]["generated_at"].as_i64().unwrap();
    let (_, list) = get(&t, &province, "/api/v1/reports").await;
    assert_eq!(stored(&list), now);
    let (_, dash) = get(&t, &province, "/api/v1/dashboard").await;

    let later = now + 1000;
    let refused: Vec<(Value, u16, &str)> = vec![
        (signed(&key, later, &[("320100", "e.enterprises", -5)]), 422, "error.report_implausible"),
        (signed(&key, later, &[("320100", "e.enterprises", 50_000_000)]), 422, "error.report_implausible"),
        (
            signed(&key, later, &[("320100", "e.enterprises", 10), ("320102", "e.enterprises", 11)]),
            422,
            "error.report_implausible",
        ),
        (signed(&key, now + 3_600_000, &good), 422, "error.report_future"),
        (signed(&key, now - 1, &good), 409, "error.report_stale"),
        (signed(&key, now, &good), 409, "error.report_stale"),
        (
            signed(&key, later, &[("320100", "e.enterprises", 100), ("320100", "p.filed", 4)]),
            422,
            "error.report_decreased",
        ),
    ];
    // Sent together: every one is refused whatever the order.
    let answers = import_all(&t, &province, refused.iter().map(|(pkg, _, _)| pkg.clone()).collect()).await;
    for ((_, status, code), (s, v)) in refused.iter().zip(answers) {
        assert_eq!((s, v["code"].as_str().unwrap_or("")), (*status, *code), "{v}");
    }
    let (_, list) = get(&t, &province, "/api/v1/reports").await;
    assert_eq!(stored(&list), now, "nothing refused was stored");
    assert_eq!(get(&t, &province, "/api/v1/dashboard").await.1["values"], dash["values"]);

    // Newer genuine packages raced: the newest wins, the others land or are stale, never a mix.
    let newer: Vec<i64> = (1..=4).map(|i| now + 10_000 * i).collect();
    for (s, v) in import_all(&t, &province, newer.iter().map(|at| signed(&key, *at, &good)).collect()).await {
        assert!(s == 201 || s == 409, "{s} {v}");
    }
    let (_, list) = get(&t, &province, "/api/v1/reports").await;
    assert_eq!(stored(&list), *newer.last().unwrap());

    // Revocation needs a reason, is audited, and stops the key.
    let revoke = |reason: &str| json!({"region_code": "320100", "public_key": public, "reason": reason});
    assert_eq!(post(&t, &province, "/api/v1/reports/keys/revoke", revoke(" ")).await.0, 422);
    let (s, v) = post(&t, &province, "/api/v1/reports/keys/revoke", revoke("私钥泄露")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(post(&t, &province, "/api/v1/reports/keys/revoke", revoke("again")).await.0, 404);
    let audited = t
        .db()
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'report.revoke' AND detail LIKE $1",
            vec![db::Arg::from("%私钥泄露%")],
        )
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let (s, v) = post(&t, &province, "/api/v1/reports/import", signed(&key, now + 100_000, &good)).await;
    assert_eq!((s, v["code"].as_str().unwrap()), (422, "error.report_key_revoked"), "{v}");
    let (s, v) = post(&t, &keeper, "/api/v1/reports/keys", trust(30)).await;
    assert_eq!((s, v["code"].as_str().unwrap()), (422, "error.report_key_revoked"), "a revoked key stays revoked");

    // An expired key (its expiry moved into the past: the test cannot wait 30 days).
    let key2 = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let public2 = signed(&key2, 0, &[])["public_key"].clone();
    let trust2 = json!({"region_code": "320100", "public_key": public2});
    assert_eq!(post(&t, &keeper, "/api/v1/reports/keys", trust2).await.0, 201);
    t.db()
        .execute(
            "UPDATE report_keys SET expires_at = $1 WHERE public_key = $2",
            vec![db::Arg::from(db::now_ms() - 1), db::Arg::from(public2.as_str().unwrap())],
        )
        .await
        .unwrap();
    let (s, v) = post(&t, &province, "/api/v1/reports/import", signed(&key2, now + 200_000, &good)).await;
    assert_eq!((s, v["code"].as_str().unwrap()), (422, "error.report_key_expired"), "{v}");
    let (_, list) = get(&t, &province, "/api/v1/reports").await;
    assert_eq!(stored(&list), *newer.last().unwrap());
}

/// Imports the packages concurrently (spawned requests); answers in order.
async fn import_all(t: &TestApp, tok: &str, packages: Vec<Value>) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = packages
        .into_iter()
        .map(|pkg| {
            let (url, tok) = (t.url("/api/v1/reports/import"), tok.to_owned());
            tokio::spawn(async move {
                let res = reqwest::Client::new().post(url).bearer_auth(tok).json(&pkg).send().await.unwrap();
                let s = res.status().as_u16();
                (s, res.json().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

on_both_stores!(implausible_packages_and_dead_keys_are_refused);
