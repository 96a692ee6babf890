//! Data products for data exchanges: the catalogue is public; only the enterprise itself gives
//! or withdraws its consent (recorded once however often it is asked, audited); an officer's
//! export counts consenting enterprises only, leaves small cells out whole, and its manifest's
//! hashes match its files. The expected cells are recomputed here from the stored assessments.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Store, TestApp, fixture, token};

const PRODUCT: &str = "digital-levels-monthly";
const SCOPE: &str = "data_products";

/// (month, city, division) → enterprises, recomputed from the records: consenting enterprises'
/// submitted assessments in Nanjing, one per enterprise and month.
async fn expected_cells(t: &TestApp) -> BTreeMap<(String, String, String), usize> {
    let rows: Vec<(i64, String, String, i64)> = t
        .db()
        .fetch_all(
            "SELECT a.enterprise_id, e.region_code, e.industry_code, a.submitted_at FROM assessments a \
             JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.status = 'submitted' AND a.level IS NOT NULL AND e.region_code LIKE '3201%' \
             AND (SELECT d.given FROM data_consents d WHERE d.enterprise_id = a.enterprise_id ORDER BY d.id DESC LIMIT 1) = TRUE",
            vec![],
        )
        .await
        .unwrap();
    let mut seen: BTreeMap<(String, String, String), std::collections::BTreeSet<i64>> = BTreeMap::new();
    for (e, region, industry, at) in rows {
        // Beijing time: UTC+8.
        let days = (at + 8 * 3_600_000).div_euclid(86_400_000);
        let d = dengta_domain::programme::date::Date::from_days(days);
        let key =
            (format!("{:04}-{:02}", d.year(), d.month()), format!("{}00", &region[..4]), industry[..3].to_owned());
        seen.entry(key).or_default().insert(e);
    }
    seen.into_iter().map(|(k, v)| (k, v.len())).collect()
}

async fn export(t: &TestApp, tok: &str) -> (Value, Vec<Value>, String) {
    let res = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/data-products/export?product={PRODUCT}")))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut data = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut data).unwrap();
        data
    };
    let manifest: Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    let (csv, json) = (read("data.csv"), read("data.json"));
    for f in manifest["files"].as_array().unwrap() {
        let data = if f["name"] == "data.csv" { &csv } else { &json };
        let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(f["sha256"], hex(&sha2::Sha256::digest(data)), "{f}");
        assert_eq!(f["sm3"], hex(&sm3::Sm3::digest(data)), "{f}");
        assert_eq!(f["bytes"], data.len());
    }
    let rows: Vec<Value> = serde_json::from_slice(&json).unwrap();
    (manifest, rows, String::from_utf8(csv).unwrap())
}

async fn data_products_count_only_consenting_enterprises_in_cells_big_enough(store: Store) {
    let t = TestApp::spawn(store).await;
    let fx = fixture(&t.db()).await;
    let http = reqwest::Client::new();
    // The catalogue is public, in the API and on the page.
    let v: Value = http.get(t.url("/api/v1/data-products")).send().await.unwrap().json().await.unwrap();
    let p = v["items"].as_array().unwrap().iter().find(|p| p["id"] == PRODUCT).expect("listed").clone();
    let min_cell = p["min_cell"].as_u64().unwrap() as usize;
    assert!(min_cell >= 3 && p["licence"].as_str().is_some_and(|l| !l.is_empty()));
    let page = http.get(t.url("/public/data-products")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(PRODUCT));

    // Consent: the enterprise's own user only; asked twice at once, recorded once.
    let ent = token(&t, "demo-enterprise").await;
    let own = fx.own_enterprise;
    let url = t.url(&format!("/api/v1/enterprises/{own}/data-consent"));
    let v: Value = http.get(&url).bearer_auth(&ent).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["items"][0]["given"], false, "no consent until given: {v}");
    let give = json!({"scope": SCOPE, "given": true});
    let (a, b) = tokio::join!(
        http.post(&url).bearer_auth(&ent).json(&give).send(),
        http.post(&url).bearer_auth(&ent).json(&give).send()
    );
    for res in [a.unwrap(), b.unwrap()] {
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["given"], true);
    }
    let rows: i64 =
        t.db().scalar("SELECT COUNT(*) FROM data_consents WHERE enterprise_id = $1", vec![own.into()]).await.unwrap();
    assert_eq!(rows, 1, "one giving, however often asked");
    let audited: i64 =
        t.db().scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'data_consent.give'", vec![]).await.unwrap();
    assert_eq!(audited, 1);
    let res =
        http.post(&url).bearer_auth(&ent).json(&json!({"scope": "everything", "given": true})).send().await.unwrap();
    assert_eq!(res.status(), 422, "an unknown scope");
    let officer = token(&t, "demo-officer").await;
    let res = http.post(&url).bearer_auth(&officer).json(&give).send().await.unwrap();
    assert_eq!(res.status(), 403, "an officer cannot consent for an enterprise");
    let other = t.url(&format!("/api/v1/enterprises/{}/data-consent", fx.other_city_enterprise));
    let res = http.post(&other).bearer_auth(&ent).json(&give).send().await.unwrap();
    assert_eq!(res.status(), 404, "nor one enterprise for another");
    let res = http.get(&other).bearer_auth(&officer).send().await.unwrap();
    assert_eq!(res.status(), 404, "another city's enterprise is out of the officer's reach");

    // Eleven more enterprises, rated on site by the officer: eight in C34, three in C13.
    let answers: Value = serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap();
    for i in 0..11 {
        let uscc =
            dengta_domain::enterprise::uscc::Uscc::with_check_chars(&format!("91320102MA{:06}", 300 + i)).unwrap();
        let industry = if i < 8 { "C3412" } else { "C1311" };
        let body = json!({"uscc": uscc.as_str(), "name": format!("数据产品测试企业{i}"), "industry": industry, "above_scale": "true"});
        let res = http.post(t.url("/api/v1/enterprises")).bearer_auth(&officer).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let body = json!({"enterprise_id": id, "instrument_id": "mfg-2024", "answers": answers, "pledge": true});
        let res = http.post(t.url("/api/v1/assessments")).bearer_auth(&officer).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    // Every Nanjing enterprise with an assessment consents, but a few.
    let ids: Vec<(i64,)> = t
        .db()
        .fetch_all(
            "SELECT DISTINCT a.enterprise_id FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.status = 'submitted' AND e.region_code LIKE '3201%' ORDER BY a.enterprise_id",
            vec![],
        )
        .await
        .unwrap();
    assert!(ids.len() > 10, "enough assessed enterprises: {}", ids.len());
    let mut c = t.db();
    for (i, (id,)) in ids.iter().enumerate() {
        if *id != own && i % 7 != 3 {
            dengta::db::data_products::record_consent(&mut c, *id, SCOPE, true, "test").await.unwrap();
        }
    }
    let expected = expected_cells(&t).await;
    let (manifest, rows, csv) = export(&t, &officer).await;
    let kept: BTreeMap<(String, String, String), usize> =
        expected.iter().filter(|(_, n)| **n >= min_cell).map(|(k, n)| (k.clone(), *n)).collect();
    assert!(!kept.is_empty(), "some cells are big enough: {expected:?}");
    let got: BTreeMap<(String, String, String), usize> = rows
        .iter()
        .map(|r| {
            let key = |f: &str| r[f].as_str().unwrap().to_owned();
            ((key("month"), key("region_code"), key("industry_division")), r["enterprises"].as_u64().unwrap() as usize)
        })
        .collect();
    assert_eq!(got, kept, "exactly the cells of consenting enterprises big enough");
    assert_eq!(manifest["suppressed_cells"], expected.len() - kept.len());
    assert_eq!(manifest["rows"], rows.len());
    for r in &rows {
        let levels: u64 = (1..=4).map(|l| r[format!("level_{l}")].as_u64().unwrap()).sum();
        assert_eq!(Some(levels), r["enterprises"].as_u64(), "{r}");
    }
    assert_eq!(csv.lines().count(), rows.len() + 1, "a header and a line per row");
    assert!(!csv.contains("demo") && !csv.contains("9132"), "no name or credit code in the data");

    // A withdrawal counts at the next export.
    let res = http.post(&url).bearer_auth(&ent).json(&json!({"scope": SCOPE, "given": false})).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["given"], false);
    let after = expected_cells(&t).await;
    let (_, rows_after, _) = export(&t, &officer).await;
    let n_after: usize = rows_after.iter().map(|r| r["enterprises"].as_u64().unwrap() as usize).sum();
    assert_eq!(n_after, after.values().filter(|n| **n >= min_cell).sum::<usize>());
    // Exports are audited; only officers export.
    let audited: i64 =
        t.db().scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'data_product.export'", vec![]).await.unwrap();
    assert_eq!(audited, 2);
    let res = http
        .get(t.url(&format!("/api/v1/data-products/export?product={PRODUCT}")))
        .bearer_auth(&ent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res =
        http.get(t.url("/api/v1/data-products/export?product=nothing")).bearer_auth(&officer).send().await.unwrap();
    assert!(matches!(res.status().as_u16(), 400 | 404), "an unknown product: {}", res.status());
}

on_both_stores!(data_products_count_only_consenting_enterprises_in_cells_big_enough);
