//! A region adds its programme as a file (`programmes_dir`) without a new binary: a city of the
//! 2025 batch (财办建〔2025〕20号) whose window follows the approval of its plan, a built-in
//! programme replaced by a later version, and faulty files that stop the start with the file
//! and the rule named.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, page, post, token};

/// The shipped Nanjing file moved to `id`, `batch`, `region`, its window lines replaced by `window`.
fn derived(id: &str, batch: &str, region: &str, window: &str) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/programmes/nanjing-2024.toml"))
        .expect("the shipped Nanjing file");
    let moved = text
        .replace("id = \"nanjing-2024\"", &format!("id = \"{id}\""))
        .replace("batch = \"2024\"", &format!("batch = \"{batch}\""))
        .replace("region = \"320100\"", &format!("region = \"{region}\""))
        .replace("window_start = \"2024-10-18\"\nwindow_end = \"2026-10-31\"", window);
    let lines =
        [format!("id = \"{id}\""), format!("batch = \"{batch}\""), format!("region = \"{region}\""), window.to_owned()];
    assert!(
        lines.iter().all(|l| moved.contains(l.as_str())),
        "the shipped file still has the lines this test replaces"
    );
    moved
}

fn rules_of<'a>(all: &'a Value, id: &str) -> &'a Value {
    all.as_array().expect("a list").iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("{id} in {all}"))
}

async fn a_2025_batch_city_adds_its_programme_as_a_file(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    // 无锡 (the second city of the fixture) joins the 2025 batch; its plan approved 2025-08-20.
    std::fs::write(
        dir.path().join("wuxi-2025.toml"),
        derived("wuxi-2025", "2025", "320200", "plan_approved = \"2025-08-20\""),
    )
    .unwrap();
    // Nanjing's rules corrected: version 3 replaces the built-in version 2.
    let nanjing =
        derived("nanjing-2024", "2024", "320100", "window_start = \"2024-10-18\"\nwindow_end = \"2026-10-31\"")
            .replace("version = 2", "version = 3");
    std::fs::write(dir.path().join("nanjing-2024-v3.toml"), nanjing).unwrap();
    let path = dir.path().display().to_string();
    let t = TestApp::spawn_with(store, |s| s.programmes_dir = path).await;

    let anyone = token(&t, "demo-enterprise").await;
    let (s, all) = get(&t, &anyone, "/api/v1/programmes").await;
    assert_eq!(s, 200, "{all}");
    let all = if all["items"].is_array() { all["items"].clone() } else { all };
    let wuxi = rules_of(&all, "wuxi-2025");
    assert_eq!(wuxi["batch"], "2025");
    assert_eq!(wuxi["plan_approved"], "2025-08-20");
    // Two years from the approval, to the day before.
    assert_eq!(wuxi["window"], json!(["2025-08-20", "2027-08-19"]));
    assert_eq!(rules_of(&all, "nanjing-2024")["version"], 3);
    assert_eq!(all.as_array().unwrap().iter().filter(|p| p["id"] == "nanjing-2024").count(), 1);

    // Recorded with the versions every decision names.
    let versions: i64 = t
        .db()
        .scalar(
            "SELECT COUNT(*) FROM programmes WHERE id = $1 OR (id = $2 AND version = 3)",
            vec!["wuxi-2025".into(), "nanjing-2024".into()],
        )
        .await
        .unwrap();
    assert_eq!(versions, 2);

    // The programme page names the batch, its document and where the window counts from.
    let html = page(&t, &token(&t, "wuxi-enterprise").await, "/programmes").await;
    assert!(html.contains("财办建〔2025〕20号") && html.contains("2027-08-19"), "the page names the batch");

    // 无锡's enterprise applies to its city's programme; its eligibility is checked and kept.
    let wuxi_enterprise = token(&t, "wuxi-enterprise").await;
    let (s, v) = post(&t, &wuxi_enterprise, "/api/v1/enrolments", json!({"programme_id": "wuxi-2025"})).await;
    assert_eq!(s, 201, "{v}");
    let enrolment: i64 = t
        .db()
        .scalar("SELECT COUNT(*) FROM enrolments WHERE programme_id = $1", vec!["wuxi-2025".into()])
        .await
        .unwrap();
    assert_eq!(enrolment, 1);
    // Not Nanjing's enterprise: the programme is 无锡's.
    let (s, v) = post(&t, &anyone, "/api/v1/enrolments", json!({"programme_id": "wuxi-2025"})).await;
    assert!(s == 404 || s == 422, "{s}: {v}");
}

/// `dengta ledger check` over a fresh SQLite file, reading `dir`'s programme files: the exit
/// status and what it printed.
fn start_with(dir: &std::path::Path) -> (bool, String) {
    let db = dir.join("start.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(["ledger", "check"])
        .env_remove("DENGTA_CONFIG")
        .env("DENGTA_DATA_DIR", dir)
        .env("DENGTA_PROGRAMMES_DIR", dir.join("programmes"))
        .output()
        .expect("run dengta");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn a_faulty_programme_file_stops_the_start_and_names_itself() {
    let cases = [
        // An earlier-batch city (Nanjing, 2024) cannot join the 2025 batch.
        (
            "nanjing-2025.toml",
            derived("nanjing-2025", "2025", "320100", "plan_approved = \"2025-08-20\""),
            "财办建〔2025〕20号",
        ),
        // A 2025 window is derived, never written by hand.
        (
            "wuxi-2025.toml",
            derived("wuxi-2025", "2025", "320200", "window_start = \"2025-08-20\"\nwindow_end = \"2027-08-19\""),
            "plan_approved",
        ),
        // The same id as a built-in without a later version.
        (
            "nanjing-copy.toml",
            derived("nanjing-2024", "2024", "320100", "window_start = \"2024-10-18\"\nwindow_end = \"2026-10-31\""),
            "nanjing-2024",
        ),
    ];
    for (file, text, named) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("programmes")).unwrap();
        std::fs::write(dir.path().join("programmes").join(file), text).unwrap();
        let (ok, said) = start_with(dir.path());
        assert!(!ok, "{file} refused");
        assert!(said.contains(named), "{file}: names {named}: {said}");
        if file == "wuxi-2025.toml" {
            assert!(said.contains(file), "{file}: names the file: {said}");
        }
    }
    // A good file in the same place starts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("programmes")).unwrap();
    std::fs::write(
        dir.path().join("programmes").join("wuxi-2025.toml"),
        derived("wuxi-2025", "2025", "320200", "plan_approved = \"2025-08-20\""),
    )
    .unwrap();
    let (ok, said) = start_with(dir.path());
    assert!(ok, "{said}");
}

on_both_stores!(a_2025_batch_city_adds_its_programme_as_a_file);
