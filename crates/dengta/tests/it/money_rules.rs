//! Money exactly as the cities' rules say (issue #22), through the JSON API on both stores:
//! Longyan's first instalment is 40% of the contract's down payment capped at 15万 and needs the
//! down payment recorded; every instalment reserved — paid or not — is taken off the balance, and
//! parallel computations of one instalment reserve once (issue #14); Nanjing's batch-1 terms follow
//! the dated steps of the January-2026 notice, not the completion date; the cap holds per
//! enterprise across its projects, also when they are computed in parallel; the provider's
//! discount is not in the base. All dates are fixed (Beijing calendar days), none is "today".

use serde_json::{Value, json};

use crate::support::{Store, TestApp, officer_token, post, token};
use dengta::db::{self, Arg};
use dengta_domain::programme::Date;

/// 12:00 Beijing time on `day`, in Unix milliseconds.
fn noon(day: &str) -> i64 {
    Date::parse(day).unwrap().start_ms_beijing() + 12 * 3_600_000
}

/// An enterprise of `region` enrolled (listed) in `programme`. Returns (enterprise, enrolment).
pub(crate) async fn enrolled(
    t: &TestApp,
    programme: &str,
    uscc: &str,
    region: &str,
    industry: &str,
    sub: &str,
) -> (i64, i64) {
    let mut c = t.db();
    let enterprise = db::enterprises::insert(
        &mut c,
        &db::enterprises::NewEnterprise {
            uscc,
            name: &format!("测试企业{uscc}"),
            region_code: region,
            industry_code: industry,
            legal_rep: None,
            contact_phone: None,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let enrolment = db::programmes::insert_enrolment(
        &mut c,
        &db::programmes::NewEnrolment {
            programme_id: programme,
            programme_version: 2,
            enterprise_id: enterprise,
            region_code: region,
            sub_industry: Some(sub),
            eligibility_json: "[]",
            eligible: true,
            applied_by: "test",
        },
    )
    .await
    .unwrap();
    c.execute("UPDATE enrolments SET status = 'listed' WHERE id = $1", vec![Arg::from(enrolment)]).await.unwrap();
    (enterprise, enrolment)
}

pub(crate) async fn provider(t: &TestApp) -> i64 {
    t.db().scalar("SELECT id FROM providers WHERE uscc = $1", vec![Arg::from("91320104MA1X2Y8F6T")]).await.unwrap()
}

/// A filed project with a signed contract of `total_fen` (software lines; `discount_fen` of it the
/// provider's discount) and `down_fen` down payment. Returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn project(
    t: &TestApp,
    programme: &str,
    (enterprise, enrolment): (i64, i64),
    region: &str,
    total_fen: i64,
    discount_fen: i64,
    down_fen: i64,
) -> i64 {
    let mut c = t.db();
    let provider = provider(t).await;
    let id = db::projects::insert(
        &mut c,
        &db::projects::NewProject {
            programme_id: programme,
            programme_version: 2,
            enrolment_id: enrolment,
            enterprise_id: enterprise,
            provider_id: provider,
            region_code: region,
            title: "设备联网改造",
            created_by: "test",
        },
    )
    .await
    .unwrap();
    sign_and_file(t, id, total_fen, discount_fen, down_fen).await;
    id
}

/// Files a project with a signed contract of `total_fen` (software lines; `discount_fen` of it the
/// provider's discount) and `down_fen` down payment.
pub(crate) async fn sign_and_file(t: &TestApp, id: i64, total_fen: i64, discount_fen: i64, down_fen: i64) {
    let c = t.db();
    c.execute(
        "UPDATE projects SET status = 'filed', filing_no = $1, filed_at = $2, contract_total_fen = $3 WHERE id = $4",
        vec![Arg::from(format!("F-{id}")), Arg::from(noon("2025-02-01")), Arg::from(total_fen), Arg::from(id)],
    )
    .await
    .unwrap();
    let contract = json!({
        "sign_date": "2025-03-01",
        "parties": [{"uscc": "91320104MA1X2Y8F6T", "name": "金陵工业互联网服务有限公司", "role": "integrator", "amount": total_fen}],
        "lines": [{"category": "software", "description": "MES", "amount": total_fen}],
        "split": {"enterprise": total_fen - discount_fen - total_fen / 2, "provider_discount": discount_fen, "government": total_fen / 2},
        "criteria": [{"kind": "onsite_level_at_least", "level": 2}],
        "down_payment": down_fen
    });
    c.execute(
        "UPDATE project_docs SET contract_json = $1 WHERE project_id = $2",
        vec![Arg::from(contract.to_string()), Arg::from(id)],
    )
    .await
    .unwrap();
}

pub(crate) async fn record_payment(t: &TestApp, project: i64, amount_fen: i64) {
    db::projects::add_payment(
        &mut t.db(),
        project,
        "payment",
        "software",
        "FK-1",
        amount_fen,
        "2025-03-05",
        false,
        "test",
    )
    .await
    .unwrap();
}

/// A submitted assessment on `instrument` at `level`, created and submitted at `at`.
async fn assessment(t: &TestApp, enterprise: i64, instrument: &str, level: i64, at: i64) -> i64 {
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

/// Completes the project on `completed`, and accepts it with the district check on `verified`,
/// the on-site assessment at `level` on `assessed` and the audit and filing recorded on `filed`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn accepted(
    t: &TestApp,
    project: i64,
    enterprise: i64,
    region: &str,
    level: i64,
    eligible_fen: i64,
    [completed, verified, assessed, filed]: [&str; 4],
) {
    let c = t.db();
    c.execute(
        "UPDATE projects SET status = 'completed', completed_at = $1 WHERE id = $2",
        vec![Arg::from(noon(completed)), Arg::from(project)],
    )
    .await
    .unwrap();
    let onsite = assessment(t, enterprise, "mfg-2024", level, noon(assessed)).await;
    let provider = provider(t).await;
    let acc = c
        .scalar(
            "INSERT INTO acceptances (project_id, enterprise_id, provider_id, region_code, status, declaration, \
             declared_by, declared_at, onsite_assessment_id, finance_eligible_fen, applied_at) \
             VALUES ($1, $2, $3, $4, 'accepted', 'x', 'test', 0, $5, $6, 0) RETURNING id",
            vec![
                Arg::from(project),
                Arg::from(enterprise),
                Arg::from(provider),
                Arg::from(region),
                Arg::from(onsite),
                Arg::from(eligible_fen),
            ],
        )
        .await
        .unwrap();
    for (action, day) in [("apply", completed), ("verify", verified), ("assess", filed), ("accept", filed)] {
        c.execute(
            "INSERT INTO workflow_events (subject, subject_id, action, from_state, to_state, reason, flagged, actor, at) \
             VALUES ('acceptance', $1, $2, '', '', '', FALSE, 'test', $3)",
            vec![Arg::from(acc), Arg::from(action), Arg::from(noon(day))],
        )
        .await
        .unwrap();
    }
}

pub(crate) async fn compute(t: &TestApp, tok: &str, project: i64, stage: &str) -> (u16, Value) {
    post(t, tok, &format!("/api/v1/projects/{project}/subsidies"), json!({"stage": stage})).await
}

/// What is reserved for a project in all (every subsidy not cancelled).
pub(crate) async fn reserved(t: &TestApp, project: i64) -> i64 {
    t.db()
        .scalar(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM subsidies WHERE project_id = $1 AND status <> 'cancelled'",
            vec![Arg::from(project)],
        )
        .await
        .unwrap()
}

pub(crate) async fn reconciled(t: &TestApp, tok: &str) {
    let (s, v) = crate::support::get(t, tok, "/api/v1/ledger/reconciliation").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sound"], true, "ledger does not reconcile: {v}");
}

pub(crate) async fn allocate(t: &TestApp, tok: &str, programme: &str, yuan: &str) {
    let body = json!({"programme_id": programme, "pool": "enterprise", "amount": yuan, "reference": "测试〔2026〕1号"});
    let (s, v) = post(t, tok, "/api/v1/ledger/allocations", body).await;
    assert_eq!(s, 201, "{v}");
}

/// Longyan's 实施细则, to the fen: (contract, down payment, level) → (first instalment, total).
/// The first instalment is computed and NOT paid before acceptance; the balance then takes it off
/// all the same, so what is reserved for the project is the award exactly.
async fn longyan_first_instalment_on_the_down_payment(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = officer_token(&t, "longyan-officer", "350800").await;
    allocate(&t, &city, "longyan-2024", "5000000").await;
    let cases = [
        ("91350802MA2Y3K416A", 40_000_000, 12_000_000, 3, 4_800_000, 20_000_000),
        ("91350802MA2Y3K4245", 100_000_000, 50_000_000, 2, 15_000_000, 25_000_000),
        ("91350802MA2Y3K4320", 200_000_000, 100_000_000, 4, 15_000_000, 45_000_000),
    ];
    for (uscc, total, down, level, first, award) in cases {
        let e = enrolled(&t, "longyan-2024", uscc, "350802", "C3412", "机械装备").await;
        let id = project(&t, "longyan-2024", e, "350802", total, 0, down).await;
        // No down payment recorded yet: no first instalment.
        let (s, v) = compute(&t, &city, id, "after_contract").await;
        assert_eq!(s, 422, "{v}");
        assert!(v.to_string().contains("首付"), "{v}");
        record_payment(&t, id, down).await;
        let (s, v) = compute(&t, &city, id, "after_contract").await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["subsidy"]["amount_fen"], first, "{total}: {v}");
        assert!(v["trace"].to_string().contains("首付金额"), "{v}");
        // Not paid. Completed, accepted at `level`: the balance takes off the reserved instalment.
        accepted(&t, id, e.0, "350802", level, total, ["2026-03-01", "2026-03-10", "2026-03-12", "2026-03-15"]).await;
        let (s, v) = compute(&t, &city, id, "after_acceptance").await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["subsidy"]["award_fen"], award, "{total}: {v}");
        assert_eq!(v["subsidy"]["amount_fen"], award - first, "{total}: {v}");
        assert!(v["trace"].to_string().contains("已预留即计入"), "{v}");
        assert_eq!(reserved(&t, id).await, award, "{total}: reserved in all = the award, to the fen");
    }
    reconciled(&t, &city).await;
}

/// Sixteen parallel computations of the same instalment reserve it once; the balance after
/// acceptance, also computed sixteen times at once, is reserved once too.
async fn parallel_computations_reserve_once(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = officer_token(&t, "longyan-officer", "350800").await;
    allocate(&t, &city, "longyan-2024", "1000000").await;
    let e = enrolled(&t, "longyan-2024", "91350802MA2Y3K416A", "350802", "C3412", "机械装备").await;
    let id = project(&t, "longyan-2024", e, "350802", 40_000_000, 0, 12_000_000).await;
    record_payment(&t, id, 12_000_000).await;
    let burst = |stage: &'static str| {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let url = t.url(&format!("/api/v1/projects/{id}/subsidies"));
            let tok = city.clone();
            set.spawn(async move {
                let res = reqwest::Client::new()
                    .post(url)
                    .bearer_auth(tok)
                    .json(&json!({"stage": stage}))
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            });
        }
        set
    };
    for (stage, expect) in [("after_contract", 4_800_000), ("after_acceptance", 20_000_000)] {
        if stage == "after_acceptance" {
            accepted(&t, id, e.0, "350802", 3, 40_000_000, ["2026-03-01", "2026-03-10", "2026-03-12", "2026-03-15"])
                .await;
        }
        let mut set = burst(stage);
        let mut created = 0;
        while let Some(s) = set.join_next().await {
            match s.unwrap() {
                201 => created += 1,
                409 => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(created, 1, "{stage}: one reservation");
        assert_eq!(reserved(&t, id).await, expect, "{stage}");
    }
    let (_, pools) = crate::support::get(&t, &city, "/api/v1/ledger/pools?programme=longyan-2024").await;
    let pool = pools["items"].as_array().unwrap().iter().find(|p| p["pool_id"] == "enterprise").unwrap().clone();
    assert_eq!(pool["committed"], 20_000_000, "{pool}");
    assert_eq!(pool["available"], 80_000_000, "{pool}");
    reconciled(&t, &city).await;
}

/// Nanjing's notice of January 2026: the batch-1 terms for the checks done by their deadlines,
/// whatever the completion date. 80万 at 三级.
async fn nanjing_terms_by_the_dated_steps(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    for (uscc, dates, expect) in [
        // Completed 2026-01-05, district check by 01-20, the rest by 01-27 → 50%: 40万.
        ("91320102MA1Y00018J", ["2026-01-05", "2026-01-20", "2026-01-27", "2026-01-27"], 40_000_000),
        // Completed 2025-12-20 but assessed in February → 40%: 32万.
        ("91320102MA1Y00026D", ["2025-12-20", "2026-01-15", "2026-02-03", "2026-02-05"], 32_000_000),
        // On time except the district check, one day late → 32万.
        ("91320102MA1Y000348", ["2025-12-20", "2026-01-21", "2026-01-25", "2026-01-26"], 32_000_000),
    ] {
        let e = enrolled(&t, "nanjing-2024", uscc, "320102", "C3484", "智能制造装备").await;
        let id = project(&t, "nanjing-2024", e, "320102", 80_000_000, 0, 0).await;
        accepted(&t, id, e.0, "320102", 3, 80_000_000, dates).await;
        let (s, v) = compute(&t, &city, id, "after_acceptance").await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["subsidy"]["amount_fen"], expect, "{dates:?}: {v}");
        let rule = v["trace"].as_array().unwrap().iter().find(|l| l["label"] == "适用规则").unwrap().clone();
        let note = rule["note"].as_str().unwrap();
        if expect == 40_000_000 {
            assert!(note.contains("适用第一批比例 50%"), "{note}");
        } else {
            assert!(note.contains("第一批条件未满足") && note.contains("退坡后适用比例 40%"), "{note}");
        }
    }
    reconciled(&t, &city).await;
}

/// The cap holds per enterprise across its projects: two Nanjing projects of one enterprise, each
/// owed 32万 under the 40万 cap, computed in parallel, get 40万 together; the 四级 bonus once.
async fn cap_per_enterprise_across_projects(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    let late = ["2026-02-01", "2026-02-10", "2026-02-12", "2026-02-15"];
    let e = enrolled(&t, "nanjing-2024", "91320102MA1Y00018J", "320102", "C3484", "智能制造装备").await;
    let a = project(&t, "nanjing-2024", e, "320102", 80_000_000, 0, 0).await;
    let b = project(&t, "nanjing-2024", e, "320102", 80_000_000, 0, 0).await;
    for id in [a, b] {
        accepted(&t, id, e.0, "320102", 3, 80_000_000, late).await;
    }
    let (ra, rb) = tokio::join!(compute(&t, &city, a, "after_acceptance"), compute(&t, &city, b, "after_acceptance"));
    assert_eq!((ra.0, rb.0), (201, 201), "{ra:?} {rb:?}");
    let mut amounts =
        [ra.1["subsidy"]["amount_fen"].as_i64().unwrap(), rb.1["subsidy"]["amount_fen"].as_i64().unwrap()];
    amounts.sort_unstable();
    assert_eq!(amounts, [8_000_000, 32_000_000], "40万 per enterprise, not per project");
    let second = if ra.1["subsidy"]["amount_fen"] == 8_000_000 { &ra.1 } else { &rb.1 };
    assert!(second["trace"].to_string().contains("本企业其他项目已核定 320,000.00 元"), "{second}");

    // 四级 on a third and a fourth project: the bonus once, and nothing left under the cap.
    let c = project(&t, "nanjing-2024", e, "320102", 80_000_000, 0, 0).await;
    accepted(&t, c, e.0, "320102", 4, 80_000_000, late).await;
    let (s, v) = compute(&t, &city, c, "after_acceptance").await;
    assert_eq!((s, &v["subsidy"]["amount_fen"]), (201, &json!(20_000_000)), "{v}");
    let d = project(&t, "nanjing-2024", e, "320102", 80_000_000, 0, 0).await;
    accepted(&t, d, e.0, "320102", 4, 80_000_000, late).await;
    let (s, v) = compute(&t, &city, d, "after_acceptance").await;
    assert_eq!(s, 422, "nothing more for this enterprise: {v}");
    reconciled(&t, &city).await;
}

/// The base is what the enterprise and the government pay: a 10万 provider discount inside a
/// 60万 contract is not investment, so the audit's 60万 is cut to the contract's net 50万 and
/// Longyan at 三级 gives 50% of it, 25万.
async fn provider_discount_is_not_in_the_base(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = officer_token(&t, "longyan-officer", "350800").await;
    allocate(&t, &city, "longyan-2024", "1000000").await;
    let e = enrolled(&t, "longyan-2024", "91350802MA2Y3K416A", "350802", "C3412", "机械装备").await;
    let id = project(&t, "longyan-2024", e, "350802", 60_000_000, 10_000_000, 10_000_000).await;
    accepted(&t, id, e.0, "350802", 3, 60_000_000, ["2026-03-01", "2026-03-10", "2026-03-12", "2026-03-15"]).await;
    let (s, v) = compute(&t, &city, id, "after_acceptance").await;
    assert_eq!(s, 201, "{v}");
    // 60万 less the 10万 discount = 50万; 50% = 25万 (三级 cap 35万).
    assert_eq!(v["subsidy"]["amount_fen"], 25_000_000, "{v}");
    let first = &v["trace"][0];
    assert_eq!((first["label"].as_str(), first["amount"].as_i64()), (Some("扣除服务商让利"), Some(50_000_000)), "{v}");
}

/// The on-site assessment behind acceptance: on the 2024 instrument, made after completion.
async fn onsite_assessment_must_be_2024_and_after_completion(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    let e = enrolled(&t, "nanjing-2024", "91320102MA1Y00018J", "320102", "C3484", "智能制造装备").await;
    let id = project(&t, "nanjing-2024", e, "320102", 80_000_000, 0, 0).await;
    accepted(&t, id, e.0, "320102", 3, 80_000_000, ["2026-02-01", "2026-02-10", "2026-02-12", "2026-02-15"]).await;
    let c = t.db();
    // Behind the acceptance: an assessment on the 2022 instrument (typed-in dimension scores).
    let old = assessment(&t, e.0, "generic-2022", 4, noon("2026-02-12")).await;
    c.execute(
        "UPDATE acceptances SET onsite_assessment_id = $1 WHERE project_id = $2",
        vec![Arg::from(old), Arg::from(id)],
    )
    .await
    .unwrap();
    let (s, v) = compute(&t, &city, id, "after_acceptance").await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("2024年版"), "{v}");
    // One made before the project was completed.
    let early = assessment(&t, e.0, "mfg-2024", 4, noon("2026-01-20")).await;
    c.execute(
        "UPDATE acceptances SET onsite_assessment_id = $1 WHERE project_id = $2",
        vec![Arg::from(early), Arg::from(id)],
    )
    .await
    .unwrap();
    let (s, v) = compute(&t, &city, id, "after_acceptance").await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("完成之后"), "{v}");
    // English for an English caller.
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{id}/subsidies")))
        .bearer_auth(&city)
        .header("accept-language", "en")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("after the project was completed"));
    let n = c.scalar("SELECT COUNT(*) FROM subsidies WHERE project_id = $1", vec![Arg::from(id)]).await.unwrap();
    assert_eq!(n, 0, "nothing reserved");
}

/// The organisation code inside a credit code (GB 11714, positions 9–17): a code that passes
/// GB 32100 but fails it is refused without a reason, registered with an authority's reason, and
/// the reason is in the audit record.
async fn organisation_code_check_is_a_warning_an_authority_overrides(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = token(&t, "demo-officer").await;
    let code = "91320102MA9Q00011Y"; // 32100 check character right, organisation check character should be 5
    let body = json!({"uscc": code, "name": "玄武组织代码测试有限公司", "industry": "C3412"});
    let (s, v) = post(&t, &city, "/api/v1/enterprises", body.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("GB 11714") && v.to_string().contains("应为5，实际为1"), "{v}");
    let n = t.db().scalar("SELECT COUNT(*) FROM enterprises WHERE uscc = $1", vec![Arg::from(code)]).await.unwrap();
    assert_eq!(n, 0, "the refusal writes nothing");
    let mut with_reason = body;
    with_reason["legacy_reason"] = json!("2015年换证前的组织机构代码，经窗口核验营业执照原件");
    let (s, v) = post(&t, &city, "/api/v1/enterprises", with_reason).await;
    assert_eq!(s, 201, "{v}");
    let audited = t
        .db()
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'enterprise.create' AND detail LIKE '%经窗口核验%'",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[test]
fn uscc_check_warns_on_the_organisation_code() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dengta"))
        .args(["uscc", "check", "91350100M000100Y43", "91320102MA9Q00011Y"])
        .output()
        .unwrap();
    assert!(out.status.success(), "a warning is not a refusal");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("91350100M000100Y43\t有效\t"), "{text}");
    assert!(lines[1].starts_with("91320102MA9Q00011Y\t有效（警告）") && lines[1].contains("应为5，实际为1"), "{text}");
}

on_both_stores!(
    longyan_first_instalment_on_the_down_payment,
    parallel_computations_reserve_once,
    nanjing_terms_by_the_dated_steps,
    cap_per_enterprise_across_projects,
    provider_discount_is_not_in_the_base,
    onsite_assessment_must_be_2024_and_after_completion,
    organisation_code_check_is_a_warning_an_authority_overrides,
);
