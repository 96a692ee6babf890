//! The enterprise's satisfaction evaluation after acceptance: only the project's own enterprise,
//! only once the acceptance is decided, exactly once (a retry finds the same record, a different
//! second one is refused, parallel submissions leave one row); the provider's page averages them
//! (the provider itself only from three on); the roll-ups stay sound and the city evaluation's
//! satisfaction indicator is the records' own average.

use serde_json::{Value, json};

use crate::support::{Fixture, Store, TestApp, fixture, get, post, token};
use dengta::db::{self, Arg};

/// A project of the demo enterprise with the demo provider whose acceptance is decided as
/// `status` (accepted, applied, …).
async fn project_with_acceptance(t: &TestApp, f: &Fixture, title: &str, status: &str) -> i64 {
    let mut c = t.db();
    let id = db::projects::insert(
        &mut c,
        &db::projects::NewProject {
            programme_id: "nanjing-2024",
            programme_version: 1,
            enrolment_id: f.own_enrolment,
            enterprise_id: f.own_enterprise,
            provider_id: f.own_provider,
            region_code: "320102",
            title,
            created_by: "test",
        },
    )
    .await
    .unwrap();
    let acc = db::acceptance::insert(
        &mut c,
        &db::acceptance::NewAcceptance {
            project_id: id,
            enterprise_id: f.own_enterprise,
            provider_id: f.own_provider,
            region_code: "320102",
            declaration: "test",
            declared_by: "test",
            bank_account: "6222021234567890",
            summary: "",
        },
    )
    .await
    .unwrap();
    c.execute(
        "UPDATE acceptances SET status = $1, decided_at = $2 WHERE id = $3",
        vec![Arg::from(status), Arg::from(db::now_ms()), Arg::from(acc)],
    )
    .await
    .unwrap();
    c.execute("UPDATE projects SET status = 'completed' WHERE id = $1", vec![Arg::from(id)]).await.unwrap();
    dengta::app::dashboard::refresh_project(&mut c, id).await.unwrap();
    id
}

fn scores(v: [u8; 5]) -> Value {
    json!({"attitude": v[0], "responsiveness": v[1], "quality": v[2], "effect": v[3], "overall": v[4]})
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    t.db().scalar(sql, vec![]).await.unwrap()
}

async fn once_only_by_its_own_enterprise_after_acceptance(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let wuxi = token(&t, "wuxi-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let officer = token(&t, "demo-officer").await;
    let good = json!({"scores": scores([5, 4, 5, 4, 5]), "comment": "响应及时"});

    // Before the decision: no project acceptance, or one still under way, is a state conflict.
    let (s, v) = post(&t, &enterprise, &format!("/api/v1/projects/{}/satisfaction", f.own_project), good.clone()).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.satisfaction_not_accepted")), "{v}");
    let applied = project_with_acceptance(&t, &f, "在验收", "applied").await;
    assert_eq!(post(&t, &enterprise, &format!("/api/v1/projects/{applied}/satisfaction"), good.clone()).await.0, 409);
    let rejected = project_with_acceptance(&t, &f, "未通过", "rejected").await;
    assert_eq!(post(&t, &enterprise, &format!("/api/v1/projects/{rejected}/satisfaction"), good.clone()).await.0, 409);

    let p1 = project_with_acceptance(&t, &f, "通过一", "accepted").await;
    let path = format!("/api/v1/projects/{p1}/satisfaction");
    // Nobody else gives it: another role is refused by its role, another enterprise finds nothing.
    assert_eq!(post(&t, &provider, &path, good.clone()).await.0, 403);
    assert_eq!(post(&t, &officer, &path, good.clone()).await.0, 403);
    assert_eq!(post(&t, &wuxi, &path, good.clone()).await.0, 404);
    assert_eq!(get(&t, &wuxi, &path).await.0, 404);
    assert_eq!(get(&t, &provider, &path).await.0, 403, "the provider sees no single evaluation");
    // Bad input names the dimension and changes nothing.
    let (s, v) = post(&t, &enterprise, &path, json!({"scores": scores([5, 4, 6, 4, 5])})).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("交付质量"), "{v}");
    let (s, v) = post(&t, &enterprise, &path, json!({"scores": {"attitude": 5}})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(post(&t, &enterprise, &path, json!({"scores": "five"})).await.0, 400);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM satisfaction_evaluations").await, 0);

    let (s, v) = get(&t, &enterprise, &path).await;
    assert_eq!((s, v["may_submit"].as_bool(), v["record"].is_null()), (200, Some(true), true), "{v}");
    assert_eq!(v["form"]["dimensions"].as_array().unwrap().len(), 5);
    let (s, first) = post(&t, &enterprise, &path, good.clone()).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!((first["points"].as_i64(), first["rule"].as_str()), (Some(92), Some("satisfaction v1")), "{first}");
    // A retry answers the same record; a different second evaluation is refused.
    let (s, again) = post(&t, &enterprise, &path, good.clone()).await;
    assert_eq!((s, &again), (201, &first));
    let (s, v) = post(&t, &enterprise, &path, json!({"scores": scores([1, 1, 1, 1, 1])})).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.satisfaction_given")), "{v}");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM satisfaction_evaluations").await, 1);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'satisfaction.submit'").await, 1);
    // The enterprise and the officer read it on the project.
    let (_, v) = get(&t, &officer, &path).await;
    assert_eq!((v["record"]["id"].clone(), v["may_submit"].as_bool()), (first["id"].clone(), Some(false)), "{v}");
    let html = reqwest::Client::new()
        .get(t.url(&format!("/projects/{p1}")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"satisfaction-record\" data-points=\"92\""), "on the project page");

    // Parallel submissions of two different evaluations for one project: exactly one row, and
    // every answer is either that row or a refusal.
    let p2 = project_with_acceptance(&t, &f, "通过二", "accepted").await;
    let path2 = format!("/api/v1/projects/{p2}/satisfaction");
    let bodies = [json!({"scores": scores([3, 3, 3, 3, 3])}), json!({"scores": scores([4, 4, 4, 4, 4])})];
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (url, tok, body) = (t.url(&path2), enterprise.clone(), bodies[i % 2].clone());
            tokio::spawn(async move {
                let r = reqwest::Client::new().post(url).bearer_auth(tok).json(&body).send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut won = Vec::new();
    for task in tasks {
        let (s, v) = task.await.unwrap();
        match s {
            201 => won.push(v),
            409 => assert_eq!(v["code"], "error.satisfaction_given", "{v}"),
            other => panic!("{other}: {v}"),
        }
    }
    assert!(!won.is_empty());
    assert!(won.iter().all(|w| w == &won[0]), "every success is the one record: {won:?}");
    assert_eq!(count(&t, &format!("SELECT COUNT(*) FROM satisfaction_evaluations WHERE project_id = {p2}")).await, 1);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'satisfaction.submit'").await, 2);

    // The provider's page: officers see the averages; the provider itself not below three.
    let provider_path = format!("/api/v1/providers/{}", f.own_provider);
    let (s, v) = get(&t, &officer, &provider_path).await;
    assert_eq!(s, 200, "{v}");
    let expected = (92 + won[0]["points"].as_i64().unwrap()) as f64 / 2.0;
    assert_eq!(v["satisfaction"]["count"], 2, "{v}");
    assert_eq!(v["satisfaction"]["averages"]["points"].as_f64(), Some(expected), "{v}");
    let (_, v) = get(&t, &provider, &provider_path).await;
    assert_eq!((v["satisfaction"]["count"].as_i64(), v["satisfaction"]["averages"].is_null()), (Some(2), true), "{v}");
    let p3 = project_with_acceptance(&t, &f, "通过三", "accepted").await;
    let body = json!({"scores": scores([2, 3, 4, 5, 1])});
    assert_eq!(post(&t, &enterprise, &format!("/api/v1/projects/{p3}/satisfaction"), body).await.0, 201);
    let (_, v) = get(&t, &provider, &provider_path).await;
    assert_eq!(v["satisfaction"]["count"], 3, "{v}");
    assert!(v["satisfaction"]["averages"]["points"].is_number(), "from three on the provider sees its average: {v}");
    assert_eq!(
        get(&t, &officer, &format!("/api/v1/public/providers/{}", f.own_provider)).await.1["satisfaction"],
        Value::Null
    );

    // The roll-ups agree with the records, and the city evaluation reads the records' average.
    let (_, diffs) = dengta::app::dashboard::check(&t.app.db).await.unwrap();
    assert!(diffs.is_empty(), "{diffs:?}");
    let (sum, n) = (
        count(&t, "SELECT CAST(SUM(points) AS BIGINT) FROM satisfaction_evaluations WHERE region_code LIKE '3201%'")
            .await,
        count(&t, "SELECT COUNT(*) FROM satisfaction_evaluations WHERE region_code LIKE '3201%'").await,
    );
    assert_eq!(n, 3);
    let (s, e) = get(&t, &officer, "/api/v1/dashboard/evaluation").await;
    assert_eq!(s, 200, "{e}");
    let sat = e["evaluation"]["findings"].as_array().unwrap().iter().find(|f| f["id"] == "satisfaction").unwrap();
    assert_eq!(sat["basis"], format!("{sum} / {n}"), "{sat}");
    assert_eq!(sat["value"].as_f64(), Some((sum as f64 * 10.0 / n as f64).round() / 10.0), "{sat}");
    assert_eq!(sat["target"], "≥ 80");
    let avg = sum as f64 / n as f64;
    assert_eq!(sat["met"].as_bool(), Some(avg >= 80.0), "{sat}");
}

on_both_stores!(once_only_by_its_own_enterprise_after_acceptance);
