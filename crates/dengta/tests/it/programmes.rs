//! Pilot programmes and the pilot-enterprise pool through the JSON API: programme rules as data,
//! automatic eligibility with every failed rule named, the district's and the city's reviews,
//! an officer's override (flagged), 公示 with objections, listing, and scope.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, public_objection, token};
use dengta::db;

/// A new enterprise (outside the demo's pilot data) and its user.
async fn enterprise_user(t: &TestApp, username: &str, uscc: &str, region: &str, industry: &str) -> String {
    let mut c = t.db();
    let eid = db::enterprises::insert(
        &mut c,
        &db::enterprises::NewEnterprise {
            uscc,
            name: &format!("{username} 有限公司"),
            region_code: region,
            industry_code: industry,
            legal_rep: None,
            contact_phone: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let hash = dengta::app::accounts::hash_password("Pilot#User2026").await.unwrap();
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username,
            display_name: username,
            password_hash: &hash,
            role: "enterprise",
            region_code: region,
            enterprise_id: Some(eid),
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    token(t, username).await
}

async fn state(t: &TestApp, tok: &str, id: i64) -> String {
    let (s, v) = get(t, tok, &format!("/api/v1/enrolments/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v["enrolment"]["status"].as_str().unwrap().to_owned()
}

async fn enrolment_from_application_to_listing(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    let district = token(&t, "demo-district").await;
    let enterprise = token(&t, "demo-enterprise").await;
    // The programmes are data, with their rule version and fingerprint.
    let (_, programmes) = get(&t, &enterprise, "/api/v1/programmes").await;
    let nanjing = programmes["items"].as_array().unwrap().iter().find(|p| p["id"] == "nanjing-2024").unwrap().clone();
    assert_eq!(nanjing["region"], "320100");
    assert_eq!(nanjing["fingerprint"].as_str().unwrap().len(), 64);

    // The demo enterprise (its size and a self-assessment are on file) applies: eligible.
    let (s, v) = post(&t, &enterprise, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["enrolment"]["id"].as_i64().unwrap();
    let (_, file) = get(&t, &enterprise, &format!("/api/v1/enrolments/{id}")).await;
    assert_eq!(file["enrolment"]["eligible"], true, "{file}");
    let rules: Vec<&str> =
        file["eligibility"].as_array().unwrap().iter().map(|o| o["rule"].as_str().unwrap()).collect();
    assert!(
        rules.contains(&"sme") && rules.contains(&"sub_industry") && rules.contains(&"no_serious_dishonesty"),
        "{rules:?}"
    );
    // Applying twice is refused.
    let (s, _) = post(&t, &enterprise, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 409);
    // A programme of another city is not open to it.
    let (s, _) = post(&t, &enterprise, "/api/v1/enrolments", json!({"programme_id": "longyan-2024"})).await;
    assert_eq!(s, 422);

    let path = format!("/api/v1/enrolments/{id}/transitions");
    // The city cannot skip the district's review; the enterprise cannot review itself.
    let (s, v) = post(&t, &city, &path, json!({"action": "city_approve"})).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "{v}");
    assert_eq!(post(&t, &enterprise, &path, json!({"action": "district_approve"})).await.0, 403);
    // The district reviews first; the city approves; 公示.
    let (s, v) = post(&t, &district, &path, json!({"action": "district_approve"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        post(&t, &district, &path, json!({"action": "city_approve"})).await.0,
        422,
        "a district is not the city"
    );
    assert_eq!(post(&t, &city, &path, json!({"action": "city_approve"})).await.0, 200);
    assert_eq!(post(&t, &city, &path, json!({"action": "publicise"})).await.0, 200);
    assert_eq!(state(&t, &city, id).await, "publicised");

    // The public sees the name, industry and region only, and may object.
    let anon = t.client();
    let public: Value = anon.get(t.url("/api/v1/public/pilot-enterprises")).send().await.unwrap().json().await.unwrap();
    let entry = public["publicised"].as_array().unwrap().iter().find(|e| e["id"] == id).cloned().unwrap();
    assert_eq!(entry["enterprise"], "南京玄武精密机械有限公司");
    assert!(!public.to_string().contains("13912345678") && !public.to_string().contains("张伟"), "no personal data");
    let (s, v) = public_objection(&t, id, "赵先生", "该企业已获省级同类项目资助").await;
    assert_eq!(s, 201);
    let objection = v["id"].as_i64().unwrap();
    // Listing waits for the period and the objection.
    let (s, v) = post(&t, &city, &path, json!({"action": "list"})).await;
    assert_eq!(s, 422);
    assert!(v.to_string().contains("公示期"), "{v}");
    let c = t.db();
    c.execute("UPDATE enrolments SET publicity_ends_at = 1 WHERE id = $1", vec![db::Arg::from(id)]).await.unwrap();
    let (s, v) = post(&t, &city, &path, json!({"action": "list"})).await;
    assert_eq!(s, 422);
    assert!(v.to_string().contains("异议"), "{v}");
    let decide = format!("/api/v1/enrolments/{id}/objection-decisions");
    assert_eq!(
        post(&t, &district, &decide, json!({"objection_id": objection, "uphold": false, "reason": "x"})).await.0,
        403
    );
    let (s, _) =
        post(&t, &city, &decide, json!({"objection_id": objection, "uphold": false, "reason": "经核实为不同改造内容"}))
            .await;
    assert_eq!(s, 200);
    let (s, v) = post(&t, &city, &path, json!({"action": "list"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "listed");
    let public: Value = anon.get(t.url("/api/v1/public/pilot-enterprises")).send().await.unwrap().json().await.unwrap();
    assert!(public["listed"]["items"].as_array().unwrap().iter().any(|e| e["id"] == id));
    // History, in order, each step audited.
    let (_, file) = get(&t, &city, &format!("/api/v1/enrolments/{id}")).await;
    let steps: Vec<&str> = file["history"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["apply", "district_approve", "city_approve", "publicise", "list"]);
    let audited = c
        .scalar("SELECT COUNT(*) FROM audit_log WHERE object = $1", vec![db::Arg::from(format!("enrolment:{id}"))])
        .await
        .unwrap();
    assert!(audited >= 5);
}

async fn failed_rules_are_named_and_overrides_flagged(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    // A 江宁区 materials firm (C2927): no size on file, no assessment, not in a pilot sub-industry.
    let user = enterprise_user(&t, "jn-materials", "91320115MA1X2YFN6P", "320115", "C2927").await;
    let (s, v) = post(&t, &user, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["enrolment"]["id"].as_i64().unwrap();
    assert_eq!(v["enrolment"]["eligible"], false);
    let failed: Vec<&str> = v["eligibility"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["passed"] == false)
        .map(|o| o["rule"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"sme") && failed.contains(&"sub_industry") && failed.contains(&"baseline_assessment"),
        "{failed:?}"
    );
    assert!(!failed.contains(&"local") && !failed.contains(&"no_serious_dishonesty"));
    // A serious dishonesty listing is named too.
    let qh = enterprise_user(&t, "qh-equipment", "91320104MA1X2YEM1K", "320104", "C3491").await;
    let mut c = t.db();
    c.execute(
        "UPDATE enterprises SET serious_dishonesty = TRUE WHERE uscc = $1",
        vec![db::Arg::from("91320104MA1X2YEM1K")],
    )
    .await
    .unwrap();
    let (_, v) = post(&t, &qh, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    let dishonest = v["eligibility"].as_array().unwrap().iter().find(|o| o["rule"] == "no_serious_dishonesty").unwrap();
    assert_eq!(dishonest["passed"], false, "{v}");
    assert!(dishonest["explanation"].as_str().unwrap().contains("严重失信"));

    // 江宁区's own officer makes the first review.
    let hash = dengta::app::accounts::hash_password("Jiangning#Off2026").await.unwrap();
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username: "jiangning-officer",
            display_name: "江宁区工信局",
            password_hash: &hash,
            role: "officer",
            region_code: "320115",
            enterprise_id: None,
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let jn = token(&t, "jiangning-officer").await;
    let path = format!("/api/v1/enrolments/{id}/transitions");
    assert_eq!(post(&t, &jn, &path, json!({"action": "district_approve"})).await.0, 200);
    // Without a reason the city cannot approve a failed application; with one it can, flagged.
    let (s, v) = post(&t, &city, &path, json!({"action": "city_approve"})).await;
    assert_eq!(s, 422);
    assert!(v.to_string().contains("理由"), "{v}");
    let (s, _) =
        post(&t, &city, &path, json!({"action": "city_approve", "reason": "规模数据待补录，经现场核实为小型企业"}))
            .await;
    assert_eq!(s, 200);
    let (_, file) = get(&t, &city, &format!("/api/v1/enrolments/{id}")).await;
    assert!(file["enrolment"]["override_reason"].as_str().unwrap().contains("现场核实"));
    let flagged: Vec<&Value> = file["history"].as_array().unwrap().iter().filter(|s| s["flagged"] == true).collect();
    assert_eq!(flagged.len(), 1);
    let overrides = c
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1", vec![db::Arg::from("enrolment.override")])
        .await
        .unwrap();
    assert_eq!(overrides, 1, "the override is recorded for the audit administrator");
    // A rejection needs a reason and ends the application.
    let (_, v) = get(&t, &qh, "/api/v1/enrolments").await;
    let qh_id = v["items"][0]["id"].as_i64().unwrap();
    let qh_path = format!("/api/v1/enrolments/{qh_id}/transitions");
    let qinhuai = {
        db::users::insert(
            &mut c,
            &db::users::NewUser {
                username: "qinhuai-officer",
                display_name: "秦淮区工信局",
                password_hash: &hash,
                role: "officer",
                region_code: "320104",
                enterprise_id: None,
                provider_id: None,
                is_demo: false,
            },
        )
        .await
        .unwrap();
        token(&t, "qinhuai-officer").await
    };
    assert_eq!(post(&t, &qinhuai, &qh_path, json!({"action": "district_reject"})).await.0, 422);
    assert_eq!(
        post(&t, &qinhuai, &qh_path, json!({"action": "district_reject", "reason": "列入严重失信名单"})).await.0,
        200
    );
    assert_eq!(state(&t, &city, qh_id).await, "rejected");
    assert_eq!(post(&t, &city, &qh_path, json!({"action": "city_approve", "reason": "x"})).await.0, 409);
    // Scope: an enterprise user sees only its own; another district sees nothing of 江宁.
    assert_eq!(get(&t, &qh, &format!("/api/v1/enrolments/{id}")).await.0, 404);
    let xuanwu = token(&t, "demo-district").await;
    assert_eq!(get(&t, &xuanwu, &format!("/api/v1/enrolments/{id}")).await.0, 404);
    assert_eq!(post(&t, &xuanwu, &path, json!({"action": "publicise"})).await.0, 404);
}

on_both_stores!(enrolment_from_application_to_listing, failed_rules_are_named_and_overrides_flagged);
