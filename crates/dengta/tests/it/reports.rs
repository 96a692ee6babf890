//! Upward reporting between two instances: a city signs its counters, a province trusts the
//! city's key and imports; its dashboard includes the city; a tampered, untrusted or replayed
//! package is refused and changes nothing.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, token};
use dengta::db;

async fn province_officer(t: &TestApp) -> String {
    let mut c = t.db();
    let hash = dengta::app::accounts::hash_password("Province#2026").await.unwrap();
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username: "js-officer",
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
    token(t, "js-officer").await
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

    let province = province_officer(&province_instance).await;
    let (_, before) = get(&province_instance, &province, "/api/v1/dashboard").await;
    assert_eq!(before["region_code"], "320000");
    let enterprises = |d: &Value| d["values"]["enterprises"].as_i64().unwrap_or(0);

    // Untrusted first; then the key is registered for 南京市.
    let (s, v) = post(&province_instance, &province, "/api/v1/reports/import", pkg.clone()).await;
    assert_eq!(s, 422, "{v}");
    let trust = json!({"region_code": "320100", "public_key": pkg["public_key"]});
    assert_eq!(post(&province_instance, &province, "/api/v1/reports/keys", trust).await.0, 201);
    // A key for a region outside the province is refused.
    let other = json!({"region_code": "440000", "public_key": pkg["public_key"]});
    assert_eq!(post(&province_instance, &province, "/api/v1/reports/keys", other).await.0, 422);

    // A tampered package is refused and changes nothing.
    let mut forged = pkg.clone();
    forged["counters"]["320100"]["e.enterprises"] = json!(sent + 1000);
    let (s, v) = post(&province_instance, &province, "/api/v1/reports/import", forged).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("report_signature"), "{v}");
    let (_, same) = get(&province_instance, &province, "/api/v1/dashboard").await;
    assert_eq!(enterprises(&same), enterprises(&before));

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
