//! The enterprise's satisfaction evaluation after acceptance: only the project's own enterprise,
//! only once the acceptance is decided, exactly once (a retry finds the same record, a different
//! second one is refused, parallel submissions leave one row); the provider's page averages them
//! (the provider itself only from three on); the roll-ups stay sound and the city evaluation's
//! satisfaction indicator is the records' own average.

use serde_json::{Value, json};

use crate::support::{Fixture, Store, TestApp, fixture, get, page, post, token};
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

    // The enterprise's workbench asks for it, and only the enterprise's.
    let rate = |tok: String| {
        let t = &t;
        async move {
            let (s, v) = get(t, &tok, "/api/v1/workbench").await;
            assert_eq!(s, 200, "{v}");
            v["todos"].as_array().expect("todos").iter().any(|x| {
                x["queue"] == "acceptance.rate"
                    && x["href"].as_str().is_some_and(|h| h.starts_with(&format!("/projects/{p1}")))
            })
        }
    };
    assert!(rate(enterprise.clone()).await, "the enterprise is asked to rate its provider");
    assert!(!rate(wuxi.clone()).await && !rate(provider.clone()).await && !rate(officer.clone()).await);
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
    assert!(!rate(enterprise.clone()).await, "rated: off the workbench");
    // The enterprise and the officer read it on the project.
    let (_, v) = get(&t, &officer, &path).await;
    assert_eq!((v["record"]["id"].clone(), v["may_submit"].as_bool()), (first["id"].clone(), Some(false)), "{v}");
    let html = page(&t, &officer, &format!("/projects/{p1}")).await;
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

/// A periodic evaluation by the five-dimension capability model, from its start to the stars:
/// the officer chooses the rubric (an unknown one is refused), the review keeps its id and
/// version, the experts' sheets show the rubric and the provider's record on the platform (equal
/// to the records), sheets are scored and combined by that rubric.
async fn five_dimension_evaluation_with_the_scorecard(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let officer = token(&t, "demo-officer").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let mut c = t.db();
    // The fixture's open review is closed first: one open review at a time.
    c.execute("UPDATE reviews SET status = 'closed' WHERE provider_id = $1", vec![Arg::from(f.own_provider)])
        .await
        .unwrap();
    // The provider's record: two accepted projects rated, one rejected, one return for rework.
    for (title, v) in [("记分一", [5, 5, 4, 4, 5]), ("记分二", [3, 4, 3, 3, 3])] {
        let id = project_with_acceptance(&t, &f, title, "accepted").await;
        let body = json!({"scores": scores(v)});
        assert_eq!(post(&t, &enterprise, &format!("/api/v1/projects/{id}/satisfaction"), body).await.0, 201);
    }
    for (kind, days) in [("accepted", 12), ("accepted", 20), ("rejected", 0), ("returned", 0)] {
        db::acceptance::add_outcome(&mut c, f.own_provider, kind, days).await.unwrap();
    }

    let (s, v) = get(&t, &officer, "/api/v1/rubrics").await;
    assert_eq!(s, 200, "{v}");
    let ids: Vec<&str> = v["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["provider-2024", "capability-2023"]);
    let experts: Vec<i64> = {
        let mut out = Vec::new();
        for u in ["demo-expert", "demo-expert2", "demo-expert3"] {
            out.push(db::users::by_username(&mut c, u).await.unwrap().unwrap().id);
        }
        out
    };
    let start = format!("/api/v1/providers/{}/evaluations", f.own_provider);
    let (s, v) = post(&t, &officer, &start, json!({"experts": experts, "rubric": "capability-2099"})).await;
    assert!(s == 400 || s == 422, "an unknown rubric is refused: {s} {v}");
    assert_eq!(
        count(&t, &format!("SELECT COUNT(*) FROM reviews WHERE provider_id = {} AND status = 'open'", f.own_provider))
            .await,
        0
    );
    let (s, v) = post(&t, &officer, &start, json!({"experts": experts, "rubric": "capability-2023"})).await;
    assert_eq!(s, 201, "{v}");
    let review = v["review_id"].as_i64().unwrap();
    let (rid, rver): (String, i64) = c
        .fetch_optional("SELECT rubric_id, rubric_version FROM reviews WHERE id = $1", vec![Arg::from(review)])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((rid.as_str(), rver), ("capability-2023", 1));

    // What the records say, straight from the tables.
    let (sum, n) = (
        count(
            &t,
            &format!(
                "SELECT CAST(SUM(points) AS BIGINT) FROM satisfaction_evaluations WHERE provider_id = {}",
                f.own_provider
            ),
        )
        .await,
        count(&t, &format!("SELECT COUNT(*) FROM satisfaction_evaluations WHERE provider_id = {}", f.own_provider))
            .await,
    );
    let outcome = |col: &str| format!("SELECT {col} FROM provider_outcomes WHERE provider_id = {}", f.own_provider);
    let (accepted, rejected, returned, days) = (
        count(&t, &outcome("accepted")).await,
        count(&t, &outcome("rejected")).await,
        count(&t, &outcome("returned")).await,
        count(&t, &outcome("days_to_accept")).await,
    );
    assert!(
        accepted >= 2 && rejected >= 1 && returned >= 1 && days >= 32 && n == 2,
        "{accepted} {rejected} {returned} {days} {n}"
    );

    let mut stars = None;
    for e in ["demo-expert", "demo-expert2", "demo-expert3"] {
        let tok = token(&t, e).await;
        let (_, sheets) = get(&t, &tok, "/api/v1/reviews").await;
        let id = sheets["items"].as_array().unwrap().iter().find(|s| s["review"]["id"] == review).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (s, sheet) = get(&t, &tok, &format!("/api/v1/reviews/{id}")).await;
        assert_eq!(s, 200, "{sheet}");
        assert_eq!(sheet["rubric"]["id"], "capability-2023");
        let dims: Vec<&str> =
            sheet["rubric"]["dimensions"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(dims, ["经营能力", "技术能力", "服务能力", "资源整合能力", "创新推广能力"]);
        // The facts beside the criteria are the records'.
        let sc = &sheet["scorecard"];
        assert_eq!(
            (sc["accepted"].as_i64(), sc["rejected"].as_i64(), sc["returned"].as_i64()),
            (Some(accepted), Some(rejected), Some(returned)),
            "{sc}"
        );
        let avg_days = (days as f64 * 10.0 / accepted as f64).round() / 10.0;
        assert_eq!(sc["avg_days_to_acceptance"].as_f64(), Some(avg_days), "{sc}");
        let decided = count(&t, &outcome("decided")).await;
        let pass = (accepted as f64 * 1000.0 / decided as f64).round() / 10.0;
        assert_eq!(sc["decided"].as_i64(), Some(decided));
        assert_eq!(sc["pass_rate_pct"].as_f64(), Some(pass), "{sc}");
        assert_eq!(sc["satisfaction"]["count"].as_i64(), Some(n), "{sc}");
        assert_eq!(sc["satisfaction"]["points"].as_f64(), Some((sum as f64 * 10.0 / n as f64).round() / 10.0), "{sc}");
        assert_eq!(sc["satisfaction"]["dimensions"]["attitude"].as_f64(), Some(4.0), "(5 + 3) / 2: {sc}");
        // The page shows them too.
        let html = page(&t, &tok, &format!("/reviews/{id}")).await;
        assert!(html.contains(&format!("id=\"sc-accepted\">{accepted}<")), "the scorecard on the sheet page");
        assert_eq!(
            post(&t, &tok, &format!("/api/v1/reviews/{id}/declaration"), json!({"conflict": false})).await.0,
            200
        );
        let html = page(&t, &tok, &format!("/reviews/{id}")).await;
        assert!(html.contains("capability-2023 v1") && html.contains("资源整合能力"), "the rubric on the sheet page");
        // A sheet of the other rubric's criteria does not fit this review.
        let (_, default) = get(&t, &tok, "/api/v1/rubric").await;
        let wrong: serde_json::Map<String, Value> = default["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["criteria"].as_array().unwrap().clone())
            .map(|c| (c["id"].as_str().unwrap().to_owned(), json!(0)))
            .collect();
        assert_eq!(post(&t, &tok, &format!("/api/v1/reviews/{id}/scores"), json!({"scores": wrong})).await.0, 422);
        // Nine tenths of every criterion's points (rounded down): 90 of 100 on this rubric? Sum them.
        let mut given = serde_json::Map::new();
        let mut total = 0;
        for d in sheet["rubric"]["dimensions"].as_array().unwrap() {
            for c in d["criteria"].as_array().unwrap() {
                let pts = c["max"].as_u64().unwrap() * 9 / 10;
                total += pts;
                given.insert(c["id"].as_str().unwrap().into(), json!(pts));
            }
        }
        let (s, v) = post(&t, &tok, &format!("/api/v1/reviews/{id}/scores"), json!({"scores": given})).await;
        assert_eq!(s, 200, "{v}");
        stars = Some(total);
    }
    let (s, v) = post(&t, &officer, &format!("/api/v1/providers/{}/review/finish", f.own_provider), json!({})).await;
    assert_eq!(s, 200, "{v}");
    let total = stars.unwrap();
    // Three equal sheets: the combined total is that sheet's; the capability rubric's bands give the stars.
    assert_eq!(v["combined_hundredths"].as_u64(), Some(total * 100), "{v}");
    let expected_stars = match total {
        95.. => 5,
        90..=94 => 4,
        80..=89 => 3,
        70..=79 => 2,
        60..=69 => 1,
        _ => 0,
    };
    assert_eq!(v["stars"].as_u64(), Some(expected_stars), "{v}");
    assert_eq!((v["rubric_id"].as_str(), v["rubric_version"].as_i64()), (Some("capability-2023"), Some(1)), "{v}");
    let (_, file) = get(&t, &officer, &format!("/api/v1/providers/{}", f.own_provider)).await;
    assert_eq!(file["provider"]["stars"].as_u64(), Some(expected_stars));
}

on_both_stores!(once_only_by_its_own_enterprise_after_acceptance, five_dimension_evaluation_with_the_scorecard);
