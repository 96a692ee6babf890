//! The provider pool through the JSON API: application, expert review with conflict
//! declarations, 公示 with objections, admission within quotas (also under concurrency),
//! and the lifecycle of warning, rectification, removal and appeal.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, token};
use dengta::db;

/// Applies anonymously (the public API needs the CSRF double-submit like any browser form).
async fn apply(t: &TestApp, uscc: &str, username: &str, kind: &str, subs: &[i64]) -> (u16, Value) {
    let c = t.client();
    let csrf = t.csrf(&c).await;
    let res = c
        .post(t.url("/api/v1/provider-applications"))
        .header("x-csrf-token", csrf)
        .json(&json!({
            "username": username, "password": "Pool#Test2026x", "uscc": uscc, "name": format!("{username} 数字科技有限公司"),
            "kind": kind, "sub_industries": subs, "qualifications": "ISO 9001", "founded_year": 2015
        }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn sub_industry(t: &TestApp, name: &str) -> i64 {
    let c = t.db();
    c.scalar("SELECT id FROM sub_industries WHERE name = $1", vec![db::Arg::from(name)]).await.unwrap()
}

async fn expert_ids(t: &TestApp) -> Vec<i64> {
    let mut c = t.db();
    let mut ids = Vec::new();
    for u in ["demo-expert", "demo-expert2", "demo-expert3"] {
        ids.push(db::users::by_username(&mut c, u).await.unwrap().unwrap().id);
    }
    ids
}

async fn state(t: &TestApp, officer: &str, id: i64) -> String {
    let (s, v) = get(t, officer, &format!("/api/v1/providers/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v["provider"]["status"].as_str().unwrap().to_owned()
}

/// Lets the 公示 period end (as if the days had passed).
async fn end_publicity(t: &TestApp, id: i64) {
    let c = t.db();
    c.execute(
        "UPDATE providers SET publicity_ends_at = $1 WHERE id = $2",
        vec![db::Arg::from(1i64), db::Arg::from(id)],
    )
    .await
    .unwrap();
}

/// Each expert declares no conflict and scores every criterion at `pct` percent of its maximum.
async fn score_all(t: &TestApp, experts: &[&str], pct: u32) {
    for e in experts {
        let tok = token(t, e).await;
        let (_, sheets) = get(t, &tok, "/api/v1/reviews").await;
        let sheet =
            sheets["items"].as_array().unwrap().iter().find(|s| s["total"].is_null() && s["conflict"] == "pending");
        let id = sheet.expect("an open sheet")["id"].as_i64().unwrap();
        let (s, v) = post(t, &tok, &format!("/api/v1/reviews/{id}/declaration"), json!({"conflict": false})).await;
        assert_eq!(s, 200, "{v}");
        let (_, rubric) = get(t, &tok, "/api/v1/rubric").await;
        let mut scores = serde_json::Map::new();
        for d in rubric["dimensions"].as_array().unwrap() {
            for c in d["criteria"].as_array().unwrap() {
                scores.insert(c["id"].as_str().unwrap().into(), json!(c["max"].as_u64().unwrap() as u32 * pct / 100));
            }
        }
        let (s, v) = post(t, &tok, &format!("/api/v1/reviews/{id}/scores"), json!({ "scores": scores })).await;
        assert_eq!(s, 200, "{v}");
    }
}

async fn admission_from_application_to_pool(store: Store) {
    let t = TestApp::spawn(store).await;
    let officer = token(&t, "demo-officer").await;
    let si = sub_industry(&t, "智能装备").await;
    let (s, v) = apply(&t, "91320102MA1X2YDL7J", "pool-a", "product", &[si]).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    // A second application with the same code is refused; nothing is created.
    let (s, v) = apply(&t, "91320102MA1X2YDL7J", "pool-b", "product", &[si]).await;
    assert_eq!(s, 409, "{v}");
    assert!(db::users::by_username(&mut t.db(), "pool-b").await.unwrap().is_none());
    // Bad input names the problem in Chinese.
    let (s, v) = apply(&t, "91320102MA1X2YDL0X", "pool-c", "product", &[si]).await;
    assert_eq!(s, 422);
    assert!(
        v["detail"].as_str().unwrap_or_default().contains("校验") || v["title"].as_str().unwrap().contains("代码"),
        "{v}"
    );
    let (s, _) = apply(&t, "91320104MA1X2YEM1K", "pool-d", "wizard", &[si]).await;
    assert_eq!(s, 422);

    // The applicant sees only itself; the officer sees it under 已申请.
    let own = token(&t, "pool-a").await;
    let (_, mine) = get(&t, &own, "/api/v1/providers").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let (_, applied) = get(&t, &officer, "/api/v1/providers?status=applied").await;
    assert!(applied["items"].as_array().unwrap().iter().any(|p| p["id"] == id));

    // Review needs at least the rubric's minimum of experts.
    let experts = expert_ids(&t).await;
    let path = format!("/api/v1/providers/{id}/transitions");
    let (s, _) = post(&t, &officer, &path, json!({"action": "start_review", "experts": &experts[..2]})).await;
    assert_eq!(s, 422);
    // The applicant cannot review itself.
    let (s, _) = post(&t, &own, &path, json!({"action": "start_review", "experts": experts})).await;
    assert_eq!(s, 403);
    let (s, v) = post(&t, &officer, &path, json!({"action": "start_review", "experts": experts})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "reviewing");

    // One expert declares a conflict (recused, cannot score); another is added in its place.
    let e3 = token(&t, "demo-expert3").await;
    let (_, sheets) = get(&t, &e3, "/api/v1/reviews").await;
    let sheet3 = sheets["items"][0]["id"].as_i64().unwrap();
    let (s, _) = post(&t, &e3, &format!("/api/v1/reviews/{sheet3}/declaration"), json!({"conflict": true})).await;
    assert_eq!(s, 422, "a declared conflict needs a note");
    let (s, _) = post(
        &t,
        &e3,
        &format!("/api/v1/reviews/{sheet3}/declaration"),
        json!({"conflict": true, "note": "曾任该公司顾问"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(&t, &e3, &format!("/api/v1/reviews/{sheet3}/scores"), json!({"scores": {}})).await;
    assert_eq!(s, 409, "a recused expert cannot score");
    // Another expert cannot touch this sheet.
    let e1 = token(&t, "demo-expert").await;
    let (s, _) = post(&t, &e1, &format!("/api/v1/reviews/{sheet3}/scores"), json!({"scores": {}})).await;
    assert_eq!(s, 404);
    score_all(&t, &["demo-expert", "demo-expert2"], 80).await;
    // Two valid sheets are fewer than the minimum of three.
    let (s, v) = post(&t, &officer, &format!("/api/v1/providers/{id}/review/finish"), json!({})).await;
    assert_eq!(s, 422, "{v}");
    let hash = dengta::app::accounts::hash_password("Expert#Four2026").await.unwrap();
    let e4 = db::users::insert(
        &mut t.db(),
        &db::users::NewUser {
            username: "expert-four",
            display_name: "评审专家（四）",
            password_hash: &hash,
            role: "expert",
            region_code: "320100",
            enterprise_id: None,
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let form_client = {
        let (c, csrf) = t.demo_login("demo-officer").await;
        let res = c
            .post(t.url(&format!("/providers/{id}/review/experts")))
            .form(&[("_csrf", csrf.as_str()), ("expert", &e4.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        c
    };
    drop(form_client);
    score_all(&t, &["expert-four"], 90).await;
    let (s, v) = post(&t, &officer, &format!("/api/v1/providers/{id}/review/finish"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["passed"], true);
    assert!(v["explanation"].as_str().unwrap().contains("3 位专家评分"), "{v}");
    assert_eq!(state(&t, &officer, id).await, "publicised");

    // 公示: the public sees the notice and may object; admission waits for the objection and the period.
    let anon = t.client();
    let csrf = t.csrf(&anon).await;
    let notices: Value = anon.get(t.url("/api/v1/public/providers")).send().await.unwrap().json().await.unwrap();
    assert!(notices["publicised"].as_array().unwrap().iter().any(|p| p["id"] == id));
    let res = anon
        .post(t.url(&format!("/api/v1/public/providers/{id}/objections")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "王先生", "contact": "13800000000", "body": "该公司案例材料与实际不符"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let objection = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (s, v) = post(&t, &officer, &path, json!({"action": "admit"})).await;
    assert_eq!(s, 422);
    assert!(v.to_string().contains("公示期"), "{v}");
    end_publicity(&t, id).await;
    let (s, v) = post(&t, &officer, &path, json!({"action": "admit"})).await;
    assert_eq!(s, 422);
    assert!(v.to_string().contains("异议"), "an open objection blocks admission: {v}");
    let (s, _) = post(
        &t,
        &officer,
        &format!("/api/v1/providers/{id}/objection-decisions"),
        json!({"objection_id": objection, "uphold": false, "reason": "经核实案例属实"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = post(&t, &officer, &path, json!({"action": "admit"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "active");
    // Objections are closed once the period is over.
    let res = anon
        .post(t.url(&format!("/api/v1/public/providers/{id}/objections")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "李女士", "body": "迟到的异议"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);

    // The public page shows the history, the rating and no expert names.
    let public: Value =
        anon.get(t.url(&format!("/api/v1/public/providers/{id}"))).send().await.unwrap().json().await.unwrap();
    let steps: Vec<&str> = public["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["apply", "start_review", "publicise", "admit"]);
    assert!(public["provider"]["stars"].as_i64().unwrap() >= 1);
    assert!(!public.to_string().contains("评审专家"), "expert names stay internal");
    assert!(!public.to_string().contains("13800000000"), "the objector's contact stays internal");
    // The quota place is taken (the demo's 江宁云智 holds the other one).
    assert_eq!(db::providers::quota_used(&mut t.db(), si, "product").await.unwrap(), 2);
    // Every step is audited.
    let c = t.db();
    let n = c
        .scalar("SELECT COUNT(*) FROM audit_log WHERE object = $1", vec![db::Arg::from(format!("provider:{id}"))])
        .await
        .unwrap();
    assert!(n >= 5, "audit records: {n}");
}

/// A provider straight into 公示 with its period over (the review is tested above).
async fn publicised(t: &TestApp, uscc: &str, username: &str, kind: &str, si: i64) -> i64 {
    let (s, v) = apply(t, uscc, username, kind, &[si]).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let c = t.db();
    c.execute(
        "UPDATE providers SET status = 'publicised', publicity_ends_at = 1 WHERE id = $1",
        vec![db::Arg::from(id)],
    )
    .await
    .unwrap();
    id
}

const CODES: [&str; 5] =
    ["91320102MA1X2YDL7J", "91320104MA1X2YEM1K", "91320115MA1X2YFN6P", "91320102MA1X2YGP9W", "91320102MA1X2Y3B1X"];

async fn quotas_hold_under_concurrency(store: Store) {
    let t = TestApp::spawn(store).await;
    let officer = token(&t, "demo-officer").await;
    let si = sub_industry(&t, "汽车零部件").await;
    // Five chain leaders (链主企业型, quota 3 per sub-industry) are admitted at once.
    let mut ids = Vec::new();
    for (i, code) in CODES.iter().enumerate() {
        ids.push(publicised(&t, code, &format!("chain-{i}"), "chain_leader", si).await);
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let (base, tok) = (t.url(""), officer.clone());
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/providers/{id}/transitions"))
                .bearer_auth(tok)
                .json(&json!({"action": "admit"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 3, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 200 || *c == 422 || *c == 409), "{codes:?}");
    assert_eq!(db::providers::quota_used(&mut t.db(), si, "chain_leader").await.unwrap(), 3);
    let mut active = 0;
    for id in &ids {
        if state(&t, &officer, *id).await == "active" {
            active += 1;
        }
    }
    assert_eq!(active, 3);
    // A refused admission says which quota is full.
    for id in &ids {
        if state(&t, &officer, *id).await == "publicised" {
            let (s, v) =
                post(&t, &officer, &format!("/api/v1/providers/{id}/transitions"), json!({"action": "admit"})).await;
            assert_eq!(s, 422);
            assert!(v.to_string().contains("汽车零部件"), "{v}");
            break;
        }
    }
}

async fn lifecycle_with_sanctions_and_appeal(store: Store) {
    let t = TestApp::spawn(store).await;
    let officer = token(&t, "demo-officer").await;
    let si = sub_industry(&t, "电子信息").await;
    let id = publicised(&t, CODES[0], "life-a", "integrator", si).await;
    let own = token(&t, "life-a").await;
    let path = format!("/api/v1/providers/{id}/transitions");
    let step = |a: &'static str, extra: Value| {
        let mut b = json!({ "action": a });
        if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        b
    };
    assert_eq!(post(&t, &officer, &path, step("admit", json!({}))).await.0, 200);
    // A warning needs a reason; rectification a future deadline.
    assert_eq!(post(&t, &officer, &path, step("warn", json!({}))).await.0, 422);
    assert_eq!(post(&t, &officer, &path, step("warn", json!({"reason": "服务企业投诉两起"}))).await.0, 200);
    let (s, _) = post(&t, &officer, &path, step("order_rectification", json!({"reason": "限期整改"}))).await;
    assert_eq!(s, 422);
    let (s, v) =
        post(&t, &officer, &path, step("order_rectification", json!({"reason": "限期整改", "deadline": "2099-12-31"})))
            .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(state(&t, &officer, id).await, "rectifying");
    // Compare-and-set: a stale version is refused.
    let (s, _) = post(&t, &officer, &path, step("remove", json!({"reason": "逾期未整改", "version": 1}))).await;
    assert_eq!(s, 409);
    assert_eq!(post(&t, &officer, &path, step("remove", json!({"reason": "逾期未整改"}))).await.0, 200);
    assert_eq!(db::providers::quota_used(&mut t.db(), si, "integrator").await.unwrap(), 0, "removal frees the place");
    // Only the provider appeals; the officer decides.
    assert_eq!(post(&t, &officer, &path, step("appeal", json!({"reason": "已整改"}))).await.0, 403);
    assert_eq!(post(&t, &own, &path, step("appeal", json!({"reason": "整改已完成，附验收材料"}))).await.0, 200);
    assert_eq!(post(&t, &own, &path, step("grant_appeal", json!({"reason": "x"}))).await.0, 403);
    let (s, v) = post(&t, &officer, &path, step("dismiss_appeal", json!({"reason": "材料不足"}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "removed", "a dismissed appeal returns to where it came from");
    assert_eq!(post(&t, &own, &path, step("appeal", json!({"reason": "补充材料"}))).await.0, 200);
    let (s, v) = post(&t, &officer, &path, step("grant_appeal", json!({"reason": "补充材料属实"}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "active");
    assert_eq!(
        db::providers::quota_used(&mut t.db(), si, "integrator").await.unwrap(),
        1,
        "restored takes a place again"
    );
    // Steps not allowed from a state are refused and change nothing.
    let (s, _) = post(&t, &officer, &path, step("publicise", json!({}))).await;
    assert_eq!(s, 409, "a step the state does not allow conflicts with it");
    assert_eq!(state(&t, &officer, id).await, "active");
    // Stars come from a periodic evaluation review.
    assert_eq!(post(&t, &officer, &path, step("evaluate", json!({}))).await.0, 422);
    let experts = expert_ids(&t).await;
    let (s, _) =
        post(&t, &officer, &format!("/api/v1/providers/{id}/evaluations"), json!({ "experts": experts })).await;
    assert_eq!(s, 201);
    score_all(&t, &["demo-expert", "demo-expert2", "demo-expert3"], 100).await;
    let (s, v) = post(&t, &officer, &format!("/api/v1/providers/{id}/review/finish"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    let (_, file) = get(&t, &officer, &format!("/api/v1/providers/{id}")).await;
    assert_eq!(file["provider"]["stars"], v["stars"]);
    assert_eq!(file["provider"]["stars"], 5, "full marks give five stars");
    let steps: Vec<&str> = file["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        [
            "apply",
            "admit",
            "warn",
            "order_rectification",
            "remove",
            "appeal",
            "dismiss_appeal",
            "appeal",
            "grant_appeal",
            "evaluate"
        ]
    );
    // Another city's officer does not see it at all.
    let mut c = t.db();
    let hash = dengta::app::accounts::hash_password("Wuxi#Officer2026").await.unwrap();
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username: "wuxi-officer",
            display_name: "无锡市工信局",
            password_hash: &hash,
            role: "officer",
            region_code: "320200",
            enterprise_id: None,
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let wuxi = token(&t, "wuxi-officer").await;
    assert_eq!(post(&t, &wuxi, &path, step("warn", json!({"reason": "x"}))).await.0, 404);
    assert_eq!(get(&t, &wuxi, &format!("/api/v1/providers/{id}")).await.0, 404);
}

on_both_stores!(admission_from_application_to_pool, quotas_hold_under_concurrency, lifecycle_with_sanctions_and_appeal);
