//! Transformation projects through the JSON API: diagnosis with its report, expert/officer
//! review, plan, a contract the domain checks, filing, milestones with evidence files whose
//! type is read from their content, invoices and payments, completion; and the integrity flag
//! for a file reused across enterprises.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, get, post, token};
use dengta::db;

async fn upload(t: &TestApp, tok: &str, project: i64, query: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{project}/files?{query}")))
        .bearer_auth(tok)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

fn step(action: &str) -> Value {
    json!({ "action": action })
}

/// Lists an enrolment (its review is tested in pilot.rs).
async fn list_enrolment(t: &TestApp, id: i64) {
    let c = t.db();
    c.execute("UPDATE enrolments SET status = 'listed' WHERE id = $1", vec![db::Arg::from(id)]).await.unwrap();
}

fn contract(sign_date: &str) -> Value {
    json!({
        "sign_date": sign_date,
        "parties": [
            {"uscc": "91320104MA1X2Y8F6T", "name": "金陵工业互联网服务有限公司", "role": "integrator", "amount": 20_000_000},
            {"uscc": "91320115MA1X2Y9G0W", "name": "江宁云智小快轻准软件有限公司", "role": "software_vendor", "amount": 6_000_000}
        ],
        "lines": [
            {"category": "software", "description": "设备管理系统", "amount": 12_000_000},
            {"category": "gateway", "description": "数据采集网关", "amount": 8_000_000},
            {"category": "service", "description": "实施服务", "amount": 6_000_000}
        ],
        "split": {"enterprise": 13_000_000, "provider_discount": 1_000_000, "government": 12_000_000},
        "criteria": [
            {"kind": "onsite_level_at_least", "level": 2},
            {"kind": "scene_at_least", "scene": "equipment_management", "level": 3},
            {"kind": "milestones_done"}
        ]
    })
}

async fn project_from_diagnosis_to_completion(store: Store) {
    let t = TestApp::spawn(store).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let officer = token(&t, "demo-officer").await;
    let expert = token(&t, "demo-expert").await;
    let mut c = t.db();
    let provider_id =
        c.scalar("SELECT id FROM providers WHERE uscc = $1", vec![db::Arg::from("91320104MA1X2Y8F6T")]).await.unwrap();
    let (s, v) = post(&t, &enterprise, "/api/v1/enrolments", json!({"programme_id": "nanjing-2024"})).await;
    assert_eq!(s, 201, "{v}");
    let enrolment = v["enrolment"]["id"].as_i64().unwrap();
    let new = json!({"enrolment_id": enrolment, "provider_id": provider_id, "title": "设备管理数字化改造"});
    // Only a listed enterprise starts projects.
    assert_eq!(post(&t, &enterprise, "/api/v1/projects", new.clone()).await.0, 409);
    list_enrolment(&t, enrolment).await;
    let (s, v) = post(&t, &enterprise, "/api/v1/projects", new).await;
    assert_eq!(s, 201, "{v}");
    let id = v["project"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}/transitions");

    // Diagnosis: the provider's, and only with a report.
    assert_eq!(post(&t, &enterprise, &path, step("start_diagnosis")).await.0, 403);
    assert_eq!(post(&t, &provider, &path, step("start_diagnosis")).await.0, 200);
    let diagnosis = json!({"survey_date": "2025-03-02", "surveyors": "王工、李工", "gaps": "设备未联网，点检靠纸质记录",
                           "recommendations": "部署设备联网与点检系统"});
    let (s, v) = post(&t, &provider, &path, json!({"action": "submit_diagnosis", "diagnosis": diagnosis})).await;
    assert_eq!(s, 422);
    assert!(v.to_string().contains("诊断报告"), "{v}");
    // A file that lies about its type, and an empty one, are refused and stored nowhere.
    let png = b"\x89PNG\r\n\x1a\nfake".to_vec();
    let (s, v) = upload(&t, &provider, id, "kind=diagnosis_report", "report.pdf", png).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("image/png"), "{v}");
    assert_eq!(upload(&t, &provider, id, "kind=diagnosis_report", "report.pdf", Vec::new()).await.0, 422);
    let (s, _) = upload(&t, &provider, id, "kind=diagnosis_report", "report.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(s, 422);
    // One byte over the limit is refused while streaming.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(dengta::app::files::MAX_FILE_BYTES + 1, b'0');
    let (s, v) = upload(&t, &provider, id, "kind=other", "big.pdf", big).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["title"].as_str().unwrap().contains("大小"), "{v}");
    let files = c.scalar("SELECT COUNT(*) FROM files", vec![]).await.unwrap();
    assert_eq!(files, 0);
    let report = pdf("诊断报告");
    let (s, v) = upload(&t, &provider, id, "kind=diagnosis_report", "诊断报告.pdf", report.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["file"]["media_type"], "application/pdf");
    assert_eq!(v["file"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["file"]["sm3"].as_str().unwrap().len(), 64);
    assert_eq!(v["reused"], false);
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit_diagnosis", "diagnosis": diagnosis})).await.0, 200);
    // The expert returns it with a reason; the provider resubmits; the officer approves.
    assert_eq!(post(&t, &expert, &path, step("return_diagnosis")).await.0, 422);
    assert_eq!(
        post(&t, &expert, &path, json!({"action": "return_diagnosis", "reason": "请补充能耗数据"})).await.0,
        200
    );
    assert_eq!(post(&t, &officer, &path, step("approve_diagnosis")).await.0, 422, "nothing submitted now");
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit_diagnosis", "diagnosis": diagnosis})).await.0, 200);
    assert_eq!(post(&t, &officer, &path, step("approve_diagnosis")).await.0, 200);

    // Plan, then a contract the domain checks (date inside the window, amounts agree).
    let (s, _) =
        post(&t, &provider, &path, json!({"action": "submit_plan", "plan": {"targets": [], "schedule": "三个月"}}))
            .await;
    assert_eq!(s, 422);
    let no_lines = json!({"targets": [["equipment_management", 3]], "schedule": "三个月"});
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit_plan", "plan": no_lines})).await.0, 422);
    let plan = json!({"targets": [["equipment_management", 3]], "schedule": "第1月部署网关，第2月上线系统，第3月验收",
                      "lines": [{"category": "software", "description": "设备管理系统", "amount": 12_000_000},
                                {"category": "office_pc", "description": "办公电脑", "amount": 800_000}]});
    assert_eq!(post(&t, &provider, &path, json!({"action": "submit_plan", "plan": plan})).await.0, 200);
    let (s, v) =
        post(&t, &enterprise, &path, json!({"action": "sign_contract", "contract": contract("2023-01-05")})).await;
    assert_eq!(s, 422);
    assert!(v["detail"].as_str().unwrap().contains("2023-01-05"), "{v}");
    let mut bad = contract("2025-03-10");
    bad["split"]["government"] = json!(1);
    assert_eq!(post(&t, &enterprise, &path, json!({"action": "sign_contract", "contract": bad})).await.0, 422);
    let (s, v) =
        post(&t, &enterprise, &path, json!({"action": "sign_contract", "contract": contract("2025-03-10")})).await;
    assert_eq!(s, 200, "{v}");
    // Filing needs a number, from the officer.
    assert_eq!(post(&t, &provider, &path, json!({"action": "file", "filing_no": "NJ-2025-001"})).await.0, 403);
    assert_eq!(post(&t, &officer, &path, step("file")).await.0, 422);
    assert_eq!(post(&t, &officer, &path, json!({"action": "file", "filing_no": "NJ-2025-001"})).await.0, 200);
    assert_eq!(post(&t, &enterprise, &path, step("start")).await.0, 200);
    // Filing sets the completion deadline from the programme; past it the project is flagged.
    let (_, file) = get(&t, &officer, &format!("/api/v1/projects/{id}")).await;
    assert!(file["project"]["due_at"].as_i64().unwrap() > db::now_ms() + 300 * 86_400_000, "{}", file["project"]);
    assert_eq!(file["overdue"], false);
    c.execute("UPDATE projects SET due_at = $1 WHERE id = $2", vec![db::Arg::from(1i64), db::Arg::from(id)])
        .await
        .unwrap();
    let (_, file) = get(&t, &officer, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(file["overdue"], true);

    // Milestones carry evidence; completion waits for them.
    let (s, v) = post(
        &t,
        &provider,
        &format!("/api/v1/projects/{id}/milestones"),
        json!({"title": "网关部署", "due_date": "2025-05-01"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let m = v["id"].as_i64().unwrap();
    assert_eq!(post(&t, &enterprise, &path, step("complete")).await.0, 422);
    let done = format!("/api/v1/projects/{id}/milestones/done");
    assert_eq!(post(&t, &provider, &done, json!({"milestone_id": m})).await.0, 422, "no evidence yet");
    let photo = b"\xff\xd8\xff\xe0 site photo".to_vec();
    let (s, _) = upload(&t, &provider, id, &format!("kind=milestone&milestone_id={m}"), "现场照片.jpg", photo).await;
    assert_eq!(s, 201);
    assert_eq!(post(&t, &provider, &done, json!({"milestone_id": m})).await.0, 200);
    // Invoices: inside the window; an excluded category is recorded and flagged.
    let pay = format!("/api/v1/projects/{id}/payments");
    let (s, v) = post(
        &t,
        &enterprise,
        &pay,
        json!({"kind": "invoice", "category": "software", "number": "FP001", "amount": "120000", "date": "2025-04-01"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["excluded"], false);
    let (_, v) = post(
        &t,
        &enterprise,
        &pay,
        json!({"kind": "invoice", "category": "office_pc", "number": "FP002", "amount": "8000", "date": "2025-04-02"}),
    )
    .await;
    assert_eq!(v["excluded"], true, "office PCs are not eligible spend");
    let (s, v) = post(
        &t,
        &enterprise,
        &pay,
        json!({"kind": "payment", "category": "software", "number": "ZF001", "amount": "120000", "date": "2024-01-01"}),
    )
    .await;
    assert_eq!(s, 422, "a payment before the window: {v}");
    assert_eq!(post(&t, &enterprise, &path, step("complete")).await.0, 200);

    let (_, file) = get(&t, &officer, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(file["state"], "completed");
    assert_eq!(file["project"]["filing_no"], "NJ-2025-001");
    assert_eq!(file["contract_total_fen"], 26_000_000);
    assert_eq!(file["plan"]["lines"].as_array().unwrap().len(), 2, "the plan keeps its itemised lines");
    assert_eq!(file["amount_in_words"], "贰拾陆万元整");
    assert_eq!(file["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(file["payments"].as_array().unwrap().len(), 2);
    let steps: Vec<&str> = file["history"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        [
            "create",
            "start_diagnosis",
            "submit_diagnosis",
            "return_diagnosis",
            "submit_diagnosis",
            "approve_diagnosis",
            "submit_plan",
            "sign_contract",
            "file",
            "start",
            "complete"
        ]
    );
    // The stored file is the uploaded content, once, at a path derived from its hash.
    let sha = file["evidence"][0]["sha256"].as_str().unwrap().to_owned();
    let stored = std::fs::read(dengta::app::files::path_of(&t.app, &sha)).unwrap();
    assert_eq!(stored, report);

    // The same report attached to another enterprise's project is flagged as reused.
    let wuxi = c.scalar("SELECT id FROM projects WHERE title = $1", vec![db::Arg::from("纺织设备联网改造")]).await;
    if let Ok(other) = wuxi {
        let eid =
            c.scalar("SELECT enterprise_id FROM projects WHERE id = $1", vec![db::Arg::from(other)]).await.unwrap();
        let hash = dengta::app::accounts::hash_password("Wuxi#Provider2026").await.unwrap();
        let pid = c.scalar("SELECT provider_id FROM projects WHERE id = $1", vec![db::Arg::from(other)]).await.unwrap();
        db::users::insert(
            &mut c,
            &db::users::NewUser {
                username: "wuxi-provider",
                display_name: "无锡数智",
                password_hash: &hash,
                role: "provider",
                region_code: "320205",
                enterprise_id: None,
                provider_id: Some(pid),
                is_demo: false,
            },
        )
        .await
        .unwrap();
        let _ = eid;
        let wp = token(&t, "wuxi-provider").await;
        let (s, v) = upload(&t, &wp, other, "kind=other", "报告.pdf", report).await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["reused"], true, "the same content on another enterprise's project is flagged");
        // And the 南京 project stays out of the 无锡 provider's reach.
        assert_eq!(get(&t, &wp, &format!("/api/v1/projects/{id}")).await.0, 404);
        assert_eq!(upload(&t, &wp, id, "kind=other", "x.pdf", pdf("x")).await.0, 404);
    }
}

on_both_stores!(project_from_diagnosis_to_completion);
