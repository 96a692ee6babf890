//! The tamper-evident audit trail: records written with each change, append
//! only, and `dengta audit verify` naming the first altered or removed record.

use std::process::Command;

use crate::support::{Store, TestApp};

pub fn dengta(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dengta"))
        .arg("--database-url")
        .arg(database_url)
        .args(args)
        .env_remove("DENGTA_CONFIG")
        .env("DENGTA_DATA_DIR", std::env::temp_dir().join("dengta-test-data"))
        .output()
        .expect("run dengta")
}

/// Lets the test act as an attacker with direct database access.
async fn allow_tampering(t: &TestApp, store: Store) {
    let c = t.db();
    match store {
        Store::Sqlite => {
            c.execute("DROP TRIGGER audit_log_no_update", vec![]).await.unwrap();
            c.execute("DROP TRIGGER audit_log_no_delete", vec![]).await.unwrap();
        }
        Store::Postgres => {
            c.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", vec![]).await.unwrap();
        }
    }
}

async fn some_activity(t: &TestApp) {
    for u in ["demo-officer", "demo-expert", "demo-sysadmin"] {
        t.demo_login(u).await;
    }
}

async fn altered_record_is_named(store: Store) {
    let t = TestApp::spawn(store).await;
    some_activity(&t).await;
    let ok = dengta(&t.database_url, &["audit", "verify"]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{out}");
    assert!(out.contains("intact"), "{out}");

    // The application's own connection cannot rewrite history.
    let c = t.db();
    assert!(c.execute("UPDATE audit_log SET result = 'denied' WHERE seq = 3", vec![]).await.is_err());
    assert!(c.execute("DELETE FROM audit_log WHERE seq = 3", vec![]).await.is_err());

    allow_tampering(&t, store).await;
    assert_eq!(c.execute("UPDATE audit_log SET result = 'denied' WHERE seq = 5", vec![]).await.unwrap(), 1);
    let bad = dengta(&t.database_url, &["audit", "verify"]);
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("#5") && out.contains("篡改"), "{out}");
}

async fn removed_record_is_named(store: Store) {
    let t = TestApp::spawn(store).await;
    some_activity(&t).await;
    allow_tampering(&t, store).await;
    let c = t.db();
    assert_eq!(c.execute("DELETE FROM audit_log WHERE seq = 4", vec![]).await.unwrap(), 1);
    let bad = dengta(&t.database_url, &["audit", "verify"]);
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("#4"), "{out}");

    // Cutting off the newest records is caught against the chain head.
    let t = TestApp::spawn(store).await;
    some_activity(&t).await;
    allow_tampering(&t, store).await;
    let c = t.db();
    let (head,): (i64,) = c.fetch_one("SELECT MAX(seq) FROM audit_log", vec![]).await.unwrap();
    c.execute("DELETE FROM audit_log WHERE seq = $1", vec![head.into()]).await.unwrap();
    let bad = dengta(&t.database_url, &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stdout));
}

async fn concurrent_writes_keep_one_chain(store: Store) {
    let t = std::sync::Arc::new(TestApp::spawn(store).await);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let who = ["demo-officer", "demo-expert", "demo-provider", "demo-enterprise"][i % 4];
            t.demo_login(who).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let verdict = dengta::app::audit::verify(&t.app.db).await.unwrap();
    let n = verdict.expect("chain intact after concurrent writes");
    let c = t.db();
    assert_eq!(n, c.scalar("SELECT COUNT(*) FROM audit_log", vec![]).await.unwrap());
}

async fn audit_admin_searches_in_the_ui(store: Store) {
    let t = TestApp::spawn(store).await;
    some_activity(&t).await;
    let (c, _) = t.demo_login("demo-auditadmin").await;
    let page = c.get(t.url("/audit?user=demo-expert&action=auth")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("auth.login") && page.contains("demo-expert"));
    assert!(!page.contains("demo-sysadmin</td>"), "filtered by user");
    let verdict = c.get(t.url("/audit/verify")).send().await.unwrap().text().await.unwrap();
    assert!(verdict.contains("审计链完整"));
}

on_both_stores!(
    altered_record_is_named,
    removed_record_is_named,
    concurrent_writes_keep_one_chain,
    audit_admin_searches_in_the_ui
);
