//! The JSON API: scoping, problem+json errors in Chinese, keyset pages,
//! health, and the OpenAPI document covering every API route.

use dengta::web::routes;

use crate::support::{Store, TestApp, fixture, get};

async fn token_for(t: &TestApp, user: &str) -> String {
    dengta::app::accounts::create_token(&t.app, &dengta::app::Actor::cli(), user, "test").await.unwrap()
}

async fn api_lists_are_scoped_and_paged(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = reqwest::Client::new();
    let officer = token_for(&t, "demo-officer").await;
    let district = token_for(&t, "demo-district").await;
    let enterprise = token_for(&t, "demo-enterprise").await;
    let get = |path: &str, tok: &str| c.get(t.url(path)).bearer_auth(tok).send();

    let all: serde_json::Value = get("/api/v1/enterprises", &officer).await.unwrap().json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 5, "the city sees its 5, not 无锡's");
    let mine: serde_json::Value = get("/api/v1/enterprises", &district).await.unwrap().json().await.unwrap();
    let names: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.iter().all(|n| n.contains("玄武")));
    // Lists mask personal data.
    assert_eq!(mine["items"][0]["legal_rep"], "张*");
    assert_eq!(mine["items"][0]["personal_data_shown"], false);
    let own: serde_json::Value = get("/api/v1/enterprises", &enterprise).await.unwrap().json().await.unwrap();
    assert_eq!(own["items"].as_array().unwrap().len(), 1);

    // Keyset paging: two at a time, no overlap, all five seen.
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page: serde_json::Value =
            get(&format!("/api/v1/enterprises?limit=2&after={after}"), &officer).await.unwrap().json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
        match page["next_after"].as_str() {
            Some(n) => after = n.to_owned(),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);

    // One record: personal data masked and nothing audited, unless asked for; a revealed
    // read is audited once per read.
    let f = fixture(&t.db()).await;
    let conn = t.db();
    let reads = || {
        conn.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'enterprise.read_personal' AND username = 'demo-officer' AND object = $1",
            vec![format!("enterprise:{}", f.own_enterprise).into()],
        )
    };
    let one: serde_json::Value =
        get(&format!("/api/v1/enterprises/{}", f.own_enterprise), &officer).await.unwrap().json().await.unwrap();
    assert_eq!(one["legal_rep"], "张*");
    assert_eq!(one["contact_phone"], "139****5678");
    assert_eq!(reads().await.unwrap(), 0);
    let one: serde_json::Value = get(&format!("/api/v1/enterprises/{}?personal=true", f.own_enterprise), &officer)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["legal_rep"], "张伟");
    assert_eq!(one["contact_phone"], "13912345678");
    assert_eq!(reads().await.unwrap(), 1);
    // The file page likewise: masked, with a link that reveals (and is audited).
    let (browser, _) = t.demo_login("demo-officer").await;
    let page = |q: &'static str| {
        let url = t.url(&format!("/enterprises/{}{q}", f.own_enterprise));
        let b = browser.clone();
        async move { b.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let masked = page("").await;
    assert!(masked.contains("张*") && !masked.contains("张伟") && masked.contains("id=\"reveal-personal\""));
    assert_eq!(reads().await.unwrap(), 1);
    let shown = page("?personal=1").await;
    assert!(shown.contains("张伟") && shown.contains("13912345678") && shown.contains("id=\"pi-notice\""));
    assert_eq!(reads().await.unwrap(), 2);
}

async fn errors_are_problem_json_in_chinese(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = reqwest::Client::new();
    let officer = token_for(&t, "demo-officer").await;
    let f = fixture(&t.db()).await;
    let res = c
        .get(t.url(&format!("/api/v1/enterprises/{}", f.other_city_enterprise)))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["status"], 404);
    assert_eq!(p["code"], "error.not_found");
    assert!(p["title"].as_str().unwrap().contains("不存在"));
    assert!(!p["request_id"].as_str().unwrap().is_empty());
    // English on request.
    let res = c.get(t.url("/api/v1/audit")).bearer_auth(&officer).header("accept-language", "en").send().await.unwrap();
    assert_eq!(res.status(), 403);
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["title"], "You do not have access to this page");
    // A bad token is refused, not treated as anonymous.
    let res = c.get(t.url("/api/v1/me")).bearer_auth("dt_not-a-real-token").send().await.unwrap();
    assert_eq!(res.status(), 401);
    // Bad input: a malformed body and an invalid field, nothing written.
    let admin = token_for(&t, "demo-sysadmin").await;
    let res = c
        .post(t.url("/api/v1/users"))
        .bearer_auth(&admin)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a body that is not JSON is malformed");
    let res = c
        .post(t.url("/api/v1/users"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"username": "x1x", "role": "king", "region": "320100", "password": "Strong#Pass1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["title"], "未知角色");
}

async fn health_and_openapi(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = reqwest::Client::new();
    assert_eq!(c.get(t.url("/healthz")).send().await.unwrap().status(), 200);
    let ready: serde_json::Value = c.get(t.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let doc: serde_json::Value = c.get(t.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for d in routes::defs().into_iter().filter(|d| d.is_api()) {
        let op = &doc["paths"][d.path][d.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} missing from the OpenAPI document", d.method, d.path);
        for status in ["400", "404", "409", "422", "429"] {
            assert!(op["responses"][status].is_object(), "{} {} does not document {status}", d.method, d.path);
        }
    }
    // A file is documented as what it is: the CSV's content type is the one the server sends.
    let csv = c.get(t.url("/api/v1/open-data/projects.csv")).send().await.unwrap();
    let sent = csv.headers()["content-type"].to_str().unwrap().to_owned();
    let documented = doc["paths"]["/api/v1/open-data/projects.csv"]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(sent.starts_with(&documented), "documented {documented}, sent {sent}");
    // Every response carries the security headers and a request id.
    let res = c.get(t.url("/login")).send().await.unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(!h["content-security-policy"].to_str().unwrap().contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(!h["x-request-id"].to_str().unwrap().is_empty());
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(html.contains("演示环境"), "demo banner");
    // Works offline: every script, style sheet, image and link the page loads is on this server.
    let mut refs = 0;
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let value = html[i + attr.len()..].split('"').next().unwrap_or_default();
            refs += 1;
            assert!(!value.contains("://") && !value.starts_with("//"), "the page refers to another host: {value}");
        }
    }
    assert!(refs > 2, "the page's links and assets were found ({refs})");
}

/// The document says what the server does: answers are described by the types they are made
/// from, codes by the lists the server checks them against, and numbers as JSON reads them.
async fn the_document_is_the_contract(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = reqwest::Client::new();
    let officer = token_for(&t, "demo-officer").await;
    let doc: serde_json::Value = c.get(t.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schemas = &doc["components"]["schemas"];

    // An enterprise as the API answers it has exactly the documented properties.
    let op = &doc["paths"]["/api/v1/enterprises/{id}"]["get"]["responses"]["200"]["content"]["application/json"];
    assert_eq!(op["schema"]["$ref"], "#/components/schemas/EnterpriseView", "{op}");
    let view = &schemas["EnterpriseView"];
    let (_, list) = get(&t, &officer, "/api/v1/enterprises").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, one) = get(&t, &officer, &format!("/api/v1/enterprises/{id}")).await;
    let mut sent: Vec<&String> = one.as_object().unwrap().keys().collect();
    let mut documented: Vec<&String> = view["properties"].as_object().unwrap().keys().collect();
    sent.sort();
    documented.sort();
    assert_eq!(sent, documented, "the answer and its schema name the same fields");
    for r in view["required"].as_array().unwrap() {
        assert!(one.get(r.as_str().unwrap()).is_some(), "required {r} is sent");
    }

    // Region codes are the embedded GB/T 2260 list: a well-formed code naming no division is
    // outside the contract (400), a real one outside the officer's city is not found (404).
    let region = doc["paths"]["/api/v1/dashboard"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "region")
        .unwrap()
        .clone();
    assert_eq!(region["schema"]["$ref"], "#/components/schemas/RegionCode");
    let codes = schemas["RegionCode"]["enum"].as_array().unwrap();
    assert!(codes.iter().any(|c| c == "320102") && !codes.iter().any(|c| c == "000000"));
    let status = |path: &'static str| {
        let req = c.get(t.url(path)).bearer_auth(&officer);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/api/v1/dashboard?region=000000").await, 400);
    assert_eq!(status("/api/v1/dashboard?region=110000").await, 404);
    assert_eq!(status("/api/v1/dashboard?region=320102").await, 200);
    assert_eq!(status("/api/v1/dashboard?region=320102&region=320104").await, 400, "a parameter given twice");
    assert_eq!(status("/api/v1/solutions?xkqz=null").await, 400, "a value outside the documented enum");
    // Every value the document offers is one the server takes.
    let tiles = doc["paths"]["/api/v1/dashboard/export"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tile")
        .unwrap()["schema"]["enum"]
        .clone();
    assert_eq!(tiles.as_array().map(Vec::len), Some(5), "{tiles}");
    for tile in tiles.as_array().unwrap() {
        let path = format!("/api/v1/dashboard/export?tile={}", tile.as_str().unwrap());
        let res = c.get(t.url(&path)).bearer_auth(&officer).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }

    // JSON Schema counts 3.0 as an integer, so the server reads it as one; 3.5 is not.
    let read = |body: serde_json::Value| {
        let req = c.post(t.url("/api/v1/notifications/read")).bearer_auth(&officer).json(&body);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(read(serde_json::json!({ "id": 1.0 })).await, 200);
    assert_eq!(read(serde_json::json!({ "id": 1.5 })).await, 400);
}

on_both_stores!(
    api_lists_are_scoped_and_paged,
    errors_are_problem_json_in_chinese,
    health_and_openapi,
    the_document_is_the_contract
);
