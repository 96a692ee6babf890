//! The command line, run as a user would: migrate, user add, token create,
//! backup, and `serve --demo` refusing real data.

use std::process::{Command, Stdio};

use crate::audit::dengta;
use crate::support::{Store, TestApp, fresh_database};

async fn user_and_token_commands(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(store, dir.path()).await;
    let m = dengta(&url, &["migrate"]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));

    let add = dengta(&url, &["user", "add", "chief", "--role", "sysadmin", "--region", "100000"]);
    let out = String::from_utf8_lossy(&add.stdout);
    assert!(add.status.success(), "{out}{}", String::from_utf8_lossy(&add.stderr));
    assert!(out.contains("initial password"), "{out}");

    // Refusals are clear and change nothing.
    let bad = dengta(&url, &["user", "add", "lonely", "--role", "enterprise", "--region", "100000"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("企业用户必须绑定一个企业"));
    let bad = dengta(&url, &["user", "add", "nowhere", "--role", "officer", "--region", "999999"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("行政区划不存在"));
    let bad = dengta(&url, &["user", "add", "chief", "--role", "expert", "--region", "100000"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("用户名已被使用"));

    // A password from standard input.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dengta"))
        .args([
            "--database-url",
            &url,
            "user",
            "add",
            "--username",
            "auditor",
            "--role",
            "auditadmin",
            "--region",
            "100000",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"Audit#Only2026\n").unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success());
    assert!(!String::from_utf8_lossy(&done.stdout).contains("Audit#Only2026"));

    let tok = dengta(&url, &["token", "create", "--user", "chief"]);
    assert!(tok.status.success());
    let token = String::from_utf8_lossy(&tok.stdout).trim().to_owned();
    assert!(token.starts_with("dt_"));

    // The token works against a running server on the same database.
    let server = dengta::server::Server::build(crate::support::settings(&url)).await.unwrap();
    let base = format!("http://{}", server.addr);
    tokio::spawn(server.run(std::future::pending()));
    let me: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "chief");
    assert_eq!(me["role"], "sysadmin");
    assert_eq!(me["region"], "100000");

    // --demo refuses a database that holds real accounts.
    let demo = dengta(&url, &["serve", "--demo", "--listen", "127.0.0.1:0"]);
    assert_eq!(demo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&demo.stderr).contains("非演示数据"));
}

async fn backup_is_a_consistent_copy(store: Store) {
    let t = TestApp::spawn(store).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.db");
    let out = dengta(&t.database_url, &["backup", "--to", target.to_str().unwrap()]);
    match store {
        Store::Sqlite => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let copy = dengta::db::Db::connect(&format!("sqlite://{}", target.display()), 1).await.unwrap();
            let a = copy.clone();
            let b = t.db();
            let q = "SELECT COUNT(*) FROM users";
            assert_eq!(a.scalar(q, vec![]).await.unwrap(), b.scalar(q, vec![]).await.unwrap());
            let v = dengta::app::audit::verify(&copy).await.unwrap();
            assert!(v.is_ok(), "the copy's audit chain verifies");
            // Never overwrites.
            let again = dengta(&t.database_url, &["backup", "--to", target.to_str().unwrap()]);
            assert_eq!(again.status.code(), Some(2));
        }
        Store::Postgres => {
            assert_eq!(out.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        }
    }
}

on_both_stores!(user_and_token_commands, backup_is_a_consistent_copy);

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dengta")).args(args).output().expect("run dengta")
}

#[test]
fn uscc_check_reports_each_code() {
    let out = run(&["uscc", "check", "91350100M000100Y43", "91350100M000100Y44", "９１３５０１００m000100y43", "123"]);
    assert_eq!(out.status.code(), Some(1), "an invalid code makes the exit status 1");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("91350100M000100Y43\t有效"));
    assert!(lines[1].contains("校验位错误：应为3，实际为4"));
    assert!(lines[2].starts_with("91350100M000100Y43\t有效"), "full-width, lower case normalised");
    assert!(lines[3].contains("18位"));
    let out = run(&["uscc", "check", "--json", "91350100M000100Y43"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["region"], "350100");
}

#[test]
fn size_class_explains_the_rule() {
    let out = run(&[
        "size-class",
        "--industry",
        "C3670",
        "--employees",
        "120",
        "--revenue-wan",
        "8000",
        "--assets-wan",
        "6000",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("小型"), "{text}");
    assert!(text.contains("300号") && text.contains("工业"));
    let out = run(&["size-class", "--json", "--industry", "F5211", "--employees", "60", "--revenue-wan", "600"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["class"], "medium", "零售业: staff ≥ 50 and revenue ≥ 500万 is medium");
    let out = run(&["size-class", "--industry", "C3670", "--employees", "120"]);
    assert_eq!(out.status.code(), Some(2), "a missing input is named");
    assert!(String::from_utf8_lossy(&out.stderr).contains("营业收入"));
}

/// A command leaves a complete SQLite file behind: the write-ahead log is folded in and gone
/// when it exits, so copying only the .db file keeps every row the command wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_leaves_the_sqlite_file_complete() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(Store::Sqlite, dir.path()).await;
    let out = dengta(&url, &["generate", "--enterprises", "300", "--assessed-pct", "50"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = dir.path().join("dengta.db");
    let wal = dir.path().join("dengta.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the write-ahead log still holds {wal_len} bytes after the command");
    // Only the .db file, copied elsewhere, has every enterprise.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(&file, copy.path().join("copy.db")).unwrap();
    let db = dengta::db::Db::connect(&format!("sqlite://{}", copy.path().join("copy.db").display()), 1).await.unwrap();
    let n = db.scalar("SELECT COUNT(*) FROM enterprises", vec![]).await.unwrap();
    assert!(n >= 300, "the copied file holds {n} enterprises");
}
