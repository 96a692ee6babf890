//! Supply-gap analysis: the region's weak scenes against the published solutions that serve
//! them, each count checked against the records, ranked shortest supply first, officers only.

use crate::support::{Store, TestApp, get, officer_token, token};

async fn ranked_and_counted_from_the_records(store: Store) {
    let t = TestApp::spawn_generated(store, 1500, 11).await;
    let nation = officer_token(&t, "gap-officer", "100000").await;
    let (s, v) = get(&t, &nation, "/api/v1/supply-gaps").await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert!(items.len() > 10, "weak scenes across the country: {}", items.len());
    // Shortest supply first.
    let index: Vec<f64> = items.iter().map(|g| g["gap_index"].as_f64().unwrap()).collect();
    assert!(index.windows(2).all(|w| w[0] >= w[1]), "{index:?}");
    // Each row's supply is the published solutions for its scene serving its division, counted
    // here from the solutions' industry rows (not the text the analysis reads).
    let mut with_supply = 0;
    for g in items {
        let (scene, division) = (g["scene"].as_str().unwrap(), g["division"].as_str().unwrap());
        let n: i64 = t
            .app
            .db
            .scalar(
                "SELECT COUNT(DISTINCT m.solution_id) FROM solution_match m WHERE m.scene = $1 AND (m.all_industries \
                 OR EXISTS (SELECT 1 FROM solution_industries i WHERE i.solution_id = m.solution_id \
                 AND (substr($2, 1, length(i.code)) = i.code OR substr(i.code, 1, 3) = $2)))",
                vec![scene.into(), division.into()],
            )
            .await
            .unwrap();
        assert_eq!(g["solutions"].as_i64(), Some(n), "{g}");
        let e = g["enterprises"].as_i64().unwrap();
        assert!(e >= 3, "small cells are left out: {g}");
        let want = (e as f64 * 10.0 / (n as f64 + 1.0)).round() / 10.0;
        assert_eq!(g["gap_index"].as_f64(), Some(want), "{g}");
        if n > 0 {
            with_supply += 1;
            assert!(g["price_min_fen"].as_i64().unwrap() <= g["price_median_fen"].as_i64().unwrap(), "{g}");
        } else {
            assert!(g["price_min_fen"].is_null(), "{g}");
        }
    }
    assert!(with_supply > 0, "the demo's published solutions serve some of the weak scenes");

    // Officers only: a provider sees the demand, not the funding list; the page shows it.
    assert_eq!(get(&t, &token(&t, "demo-provider").await, "/api/v1/supply-gaps").await.0, 403);
    let res = reqwest::Client::new().get(t.url("/demand?region=100000")).bearer_auth(&nation).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"supply-gaps\""));
    let first = &items[0];
    assert!(html.contains(&format!(
        "data-scene=\"{}\" data-division=\"{}\"",
        first["scene"].as_str().unwrap(),
        first["division"].as_str().unwrap()
    )));
}

on_both_stores!(ranked_and_counted_from_the_records);
