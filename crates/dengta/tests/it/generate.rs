//! The dataset generator: deterministic for a seed on either store, spread over the country's
//! counties and industries, and consistent (roll-ups and ledger reconcile) when it is done.

use sha2::Digest;

use crate::support::{Store, fresh_database, settings};
use dengta::db::Db;
use dengta::server::Server;

async fn generated(store: Store, seed: u64, dir: &std::path::Path) -> Db {
    let dir = dir.join(format!("seed-{seed}-{}", dengta::db::now_ms()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = fresh_database(store, &dir).await;
    let server = Server::build(settings(&url)).await.expect("server builds");
    let db = server.app.db.clone();
    let s = dengta::app::generate::generate(&db, dengta::app::generate::Spec::new(3000, seed), |_| {})
        .await
        .expect("generates");
    assert_eq!(s.enterprises, 3000);
    assert!(s.assessments > 900 && s.assessments < 1500, "about 40% assessed: {}", s.assessments);
    db
}

async fn digest(db: &Db) -> String {
    let rows: Vec<(String, String, String, bool, Option<i64>)> = db
        .fetch_all(
            "SELECT e.uscc, e.region_code, e.industry_code, e.above_scale, a.level FROM enterprises e \
             LEFT JOIN assessments a ON a.enterprise_id = e.id ORDER BY e.id",
            vec![],
        )
        .await
        .unwrap();
    let text: String = rows.iter().map(|r| format!("{}|{}|{}|{}|{:?}\n", r.0, r.1, r.2, r.3, r.4)).collect();
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn deterministic_and_consistent(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let a = generated(store, 42, dir.path()).await;
    let b = generated(store, 42, dir.path()).await;
    let c = generated(store, 43, dir.path()).await;
    assert_eq!(digest(&a).await, digest(&b).await, "same seed, same data");
    assert_ne!(digest(&a).await, digest(&c).await, "another seed, other data");

    // Spread: most of 3,000 enterprises fall in different counties; every code is valid.
    let counties = a.scalar("SELECT COUNT(DISTINCT region_code) FROM enterprises", vec![]).await.unwrap();
    assert!(counties > 1000, "{counties} counties");
    let sections =
        a.scalar("SELECT COUNT(DISTINCT substr(industry_code, 1, 1)) FROM enterprises", vec![]).await.unwrap();
    assert!(sections >= 15, "{sections} industry sections");
    let codes: Vec<(String,)> = a.fetch_all("SELECT uscc FROM enterprises", vec![]).await.unwrap();
    assert!(codes.iter().all(|(u,)| dengta_domain::enterprise::uscc::Uscc::parse(u).is_ok()));

    // Consistent: the counters and the ledger reconcile with the records.
    let (n, diffs) = dengta::app::dashboard::check(&a).await.unwrap();
    assert!(n > 1000 && diffs.is_empty(), "{n} counters, {diffs:?}");
    let r = dengta::app::subsidies::reconcile(&a).await.unwrap();
    assert!(r.sound, "{r:?}");

    // Only into an empty database.
    assert!(dengta::app::generate::generate(&a, dengta::app::generate::Spec::new(10, 1), |_| {}).await.is_err());
}

on_both_stores!(deterministic_and_consistent);
