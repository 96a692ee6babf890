//! Dashboards: counters kept in the write transaction agree with the records after concurrent
//! writes (`rollups check`), a tampered counter is caught, the drill-down reaches child regions
//! and sub-industries, tiles export to .xlsx, and scope holds.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, token};
use dengta::db;
use dengta_domain::enterprise::uscc::Uscc;

fn code(i: usize) -> String {
    // 9132010[2|4]MA9X… with both computed check characters (GB 11714 and GB 32100).
    let region = if i.is_multiple_of(2) { "320102" } else { "320104" };
    Uscc::with_check_chars(&format!("91{region}MA9X{i:04}")).unwrap().as_str().to_owned()
}

fn value(d: &Value, metric: &str) -> i64 {
    d["values"][metric].as_i64().unwrap_or(0)
}

fn child(d: &Value, region: &str, metric: &str) -> i64 {
    d["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == region)
        .and_then(|c| c["values"][metric].as_i64())
        .unwrap_or(0)
}

async fn counters_follow_writes(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    let (s, before) = get(&t, &city, "/api/v1/dashboard").await;
    assert_eq!(s, 200, "{before}");
    assert_eq!(before["region_code"], "320100");

    // Ten enterprises registered at once, half 规上, all in 通用设备制造 (智能制造装备).
    let mut set = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (url, tok) = (t.url("/api/v1/enterprises"), city.clone());
        set.spawn(async move {
            let body = json!({
                "uscc": code(i), "name": format!("看板测试企业{i}"), "industry": "C3412",
                "above_scale": if i < 5 { "true" } else { "false" },
            });
            let res = reqwest::Client::new().post(url).bearer_auth(tok).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        });
    }
    let mut ids = Vec::new();
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, 201, "{v}");
        ids.push((v["id"].as_i64().or(v["enterprise"]["id"].as_i64()).unwrap(), v.clone()));
    }

    // Four of them self-assess (level from the demo answers), concurrently.
    let answers: Value = serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap();
    let mut c = t.db();
    let hash = dengta::app::accounts::hash_password("Dashboard#2026").await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    let mut assessed = Vec::new();
    for (n, (eid, _)) in ids.iter().take(4).enumerate() {
        let name = format!("dash-user-{n}");
        db::users::insert(
            &mut c,
            &db::users::NewUser {
                username: &name,
                display_name: &name,
                password_hash: &hash,
                role: "enterprise",
                region_code: "320102",
                enterprise_id: Some(*eid),
                provider_id: None,
                is_demo: false,
            },
        )
        .await
        .unwrap();
        assessed.push(*eid);
        let tok = token(&t, &name).await;
        let (url, body) = (
            t.url("/api/v1/assessments"),
            json!({"enterprise_id": eid, "instrument_id": "mfg-2024", "answers": answers, "pledge": true}),
        );
        set.spawn(async move {
            let res = reqwest::Client::new().post(url).bearer_auth(tok).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        });
    }
    let mut level = 0;
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_i64().unwrap();
        level = c.scalar("SELECT level FROM assessments WHERE id = $1", vec![db::Arg::from(id)]).await.unwrap();
    }
    assert!((1..=4).contains(&level), "the demo answers reach a level");

    let (_, after) = get(&t, &city, "/api/v1/dashboard").await;
    assert_eq!(value(&after, "enterprises") - value(&before, "enterprises"), 10, "{after}");
    assert_eq!(value(&after, "above_scale") - value(&before, "above_scale"), 5);
    assert_eq!(value(&after, "assessed") - value(&before, "assessed"), 4);
    let key = format!("level:{level}");
    assert_eq!(value(&after, &key) - value(&before, &key), 4);
    for region in ["320102", "320104"] {
        assert_eq!(child(&after, region, "enterprises") - child(&before, region, "enterprises"), 5, "{region}");
    }
    let sub = |d: &Value| {
        d["sub_industries"].as_array().unwrap().iter().find(|s| s["name"] == "智能制造装备").cloned().unwrap()
    };
    assert_eq!(sub(&after)["above_scale"].as_i64().unwrap() - sub(&before)["above_scale"].as_i64().unwrap(), 5);
    assert_eq!(sub(&after)["target_pct"], 90);

    // Every counter equals the one recomputed from the records.
    let (n, diffs) = dengta::app::dashboard::check(&t.db()).await.unwrap();
    assert!(n > 20, "{n} counters");
    assert!(diffs.is_empty(), "{diffs:?}");

    // A tampered counter is reported by region and metric, by the function and the CLI.
    c.execute("UPDATE rollups SET value = value + 7 WHERE metric = 'e.enterprises' AND region_code = '320104'", vec![])
        .await
        .unwrap();
    let (_, diffs) = dengta::app::dashboard::check(&t.db()).await.unwrap();
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!((diffs[0].region_code.as_str(), diffs[0].metric.as_str()), ("320104", "e.enterprises"));
    assert_eq!(diffs[0].stored - diffs[0].recomputed, 7);
    let out = crate::audit::dengta(&t.database_url, &["rollups", "check"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("320104"));
    let out = crate::audit::dengta(&t.database_url, &["rollups", "rebuild"]);
    assert!(out.status.success());
    let out = crate::audit::dengta(&t.database_url, &["rollups", "check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // Drill-down to a district, then the tile as .xlsx.
    let (s, d) = get(&t, &city, "/api/v1/dashboard?region=320104").await;
    assert_eq!(s, 200);
    assert_eq!(d["parent"], "320100");
    let res = reqwest::Client::new()
        .get(t.url("/api/v1/dashboard/export?tile=regions"))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "an .xlsx is a zip");

    // Scope: a district officer sees its own district, not the city; an enterprise nothing.
    let district = token(&t, "demo-district").await;
    assert_eq!(get(&t, &district, "/api/v1/dashboard?region=320100").await.0, 404);
    assert_eq!(get(&t, &district, "/api/v1/dashboard").await.0, 200);
    assert_eq!(get(&t, &token(&t, "demo-enterprise").await, "/api/v1/dashboard").await.0, 403);
    // Targets: the city sets its 上云 target.
    let (s, _) = post(&t, &city, "/api/v1/dashboard/targets", json!({"metric": "cloud", "value": 5000})).await;
    assert_eq!(s, 200);
    assert_eq!(get(&t, &city, "/api/v1/dashboard").await.1["cloud_target"], 5000);
    assert_eq!(post(&t, &city, "/api/v1/dashboard/targets", json!({"metric": "bogus", "value": 1})).await.0, 422);
}

on_both_stores!(counters_follow_writes);
