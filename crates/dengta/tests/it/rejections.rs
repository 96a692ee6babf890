//! Refusals the framework makes before any handler runs — an unknown path or method, a path
//! segment or query value of the wrong type, a body that is not JSON or has no content type —
//! answer like every other refusal: problem+json under /api/ (in the caller's language, the
//! reason as the detail), the error page elsewhere; never plain text.

use serde_json::Value;

use crate::support::{Store, TestApp, token};

async fn problem(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(ct, "application/problem+json", "status {status}");
    (status, res.json().await.unwrap())
}

async fn framework_refusals_are_problems(store: Store) {
    let t = TestApp::spawn(store).await;
    let tok = token(&t, "demo-officer").await;
    let c = reqwest::Client::new();

    let (s, v) = problem(c.get(t.url("/api/v1/enterprises?limit=x")).bearer_auth(&tok).send().await.unwrap()).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "error.bad_request");
    assert_eq!(v["title"], "请求格式不正确", "Chinese by default");
    assert!(v["detail"].as_str().unwrap().contains("limit"), "{v}");
    assert!(!v["request_id"].as_str().unwrap_or_default().is_empty());

    let res = c.get(t.url("/api/v1/enterprises?limit=x")).bearer_auth(&tok).header("accept-language", "en").send();
    let (_, v) = problem(res.await.unwrap()).await;
    assert_eq!(v["title"], "Malformed request", "English when asked");

    let (s, _) = problem(c.get(t.url("/api/v1/enterprises/abc")).bearer_auth(&tok).send().await.unwrap()).await;
    assert_eq!(s, 400);
    let (s, v) = problem(c.get(t.url("/api/v1/no-such-thing")).bearer_auth(&tok).send().await.unwrap()).await;
    assert_eq!((s, v["code"].as_str()), (404, Some("error.not_found")));
    let (s, v) = problem(c.delete(t.url("/api/v1/me")).bearer_auth(&tok).send().await.unwrap()).await;
    assert_eq!((s, v["code"].as_str()), (405, Some("error.method_not_allowed")));

    let post = |body: &'static str, ct: Option<&'static str>| {
        let mut r = c.post(t.url("/api/v1/enterprises")).bearer_auth(&tok).body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r.send()
    };
    // Bodies are read by the handlers, which answer 400 (malformed) with the parser's reason.
    let (s, v) = problem(post("{not json", Some("application/json")).await.unwrap()).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("JSON"), "{v}");
    let (s, v) = problem(post("{}", None).await.unwrap()).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["detail"].as_str().unwrap().to_lowercase().contains("content-type"), "{v}");

    // A page answers with the error page, not plain text.
    let (browser, _) = t.demo_login("demo-officer").await;
    let res = browser.get(t.url("/enterprises/abc")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(res.text().await.unwrap().contains("请求格式不正确"));
}

on_both_stores!(framework_refusals_are_problems);

/// Query parameters are checked, not ignored: a name the operation does not take and a `limit`
/// below 1 are refused as problems naming the parameter; and every parameter the OpenAPI
/// document names for an operation is one the server takes.
async fn query_parameters_are_strict_and_documented(store: Store) {
    let t = TestApp::spawn(store).await;
    let tok = token(&t, "demo-officer").await;
    let c = reqwest::Client::new();
    for (path, named) in [
        ("/api/v1/projects?limt=5", "limt"),
        ("/api/v1/workbench?status=x", "status"),
        ("/api/v1/enterprises/1?reveal=1", "reveal"),
        ("/api/v1/projects?limit=0", "limit"),
        ("/api/v1/enrolments?limit=-3", "limit"),
    ] {
        let (s, v) = problem(c.get(t.url(path)).bearer_auth(&tok).send().await.unwrap()).await;
        assert_eq!((s, v["code"].as_str()), (400, Some("error.bad_request")), "{path}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(named), "{path}: {v}");
    }
    let res = c.get(t.url("/api/v1/projects?limt=5")).bearer_auth(&tok).header("accept-language", "en").send();
    let (_, v) = problem(res.await.unwrap()).await;
    assert_eq!(v["title"], "Malformed request", "{v}");
    // What is documented is taken.
    let res = c.get(t.url("/api/v1/projects?limit=5&after=")).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let doc: Value = c.get(t.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(params) = ops.get("get").and_then(|op| op["parameters"].as_array()) else { continue };
        let path = path.replace("{id}", "1");
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().unwrap();
            let value = if p["schema"]["type"] == "boolean" { "true" } else { "1" };
            let res = c.get(t.url(&format!("{path}?{name}={value}"))).bearer_auth(&tok).send().await.unwrap();
            let body = res.text().await.unwrap();
            assert!(!body.contains("unknown query parameter"), "{path} documents {name} but refuses it: {body}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} documented parameters tried");
}

on_both_stores!(query_parameters_are_strict_and_documented);
