//! Several `dengta serve` processes on one database behave as one platform: an instrument version
//! published on one is used by the other at once, a token revoked on one is refused by the other
//! within the callers' memory, the same payment or allocation request spread over both gets one
//! receipt, a server with older programme rules refuses to start, and background work runs on
//! one server at a time under a lease. Real processes of the binary, because servers inside one
//! test process would share its memory and hide exactly what this checks.

use std::time::Duration;

use crate::faults::{cli, serve, wait_ready};
use crate::instruments::with_version;
use crate::support::{DEMO_PASSWORD, Store, form_token};

/// A signed-in browser-like client of one server, with its CSRF token.
async fn login(base: &str, username: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let html = c.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let token = form_token(&html).expect("login form token");
    let res = c
        .post(format!("{base}/login"))
        .form(&[("_csrf", token.as_str()), ("username", username), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login of {username}");
    let html = c.get(format!("{base}/account/password")).send().await.unwrap().text().await.unwrap();
    (c, form_token(&html).expect("token after login"))
}

/// `n` copies of one POST with one idempotency key, sent at once, alternating between the servers.
async fn same_request_over_both(
    n: usize,
    bases: [&str; 2],
    token: &str,
    path: &str,
    key: &str,
    body: serde_json::Value,
) -> Vec<(u16, serde_json::Value)> {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..n {
        let req =
            http.post(format!("{}{path}", bases[i % 2])).bearer_auth(token).header("Idempotency-Key", key).json(&body);
        tasks.push(tokio::spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap_or_default())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

struct Killed(Vec<std::process::Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn two_servers_one_truth(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::fresh_database(store, dir.path()).await;
    let data_dir = dir.path().join("data");
    let (a, base_a) = serve(&url, &data_dir, true);
    let mut children = Killed(vec![a]);
    wait_ready(&base_a).await;
    let (b, base_b) = serve(&url, &data_dir, false);
    children.0.push(b);
    wait_ready(&base_b).await;
    let token = |user: &str| {
        let out = cli(&url, &data_dir, &["token", "create", "--user", user]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let db = dengta::db::Db::connect(&url, 2).await.unwrap();
    let http = reqwest::Client::new();

    // ── An instrument version published on A is in force on B without a restart. ──
    let (admin_b, _) = login(&base_b, "demo-sysadmin").await;
    let listed = |c: reqwest::Client, base: String| async move {
        c.get(format!("{base}/admin/instruments")).send().await.unwrap().text().await.unwrap()
    };
    assert!(!listed(admin_b.clone(), base_b.clone()).await.contains("v7"), "not published yet");
    let (admin_a, csrf) = login(&base_a, "demo-sysadmin").await;
    let part = reqwest::multipart::Part::bytes(with_version(7).into_bytes()).file_name("mfg-2024-v7.toml");
    let res = admin_a
        .post(format!("{base_a}/admin/instruments?_csrf={csrf}"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "published on A");
    assert!(listed(admin_b, base_b.clone()).await.contains("v7"), "B lists the version A published");
    let enterprise: i64 =
        db.scalar("SELECT enterprise_id FROM users WHERE username = 'demo-enterprise'", vec![]).await.unwrap();
    let answers: serde_json::Value =
        serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap();
    let body = serde_json::json!({"enterprise_id": enterprise, "instrument_id": "mfg-2024", "answers": answers, "pledge": true});
    let ent = token("demo-enterprise");
    let res = http.post(format!("{base_b}/api/v1/assessments")).bearer_auth(&ent).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["instrument_version"], 7, "B scores with the newest version: {v}");
    // And A reads what B stored with it.
    let id = v["id"].as_i64().unwrap();
    let (ent_a, _) = login(&base_a, "demo-enterprise").await;
    let res = ent_a.get(format!("{base_a}/assessments/{id}")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // ── A token revoked on A is refused by B once B's memory of callers runs out. ──
    let mine: serde_json::Value =
        http.get(format!("{base_a}/api/v1/tokens")).bearer_auth(&ent).send().await.unwrap().json().await.unwrap();
    let token_id =
        mine["items"].as_array().and_then(|a| a.first()).and_then(|t| t["id"].as_i64()).expect("the token listed");
    let res = http
        .post(format!("{base_a}/api/v1/tokens/revoke"))
        .bearer_auth(&ent)
        .json(&serde_json::json!({"id": token_id}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "revoked on A: {}", res.status());
    tokio::time::sleep(Duration::from_millis(dengta::app::callers::REMEMBER_MS as u64 + 300)).await;
    for base in [&base_a, &base_b] {
        let res = http.get(format!("{base}/api/v1/tokens")).bearer_auth(&ent).send().await.unwrap();
        assert_eq!(res.status(), 401, "{base} refuses the revoked token");
    }

    // ── One payment request, 40 times, over both servers at once: one receipt for all. ──
    let sid: i64 =
        db.scalar("SELECT id FROM subsidies WHERE status = 'approved' ORDER BY id LIMIT 1", vec![]).await.unwrap();
    let finance = token("demo-finance");
    let pay = format!("/api/v1/subsidies/{sid}/payments");
    let body = serde_json::json!({"voucher": "PZ-TWO-1"});
    let receipts = same_request_over_both(40, [&base_a, &base_b], &finance, &pay, "two-servers-pay-1", body).await;
    let first = receipts[0].1.clone();
    for (status, r) in &receipts {
        assert!((200..300).contains(status), "every duplicate gets the receipt, not {status}: {r}");
        assert_eq!(r["payment_id"], first["payment_id"], "one receipt: {r} vs {first}");
        assert_eq!(r["transfer_id"], first["transfer_id"]);
    }
    let payments: i64 =
        db.scalar("SELECT COUNT(*) FROM payments WHERE subsidy_id = $1", vec![sid.into()]).await.unwrap();
    assert_eq!(payments, 1, "paid once");

    // ── One allocation, 20 times over both servers: one transfer. ──
    let officer = token("demo-officer");
    let body = serde_json::json!({"programme_id": "nanjing-2024", "pool": "services", "amount": "1.00", "reference": "两台服务器"});
    let answers = same_request_over_both(
        20,
        [&base_a, &base_b],
        &officer,
        "/api/v1/ledger/allocations",
        "two-servers-alloc-1",
        body,
    )
    .await;
    let mut ids = Vec::new();
    for (status, v) in answers {
        assert!((200..300).contains(&status), "every duplicate gets the transfer, not {status}: {v}");
        ids.push(v["transfer_id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one transfer for every duplicate: {ids:?}");

    for check in [&["audit", "verify"][..], &["ledger", "check"], &["rollups", "check"]] {
        let out = cli(&url, &data_dir, check);
        assert!(out.status.success(), "{check:?}: {}", String::from_utf8_lossy(&out.stdout));
    }

    // ── A server of an older binary refuses to start next to newer rules. ──
    db.execute(
        "INSERT INTO programmes (id, version, name, level, region_code, fingerprint, body, loaded_at) \
         SELECT id, version + 1, name, level, region_code, 'newer', body, loaded_at FROM programmes \
         WHERE id = 'nanjing-2024' AND version = (SELECT MAX(version) FROM programmes WHERE id = 'nanjing-2024')",
        vec![],
    )
    .await
    .unwrap();
    let mut old = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .args(["--database-url", &url, "serve", "--listen", "127.0.0.1:0"])
        .env_remove("DENGTA_CONFIG")
        .env("DENGTA_DATA_DIR", &data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut exited = None;
    for _ in 0..300 {
        if let Some(status) = old.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = exited else {
        let _ = old.kill();
        panic!("a server with older programme rules started");
    };
    let out = old.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!status.success() && said.contains("nanjing-2024"), "{said}");
    db.close().await;
    drop(children);
    tokio::time::sleep(Duration::from_millis(50)).await;
}

on_both_stores!(two_servers_one_truth);

/// Background work under a lease: of two servers asking at once, again and again, exactly one
/// holds it; it renews its own; the other takes it once it runs out or is given up.
async fn one_server_at_a_time_does_background_work(store: Store) {
    let t = crate::support::TestApp::spawn(store).await;
    // Not the test server's own sweep lease, which its sweeper may take at any moment.
    const WORK: &str = "test-work";
    let servers = [
        dengta::app::App::new(t.db(), (*t.app.settings).clone()),
        dengta::app::App::new(t.db(), (*t.app.settings).clone()),
    ];
    assert_ne!(servers[0].instance, servers[1].instance, "each server names itself");
    let mut tasks = Vec::new();
    for i in 0..24 {
        let app = servers[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let held = dengta::app::leases::hold(&app, WORK, 60_000).await.unwrap();
            (i % 2, held)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (server, held) = task.await.unwrap();
        if held {
            winners.push(server);
        }
    }
    winners.dedup();
    assert_eq!(winners.len(), 1, "one server holds the lease: {winners:?}");
    let (holder, other) = (&servers[winners[0]], &servers[1 - winners[0]]);
    assert!(dengta::app::leases::hold(holder, WORK, 60_000).await.unwrap(), "the holder renews");
    assert!(!dengta::app::leases::hold(other, WORK, 60_000).await.unwrap());
    // Another lease is another piece of work.
    assert!(dengta::app::leases::hold(other, "reports", 60_000).await.unwrap());
    // Given up (shutdown): the other server takes it at once.
    dengta::app::leases::release_all(holder, &[WORK]).await;
    assert!(dengta::app::leases::hold(other, WORK, 60_000).await.unwrap());
    assert!(!dengta::app::leases::hold(holder, WORK, 60_000).await.unwrap());
    // Run out (a server that died): taken by the first to ask after the end.
    let now = dengta::db::now_ms();
    let mut c = t.db();
    assert!(!dengta::db::leases::take(&mut c, WORK, &holder.instance, now, now + 1000).await.unwrap());
    assert!(dengta::db::leases::take(&mut c, WORK, &holder.instance, now + 61_000, now + 120_000).await.unwrap());
    let who = dengta::db::leases::holder(&mut c, WORK, now + 61_000).await.unwrap();
    assert_eq!(who.as_deref(), Some(&*holder.instance));
}

on_both_stores!(one_server_at_a_time_does_background_work);

/// A server with a streaming replica: lists and the public portal read from it, a caller who has
/// just written reads its write (API header or browser cookie) while the replica lags, a replica
/// too far behind or gone is passed over, and nothing is refused meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_from_a_replica_see_their_own_writes() {
    let Some(primary) = crate::faults::PrivatePg::start() else {
        println!("SKIPPED: no PostgreSQL binaries under /usr/lib/postgresql");
        return;
    };
    let replica = crate::faults::PrivatePg::replica_of(&primary);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .args(["--database-url", &primary.url(), "serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("DENGTA_CONFIG")
        .env("DENGTA_DATA_DIR", &data_dir)
        .env("DENGTA_DATABASE_REPLICA_URL", replica.url())
        .env("DENGTA_DATABASE_REPLICA_MAX_LAG_MS", "3000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _server = Killed(vec![server]);
    wait_ready(&base).await;
    let officer = {
        let out = cli(&primary.url(), &data_dir, &["token", "create", "--user", "demo-officer"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let on_replica = dengta::db::Db::connect(&replica.url(), 1).await.unwrap();
    let http = reqwest::Client::new();
    let listed = |after: Option<String>, cookie: bool| {
        let mut req = http.get(format!("{base}/api/v1/enterprises?name=副本测试")).bearer_auth(&officer);
        if let Some(lsn) = after {
            req =
                if cookie { req.header("cookie", format!("dengta_lsn={lsn}")) } else { req.header("dengta-lsn", lsn) };
        }
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            let v: serde_json::Value = res.json().await.unwrap();
            v["items"].as_array().map_or(0, Vec::len)
        }
    };
    // Caught up first (the demo's writes replayed).
    for _ in 0..100 {
        let behind: i64 = primary_behind(&primary, &on_replica).await;
        if behind == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;

    // The replica stops replaying; a write on the primary hands back its position.
    on_replica.execute("SELECT pg_wal_replay_pause()", vec![]).await.unwrap();
    let uscc = dengta_domain::enterprise::uscc::Uscc::with_check_char("91320102MA2000000").unwrap();
    let body =
        serde_json::json!({"uscc": uscc.as_str(), "name": "副本测试企业", "industry": "C3412", "above_scale": "true"});
    let res = http.post(format!("{base}/api/v1/enterprises")).bearer_auth(&officer).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let lsn = res.headers().get("dengta-lsn").and_then(|v| v.to_str().ok()).expect("a write position").to_owned();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("dengta_lsn="));
    assert!(cookie, "browsers carry the position in a cookie");
    // A read without the position is served by the replica, which has not replayed the write;
    // the writer sees its write at once (header or cookie).
    assert_eq!(listed(None, false).await, 0, "others read from the replica");
    assert_eq!(listed(Some(lsn.clone()), false).await, 1, "read-your-writes by header");
    assert_eq!(listed(Some(lsn.clone()), true).await, 1, "read-your-writes by cookie");
    // A malformed position is not trusted: the primary.
    assert_eq!(listed(Some("not-a-position".into()), false).await, 1);
    // Too far behind (3 s here): everyone reads from the primary.
    tokio::time::sleep(Duration::from_millis(4000)).await;
    assert_eq!(listed(None, false).await, 1, "a lagging replica is passed over");
    // Replaying again: the replica serves, and has the write.
    on_replica.execute("SELECT pg_wal_replay_resume()", vec![]).await.unwrap();
    on_replica.close().await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(listed(None, false).await, 1);
    // The replica gone: pages and lists keep answering from the primary.
    replica.down();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(listed(None, false).await, 1, "no replica: the primary answers");
    let res = http.get(format!("{base}/public")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// How many bytes of WAL the replica has still to replay.
async fn primary_behind(primary: &crate::faults::PrivatePg, replica: &dengta::db::Db) -> i64 {
    let p = dengta::db::Db::connect(&primary.url(), 1).await.unwrap();
    let (at,): (String,) = p.fetch_one("SELECT CAST(pg_current_wal_lsn() AS TEXT)", vec![]).await.unwrap();
    p.close().await;
    let (replayed,): (String,) =
        replica.fetch_one("SELECT CAST(pg_last_wal_replay_lsn() AS TEXT)", vec![]).await.unwrap();
    let parse = |s: &str| dengta::app::replica::parse_lsn(s).unwrap() as i64;
    parse(&at) - parse(&replayed)
}
