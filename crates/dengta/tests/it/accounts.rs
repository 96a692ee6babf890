//! Accounts: login, lockout, sessions (rotation, logout, expiry), password
//! change, first-run setup, user administration.

use dengta::db;

use crate::support::{DEMO_PASSWORD, Store, TestApp, form_token};

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dengta_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

async fn login_raw(t: &TestApp, c: &reqwest::Client, user: &str, pw: &str) -> reqwest::Response {
    let token = t.csrf(c).await;
    c.post(t.url("/login"))
        .form(&[("_csrf", token.as_str()), ("username", user), ("password", pw)])
        .send()
        .await
        .unwrap()
}

async fn login_rotates_sessions_and_sets_safe_cookies(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = t.client();
    let first = login_raw(&t, &c, "demo-officer", DEMO_PASSWORD).await;
    assert_eq!(first.status(), 303);
    let raw = first.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let session = raw.iter().find(|v| v.starts_with("dengta_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    let a = session_cookie(&first).unwrap();
    let second = login_raw(&t, &c, "demo-officer", DEMO_PASSWORD).await;
    let b = session_cookie(&second).unwrap();
    assert_ne!(a, b, "a new login must get a new session id");
    // The session id is not stored in clear.
    let conn = t.db();
    let stored: Vec<(String,)> = conn.fetch_all("SELECT id_hash FROM sessions", vec![]).await.unwrap();
    let raw_id = a.trim_start_matches("dengta_session=");
    assert!(!stored.is_empty() && stored.iter().all(|(h,)| h != raw_id));
}

async fn wrong_passwords_lock_the_account(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = t.client();
    let bad = login_raw(&t, &c, "demo-expert", "Wrong#pass1").await;
    assert_eq!(bad.status(), 401);
    assert!(bad.text().await.unwrap().contains("用户名或密码错误"));
    for _ in 0..4 {
        login_raw(&t, &c, "demo-expert", "Wrong#pass1").await;
    }
    // Locked: the right password is refused, with the same answer as a wrong one (the
    // audit trail says why).
    let locked = login_raw(&t, &c, "demo-expert", DEMO_PASSWORD).await;
    assert_eq!(locked.status(), 401, "right password while locked is refused");
    assert!(locked.text().await.unwrap().contains("用户名或密码错误"));
    // An unknown user gets the same answer as a wrong password.
    let unknown = login_raw(&t, &c, "nobody-here", "Wrong#pass1").await;
    assert_eq!(unknown.status(), 401);
    // The security administrator lifts the lock.
    let (sec, csrf) = t.demo_login("demo-secadmin").await;
    let conn = t.db();
    let id = conn.scalar("SELECT id FROM users WHERE username = $1", vec!["demo-expert".into()]).await.unwrap();
    let res =
        sec.post(t.url(&format!("/admin/users/{id}/unlock"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(login_raw(&t, &t.client(), "demo-expert", DEMO_PASSWORD).await.status(), 303);
    let failures = conn
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND result <> 'ok' AND object = 'user:demo-expert'", vec![])
        .await
        .unwrap();
    assert!(failures >= 6, "every failed attempt is audited ({failures})");
}

async fn logout_and_expiry_end_sessions(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-officer").await;
    assert_eq!(c.get(t.url("/home")).send().await.unwrap().status(), 200);
    let res = c.post(t.url("/logout")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(c.get(t.url("/home")).send().await.unwrap().status(), 303, "after logout /home redirects to login");

    // Idle expiry: a session last seen long ago is refused and removed.
    let (c2, _) = t.demo_login("demo-officer").await;
    let conn = t.db();
    let old = db::now_ms() - 31 * 60_000;
    conn.execute("UPDATE sessions SET last_seen_at = $1", vec![old.into()]).await.unwrap();
    assert_eq!(c2.get(t.url("/home")).send().await.unwrap().status(), 303);
    // Absolute expiry likewise.
    let (c3, _) = t.demo_login("demo-officer").await;
    conn.execute("UPDATE sessions SET expires_at = $1", vec![(db::now_ms() - 1).into()]).await.unwrap();
    assert_eq!(c3.get(t.url("/home")).send().await.unwrap().status(), 303);
}

async fn password_change_ends_all_sessions(store: Store) {
    let t = TestApp::spawn(store).await;
    let (a, csrf) = t.demo_login("demo-provider").await;
    let (b, _) = t.demo_login("demo-provider").await;
    // A weak password is refused with a clear message and changes nothing.
    let weak = a
        .post(t.url("/account/password"))
        .form(&[("_csrf", csrf.as_str()), ("current", DEMO_PASSWORD), ("new", "abc"), ("confirm", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("密码长度不足"));
    let res = a
        .post(t.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current", DEMO_PASSWORD),
            ("new", "Better#Pass2026"),
            ("confirm", "Better#Pass2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(a.get(t.url("/home")).send().await.unwrap().status(), 303);
    assert_eq!(b.get(t.url("/home")).send().await.unwrap().status(), 303, "other sessions end too");
    assert_eq!(login_raw(&t, &t.client(), "demo-provider", DEMO_PASSWORD).await.status(), 401);
    assert_eq!(login_raw(&t, &t.client(), "demo-provider", "Better#Pass2026").await.status(), 303);
}

async fn sysadmin_creates_users_with_valid_bindings(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-sysadmin").await;
    let form = |u: &str, role: &str, region: &str, eid: &str| {
        vec![
            ("_csrf".to_owned(), csrf.clone()),
            ("username".to_owned(), u.to_owned()),
            ("display_name".to_owned(), "测试".to_owned()),
            ("role".to_owned(), role.to_owned()),
            ("region".to_owned(), region.to_owned()),
            ("enterprise_id".to_owned(), eid.to_owned()),
            ("provider_id".to_owned(), String::new()),
            ("password".to_owned(), "Strong#Pass1".to_owned()),
        ]
    };
    // An enterprise user without an enterprise is refused, in Chinese, and nothing is written.
    let mut conn = t.db();
    let before = db::users::count(&mut conn).await.unwrap();
    let res = c.post(t.url("/admin/users")).form(&form("new-ent", "enterprise", "320102", "")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("企业用户必须绑定一个企业"));
    // A user outside the administrator's region is not creatable.
    let res = c.post(t.url("/admin/users")).form(&form("far-away", "officer", "320200", "")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(db::users::count(&mut conn).await.unwrap(), before);
    // A valid officer for a district.
    let res = c.post(t.url("/admin/users")).form(&form("xuanwu-2", "officer", "320102", "")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let again = c.post(t.url("/admin/users")).form(&form("xuanwu-2", "officer", "320102", "")).send().await.unwrap();
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("用户名已被使用"));
    // The password the administrator chose is good for one login: the officer replaces it.
    let (o, csrf_o) = t.login("xuanwu-2", "Strong#Pass1").await;
    let res = o
        .post(t.url("/account/password"))
        .form(&[
            ("_csrf", csrf_o.as_str()),
            ("current", "Strong#Pass1"),
            ("new", "Own#Pass2026"),
            ("confirm", "Own#Pass2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (o, _) = t.login("xuanwu-2", "Own#Pass2026").await;
    let list = o.get(t.url("/enterprises")).send().await.unwrap().text().await.unwrap();
    assert!(
        list.contains("南京玄武精密机械有限公司") && !list.contains("江宁汽车零部件制造有限公司"),
        "district scope only"
    );
    // Disabling ends access at once.
    let id = conn.scalar("SELECT id FROM users WHERE username = 'xuanwu-2'", vec![]).await.unwrap();
    let res =
        c.post(t.url(&format!("/admin/users/{id}/disable"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(o.get(t.url("/home")).send().await.unwrap().status(), 303);
}

async fn secadmin_resets_a_password_once(store: Store) {
    let t = TestApp::spawn(store).await;
    let (sec, csrf) = t.demo_login("demo-secadmin").await;
    let conn = t.db();
    let id = conn.scalar("SELECT id FROM users WHERE username = 'demo-expert'", vec![]).await.unwrap();
    let html = sec
        .post(t.url(&format!("/admin/users/{id}/reset-password")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = html.find("id=\"new-password\">").expect("new password shown") + "id=\"new-password\">".len();
    let pw = html[at..].split('<').next().unwrap().to_owned();
    assert_eq!(login_raw(&t, &t.client(), "demo-expert", DEMO_PASSWORD).await.status(), 401);
    assert_eq!(login_raw(&t, &t.client(), "demo-expert", &pw).await.status(), 303);
}

async fn first_start_needs_the_setup_token(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::fresh_database(store, dir.path()).await;
    let server = dengta::server::Server::build(crate::support::settings(&url)).await.unwrap();
    let app = server.app.clone();
    let base = format!("http://{}", server.addr);
    tokio::spawn(server.run(std::future::pending()));
    let token = dengta::app::setup::issue_token_if_needed(&app).await.unwrap().expect("a token on an empty database");
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = c.get(format!("{base}/setup")).send().await.unwrap().text().await.unwrap();
    let csrf = form_token(&page).unwrap();
    let post = |tok: &str| {
        c.post(format!("{base}/setup"))
            .form(&[("_csrf", csrf.as_str()), ("token", tok), ("username", "root-admin"), ("password", "First#Admin1")])
            .send()
    };
    assert_eq!(post("not-the-token").await.unwrap().status(), 422);
    assert_eq!(post(&token).await.unwrap().status(), 303);
    // The token works once; then /setup is gone.
    assert_eq!(c.get(format!("{base}/setup")).send().await.unwrap().status(), 404);
    let res = c
        .post(format!("{base}/login"))
        .form(&[("_csrf", csrf.as_str()), ("username", "root-admin"), ("password", "First#Admin1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

on_both_stores!(
    login_rotates_sessions_and_sets_safe_cookies,
    wrong_passwords_lock_the_account,
    logout_and_expiry_end_sessions,
    password_change_ends_all_sessions,
    sysadmin_creates_users_with_valid_bindings,
    secadmin_resets_a_password_once,
    first_start_needs_the_setup_token,
);
