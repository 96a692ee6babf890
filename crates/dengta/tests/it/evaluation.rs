//! City performance evaluation: computed from the roll-ups of a generated dataset, each share
//! agrees with a count taken straight from the records, the score adds up, scope holds, and
//! the printable report shows the same figures.

use serde_json::Value;

use crate::support::{Store, TestApp, get, officer_token, token};

fn finding<'a>(e: &'a Value, id: &str) -> &'a Value {
    e["evaluation"]["findings"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap()
}

/// The record counts an indicator's numerator and denominator must equal.
async fn count(t: &TestApp, sql: &str) -> i64 {
    t.app.db.scalar(sql, vec![]).await.unwrap()
}

const LATEST_LEVEL: &str = "(SELECT a.level FROM assessments a WHERE a.enterprise_id = e.id AND a.kind = 'self' \
     AND a.status = 'submitted' ORDER BY a.id DESC LIMIT 1)";

async fn computed_from_a_generated_dataset(store: Store) {
    let t = TestApp::spawn_generated(store, 800, 7).await;
    let nation = officer_token(&t, "nation-officer", "100000").await;
    let (s, e) = get(&t, &nation, "/api/v1/dashboard/evaluation").await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["region_code"], "100000");
    assert_eq!(e["evaluation"]["rule"], "city-evaluation v2");

    // Every share is the records' own count over the records' own count.
    let cases = [
        (
            "share_l2_above_scale",
            format!("SELECT COUNT(*) FROM enterprises e WHERE e.above_scale AND {LATEST_LEVEL} >= 2"),
            "SELECT COUNT(*) FROM enterprises WHERE above_scale".to_owned(),
        ),
        (
            "srdi_l2",
            format!(
                "SELECT COUNT(*) FROM enterprises e WHERE e.srdi_tier IN ('srdi', 'little_giant') AND {LATEST_LEVEL} >= 2"
            ),
            "SELECT COUNT(*) FROM enterprises WHERE srdi_tier IN ('srdi', 'little_giant')".to_owned(),
        ),
        (
            "assessed",
            "SELECT COUNT(DISTINCT enterprise_id) FROM assessments WHERE kind = 'self' AND status = 'submitted'"
                .to_owned(),
            "SELECT COUNT(*) FROM enterprises".to_owned(),
        ),
        (
            "cloud",
            "SELECT COUNT(*) FROM enterprises WHERE cloud_verified".to_owned(),
            "SELECT COUNT(*) FROM enterprises".to_owned(),
        ),
    ];
    for (id, num, den) in cases {
        let (n, d) = (count(&t, &num).await, count(&t, &den).await);
        let f = finding(&e, id);
        assert_eq!(f["basis"], format!("{n} / {d}"), "{id}");
        assert!(d > 0, "{id}: the generated dataset has something to count");
        let pct = (n as f64 * 1000.0 / d as f64).round() / 10.0;
        assert_eq!(f["value"].as_f64(), Some(pct), "{id}");
    }
    let srdi = count(&t, "SELECT COUNT(*) FROM enterprises WHERE srdi_tier IN ('srdi', 'little_giant')").await;
    assert!(srdi > 20, "the generator makes 专精特新 enterprises: {srdi}");

    // Met where the target is reached, points in proportion otherwise, and the score is the sum.
    let mut sum = 0.0;
    for f in e["evaluation"]["findings"].as_array().unwrap() {
        let (w, score) = (f["weight"].as_f64().unwrap(), f["score"].as_f64().unwrap());
        assert!((0.0..=w).contains(&score), "{f}");
        if f["met"] == true {
            assert!(f["sub_industries"].as_array().unwrap().iter().all(|s| s["met"] != false), "{f}");
        }
        sum += score;
    }
    assert!((e["evaluation"]["score"].as_f64().unwrap() - (sum * 10.0).round() / 10.0).abs() < 0.051, "{e}");
    // Satisfaction is computed now (an average of the evaluations' points, at least 80); the
    // generated dataset has no evaluation, so there is nothing to read yet, not a zero.
    let sat = finding(&e, "satisfaction");
    let records = count(&t, "SELECT COUNT(*) FROM satisfaction_evaluations").await;
    assert_eq!((records, sat["basis"].as_str(), sat["target"].as_str()), (0, Some("0 / 0"), Some("≥ 80")), "{sat}");
    assert!(sat["value"].is_null() && sat["met"].is_null() && sat["score"] == 0.0 && sat["note"] == "无数据", "{sat}");

    // The city officer reads the city's, with its pilot sub-industries; outside scope: nothing.
    let city = token(&t, "demo-officer").await;
    let (s, nj) = get(&t, &city, "/api/v1/dashboard/evaluation").await;
    assert_eq!((s, nj["region_code"].as_str()), (200, Some("320100")), "{nj}");
    let subs = finding(&nj, "share_l2_above_scale")["sub_industries"].as_array().unwrap().clone();
    assert!(subs.iter().any(|s| s["name"] == "智能制造装备"), "{subs:?}");
    assert_eq!(get(&t, &city, "/api/v1/dashboard/evaluation?region=320200").await.0, 404);
    assert_eq!(get(&t, &token(&t, "demo-enterprise").await, "/api/v1/dashboard/evaluation").await.0, 403);

    // The printable report: the same score and each indicator's row.
    let res = reqwest::Client::new()
        .get(t.url("/dashboard/evaluation?region=100000"))
        .bearer_auth(&nation)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("城市试点绩效评价"));
    assert!(
        html.contains(&format!("<strong>{}</strong> / 100", e["evaluation"]["score"].as_f64().unwrap())),
        "score on the page"
    );
    for f in e["evaluation"]["findings"].as_array().unwrap() {
        assert!(html.contains(&format!("data-indicator=\"{}\"", f["id"].as_str().unwrap())), "{}", f["id"]);
        assert!(html.contains(f["basis"].as_str().unwrap()));
    }
}

on_both_stores!(computed_from_a_generated_dataset);
