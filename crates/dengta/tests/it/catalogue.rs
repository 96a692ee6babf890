//! The 小快轻准 catalogue through the JSON API: drafting, review and publication of
//! solutions, Chinese substring search with filters, explained matching against an
//! enterprise's gaps, contact requests behind consent, and anonymous demand signals.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, token};
use dengta::db;

fn names(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
}

fn solution(name: &str, description: &str, price: &str, scene: &str, level: u8, industries: &[&str]) -> Value {
    json!({
        "name": name, "description": description, "is_xkqz": true, "delivery_days": 20,
        "deployment": "saas", "cloud_layer": "saas",
        "items": [{"name": "年费", "unit": "年", "price": price}],
        "scenes": [{"scene": scene, "level": level}],
        "industries": industries,
    })
}

async fn solutions_are_reviewed_then_found(store: Store) {
    let t = TestApp::spawn(store).await;
    let provider = token(&t, "demo-provider").await;
    let officer = token(&t, "demo-officer").await;
    let enterprise = token(&t, "demo-enterprise").await;

    // Bad input is named and nothing is stored.
    let (s, v) =
        post(&t, &provider, "/api/v1/solutions", solution("质量追溯", "扫码追溯", "9000", "no_such_scene", 3, &[]))
            .await;
    assert_eq!(s, 422);
    assert!(v["detail"].as_str().unwrap().contains("no_such_scene"), "{v}");
    let (s, _) = post(
        &t,
        &provider,
        "/api/v1/solutions",
        solution("质量追溯", "扫码追溯", "9.999", "quality_management", 3, &[]),
    )
    .await;
    assert_eq!(s, 422, "prices have at most two decimals");
    let (s, _) = post(
        &t,
        &provider,
        "/api/v1/solutions",
        solution("质量追溯", "扫码追溯", "9000", "quality_management", 5, &[]),
    )
    .await;
    assert_eq!(s, 422, "levels are L1–L4");
    let (s, _) = post(
        &t,
        &provider,
        "/api/v1/solutions",
        solution("质量追溯", "扫码追溯", "9000", "quality_management", 3, &["Z99"]),
    )
    .await;
    assert_eq!(s, 422, "industry codes come from GB/T 4754");
    // Enterprises and officers do not draft solutions.
    let (s, _) =
        post(&t, &enterprise, "/api/v1/solutions", solution("x", "y", "1", "quality_management", 2, &[])).await;
    assert_eq!(s, 403);

    let (s, v) = post(
        &t,
        &provider,
        "/api/v1/solutions",
        solution(
            "智能质量追溯云平台",
            "来料检验、过程质检与成品追溯，一物一码",
            "12,800.50",
            "quality_management",
            3,
            &["C34"],
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["solution"]["id"].as_i64().unwrap();
    assert_eq!(v["solution"]["price_fen"], 1_280_050, "money is kept in fen");
    assert_eq!(v["solution"]["status"], "draft");
    // A draft is invisible to everyone but its provider and the officers over it.
    assert_eq!(get(&t, &enterprise, &format!("/api/v1/solutions/{id}")).await.0, 404);
    let (_, found) = get(&t, &enterprise, "/api/v1/solutions?q=质量追溯").await;
    assert!(names(&found).is_empty());
    // The provider submits; publication is the officer's, a rejection needs a reason.
    let path = format!("/api/v1/solutions/{id}/transitions");
    assert_eq!(
        post(&t, &provider, &path, json!({"action": "publish"})).await.0,
        403,
        "publication is not the provider's"
    );
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit"})).await.0, 200);
    assert_eq!(post(&t, &officer, &path, json!({"action": "reject"})).await.0, 422);
    assert_eq!(post(&t, &officer, &path, json!({"action": "reject", "note": "请补充分项报价"})).await.0, 200);
    // A rejected solution is edited (back to draft), resubmitted and published.
    let mut body = solution(
        "智能质量追溯云平台",
        "来料检验、过程质检与成品追溯，一物一码",
        "12800.50",
        "quality_management",
        3,
        &["C34"],
    );
    body["items"].as_array_mut().unwrap().push(json!({"name": "扫码枪", "unit": "把", "price": "600"}));
    let (s, v) = post(&t, &provider, &format!("/api/v1/solutions/{id}"), body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["solution"]["price_fen"], 1_340_050, "the price is the sum of the items");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit"})).await.0, 200);
    assert_eq!(post(&t, &officer, &path, json!({"action": "publish"})).await.0, 200);
    assert_eq!(post(&t, &officer, &path, json!({"action": "publish"})).await.0, 409, "published once");

    // Search finds substrings of Chinese text (no word boundaries), and only real ones.
    for q in ["质量追溯", "追溯云", "一物一码", "设备管理"] {
        let (s, v) = get(&t, &enterprise, &format!("/api/v1/solutions?q={q}")).await;
        assert_eq!(s, 200);
        assert!(!names(&v).is_empty(), "{q} should find something");
    }
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?q=设备管理").await;
    assert_eq!(names(&v), ["轻量化设备管理系统（云版）"]);
    // 设备 … 管理 appear in 能耗监测 descriptions separately, never as 设备运维.
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?q=设备运维").await;
    assert!(names(&v).is_empty(), "{v}");
    // Filters: scene, industry (by prefix), price, provider rating, 小快轻准.
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?scene=quality_management").await;
    assert_eq!(names(&v), ["智能质量追溯云平台"]);
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?industry=C3670").await;
    let n = names(&v);
    assert!(n.contains(&"产品设计与工艺协同平台".to_owned()) && !n.contains(&"智能质量追溯云平台".to_owned()), "{n:?}");
    assert!(n.contains(&"能耗监测与碳管理".to_owned()), "general solutions apply to every industry");
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?max_price=30000").await;
    assert!(v["items"].as_array().unwrap().iter().all(|s| s["price_fen"].as_i64().unwrap() <= 3_000_000));
    assert!(!names(&v).contains(&"产品设计与工艺协同平台".to_owned()));
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?min_stars=4").await;
    assert!(v["items"].as_array().unwrap().iter().all(|s| s["provider_stars"].as_i64().unwrap() >= 4));
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?xkqz=1").await;
    assert!(!names(&v).contains(&"产品设计与工艺协同平台".to_owned()));
    // An industry the classification does not list is outside the documented code list.
    let (s, _) = get(&t, &enterprise, "/api/v1/solutions?industry=Q99").await;
    assert_eq!(s, 400);

    // Withdrawal takes it out of the catalogue; so does the provider leaving the pool.
    assert_eq!(post(&t, &provider, &path, json!({"action": "withdraw"})).await.0, 200);
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?q=质量追溯").await;
    assert!(names(&v).is_empty());
    let c = t.db();
    c.execute("UPDATE providers SET status = 'removed' WHERE uscc = $1", vec![db::Arg::from("91320104MA1X2Y8F6T")])
        .await
        .unwrap();
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions").await;
    assert!(v["items"].as_array().unwrap().iter().all(|s| s["provider_name"] != "金陵工业互联网服务有限公司"));
    let (s, _) = post(&t, &provider, "/api/v1/solutions", solution("x", "y", "1", "quality_management", 2, &[])).await;
    assert_eq!(s, 409, "a provider outside the pool cannot add solutions");
}

/// Tags come from the closed list; the provider sets them on its solution; the catalogue (API and
/// page) filters by one and shows them.
async fn solutions_carry_tags_from_the_closed_list(store: Store) {
    let t = TestApp::spawn(store).await;
    let provider = token(&t, "demo-provider").await;
    let officer = token(&t, "demo-officer").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let (s, v) = get(&t, &enterprise, "/api/v1/solution-tags").await;
    assert_eq!(s, 200, "{v}");
    let list: Vec<&str> = v["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(list.contains(&"大模型") && list.contains(&"人工智能") && list.contains(&"工业互联网平台"), "{list:?}");

    let mut body = solution("大模型质检助手", "基于视觉大模型的表面缺陷检测", "36000", "quality_management", 3, &[]);
    body["tags"] = json!(["llm", "xkqz"]);
    let (s, v) = post(&t, &provider, "/api/v1/solutions", body.clone()).await;
    assert!(s == 400 || s == 422, "a tag outside the list is refused: {s} {v}");
    assert_eq!(t.db().scalar("SELECT COUNT(*) FROM solution_tags WHERE tag = 'xkqz'", vec![]).await.unwrap(), 0);
    body["tags"] = json!(["llm", "ai"]);
    let (s, v) = post(&t, &provider, "/api/v1/solutions", body).await;
    assert_eq!(s, 201, "{v}");
    let id = v["solution"]["id"].as_i64().unwrap();
    assert_eq!(v["solution"]["tags_text"], "ai llm");
    let tagged = |tag: &'static str| {
        let (t, enterprise) = (&t, &enterprise);
        async move {
            let (s, v) = get(t, enterprise, &format!("/api/v1/solutions?tag={tag}")).await;
            assert_eq!(s, 200, "{v}");
            for item in v["items"].as_array().unwrap() {
                assert!(item["tags_text"].as_str().unwrap().split(' ').any(|x| x == tag), "{item}");
            }
            names(&v)
        }
    };
    assert!(!tagged("llm").await.contains(&"大模型质检助手".to_owned()), "a draft is not in the catalogue");
    let path = format!("/api/v1/solutions/{id}/transitions");
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit"})).await.0, 200);
    assert_eq!(post(&t, &officer, &path, json!({"action": "publish"})).await.0, 200);
    let llm = tagged("llm").await;
    assert!(
        llm.contains(&"大模型质检助手".to_owned()) && llm.contains(&"产品设计与工艺协同平台".to_owned()),
        "{llm:?}"
    );
    let cloud = tagged("cloud").await;
    assert!(cloud.contains(&"轻量化设备管理系统（云版）".to_owned()) && !cloud.contains(&"大模型质检助手".to_owned()));
    assert!(tagged("digital_twin").await.is_empty());
    // With the text search too; an unknown tag is outside the documented list.
    let (_, v) = get(&t, &enterprise, "/api/v1/solutions?tag=ai&q=质检").await;
    assert_eq!(names(&v), ["大模型质检助手"]);
    assert_eq!(get(&t, &enterprise, "/api/v1/solutions?tag=blockchain").await.0, 400);
    // The catalogue page filters and shows the tags.
    let html = reqwest::Client::new()
        .get(t.url("/solutions?tag=llm"))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("大模型质检助手") && html.contains("data-tag=\"llm\""), "tags on the page");
    assert!(!html.contains("轻量化设备管理系统"), "the filter holds on the page");
}

async fn matching_explains_and_respects_the_budget(store: Store) {
    let t = TestApp::spawn(store).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let officer = token(&t, "demo-officer").await;
    let c = t.db();
    let own = c
        .scalar("SELECT id FROM enterprises WHERE uscc = $1", vec![db::Arg::from("91320102MA1X2Y3B1X")])
        .await
        .unwrap();
    let other = c
        .scalar("SELECT id FROM enterprises WHERE uscc = $1", vec![db::Arg::from("91320104MA1X2Y4B86")])
        .await
        .unwrap();
    let wuxi = c
        .scalar("SELECT id FROM enterprises WHERE uscc = $1", vec![db::Arg::from("91320205MA1X2YBJ8Q")])
        .await
        .unwrap();

    let (s, m) = get(&t, &enterprise, &format!("/api/v1/enterprises/{own}/matches")).await;
    assert_eq!(s, 200, "{m}");
    let recs = m["matches"].as_array().unwrap();
    assert!(!recs.is_empty());
    // The demo self-assessment leaves 设备管理 (binding) 未开展: the equipment solution is there,
    // and says so first.
    let equipment =
        recs.iter().find(|r| r["solution"]["name"] == "轻量化设备管理系统（云版）").expect("equipment solution");
    let why: Vec<&str> = equipment["reasons_zh"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(why[0].contains("约束性场景") && why[0].contains("设备管理") && why[0].contains("未开展"), "{why:?}");
    assert!(why.iter().any(|w| w.contains("C34")), "the industry fit is explained: {why:?}");
    // The leader lifts a binding scene.
    assert_eq!(recs[0]["reasons"][0]["binding"], true, "{}", recs[0]);
    // Scores are ordered and every recommendation lifts a gap scene.
    let scores: Vec<i64> = recs.iter().map(|r| r["score"].as_i64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(recs.iter().all(|r| r["reasons"][0]["kind"] == "lifts_scene"));
    // Gaps list binding scenes first.
    let gaps = m["gaps"].as_array().unwrap();
    let first_plain = gaps.iter().position(|g| g["binding"] == false).unwrap_or(gaps.len());
    assert!(gaps[first_plain..].iter().all(|g| g["binding"] == false));

    // A budget keeps only what fits, and says so.
    let (_, b) = get(&t, &enterprise, &format!("/api/v1/enterprises/{own}/matches?budget=30000")).await;
    let recs = b["matches"].as_array().unwrap();
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| r["solution"]["price_fen"].as_i64().unwrap() <= 3_000_000));
    assert!(recs[0]["reasons_zh"].to_string().contains("预算"), "{}", recs[0]["reasons_zh"]);
    assert_eq!(get(&t, &enterprise, &format!("/api/v1/enterprises/{own}/matches?budget=abc")).await.0, 400);

    // Scope: another enterprise's gaps are not the enterprise user's to see; an officer sees its city.
    assert_eq!(get(&t, &enterprise, &format!("/api/v1/enterprises/{other}/matches")).await.0, 404);
    assert_eq!(get(&t, &officer, &format!("/api/v1/enterprises/{wuxi}/matches")).await.0, 404);
    // Without an assessment there is nothing to match, and the answer says why.
    let (s, none) = get(&t, &officer, &format!("/api/v1/enterprises/{other}/matches")).await;
    assert_eq!(s, 200);
    assert!(none["assessment_id"].is_null() && none["matches"].as_array().unwrap().is_empty());
}

async fn contact_details_need_consent(store: Store) {
    let t = TestApp::spawn(store).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let mut c = t.db();
    let pid =
        c.scalar("SELECT id FROM providers WHERE uscc = $1", vec![db::Arg::from("91320104MA1X2Y8F6T")]).await.unwrap();
    let sid =
        c.scalar("SELECT id FROM solutions WHERE name = $1", vec![db::Arg::from("能耗监测与碳管理")]).await.unwrap();
    let other_sid =
        c.scalar("SELECT id FROM solutions WHERE name = $1", vec![db::Arg::from("智能排产与生产报工")]).await.unwrap();

    // A solution of another provider cannot be attached to the request.
    let (s, _) =
        post(&t, &enterprise, "/api/v1/contact-requests", json!({"provider_id": pid, "solution_id": other_sid})).await;
    assert_eq!(s, 404);
    let (s, v) = post(
        &t,
        &enterprise,
        "/api/v1/contact-requests",
        json!({"provider_id": pid, "solution_id": sid, "message": "想了解能耗监测"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (_, seen) = get(&t, &provider, "/api/v1/contact-requests").await;
    let row = &seen["items"][0];
    assert_eq!(row["enterprise_name"], "南京玄武精密机械有限公司");
    assert!(row["contact_phone"].is_null(), "no details before consent: {row}");
    assert!(!seen.to_string().contains("13912345678"));

    // Consent is the enterprise's alone.
    assert_eq!(
        post(&t, &provider, &format!("/api/v1/contact-requests/{id}/consent"), json!({"give": true})).await.0,
        403
    );
    assert_eq!(
        post(&t, &enterprise, &format!("/api/v1/contact-requests/{id}/consent"), json!({"give": true})).await.0,
        200
    );
    let (_, seen) = get(&t, &provider, "/api/v1/contact-requests").await;
    assert_eq!(seen["items"][0]["contact_phone"], "13912345678");
    let reads = c
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1", vec![db::Arg::from("contact.read")])
        .await
        .unwrap();
    assert_eq!(reads, 1, "the provider's read of personal data is audited");
    // Another provider never sees it.
    let hash = dengta::app::accounts::hash_password("Other#Provider1").await.unwrap();
    let jn =
        c.scalar("SELECT id FROM providers WHERE uscc = $1", vec![db::Arg::from("91320115MA1X2Y9G0W")]).await.unwrap();
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username: "jiangning-provider",
            display_name: "江宁云智",
            password_hash: &hash,
            role: "provider",
            region_code: "320115",
            enterprise_id: None,
            provider_id: Some(jn),
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let other = token(&t, "jiangning-provider").await;
    let (_, theirs) = get(&t, &other, "/api/v1/contact-requests").await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    // Revoking hides the details again.
    assert_eq!(
        post(&t, &enterprise, &format!("/api/v1/contact-requests/{id}/consent"), json!({"give": false})).await.0,
        200
    );
    let (_, seen) = get(&t, &provider, "/api/v1/contact-requests").await;
    assert!(seen["items"][0]["contact_phone"].is_null());
    assert_eq!(seen["items"][0]["consented"], false);
}

async fn demand_counts_weak_scenes_without_identities(store: Store) {
    let t = TestApp::spawn(store).await;
    let provider = token(&t, "demo-provider").await;
    let (s, d) = get(&t, &provider, "/api/v1/demand?region=320100").await;
    assert_eq!(s, 200, "{d}");
    // One demo enterprise self-assessed: every cell is below 3, so it is suppressed.
    let rows = d["by_division"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["enterprises"].is_null()), "{d}");
    assert!(!d.to_string().contains("玄武精密"), "no enterprise identity");

    // A 秦淮区 enterprise of the same division (C34) self-assesses, and the demo enterprise re-assesses.
    let mut c = t.db();
    let answers: dengta_domain::assessment::Answers =
        serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap();
    for (uscc, user) in [("91320104MA1X2Y4B86", "qh-user"), ("91320102MA1X2Y3B1X", "demo-enterprise")] {
        let eid = c.scalar("SELECT id FROM enterprises WHERE uscc = $1", vec![db::Arg::from(uscc)]).await.unwrap();
        let u = match db::users::by_username(&mut c, user).await.unwrap() {
            Some(u) => u,
            None => {
                let hash = dengta::app::accounts::hash_password("Qinhuai#User2026").await.unwrap();
                let id = db::users::insert(
                    &mut c,
                    &db::users::NewUser {
                        username: user,
                        display_name: user,
                        password_hash: &hash,
                        role: "enterprise",
                        region_code: "320104",
                        enterprise_id: Some(eid),
                        provider_id: None,
                        is_demo: false,
                    },
                )
                .await
                .unwrap();
                db::users::by_id(&mut c, id).await.unwrap().unwrap()
            }
        };
        let tok = token(&t, &u.username).await;
        let (s, v) = post(
            &t,
            &tok,
            "/api/v1/assessments",
            json!({"enterprise_id": eid, "instrument_id": "mfg-2024", "answers": answers, "pledge": true}),
        )
        .await;
        assert_eq!(s, 201, "{v}");
    }
    // The demo enterprise re-assessed with the same answers: its weak scenes count once, not twice.
    let (_, d) = get(&t, &provider, "/api/v1/demand?region=320100").await;
    let equipment = d["by_division"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scene"] == "equipment_management" && r["division"] == "C34")
        .cloned()
        .unwrap();
    assert!(equipment["enterprises"].is_null(), "two enterprises are still fewer than three: {equipment}");
    let mut c2 = t.db();
    assert_eq!(db::dashboard::value(&mut c2, "e.gap:equipment_management:C34", "320100").await.unwrap(), 2);
    assert_eq!(db::dashboard::value(&mut c2, "e.gap:equipment_management:C34", "320102").await.unwrap(), 1);
    assert_eq!(db::dashboard::value(&mut c2, "e.gap:equipment_management:C34", "320000").await.unwrap(), 2);
    // The sub-industry view sums its divisions (智能装备 = C34 C35).
    assert!(d["by_sub_industry"].as_array().unwrap().iter().any(|r| r["sub_industry"] == "智能装备"));
    // Enterprise users do not read demand; bad regions are refused.
    let enterprise = token(&t, "demo-enterprise").await;
    assert_eq!(get(&t, &enterprise, "/api/v1/demand").await.0, 403);
    assert_eq!(get(&t, &provider, "/api/v1/demand?region=12").await.0, 400);
}

on_both_stores!(
    solutions_carry_tags_from_the_closed_list,
    solutions_are_reviewed_then_found,
    matching_explains_and_respects_the_budget,
    contact_details_need_consent,
    demand_counts_weak_scenes_without_identities,
);
