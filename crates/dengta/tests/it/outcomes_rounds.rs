//! Outcomes on the seven axes and on-site acceptance rounds, through HTTP on both stores:
//! the outcome lifecycle (baseline before acceptance, result after delivery starts, locked once
//! decided: 409), direction-aware improvement, scope (404) and role (403), the summary against
//! counts taken from the records, small cells suppressed publicly; rounds refuse conflicted
//! assessors (on assignment and on a late addition), let exactly one of two concurrent additions
//! of one acceptance win, and follow their state machine.

use dengta::db::{self, Arg};
use serde_json::{Value, json};

use crate::support::{Store, TestApp, fixture, get, officer_token, post, token};

const DEMO_ENTERPRISE: &str = "91320102MA1X2Y3B1X";
const DEMO_PROVIDER: &str = "91320104MA1X2Y8F6T";

async fn id_of(t: &TestApp, sql: &str, arg: &str) -> i64 {
    t.db().scalar(sql, vec![Arg::from(arg)]).await.expect(sql)
}

/// A project of demo-enterprise with demo-provider, put straight into `status`.
async fn project(t: &TestApp, title: &str, status: &str) -> i64 {
    let mut c = t.db();
    let e = db::enterprises::by_uscc(&mut c, DEMO_ENTERPRISE).await.unwrap().unwrap();
    let p = db::providers::by_uscc(&mut c, DEMO_PROVIDER).await.unwrap().unwrap();
    let enrolment = id_of(t, "SELECT id FROM enrolments WHERE applied_by = $1", "demo-enterprise").await;
    let prog = dengta::app::programmes::programme("nanjing-2024").unwrap();
    let id = db::projects::insert(
        &mut c,
        &db::projects::NewProject {
            programme_id: prog.id(),
            programme_version: i64::from(prog.version()),
            enrolment_id: enrolment,
            enterprise_id: e.id,
            provider_id: p.id,
            region_code: &e.region_code,
            title,
            created_by: "test",
        },
    )
    .await
    .unwrap();
    assert!(db::projects::set_state(&mut c, id, 1, status, None).await.unwrap());
    id
}

/// An acceptance of project `id` in `status` (written directly: the acceptance flow has its
/// own tests).
async fn acceptance(t: &TestApp, project: i64, status: &str) -> i64 {
    let mut c = t.db();
    let row = db::projects::get(&mut c, project).await.unwrap().unwrap();
    let aid = db::acceptance::insert(
        &mut c,
        &db::acceptance::NewAcceptance {
            project_id: project,
            enterprise_id: row.enterprise_id,
            provider_id: row.provider_id,
            region_code: &row.region_code,
            declaration: dengta::app::acceptance::DECLARATION,
            declared_by: "test",
            bank_account: "6222020000000001",
            summary: "",
        },
    )
    .await
    .unwrap();
    set_acceptance(t, aid, status).await;
    aid
}

async fn set_acceptance(t: &TestApp, aid: i64, status: &str) {
    t.db()
        .execute(
            "UPDATE acceptances SET status = $1, version = version + 1 WHERE id = $2",
            vec![Arg::from(status), Arg::from(aid)],
        )
        .await
        .unwrap();
}

fn line(axis: &str, indicator: &str, baseline: &str) -> Value {
    json!({"axis": axis, "indicator": indicator, "baseline": baseline, "baseline_date": "2025-03-01"})
}

async fn lifecycle(store: Store) {
    let t = TestApp::spawn(store).await;
    fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let id = project(&t, "成效测试项目", "filed").await;
    let path = format!("/api/v1/projects/{id}/outcomes");

    // A baseline before delivery: a suggested indicator brings its unit and direction.
    let (s, v) = post(&t, &provider, &path, line("quality", "产品不良率", "5")).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!((v["unit"].as_str(), v["better"].as_str()), (Some("%"), Some("lower")));
    let quality = v["id"].as_i64().unwrap();
    // A result before delivery started: the state refuses it.
    let (s, v) = post(
        &t,
        &provider,
        &format!("{path}/results"),
        json!({"line_id": quality, "result": "3", "result_date": "2025-09-30"}),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "{v}");
    // A custom indicator needs its unit and direction; bad figures are refused by name.
    let (s, v) = post(&t, &enterprise, &path, line("innovation", "专利申请数", "2")).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.outcome_unit")), "{v}");
    let (s, v) = post(&t, &enterprise, &path, line("market", "营业收入", "1,000")).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.outcome_value")), "{v}");
    let (s, v) = post(
        &t,
        &enterprise,
        &path,
        json!({"axis": "speed", "indicator": "x", "baseline": "1", "baseline_date": "2025-03-01"}),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.outcome_axis")), "only the seven axes: {v}");
    let mut custom = line("innovation", "专利申请数", "2");
    custom["unit"] = json!("件");
    custom["better"] = json!("higher");
    let (s, v) = post(&t, &enterprise, &path, custom).await;
    assert_eq!(s, 201, "{v}");
    let patents = v["id"].as_i64().unwrap();

    // Delivery starts: results now, with evidence uploaded through the evidence machinery.
    db::projects::set_state(&mut t.db(), id, 2, "in_progress", None).await.unwrap();
    let part =
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n% outcome evidence\n%%EOF\n".to_vec()).file_name("质检报告.pdf");
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{id}/files?kind=outcome")))
        .bearer_auth(&provider)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let evidence = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (s, v) = post(
        &t,
        &provider,
        &format!("{path}/results"),
        json!({"line_id": quality, "result": "3", "result_date": "2025-09-30", "evidence_ids": [evidence]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // 5% → 3% where lower is better: a 40% improvement, change −2.
    assert_eq!((v["change"].as_str(), v["improvement_bp"].as_i64()), (Some("-2"), Some(4_000)), "{v}");
    assert_eq!(v["improvement"].as_str(), Some("40.00%"));
    assert_eq!(v["evidence"][0]["file_name"].as_str(), Some("质检报告.pdf"));
    // 2 → 3 patents where higher is better: +50%.
    let (s, v) = post(
        &t,
        &enterprise,
        &format!("{path}/results"),
        json!({"line_id": patents, "result": "3", "result_date": "2025-09-30"}),
    )
    .await;
    assert_eq!((s, v["improvement_bp"].as_i64()), (200, Some(5_000)), "{v}");
    // A result dated before its baseline is refused.
    let (s, v) = post(&t, &provider, &path, {
        let mut l = line("cost", "单位成本", "100");
        l["result"] = json!("90");
        l["result_date"] = json!("2025-01-01");
        l
    })
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.outcome_dates")), "{v}");
    // Evidence of another project is not this line's.
    let (s, v) = post(&t, &provider, &path, {
        let mut l = line("cost", "单位成本", "100");
        l["evidence_ids"] = json!([999_999]);
        l
    })
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.outcome_evidence")), "{v}");

    // Acceptance applied: no new baselines; results still.
    db::projects::set_state(&mut t.db(), id, 3, "completed", None).await.unwrap();
    let aid = acceptance(&t, id, "applied").await;
    let (s, v) = post(&t, &provider, &path, line("green", "单位产值能耗", "0.5")).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "{v}");
    // Decided: locked.
    set_acceptance(&t, aid, "accepted").await;
    let (s, v) = post(
        &t,
        &provider,
        &format!("{path}/results"),
        json!({"line_id": quality, "result": "2", "result_date": "2025-10-30"}),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "{v}");
    let (s, v) = get(&t, &enterprise, &path).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["window"], json!({"baseline": false, "result": false, "locked": true}));
    assert_eq!(v["lines"].as_array().unwrap().len(), 2);

    // Role and scope: an officer reads but does not record (403); another city's officer and
    // an outside provider see nothing (404); the page shows the table.
    let officer = token(&t, "demo-officer").await;
    assert_eq!(get(&t, &officer, &path).await.0, 200);
    assert_eq!(post(&t, &officer, &path, line("quality", "产品不良率", "5")).await.0, 403);
    let wuxi = officer_token(&t, "wuxi-outcomes", "320200").await;
    assert_eq!(get(&t, &wuxi, &path).await.0, 404);
    assert_eq!(post(&t, &token(&t, "wuxi-enterprise").await, &path, line("quality", "产品不良率", "5")).await.0, 404);
    let html = reqwest::Client::new()
        .get(t.url(&format!("/projects/{id}")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"outcome-lines\"") && html.contains("40.00%"), "the project page shows the lines");

    // Each change is audited.
    let audited: i64 = t
        .db()
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('outcome.add', 'outcome.result')", vec![])
        .await
        .unwrap();
    assert_eq!(audited, 4);
}

async fn summaries(store: Store) {
    let t = TestApp::spawn(store).await;
    fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    t.db()
        .execute(
            "UPDATE enrolments SET sub_industry = $1 WHERE applied_by = $2",
            vec![Arg::from("智能制造装备"), Arg::from("demo-enterprise")],
        )
        .await
        .unwrap();
    // Three projects report 不良率; one also reports 人均产值 (a cell of one project).
    let mut ids = Vec::new();
    for (k, (base, result)) in [("5", "3"), ("4", "3"), ("10", "9")].into_iter().enumerate() {
        let id = project(&t, &format!("汇总测试项目{k}"), "in_progress").await;
        let mut l = line("quality", "产品不良率", base);
        l["result"] = json!(result);
        l["result_date"] = json!("2025-09-30");
        let (s, v) = post(&t, &provider, &format!("/api/v1/projects/{id}/outcomes"), l).await;
        assert_eq!(s, 201, "{v}");
        ids.push(id);
    }
    let mut l = line("efficiency", "人均产值", "80");
    l["result"] = json!("100");
    l["result_date"] = json!("2025-09-30");
    assert_eq!(post(&t, &provider, &format!("/api/v1/projects/{}/outcomes", ids[0]), l).await.0, 201);

    let officer = token(&t, "demo-officer").await;
    let (s, v) = get(&t, &officer, "/api/v1/outcomes/summary").await;
    assert_eq!(s, 200, "{v}");
    // Counts against the records.
    let reporting: i64 = t
        .db()
        .scalar(
            "SELECT COUNT(DISTINCT project_id) FROM outcome_lines WHERE result_e4 IS NOT NULL \
             AND region_code BETWEEN '320100' AND '3201~~'",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(v["projects"].as_i64(), Some(reporting));
    for si in v["sub_industries"].as_array().unwrap() {
        let n: i64 = t
            .db()
            .scalar(
                "SELECT COUNT(DISTINCT project_id) FROM outcome_lines WHERE result_e4 IS NOT NULL AND sub_industry = $1",
                vec![Arg::from(si["sub_industry"].as_str().unwrap())],
            )
            .await
            .unwrap();
        assert_eq!(si["projects"].as_i64(), Some(n), "{si}");
    }
    let cell =
        |v: &Value, ind: &str| v["cells"].as_array().unwrap().iter().find(|c| c["indicator"] == ind).cloned().unwrap();
    // Improvements 40%, 25%, 10%: the median is 25%.
    let q = cell(&v, "产品不良率");
    assert_eq!((q["projects"].as_i64(), q["median_improvement_bp"].as_i64()), (Some(3), Some(2_500)), "{q}");
    let e = cell(&v, "人均产值");
    assert_eq!((e["projects"].as_i64(), e["suppressed"].as_bool()), (Some(1), Some(false)), "officers see every cell");

    // Public: the one-project cell is suppressed, no enterprise named.
    let anon = reqwest::Client::new().get(t.url("/api/v1/public/outcomes")).send().await.unwrap();
    assert_eq!(anon.status().as_u16(), 200);
    let p: Value = anon.json().await.unwrap();
    assert_eq!(cell(&p, "产品不良率")["median_improvement"].as_str(), Some("25.00%"));
    let small = cell(&p, "人均产值");
    assert_eq!(
        (small["projects"].clone(), small["median_improvement_bp"].clone(), small["suppressed"].as_bool()),
        (Value::Null, Value::Null, Some(true))
    );
    assert!(!p.to_string().contains("南京玄武精密机械"), "no enterprise named");
    let page = reqwest::get(t.url("/public/outcomes")).await.unwrap().text().await.unwrap();
    assert!(page.contains("data-indicator=\"人均产值\"") && page.contains("data-suppressed=\"true\""));

    // Scope and role: a district officer outside its subtree gets 404, a provider 403.
    let district = token(&t, "demo-district").await;
    assert_eq!(get(&t, &district, "/api/v1/outcomes/summary?region=320100").await.0, 404);
    assert_eq!(get(&t, &officer, "/api/v1/outcomes/summary?region=320200").await.0, 404);
    assert_eq!(get(&t, &provider, "/api/v1/outcomes/summary").await.0, 403);
    let (s, w) = get(&t, &officer_token(&t, "wuxi-summary", "320200").await, "/api/v1/outcomes/summary").await;
    assert_eq!((s, w["projects"].as_i64()), (200, Some(0)), "another city's officer sees none of these");
}

/// An expert account of 南京 tied to `provider` (or to no organisation).
async fn expert(t: &TestApp, name: &str, provider: Option<i64>) -> i64 {
    db::users::insert(
        &mut t.db(),
        &db::users::NewUser {
            username: name,
            display_name: name,
            password_hash: "x",
            role: "expert",
            region_code: "320100",
            enterprise_id: None,
            provider_id: provider,
            is_demo: false,
        },
    )
    .await
    .unwrap()
}

async fn new_round(t: &TestApp, tok: &str) -> (i64, Value) {
    let (s, v) = post(
        t,
        tok,
        "/api/v1/rounds",
        json!({"programme_id": "nanjing-2024", "date": "2026-03-18", "place": "玄武区政务服务中心", "note": "第一批"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    (v["id"].as_i64().unwrap(), v)
}

async fn rounds(store: Store) {
    let t = TestApp::spawn(store).await;
    fixture(&t.db()).await;
    let officer = token(&t, "demo-officer").await;
    let provider_id = id_of(&t, "SELECT id FROM providers WHERE uscc = $1", DEMO_PROVIDER).await;
    let tied = expert(&t, "专家-金陵", Some(provider_id)).await;
    let free = expert(&t, "专家-独立", None).await;
    let p1 = project(&t, "批次测试项目一", "completed").await;
    let a1 = acceptance(&t, p1, "district_verified").await;
    let p2 = project(&t, "批次测试项目二", "completed").await;
    let a2 = acceptance(&t, p2, "applied").await;

    let (round, v) = new_round(&t, &officer).await;
    assert_eq!(v["state"].as_str(), Some("planned"));
    let r = format!("/api/v1/rounds/{round}");
    // Starting an empty round: the guard refuses it.
    let (s, v) = post(&t, &officer, &format!("{r}/transitions"), json!({"action": "start"})).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.transition")), "{v}");
    // Only acceptances waiting for their on-site check.
    let (s, v) = post(&t, &officer, &format!("{r}/acceptances"), json!({"acceptance_id": a2})).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "{v}");
    let (s, v) = post(&t, &officer, &format!("{r}/acceptances"), json!({"acceptance_id": a1})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["acceptances"][0]["provider_name"].as_str(), Some("金陵工业互联网服务有限公司"));
    // A conflicted assessor is refused, naming the conflict; the refusal is audited.
    let (s, v) = post(&t, &officer, &format!("{r}/assessors"), json!({"user_id": tied})).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.conflict_of_interest")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("金陵工业互联网服务有限公司"), "{v}");
    let denied: i64 = t
        .db()
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'round.assign' AND result = 'denied'", vec![])
        .await
        .unwrap();
    assert_eq!(denied, 1);
    let (s, v) = post(&t, &officer, &format!("{r}/assessors"), json!({"user_id": free})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(post(&t, &officer, &format!("{r}/assessors"), json!({"user_id": free})).await.0, 409);

    // A declared conflict counts too, and a late addition is checked against the assessors on
    // the round: a second round with the tied assessor refuses an acceptance of its provider.
    let (round2, _) = new_round(&t, &officer).await;
    let r2 = format!("/api/v1/rounds/{round2}");
    assert_eq!(post(&t, &officer, &format!("{r2}/assessors"), json!({"user_id": tied})).await.0, 200);
    let p3 = project(&t, "批次测试项目三", "completed").await;
    let a3 = acceptance(&t, p3, "district_verified").await;
    let (s, v) = post(&t, &officer, &format!("{r2}/acceptances"), json!({"acceptance_id": a3})).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.conflict_of_interest")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("专家-金陵"), "{v}");
    let expert_tok = token(&t, "专家-独立").await;
    let enterprise_id = id_of(&t, "SELECT id FROM enterprises WHERE uscc = $1", DEMO_ENTERPRISE).await;
    let (s, v) = post(
        &t,
        &expert_tok,
        "/api/v1/rounds/conflicts",
        json!({"enterprise_id": enterprise_id, "note": "曾任该企业顾问"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (round3, _) = new_round(&t, &officer).await;
    assert_eq!(
        post(&t, &officer, &format!("/api/v1/rounds/{round3}/acceptances"), json!({"acceptance_id": a3})).await.0,
        200
    );
    let (s, v) = post(&t, &officer, &format!("/api/v1/rounds/{round3}/assessors"), json!({"user_id": free})).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.conflict_of_interest")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("已申报"), "{v}");
    // The acceptance already in an open round cannot join another.
    let (s, v) = post(&t, &officer, &format!("{r2}/acceptances"), json!({"acceptance_id": a1})).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.round_taken")), "{v}");

    // The assessor sees its round (and the sheet); an unassigned expert does not.
    let (s, v) = get(&t, &expert_tok, "/api/v1/rounds").await;
    assert_eq!(s, 200);
    assert!(v["items"].as_array().unwrap().iter().any(|x| x["id"].as_i64() == Some(round)), "{v}");
    assert_eq!(get(&t, &expert_tok, &r).await.0, 200);
    assert_eq!(get(&t, &expert_tok, &r2).await.0, 404);
    assert_eq!(post(&t, &expert_tok, &format!("{r}/transitions"), json!({"action": "start"})).await.0, 403);
    // Another city's officer: not found.
    let wuxi = officer_token(&t, "wuxi-rounds", "320200").await;
    assert_eq!(get(&t, &wuxi, &r).await.0, 404);
    assert_eq!(post(&t, &wuxi, &format!("{r}/acceptances"), json!({"acceptance_id": a1})).await.0, 404);

    // The machine: start, close; a closed round takes nothing and frees its acceptances.
    let (s, v) = post(&t, &officer, &format!("{r}/transitions"), json!({"action": "close"})).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "{v}");
    let (s, v) = post(&t, &officer, &format!("{r}/transitions"), json!({"action": "start"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("in_progress")), "{v}");
    let version = v["version"].as_i64().unwrap();
    let (s, _) =
        post(&t, &officer, &format!("{r}/transitions"), json!({"action": "close", "version": version - 1})).await;
    assert_eq!(s, 409, "a stale version is refused");
    let (s, v) = post(&t, &officer, &format!("{r}/transitions"), json!({"action": "close", "version": version})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("closed")), "{v}");
    assert_eq!(post(&t, &officer, &format!("{r}/assessors"), json!({"user_id": free})).await.0, 409);
    let (s, v) =
        post(&t, &officer, &format!("/api/v1/rounds/{round3}/acceptances"), json!({"acceptance_id": a1})).await;
    assert_eq!(s, 200, "closing freed the acceptance: {v}");
    let steps: i64 = t
        .db()
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('round.start', 'round.close')", vec![])
        .await
        .unwrap();
    assert_eq!(steps, 2);

    // The printable sheet lists enterprises, projects, providers and assessors.
    let html = reqwest::Client::new()
        .get(t.url(&format!("/rounds/{round}")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("批次测试项目一") && html.contains("金陵工业互联网服务有限公司") && html.contains("专家-独立")
    );
}

async fn one_of_two_concurrent_additions_wins(store: Store) {
    let t = TestApp::spawn(store).await;
    fixture(&t.db()).await;
    let first = token(&t, "demo-officer").await;
    let second = officer_token(&t, "rounds-officer-2", "320100").await;
    for k in 0..5 {
        let p = project(&t, &format!("并发测试项目{k}"), "completed").await;
        let a = acceptance(&t, p, "district_verified").await;
        let (r1, _) = new_round(&t, &first).await;
        let (r2, _) = new_round(&t, &second).await;
        let body = json!({"acceptance_id": a});
        let (p1, p2) = (format!("/api/v1/rounds/{r1}/acceptances"), format!("/api/v1/rounds/{r2}/acceptances"));
        let (x, y) = tokio::join!(post(&t, &first, &p1, body.clone()), post(&t, &second, &p2, body.clone()));
        let mut statuses = [x.0, y.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "exactly one wins: {x:?} {y:?}");
        let open: i64 = t
            .db()
            .scalar("SELECT COUNT(*) FROM round_acceptances WHERE acceptance_id = $1 AND open", vec![Arg::from(a)])
            .await
            .unwrap();
        assert_eq!(open, 1);
    }
}

on_both_stores!(lifecycle);
on_both_stores!(summaries);
on_both_stores!(rounds);
on_both_stores!(one_of_two_concurrent_additions_wins);
