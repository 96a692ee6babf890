//! Typical cases and 小灯塔 enterprises: nominate → review → publish on the public portal →
//! revoke, with opinions required, roles enforced and scope held.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, fixture, get, post, token};

async fn public(t: &TestApp, kind: &str) -> Value {
    reqwest::get(t.url(&format!("/api/v1/public/cases?kind={kind}"))).await.unwrap().json().await.unwrap()
}

async fn nominate_review_publish_revoke(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let officer = token(&t, "demo-officer").await;
    let expert = token(&t, "demo-expert").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let body = json!({
        "kind": "lighthouse", "enterprise_id": f.own_enterprise, "title": "玄武精密小灯塔",
        "summary": "设备联网与排产协同", "outcome": "评测等级由一级提升至三级，设备综合效率提升 18%",
    });
    // The enterprise nominates itself; it cannot nominate another city's enterprise.
    let (s, v) = post(&t, &enterprise, "/api/v1/cases", body.clone()).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let mut other = body.clone();
    other["enterprise_id"] = json!(f.other_city_enterprise);
    assert_eq!(post(&t, &enterprise, "/api/v1/cases", other.clone()).await.0, 404);
    assert_eq!(post(&t, &officer, "/api/v1/cases", other).await.0, 404);
    let mut empty = body.clone();
    empty["outcome"] = json!(" ");
    assert_eq!(post(&t, &officer, "/api/v1/cases", empty).await.0, 422, "the measured outcome is required");

    let path = format!("/api/v1/cases/{id}/transitions");
    assert_eq!(post(&t, &expert, &path, json!({"action": "review"})).await.0, 422, "an opinion is required");
    assert_eq!(post(&t, &expert, &path, json!({"action": "review", "opinion": "成效可量化，可推广"})).await.0, 200);
    assert_eq!(post(&t, &expert, &path, json!({"action": "publish"})).await.0, 403, "only the authority publishes");
    assert!(public(&t, "lighthouse").await["items"].as_array().unwrap().is_empty(), "not public before publishing");
    assert_eq!(post(&t, &officer, &path, json!({"action": "publish"})).await.0, 200);
    let p = public(&t, "lighthouse").await;
    assert_eq!(p["items"][0]["title"], "玄武精密小灯塔", "{p}");
    let typical = public(&t, "typical_case").await;
    assert!(typical["items"].as_array().unwrap().iter().all(|c| c["title"] != "玄武精密小灯塔"), "kinds are apart");
    let html = reqwest::get(t.url("/public/cases?kind=lighthouse")).await.unwrap().text().await.unwrap();
    assert!(html.contains("玄武精密小灯塔") && html.contains("设备综合效率提升 18%"), "the portal page shows it");
    let portal = reqwest::get(t.url("/public")).await.unwrap();
    assert_eq!(portal.status(), 200);
    assert!(portal.text().await.unwrap().contains("/open-data"));
    let open = reqwest::get(t.url("/open-data")).await.unwrap().text().await.unwrap();
    assert!(open.contains("ocid") && open.contains("CN-USCC"), "the fields are explained");
    let (_, file) = get(&t, &enterprise, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(file["history"].as_array().unwrap().len(), 3, "{file}");

    assert_eq!(post(&t, &officer, &path, json!({"action": "revoke"})).await.0, 422);
    assert_eq!(post(&t, &officer, &path, json!({"action": "revoke", "opinion": "成效数据有误"})).await.0, 200);
    assert!(public(&t, "lighthouse").await["items"].as_array().unwrap().is_empty(), "revoked cases leave the portal");
    assert_eq!(post(&t, &officer, &path, json!({"action": "publish"})).await.0, 409, "revoked is final");
}

on_both_stores!(nominate_review_publish_revoke);
