//! Query plans: every statement the hot paths run, driven through HTTP as real users would over a
//! generated dataset, is explained on its store with the arguments it ran with, and none may read
//! the whole of a table that grows with the data. The only exceptions are in [`ALLOWED`], each
//! with its reason.

use serde_json::{Value, json};

use crate::support::{Store, TestApp, fixture, get, post, token};
use dengta::db::{self, Arg, Db, plans};
use dengta_domain::enterprise::uscc::Uscc;
use dengta_domain::money::Fen;

/// What may be read whole.
enum Allowed {
    /// A table that stays small whatever the data (it is not counted as large).
    Table(&'static str),
    /// A statement, by a fragment of its SQL.
    Statement(&'static str),
}
use Allowed::{Statement, Table};

/// The one allow-list: each entry with its reason.
const ALLOWED: &[(Allowed, &str)] = &[
    (Table("meta"), "a handful of installation facts"),
    (Table("regions"), "the GB/T 2260 tree: about 3,600 rows whatever the data"),
    (Table("audit_head"), "a single row"),
    (Table("programmes"), "one row per pilot programme version"),
    (Table("instrument_versions"), "one row per published instrument version"),
    (Table("sub_industries"), "a few pilot sub-industries per region that runs a programme"),
    (Table("pool_counts"), "pilot sub-industries × provider kinds"),
    (Table("ledger_accounts"), "five accounts per programme budget pool"),
    (Table("targets"), "a few targets an authority sets for its own region"),
    (Table("report_keys"), "one key per trusted instance below"),
    (Table("imported_reports"), "one package per region below"),
    (Table("webhooks"), "a few integrations an administrator subscribes, read whole for each event"),
    (
        Statement("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2"),
        "the session sweep, every five minutes, not a request: it reads only live sessions (it deletes the rest)",
    ),
];

/// Every table of the schema that grows with the data: all of them but the small ones allowed.
async fn large_tables(db: &Db) -> Vec<String> {
    let sql = match db.backend() {
        db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '_sqlx%' ORDER BY name"
        }
        db::Backend::Postgres => {
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = 'public' \
             AND tablename NOT LIKE '_sqlx%' ORDER BY tablename"
        }
    };
    let all: Vec<(String,)> = db.fetch_all(sql, vec![]).await.unwrap();
    let small: Vec<&str> = ALLOWED
        .iter()
        .filter_map(|(a, _)| match a {
            Table(t) => Some(*t),
            Statement(_) => None,
        })
        .collect();
    for t in &small {
        assert!(all.iter().any(|(n,)| n == t), "allow-listed table {t} does not exist");
    }
    all.into_iter().map(|(n,)| n).filter(|n| !small.contains(&n.as_str())).collect()
}

/// Statistics for the planner. PostgreSQL: every table (its explain turns sequential scans off,
/// so tables that are small here are planned as if they were large). SQLite: only the tables
/// the dataset fills; the others keep no statistics, so the planner assumes them large, as it
/// does for every table of a production database, where ANALYZE is never run.
async fn analyze(db: &Db) {
    match db.backend() {
        db::Backend::Postgres => {
            db.execute("ANALYZE", vec![]).await.unwrap();
        }
        db::Backend::Sqlite => {
            let tables: Vec<(String,)> = db
                .fetch_all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", vec![])
                .await
                .unwrap();
            // One transaction: the other connections reload statistics when it commits.
            let mut tx = db.begin().await.unwrap();
            for (t,) in tables {
                if tx.scalar(&format!("SELECT COUNT(*) FROM {t}"), vec![]).await.unwrap() >= 500 {
                    tx.execute(&format!("ANALYZE {t}"), vec![]).await.unwrap();
                }
            }
            tx.commit().await.unwrap();
        }
    }
}

/// The officers the dataset needs above the demo's city: national and province.
async fn officer(db: &Db, username: &str, region: &str) {
    let hash = dengta::app::accounts::hash_password("Plans#2026").await.unwrap();
    db::users::insert(
        &mut db.clone(),
        &db::users::NewUser {
            username,
            display_name: username,
            password_hash: &hash,
            role: "officer",
            region_code: region,
            enterprise_id: None,
            provider_id: None,
            is_demo: true,
        },
    )
    .await
    .unwrap();
}

fn ok(what: &str, (status, body): (u16, Value), want: u16) -> Value {
    assert_eq!(status, want, "{what}: {body}");
    body
}

async fn page(c: &reqwest::Client, t: &TestApp, path: &str) {
    let res = c.get(t.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
}

async fn upload(t: &TestApp, tok: &str, project: i64) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n% plans\n%%EOF\n".to_vec()).file_name("现场照片.pdf");
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/projects/{project}/files?kind=other")))
        .bearer_auth(tok)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_with_key(t: &TestApp, tok: &str, path: &str, key: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(t.url(path))
        .bearer_auth(tok)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Brings the fixture's subsidy (cancelled, 1 yuan) to approved, its money reserved and made
/// payable in the ledger as the workflow would.
async fn approve(db: &Db, subsidy: i64) {
    use dengta_domain::ledger::{Account, AccountKind, Transfer};
    let key = dengta::app::subsidies::pool_key("nanjing-2024", "enterprise");
    let meta = db::ledger::Meta { subsidy_id: Some(subsidy), actor: "test", ..Default::default() };
    let mut c = db.clone();
    for (from, to) in [(AccountKind::Pool, AccountKind::Commitment), (AccountKind::Commitment, AccountKind::Payable)] {
        let t = Transfer::between(Account::new(from, &key), Account::new(to, &key), Fen(100), "测试");
        db::ledger::post(&mut c, &t, &meta).await.unwrap();
    }
    c.execute(
        "UPDATE subsidies SET status = 'approved', approved_by = 'test', approved_at = $1 WHERE id = $2",
        vec![Arg::from(db::now_ms()), Arg::from(subsidy)],
    )
    .await
    .unwrap();
}

async fn id_of(db: &Db, sql: &str, args: Vec<Arg>) -> i64 {
    db.scalar(sql, args).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn hot_paths_never_scan_large_tables(store: Store) {
    // A generated dataset (the generator writes only into an empty database), then the demo and
    // its users beside it.
    let t = TestApp::spawn_prepared(store, |db| async move {
        let spec = dengta::app::generate::Spec::new(3000, 20260);
        let s = dengta::app::generate::generate(&db, spec, |_| {}).await.expect("generates");
        assert!(s.assessments > 900 && s.cloud_records > 500 && s.projects > 0, "{s:?}");
        // The demo loads only beside demo data.
        db.execute("UPDATE enterprises SET is_demo = TRUE", vec![]).await.unwrap();
    })
    .await;
    let db = t.db();
    let f = fixture(&db).await;
    officer(&db, "plans-national", "100000").await;
    officer(&db, "plans-province", "320000").await;
    let national = token(&t, "plans-national").await;
    let province = token(&t, "plans-province").await;
    let city = token(&t, "demo-officer").await;
    let county = token(&t, "demo-district").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let provider = token(&t, "demo-provider").await;
    let generated =
        id_of(&db, "SELECT MIN(id) FROM enterprises WHERE region_code BETWEEN '350000' AND '359999'", vec![]).await;
    approve(&db, f.own_subsidy).await;
    let contracted = id_of(
        &db,
        "SELECT id FROM projects WHERE provider_id = $1 AND status = 'contracted' ORDER BY id LIMIT 1",
        vec![Arg::from(f.own_provider)],
    )
    .await;
    let answers: Value = serde_json::from_str(include_str!("../../../../data/demo-assessment.json")).unwrap();
    analyze(&db).await;

    plans::start_capture();

    // Sign-in and pages over the session.
    let (browser, _) = t.demo_login("demo-officer").await;
    let own = format!("/enterprises/{}", f.own_enterprise);
    let project = format!("/projects/{}", f.own_project);
    for path in ["/home", &own, "/enterprises?name=精工&industry=C", "/dashboard", "/projects", &project] {
        page(&browser, &t, path).await;
    }
    let (browser, _) = t.demo_login("demo-enterprise").await;
    for path in ["/home", &own, "/my/assessments", "/my/matches", &project] {
        page(&browser, &t, path).await;
    }
    // Token look-ups, point reads.
    for tok in [&national, &province, &city, &county, &enterprise, &provider] {
        ok("me", get(&t, tok, "/api/v1/me").await, 200);
        // The workbench: a statement per queue of the role, each on an index.
        ok("workbench", get(&t, tok, "/api/v1/workbench").await, 200);
    }
    ok("read", get(&t, &city, &format!("/api/v1/enterprises/{}", f.own_enterprise)).await, 200);
    ok("read", get(&t, &national, &format!("/api/v1/enterprises/{generated}")).await, 200);
    ok("own read", get(&t, &enterprise, &format!("/api/v1/enterprises/{}", f.own_enterprise)).await, 200);
    // Lists: filters, the next page, search by name and by code, at every scope.
    for (tok, query) in [
        (&national, "limit=20"),
        (&national, "name=精工&limit=20"),
        (&national, "name=913508&limit=20"),
        (&national, "region=350000&industry=C&limit=20"),
        (&province, "industry=C34&limit=20"),
        (&city, "region=320102&limit=5"),
        (&city, "name=91320102"),
        (&county, "name=玄武"),
        (&enterprise, ""),
    ] {
        let v = ok(query, get(&t, tok, &format!("/api/v1/enterprises?{query}")).await, 200);
        if let Some(after) = v["next_after"].as_str() {
            ok("next page", get(&t, tok, &format!("/api/v1/enterprises?{query}&after={after}")).await, 200);
        }
    }
    // Registration.
    let uscc = Uscc::with_check_chars("91320102MA9Q0000").unwrap();
    let body = json!({"uscc": uscc.as_str(), "name": "查询计划测试企业", "industry": "C3412", "above_scale": "true"});
    ok("register", post(&t, &city, "/api/v1/enterprises", body).await, 201);
    // An assessment submitted, and matching from its gaps.
    let body =
        json!({"enterprise_id": f.own_enterprise, "instrument_id": "mfg-2024", "answers": answers, "pledge": true});
    ok("assess", post(&t, &enterprise, "/api/v1/assessments", body).await, 201);
    ok("matches", get(&t, &enterprise, &format!("/api/v1/enterprises/{}/matches", f.own_enterprise)).await, 200);
    // The catalogue filtered by a tag reads the tag index, not every solution.
    ok("tag", get(&t, &enterprise, "/api/v1/solutions?tag=cloud").await, 200);
    ok("satisfaction", get(&t, &enterprise, &format!("/api/v1/projects/{}/satisfaction", f.own_project)).await, 200);
    // Projects: steps by the provider and the officer, evidence, reads.
    let steps = format!("/api/v1/projects/{}/transitions", f.own_project);
    ok("diagnosis", post(&t, &provider, &steps, json!({"action": "start_diagnosis"})).await, 200);
    ok("evidence", upload(&t, &provider, f.own_project).await, 201);
    let filing = json!({"action": "file", "filing_no": "NJ-PLANS-001"});
    ok("filing", post(&t, &city, &format!("/api/v1/projects/{contracted}/transitions"), filing).await, 200);
    ok("project", get(&t, &provider, &format!("/api/v1/projects/{}", f.own_project)).await, 200);
    ok("projects", get(&t, &city, "/api/v1/projects").await, 200);
    // Money: an allocation (and its retry), a payment.
    let alloc = json!({"programme_id": "nanjing-2024", "pool": "services", "amount": "1000", "reference": "宁财企〔2026〕计划"});
    let first =
        ok("allocate", post_with_key(&t, &city, "/api/v1/ledger/allocations", "plans-1", alloc.clone()).await, 201);
    let again = ok("retry", post_with_key(&t, &city, "/api/v1/ledger/allocations", "plans-1", alloc).await, 201);
    assert_eq!(first["transfer_id"], again["transfer_id"]);
    let pay = json!({"voucher": "PZ-PLANS-1"});
    ok(
        "pay",
        post_with_key(&t, &city, &format!("/api/v1/subsidies/{}/payments", f.own_subsidy), "plans-pay", pay).await,
        200,
    );
    // Dashboards at every level.
    for (tok, region) in [(&national, "100000"), (&province, "320000"), (&city, "320100"), (&city, "320102")] {
        ok(region, get(&t, tok, &format!("/api/v1/dashboard?region={region}")).await, 200);
    }
    // The server's sweep (every five minutes): expired sessions, personal data past retention.
    let now = db::now_ms();
    db::sessions::purge_expired(&mut t.db(), now, now - 3_600_000).await.unwrap();
    dengta::app::enterprises::purge_personal_data(&t.app).await.unwrap();

    let captured = plans::take_captured();

    // The recorder saw the paths above.
    let sql_of = |frag: &str| captured.iter().any(|c| c.sql.contains(frag));
    for frag in [
        "FROM sessions",
        "FROM api_tokens",
        "INSERT INTO sessions",
        "INSERT INTO enterprises",
        "INSERT INTO assessments",
        "FROM solution_match",
        "INSERT INTO workflow_events",
        "INSERT INTO evidence",
        "INSERT INTO ledger_transfers",
        "INSERT INTO payments",
        "FROM rollups",
        "INSERT INTO audit_log",
        "FROM enrolments n JOIN enterprises",
        "FROM workflow_events WHERE actor",
        "FROM solution_tags WHERE tag",
        "FROM satisfaction_evaluations WHERE project_id",
    ] {
        assert!(sql_of(frag), "no statement with {frag:?} was captured");
    }
    assert!(captured.len() >= 60, "only {} distinct statements captured", captured.len());

    // Every statement explained with its own arguments; no full scan of a large table.
    let large = large_tables(&db).await;
    let large: Vec<&str> = large.iter().map(String::as_str).collect();
    let mut explained = 0;
    let mut offending = Vec::new();
    for c in &captured {
        if !plans::explainable(&c.sql) {
            continue;
        }
        let plan = plans::explain(&db, &c.sql, c.args.clone()).await.unwrap_or_else(|e| panic!("{}: {e}", c.sql));
        explained += 1;
        let allowed = ALLOWED.iter().any(|(a, _)| matches!(a, Statement(frag) if c.sql.contains(frag)));
        let scans = if allowed { Vec::new() } else { plans::full_scans(&plan, &large) };
        if std::env::var_os("DENGTA_PLANS_DUMP").is_some() {
            eprintln!("-- {} (ran {}×)\n    {}", c.sql, c.runs, plan.join("\n    "));
        }
        if !scans.is_empty() {
            offending.push(format!(
                "{}\n  args: {:?}\n  full scans: {scans:?}\n  plan:\n    {}",
                c.sql,
                c.args,
                plan.join("\n    ")
            ));
        }
    }
    eprintln!("{store:?}: {} distinct statements captured, {explained} explained", captured.len());
    assert!(
        offending.is_empty(),
        "{} of {explained} statements read a large table in full:\n\n{}",
        offending.len(),
        offending.join("\n\n")
    );

    // Every allow-listed statement was seen (a stale entry is removed, not kept).
    for (a, _) in ALLOWED {
        if let Statement(frag) = a {
            assert!(sql_of(frag), "allow-listed statement not captured: {frag}");
        }
    }

    // The checker does catch a real full scan (no index on these columns), on a table with
    // statistics and on one without, and passes an index read.
    for (sql, arg) in [
        ("SELECT id FROM enterprises WHERE legal_rep = $1", Arg::from("张伟")),
        ("SELECT id FROM projects WHERE title = $1", Arg::from("设备联网改造")),
    ] {
        let scan = plans::explain(&db, sql, vec![arg]).await.unwrap();
        assert_eq!(plans::full_scans(&scan, &large).len(), 1, "{sql}: {scan:?}");
    }
    let point = plans::explain(&db, "SELECT id FROM enterprises WHERE id = $1", vec![Arg::from(1i64)]).await.unwrap();
    assert!(plans::full_scans(&point, &large).is_empty(), "{point:?}");
}

on_both_stores!(hot_paths_never_scan_large_tables);
