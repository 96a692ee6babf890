//! The access-control matrix: every route in the router's table × every role
//! (and no login) × an object inside and outside the caller's scope. New
//! routes are covered without editing this test.

use axum::http::Method;
use dengta::web::routes::{self, Access, Object, RouteDef};
use dengta_domain::role::Role;
use serde_json::{Value, json};

use crate::support::{Fixture, Store, TestApp, fixture};

fn demo_user(role: Role) -> &'static str {
    match role {
        Role::Enterprise => "demo-enterprise",
        Role::Provider => "demo-provider",
        Role::Officer => "demo-officer",
        Role::Expert => "demo-expert",
        Role::SysAdmin => "demo-sysadmin",
        Role::SecAdmin => "demo-secadmin",
        Role::AuditAdmin => "demo-auditadmin",
    }
}

/// The id inside the role's scope for an object kind (the role's own
/// enterprise or provider, or one in its city) and the one outside it.
fn ids(f: &Fixture, o: Object) -> (i64, i64) {
    match o {
        Object::Enterprise => (f.own_enterprise, f.other_city_enterprise),
        Object::Provider => (f.own_provider, f.other_city_provider),
        Object::User => (f.same_city_user, f.other_city_user),
        Object::Claim => (f.own_claim, f.other_city_claim),
        Object::Import => (f.own_import, f.other_city_import),
        Object::Assessment => (f.own_assessment, f.other_city_assessment),
        Object::Sheet => (f.own_sheet, f.other_city_sheet),
        Object::Solution => (f.published_solution, f.other_city_draft_solution),
        Object::Contact => (f.own_contact, f.other_city_contact),
        Object::Enrolment => (f.own_enrolment, f.other_city_enrolment),
        Object::Project => (f.own_project, f.other_city_project),
        Object::Subsidy => (f.own_subsidy, f.other_city_subsidy),
        Object::Case => (f.own_case, f.other_city_case),
        Object::Chain => (f.own_chain, f.other_city_chain),
        Object::Webhook => (f.own_webhook, f.other_city_webhook),
        Object::Round => (f.own_round, f.other_city_round),
    }
}

fn concrete(d: &RouteDef, id: i64) -> String {
    d.path.replace("{id}", &id.to_string()).replace("{file}", "app.css").replace("{code}", "en")
}

/// The smallest body the route's documented schema allows: each required property with its
/// first allowed value. A well-formed body gets past the schema, so what answers is the access
/// rule and the scope, which is what this test is about.
fn minimal_body(d: &RouteDef) -> Value {
    static DOC: std::sync::LazyLock<Value> = std::sync::LazyLock::new(dengta::web::api::openapi::build);
    let doc = &*DOC;
    let method = d.method.as_str().to_lowercase();
    let schema = &doc["paths"][d.path][method.as_str()]["requestBody"]["content"]["application/json"]["schema"];
    minimal(doc, schema)
}

fn minimal(doc: &Value, schema: &Value) -> Value {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return minimal(doc, &doc["components"]["schemas"][name]);
    }
    if let Some(v) = schema.get("const") {
        return v.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(ts) => ts.first().and_then(Value::as_str).unwrap_or("object"),
        t => t.as_str().unwrap_or("object"),
    };
    match kind {
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        "string" => json!(""),
        "array" => json!([]),
        _ => {
            let mut body = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                body.insert(name.to_owned(), minimal(doc, &schema["properties"][name]));
            }
            Value::Object(body)
        }
    }
}

async fn call(t: &TestApp, c: &reqwest::Client, csrf: &str, d: &RouteDef, path: &str) -> reqwest::StatusCode {
    let url = t.url(path);
    let req = if d.method == Method::GET {
        c.get(url)
    } else if d.is_api() {
        c.request(d.method.clone(), url).header("x-csrf-token", csrf).json(&minimal_body(d))
    } else {
        c.request(d.method.clone(), url).form(&[("_csrf", csrf)])
    };
    req.send().await.expect("request").status()
}

async fn matrix(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let defs = routes::defs();
    assert!(defs.len() > 30, "the route table should be complete");
    let mut checked = 0;

    // Without a login: every non-public route is refused.
    let anon = t.client();
    let anon_csrf = t.csrf(&anon).await;
    for d in defs.iter().filter(|d| d.access != Access::Public) {
        let path = concrete(d, 1);
        let status = call(&t, &anon, &anon_csrf, d, &path).await;
        let expected = if d.is_api() { 401 } else { 303 };
        assert_eq!(status.as_u16(), expected, "anonymous {} {path}", d.method);
        checked += 1;
    }

    for role in Role::ALL {
        let (c, csrf) = t.demo_login(demo_user(role)).await;
        for d in &defs {
            if d.path == "/logout" || d.path == "/account/password" && d.method == Method::POST {
                continue; // would end the session under test; covered in accounts tests
            }
            let allowed = d.access.allows(Some(role));
            match d.object {
                // Public pages have no scope: the object inside is simply readable.
                Some(o) if d.access == Access::Public => {
                    let (inside, _) = ids(&f, o);
                    if let Some(inn) = call_inside(&t, &c, &csrf, d, inside).await {
                        assert_eq!(inn, 200, "{role} {} {} public", d.method, d.path);
                    }
                }
                Some(o) => {
                    let (inside, outside) = ids(&f, o);
                    let out = call(&t, &c, &csrf, d, &concrete(d, outside)).await;
                    if allowed {
                        assert_eq!(out, 404, "{role} {} {} outside scope must be 404", d.method, d.path);
                    } else {
                        assert_eq!(out, 403, "{role} {} {} must be forbidden", d.method, d.path);
                    }
                    let inn = call_inside(&t, &c, &csrf, d, inside).await;
                    if let Some(inn) = inn {
                        if allowed {
                            assert_eq!(inn, 200, "{role} {} {} inside scope", d.method, d.path);
                        } else {
                            assert_eq!(inn, 403, "{role} {} {} inside but role forbidden", d.method, d.path);
                        }
                    }
                }
                None => {
                    if d.method != Method::GET && allowed {
                        continue; // state changes by permitted roles are tested with real input elsewhere
                    }
                    let status = call(&t, &c, &csrf, d, &concrete(d, 0)).await;
                    if allowed {
                        assert!(
                            status.is_success() || status.is_redirection() || (d.path == "/setup" && status == 404),
                            "{role} {} {} allowed but got {status}",
                            d.method,
                            d.path
                        );
                    } else {
                        assert_eq!(status, 403, "{role} {} {} must be forbidden", d.method, d.path);
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 300, "only {checked} cases ran");

    // The 三员 split, stated directly.
    let (sys, _) = t.demo_login("demo-sysadmin").await;
    assert_eq!(sys.get(t.url("/api/v1/audit")).send().await.unwrap().status(), 403);
    assert_eq!(sys.get(t.url("/audit")).send().await.unwrap().status(), 403);
    for d in defs.iter().filter(|d| d.method != Method::GET) {
        let reachable = d.access.allows(Some(Role::AuditAdmin));
        assert!(
            !reachable || d.access == Access::Anyone || d.access == Access::Public,
            "audit admin can change data via {}",
            d.path
        );
    }
}

/// Calls a route with an in-scope object, except state changes that would
/// alter the fixture for later cases.
async fn call_inside(
    t: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    d: &RouteDef,
    id: i64,
) -> Option<reqwest::StatusCode> {
    if d.method != Method::GET {
        return None;
    }
    Some(call(t, c, csrf, d, &concrete(d, id)).await)
}

on_both_stores!(matrix);
