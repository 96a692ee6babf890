//! Chain and cluster projects (链式 / 面状, issue #19) through the JSON API on both stores: a lead
//! opens a chain, SMEs of the same programme join in parallel (each gets its own project, a line of
//! the frame), the lead submits and the city approves; the SMEs are accepted one by one; each SME's
//! award is split with the lead as the programme says — to the fen, against a twin project outside
//! any chain —, and the lead's share is granted once the whole cohort is decided.

use serde_json::{Value, json};

use crate::money_rules::{accepted, allocate, compute, enrolled, project, provider, reconciled, sign_and_file};
use crate::support::{Store, TestApp, get, officer_token, post, token};
use dengta::db::{self, Arg};

const PROGRAMME: &str = "nanjing-2024";
const REGION: &str = "320102";
const DAYS: [&str; 4] = ["2025-12-01", "2025-12-10", "2025-12-12", "2025-12-15"];

/// An enterprise user of `enterprise`, and an API token for it.
async fn enterprise_token(t: &TestApp, name: &str, enterprise: i64) -> String {
    let hash = dengta::app::accounts::hash_password("Enterprise#2026").await.expect("hash");
    db::users::insert(
        &mut t.db(),
        &db::users::NewUser {
            username: name,
            display_name: name,
            password_hash: &hash,
            role: "enterprise",
            region_code: REGION,
            enterprise_id: Some(enterprise),
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .expect("enterprise user");
    token(t, name).await
}

/// Whether the caller's workbench lists the record in the queue.
async fn todo(t: &TestApp, tok: &str, queue: &str, id: i64) -> bool {
    let (s, v) = get(t, tok, "/api/v1/workbench").await;
    assert_eq!(s, 200, "{v}");
    v["todos"].as_array().expect("todos").iter().any(|x| x["queue"] == queue && x["id"] == id)
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    t.db().scalar(sql, vec![]).await.expect("count")
}

async fn step(t: &TestApp, tok: &str, chain: i64, action: &str, reason: &str) -> (u16, Value) {
    post(t, tok, &format!("/api/v1/chains/{chain}/transitions"), json!({"action": action, "reason": reason})).await
}

struct Sme {
    enterprise: i64,
    enrolment: i64,
    token: String,
}

async fn sme(t: &TestApp, uscc: &str, name: &str) -> Sme {
    let (enterprise, enrolment) = enrolled(t, PROGRAMME, uscc, REGION, "C3670", "汽车零部件").await;
    let token = enterprise_token(t, name, enterprise).await;
    Sme { enterprise, enrolment, token }
}

async fn chain_from_application_to_a_split_subsidy(store: Store) {
    let t = TestApp::spawn(store).await;
    let city = officer_token(&t, "nj-city", "320100").await;
    let elsewhere = officer_token(&t, "wx-city", "320200").await;
    allocate(&t, &city, PROGRAMME, "5000000").await;
    let provider = provider(&t).await;
    let lead = sme(&t, "91320102MA1Z0C0L01", "lead").await;
    let smes = [
        sme(&t, "91320102MA1Z0C0S01", "s1").await,
        sme(&t, "91320102MA1Z0C0S02", "s2").await,
        sme(&t, "91320102MA1Z0C0S03", "s3").await,
        sme(&t, "91320102MA1Z0C0S04", "s4").await,
        sme(&t, "91320102MA1Z0C0S05", "s5").await,
    ];

    // Bad input changes nothing: a cluster without its park, an unknown kind, someone else's listing.
    let before = count(&t, "SELECT COUNT(*) FROM chains").await;
    let base = json!({"enrolment_id": lead.enrolment, "provider_id": provider, "kind": "cluster", "name": "园区改造"});
    let (s, v) = post(&t, &lead.token, "/api/v1/chains", base.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("园区"), "the message names what is missing: {v}");
    let (s, _) = post(
        &t,
        &lead.token,
        "/api/v1/chains",
        json!({"enrolment_id": lead.enrolment, "provider_id": provider, "kind": "ring", "name": "x"}),
    )
    .await;
    assert!((400..500).contains(&s));
    let stolen =
        json!({"enrolment_id": smes[0].enrolment, "provider_id": provider, "kind": "supply_chain", "name": "x"});
    let (s, _) = post(&t, &lead.token, "/api/v1/chains", stolen).await;
    assert_eq!(s, 404, "another enterprise's listing is not found");
    let (s, _) = post(&t, &city, "/api/v1/chains", base).await;
    assert_eq!(s, 403, "an officer does not open chains");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM chains").await, before, "nothing was created");

    let body = json!({"enrolment_id": lead.enrolment, "provider_id": provider, "kind": "supply_chain",
                      "name": "新能源汽车零部件链式改造", "target_members": 5, "target_l2_pct": 75});
    let (s, v) = post(&t, &lead.token, "/api/v1/chains", body).await;
    assert_eq!(s, 201, "{v}");
    let chain = v["id"].as_i64().expect("id");
    let (_, f) = get(&t, &lead.token, &format!("/api/v1/chains/{chain}")).await;
    let lead_project = f["chain"]["lead_project_id"].as_i64().expect("the lead's frame project");
    assert_eq!(f["chain"]["status"], "forming");
    assert_eq!(f["min_members"], 3);

    // Too few to submit.
    let (s, v) = step(&t, &lead.token, chain, "submit", "").await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("至少 3 家"), "{v}");

    // Four SMEs join at once: four lines, numbered 1..4, each with its own project.
    let path = format!("/api/v1/chains/{chain}/members");
    let body = |m: &Sme| json!({"enrolment_id": m.enrolment});
    let (a1, a2, a3, a4) = tokio::join!(
        post(&t, &smes[0].token, &path, body(&smes[0])),
        post(&t, &smes[1].token, &path, body(&smes[1])),
        post(&t, &smes[2].token, &path, body(&smes[2])),
        post(&t, &smes[3].token, &path, body(&smes[3])),
    );
    let answers = [a1, a2, a3, a4];
    let mut lines: Vec<i64> = answers
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, 201, "{v}");
            v["line_no"].as_i64().expect("line")
        })
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, [1, 2, 3, 4]);
    let projects: Vec<i64> = answers.iter().map(|(_, v)| v["project_id"].as_i64().expect("project")).collect();
    // The fifth SME joins twice at once: one line.
    let j = json!({"enrolment_id": smes[4].enrolment});
    let (a, b) = tokio::join!(post(&t, &smes[4].token, &path, j.clone()), post(&t, &smes[4].token, &path, j.clone()));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    let fifth = if a.0 == 201 { &a.1 } else { &b.1 };
    let fifth_project = fifth["project_id"].as_i64().expect("project");
    assert_eq!(count(&t, &format!("SELECT COUNT(*) FROM chain_members WHERE chain_id = {chain}")).await, 5);
    // The lead cannot be its own participant; a member cannot take the lead's steps.
    let (s, _) = post(&t, &lead.token, &path, json!({"enrolment_id": lead.enrolment})).await;
    assert_eq!(s, 422);
    let (s, _) = step(&t, &smes[0].token, chain, "submit", "").await;
    assert_eq!(s, 404, "a participant is not the lead");
    // The officer cannot approve what is not submitted (409: the state does not allow it).
    let (s, v) = step(&t, &city, chain, "approve", "").await;
    assert_eq!(s, 409, "{v}");

    assert!(todo(&t, &lead.token, "chain.submit", chain).await, "the lead's workbench: submit the chain");
    assert!(!todo(&t, &smes[0].token, "chain.submit", chain).await, "not a participant's to-do");
    let (s, v) = step(&t, &lead.token, chain, "submit", "").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "applied");
    assert!(todo(&t, &city, "chain.approve", chain).await, "the city's workbench: decide the chain");
    assert!(!todo(&t, &lead.token, "chain.submit", chain).await);
    let late = sme(&t, "91320102MA1Z0C0S06", "s6").await;
    let (s, v) = post(&t, &late.token, &path, json!({"enrolment_id": late.enrolment})).await;
    assert_eq!(s, 409, "nobody joins a submitted chain: {v}");
    let (s, _) = step(&t, &elsewhere, chain, "approve", "").await;
    assert_eq!(s, 404, "another city's officer does not see it");
    let (s, _) = step(&t, &city, chain, "return", "").await;
    assert_eq!(s, 422, "a return needs a reason");
    let (s, v) = step(&t, &city, chain, "approve", "").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    assert!(!todo(&t, &city, "chain.approve", chain).await, "decided: off the workbench");

    // Each SME is accepted on its own; the fifth is rejected. A twin of the first, outside any
    // chain, shows what the rule gives without a split.
    let levels = [2, 3, 2, 4];
    let totals = [12_345_679, 33_333_333, 8_000_001, 60_000_007];
    for (k, (&id, m)) in projects.iter().zip(&smes[..4]).enumerate() {
        sign_and_file(&t, id, totals[k], 0, 0).await;
        accepted(&t, id, m.enterprise, REGION, levels[k], totals[k], DAYS).await;
    }
    let twin = enrolled(&t, PROGRAMME, "91320102MA1Z0C0T01", REGION, "C3670", "汽车零部件").await;
    let twin_project = project(&t, PROGRAMME, twin, REGION, totals[0], 0, 0).await;
    accepted(&t, twin_project, twin.0, REGION, levels[0], totals[0], DAYS).await;
    let (s, v) = compute(&t, &city, lead_project, "after_acceptance").await;
    assert_eq!(s, 422, "the fifth SME is not decided: {v}");
    assert!(v.to_string().contains("未作出验收决定"), "{v}");
    sign_and_file(&t, fifth_project, 5_000_000, 0, 0).await;
    accepted(&t, fifth_project, smes[4].enterprise, REGION, 1, 5_000_000, DAYS).await;
    t.db()
        .execute("UPDATE acceptances SET status = 'rejected' WHERE project_id = $1", vec![Arg::from(fifth_project)])
        .await
        .expect("reject");
    let (s, v) = compute(&t, &city, lead_project, "after_acceptance").await;
    assert_eq!(s, 422, "the accepted SMEs' awards are not computed yet: {v}");

    // The fourth SME shares its legal representative with the lead: a related party.
    for e in [lead.enterprise, smes[3].enterprise] {
        t.db()
            .execute("UPDATE enterprises SET legal_rep = '张伟' WHERE id = $1", vec![Arg::from(e)])
            .await
            .expect("legal rep");
    }
    let (s, v) = compute(&t, &city, twin_project, "after_acceptance").await;
    assert_eq!(s, 201, "{v}");
    let whole = v["subsidy"]["amount_fen"].as_i64().expect("amount");
    let mut sme_total = 0;
    let mut lead_total = 0;
    for (k, &id) in projects.iter().enumerate() {
        let (s, v) = compute(&t, &city, id, "after_acceptance").await;
        assert_eq!(s, 201, "{v}");
        let amount = v["subsidy"]["amount_fen"].as_i64().expect("amount");
        let held: i64 = t
            .db()
            .scalar("SELECT chain_lead_fen FROM subsidies WHERE project_id = $1", vec![Arg::from(id)])
            .await
            .expect("held");
        let award = v["subsidy"]["award_fen"].as_i64().expect("award");
        assert_eq!(amount + held, award, "line {k}: SME and lead add up to the award to the fen");
        assert_eq!(held, award * 1000 / 10_000, "line {k}: the lead's 10% rounded down");
        assert!(v["trace"].to_string().contains("牵引单位"), "the trace explains the split: {v}");
        if k == 0 {
            assert_eq!(award, whole, "the twin outside the chain is awarded the same");
            assert_eq!(amount, whole - whole / 10, "the SME keeps 90%");
        }
        sme_total += amount;
        lead_total += held;
    }
    let related = |id: i64| {
        let c = t.db();
        async move {
            c.scalar(
                "SELECT COUNT(*) FROM integrity_flags WHERE project_id = $1 AND kind = 'chain_related' AND status = 'open'",
                vec![Arg::from(id)],
            )
            .await
            .expect("flags")
        }
    };
    assert_eq!(related(projects[3]).await, 1, "the related SME is flagged");
    assert_eq!(related(projects[0]).await, 0, "an unrelated SME is not");
    let (s, v) = compute(&t, &city, lead_project, "after_acceptance").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["subsidy"]["amount_fen"], lead_total, "the lead gets the sum of its shares: {v}");
    for k in 0..4 {
        assert!(v["trace"].to_string().contains(&format!("第{}行", k + 1)), "each line is in the lead's trace: {v}");
    }
    let (s, _) = compute(&t, &city, lead_project, "after_acceptance").await;
    assert_eq!(s, 409, "granted once");

    let (s, f) = get(&t, &lead.token, &format!("/api/v1/chains/{chain}")).await;
    assert_eq!(s, 200, "{f}");
    let c = &f["cohort"];
    assert_eq!((c["members"].as_i64(), c["decided"].as_i64(), c["accepted"].as_i64()), (Some(5), Some(5), Some(4)));
    assert_eq!(c["accepted_l2"], 4);
    assert_eq!(c["share_l2_pct"], 80);
    assert_eq!(c["complete"], true);
    assert_eq!(c["sme_fen"], sme_total);
    assert_eq!(c["lead_share_fen"], lead_total);
    assert_eq!(c["lead_granted_fen"], lead_total);
    assert_eq!(c["frame_total_fen"], totals.iter().sum::<i64>() + 5_000_000, "the frame is the sum of its lines");
    // Who sees it: the participants and the provider do; another city's officer does not.
    let (s, _) = get(&t, &smes[4].token, &format!("/api/v1/chains/{chain}")).await;
    assert_eq!(s, 200);
    let (s, _) = get(&t, &elsewhere, &format!("/api/v1/chains/{chain}")).await;
    assert_eq!(s, 404);
    let (s, v) = get(&t, &city, "/api/v1/chains").await;
    assert_eq!(s, 200);
    assert!(v["items"].as_array().expect("items").iter().any(|r| r["id"] == chain), "{v}");
    // Open data: each SME's release points at the lead's frame, and the CSV names the chain.
    let pkg: Value = reqwest::get(t.url("/api/v1/open-data/ocds?limit=200")).await.unwrap().json().await.unwrap();
    let ocid = |id: i64| format!("ocds-dengta-{PROGRAMME}-{id}");
    let rel = pkg["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .find(|r| r["ocid"] == ocid(projects[0]))
        .expect("published");
    assert_eq!(rel["relatedProcesses"][0]["identifier"], ocid(lead_project), "{rel}");
    assert_eq!(rel["relatedProcesses"][0]["relationship"], json!(["framework"]));
    assert_eq!(rel["x_dengta"]["chain"]["role"], "member");
    let csv = reqwest::get(t.url("/api/v1/open-data/projects.csv")).await.unwrap().text().await.unwrap();
    let line = csv.lines().find(|l| l.starts_with(&ocid(projects[1]))).expect("csv row");
    assert!(line.contains("新能源汽车零部件链式改造,参与"), "{line}");
    reconciled(&t, &city).await;
}

on_both_stores!(chain_from_application_to_a_split_subsidy);
