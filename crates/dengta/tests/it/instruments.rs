//! Publishing an assessment instrument version by uploading its data file:
//! validated with named places, never replacing a version, used at once for
//! new assessments, and kept across restarts.

use crate::support::{Store, TestApp};

const SHIPPED: &str = include_str!("../../../../data/instruments/mfg-2024.toml");

async fn upload(t: &TestApp, c: &reqwest::Client, csrf: &str, name: &str, body: String) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(body.into_bytes()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = c.post(t.url(&format!("/admin/instruments?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// The shipped file with its version line changed.
pub(crate) fn with_version(v: u32) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in SHIPPED.lines() {
        if !done && line.trim_start().starts_with("version") && line.contains('=') {
            out.push_str(&format!("version = {v}\n"));
            done = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(done, "the shipped file has a version line");
    out
}

async fn an_administrator_publishes_a_corrected_version(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-sysadmin").await;
    let page = c.get(t.url("/admin/instruments")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("mfg-2024") && page.contains("v1"));
    // The shipped version itself cannot be published again (never altered).
    let (s, body) = upload(&t, &c, &csrf, "mfg-2024.toml", SHIPPED.to_owned()).await;
    assert_eq!(s, 422);
    assert!(body.contains("不能修改"), "{body}");
    // A broken file names the file and the place.
    let broken = with_version(7).replacen("points = ", "points = -", 1);
    let (s, body) = upload(&t, &c, &csrf, "broken.toml", broken).await;
    assert_eq!(s, 422);
    assert!(body.contains("broken.toml"), "{body}");
    // A corrected version: published, audited, listed.
    let (s, _) = upload(&t, &c, &csrf, "mfg-2024-v7.toml", with_version(7)).await;
    assert_eq!(s, 303);
    let page = c.get(t.url("/admin/instruments")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("v7"));
    let n: i64 =
        t.db().scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'instrument.publish'", vec![]).await.unwrap();
    assert_eq!(n, 1);
    // New assessments use the newest version.
    let latest = dengta::app::assessments::latest_instrument("mfg-2024").unwrap();
    assert_eq!(latest.version(), 7);
    // Only the system administrator publishes.
    let (o, ocsrf) = t.demo_login("demo-officer").await;
    let (s, _) = upload(&t, &o, &ocsrf, "x.toml", with_version(8)).await;
    assert_eq!(s, 403);
    // A restart loads the published version from the database.
    let row: (String,) =
        t.db().fetch_one("SELECT fingerprint FROM instrument_versions WHERE version = 7", vec![]).await.unwrap();
    assert_eq!(row.0, latest.fingerprint());
}

on_both_stores!(an_administrator_publishes_a_corrected_version);
