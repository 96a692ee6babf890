//! The workbench (工作台) through the API and the pages: each step of a workflow moves its item
//! from one party's to-dos to the next party's, every link opens a page that answers, the side
//! navigation's count follows at once, the enterprise sees where it stands, and nobody sees
//! another region's or another enterprise's items — also while steps run in parallel.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, fixture, get, officer_token, post, token};
use dengta::db;

async fn workbench(t: &TestApp, tok: &str) -> Value {
    let (s, v) = get(t, tok, "/api/v1/workbench").await;
    assert_eq!(s, 200, "{v}");
    v
}

/// (queue, id) of every to-do.
async fn todos(t: &TestApp, tok: &str) -> Vec<(String, i64)> {
    let v = workbench(t, tok).await;
    v["todos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["queue"].as_str().unwrap().to_owned(), t["id"].as_i64().unwrap()))
        .collect()
}

fn has(todos: &[(String, i64)], queue: &str, id: i64) -> bool {
    todos.iter().any(|(q, i)| q == queue && *i == id)
}

/// The count beside the home entry of the side navigation (0 when no badge shows).
async fn nav_total(t: &TestApp, tok: &str) -> usize {
    let res = reqwest::Client::new().get(t.url("/home")).bearer_auth(tok).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let entry = html.split("href=\"/home\"").nth(1).and_then(|s| s.split("</a>").next()).unwrap_or_default();
    entry
        .split("class=\"badge\"")
        .nth(1)
        .and_then(|s| s.split('>').nth(1))
        .and_then(|s| s.split('<').next())
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Every to-do's link opens a page that answers for the person it waits for.
async fn links_open(t: &TestApp, tok: &str) {
    let v = workbench(t, tok).await;
    for todo in v["todos"].as_array().unwrap() {
        let href = todo["href"].as_str().unwrap();
        let res = reqwest::Client::new().get(t.url(href)).bearer_auth(tok).send().await.unwrap();
        assert_eq!(res.status(), 200, "{href} for {}", todo["queue"]);
    }
}

async fn each_step_moves_the_item_to_the_next_party(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    let district = token(&t, "demo-district").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let wuxi = officer_token(&t, "wuxi-officer", "320200").await;

    // Before applying: the enterprise is told to apply (it has a self-assessment on file).
    let j = &workbench(&t, &enterprise).await["journey"];
    assert_eq!((j["done"].as_i64(), j["next_page"].as_str()), (Some(2), Some("programmes")), "{j}");

    let (s, v) = post(&t, &enterprise, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["enrolment"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/enrolments/{id}/transitions");

    // The district reviews first: it is on the district's list, not the city's, not 无锡's.
    let d = todos(&t, &district).await;
    assert!(has(&d, "enrolment.district_review", id), "{d:?}");
    assert!(!has(&todos(&t, &city).await, "enrolment.district_review", id));
    assert!(todos(&t, &wuxi).await.iter().all(|(_, i)| *i != id));
    let before = nav_total(&t, &district).await;
    assert_eq!(before, d.len(), "the navigation counts what the workbench lists");
    links_open(&t, &district).await;

    assert_eq!(post(&t, &district, &path, json!({"action": "district_approve"})).await.0, 200);
    // At once, not after a cache expires: gone from the district, now the city's.
    assert!(!has(&todos(&t, &district).await, "enrolment.district_review", id));
    assert_eq!(nav_total(&t, &district).await, before - 1);
    assert!(has(&todos(&t, &city).await, "enrolment.city_review", id));
    let done = workbench(&t, &district).await["done"].clone();
    assert!(
        done.as_array().unwrap().iter().any(|d| d["action"] == "district_approve" && d["subject_id"] == id),
        "{done}"
    );

    assert_eq!(post(&t, &city, &path, json!({"action": "city_approve"})).await.0, 200);
    assert!(has(&todos(&t, &city).await, "enrolment.publicise", id));
    assert_eq!(post(&t, &city, &path, json!({"action": "publicise"})).await.0, 200);
    // 公示: the listing waits for the period's end, which is the to-do's deadline.
    let v = workbench(&t, &city).await;
    let item = v["todos"].as_array().unwrap().iter().find(|x| x["queue"] == "enrolment.list" && x["id"] == id).cloned();
    let ends: i64 =
        t.db().scalar("SELECT publicity_ends_at FROM enrolments WHERE id = $1", vec![db::Arg::from(id)]).await.unwrap();
    assert_eq!(item.map(|x| x["deadline"].clone()), Some(json!(ends)));
    assert_eq!(workbench(&t, &enterprise).await["journey"]["done"], 2, "still under review");

    t.db().execute("UPDATE enrolments SET publicity_ends_at = 1 WHERE id = $1", vec![db::Arg::from(id)]).await.unwrap();
    assert_eq!(post(&t, &city, &path, json!({"action": "list"})).await.0, 200);
    assert!(!has(&todos(&t, &city).await, "enrolment.list", id));
    let j = &workbench(&t, &enterprise).await["journey"];
    assert_eq!(j["done"], 3, "{j}");

    // A project: the provider diagnoses; the officer reviews the report once it is handed in.
    let provider_id: i64 = t
        .db()
        .scalar("SELECT id FROM providers WHERE uscc = $1", vec![db::Arg::from("91320104MA1X2Y8F6T")])
        .await
        .unwrap();
    let new = json!({"enrolment_id": id, "provider_id": provider_id, "title": "设备管理数字化改造"});
    let (s, v) = post(&t, &enterprise, "/api/v1/projects", new).await;
    assert_eq!(s, 201, "{v}");
    let pid = v["project"]["id"].as_i64().unwrap();
    let ppath = format!("/api/v1/projects/{pid}/transitions");
    assert!(has(&todos(&t, &provider).await, "project.start_diagnosis", pid));
    assert_eq!(workbench(&t, &enterprise).await["journey"]["next_page"], "project");
    assert_eq!(post(&t, &provider, &ppath, json!({"action": "start_diagnosis"})).await.0, 200);
    let p = todos(&t, &provider).await;
    assert!(has(&p, "project.submit_diagnosis", pid) && !has(&p, "project.start_diagnosis", pid), "{p:?}");
    assert!(!has(&todos(&t, &city).await, "project.review_diagnosis", pid), "nothing handed in yet");
    links_open(&t, &provider).await;

    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n% report\n%%EOF\n".to_vec()).file_name("诊断报告.pdf");
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{pid}/files?kind=diagnosis_report")))
        .bearer_auth(&provider)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let diagnosis = json!({"survey_date": "2025-03-02", "surveyors": "王工", "gaps": "设备未联网",
                           "recommendations": "部署数据采集网关"});
    let (s, v) = post(&t, &provider, &ppath, json!({"action": "submit_diagnosis", "diagnosis": diagnosis})).await;
    assert_eq!(s, 200, "{v}");
    assert!(!has(&todos(&t, &provider).await, "project.submit_diagnosis", pid));
    assert!(has(&todos(&t, &city).await, "project.review_diagnosis", pid));
    assert!(todos(&t, &wuxi).await.iter().all(|(_, i)| *i != pid), "another city never sees it");
    links_open(&t, &city).await;
    assert_eq!(post(&t, &city, &ppath, json!({"action": "approve_diagnosis"})).await.0, 200);
    assert!(!has(&todos(&t, &city).await, "project.review_diagnosis", pid));
    assert!(has(&todos(&t, &provider).await, "project.submit_plan", pid));
}

async fn every_role_sees_its_own_queues_and_nobody_elses(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let city = token(&t, "demo-officer").await;
    let expert = token(&t, "demo-expert").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let wuxi = officer_token(&t, "wuxi-officer", "320200").await;

    let district = token(&t, "demo-district").await;
    let provider = token(&t, "demo-provider").await;
    let c = todos(&t, &city).await;
    assert!(has(&c, "claim.decide", f.own_claim) && !has(&c, "claim.decide", f.other_city_claim), "{c:?}");
    let w = todos(&t, &wuxi).await;
    assert!(has(&w, "claim.decide", f.other_city_claim) && !has(&w, "claim.decide", f.own_claim), "{w:?}");
    let d = todos(&t, &district).await;
    assert!(has(&d, "enrolment.district_review", f.own_enrolment), "{d:?}");
    assert!(!has(&d, "enrolment.district_review", f.other_city_enrolment));
    let pv = todos(&t, &provider).await;
    assert!(has(&pv, "project.start_diagnosis", f.own_project), "{pv:?}");
    assert!(!has(&pv, "project.start_diagnosis", f.other_city_project));
    let e = todos(&t, &expert).await;
    assert!(has(&e, "review.score", f.own_sheet) && !has(&e, "review.score", f.other_city_sheet), "{e:?}");
    links_open(&t, &city).await;
    links_open(&t, &expert).await;
    links_open(&t, &wuxi).await;

    // An enterprise's list holds only its own records.
    let v = workbench(&t, &enterprise).await;
    let name: String = t
        .db()
        .fetch_one::<(String,)>("SELECT name FROM enterprises WHERE id = $1", vec![db::Arg::from(f.own_enterprise)])
        .await
        .unwrap()
        .0;
    assert!(v["todos"].as_array().unwrap().iter().all(|x| x["about"] == name.as_str()), "{v}");
    // Administrators have no queues; anonymous callers get no workbench.
    let sys = token(&t, "demo-sysadmin").await;
    assert_eq!(workbench(&t, &sys).await["todos"], json!([]));
    let res = reqwest::Client::new().get(t.url("/api/v1/workbench")).send().await.unwrap();
    assert_eq!(res.status(), 401);

    // The district approves the same application from six requests while its pages are read:
    // one approval wins, every answer is whole, and the count afterwards is what the list holds.
    let before = todos(&t, &district).await.len();
    let step = t.url(&format!("/api/v1/enrolments/{}/transitions", f.own_enrolment));
    let home = t.url("/home");
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (step, home, tok) = (step.clone(), home.clone(), district.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let req = if i % 2 == 0 {
                client.post(step).json(&json!({"action": "district_approve"}))
            } else {
                client.get(home)
            };
            (i % 2 == 0, req.bearer_auth(tok).send().await.unwrap().status().as_u16())
        }));
    }
    let mut approvals = 0;
    for task in tasks {
        let (is_step, status) = task.await.unwrap();
        assert!([200, 409, 422].contains(&status), "{status}");
        approvals += usize::from(is_step && status == 200);
    }
    assert_eq!(approvals, 1);
    let after = todos(&t, &district).await;
    assert_eq!(after.len(), before - 1);
    assert_eq!(nav_total(&t, &district).await, after.len());
}

on_both_stores!(each_step_moves_the_item_to_the_next_party);
on_both_stores!(every_role_sees_its_own_queues_and_nobody_elses);

/// A city with more district work than one read holds: the city officer's list is not filled
/// with the districts' rows (which are not its to-dos), so its own review is listed and no queue
/// of the districts' says "more" for it; the district officer sees its long queue as long.
async fn a_long_district_queue_hides_nothing_from_the_city(store: Store) {
    let t = TestApp::spawn(store).await;
    let mut c = t.db();
    for i in 0..205 {
        let uscc = dengta_domain::enterprise::uscc::Uscc::with_check_chars(&format!("91320102MK{i:06}")).unwrap();
        let e = db::enterprises::insert(
            &mut c,
            &db::enterprises::NewEnterprise {
                uscc: uscc.as_str(),
                name: &format!("玄武排队企业{i}"),
                region_code: "320102",
                industry_code: "C3484",
                legal_rep: None,
                contact_phone: None,
                is_demo: true,
            },
        )
        .await
        .unwrap();
        db::programmes::insert_enrolment(
            &mut c,
            &db::programmes::NewEnrolment {
                programme_id: "nanjing-2024",
                programme_version: 1,
                enterprise_id: e,
                region_code: "320102",
                sub_industry: Some("智能制造装备"),
                eligibility_json: "[]",
                eligible: true,
                applied_by: "test",
            },
        )
        .await
        .unwrap();
    }
    let city = workbench(&t, &token(&t, "demo-officer").await).await;
    let queues: Vec<&str> = city["todos"].as_array().unwrap().iter().map(|x| x["queue"].as_str().unwrap()).collect();
    assert!(queues.contains(&"enrolment.city_review"), "the city's own review is listed: {queues:?}");
    assert!(!queues.contains(&"enrolment.district_review"), "the districts' reviews are not the city's");
    assert!(city["more"].as_array().unwrap().is_empty(), "{}", city["more"]);
    let district = workbench(&t, &token(&t, "demo-district").await).await;
    let reviews = district["todos"].as_array().unwrap().iter().filter(|x| x["queue"] == "enrolment.district_review");
    assert!(reviews.count() >= 200);
    assert!(
        district["more"].as_array().unwrap().iter().any(|q| q == "enrolment.district_review"),
        "{}",
        district["more"]
    );
}

on_both_stores!(a_long_district_queue_hides_nothing_from_the_city);
