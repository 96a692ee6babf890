//! Need to know (数据最小必要), through HTTP on both stores: for each audience — the enterprise
//! itself, an admitted provider, a provider that has only applied, an expert assigned and one not,
//! an officer in the region and one outside it — which of the sensitive values (the bank account,
//! the internal finance note, personal data, the reviewing experts' names) any GET route of the
//! table serves it, JSON, page or download alike. The sweep walks the route table, so a new route
//! cannot leak silently. Then the provider applicant's refusals, the cloud-record existence oracle,
//! the masked history and edit form, and an import that fails part-way.

use axum::http::Method;
use dengta::db::{self, Arg};
use dengta::web::routes::{self, Object, RouteDef};
use dengta_domain::role::Role;
use serde_json::{Value, json};

use crate::support::{Fixture, Store, TestApp, fixture, form_token};

/// The subsidy account of the demo's accepted project (acceptance and payment).
const BANK: &str = "6222020000000001";
const FINANCE_NOTE: &str = "内部财务意见：专项审计核减九万";
/// The enterprise's legal representative and its phones (old and new, both in its history).
const PERSONAL: [&str; 3] = ["欧阳明远", "13900001111", "13987654321"];
const EXPERT_NAME: &str = "甄审慎专家";
const SUBJECT_PASSWORD: &str = "Need#Know2026";
const APPLICANT_PASSWORD: &str = "Pool#Test2026x";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Subject,
    Provider,
    Applicant,
    ExpertAssigned,
    ExpertNotAssigned,
    OfficerIn,
    OfficerOut,
}

impl Who {
    const ALL: [Who; 7] = [
        Who::Subject,
        Who::Provider,
        Who::Applicant,
        Who::ExpertAssigned,
        Who::ExpertNotAssigned,
        Who::OfficerIn,
        Who::OfficerOut,
    ];

    fn role(self) -> Role {
        match self {
            Who::Subject => Role::Enterprise,
            Who::Provider | Who::Applicant => Role::Provider,
            Who::ExpertAssigned | Who::ExpertNotAssigned => Role::Expert,
            Who::OfficerIn | Who::OfficerOut => Role::Officer,
        }
    }

    /// What this audience may ever be served, wherever: (bank account, finance note, expert name).
    /// Personal data is served to nobody unless revealed on request, which the sweep never asks.
    fn may_see(self) -> (bool, bool, bool) {
        match self {
            Who::Subject => (true, false, false),
            Who::OfficerIn => (true, true, true),
            // Its own name, on every page it sees.
            Who::ExpertAssigned => (false, false, true),
            Who::OfficerOut => (false, false, true),
            Who::Provider | Who::Applicant | Who::ExpertNotAssigned => (false, false, false),
        }
    }
}

/// The records the sensitive values belong to.
struct Scene {
    /// The demo's accepted project of 秦淮 (acceptance with bank account, paid subsidy).
    project: i64,
    subsidy: i64,
    enterprise: i64,
    /// demo-provider, the project's provider, under a review with demo-expert assigned.
    provider: i64,
    applicant: i64,
    f: Fixture,
}

async fn one(t: &TestApp, sql: &str, args: Vec<Arg>) -> i64 {
    t.db().scalar(sql, args).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn exec(t: &TestApp, sql: &str, args: Vec<Arg>) {
    t.db().execute(sql, args).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Applies to the provider pool through the public API (the account it creates).
async fn apply_as_provider(t: &TestApp, username: &str, uscc17: &str) -> (u16, Value) {
    let uscc = dengta_domain::enterprise::Uscc::with_check_char(uscc17).unwrap().to_string();
    let sub = one(t, "SELECT id FROM sub_industries WHERE name = $1", vec![Arg::from("智能装备")]).await;
    let c = t.client();
    let csrf = t.csrf(&c).await;
    let res = c
        .post(t.url("/api/v1/provider-applications"))
        .header("x-csrf-token", csrf)
        .json(&json!({
            "username": username, "password": APPLICANT_PASSWORD, "uscc": uscc,
            "name": format!("{username} 数字科技有限公司"), "kind": "integrator", "sub_industries": [sub],
            "qualifications": "ISO 9001", "contact_phone": "13811112222", "bank_account": "6222029999999999"
        }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn scene(t: &TestApp) -> Scene {
    let f = fixture(&t.db()).await;
    let project = one(
        t,
        "SELECT project_id FROM acceptances WHERE status = 'accepted' AND bank_account = $1",
        vec![Arg::from(BANK)],
    )
    .await;
    let subsidy = one(t, "SELECT id FROM subsidies WHERE project_id = $1", vec![Arg::from(project)]).await;
    let enterprise = one(t, "SELECT enterprise_id FROM projects WHERE id = $1", vec![Arg::from(project)]).await;
    let provider = one(t, "SELECT provider_id FROM projects WHERE id = $1", vec![Arg::from(project)]).await;
    assert_eq!(provider, f.own_provider, "the demo's accepted project is demo-provider's");
    exec(
        t,
        "UPDATE acceptances SET finance_note = $1 WHERE project_id = $2",
        vec![Arg::from(FINANCE_NOTE), Arg::from(project)],
    )
    .await;
    exec(
        t,
        "UPDATE enterprises SET legal_rep = $1, contact_phone = $2 WHERE id = $3",
        vec![Arg::from(PERSONAL[0]), Arg::from(PERSONAL[1]), Arg::from(enterprise)],
    )
    .await;
    exec(t, "UPDATE users SET display_name = $1 WHERE username = 'demo-expert'", vec![Arg::from(EXPERT_NAME)]).await;
    // The enterprise's own account.
    let hash = dengta::app::accounts::hash_password(SUBJECT_PASSWORD).await.unwrap();
    db::users::insert(
        &mut t.db(),
        &db::users::NewUser {
            username: "qinhuai-enterprise",
            display_name: "秦淮企业用户",
            password_hash: &hash,
            role: "enterprise",
            region_code: "320104",
            enterprise_id: Some(enterprise),
            provider_id: None,
            is_demo: true,
        },
    )
    .await
    .unwrap();
    // A provider that has only applied, with the account its application created.
    let (s, v) = apply_as_provider(t, "ntk-applicant", "91320104MA1Y6Q7R9").await;
    assert_eq!(s, 201, "{v}");
    let applicant = v["id"].as_i64().unwrap();
    Scene { project, subsidy, enterprise, provider, applicant, f }
}

async fn client_of(t: &TestApp, who: Who) -> (reqwest::Client, String) {
    match who {
        Who::Subject => t.login("qinhuai-enterprise", SUBJECT_PASSWORD).await,
        Who::Provider => t.demo_login("demo-provider").await,
        Who::Applicant => t.login("ntk-applicant", APPLICANT_PASSWORD).await,
        Who::ExpertAssigned => t.demo_login("demo-expert").await,
        Who::ExpertNotAssigned => t.demo_login("demo-expert2").await,
        Who::OfficerIn => t.demo_login("demo-officer").await,
        // 玄武区: 秦淮 and its project lie outside.
        Who::OfficerOut => t.demo_login("demo-district").await,
    }
}

/// The id a route's `{id}` takes in the sweep: the records holding the sensitive values.
fn id_for(s: &Scene, who: Who, o: Object) -> i64 {
    match o {
        Object::Enterprise => s.enterprise,
        Object::Project => s.project,
        Object::Subsidy => s.subsidy,
        Object::Provider if who == Who::Applicant => s.applicant,
        Object::Provider => s.provider,
        Object::Sheet => s.f.own_sheet,
        Object::User => s.f.same_city_user,
        Object::Claim => s.f.own_claim,
        Object::Import => s.f.own_import,
        Object::Assessment => s.f.own_assessment,
        Object::Solution => s.f.published_solution,
        Object::Contact => s.f.own_contact,
        Object::Enrolment => s.f.own_enrolment,
        Object::Case => s.f.own_case,
        Object::Chain => s.f.own_chain,
        Object::Webhook => s.f.own_webhook,
        Object::Round => s.f.own_round,
    }
}

fn concrete(d: &RouteDef, id: i64) -> String {
    d.path.replace("{id}", &id.to_string()).replace("{file}", "app.css").replace("{code}", "zh-CN")
}

/// The text a response carries; a ZIP (the bundle, an .xlsx) is opened and every entry read.
async fn text_of(res: reqwest::Response) -> String {
    let bytes = res.bytes().await.unwrap();
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
        let mut all = String::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut s).unwrap();
            all.push_str(&String::from_utf8_lossy(&s));
        }
        return all;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn fetch(t: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let res = c.get(t.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, text_of(res).await)
}

/// Every GET route of the table, for every audience: no response carries a value the audience
/// may not see, and personal data is masked everywhere unless revealed.
async fn no_route_serves_what_its_audience_may_not_see(store: Store) {
    let t = TestApp::spawn(store).await;
    let s = scene(&t).await;
    // An officer changes the phone: the history now holds the old and the new one.
    let (officer, csrf) = client_of(&t, Who::OfficerIn).await;
    let form = officer.get(t.url(&format!("/enterprises/{}/edit", s.enterprise))).send().await.unwrap();
    let form = form.text().await.unwrap();
    assert!(!form.contains(PERSONAL[0]) && !form.contains(PERSONAL[1]), "the edit form masks personal data");
    assert!(form.contains("id=\"reveal-personal\""));
    let fields = form_fields(&form);
    let mut post: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "_csrf").collect();
    post.retain(|(k, _)| k != "contact_phone");
    post.push(("contact_phone".into(), PERSONAL[2].into()));
    post.push(("_csrf".into(), csrf.clone()));
    let res = officer.post(t.url(&format!("/enterprises/{}/edit", s.enterprise))).form(&post).send().await.unwrap();
    assert_eq!(res.status(), 303, "the edit is saved");
    let (rep, phone): (Option<String>, Option<String>) = t
        .db()
        .fetch_one("SELECT legal_rep, contact_phone FROM enterprises WHERE id = $1", vec![Arg::from(s.enterprise)])
        .await
        .unwrap();
    assert_eq!(rep.as_deref(), Some(PERSONAL[0]), "a masked value sent back keeps the stored one");
    assert_eq!(phone.as_deref(), Some(PERSONAL[2]));

    let defs: Vec<RouteDef> = routes::defs().into_iter().filter(|d| d.method == Method::GET).collect();
    let mut checked = 0;
    for who in Who::ALL {
        let (c, _) = client_of(&t, who).await;
        let (bank_ok, note_ok, expert_ok) = who.may_see();
        for d in defs.iter().filter(|d| d.access.allows(Some(who.role())) || d.access == routes::Access::Public) {
            let path = match d.object {
                Some(o) => concrete(d, id_for(&s, who, o)),
                None => concrete(d, 0),
            };
            let (status, body) = fetch(&t, &c, &path).await;
            let at = format!("{who:?} GET {path} ({status})");
            if !bank_ok {
                assert!(!body.contains(BANK), "{at} serves the bank account");
            }
            if !note_ok {
                assert!(!body.contains(FINANCE_NOTE), "{at} serves the finance note");
            }
            if !expert_ok {
                assert!(!body.contains(EXPERT_NAME), "{at} names the reviewing expert");
            }
            for p in PERSONAL {
                assert!(!body.contains(p), "{at} serves personal data {p} unmasked");
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} responses swept");

    // What each audience does need, it gets.
    let acc = format!("/api/v1/projects/{}/acceptance", s.project);
    let expect = [
        (Who::Subject, 200, true, false),
        (Who::OfficerIn, 200, true, true),
        (Who::Provider, 200, false, false),
        // Experts are assigned no acceptance: the route is not theirs.
        (Who::ExpertAssigned, 403, false, false),
        (Who::OfficerOut, 404, false, false),
        (Who::Applicant, 403, false, false),
    ];
    for (who, status, bank, note) in expect {
        let (c, _) = client_of(&t, who).await;
        let (got, body) = fetch(&t, &c, &acc).await;
        assert_eq!(got, status, "{who:?} {acc}: {body}");
        assert_eq!(body.contains(BANK), bank, "{who:?} bank account on {acc}");
        assert_eq!(body.contains(FINANCE_NOTE), note, "{who:?} finance note on {acc}");
    }
    // An expert reviews the project's diagnosis; its page shows no acceptance section.
    let (expert, _) = client_of(&t, Who::ExpertAssigned).await;
    let (status, body) = fetch(&t, &expert, &format!("/projects/{}", s.project)).await;
    assert_eq!(status, 200);
    assert!(!body.contains("id=\"acceptance\"") && !body.contains("id=\"checklist\""));
    let (_, body) = fetch(&t, &officer, &format!("/projects/{}", s.project)).await;
    assert!(body.contains("id=\"acceptance\""));
    // The 一企一档 bundle: the enterprise's has its bank account, not the authority's note.
    let (subject, _) = client_of(&t, Who::Subject).await;
    let (status, body) = fetch(&t, &subject, &format!("/projects/{}/bundle", s.project)).await;
    assert_eq!(status, 200);
    assert!(body.contains(BANK) && !body.contains(FINANCE_NOTE));
    // Officers see who reviewed the provider; the provider sees the review without names.
    let (_, body) = fetch(&t, &officer, &format!("/providers/{}", s.provider)).await;
    assert!(body.contains(EXPERT_NAME));
    let (provider, _) = client_of(&t, Who::Provider).await;
    let (status, body) = fetch(&t, &provider, &format!("/providers/{}", s.provider)).await;
    assert_eq!(status, 200);
    assert!(!body.contains(EXPERT_NAME) && body.contains("data-review=\"evaluation\""));
    let (_, v) = fetch(&t, &provider, &format!("/api/v1/providers/{}", s.provider)).await;
    assert!(!v.contains(EXPERT_NAME) && v.contains("\"reviews\""));
    // Sheets: only the assigned expert.
    let sheet = format!("/reviews/{}", s.f.own_sheet);
    let (assigned, _) = client_of(&t, Who::ExpertAssigned).await;
    assert_eq!(fetch(&t, &assigned, &sheet).await.0, 200);
    let (other, _) = client_of(&t, Who::ExpertNotAssigned).await;
    assert_eq!(fetch(&t, &other, &sheet).await.0, 404);

    // Revealing is an explicit, audited request: the history then shows the numbers.
    let before = audits(&t, "enterprise.read_personal").await;
    let (status, body) = fetch(&t, &officer, &format!("/enterprises/{}?personal=1", s.enterprise)).await;
    assert_eq!(status, 200);
    assert!(body.contains(PERSONAL[1]) && body.contains(PERSONAL[2]), "history unmasked on request");
    let (_, body) = fetch(&t, &officer, &format!("/enterprises/{}/edit?personal=1", s.enterprise)).await;
    assert!(body.contains(PERSONAL[0]) && body.contains(PERSONAL[2]), "edit form unmasked on request");
    assert_eq!(audits(&t, "enterprise.read_personal").await, before + 2);
}

async fn audits(t: &TestApp, action: &str) -> i64 {
    one(t, "SELECT COUNT(*) FROM audit_log WHERE action = $1", vec![Arg::from(action)]).await
}

/// The (name, value) pairs of the inputs of the first form with a CSRF field.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_owned())
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = rest.split('>').next()?;
            if tag.contains("type=\"checkbox\"") && !tag.contains("checked") {
                return None;
            }
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}

/// A provider that has only applied follows its application and does nothing else, and its
/// refusals read the same whatever a request names.
async fn a_provider_that_only_applied_follows_its_application_and_nothing_else(store: Store) {
    let t = TestApp::spawn(store).await;
    let s = scene(&t).await;
    let (c, csrf) = client_of(&t, Who::Applicant).await;
    // It follows its application.
    let (status, body) = fetch(&t, &c, &format!("/providers/{}", s.applicant)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("data-status=\"applied\""));
    let (status, _) = fetch(&t, &c, &format!("/api/v1/providers/{}", s.applicant)).await;
    assert_eq!(status, 200);
    let home = fetch(&t, &c, "/home").await.1;
    assert!(!home.contains("href=\"/my/solutions\"") && !home.contains("href=\"/contacts\""), "no such navigation");

    // Every other provider route is refused before it reads anything: the route table decides.
    let defs = routes::defs();
    let mut refused = 0;
    for d in defs.iter().filter(|d| d.access.allows(Some(Role::Provider)) && !d.open_to_applicants()) {
        let path = concrete(d, id_for(&s, Who::Applicant, d.object.unwrap_or(Object::Project)));
        let req = if d.method == Method::GET {
            c.get(t.url(&path))
        } else if d.is_api() {
            c.request(d.method.clone(), t.url(&path)).header("x-csrf-token", &csrf).json(&json!({}))
        } else {
            c.request(d.method.clone(), t.url(&path)).form(&[("_csrf", csrf.as_str())])
        };
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "applicant {} {path}", d.method);
        refused += 1;
    }
    assert!(refused >= 20, "only {refused} provider routes checked");

    // The finding: it reported 上云 into an existing enterprise's file, and an unknown code was
    // answered differently. Now both are the same refusal and nothing is written.
    let records = one(&t, "SELECT COUNT(*) FROM cloud_records", vec![]).await;
    let item = |uscc: &str| json!([{"uscc": uscc, "provider_name": "阿里云", "service": "云ERP", "layer": "业务应用", "category": "管理上云", "started_on": "2025-01-05"}]);
    let tok = crate::support::token(&t, "ntk-applicant").await;
    let known = crate::support::post(&t, &tok, "/api/v1/cloud-records", item("91320102MA1X2Y3B1X")).await;
    let unknown = crate::support::post(
        &t,
        &tok,
        "/api/v1/cloud-records",
        item(&dengta_domain::enterprise::Uscc::with_check_char("91320102MA1Y9Q8W0").unwrap().to_string()),
    )
    .await;
    assert_eq!(known.0, 403, "{}", known.1);
    assert_eq!((known.0, &known.1["code"], &known.1["title"]), (unknown.0, &unknown.1["code"], &unknown.1["title"]));
    assert_eq!(known.1["code"], "error.provider_not_admitted");
    assert_eq!(one(&t, "SELECT COUNT(*) FROM cloud_records", vec![]).await, records, "nothing written");

    // Concurrently too: many tries at once change nothing.
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (url, tok, body) = (t.url("/api/v1/cloud-records"), tok.clone(), item("91320102MA1X2Y3B1X"));
        tries.spawn(async move { reqwest::Client::new().post(url).bearer_auth(tok).json(&body).send().await });
    }
    while let Some(res) = tries.join_next().await {
        assert_eq!(res.unwrap().unwrap().status(), 403);
    }
    assert_eq!(one(&t, "SELECT COUNT(*) FROM cloud_records", vec![]).await, records);

    // Once admitted, the same account may work.
    exec(&t, "UPDATE providers SET status = 'active' WHERE id = $1", vec![Arg::from(s.applicant)]).await;
    let (status, _) = fetch(&t, &c, "/my/solutions").await;
    assert_eq!(status, 200);
}

/// An admitted provider reports 上云 only for enterprises it serves; an unknown code and a code
/// of an enterprise it does not serve get the very same answer.
async fn cloud_reports_do_not_reveal_which_codes_exist(store: Store) {
    let t = TestApp::spawn(store).await;
    let _s = scene(&t).await;
    let tok = crate::support::token(&t, "demo-provider").await;
    let item = |uscc: String| json!({"uscc": uscc, "provider_name": "阿里云", "service": "云ERP", "layer": "业务应用", "category": "管理上云", "started_on": "2025-01-05"});
    let unknown = dengta_domain::enterprise::Uscc::with_check_char("91320102MA1Y9Q8W0").unwrap().to_string();
    let (status, v) = crate::support::post(
        &t,
        &tok,
        "/api/v1/cloud-records",
        json!([
            item(unknown),
            // 无锡: registered, not served by demo-provider.
            item("91320205MA1X2YBJ8Q".into()),
            // 秦淮: the demo's projects are with demo-provider.
            item("91320104MA1X2Y4B86".into()),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let r = &v["results"];
    assert!(r[0]["id"].is_null() && r[1]["id"].is_null(), "{v}");
    assert_eq!(r[0]["error"], r[1]["error"], "unknown and out-of-scope read the same");
    assert!(r[2]["id"].is_i64(), "a served enterprise's record is accepted: {v}");
    let wuxi = one(
        &t,
        "SELECT COUNT(*) FROM cloud_records c JOIN enterprises e ON e.id = c.enterprise_id WHERE e.uscc = $1",
        vec![Arg::from("91320205MA1X2YBJ8Q")],
    )
    .await;
    assert_eq!(wuxi, 0);
}

/// An import that fails part-way (a real file with a broken row after more than a batch of good
/// ones): the committed batches each carry their audit record, and the failure records how far
/// it got. Never rows without a record.
async fn an_import_that_fails_part_way_leaves_no_rows_without_a_record(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-officer").await;
    let before = one(&t, "SELECT COUNT(*) FROM enterprises", vec![]).await;
    let mut csv = String::from("统一社会信用代码,企业名称,行政区划代码,行业代码\n");
    for i in 0..1500 {
        let code = dengta_domain::enterprise::Uscc::with_check_char(&format!("91320102MA{i:07}")).unwrap();
        csv.push_str(&format!("{code},导入中断测试企业{i}有限公司,320102,C3484\n"));
    }
    // Past the column limit: the reader stops here.
    csv.push_str(&vec!["x"; 300].join(","));
    csv.push('\n');
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("中断.csv");
    let res = c
        .post(t.url(&format!("/enterprises/import?_csrf={csrf}")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let job: i64 = loc.trim_start_matches("/imports/").parse().unwrap();
    let mut status = String::new();
    for _ in 0..600 {
        status = t
            .db()
            .fetch_one::<(String,)>("SELECT status FROM import_jobs WHERE id = $1", vec![Arg::from(job)])
            .await
            .unwrap()
            .0;
        if status != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "failed");
    let added = one(&t, "SELECT COUNT(*) FROM enterprises", vec![]).await - before;
    assert!(added >= 1000, "the batches before the broken row were committed ({added})");
    let object = format!("import:{job}");
    let batches: Vec<(String,)> = t
        .db()
        .fetch_all(
            "SELECT detail FROM audit_log WHERE action = 'import.enterprises.batch' AND object = $1 ORDER BY seq",
            vec![Arg::from(object.as_str())],
        )
        .await
        .unwrap();
    let last = batches.last().expect("each committed batch carries its audit record");
    assert!(last.0.contains(&format!("inserted={added}")), "the records account for every row: {}", last.0);
    let (result, detail): (String, String) = t
        .db()
        .fetch_one(
            "SELECT result, detail FROM audit_log WHERE action = 'import.enterprises' AND object = $1",
            vec![Arg::from(object.as_str())],
        )
        .await
        .unwrap();
    assert_eq!(result, "failed");
    assert!(detail.contains(&format!("inserted={added}")) && detail.contains("列"), "how far it got: {detail}");
    let verified = dengta::app::audit::verify(&t.app.db).await.unwrap();
    assert!(verified.is_ok(), "the audit chain holds");
}

on_both_stores!(
    no_route_serves_what_its_audience_may_not_see,
    a_provider_that_only_applied_follows_its_application_and_nothing_else,
    cloud_reports_do_not_reveal_which_codes_exist,
    an_import_that_fails_part_way_leaves_no_rows_without_a_record,
);

#[test]
fn form_fields_reads_inputs() {
    let html = r#"<input type="hidden" name="_csrf" value="t"><input id="a" name="address" value="x"><input type="checkbox" name="above_scale" value="on">"#;
    assert_eq!(form_fields(html), vec![("_csrf".into(), "t".into()), ("address".into(), "x".into())]);
    let _ = form_token(html);
}
