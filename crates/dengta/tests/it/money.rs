//! Acceptance, subsidies and the ledger through the JSON API: the material checklist names what
//! is missing; district check, on-site assessment and financial check, criteria evaluated with
//! their evidence, an override flagged; the subsidy computed with its trace and reserved from the
//! pool; 公示 with an objection; integrity flags hold up approval until cleared; 50 concurrent
//! submissions of one payment post once; a reversal is a compensating transfer; concurrent
//! reservations exhaust a pool without overdraft and in order; reconciliation stays sound.

use std::io::Read;

use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Store, TestApp, fixture, get, post, token};
use dengta::db::{self, Arg};

const DAY: i64 = 86_400_000;

fn contract_json(spend_floor_fen: i64) -> String {
    json!({
        "sign_date": "2025-03-01",
        "parties": [
            {"uscc": "91320104MA1X2Y8F6T", "name": "金陵工业互联网服务有限公司", "role": "integrator", "amount": 20_000_000}
        ],
        "lines": [
            {"category": "software", "description": "设备管理系统", "amount": 12_000_000},
            {"category": "gateway", "description": "数据采集网关", "amount": 8_000_000}
        ],
        "split": {"enterprise": 12_000_000, "provider_discount": 0, "government": 8_000_000},
        "criteria": [
            {"kind": "onsite_level_at_least", "level": 2},
            {"kind": "milestones_done"},
            {"kind": "eligible_spend_at_least", "amount": spend_floor_fen}
        ]
    })
    .to_string()
}

/// A submitted on-site assessment on `instrument` at `level`, made at `at`.
async fn assessment_on(t: &TestApp, enterprise: i64, instrument: &str, level: i64, at: i64) -> i64 {
    t.db()
        .scalar(
            "INSERT INTO assessments (enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, \
             status, answers_json, level, created_by, created_at, updated_at, submitted_at) \
             VALUES ($1, $2, 1, 'test', 'onsite', 'submitted', '{}', $3, 'test', $4, $4, $4) RETURNING id",
            vec![Arg::from(enterprise), Arg::from(instrument), Arg::from(level), Arg::from(at)],
        )
        .await
        .unwrap()
}

/// A submitted assessment row of `kind` at `level`, submitted at `at`.
async fn assessment(t: &TestApp, enterprise: i64, kind: &str, level: i64, at: i64) -> i64 {
    t.db()
        .scalar(
            "INSERT INTO assessments (enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, \
             status, answers_json, level, created_by, created_at, updated_at, submitted_at) \
             VALUES ($1, 'mfg-2024', 1, 'test', $2, 'submitted', '{}', $3, 'test', $4, $4, $4) RETURNING id",
            vec![Arg::from(enterprise), Arg::from(kind), Arg::from(level), Arg::from(at)],
        )
        .await
        .unwrap()
}

/// 12:00 Beijing time on `day`, in Unix milliseconds.
fn noon(day: &str) -> i64 {
    dengta_domain::programme::Date::parse(day).unwrap().start_ms_beijing() + 12 * 3_600_000
}

/// A project of `enterprise` under its listed Nanjing enrolment, filed on 2025-02-01 and completed
/// on 2026-02-01 (fixed dates), with its contract and a milestone done. Returns its id.
async fn completed_project(t: &TestApp, enrolment: i64, enterprise: i64, provider: i64, title: &str) -> i64 {
    let mut c = t.db();
    let id = db::projects::insert(
        &mut c,
        &db::projects::NewProject {
            programme_id: "nanjing-2024",
            programme_version: 1,
            enrolment_id: enrolment,
            enterprise_id: enterprise,
            provider_id: provider,
            region_code: "320102",
            title,
            created_by: "test",
        },
    )
    .await
    .unwrap();
    let now = db::now_ms();
    c.execute(
        "UPDATE projects SET status = 'completed', filing_no = $1, filed_at = $2, completed_at = $3, \
         contract_total_fen = 20000000 WHERE id = $4",
        vec![
            Arg::from(format!("NJ-{id}")),
            Arg::from(noon("2025-02-01")),
            Arg::from(noon("2026-02-01")),
            Arg::from(id),
        ],
    )
    .await
    .unwrap();
    c.execute(
        "UPDATE project_docs SET contract_json = $1 WHERE project_id = $2",
        vec![Arg::from(contract_json(10_000_000)), Arg::from(id)],
    )
    .await
    .unwrap();
    c.execute(
        "INSERT INTO milestones (project_id, title, due_date, done_at, done_by, created_at) \
         VALUES ($1, '系统上线', '2026-06-30', $2, 'test', $2)",
        vec![Arg::from(id), Arg::from(now - 20 * DAY)],
    )
    .await
    .unwrap();
    id
}

async fn upload(t: &TestApp, tok: &str, project: i64, kind: &str, name: &str, text: &str) -> u16 {
    let bytes = format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes();
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{project}/files?kind={kind}")))
        .bearer_auth(tok)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn pool_available(t: &TestApp, tok: &str) -> i64 {
    let (s, v) = get(t, tok, "/api/v1/ledger/pools?programme=nanjing-2024").await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().iter().find(|p| p["pool_id"] == "enterprise").unwrap()["available"].as_i64().unwrap()
}

async fn reconciled(t: &TestApp, tok: &str) {
    let (s, v) = get(t, tok, "/api/v1/ledger/reconciliation").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sound"], true, "ledger does not reconcile: {v}");
    assert_eq!(v["ledger"]["balance_total"], 0);
}

async fn acceptance_to_payment(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let enterprise = token(&t, "demo-enterprise").await;
    let district = token(&t, "demo-district").await;
    let city = token(&t, "demo-officer").await;
    // Separation of duties: the city officer assesses and computes; a second officer decides the
    // acceptance and approves the subsidy; the finance officer pays.
    let approver = token(&t, "demo-approver").await;
    let payer = token(&t, "demo-finance").await;
    let provider = token(&t, "demo-provider").await;
    let c = t.db();
    c.execute("UPDATE enrolments SET status = 'listed' WHERE id = $1", vec![Arg::from(f.own_enrolment)]).await.unwrap();
    let id = completed_project(&t, f.own_enrolment, f.own_enterprise, f.own_provider, "设备管理改造").await;
    let outcomes_path = format!("/api/v1/public/providers/{}", f.own_provider);
    let before = get(&t, &city, &outcomes_path).await.1["outcomes"].clone();
    let acc = format!("/api/v1/projects/{id}/acceptance");
    let steps = format!("{acc}/transitions");

    // The checklist names what is missing, and the application is refused until it is complete.
    let (s, v) = get(&t, &enterprise, &acc).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["complete"], false);
    let missing: Vec<&str> = v["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["ok"] == false)
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    for item in ["invoices", "self_assessments", "summary_report"] {
        assert!(missing.contains(&item), "{item} should be missing: {v}");
    }
    let apply =
        json!({"declare": true, "bank_account": "6222 0212 3456 7890", "summary": "设备联网率从 20% 提升到 85%"});
    let (s, v) = post(&t, &enterprise, &acc, apply.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("项目总结报告"), "the refusal names the missing items: {v}");

    // Complete the materials: invoice and payment with vouchers, before/after self-assessments,
    // the summary report.
    for (kind, number) in [("invoice", "FP-001"), ("payment", "FK-001")] {
        let body =
            json!({"kind": kind, "category": "software", "number": number, "amount": "200000", "date": "2026-03-01"});
        assert_eq!(post(&t, &enterprise, &format!("/api/v1/projects/{id}/payments"), body).await.0, 201);
        assert_eq!(upload(&t, &enterprise, id, kind, &format!("{number}.pdf"), number).await, 201);
    }
    let now = db::now_ms();
    assessment(&t, f.own_enterprise, "self", 1, noon("2025-01-15")).await;
    assessment(&t, f.own_enterprise, "self", 2, now - 5 * DAY).await;
    assert_eq!(upload(&t, &enterprise, id, "summary_report", "总结报告.pdf", "summary").await, 201);
    // The provider shares the enterprise's receiving account: an integrity flag.
    c.execute("UPDATE providers SET bank_account = '6222021234567890' WHERE id = $1", vec![Arg::from(f.own_provider)])
        .await
        .unwrap();

    // Without the declaration, nothing happens; then the application lands.
    let (s, _) = post(&t, &enterprise, &acc, json!({"declare": false, "bank_account": "6222021234567890"})).await;
    assert_eq!(s, 422);
    let (s, v) = post(&t, &enterprise, &acc, apply.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(post(&t, &enterprise, &acc, apply.clone()).await.0, 409, "one acceptance per project");

    // The provider sees the project but cannot decide; the city may not do the district's check.
    assert_eq!(post(&t, &provider, &steps, json!({"action": "verify"})).await.0, 403);
    assert_eq!(post(&t, &city, &steps, json!({"action": "verify"})).await.0, 422);
    // The district returns it for rectification (a reason is required), the enterprise re-applies.
    assert_eq!(post(&t, &district, &steps, json!({"action": "return"})).await.0, 422);
    let (s, v) = post(&t, &district, &steps, json!({"action": "return", "reason": "付款凭证不清晰"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(post(&t, &enterprise, &steps, json!({"action": "reapply"})).await.0, 422, "declaration required");
    let (s, v) = post(&t, &enterprise, &steps, json!({"action": "reapply", "declare": true})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(post(&t, &district, &steps, json!({"action": "verify"})).await.0, 200);

    // The city records the on-site assessment and the financial check; the platform evaluates.
    let self_kind = assessment(&t, f.own_enterprise, "self", 3, now).await;
    let onsite = assessment(&t, f.own_enterprise, "onsite", 3, now).await;
    let bad = json!({"action": "assess", "onsite_assessment_id": self_kind, "finance_eligible": "80000"});
    assert_eq!(post(&t, &city, &steps, bad).await.0, 422, "only an on-site assessment counts");
    // Only one on the 2024 instrument, made after the project was completed, counts.
    let old = assessment_on(&t, f.own_enterprise, "generic-2022", 4, now).await;
    let bad = json!({"action": "assess", "onsite_assessment_id": old, "finance_eligible": "80000"});
    let (s, v) = post(&t, &city, &steps, bad).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("2024年版"), "{v}");
    let early = assessment(&t, f.own_enterprise, "onsite", 3, noon("2026-01-31")).await;
    let bad = json!({"action": "assess", "onsite_assessment_id": early, "finance_eligible": "80000"});
    let (s, v) = post(&t, &city, &steps, bad).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("完成之后"), "{v}");
    let body = json!({"action": "assess", "onsite_assessment_id": onsite, "finance_eligible": "80000", "finance_note": "专项审计核减"});
    let (s, v) = post(&t, &city, &steps, body).await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = get(&t, &city, &acc).await;
    let results = v["evaluation"]["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 3, "{v}");
    assert_eq!(results[0]["passed"], true, "level 3 ≥ 二级: {v}");
    assert_eq!(results[0]["evidence"], format!("/assessments/{onsite}"));
    assert_eq!(results[1]["passed"], true, "milestones done");
    assert_eq!(results[2]["passed"], false, "80,000 < 100,000 eligible spend: {v}");
    assert!(results[2]["note"].as_str().unwrap().contains("80,000.00"), "{v}");
    // A failed criterion: acceptance needs a reason, and the override is flagged for audit.
    assert_eq!(post(&t, &approver, &steps, json!({"action": "accept"})).await.0, 422);
    let accept = json!({"action": "accept", "reason": "核减后投入仍达到改造目标，经专家组同意"});
    let (s, v) = post(&t, &city, &steps, accept.clone()).await;
    assert_eq!(s, 422, "the assessor does not decide: {v}");
    assert_eq!(v["code"], "error.duty", "{v}");
    let (s, v) = post(&t, &approver, &steps, accept).await;
    assert_eq!(s, 200, "{v}");
    let overrides =
        c.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'acceptance.override'", vec![]).await.unwrap();
    assert_eq!(overrides, 1);
    let (_, v) = get(&t, &city, &acc).await;
    assert_eq!(v["state"], "accepted");
    assert!(v["history"].as_array().unwrap().iter().any(|h| h["flagged"] == true), "{v}");
    let flags = v["integrity_flags"].as_array().unwrap().clone();
    let shared = flags.iter().find(|x| x["kind"] == "shared_contact").expect("shared account flagged");
    assert!(shared["evidence"].as_str().unwrap().contains("7890"), "{shared}");
    assert!(!shared["evidence"].as_str().unwrap().contains("6222021234567890"), "masked: {shared}");
    // The enterprise does not see the flags.
    let (_, v) = get(&t, &enterprise, &acc).await;
    assert!(v["integrity_flags"].as_array().unwrap().is_empty());

    // The provider's outcomes: one decision, accepted, one return along the way.
    let after = get(&t, &city, &outcomes_path).await.1["outcomes"].clone();
    let page =
        reqwest::get(t.url(&format!("/public/providers/{}", f.own_provider))).await.unwrap().text().await.unwrap();
    assert!(page.contains("验收成效") && page.contains("通过率"), "outcomes on the provider's public page");
    for (k, delta) in [("accepted", 1), ("returned", 1), ("rejected", 0), ("decided", 1)] {
        assert_eq!(after[k].as_i64().unwrap() - before[k].as_i64().unwrap(), delta, "{k}: {before} → {after}");
    }

    // The subsidy: nothing in the pool beyond what the demo allocated is needed; compute reserves.
    // The checks' dates are fixed (February 2026), so the terms never depend on today.
    let acc_id = c.scalar("SELECT id FROM acceptances WHERE project_id = $1", vec![Arg::from(id)]).await.unwrap();
    c.execute(
        "UPDATE workflow_events SET at = $1 WHERE subject = 'acceptance' AND subject_id = $2",
        vec![Arg::from(noon("2026-02-10")), Arg::from(acc_id)],
    )
    .await
    .unwrap();
    let before = pool_available(&t, &city).await;
    let sub = format!("/api/v1/projects/{id}/subsidies");
    assert_eq!(post(&t, &enterprise, &sub, json!({})).await.0, 403);
    assert_eq!(post(&t, &district, &sub, json!({})).await.0, 422, "money is decided by the city");
    let (s, v) = post(&t, &city, &sub, json!({})).await;
    assert_eq!(s, 201, "{v}");
    let sid = v["subsidy"]["id"].as_i64().unwrap();
    // Nanjing's batch-1 terms need the checks done by 2026-01-20/27; these were done later: after
    // the taper, 80,000 × 40% = 32,000 (under the 40万 cap).
    assert_eq!(v["subsidy"]["amount_fen"], 3_200_000, "{v}");
    let labels: Vec<&str> = v["trace"].as_array().unwrap().iter().map(|l| l["label"].as_str().unwrap()).collect();
    for l in ["可补助投入", "适用规则", "按比例计算", "封顶", "核定补助", "预算池余额", "本次应拨付"]
    {
        assert!(labels.contains(&l), "trace lacks {l}: {labels:?}");
    }
    assert_eq!(pool_available(&t, &city).await, before - 3_200_000, "reserved from the pool");
    assert_eq!(post(&t, &city, &sub, json!({})).await.0, 409, "one subsidy per project and stage");

    // 公示 first; approval waits for the period, the objection and the flags.
    let sp = format!("/api/v1/subsidies/{sid}/transitions");
    assert_eq!(post(&t, &approver, &sp, json!({"action": "approve"})).await.0, 409, "approval comes after 公示");
    assert_eq!(post(&t, &city, &sp, json!({"action": "publicise"})).await.0, 200);
    let v: Value = reqwest::get(t.url("/api/v1/public/subsidies")).await.unwrap().json().await.unwrap();
    let s = 200;
    assert_eq!(s, 200);
    assert!(v["items"].as_array().unwrap().iter().any(|x| x["id"] == sid), "{v}");
    let anon = t.client();
    let csrf = t.csrf(&anon).await;
    let res = anon
        .post(t.url(&format!("/api/v1/public/subsidies/{sid}/objections")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "张三", "body": "该企业改造未完成"}))
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    let o: Value = res.json().await.unwrap();
    assert_eq!(s, 201, "{o}");
    let (s, v) = post(&t, &approver, &sp, json!({"action": "approve"})).await;
    assert_eq!(s, 422, "publicity still running: {v}");
    c.execute("UPDATE subsidies SET publicity_ends_at = $1 WHERE id = $2", vec![Arg::from(now - 1), Arg::from(sid)])
        .await
        .unwrap();
    let (s, v) = post(&t, &approver, &sp, json!({"action": "approve"})).await;
    assert_eq!(s, 422, "open objection: {v}");
    let dec = json!({"objection_id": o["id"], "uphold": false, "reason": "经现场核实，改造已完成"});
    assert_eq!(post(&t, &city, &format!("/api/v1/subsidies/{sid}/objection-decisions"), dec).await.0, 200);
    let (s, v) = post(&t, &approver, &sp, json!({"action": "approve"})).await;
    assert_eq!(s, 422, "open integrity flag: {v}");
    assert!(v.to_string().contains("诚信预警"), "{v}");
    let clear = format!("/api/v1/projects/{id}/integrity-flags/clear");
    for fl in &flags {
        assert_eq!(post(&t, &city, &clear, json!({"flag_id": fl["id"]})).await.0, 422, "a reason is required");
        let (s, v) =
            post(&t, &city, &clear, json!({"flag_id": fl["id"], "reason": "已核实为代收代付，另附说明"})).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = post(&t, &city, &sp, json!({"action": "approve"})).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("error.duty")), "审批人不得与核算人为同一人: {v}");
    assert_eq!(post(&t, &approver, &sp, json!({"action": "approve"})).await.0, 200);

    // 50 concurrent submissions of one payment post exactly once and get the same receipt.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let url = t.url(&format!("/api/v1/subsidies/{sid}/payments"));
        let tok = payer.clone();
        set.spawn(async move {
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(tok)
                .header("Idempotency-Key", "pay-2026-0001")
                .json(&json!({"voucher": "PZ-0001"}))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        });
    }
    let mut receipts = Vec::new();
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, 200, "{v}");
        receipts.push(v);
    }
    assert!(receipts.iter().all(|r| r == &receipts[0]), "every submission gets the same answer");
    assert_eq!(receipts[0]["amount"], 3_200_000);
    let posted = c.scalar("SELECT COUNT(*) FROM payments WHERE subsidy_id = $1", vec![Arg::from(sid)]).await.unwrap();
    assert_eq!(posted, 1, "posted exactly once");
    // Another key for the same subsidy is refused (already paid); the same key with another body too.
    let pay = format!("/api/v1/subsidies/{sid}/payments");
    let (s, v) = post(&t, &payer, &pay, json!({"idempotency_key": "pay-2026-0002"})).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("error.state")), "a paid subsidy is not paid again: {v}");
    let (s, _) = post(&t, &payer, &pay, json!({"idempotency_key": "pay-2026-0001", "voucher": "PZ-9999"})).await;
    assert_eq!(s, 409);
    reconciled(&t, &city).await;

    // A reversal needs a reason and is a new, compensating transfer; the subsidy can be paid again.
    let pid = receipts[0]["payment_id"].as_i64().unwrap();
    let rev = format!("/api/v1/subsidies/{sid}/reversal");
    assert_eq!(post(&t, &city, &rev, json!({"payment_id": pid})).await.0, 422);
    let (s, v) = post(&t, &city, &rev, json!({"payment_id": pid, "reason": "收款账户户名不符，银行退回"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(post(&t, &city, &rev, json!({"payment_id": pid, "reason": "again"})).await.0, 409, "reversed once");
    let (s, v) = get(&t, &enterprise, &format!("/api/v1/subsidies/{sid}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    let ledger = v["ledger"].as_array().unwrap();
    let reversal = ledger.last().unwrap();
    assert_eq!(reversal["transfer"]["reverses"], receipts[0]["transfer_id"], "{v}");
    let (s, v) = post(&t, &payer, &pay, json!({"idempotency_key": "pay-2026-0003", "voucher": "PZ-0002"})).await;
    assert_eq!(s, 200, "{v}");
    reconciled(&t, &city).await;
    let transfers =
        c.scalar("SELECT COUNT(*) FROM ledger_transfers WHERE subsidy_id = $1", vec![Arg::from(sid)]).await.unwrap();
    assert_eq!(transfers, 5, "reserve, approve, pay, reverse, pay: nothing rewritten");

    // The bundle: a ZIP whose manifest names every entry with its SHA-256.
    let res = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/projects/{id}/bundle")))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut manifest = String::new();
    zip.by_name("manifest.txt").unwrap().read_to_string(&mut manifest).unwrap();
    let lines: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines.len(),
        11,
        "eight documents (the outcomes and the device data among them) and three evidence files: {manifest}"
    );
    for line in lines {
        let parts: Vec<&str> = line.splitn(4, "  ").collect();
        let mut entry = zip.by_name(parts[3]).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let sha: String = sha2::Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sha, parts[0], "{}", parts[3]);
    }
    // Open data: the project as an OCDS release, parties by credit code, the payments as
    // transactions (the reversed one at zero), no personal data; and as a CSV row.
    let pkg: Value = reqwest::get(t.url("/api/v1/open-data/ocds?limit=500")).await.unwrap().json().await.unwrap();
    assert_eq!(pkg["version"], "1.1");
    let ocid = format!("ocds-dengta-nanjing-2024-{id}");
    let rel = pkg["releases"].as_array().unwrap().iter().find(|r| r["ocid"] == ocid).cloned().expect("released");
    for field in ["ocid", "id", "date", "tag", "initiationType", "parties", "buyer", "awards", "contracts"] {
        assert!(!rel[field].is_null(), "{field} missing: {rel}");
    }
    let ids: Vec<&str> =
        rel["parties"].as_array().unwrap().iter().filter_map(|p| p["identifier"]["id"].as_str()).collect();
    assert!(ids.contains(&"91320102MA1X2Y3B1X") && ids.contains(&"91320104MA1X2Y8F6T"), "{ids:?}");
    assert_eq!(rel["contracts"][0]["value"]["amount"], 200000.0);
    let tx: Vec<f64> = rel["contracts"][0]["implementation"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["value"]["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(tx, vec![0.0, 32000.0], "reversed, then paid again");
    // The subsidy fields come from Dengta's extension, which the package names and the platform serves.
    let first = &rel["contracts"][0]["implementation"]["transactions"][0];
    assert_eq!(first["subsidy"]["reversed"], true, "{first}");
    assert!(first["subsidy"]["rule"].as_str().is_some_and(|r| r.starts_with("nanjing-2024")), "{first}");
    assert!(rel["contracts"][0]["dateSigned"].as_str().unwrap().ends_with("T00:00:00+08:00"), "OCDS date-time");
    let ext_url = pkg["extensions"][0].as_str().expect("extension named");
    assert!(ext_url.starts_with("http") && ext_url.ends_with("/api/v1/open-data/ocds/extension.json"), "{ext_url}");
    let ext: Value = reqwest::get(t.url("/api/v1/open-data/ocds/extension.json")).await.unwrap().json().await.unwrap();
    assert_eq!(ext["schemas"], json!(["release-schema.json"]));
    let patch: Value =
        reqwest::get(t.url("/api/v1/open-data/ocds/release-schema.json")).await.unwrap().json().await.unwrap();
    assert!(patch["definitions"]["Transaction"]["properties"]["subsidy"].is_object(), "{patch}");
    let text = rel.to_string();
    assert!(!text.contains("6222021234567890") && !text.contains("张三"), "no personal data");
    let csv = reqwest::get(t.url("/api/v1/open-data/projects.csv")).await.unwrap().text().await.unwrap();
    let line = csv.lines().find(|l| l.starts_with(&ocid)).expect("csv row");
    assert!(line.contains("91320102MA1X2Y3B1X") && line.ends_with(",32000.00"), "{line}");

    // Outside scope: another city's officer sees nothing.
    let (s, _) = get(&t, &token(&t, "wuxi-enterprise").await, &acc).await;
    assert_eq!(s, 404);
}

/// Eight accepted projects reserve concurrently from a pool that holds three and a bit.
async fn pool_exhaustion_keeps_order(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let city = token(&t, "demo-officer").await;
    let c = t.db();
    // Drain what the demo allocated so the pool holds exactly what this test allocates.
    let available = pool_available(&t, &city).await;
    if available > 0 {
        let mut tx = t.db().begin().await.unwrap();
        let key = "nanjing-2024/enterprise";
        let tr = dengta_domain::ledger::Transfer::between(
            dengta_domain::ledger::Account::new(dengta_domain::ledger::AccountKind::Pool, key),
            dengta_domain::ledger::Account::new(dengta_domain::ledger::AccountKind::Funding, key),
            dengta_domain::money::Fen(available),
            "test: return the demo allocation",
        );
        db::ledger::post(&mut tx, &tr, &db::ledger::Meta { actor: "test", ..Default::default() }).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(pool_available(&t, &city).await, 0);
    let mut projects = Vec::new();
    for i in 0..8 {
        let id =
            completed_project(&t, f.own_enrolment, f.own_enterprise, f.own_provider, &format!("并发项目{i}")).await;
        let onsite = assessment(&t, f.own_enterprise, "onsite", 3, db::now_ms()).await;
        c.execute(
            "INSERT INTO acceptances (project_id, enterprise_id, provider_id, region_code, status, declaration, \
             declared_by, declared_at, onsite_assessment_id, finance_eligible_fen, applied_at) \
             VALUES ($1, $2, $3, '320102', 'accepted', 'x', 'test', 0, $4, 20000000, 0)",
            vec![Arg::from(id), Arg::from(f.own_enterprise), Arg::from(f.own_provider), Arg::from(onsite)],
        )
        .await
        .unwrap();
        projects.push(id);
    }
    // With an empty pool nothing is reserved.
    let (s, v) = post(&t, &city, &format!("/api/v1/projects/{}/subsidies", projects[0]), json!({})).await;
    assert_eq!(s, 409, "{v}");
    // 250,000 in the pool; each project is owed 200,000 × 40% = 80,000.
    let (s, v) = post(
        &t,
        &city,
        "/api/v1/ledger/allocations",
        json!({"programme_id": "nanjing-2024", "pool": "enterprise", "amount": "250000", "reference": "宁财企〔2026〕1号", "idempotency_key": "alloc-1"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // The same allocation retried is not allocated twice.
    let (s, v2) = post(
        &t,
        &city,
        "/api/v1/ledger/allocations",
        json!({"programme_id": "nanjing-2024", "pool": "enterprise", "amount": "250000", "reference": "宁财企〔2026〕1号", "idempotency_key": "alloc-1"}),
    )
    .await;
    assert_eq!((s, &v2["transfer_id"]), (201, &v["transfer_id"]));
    assert_eq!(pool_available(&t, &city).await, 25_000_000);

    let mut set = tokio::task::JoinSet::new();
    for id in &projects {
        let url = t.url(&format!("/api/v1/projects/{id}/subsidies"));
        let tok = city.clone();
        set.spawn(async move {
            let res = reqwest::Client::new().post(url).bearer_auth(tok).json(&json!({})).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut funded = Vec::new();
    let mut refused = 0;
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        match s {
            201 => funded.push((v["subsidy"]["seq"].as_i64().unwrap(), v["subsidy"]["amount_fen"].as_i64().unwrap())),
            409 => refused += 1,
            _ => panic!("unexpected {s}: {v}"),
        }
    }
    funded.sort();
    let amounts: Vec<i64> = funded.iter().map(|(_, a)| *a).collect();
    // First come, first served: three in full, the fourth gets what is left, the rest nothing.
    assert_eq!(amounts, vec![8_000_000, 8_000_000, 8_000_000, 1_000_000], "{funded:?}");
    assert_eq!(refused, 4);
    assert_eq!(pool_available(&t, &city).await, 0, "no overdraft");
    let partial =
        c.fetch_one::<(String,)>("SELECT trace_json FROM subsidies WHERE amount_fen = 1000000", vec![]).await.unwrap();
    assert!(partial.0.contains("预算池余额不足"), "the partial award says why: {}", partial.0);
    reconciled(&t, &city).await;
    // The same check from the command line; then a tampered balance is caught.
    let check = || crate::audit::dengta(&t.database_url, &["ledger", "check"]);
    let out = check();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("账实相符"));
    c.execute("UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE kind = 'pool'", vec![]).await.unwrap();
    let out = check();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    c.execute("UPDATE ledger_accounts SET balance_fen = balance_fen - 1 WHERE kind = 'pool'", vec![]).await.unwrap();
    // Over-allocation beyond the planned pool is refused.
    let (s, _) = post(
        &t,
        &city,
        "/api/v1/ledger/allocations",
        json!({"programme_id": "nanjing-2024", "pool": "enterprise", "amount": "90000000", "reference": "超额"}),
    )
    .await;
    assert_eq!(s, 422);
}

on_both_stores!(acceptance_to_payment, pool_exhaustion_keeps_order);
