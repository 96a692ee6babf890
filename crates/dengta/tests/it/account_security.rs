//! Account security under concurrency and abuse: the lockout decided atomically, one answer
//! for every refused login, bounded password hashing, rate limits (login and public forms),
//! expiring and revocable API tokens, one-time passwords, and the TOTP second factor.

use std::pin::Pin;
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use dengta::app::{Actor, accounts, totp};
use dengta::config::Settings;

use crate::support::{DEMO_PASSWORD, Store, TestApp, form_token, get, post, token};

/// Runs the futures at once (requests in flight together) and returns their outputs in order.
async fn join_all<F: Future>(fs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = fs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    out.into_iter().map(|o| o.unwrap()).collect()
}

async fn login_raw(t: &TestApp, c: &reqwest::Client, user: &str, pw: &str) -> reqwest::Response {
    let csrf = t.csrf(c).await;
    c.post(t.url("/login"))
        .form(&[("_csrf", csrf.as_str()), ("username", user), ("password", pw)])
        .send()
        .await
        .unwrap()
}

/// The refusal text of a login page (the `login-error` alert).
fn refusal(html: &str) -> String {
    let at = html.find("id=\"login-error\">").map(|i| i + "id=\"login-error\">".len()).unwrap_or(0);
    html[at..].split('<').next().unwrap_or("").to_owned()
}

async fn count(t: &TestApp, sql: &str, args: Vec<dengta::db::Arg>) -> i64 {
    t.db().scalar(sql, args).await.unwrap()
}

async fn user_id(t: &TestApp, name: &str) -> i64 {
    count(t, "SELECT id FROM users WHERE username = $1", vec![name.into()]).await
}

fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn unlimited(s: &mut Settings) {
    s.security.max_concurrent_hashes = 4;
    s.security.hash_wait_ms = 600_000;
}

/// 60 wrong passwords at once for one account (threshold 5): exactly five are counted, the
/// fifth locks, every other is refused as locked — and then the right password is refused too.
async fn parallel_wrong_passwords_lock_exactly_at_the_threshold(store: Store) {
    let t = TestApp::spawn_with(store, unlimited).await;
    let c = t.client();
    let csrf = t.csrf(&c).await;
    let attempts = (0..60).map(|_| {
        c.post(t.url("/login"))
            .form(&[("_csrf", csrf.as_str()), ("username", "demo-expert"), ("password", "Wrong#pass1")])
            .send()
    });
    let answers = join_all(attempts).await;
    let mut bodies = Vec::new();
    for a in answers {
        let a = a.unwrap();
        assert_eq!(a.status(), 401);
        bodies.push(refusal(&a.text().await.unwrap()));
    }
    assert!(bodies.iter().all(|b| b == &bodies[0] && !b.is_empty()), "one answer for all: {bodies:?}");
    let right = login_raw(&t, &t.client(), "demo-expert", DEMO_PASSWORD).await;
    assert_eq!(right.status(), 401, "the right password is refused while locked");
    assert_eq!(refusal(&right.text().await.unwrap()), bodies[0]);

    let by = |detail: &'static str| {
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND object = 'user:demo-expert' AND detail = $1",
            vec![detail.into()],
        )
    };
    assert_eq!(by("bad password").await, 4, "four failures counted before the lock");
    assert_eq!(by("bad password; account locked").await, 1, "exactly one failure locks");
    assert_eq!(by("locked").await, 56, "55 of the burst and the right password are refused as locked");
    let locked = count(
        &t,
        "SELECT COUNT(*) FROM users WHERE username = 'demo-expert' AND locked_until IS NOT NULL AND failed_logins = 5",
        vec![],
    )
    .await;
    assert_eq!(locked, 1);
}

/// Unknown name, wrong password, locked and disabled accounts all get the same status and
/// text; the audit trail keeps the real reason, and a huge name is kept bounded.
async fn every_refused_login_looks_the_same(store: Store) {
    let t = TestApp::spawn_with(store, unlimited).await;
    let c = t.client();
    // demo-district: disabled by the system administrator.
    let (sys, csrf) = t.demo_login("demo-sysadmin").await;
    let district = user_id(&t, "demo-district").await;
    let res = sys.post(t.url(&format!("/admin/users/{district}/disable"))).form(&[("_csrf", csrf.as_str())]).send();
    assert_eq!(res.await.unwrap().status(), 303);
    // demo-expert: locked.
    for _ in 0..5 {
        login_raw(&t, &c, "demo-expert", "Wrong#pass1").await;
    }
    let long_name = "x".repeat(20_000);
    let cases = [
        ("nobody-here", "Wrong#pass1"),
        ("demo-provider", "Wrong#pass1"),
        ("demo-expert", DEMO_PASSWORD),
        ("demo-district", DEMO_PASSWORD),
        (long_name.as_str(), "Wrong#pass1"),
    ];
    let mut seen = Vec::new();
    for (user, pw) in cases {
        let res = login_raw(&t, &c, user, pw).await;
        assert_eq!(res.status(), 401, "{}", &user[..user.len().min(20)]);
        seen.push(refusal(&res.text().await.unwrap()));
    }
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
    assert_eq!(seen[0], "用户名或密码错误");
    let reason = |object: &'static str, detail: &'static str| {
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND object = $1 AND detail LIKE $2",
            vec![object.into(), detail.into()],
        )
    };
    assert_eq!(reason("user:nobody-here", "unknown user%").await, 1);
    assert_eq!(reason("user:demo-provider", "bad password").await, 1);
    assert_eq!(reason("user:demo-expert", "locked").await, 1);
    assert_eq!(reason("user:demo-district", "disabled").await, 1);
    let longest = count(&t, "SELECT CAST(MAX(LENGTH(username)) AS BIGINT) FROM audit_log", vec![]).await;
    assert!(longest <= 80, "audited names are bounded ({longest})");
    let cut = count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE username LIKE $1 AND object LIKE $2",
        vec!["xxxx%[truncated]".into(), "user:xxxx%[truncated]%".into()],
    )
    .await;
    assert_eq!(cut, 1, "the long name is kept cut, with a marker");
}

/// One hashing slot and no patience: a burst of logins is answered 401 or 503 (Retry-After,
/// a clear page), never an error; the API answers problem+json.
async fn password_hashing_is_bounded(store: Store) {
    let t = TestApp::spawn_with(store, |s| {
        s.security.max_concurrent_hashes = 1;
        s.security.hash_wait_ms = 0;
    })
    .await;
    let c = t.client();
    let csrf = t.csrf(&c).await;
    let burst = (0..24).map(|i| {
        let user = format!("ghost-{i}");
        let c = c.clone();
        let csrf = csrf.clone();
        let url = t.url("/login");
        async move {
            c.post(url).form(&[("_csrf", csrf.as_str()), ("username", &user), ("password", "Wrong#pass1")]).send().await
        }
    });
    let mut busy = 0;
    for r in join_all(burst).await {
        let r = r.unwrap();
        match r.status().as_u16() {
            401 => {}
            503 => {
                busy += 1;
                assert_eq!(r.headers()["retry-after"], "2");
                assert!(r.text().await.unwrap().contains("服务器正忙"));
            }
            s => panic!("unexpected status {s}"),
        }
    }
    assert!(busy > 0, "with one slot and no wait, a burst of 24 must overflow");
    // The API: password changes through tokens, all at once.
    let tokens =
        join_all(["demo-officer", "demo-provider", "demo-expert", "demo-enterprise"].map(|u| token(&t, u))).await;
    let calls = (0..24).map(|i| {
        let tok = tokens[i % tokens.len()].clone();
        let url = t.url("/api/v1/account/password");
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(tok)
                .json(&serde_json::json!({"current": "Wrong#pass1", "new": "Other#Pass2026"}))
                .send()
                .await
        }
    });
    let mut api_busy = 0;
    for r in join_all(calls).await {
        let r = r.unwrap();
        match r.status().as_u16() {
            422 => {}
            503 => {
                api_busy += 1;
                assert!(r.headers().contains_key("retry-after"));
                assert_eq!(r.headers()["content-type"], "application/problem+json");
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body["code"], "error.busy");
            }
            s => panic!("unexpected status {s}"),
        }
    }
    assert!(api_busy > 0);
}

/// Per address and per account, logins are limited with 429, Retry-After and a Chinese
/// message; X-Forwarded-For counts only from a trusted proxy.
async fn logins_are_rate_limited(store: Store) {
    let t = TestApp::spawn_with(store, |s| {
        unlimited(s);
        s.security.login_per_address_per_minute = 6;
        s.security.login_per_account_per_minute = 3;
    })
    .await;
    let c = t.client();
    let csrf = t.csrf(&c).await;
    // Ten at once on one account: three pass the limit (and fail on the password).
    let burst = (0..10).map(|_| {
        c.post(t.url("/login"))
            .header("x-forwarded-for", "203.0.113.9")
            .form(&[("_csrf", csrf.as_str()), ("username", "demo-provider"), ("password", "Wrong#pass1")])
            .send()
    });
    let statuses: Vec<u16> = join_all(burst).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
    let limited = login_raw(&t, &c, "demo-provider", DEMO_PASSWORD).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert!(limited.text().await.unwrap().contains("登录尝试过于频繁"));
    // The address has used 6 of 6 (the spoofed header is not trusted): another account is
    // limited too.
    assert_eq!(login_raw(&t, &c, "demo-officer", DEMO_PASSWORD).await.status(), 429);
    // Nothing of that was counted against the lockout beyond the attempts let through.
    let failures = count(&t, "SELECT failed_logins FROM users WHERE username = 'demo-provider'", vec![]).await;
    assert_eq!(failures, 3);

    // Behind a trusted proxy, each forwarded client has its own budget.
    let t = TestApp::spawn_with(store, |s| {
        unlimited(s);
        s.security.login_per_address_per_minute = 2;
        s.security.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let c = t.client();
    let csrf = t.csrf(&c).await;
    let from = |addr: &'static str| {
        c.post(t.url("/login"))
            .header("x-forwarded-for", addr)
            .form(&[("_csrf", csrf.as_str()), ("username", "nobody"), ("password", "Wrong#pass1")])
            .send()
    };
    for _ in 0..2 {
        assert_eq!(from("198.51.100.1").await.unwrap().status(), 401);
    }
    assert_eq!(from("198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(from("198.51.100.2").await.unwrap().status(), 401, "another client behind the proxy");
}

/// The public forms (objections, registration, provider application) are limited per
/// address: 429 with Retry-After, problem+json on the API, a Chinese page on the form.
async fn public_forms_are_rate_limited(store: Store) {
    let t = TestApp::spawn_with(store, |s| s.security.public_forms_per_address_per_hour = 3).await;
    let f = crate::support::fixture(&t.db()).await;
    let path = format!("/api/v1/public/providers/{}/objections", f.own_provider);
    let body = serde_json::json!({"name": "张三", "contact": "13800000000", "body": "资质存疑"});
    let anon = t.client();
    let csrf = t.csrf(&anon).await;
    let burst = (0..8).map(|_| anon.post(t.url(&path)).header("x-csrf-token", &csrf).json(&body).send());
    let answers = join_all(burst).await;
    let mut limited = 0;
    for r in answers {
        let r = r.unwrap();
        if r.status() == 429 {
            limited += 1;
            assert!(r.headers().contains_key("retry-after"));
            let p: serde_json::Value = r.json().await.unwrap();
            assert_eq!(p["code"], "error.too_many_forms");
        }
    }
    assert_eq!(limited, 5, "three per address, however fast they come");
    // The same address is limited on the page forms too, with a Chinese message; the page
    // that shows a form is not.
    let c = t.client();
    assert_eq!(c.get(t.url("/register")).send().await.unwrap().status(), 200);
    let csrf = t.csrf(&c).await;
    let res = c.post(t.url("/register")).form(&[("_csrf", csrf.as_str()), ("username", "x")]).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("提交过于频繁"));
}

/// Tokens expire and can be revoked by their owner or the security administrator; others
/// cannot see them.
async fn api_tokens_expire_and_are_revocable(store: Store) {
    let t = TestApp::spawn(store).await;
    let tok = token(&t, "demo-officer").await;
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 200);
    let (status, mine) = get(&t, &tok, "/api/v1/tokens").await;
    assert_eq!(status, 200);
    let item = &mine["items"][0];
    let ninety = item["expires_at"].as_i64().unwrap() - item["created_at"].as_i64().unwrap();
    assert_eq!(ninety, 90 * 86_400_000, "the default lifetime is 90 days");
    // Expired: refused.
    let short = accounts::create_token_for_days(&t.app, &Actor::cli(), "demo-officer", "short", 1).await.unwrap();
    assert_eq!(get(&t, &short, "/api/v1/me").await.0, 200);
    t.db().execute("UPDATE api_tokens SET expires_at = 1 WHERE name = 'short'", vec![]).await.unwrap();
    assert_eq!(get(&t, &short, "/api/v1/me").await.0, 401);
    // Someone else cannot revoke it (nor learn that it exists); the owner can.
    let id = item["id"].as_i64().unwrap();
    let other = token(&t, "demo-provider").await;
    assert_eq!(post(&t, &other, "/api/v1/tokens/revoke", serde_json::json!({"id": id})).await.0, 404);
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 200);
    // The security administrator sees and revokes a user's tokens.
    let sec = token(&t, "demo-secadmin").await;
    let officer = user_id(&t, "demo-officer").await;
    let (status, listed) = get(&t, &sec, &format!("/api/v1/users/{officer}/tokens")).await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let (sec_browser, _) = t.demo_login("demo-secadmin").await;
    let page = sec_browser.get(t.url(&format!("/admin/users/{officer}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"user-tokens\"") && page.contains("/account/tokens/revoke"), "{page}");
    // Revoked twice at once: one revocation, one conflict.
    let twice = join_all((0..2).map(|_| post(&t, &sec, "/api/v1/tokens/revoke", serde_json::json!({"id": id})))).await;
    let mut codes: Vec<u16> = twice.iter().map(|r| r.0).collect();
    codes.sort();
    assert_eq!(codes, [204, 409]);
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 401);
    let revoked = count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'token.revoke'", vec![]).await;
    assert_eq!(revoked, 1, "audited once");
    // The page lists the caller's own tokens.
    let (c, _) = t.demo_login("demo-officer").await;
    let page = c.get(t.url("/account/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已吊销") && page.contains("已过期"), "{page}");
}

/// A password change, a disable and a reset each end the user's sessions and tokens.
async fn password_change_disable_and_reset_revoke_access(store: Store) {
    let t = TestApp::spawn(store).await;
    // Change (through the API, with the token itself).
    let tok = token(&t, "demo-provider").await;
    let (browser, _) = t.demo_login("demo-provider").await;
    let body = serde_json::json!({"current": DEMO_PASSWORD, "new": "Better#Pass2026"});
    assert_eq!(post(&t, &tok, "/api/v1/account/password", body).await.0, 204);
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 401, "the token ends with the password");
    assert_eq!(browser.get(t.url("/home")).send().await.unwrap().status(), 303, "so does the session");
    // Disable.
    let tok = token(&t, "demo-district").await;
    let (browser, _) = t.demo_login("demo-district").await;
    let (sys, csrf) = t.demo_login("demo-sysadmin").await;
    let id = user_id(&t, "demo-district").await;
    let res = sys.post(t.url(&format!("/admin/users/{id}/disable"))).form(&[("_csrf", csrf.as_str())]).send();
    assert_eq!(res.await.unwrap().status(), 303);
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 401);
    assert_eq!(browser.get(t.url("/home")).send().await.unwrap().status(), 303);
    let res = sys.post(t.url(&format!("/admin/users/{id}/enable"))).form(&[("_csrf", csrf.as_str())]).send();
    assert_eq!(res.await.unwrap().status(), 303);
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 401, "re-enabling does not bring the token back");
    // Reset.
    let tok = token(&t, "demo-expert").await;
    let (browser, _) = t.demo_login("demo-expert").await;
    let (sec, csrf) = t.demo_login("demo-secadmin").await;
    let id = user_id(&t, "demo-expert").await;
    let res = sec.post(t.url(&format!("/admin/users/{id}/reset-password"))).form(&[("_csrf", csrf.as_str())]).send();
    assert_eq!(res.await.unwrap().status(), 200);
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 401);
    assert_eq!(browser.get(t.url("/home")).send().await.unwrap().status(), 303);
    let audited = count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('account.password_change', 'user.disable', 'user.password_reset') \
         AND detail LIKE 'sessions ended=% tokens revoked=1'",
        vec![],
    )
    .await;
    assert_eq!(audited, 3, "each revocation is in the audit record of its change");
}

async fn change_password(t: &TestApp, c: &reqwest::Client, old: &str, new: &str) -> reqwest::Response {
    let page = c.get(t.url("/account/password")).send().await.unwrap().text().await.unwrap();
    let csrf = form_token(&page).unwrap();
    c.post(t.url("/account/password"))
        .form(&[("_csrf", csrf.as_str()), ("current", old), ("new", new), ("confirm", new)])
        .send()
        .await
        .unwrap()
}

/// The security administrator resets the audit administrator's password: it signs in once,
/// and that session can only change it (pages redirect, the API refuses with a reason).
async fn a_reset_password_must_be_changed_first(store: Store) {
    let t = TestApp::spawn(store).await;
    let (sec, csrf) = t.demo_login("demo-secadmin").await;
    let id = user_id(&t, "demo-auditadmin").await;
    // The security administrator alone cannot reset an administrator's password (三员分立)…
    let res = sec
        .post(t.url(&format!("/admin/users/{id}/reset-password")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 200, "a direct reset of the audit administrator is refused");
    // …it takes a request and the system administrator's approval, and even then the password
    // handed over is one-time.
    let sec_tok = crate::support::token(&t, "demo-secadmin").await;
    let sys_tok = crate::support::token(&t, "demo-sysadmin").await;
    let req = serde_json::json!({"action": "reset_password", "target_user_id": id, "reason": "口令遗失"});
    let (s, v) = crate::support::post(&t, &sec_tok, "/api/v1/account-requests", req).await;
    assert_eq!(s, 201, "{v}");
    let decision = format!("/api/v1/account-requests/{}/decision", v["id"]);
    let (s, v) = crate::support::post(&t, &sys_tok, &decision, serde_json::json!({"approve": true})).await;
    assert_eq!(s, 200, "{v}");
    let pw = v["password"].as_str().unwrap().to_owned();
    let c = t.client();
    assert_eq!(login_raw(&t, &c, "demo-auditadmin", &pw).await.status(), 303);
    for page in ["/home", "/audit", "/audit/verify", "/account/tokens"] {
        let res = c.get(t.url(page)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{page}");
        assert_eq!(res.headers()["location"], "/account/password", "{page}");
    }
    let api = c.get(t.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(api.status(), 403);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = api.json().await.unwrap();
    assert_eq!(p["code"], "error.must_change_password");
    assert!(p["title"].as_str().unwrap().contains("请先修改密码"));
    let page = c.get(t.url("/account/password")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("一次性密码"), "the page says why");
    // The one-time password cannot be kept.
    assert_eq!(change_password(&t, &c, &pw, &pw).await.status(), 422);
    assert_eq!(change_password(&t, &c, &pw, "Audit#Own2026").await.status(), 303);
    let (c, _) = t.login("demo-auditadmin", "Audit#Own2026").await;
    assert_eq!(c.get(t.url("/audit")).send().await.unwrap().status(), 200);
    // The reset password is gone.
    assert_eq!(login_raw(&t, &t.client(), "demo-auditadmin", &pw).await.status(), 401);
}

/// Accounts that another person created with a password (administrator form, CLI) must
/// change it at first login; demo accounts need not.
async fn accounts_created_by_others_start_with_a_one_time_password(store: Store) {
    let t = TestApp::spawn(store).await;
    let sys = token(&t, "demo-sysadmin").await;
    let body = serde_json::json!({"username": "new-expert", "display_name": "新专家", "role": "expert",
        "region": "320100", "password": "Given#Pass2026"});
    let (status, user) = post(&t, &sys, "/api/v1/users", body).await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["must_change_password"], true);
    let c = t.client();
    assert_eq!(login_raw(&t, &c, "new-expert", "Given#Pass2026").await.status(), 303);
    assert_eq!(c.get(t.url("/reviews")).send().await.unwrap().headers()["location"], "/account/password");
    let demo = count(&t, "SELECT COUNT(*) FROM users WHERE is_demo AND must_change_password", vec![]).await;
    assert_eq!(demo, 0);
}

/// The second factor: a non-demo officer enrols (after replacing its one-time password),
/// then signs in with password + code; wrong codes count toward the lockout, recovery codes
/// work once, and the security administrator can reset it.
async fn officers_sign_in_with_a_second_factor(store: Store) {
    let t = TestApp::spawn_with(store, |s| {
        unlimited(s);
        s.security.totp_roles = vec!["officer".into(), "sysadmin".into(), "secadmin".into(), "auditadmin".into()];
    })
    .await;
    // Demo accounts are exempt: the demo officer signs in with a password alone.
    let (demo, _) = t.demo_login("demo-officer").await;
    assert_eq!(demo.get(t.url("/enterprises")).send().await.unwrap().status(), 200);

    let sys = token(&t, "demo-sysadmin").await;
    let body = serde_json::json!({"username": "xuanwu-officer", "role": "officer", "region": "320102",
        "password": "Given#Pass2026"});
    assert_eq!(post(&t, &sys, "/api/v1/users", body).await.0, 201);
    let c = t.client();
    assert_eq!(login_raw(&t, &c, "xuanwu-officer", "Given#Pass2026").await.status(), 303);
    assert_eq!(change_password(&t, &c, "Given#Pass2026", "Own#Officer2026").await.status(), 303);
    let c = t.client();
    assert_eq!(login_raw(&t, &c, "xuanwu-officer", "Own#Officer2026").await.status(), 303);
    // Enrolment first: pages redirect there, the API says so.
    let res = c.get(t.url("/enterprises")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/account/totp");
    let api: serde_json::Value = c.get(t.url("/api/v1/enterprises")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["code"], "error.totp_enrol_required");
    let page = c.get(t.url("/account/totp")).send().await.unwrap().text().await.unwrap();
    let csrf = form_token(&page).unwrap();
    let res = c.post(t.url("/account/totp/begin")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let page = c.get(t.url("/account/totp")).send().await.unwrap().text().await.unwrap();
    let at = page.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
    let secret = page[at..].split('<').next().unwrap().to_owned();
    assert!(page.contains("otpauth://totp/"), "the URI an app scans");
    let wrong = c.post(t.url("/account/totp/confirm")).form(&[("_csrf", csrf.as_str()), ("code", "000000")]).send();
    assert_eq!(wrong.await.unwrap().status(), 422);
    let code = totp::code_at(&secret, now_s()).unwrap();
    let done = c.post(t.url("/account/totp/confirm")).form(&[("_csrf", csrf.as_str()), ("code", &code)]).send();
    let html = done.await.unwrap().text().await.unwrap();
    let list = &html[html.find("id=\"recovery-codes\"").expect("codes shown once")..];
    let codes: Vec<String> =
        list.split("<code>").skip(1).take(10).map(|s| s.split('<').next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10);
    let stored =
        count(&t, "SELECT COUNT(*) FROM totp_recovery_codes WHERE code_hash = $1", vec![codes[0].clone().into()]);
    assert_eq!(stored.await, 0, "recovery codes are stored hashed");
    assert_eq!(c.get(t.url("/enterprises")).send().await.unwrap().status(), 200, "enrolled: the gate is gone");

    // Password, then code.
    let tr = &t;
    let second_step = |c: reqwest::Client, html: String, code: String| {
        let url = t.url("/login/totp");
        async move {
            // A sign-in rotates the CSRF token: ask for the client's current one.
            let csrf = tr.csrf(&c).await;
            let at = html.find("name=\"challenge\" value=\"").unwrap() + "name=\"challenge\" value=\"".len();
            let challenge = html[at..].split('"').next().unwrap().to_owned();
            c.post(url)
                .form(&[("_csrf", csrf.as_str()), ("challenge", challenge.as_str()), ("code", code.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let c = t.client();
    let first = login_raw(&t, &c, "xuanwu-officer", "Own#Officer2026").await;
    assert_eq!(first.status(), 200, "the password alone is not enough");
    assert!(first.headers().get("set-cookie").is_none_or(|v| !v.to_str().unwrap().starts_with("dengta_session")));
    let html = first.text().await.unwrap();
    assert_eq!(second_step(c.clone(), html.clone(), "123456".into()).await.status(), 401);
    // The enrolment used this step's code; the next step's is accepted (one step of drift).
    let next = totp::code_at(&secret, now_s() + 30).unwrap();
    let ok = second_step(c.clone(), html.clone(), next.clone()).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(c.get(t.url("/enterprises")).send().await.unwrap().status(), 200);
    // The pending login and the code are each good once.
    assert_eq!(second_step(c.clone(), html, next.clone()).await.status(), 401);

    // A recovery code signs in once.
    let c = t.client();
    let html = login_raw(&t, &c, "xuanwu-officer", "Own#Officer2026").await.text().await.unwrap();
    assert_eq!(second_step(c.clone(), html, codes[0].clone()).await.status(), 303);
    let c = t.client();
    let html = login_raw(&t, &c, "xuanwu-officer", "Own#Officer2026").await.text().await.unwrap();
    assert_eq!(second_step(c.clone(), html, codes[0].clone()).await.status(), 401, "used already");

    // Wrong codes in parallel count toward the lockout, exactly up to the threshold.
    let c = t.client();
    let html = login_raw(&t, &c, "xuanwu-officer", "Own#Officer2026").await.text().await.unwrap();
    let guesses = (0..20).map(|i| second_step(c.clone(), html.clone(), format!("{:06}", 100_000 + i)));
    let statuses: Vec<u16> = join_all(guesses).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let counted = count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE object = 'user:xuanwu-officer' AND detail LIKE 'bad second factor%'",
        vec![],
    )
    .await;
    // The wrong code before, the reused recovery code (after the last success cleared the
    // count) and exactly four of the burst: the fourth locks.
    assert_eq!(counted, 6, "counted up to the threshold");
    let locked_now = count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE object = 'user:xuanwu-officer' AND detail LIKE '%account locked'",
        vec![],
    );
    assert_eq!(locked_now.await, 1);
    let right = totp::code_at(&secret, now_s() + 30).unwrap();
    assert_eq!(second_step(c.clone(), html, right).await.status(), 401, "locked: even the right code");

    // The security administrator lifts the lock and resets the second factor (audited):
    // the officer enrols again at its next login.
    let (sec, csrf) = t.demo_login("demo-secadmin").await;
    let id = user_id(&t, "xuanwu-officer").await;
    for action in ["unlock", "reset-totp"] {
        let res = sec.post(t.url(&format!("/admin/users/{id}/{action}"))).form(&[("_csrf", csrf.as_str())]).send();
        assert_eq!(res.await.unwrap().status(), 303);
    }
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.totp_reset'", vec![]).await, 1);
    let c = t.client();
    assert_eq!(login_raw(&t, &c, "xuanwu-officer", "Own#Officer2026").await.status(), 303);
    assert_eq!(c.get(t.url("/enterprises")).send().await.unwrap().headers()["location"], "/account/totp");
    // API tokens are not affected by the second factor.
    let tok = token(&t, "xuanwu-officer").await;
    assert_eq!(get(&t, &tok, "/api/v1/enterprises").await.0, 200);
}

/// Callers are remembered between requests (`app::callers`), yet a disable takes effect at
/// once: while clients call in a loop with a token and a session, every request sent after the
/// administrator's disable has answered is refused.
async fn a_disable_takes_effect_at_once_under_load(store: Store) {
    let t = TestApp::spawn(store).await;
    let tok = token(&t, "demo-district").await;
    let (browser, _) = t.demo_login("demo-district").await;
    assert_eq!(get(&t, &tok, "/api/v1/me").await.0, 200);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let disabled_at: std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>> = Default::default();
    let mut loops = Vec::new();
    for i in 0..6 {
        let (url, page, tok, browser) = (t.url("/api/v1/me"), t.url("/home"), tok.clone(), browser.clone());
        let (stop, disabled_at) = (stop.clone(), disabled_at.clone());
        loops.push(tokio::spawn(async move {
            let api = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let (mut before, mut late) = (0, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let sent = std::time::Instant::now();
                let status = if i % 2 == 0 {
                    api.get(&url).bearer_auth(&tok).send().await.unwrap().status().as_u16()
                } else {
                    browser.get(&page).send().await.unwrap().status().as_u16()
                };
                let after_disable = disabled_at.lock().unwrap().is_some_and(|d| sent > d);
                if after_disable && status == 200 {
                    late.push(status);
                } else if !after_disable && status == 200 {
                    before += 1;
                }
            }
            (before, late)
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (sys, csrf) = t.demo_login("demo-sysadmin").await;
    let id = user_id(&t, "demo-district").await;
    let res = sys.post(t.url(&format!("/admin/users/{id}/disable"))).form(&[("_csrf", csrf.as_str())]).send();
    assert_eq!(res.await.unwrap().status(), 303);
    *disabled_at.lock().unwrap() = Some(std::time::Instant::now());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut served_before = 0;
    for l in loops {
        let (before, late) = l.await.unwrap();
        served_before += before;
        assert!(late.is_empty(), "{} requests sent after the disable were served", late.len());
    }
    assert!(served_before > 6, "the loops ran against a live account first ({served_before})");
}

on_both_stores!(
    a_disable_takes_effect_at_once_under_load,
    parallel_wrong_passwords_lock_exactly_at_the_threshold,
    every_refused_login_looks_the_same,
    password_hashing_is_bounded,
    logins_are_rate_limited,
    public_forms_are_rate_limited,
    api_tokens_expire_and_are_revocable,
    password_change_disable_and_reset_revoke_access,
    a_reset_password_must_be_changed_first,
    accounts_created_by_others_start_with_a_one_time_password,
    officers_sign_in_with_a_second_factor,
);
