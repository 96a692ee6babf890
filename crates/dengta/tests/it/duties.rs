//! Separation of duties (data/rules/duties.toml) through the public surface, like the access
//! matrix: for every rule the same person is refused, naming the rule, and a different eligible
//! person succeeds — on both stores, with concurrent attempts where two people race for one step.
//! Administrator-class accounts: the system administrator cannot create an audit or security
//! administrator alone, the security administrator cannot reset another administrator's password
//! alone; the two-person request works and is audited.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, fixture, get, officer_token, post, token};
use dengta::app::{Actor, accounts};
use dengta::db::{self, Arg};
use dengta_domain::duties::{Duties, Step};

const DAY: i64 = 86_400_000;

/// Asserts a 422 naming the duty rule.
fn refused(s: u16, v: &Value, rule: &str) {
    assert_eq!(s, 422, "expected a duty refusal ({rule}): {v}");
    assert_eq!(v["code"], "error.duty", "{v}");
    assert!(v["detail"].as_str().unwrap_or("").contains(rule), "the refusal names rule {rule}: {v}");
}

fn rules() -> Duties {
    Duties::builtin().unwrap()
}

// ───────────────────────────── enrolment: two review tiers ─────────────────────────────

/// An enterprise registered directly under 南京市 (320100): a city officer holds both the district
/// and the city part, so only the duty rule keeps the two tiers apart.
async fn city_level_enrolment(t: &TestApp) -> i64 {
    let mut c = t.db();
    let eid = db::enterprises::insert(
        &mut c,
        &db::enterprises::NewEnterprise {
            uscc: "91320100MA1X2YDE0K",
            name: "南京市直属智造有限公司",
            region_code: "320100",
            industry_code: "C3484",
            legal_rep: None,
            contact_phone: None,
            is_demo: true,
        },
    )
    .await
    .unwrap();
    c.scalar(
        "INSERT INTO enrolments (programme_id, programme_version, enterprise_id, region_code, status, \
         eligibility_json, eligible, applied_by, created_at) \
         VALUES ('nanjing-2024', 1, $1, '320100', 'applied', '[]', TRUE, 'test', $2) RETURNING id",
        vec![Arg::from(eid), Arg::from(db::now_ms())],
    )
    .await
    .unwrap()
}

async fn enrolment_tiers(store: Store) {
    let t = TestApp::spawn(store).await;
    fixture(&t.db()).await;
    let a = token(&t, "demo-officer").await;
    let b = token(&t, "demo-approver").await;
    let id = city_level_enrolment(&t).await;
    let path = format!("/api/v1/enrolments/{id}/transitions");
    let (s, v) = post(&t, &a, &path, json!({"action": "district_approve"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(&t, &a, &path, json!({"action": "city_approve"})).await;
    refused(s, &v, "enrolment_tiers");
    assert!(v["detail"].as_str().unwrap().contains("区县初审与市级复审不得由同一人办理"), "{v}");
    let status: Vec<(String,)> =
        t.db().fetch_all("SELECT status FROM enrolments WHERE id = $1", vec![Arg::from(id)]).await.unwrap();
    assert_eq!(status[0].0, "district_approved", "a refused step changes nothing");
    let (c, _) = t.demo_login("demo-officer").await;
    let html = c.get(t.url(&format!("/enrolments/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("duty-note") && html.contains("区县初审与市级复审不得由同一人办理"), "the page says why");
    assert!(!html.contains("city_approve"), "no city-review button for the district reviewer");
    let (s, v) = post(&t, &b, &path, json!({"action": "city_approve"})).await;
    assert_eq!(s, 200, "a different city officer reviews: {v}");
}

// ───────────────────────────── acceptance: assessor vs decision ─────────────────────────────

async fn assessment(t: &TestApp, enterprise: i64, level: i64) -> i64 {
    let now = db::now_ms();
    t.db()
        .scalar(
            "INSERT INTO assessments (enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, \
             status, answers_json, level, created_by, created_at, updated_at, submitted_at) \
             VALUES ($1, 'mfg-2024', 1, 'test', 'onsite', 'submitted', '{}', $2, 'test', $3, $3, $3) RETURNING id",
            vec![Arg::from(enterprise), Arg::from(level), Arg::from(now)],
        )
        .await
        .unwrap()
}

/// A completed project of demo-enterprise with an acceptance in `status` (on-site level 3 on
/// record when `eligible_fen` is given); returns the project's id.
async fn project_with_acceptance(
    t: &TestApp,
    f: &crate::support::Fixture,
    title: &str,
    status: &str,
    eligible_fen: Option<i64>,
) -> i64 {
    let c = t.db();
    c.execute("UPDATE enrolments SET status = 'listed' WHERE id = $1", vec![Arg::from(f.own_enrolment)]).await.unwrap();
    let mut conn = t.db();
    let pid = db::projects::insert(
        &mut conn,
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
    let now = db::now_ms();
    c.execute(
        "UPDATE projects SET status = 'completed', filing_no = $1, filed_at = $2, completed_at = $3, \
         contract_total_fen = 20000000 WHERE id = $4",
        vec![Arg::from(format!("NJ-D-{pid}")), Arg::from(now - 100 * DAY), Arg::from(now - 10 * DAY), Arg::from(pid)],
    )
    .await
    .unwrap();
    let contract = json!({
        "sign_date": "2025-03-01",
        "parties": [{"uscc": "91320104MA1X2Y8F6T", "name": "金陵工业互联网服务有限公司", "role": "integrator", "amount": 20_000_000}],
        "lines": [{"category": "software", "description": "设备管理系统", "amount": 20_000_000}],
        "split": {"enterprise": 12_000_000, "provider_discount": 0, "government": 8_000_000},
        "criteria": [{"kind": "onsite_level_at_least", "level": 2}]
    });
    c.execute(
        "UPDATE project_docs SET contract_json = $1 WHERE project_id = $2",
        vec![Arg::from(contract.to_string()), Arg::from(pid)],
    )
    .await
    .unwrap();
    let onsite = match eligible_fen {
        Some(_) => Some(assessment(t, f.own_enterprise, 3).await),
        None => None,
    };
    c.execute(
        "INSERT INTO acceptances (project_id, enterprise_id, provider_id, region_code, status, declaration, \
         declared_by, declared_at, applied_at, finance_eligible_fen, onsite_assessment_id) \
         VALUES ($1, $2, $3, '320102', $4, 'test', 'test', $5, $5, $6, $7)",
        vec![
            Arg::from(pid),
            Arg::from(f.own_enterprise),
            Arg::from(f.own_provider),
            Arg::from(status),
            Arg::from(now - 30 * DAY),
            Arg::from(eligible_fen),
            Arg::from(onsite),
        ],
    )
    .await
    .unwrap();
    pid
}

async fn assessor_does_not_decide(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let a = token(&t, "demo-officer").await;
    let b = token(&t, "demo-approver").await;
    let pid = project_with_acceptance(&t, &f, "验收职责分离", "district_verified", None).await;
    let onsite = assessment(&t, f.own_enterprise, 3).await;
    let steps = format!("/api/v1/projects/{pid}/acceptance/transitions");
    let body = json!({"action": "assess", "onsite_assessment_id": onsite, "finance_eligible": "200000"});
    let (s, v) = post(&t, &a, &steps, body).await;
    assert_eq!(s, 200, "{v}");
    let decide = json!({"action": "accept", "reason": "经专家组复核"});
    let (s, v) = post(&t, &a, &steps, decide.clone()).await;
    refused(s, &v, "assess_decide");
    // The assessor and a different officer race to decide: only the different officer's counts.
    let (ra, rb) = tokio::join!(post(&t, &a, &steps, decide.clone()), post(&t, &b, &steps, decide.clone()));
    refused(ra.0, &ra.1, "assess_decide");
    assert_eq!(rb.0, 200, "{}", rb.1);
    let (_, v) = get(&t, &a, &format!("/api/v1/projects/{pid}/acceptance")).await;
    assert_eq!(v["state"], "accepted");
}

// ───────────────────────────── subsidy: compute, approve, pay; flags and objections ─────────────────────────────

async fn subsidy_three_people(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let c = t.db();
    let computer = token(&t, "demo-officer").await;
    let approver = token(&t, "demo-approver").await;
    let payer = token(&t, "demo-finance").await;
    let clearer = officer_token(&t, "nj-clearer", "320100").await;
    let dismisser = officer_token(&t, "nj-dismisser", "320100").await;
    let pid = project_with_acceptance(&t, &f, "补助职责分离", "accepted", Some(10_000_000)).await;

    let (s, v) = post(&t, &computer, &format!("/api/v1/projects/{pid}/subsidies"), json!({})).await;
    assert_eq!(s, 201, "{v}");
    let sid = v["subsidy"]["id"].as_i64().unwrap();
    let sp = format!("/api/v1/subsidies/{sid}/transitions");
    assert_eq!(post(&t, &computer, &sp, json!({"action": "publicise"})).await.0, 200);

    // An objection during 公示, dismissed by one officer; an integrity flag, cleared by another.
    let anon = t.client();
    let csrf = t.csrf(&anon).await;
    let o: Value = anon
        .post(t.url(&format!("/api/v1/public/subsidies/{sid}/objections")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "李四", "body": "请核实"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now = db::now_ms();
    c.execute("UPDATE subsidies SET publicity_ends_at = $1 WHERE id = $2", vec![Arg::from(now - 1), Arg::from(sid)])
        .await
        .unwrap();
    let dec = json!({"objection_id": o["id"], "uphold": false, "reason": "经核实不成立"});
    let (s, v) = post(&t, &dismisser, &format!("/api/v1/subsidies/{sid}/objection-decisions"), dec).await;
    assert_eq!(s, 200, "{v}");
    let flag = c
        .scalar(
            "INSERT INTO integrity_flags (project_id, region_code, kind, evidence, status, created_at) \
             VALUES ($1, '320102', 'reused_evidence', 'test', 'open', $2) RETURNING id",
            vec![Arg::from(pid), Arg::from(now)],
        )
        .await
        .unwrap();
    let clear = format!("/api/v1/projects/{pid}/integrity-flags/clear");
    let (s, v) = post(&t, &clearer, &clear, json!({"flag_id": flag, "reason": "交付记录齐全"})).await;
    assert_eq!(s, 200, "{v}");

    // Approval: not by whoever computed, cleared a flag or dismissed an objection.
    let approve = json!({"action": "approve"});
    let (s, v) = post(&t, &computer, &sp, approve.clone()).await;
    refused(s, &v, "compute_approve");
    assert!(v["detail"].as_str().unwrap().contains("审批人不得与核算人为同一人"), "{v}");
    let (s, v) = post(&t, &clearer, &sp, approve.clone()).await;
    refused(s, &v, "clear_approve");
    let (s, v) = post(&t, &dismisser, &sp, approve.clone()).await;
    refused(s, &v, "dismiss_approve");
    // The pages say why instead of offering the button.
    let page = |who: &'static str| {
        let t = &t;
        async move {
            let (c, _) = t.demo_login(who).await;
            c.get(t.url(&format!("/subsidies/{sid}"))).send().await.unwrap().text().await.unwrap()
        }
    };
    let html = page("demo-officer").await;
    assert!(html.contains("duty-note") && html.contains("审批人不得与核算人为同一人"), "the computer is told why");
    assert!(!html.contains(r#"data-action="approve""#), "no approve button for the computer");
    assert!(page("demo-approver").await.contains(r#"data-action="approve""#), "the approver has it");
    // The computer and the approver race: only the approver's approval lands.
    let (ra, rb) = tokio::join!(post(&t, &computer, &sp, approve.clone()), post(&t, &approver, &sp, approve.clone()));
    refused(ra.0, &ra.1, "compute_approve");
    assert_eq!(rb.0, 200, "{}", rb.1);
    // The approver may not clear a later flag of the project it approved money for.
    let flag2 = c
        .scalar(
            "INSERT INTO integrity_flags (project_id, region_code, kind, evidence, status, created_at) \
             VALUES ($1, '320102', 'double_funding', 'test', 'open', $2) RETURNING id",
            vec![Arg::from(pid), Arg::from(now)],
        )
        .await
        .unwrap();
    let (s, v) = post(&t, &approver, &clear, json!({"flag_id": flag2, "reason": "已核实"})).await;
    refused(s, &v, "clear_approve");
    let open = c
        .scalar("SELECT COUNT(*) FROM integrity_flags WHERE id = $1 AND status = 'open'", vec![Arg::from(flag2)])
        .await
        .unwrap();
    assert_eq!(open, 1, "a refused clearing changes nothing");

    // Payment: neither the computer nor the approver; the three race, only the payer's posts.
    let pay = format!("/api/v1/subsidies/{sid}/payments");
    let body = |k: &str| json!({"idempotency_key": k, "voucher": "PZ-D-1"});
    let (s, v) = post(&t, &computer, &pay, body("k-computer")).await;
    refused(s, &v, "compute_pay");
    let (s, v) = post(&t, &approver, &pay, body("k-approver")).await;
    refused(s, &v, "approve_pay");
    let (ra, rb, rc) = tokio::join!(
        post(&t, &computer, &pay, body("k-computer-2")),
        post(&t, &approver, &pay, body("k-approver-2")),
        post(&t, &payer, &pay, body("k-payer"))
    );
    refused(ra.0, &ra.1, "compute_pay");
    refused(rb.0, &rb.1, "approve_pay");
    assert_eq!(rc.0, 200, "{}", rc.1);
    let posted = c.scalar("SELECT COUNT(*) FROM payments WHERE subsidy_id = $1", vec![Arg::from(sid)]).await.unwrap();
    assert_eq!(posted, 1);
    // Every step is in the audit trail under its own person.
    let who = |action: &'static str| {
        let c = c.clone();
        async move {
            let rows: Vec<(String,)> = c
                .fetch_all(
                    "SELECT username FROM audit_log WHERE action = $1 AND object = $2 AND result = 'ok'",
                    vec![Arg::from(action), Arg::from(format!("subsidy:{sid}"))],
                )
                .await
                .unwrap();
            rows.into_iter().map(|(a,)| a).collect::<Vec<_>>()
        }
    };
    assert_eq!(who("subsidy.compute").await, vec!["demo-officer"]);
    assert_eq!(who("subsidy.approve").await, vec!["demo-approver"]);
    assert_eq!(who("subsidy.pay").await, vec!["demo-finance"]);
}

// ───────────────────────────── upward reports: key trust vs import ─────────────────────────────

async fn trust_and_import(store: Store) {
    let city_instance = TestApp::spawn(store).await;
    let province_instance = TestApp::spawn(store).await;
    let city = token(&city_instance, "demo-officer").await;
    let (_, pkg) = get(&city_instance, &city, "/api/v1/reports/export").await;
    let truster = officer_token(&province_instance, "js-truster", "320000").await;
    let importer = officer_token(&province_instance, "js-importer", "320000").await;
    let trust = json!({"region_code": "320100", "public_key": pkg["public_key"]});
    assert_eq!(post(&province_instance, &truster, "/api/v1/reports/keys", trust).await.0, 201);
    let imp = "/api/v1/reports/import";
    let (s, v) = post(&province_instance, &truster, imp, pkg.clone()).await;
    refused(s, &v, "trust_import");
    let n = province_instance.db().scalar("SELECT COUNT(*) FROM imported_reports", vec![]).await.unwrap();
    assert_eq!(n, 0, "a refused import stores nothing");
    let (s, v) = post(&province_instance, &importer, imp, pkg.clone()).await;
    assert_eq!(s, 201, "{v}");
    // And the importer may not go on to trust keys for the region it imports.
    let trust = json!({"region_code": "320100", "public_key": pkg["public_key"]});
    let (s, v) = post(&province_instance, &importer, "/api/v1/reports/keys", trust).await;
    refused(s, &v, "trust_import");
}

// ───────────────────────────── the store's guarantee under concurrency ─────────────────────────────

/// For every rule: one person attempting both sides at once, in two transactions, gets at most
/// one; two people get both.
async fn concurrent_sides_of_every_rule(store: Store) {
    let t = TestApp::spawn(store).await;
    let mut c = t.db();
    let u1 = db::users::by_username(&mut c, "demo-officer").await.unwrap().unwrap();
    let u2 = db::users::by_username(&mut c, "demo-approver").await.unwrap().unwrap();
    let a1 = Actor::user(&accounts::principal_of(&u1).unwrap(), "t1");
    let a2 = Actor::user(&accounts::principal_of(&u2).unwrap(), "t2");
    let attempt = |actor: Actor, step: Step, object: i64| {
        let db = t.db();
        async move {
            let mut tx = db.begin().await.unwrap();
            let objects = [
                ("enrolment", object),
                ("acceptance", object),
                ("subsidy", object),
                ("project", object),
                ("region", object),
            ];
            let r = dengta::app::duties::take(&mut tx, &actor, step, &objects).await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r.is_ok()
        }
    };
    for (i, r) in rules().separate.iter().enumerate() {
        let [x, y] = r.steps;
        let same = i64::try_from(1000 + i).unwrap();
        let (ok1, ok2) = tokio::join!(attempt(a1.clone(), x, same), attempt(a1.clone(), y, same));
        assert!(ok1 ^ ok2, "{}: exactly one side for one person ({ok1}, {ok2})", r.id);
        let other = same + 100;
        let (ok1, ok2) = tokio::join!(attempt(a1.clone(), x, other), attempt(a2.clone(), y, other));
        assert!(ok1 && ok2, "{}: two people take both sides", r.id);
    }
}

// ───────────────────────────── administrator accounts (三员分立) ─────────────────────────────

async fn admin_classes_need_two_people(store: Store) {
    let t = TestApp::spawn(store).await;
    let c = t.db();
    let sys = token(&t, "demo-sysadmin").await;
    let sec = token(&t, "demo-secadmin").await;
    let audit = token(&t, "demo-auditadmin").await;
    let new_user = |name: &str, role: &str| json!({"username": name, "role": role, "region": "320100", "password": "Strong#Pass1"});
    // The finding: the system administrator created an audit administrator and read the trail.
    for role in ["auditadmin", "secadmin", "sysadmin"] {
        let (s, v) = post(&t, &sys, "/api/v1/users", new_user(&format!("x-{role}"), role)).await;
        assert_eq!(s, 422, "{role}: {v}");
        assert_eq!(v["code"], "error.duty", "{v}");
        assert!(v["detail"].as_str().unwrap().contains("双人"), "{v}");
    }
    let (s, v) = post(&t, &sys, "/api/v1/users", new_user("x-officer", "officer")).await;
    assert_eq!(s, 201, "business accounts stay direct: {v}");
    let none = c.scalar("SELECT COUNT(*) FROM users WHERE username LIKE 'x-%admin'", vec![]).await.unwrap();
    assert_eq!(none, 0);

    // The finding: the security administrator reset the audit administrator's password and saw it.
    let auditor_id = c.scalar("SELECT id FROM users WHERE username = 'demo-auditadmin'", vec![]).await.unwrap();
    let sysadmin_id = c.scalar("SELECT id FROM users WHERE username = 'demo-sysadmin'", vec![]).await.unwrap();
    let officer_id = c.scalar("SELECT id FROM users WHERE username = 'x-officer'", vec![]).await.unwrap();
    let (secc, sec_csrf) = t.demo_login("demo-secadmin").await;
    for target in [auditor_id, sysadmin_id] {
        let res = secc
            .post(t.url(&format!("/admin/users/{target}/reset-password")))
            .form(&[("_csrf", sec_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(!page.contains("new-password"), "no password shown");
    }
    let page = secc.get(t.url(&format!("/admin/users/{auditor_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("duty-note") && !page.contains("/reset-password"), "the page says why, no button");
    let res = secc
        .post(t.url(&format!("/admin/users/{officer_id}/reset-password")))
        .form(&[("_csrf", sec_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("new-password"), "business accounts: direct reset");
    // The system administrator may not disable the audit administrator alone either.
    let (sysc, sys_csrf) = t.demo_login("demo-sysadmin").await;
    let res = sysc
        .post(t.url(&format!("/admin/users/{auditor_id}/disable")))
        .form(&[("_csrf", sys_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    // Two-person: the system administrator requests an audit administrator; it cannot approve
    // its own request, the audit administrator may not approve at all, the security administrator does.
    let req = json!({"action": "create", "username": "audit-two", "display_name": "审计二", "role": "auditadmin",
                     "region": "320100", "reason": "审计岗位轮换"});
    assert_eq!(post(&t, &audit, "/api/v1/account-requests", req.clone()).await.0, 403);
    let (s, v) = post(&t, &sec, "/api/v1/account-requests", req.clone()).await;
    assert_eq!(s, 403, "the security administrator never creates accounts: {v}");
    let (s, v) = post(&t, &sys, "/api/v1/account-requests", req.clone()).await;
    assert_eq!(s, 201, "{v}");
    let rid = v["id"].as_i64().unwrap();
    let decision = format!("/api/v1/account-requests/{rid}/decision");
    let (s, v) = post(&t, &sys, &decision, json!({"approve": true})).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("申请人不能批准自己的申请"), "{v}");
    assert_eq!(post(&t, &audit, &decision, json!({"approve": true})).await.0, 403);
    let (_, list) = get(&t, &sys, "/api/v1/account-requests").await;
    assert_eq!(list["items"][0]["may_decide"], false, "{list}");
    // Two approvals race: one carries it out, the other finds it decided.
    let (r1, r2) = tokio::join!(
        post(&t, &sec, &decision, json!({"approve": true})),
        post(&t, &sec, &decision, json!({"approve": true}))
    );
    let mut codes = [r1.0, r2.0];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "{} {}", r1.1, r2.1);
    let won = if r1.0 == 200 { r1.1 } else { r2.1 };
    let pw = won["password"].as_str().unwrap().to_owned();
    let created = c.scalar("SELECT COUNT(*) FROM users WHERE username = 'audit-two'", vec![]).await.unwrap();
    assert_eq!(created, 1);
    let (auditc, _) = t.login("audit-two", &pw).await;
    // The password the approver handed over is one-time: the holder must replace it first.
    let res = auditc.get(t.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["code"], "error.must_change_password", "{p}");

    // A reset of an administrator's password: requested by the security administrator, approved
    // by the system administrator, who alone sees the password.
    let req = json!({"action": "reset_password", "target_user_id": auditor_id, "reason": "口令遗失"});
    let (s, v) = post(&t, &sec, "/api/v1/account-requests", req).await;
    assert_eq!(s, 201, "{v}");
    let rid = v["id"].as_i64().unwrap();
    let decision = format!("/api/v1/account-requests/{rid}/decision");
    assert_eq!(post(&t, &sec, &decision, json!({"approve": true})).await.0, 422);
    let (s, v) = post(&t, &sys, &decision, json!({"approve": true})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["password"].is_string());
    let old = accounts::login(
        &t.app,
        &dengta::app::accounts::Attempt {
            username: "demo-auditadmin",
            password: "Demo@2026",
            client: "127.0.0.1",
            request_id: "t",
        },
    )
    .await;
    assert!(old.is_err(), "the old password no longer works");
    let new = v["password"].as_str().unwrap();
    assert!(
        accounts::login(
            &t.app,
            &dengta::app::accounts::Attempt {
                username: "demo-auditadmin",
                password: new,
                client: "127.0.0.1",
                request_id: "t"
            }
        )
        .await
        .is_ok()
    );
    // A direct action needs no request.
    let req = json!({"action": "reset_password", "target_user_id": officer_id, "reason": "x"});
    assert_eq!(post(&t, &sec, "/api/v1/account-requests", req).await.0, 422);

    // Everything is in the audit trail, request and approval by their own people.
    let audit = token(&t, "demo-auditadmin").await; // the reset revoked its earlier tokens
    let (_, v) = get(&t, &audit, "/api/v1/audit?action=account_request.approve").await;
    let text = v.to_string();
    assert!(text.contains("demo-secadmin") && text.contains("demo-sysadmin"), "{v}");
    for action in ["account_request.create", "account_request.approve", "user.create", "user.password_reset"] {
        let n = c.scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1", vec![Arg::from(action)]).await.unwrap();
        assert!(n >= 1, "{action} audited");
    }
}

on_both_stores!(
    enrolment_tiers,
    assessor_does_not_decide,
    subsidy_three_people,
    trust_and_import,
    concurrent_sides_of_every_rule,
    admin_classes_need_two_people
);
