//! The test harness: a real server on 127.0.0.1:0 over a fresh database —
//! a temporary SQLite file, or a new database on the PostgreSQL cluster named
//! by `DENGTA_TEST_PG_URL` (the test script starts a throw-away one).

use std::sync::atomic::{AtomicU64, Ordering};

use dengta::app::{App, demo};
use dengta::config::Settings;
use dengta::db::{self, Db};
use dengta::server::Server;
use reqwest::redirect::Policy;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database URL on the given store.
pub async fn fresh_database(store: Store, dir: &std::path::Path) -> String {
    match store {
        Store::Sqlite => format!("sqlite://{}", dir.join("dengta.db").display()),
        Store::Postgres => {
            let admin = std::env::var("DENGTA_TEST_PG_URL").expect(
                "DENGTA_TEST_PG_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL",
            );
            let name = format!(
                "t_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                db::now_ms() % 100_000
            );
            let pool = sqlx::PgPool::connect(&admin).await.expect("connect to the test PostgreSQL cluster");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            let (base, _) = admin.rsplit_once('/').expect("DENGTA_TEST_PG_URL must end in /<database>");
            let query = admin.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            format!("{base}/{name}{query}")
        }
    }
}

pub fn settings(database_url: &str) -> Settings {
    let mut s = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.into(),
        max_connections: 4,
        // Many servers share two cores while the suite runs: a request may wait longer for a
        // connection than in production before it is answered 503. The outage test sets its own.
        database_acquire_timeout_ms: 10_000,
        data_dir: std::env::temp_dir().join("dengta-test-data").display().to_string(),
        ..Default::default()
    };
    // Every test client comes from 127.0.0.1, and tests add officers of their own: the rate
    // limits and the second factor are off here and turned on by the tests about them
    // (tests/it/account_security.rs).
    s.security.login_per_address_per_minute = 0;
    s.security.login_per_account_per_minute = 0;
    s.security.public_forms_per_address_per_hour = 0;
    s.security.totp_roles = Vec::new();
    s
}

impl TestApp {
    /// A server with the demo loaded plus a second city (无锡市 320200) whose
    /// objects lie outside every demo user's scope.
    pub async fn spawn(store: Store) -> TestApp {
        TestApp::spawn_with(store, |_| {}).await
    }

    pub async fn spawn_with(store: Store, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::start(store, tweak, |_| async {}).await
    }

    /// Like [`TestApp::spawn`], over a database that `prepare` fills first, before the demo
    /// loads (the demo loads only beside demo data).
    pub async fn spawn_prepared<F: Future<Output = ()>>(store: Store, prepare: impl FnOnce(Db) -> F) -> TestApp {
        TestApp::start(store, |_| {}, prepare).await
    }

    /// Like [`TestApp::spawn`], over `enterprises` generated enterprises (seed `seed`) marked as
    /// demo data so the demo loads beside them.
    pub async fn spawn_generated(store: Store, enterprises: u64, seed: u64) -> TestApp {
        TestApp::spawn_prepared(store, |db| async move {
            let spec = dengta::app::generate::Spec::new(enterprises, seed);
            dengta::app::generate::generate(&db, spec, |_| {}).await.expect("generates");
            db.execute("UPDATE enterprises SET is_demo = TRUE", vec![]).await.expect("marked as demo");
        })
        .await
    }

    async fn start<F: Future<Output = ()>>(
        store: Store,
        tweak: impl FnOnce(&mut Settings),
        prepare: impl FnOnce(Db) -> F,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database(store, dir.path()).await;
        let mut s = settings(&database_url);
        tweak(&mut s);
        let server = Server::build(s).await.expect("server builds");
        let app = server.app.clone();
        prepare(app.db.clone()).await;
        assert_eq!(
            demo::load(&app, demo::Scale::Accounts).await.expect("demo loads").ok(),
            Some(demo::DemoOutcome::Loaded)
        );
        crate::pilot_fixture::pilot(&app).await.expect("pilot fixture");
        crate::pilot_fixture::money(&app).await.expect("money fixture");
        crate::pilot_fixture::publicity(&app).await.expect("publicity fixture");
        app.demo.store(true, Ordering::Relaxed);
        add_other_city(&app.db).await;
        dengta::app::dashboard::rebuild(&app.db).await.expect("dashboard counters");
        let base = format!("http://{}", server.addr);
        tokio::spawn(server.run(std::future::pending()));
        TestApp { base, app, database_url, _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn db(&self) -> Db {
        self.app.db.clone()
    }

    /// A browser-like client: cookies kept, redirects not followed.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client")
    }

    /// Fetches the CSRF token a page hands to its forms.
    pub async fn csrf(&self, c: &reqwest::Client) -> String {
        // Signed-out clients get the token from the login form, signed-in ones
        // (redirected away from /login) from the password form.
        for page in ["/login", "/account/password"] {
            let html = c.get(self.url(page)).send().await.expect("GET").text().await.expect("body");
            if let Some(t) = form_token(&html) {
                return t;
            }
        }
        panic!("no page handed out a CSRF token")
    }

    /// Signs in through the login form; returns the client and its CSRF token.
    pub async fn login(&self, username: &str, password: &str) -> (reqwest::Client, String) {
        let c = self.client();
        let token = self.csrf(&c).await;
        let res = c
            .post(self.url("/login"))
            .form(&[("_csrf", token.as_str()), ("username", username), ("password", password)])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(res.status(), 303, "login of {username} should redirect");
        // Login rotates the CSRF token: read the new one.
        let html = c.get(self.url("/account/password")).send().await.expect("page").text().await.expect("body");
        let token = form_token(&html).expect("token after login");
        (c, token)
    }

    pub async fn demo_login(&self, username: &str) -> (reqwest::Client, String) {
        self.login(username, DEMO_PASSWORD).await
    }
}

pub const DEMO_PASSWORD: &str = "Demo@2026";

pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// Ids of the objects the tests use.
pub struct Fixture {
    pub own_enterprise: i64,
    pub other_city_enterprise: i64,
    pub own_provider: i64,
    pub other_city_provider: i64,
    pub same_city_user: i64,
    pub other_city_user: i64,
    pub own_claim: i64,
    pub other_city_claim: i64,
    pub own_import: i64,
    pub other_city_import: i64,
    pub own_assessment: i64,
    pub other_city_assessment: i64,
    /// demo-expert's review sheet, and another expert's in 无锡.
    pub own_sheet: i64,
    pub other_city_sheet: i64,
    /// A published solution of demo-provider, and a draft of the 无锡 provider.
    pub published_solution: i64,
    pub other_city_draft_solution: i64,
    /// demo-enterprise's contact request to demo-provider, and one in 无锡.
    pub own_contact: i64,
    pub other_city_contact: i64,
    /// demo-enterprise's application to the 南京 programme (made with the demo), and one of 无锡's.
    pub own_enrolment: i64,
    pub other_city_enrolment: i64,
    /// A project of demo-enterprise with demo-provider, and one in 无锡.
    pub own_project: i64,
    pub other_city_project: i64,
    /// A computed subsidy of each of those projects.
    pub own_subsidy: i64,
    pub other_city_subsidy: i64,
    /// A typical-case nomination of demo-enterprise and one of a 无锡 enterprise.
    pub own_case: i64,
    pub other_city_case: i64,
    /// A webhook of 南京 (demo-sysadmin's city) and one of 无锡.
    pub own_chain: i64,
    pub other_city_chain: i64,
    pub own_webhook: i64,
    pub other_city_webhook: i64,
    /// An on-site acceptance round of 南京 with demo-expert on it, and one of 无锡.
    pub own_round: i64,
    pub other_city_round: i64,
}

/// A nomination of an enterprise (made once per enterprise).
async fn case_of(db: &Db, enterprise_id: i64) -> i64 {
    let c = db.clone();
    if let Ok(id) = c.scalar("SELECT id FROM cases WHERE enterprise_id = $1", vec![db::Arg::from(enterprise_id)]).await
    {
        return id;
    }
    let mut c = db.clone();
    let e = db::enterprises::get(&mut c, enterprise_id).await.expect("enterprise").expect("exists");
    db::cases::insert(
        &mut c,
        &db::cases::NewCase {
            kind: "typical_case",
            enterprise_id,
            project_id: None,
            region_code: &e.region_code,
            title: "设备联网提升良品率",
            summary: "fixture",
            outcome: "fixture",
            nominated_by: "fixture",
        },
    )
    .await
    .expect("case")
}

/// A chain led by a project's enterprise with that project as its frame (made once per project).
async fn chain_of(db: &Db, project_id: i64) -> i64 {
    let c = db.clone();
    if let Ok(id) = c.scalar("SELECT id FROM chains WHERE lead_project_id = $1", vec![db::Arg::from(project_id)]).await
    {
        return id;
    }
    let mut c = db.clone();
    let j = db::projects::get(&mut c, project_id).await.expect("project").expect("exists");
    db::chains::insert(
        &mut c,
        &db::chains::NewChain {
            programme_id: &j.programme_id,
            region_code: &j.region_code,
            kind: "supply_chain",
            name: "fixture chain",
            park: "",
            lead_enterprise_id: j.enterprise_id,
            lead_project_id: project_id,
            provider_id: j.provider_id,
            target_members: None,
            target_l2_pct: None,
            created_by: "fixture",
        },
    )
    .await
    .expect("chain")
}

/// A computed subsidy row for a project (made once per project).
/// An on-site acceptance round of `region` (made once per region), with `assessor` on it.
async fn round_in(db: &Db, programme: &str, region: &str, assessor: Option<&str>) -> i64 {
    let c = db.clone();
    if let Ok(id) = c.scalar("SELECT id FROM onsite_rounds WHERE region_code = $1", vec![db::Arg::from(region)]).await {
        return id;
    }
    let mut c = db.clone();
    let id = db::rounds::insert(
        &mut c,
        &db::rounds::NewRound {
            programme_id: programme,
            region_code: region,
            round_date: "2026-03-18",
            place: "fixture",
            note: "",
            created_by: "fixture",
        },
    )
    .await
    .expect("round");
    if let Some(name) = assessor {
        let u = db::users::by_username(&mut c, name).await.expect("user").expect("exists");
        db::rounds::assign(&mut c, id, u.id, "fixture").await.expect("assessor");
    }
    id
}

/// A webhook subscribed to every event of `region` (a receiver that is never reached).
async fn webhook_in(db: &Db, region: &str) -> i64 {
    let bounds = dengta_domain::region::RegionCode::parse(region).expect("region").subtree_bounds();
    db::events::add_webhook(
        &mut db.clone(),
        &db::events::NewWebhook {
            url: "http://127.0.0.1:9/hook",
            secret: "fixture-secret",
            region_code: region,
            bounds: &bounds,
            kinds: "*",
            created_by: "fixture",
        },
    )
    .await
    .expect("webhook")
}

async fn subsidy_of(db: &Db, project_id: i64) -> i64 {
    let mut c = db.clone();
    if let Some(s) = db::subsidies::of_project(&mut c, project_id).await.expect("subsidies").first() {
        return s.id;
    }
    let p = db::projects::get(&mut c, project_id).await.expect("project").expect("exists");
    let id = db::subsidies::insert(
        &mut c,
        &db::subsidies::NewSubsidy {
            project_id,
            enterprise_id: p.enterprise_id,
            region_code: &p.region_code,
            programme_id: &p.programme_id,
            programme_version: p.programme_version,
            pool_id: "enterprise",
            stage: "after_acceptance",
            amount_fen: 100,
            award_fen: 100,
            rule: "fixture",
            trace_json: "[]",
            created_by: "fixture",
        },
    )
    .await
    .expect("subsidy");
    // Cancelled: it reserved no money, so the ledger still reconciles with the subsidies.
    c.execute("UPDATE subsidies SET status = 'cancelled' WHERE id = $1", vec![db::Arg::from(id)])
        .await
        .expect("cancel");
    id
}

/// A self-assessment draft of an enterprise (created once; later calls return the same one).
async fn assessment_draft(db: &Db, enterprise_id: i64) -> i64 {
    let mut c = db.clone();
    if let Some(a) = db::assessments::open_draft(&mut c, enterprise_id, "self").await.expect("draft") {
        return a.id;
    }
    let inst = dengta::app::assessments::latest_instrument("mfg-2024").expect("instrument");
    db::assessments::insert_draft(
        &mut c,
        &db::assessments::NewDraft {
            enterprise_id,
            instrument_id: inst.id(),
            instrument_version: i64::from(inst.version()),
            instrument_fingerprint: inst.fingerprint(),
            kind: "self",
            answers_json: "{}",
            created_by: "fixture",
        },
    )
    .await
    .expect("assessment draft")
}

pub async fn add_other_city(db: &Db) {
    let mut c = db.clone();
    for (code, name, parent, level) in
        [("320200", "无锡市", "320000", "city"), ("320205", "锡山区", "320200", "county")]
    {
        let row = db::regions::RegionRow {
            code: code.into(),
            name: name.into(),
            parent_code: Some(parent.into()),
            level: level.into(),
        };
        if db::regions::get(&mut c, code).await.expect("region").is_none() {
            db::regions::insert(&mut c, &row, true).await.expect("region");
        }
    }
    let eid = db::enterprises::insert(
        &mut c,
        &db::enterprises::NewEnterprise {
            uscc: "91320205MA1X2YBJ8Q",
            name: "无锡锡山纺织机械有限公司",
            region_code: "320205",
            industry_code: "C3551",
            legal_rep: Some("周杰"),
            contact_phone: Some("13312345678"),
            is_demo: true,
        },
    )
    .await
    .expect("enterprise");
    let pid = db::providers::insert(&mut c, "91320205MA1X2YCK2W", "无锡数智服务有限公司", "320205", "integrator", true)
        .await
        .expect("provider");
    let hash = dengta::app::accounts::hash_password("Other#City1").await.expect("hash");
    db::users::insert(
        &mut c,
        &db::users::NewUser {
            username: "wuxi-enterprise",
            display_name: "无锡企业用户",
            password_hash: &hash,
            role: "enterprise",
            region_code: "320205",
            enterprise_id: Some(eid),
            provider_id: None,
            is_demo: true,
        },
    )
    .await
    .expect("user");
    // A draft solution, an expert with a review sheet and a contact request in 无锡.
    let solution = dengta::db::catalogue::SolutionData {
        name: "纺织设备联网",
        description: "纺织机械的设备联网与状态监测",
        is_xkqz: true,
        delivery_days: 30,
        deployment: "saas",
        cloud_layer: "saas",
        items: &[("年费".into(), "年".into(), 1_000_000)],
        scenes: &[("equipment_management".into(), 3)],
        industries: &["C355".into()],
        sub_industries: &[],
        terms: &dengta_domain::catalogue::search::index_terms("纺织设备联网"),
        tags: &[],
    };
    dengta::db::catalogue::insert(&mut c, pid, &solution, true).await.expect("solution");
    let expert = db::users::insert(
        &mut c,
        &db::users::NewUser {
            username: "wuxi-expert",
            display_name: "无锡专家",
            password_hash: &hash,
            role: "expert",
            region_code: "320200",
            enterprise_id: None,
            provider_id: None,
            is_demo: true,
        },
    )
    .await
    .expect("expert");
    let review =
        db::providers::insert_review(&mut c, pid, "evaluation", "provider-2024", 1, "fixture").await.expect("review");
    db::providers::assign_expert(&mut c, review, expert).await.expect("sheet");
    dengta::db::catalogue::upsert_contact(&mut c, eid, pid, None, "请联系", "wuxi-enterprise").await.expect("contact");
    db::programmes::insert_enrolment(
        &mut c,
        &db::programmes::NewEnrolment {
            programme_id: "nanjing-2024",
            programme_version: 1,
            enterprise_id: eid,
            region_code: "320205",
            sub_industry: None,
            eligibility_json: "[]",
            eligible: false,
            applied_by: "wuxi-enterprise",
        },
    )
    .await
    .expect("enrolment");
    let wuxi_enrolment = c
        .scalar("SELECT id FROM enrolments WHERE applied_by = $1", vec![db::Arg::from("wuxi-enterprise")])
        .await
        .expect("enrolment");
    let project = db::projects::insert(
        &mut c,
        &db::projects::NewProject {
            programme_id: "nanjing-2024",
            programme_version: 1,
            enrolment_id: wuxi_enrolment,
            enterprise_id: eid,
            provider_id: pid,
            region_code: "320205",
            title: "纺织设备联网改造",
            created_by: "fixture",
        },
    )
    .await
    .expect("project");
    // Created beside the use case, so its dashboard counters are brought up to date here.
    dengta::app::dashboard::refresh_project(&mut c, project).await.expect("project roll-up");
    // demo-expert's sheet and demo-enterprise's request, in 南京.
    let own_pid = c
        .scalar("SELECT id FROM providers WHERE uscc = $1", vec![db::Arg::from("91320104MA1X2Y8F6T")])
        .await
        .expect("provider");
    let own_eid = c
        .scalar("SELECT id FROM enterprises WHERE uscc = $1", vec![db::Arg::from("91320102MA1X2Y3B1X")])
        .await
        .expect("enterprise");
    let demo_expert = db::users::by_username(&mut c, "demo-expert").await.expect("user").expect("demo-expert").id;
    let review = db::providers::insert_review(&mut c, own_pid, "evaluation", "provider-2024", 1, "fixture")
        .await
        .expect("review");
    db::providers::assign_expert(&mut c, review, demo_expert).await.expect("sheet");
    dengta::db::catalogue::upsert_contact(&mut c, own_eid, own_pid, None, "请联系", "demo-enterprise")
        .await
        .expect("contact");
    // One finished import job in each city.
    for (name, region) in [("demo-officer", "320100"), ("wuxi-enterprise", "320205")] {
        let uid = db::users::by_username(&mut c, name).await.expect("user").map(|u| u.id);
        let job = db::imports::create(&mut c, "enterprises", "fixture.csv", "0", uid, name, region).await.expect("job");
        db::imports::finish(&mut c, job, "done", None, None).await.expect("finish");
    }
    // One pending claim in each city.
    for (name, region, uscc) in
        [("claimant-nj", "320102", "91320102MA1X2Y7E1P"), ("claimant-wx", "320205", "91320205MA1X2YBJ8Q")]
    {
        let uid = db::users::insert(
            &mut c,
            &db::users::NewUser {
                username: name,
                display_name: name,
                password_hash: &hash,
                role: "enterprise",
                region_code: region,
                enterprise_id: None,
                provider_id: None,
                is_demo: true,
            },
        )
        .await
        .expect("claimant");
        db::enterprise_file::add_claim(
            &mut c,
            &db::enterprise_file::NewClaim {
                user_id: uid,
                uscc,
                name,
                region_code: region,
                contact_name: None,
                contact_phone: None,
            },
        )
        .await
        .expect("claim");
    }
}

/// demo-enterprise's application and project (made once; tests of the enrolment flow make their own).
async fn own_enrolment_and_project(db: &Db) {
    let mut c = db.clone();
    let arg = |s: &str| vec![db::Arg::from(s)];
    let exists =
        c.scalar("SELECT COUNT(*) FROM enrolments WHERE applied_by = $1", arg("demo-enterprise")).await.expect("count");
    if exists > 0 {
        return;
    }
    let eid =
        c.scalar("SELECT id FROM enterprises WHERE uscc = $1", arg("91320102MA1X2Y3B1X")).await.expect("enterprise");
    let pid = c.scalar("SELECT id FROM providers WHERE uscc = $1", arg("91320104MA1X2Y8F6T")).await.expect("provider");
    let enrolment = db::programmes::insert_enrolment(
        &mut c,
        &db::programmes::NewEnrolment {
            programme_id: "nanjing-2024",
            programme_version: 1,
            enterprise_id: eid,
            region_code: "320102",
            sub_industry: None,
            eligibility_json: "[]",
            eligible: true,
            applied_by: "demo-enterprise",
        },
    )
    .await
    .expect("enrolment");
    let project = db::projects::insert(
        &mut c,
        &db::projects::NewProject {
            programme_id: "nanjing-2024",
            programme_version: 1,
            enrolment_id: enrolment,
            enterprise_id: eid,
            provider_id: pid,
            region_code: "320102",
            title: "设备联网改造",
            created_by: "fixture",
        },
    )
    .await
    .expect("project");
    // Created beside the use case, so its dashboard counters are brought up to date here.
    dengta::app::dashboard::refresh_project(&mut c, project).await.expect("project roll-up");
}

pub async fn fixture(db: &Db) -> Fixture {
    own_enrolment_and_project(db).await;
    let c = db.clone();
    let id = |sql: &'static str, arg: &'static str| {
        let c = c.clone();
        async move { c.scalar(sql, vec![db::Arg::from(arg)]).await.expect(sql) }
    };
    Fixture {
        own_enterprise: id("SELECT id FROM enterprises WHERE uscc = $1", "91320102MA1X2Y3B1X").await,
        other_city_enterprise: id("SELECT id FROM enterprises WHERE uscc = $1", "91320205MA1X2YBJ8Q").await,
        own_provider: id("SELECT id FROM providers WHERE uscc = $1", "91320104MA1X2Y8F6T").await,
        other_city_provider: id("SELECT id FROM providers WHERE uscc = $1", "91320205MA1X2YCK2W").await,
        same_city_user: id("SELECT id FROM users WHERE username = $1", "demo-expert").await,
        other_city_user: id("SELECT id FROM users WHERE username = $1", "wuxi-enterprise").await,
        own_claim: id("SELECT id FROM enterprise_claims WHERE uscc = $1", "91320102MA1X2Y7E1P").await,
        other_city_claim: id("SELECT id FROM enterprise_claims WHERE uscc = $1", "91320205MA1X2YBJ8Q").await,
        own_import: id("SELECT id FROM import_jobs WHERE username = $1", "demo-officer").await,
        other_city_import: id("SELECT id FROM import_jobs WHERE username = $1", "wuxi-enterprise").await,
        own_assessment: assessment_draft(
            db,
            id("SELECT id FROM enterprises WHERE uscc = $1", "91320102MA1X2Y3B1X").await,
        )
        .await,
        other_city_assessment: assessment_draft(
            db,
            id("SELECT id FROM enterprises WHERE uscc = $1", "91320205MA1X2YBJ8Q").await,
        )
        .await,
        own_sheet: id(
            "SELECT a.id FROM review_experts a JOIN users u ON u.id = a.expert_user_id WHERE u.username = $1",
            "demo-expert",
        )
        .await,
        other_city_sheet: id(
            "SELECT a.id FROM review_experts a JOIN users u ON u.id = a.expert_user_id WHERE u.username = $1",
            "wuxi-expert",
        )
        .await,
        published_solution: id("SELECT id FROM solutions WHERE name = $1", "产品设计与工艺协同平台").await,
        other_city_draft_solution: id("SELECT id FROM solutions WHERE name = $1", "纺织设备联网").await,
        own_contact: id("SELECT id FROM contact_requests WHERE created_by = $1", "demo-enterprise").await,
        own_enrolment: id("SELECT id FROM enrolments WHERE applied_by = $1", "demo-enterprise").await,
        other_city_enrolment: id("SELECT id FROM enrolments WHERE applied_by = $1", "wuxi-enterprise").await,
        own_project: id("SELECT id FROM projects WHERE title = $1", "设备联网改造").await,
        other_city_project: id("SELECT id FROM projects WHERE title = $1", "纺织设备联网改造").await,
        other_city_contact: id("SELECT id FROM contact_requests WHERE created_by = $1", "wuxi-enterprise").await,
        own_case: case_of(db, id("SELECT id FROM enterprises WHERE uscc = $1", "91320102MA1X2Y3B1X").await).await,
        other_city_case: case_of(db, id("SELECT id FROM enterprises WHERE uscc = $1", "91320205MA1X2YBJ8Q").await)
            .await,
        own_subsidy: subsidy_of(db, id("SELECT id FROM projects WHERE title = $1", "设备联网改造").await).await,
        other_city_subsidy: subsidy_of(db, id("SELECT id FROM projects WHERE title = $1", "纺织设备联网改造").await)
            .await,
        own_chain: chain_of(db, id("SELECT id FROM projects WHERE title = $1", "设备联网改造").await).await,
        other_city_chain: chain_of(db, id("SELECT id FROM projects WHERE title = $1", "纺织设备联网改造").await).await,
        own_webhook: webhook_in(db, "320100").await,
        other_city_webhook: webhook_in(db, "320200").await,
        own_round: round_in(db, "nanjing-2024", "320100", Some("demo-expert")).await,
        other_city_round: round_in(db, "nanjing-2024", "320200", None).await,
    }
}

/// A new officer of `region` (not a demo account), and an API token for it.
pub async fn officer_token(t: &TestApp, name: &str, region: &str) -> String {
    let hash = dengta::app::accounts::hash_password("Officer#2026").await.expect("hash");
    db::users::insert(
        &mut t.db(),
        &db::users::NewUser {
            username: name,
            display_name: name,
            password_hash: &hash,
            role: "officer",
            region_code: region,
            enterprise_id: None,
            provider_id: None,
            is_demo: false,
        },
    )
    .await
    .expect("officer");
    token(t, name).await
}

/// A member of the public objects to a pilot enterprise under 公示 (no login; the form's CSRF
/// token). Returns the answer's status and body.
pub async fn public_objection(t: &TestApp, enrolment: i64, name: &str, body: &str) -> (u16, serde_json::Value) {
    let anon = t.client();
    let csrf = t.csrf(&anon).await;
    let res = anon
        .post(t.url(&format!("/api/v1/public/pilot-enterprises/{enrolment}/objections")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"name": name, "body": body}))
        .send()
        .await
        .expect("objection");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// An API token for a user (bearer calls need no CSRF token).
pub async fn token(t: &TestApp, user: &str) -> String {
    dengta::app::accounts::create_token(&t.app, &dengta::app::Actor::cli(), user, "test").await.expect("token")
}

/// POSTs JSON with a bearer token: (status, body or null).
pub async fn post(t: &TestApp, tok: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new().post(t.url(path)).bearer_auth(tok).json(&body).send().await.expect("POST");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A page's HTML as the bearer of `tok` sees it.
pub async fn page(t: &TestApp, tok: &str, path: &str) -> String {
    reqwest::Client::new().get(t.url(path)).bearer_auth(tok).send().await.expect("GET").text().await.expect("HTML")
}

/// GETs with a bearer token: (status, body or null).
pub async fn get(t: &TestApp, tok: &str, path: &str) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new().get(t.url(path)).bearer_auth(tok).send().await.expect("GET");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// What a receiver started here was sent: each request's headers and body.
pub type Seen = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, axum::body::Bytes)>>>;

/// An HTTP receiver on a free port (a webhook's, an SMS gateway's) that answers 500 to its first
/// POST to `path` and 200 after. Returns its URL.
pub async fn receiver_failing_once(path: &str) -> (String, Seen) {
    use axum::http::StatusCode;
    let seen: Seen = Default::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        path,
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let s = s.clone();
            async move {
                let mut all = s.lock().unwrap();
                all.push((headers, body));
                if all.len() == 1 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}{path}"), seen)
}

/// Waits until `list` holds `n` items (10 s at most) and returns them all.
pub async fn wait_for<T: Clone>(list: &std::sync::Mutex<Vec<T>>, n: usize) -> Vec<T> {
    for _ in 0..200 {
        if list.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let all = list.lock().unwrap().clone();
    assert!(all.len() >= n, "the receiver got {} requests, wanted {n}", all.len());
    all
}

/// Checks the `X-Dengta-Signature: t=…,v1=…` of a request against an HMAC-SHA256 computed here.
pub fn signed_by(secret: &str, headers: &axum::http::HeaderMap, body: &[u8]) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let sig = headers.get("x-dengta-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some((t, v1)) = sig.split_once(",v1=") else { return false };
    let t = t.trim_start_matches("t=");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let want: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    want == v1
}
