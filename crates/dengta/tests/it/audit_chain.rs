//! The audit chain under load and under attack: hundreds of audited actions of every kind
//! in parallel (reads with side effects included) leave an intact chain, free text in a
//! record is bounded, and an anchor kept outside proves that nothing before it was
//! rewritten even when every hash after the change was recomputed.

use dengta::db::{Arg, Db};
use dengta_domain::audit::chain_hash;
use tokio::task::JoinSet;

use crate::audit::dengta;
use crate::support::{Store, TestApp, get, token};

/// The audit trail's row count.
async fn records(db: &Db) -> i64 {
    db.scalar("SELECT COUNT(*) FROM audit_log", vec![]).await.unwrap()
}

/// A project of the demo the city officer may download the bundle of.
async fn bundle_project(t: &TestApp, officer: &str) -> i64 {
    let ids: Vec<(i64,)> = t.db().fetch_all("SELECT id FROM projects ORDER BY id", vec![]).await.unwrap();
    for (id,) in ids {
        let res = reqwest::Client::new()
            .get(t.url(&format!("/api/v1/projects/{id}/bundle")))
            .bearer_auth(officer)
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            return id;
        }
    }
    panic!("the demo has no project whose bundle the city officer can download")
}

async fn parallel_audited_actions_keep_the_chain(store: Store) {
    let t = TestApp::spawn(store).await;
    let officer = token(&t, "demo-officer").await;
    let auditor = token(&t, "demo-auditadmin").await;
    let project = bundle_project(&t, &officer).await;
    let enterprise: i64 =
        t.db().scalar("SELECT enterprise_id FROM users WHERE username = 'demo-enterprise'", vec![]).await.unwrap();
    let before = records(&t.db()).await;

    // Every kind of audited action at once: reads that leave a record (bundle, upward-report
    // export, personal-data reveal, audit search, anchor), failed and good logins, token
    // creation. Each must append exactly one link, none may read the same head.
    let mut jobs: JoinSet<(String, u16)> = JoinSet::new();
    let get_status = |path: String, tok: String, base: String| async move {
        let res = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(&tok).send().await.unwrap();
        let status = res.status().as_u16();
        let _ = res.bytes().await;
        (path, status)
    };
    let base = t.base.clone();
    let mut expected: i64 = 0;
    for i in 0..100 {
        jobs.spawn(get_status(format!("/api/v1/projects/{project}/bundle"), officer.clone(), base.clone()));
        if i < 40 {
            jobs.spawn(get_status("/api/v1/reports/export".into(), officer.clone(), base.clone()));
            jobs.spawn(get_status(
                format!("/api/v1/enterprises/{enterprise}?personal=true"),
                officer.clone(),
                base.clone(),
            ));
        }
        if i < 30 {
            jobs.spawn(get_status("/api/v1/audit/anchor".into(), auditor.clone(), base.clone()));
            let app = t.app.clone();
            jobs.spawn(async move {
                // A wrong password on an account that exists, and an unknown name: each recorded.
                let who = if i % 2 == 0 { "demo-expert" } else { "no-such-user" };
                let r = dengta::app::accounts::login(
                    &app,
                    &dengta::app::accounts::Attempt {
                        username: who,
                        password: "wrong-Password-1",
                        client: "127.0.0.1",
                        request_id: "par",
                    },
                )
                .await;
                // A login turned away because every hashing slot stayed busy is refused before
                // it is looked at, and leaves no record (so a flood cannot write to the trail).
                let status = match r {
                    Ok(_) => 200,
                    Err(dengta::app::AppError::Busy { .. }) => 503,
                    Err(_) => 401,
                };
                ("login".into(), status)
            });
        }
        if i < 20 {
            let app = t.app.clone();
            jobs.spawn(async move {
                let r =
                    dengta::app::accounts::create_token(&app, &dengta::app::Actor::cli(), "demo-officer", "par").await;
                ("token".into(), if r.is_ok() { 200 } else { 500 })
            });
        }
    }
    while let Some(done) = jobs.join_next().await {
        let (what, status) = done.unwrap();
        match (what.as_str(), status) {
            ("login", 401) => expected += 1,
            ("login", 503) => {}
            ("login", _) => panic!("a wrong password never signs in ({status})"),
            (_, 200) => expected += 1,
            _ => panic!("{what}: {status}"),
        }
    }
    assert!(expected >= 230, "most actions went through ({expected})");

    // One record per action at least (a reveal may add its own), and the chain is whole.
    let after = records(&t.db()).await;
    assert!(after - before >= expected, "{} records for {expected} actions", after - before);
    let out = dengta(&t.database_url, &["audit", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("{after} records")), "{text}");
    let (s, v) = get(&t, &auditor, "/api/v1/audit/verify").await;
    assert_eq!((s, v["intact"].as_bool()), (200, Some(true)), "{v}");
}

async fn audit_free_text_is_bounded(store: Store) {
    let t = TestApp::spawn(store).await;
    let huge = "名".repeat(10_000);
    assert!(
        dengta::app::accounts::login(
            &t.app,
            &dengta::app::accounts::Attempt {
                username: &huge,
                password: "x",
                client: "127.0.0.1",
                request_id: "bounded"
            }
        )
        .await
        .is_err()
    );
    let (name, object): (String, String) =
        t.db().fetch_one("SELECT username, object FROM audit_log WHERE request_id = 'bounded'", vec![]).await.unwrap();
    assert!(name.chars().count() <= 80, "username kept {} characters", name.chars().count());
    assert!(object.chars().count() <= 200, "object kept {} characters", object.chars().count());
    assert!(name.contains('…'), "a cut is marked: {name}");
}

/// Rewrites record `seq`'s detail and recomputes every hash from it to the head, as an
/// attacker with full database access would: the chain then verifies on its own.
async fn rewrite_from(t: &TestApp, store: Store, seq: i64) {
    let c = t.db();
    match store {
        Store::Sqlite => {
            c.execute("DROP TRIGGER audit_log_no_update", vec![]).await.unwrap();
        }
        Store::Postgres => {
            c.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", vec![]).await.unwrap();
        }
    }
    let mut conn = c.clone();
    let rows = dengta::db::audit::batch(&mut conn, seq - 1, 1_000_000).await.unwrap();
    let (mut prev,): (String,) = if seq == 1 {
        (dengta_domain::audit::GENESIS.to_owned(),)
    } else {
        c.fetch_one("SELECT hash FROM audit_log WHERE seq = $1", vec![Arg::from(seq - 1)]).await.unwrap()
    };
    for r in rows {
        let mut f = r.to_stored().fields;
        if f.seq == seq {
            f.detail = "rewritten".into();
        }
        let hash = chain_hash(&prev, &f);
        c.execute(
            "UPDATE audit_log SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            vec![Arg::from(f.detail.clone()), Arg::from(prev.clone()), Arg::from(hash.clone()), Arg::from(f.seq)],
        )
        .await
        .unwrap();
        prev = hash;
    }
    c.execute("UPDATE audit_head SET hash = $1 WHERE id = 1", vec![Arg::from(prev)]).await.unwrap();
}

async fn an_anchor_proves_nothing_before_it_was_rewritten(store: Store) {
    let t = TestApp::spawn(store).await;
    let auditor = token(&t, "demo-auditadmin").await;
    let officer = token(&t, "demo-officer").await;
    // Only the audit administrator takes an anchor.
    assert_eq!(get(&t, &officer, "/api/v1/audit/anchor").await.0, 403);
    let (s, anchor) = get(&t, &auditor, "/api/v1/audit/anchor").await;
    assert_eq!(s, 200, "{anchor}");
    let seq = anchor["seq"].as_i64().unwrap();
    assert!(seq > 3, "{anchor}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("anchor.json");
    std::fs::write(&file, anchor.to_string()).unwrap();
    let file = file.display().to_string();

    // More activity after the anchor; the anchor still holds.
    t.demo_login("demo-expert").await;
    let out = dengta(&t.database_url, &["audit", "verify", "--anchor", &file]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("#{seq}")), "{text}");

    // The anchor was taken on the record: who, and which head.
    let (action, detail): (String, String) = t
        .db()
        .fetch_one("SELECT action, detail FROM audit_log WHERE seq = $1", vec![Arg::from(seq + 1)])
        .await
        .unwrap();
    assert_eq!(action, "audit.anchor");
    assert!(detail.contains(anchor["hash"].as_str().unwrap()), "{detail}");

    // A rewrite before the anchor with every later hash recomputed passes a plain verify…
    rewrite_from(&t, store, 2).await;
    let plain = dengta(&t.database_url, &["audit", "verify"]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stdout));
    // …but not against the anchor kept outside.
    let out = dengta(&t.database_url, &["audit", "verify", "--anchor", &file]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("锚点") && text.contains(&format!("#{seq}")), "{text}");

    // A file that is not an anchor is refused plainly.
    std::fs::write(dir.path().join("bad.json"), "{\"seq\": 1}").unwrap();
    let bad =
        dengta(&t.database_url, &["audit", "verify", "--anchor", &dir.path().join("bad.json").display().to_string()]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("锚点"), "{}", String::from_utf8_lossy(&bad.stderr));
}

async fn a_truncated_chain_is_caught_by_the_anchor(store: Store) {
    let t = TestApp::spawn(store).await;
    let auditor = token(&t, "demo-auditadmin").await;
    let (_, anchor) = get(&t, &auditor, "/api/v1/audit/anchor").await;
    let seq = anchor["seq"].as_i64().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("anchor.json");
    std::fs::write(&file, anchor.to_string()).unwrap();
    // Delete the tail including the anchored record and move the head back: self-consistent.
    let c = t.db();
    match store {
        Store::Sqlite => {
            c.execute("DROP TRIGGER audit_log_no_delete", vec![]).await.unwrap();
        }
        Store::Postgres => {
            c.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", vec![]).await.unwrap();
        }
    }
    c.execute("DELETE FROM audit_log WHERE seq >= $1", vec![Arg::from(seq - 1)]).await.unwrap();
    let (h,): (String,) =
        c.fetch_one("SELECT hash FROM audit_log WHERE seq = $1", vec![Arg::from(seq - 2)]).await.unwrap();
    c.execute("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", vec![Arg::from(seq - 2), Arg::from(h)])
        .await
        .unwrap();
    assert!(dengta(&t.database_url, &["audit", "verify"]).status.success());
    let out = dengta(&t.database_url, &["audit", "verify", "--anchor", &file.display().to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("锚点"), "{text}");
}

on_both_stores!(
    parallel_audited_actions_keep_the_chain,
    audit_free_text_is_bounded,
    an_anchor_proves_nothing_before_it_was_rewritten,
    a_truncated_chain_is_caught_by_the_anchor,
);
