//! CSRF: a state change made with the session cookie must come from this
//! site and echo the form token. A second loopback origin is refused.

use crate::support::{Store, TestApp};

async fn cross_origin_posts_are_refused(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-sysadmin").await;
    let conn = t.db();
    let count = |c: dengta::db::Db| async move { c.scalar("SELECT COUNT(*) FROM regions", vec![]).await.unwrap() };
    let before = count(conn.clone()).await;
    let port = t.base.rsplit(':').next().unwrap().to_owned();
    let form = |code: &str| vec![("_csrf", csrf.clone()), ("code", code.to_owned()), ("name", "测试区".to_owned())];

    // A page served from another loopback origin posting with the victim's cookies.
    let other_origin = format!("http://127.0.0.2:{port}");
    let res =
        c.post(t.url("/admin/regions")).header("origin", &other_origin).form(&form("320199")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("请求校验失败"));
    let res = c
        .post(t.url("/admin/regions"))
        .header("origin", format!("http://localhost:{}", port.parse::<u16>().unwrap() + 1))
        .form(&form("320199"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Browsers mark cross-site requests; those are refused even with a token.
    let res = c
        .post(t.url("/admin/regions"))
        .header("sec-fetch-site", "cross-site")
        .form(&form("320199"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Same origin but no token, or a wrong one.
    let res = c.post(t.url("/admin/regions")).form(&[("code", "320199"), ("name", "测试区")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = c
        .post(t.url("/admin/regions"))
        .form(&[("_csrf", "0".repeat(48).as_str()), ("code", "320199"), ("name", "测试区")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // JSON with the cookie but without the header.
    let res = c.post(t.url("/api/v1/users")).json(&serde_json::json!({"username": "x"})).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(count(conn.clone()).await, before, "nothing changed");

    // The genuine form from the same origin works.
    let res = c.post(t.url("/admin/regions")).header("origin", &t.base).form(&form("320199")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(count(conn.clone()).await, before + 1);
    let name: (String,) = conn.fetch_one("SELECT name FROM regions WHERE code = '320199'", vec![]).await.unwrap();
    assert_eq!(name.0, "测试区");
}

async fn api_tokens_need_no_csrf_but_cookies_do(store: Store) {
    let t = TestApp::spawn(store).await;
    let token =
        dengta::app::accounts::create_token(&t.app, &dengta::app::Actor::cli(), "demo-sysadmin", "test").await.unwrap();
    let c = reqwest::Client::new();
    let res = c
        .post(t.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"username": "api-expert", "role": "expert", "region": "320100", "password": "Api#Expert1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["username"], "api-expert");
    assert_eq!(body["role"], "expert");
    // A browser session must send the token header.
    let (b, csrf) = t.demo_login("demo-sysadmin").await;
    let res = b
        .post(t.url("/api/v1/users"))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({"username": "api-expert2", "role": "expert", "region": "320100", "password": "Api#Expert1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

on_both_stores!(cross_origin_posts_are_refused, api_tokens_need_no_csrf_but_cookies_do);
