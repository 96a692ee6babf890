//! The demo installation behind `dengta serve --demo`, loaded from
//! `data/demo.toml` (embedded in the binary).

use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::accounts::NewAccount;
use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::db::{self, regions::RegionRow};

const DEMO_TOML: &str = include_str!("../../../data/demo.toml");

#[derive(Deserialize)]
pub struct DemoData {
    pub version: String,
    pub password: String,
    pub regions: Vec<DemoRegion>,
    pub enterprises: Vec<DemoEnterprise>,
    pub providers: Vec<DemoProvider>,
    #[serde(default)]
    pub sub_industries: Vec<DemoSubIndustry>,
    #[serde(default)]
    pub solutions: Vec<DemoSolution>,
    pub users: Vec<DemoUser>,
}

#[derive(Deserialize)]
pub struct DemoSubIndustry {
    pub name: String,
    pub region: String,
    pub codes: Vec<String>,
}

#[derive(Deserialize)]
pub struct DemoSolution {
    pub provider: String,
    pub name: String,
    pub description: String,
    pub xkqz: bool,
    pub delivery_days: i64,
    pub deployment: String,
    pub cloud_layer: String,
    /// (name, unit, yuan)
    pub items: Vec<(String, String, String)>,
    pub scenes: Vec<(String, u8)>,
    pub industries: Vec<String>,
}

#[derive(Deserialize)]
pub struct DemoRegion {
    pub code: String,
    pub name: String,
    pub parent: String,
}

#[derive(Deserialize)]
pub struct DemoEnterprise {
    pub uscc: String,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub legal_rep: String,
    pub phone: String,
}

#[derive(Deserialize)]
pub struct DemoProvider {
    pub uscc: String,
    pub name: String,
    pub region: String,
    pub kind: String,
    #[serde(default = "active")]
    pub status: String,
    #[serde(default)]
    pub stars: i64,
    #[serde(default)]
    pub sub_industries: Vec<String>,
    #[serde(default)]
    pub qualifications: String,
    #[serde(default)]
    pub cases: String,
}

fn active() -> String {
    "active".into()
}

#[derive(Deserialize)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region: String,
    pub enterprise: Option<String>,
    pub provider: Option<String>,
}

pub fn data() -> AppResult<DemoData> {
    toml::from_str(DEMO_TOML).map_err(|e| AppError::Internal(format!("data/demo.toml: {e}")))
}

#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded,
    AlreadyLoaded,
}

#[derive(Debug, thiserror::Error)]
#[error("数据库中已有非演示数据，--demo 拒绝写入（请改用新的数据库文件）")]
pub struct RealDataPresent;

/// Loads the demo into an empty database; does nothing if it is already there;
/// refuses a database that holds anything that is not demo data.
pub async fn load(app: &App) -> AppResult<Result<DemoOutcome, RealDataPresent>> {
    let mut conn = app.db.clone();
    if db::users::any_non_demo(&mut conn).await? || db::enterprises::any_non_demo(&mut conn).await? {
        return Ok(Err(RealDataPresent));
    }
    if db::meta::get(&mut conn, "demo").await?.is_some() {
        return Ok(Ok(DemoOutcome::AlreadyLoaded));
    }
    let d = data()?;
    let hash = app.hasher.hash(&d.password).await?;
    let actor = Actor::anonymous("demo-loader", "demo");
    let mut tx = app.db.begin().await?;
    for r in &d.regions {
        let code = RegionCode::parse(&r.code).map_err(|e| AppError::Internal(e.to_string()))?;
        let row = RegionRow {
            code: r.code.clone(),
            name: r.name.clone(),
            parent_code: Some(r.parent.clone()),
            level: format!("{:?}", code.level()).to_lowercase(),
        };
        // The shipped GB/T 2260 list normally holds these already.
        if db::regions::get(&mut tx, &row.code).await?.is_none() {
            db::regions::insert(&mut tx, &row, true).await?;
        }
    }
    let mut enterprise_ids = std::collections::HashMap::new();
    for e in &d.enterprises {
        let id = db::enterprises::insert(
            &mut tx,
            &db::enterprises::NewEnterprise {
                uscc: &e.uscc,
                name: &e.name,
                region_code: &e.region,
                industry_code: &e.industry,
                legal_rep: Some(&e.legal_rep),
                contact_phone: Some(&e.phone),
                is_demo: true,
            },
        )
        .await?;
        enterprise_ids.insert(e.uscc.clone(), id);
    }
    let mut sub_ids = std::collections::HashMap::new();
    for s in &d.sub_industries {
        let id = db::providers::insert_sub_industry(&mut tx, &s.region, &s.name, &s.codes.join(" "), true).await?;
        sub_ids.insert(s.name.clone(), id);
    }
    let mut provider_ids = std::collections::HashMap::new();
    for p in &d.providers {
        let kind = dengta_domain::provider::ProviderKind::parse(&p.kind)
            .ok_or_else(|| AppError::Internal(format!("demo provider kind {}", p.kind)))?;
        let id = db::providers::insert(&mut tx, &p.uscc, &p.name, &p.region, kind.code(), true).await?;
        provider_ids.insert(p.uscc.clone(), id);
        let subs: Vec<i64> = p.sub_industries.iter().filter_map(|n| sub_ids.get(n).copied()).collect();
        db::providers::set_provider_sub_industries(&mut tx, id, &subs).await?;
        db::providers::set_demo_profile(&mut tx, id, &p.status, p.stars, &p.qualifications, &p.cases).await?;
        if dengta_domain::provider::lifecycle::ProviderState::parse(&p.status).is_some_and(|s| s.in_pool()) {
            let quota = super::providers::pool_rules()?.quotas.get(kind.code()).copied().unwrap_or(0);
            for s in &subs {
                db::providers::take_quota(&mut tx, *s, kind.code(), quota).await?;
            }
        }
    }
    for s in &d.solutions {
        let provider_id =
            *provider_ids.get(&s.provider).ok_or_else(|| AppError::Internal(format!("demo solution {}", s.name)))?;
        let input = super::catalogue::SolutionInput {
            name: s.name.clone(),
            description: s.description.clone(),
            is_xkqz: s.xkqz,
            delivery_days: s.delivery_days,
            deployment: s.deployment.clone(),
            cloud_layer: s.cloud_layer.clone(),
            items: s
                .items
                .iter()
                .map(|(name, unit, price)| super::catalogue::ItemInput {
                    name: name.clone(),
                    unit: unit.clone(),
                    price: price.clone(),
                    price_fen: None,
                })
                .collect(),
            scenes: s
                .scenes
                .iter()
                .map(|(scene, level)| super::catalogue::SceneTarget { scene: scene.clone(), level: *level })
                .collect(),
            industries: s.industries.clone(),
            sub_industries: Vec::new(),
        };
        super::catalogue::insert_published_demo(&mut tx, provider_id, &input).await?;
    }
    for u in &d.users {
        let role: Role =
            u.role.parse().map_err(|e: dengta_domain::role::UnknownRole| AppError::Internal(e.to_string()))?;
        let account = NewAccount {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role,
            region: RegionCode::parse(&u.region).map_err(|e| AppError::Internal(e.to_string()))?,
            enterprise_id: u.enterprise.as_ref().and_then(|c| enterprise_ids.get(c).copied()),
            provider_id: u.provider.as_ref().and_then(|c| provider_ids.get(c).copied()),
            password: d.password.clone(),
            is_demo: true,
        };
        let id = db::users::insert(
            &mut tx,
            &db::users::NewUser {
                username: &account.username,
                display_name: &account.display_name,
                password_hash: &hash,
                role: account.role.code(),
                region_code: account.region.as_str(),
                enterprise_id: account.enterprise_id,
                provider_id: account.provider_id,
                is_demo: true,
            },
        )
        .await?;
        record(&mut tx, &actor, "user.create", &format!("user:{id}"), Outcome::Ok, "demo").await?;
    }
    db::meta::set(&mut tx, "demo", &d.version).await?;
    record(&mut tx, &actor, "demo.load", "demo", Outcome::Ok, &d.version).await?;
    tx.commit().await?;
    demo_assessment(app).await?;
    Ok(Ok(DemoOutcome::Loaded))
}

pub async fn is_demo(app: &App) -> AppResult<bool> {
    let mut conn = app.db.clone();
    Ok(db::meta::get(&mut conn, "demo").await?.is_some())
}

/// The demo enterprise user's submitted self-assessment (its weak scenes drive the matching demo).
async fn demo_assessment(app: &App) -> AppResult<()> {
    let mut conn = app.db.clone();
    let Some(u) = db::users::by_username(&mut conn, "demo-enterprise").await? else { return Ok(()) };
    let Some(enterprise_id) = u.enterprise_id else { return Ok(()) };
    let answers: dengta_domain::assessment::Answers =
        serde_json::from_str(include_str!("../../../data/demo-assessment.json"))
            .map_err(|e| AppError::Internal(format!("data/demo-assessment.json: {e}")))?;
    let principal = dengta_domain::role::Principal {
        user_id: u.id,
        username: u.username.clone(),
        role: Role::Enterprise,
        region: RegionCode::parse(&u.region_code).map_err(|e| AppError::Internal(e.to_string()))?,
        enterprise_id: Some(enterprise_id),
        provider_id: None,
    };
    let actor = Actor::user(&principal, "demo");
    let pledge = super::assessments::Pledge { confirmed: true, adjust_reason: "" };
    super::assessments::assess(app, &actor, enterprise_id, "mfg-2024", &answers, &pledge).await?;
    // Its size inputs (a small enterprise) and its application to the city's pilot programme.
    let size = super::enterprises::SizeForm {
        year: "2025".into(),
        employees: "120".into(),
        revenue_yuan: "56000000".into(),
        assets_yuan: "80000000".into(),
    };
    super::enterprises::record_size(app, &actor, enterprise_id, &size).await?;
    demo_pilot(app).await?;
    demo_money(app).await?;
    demo_publicity(app).await?;
    // The demo writes its records directly; the dashboard counters are built from them at once.
    super::dashboard::rebuild(&app.db).await?;
    Ok(())
}

/// The city programme with enterprises in several enrolment states and projects in every state,
/// so each page and list has something to show. (demo-enterprise itself has not applied: the
/// walkthrough starts with its application.)
async fn demo_pilot(app: &App) -> AppResult<()> {
    use crate::db::{programmes, projects};
    let prog = super::programmes::programme("nanjing-2024")?;
    let mut tx = app.db.begin().await?;
    let mut enrolment_of = std::collections::HashMap::new();
    for (uscc, status, eligible) in [
        ("91320104MA1X2Y4B86", "listed", true),
        ("91320115MA1X2Y5C28", "publicised", true),
        ("91320102MA1X2Y7E1P", "district_approved", true),
        ("91320115MA1X2Y6D7E", "applied", false),
    ] {
        let Some(e) = db::enterprises::by_uscc(&mut tx, uscc).await? else { continue };
        let id = programmes::insert_enrolment(
            &mut tx,
            &programmes::NewEnrolment {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enterprise_id: e.id,
                region_code: &e.region_code,
                sub_industry: prog.sub_industry_of(&e.industry_code).map(|s| s.name.as_str()),
                eligibility_json: "[]",
                eligible,
                applied_by: "demo-loader",
            },
        )
        .await?;
        let ends = (status == "publicised").then(|| db::now_ms() + 7 * 86_400_000);
        let change = programmes::EnrolmentChange { status, override_reason: None, publicity_ends_at: ends };
        programmes::set_enrolment_state(&mut tx, id, 1, &change).await?;
        enrolment_of.insert(uscc, (id, e));
    }
    let (Some((enrolment, e)), Some(provider)) =
        (enrolment_of.get("91320104MA1X2Y4B86"), db::providers::by_uscc(&mut tx, "91320104MA1X2Y8F6T").await?)
    else {
        tx.commit().await?;
        return Ok(());
    };
    let states =
        ["draft", "diagnosing", "diagnosed", "planned", "contracted", "filed", "in_progress", "completed", "cancelled"];
    for (i, status) in states.iter().enumerate() {
        let title = format!("秦淮智能装备改造项目（演示 {}）", i + 1);
        let id = projects::insert(
            &mut tx,
            &projects::NewProject {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enrolment_id: *enrolment,
                enterprise_id: e.id,
                provider_id: provider.id,
                region_code: &e.region_code,
                title: &title,
                created_by: "demo-loader",
            },
        )
        .await?;
        let filed = i >= 5 && *status != "cancelled";
        let filing = filed.then(|| format!("NJ-DEMO-{:03}", i + 1));
        let filing_ref = filing.as_deref().map(|no| (no, db::now_ms(), None));
        projects::set_state(&mut tx, id, 1, status, filing_ref).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Money for the demo: budget allocated to the Nanjing pools, and two more projects of the listed
/// 秦淮 enterprise — one accepted with its subsidy paid, one rejected — so the subsidy, ledger and
/// provider pages have history to show. Every movement is a real ledger transfer.
async fn demo_money(app: &App) -> AppResult<()> {
    use dengta_domain::ledger::{Account, AccountKind, Transfer};
    use dengta_domain::money::Fen;

    use crate::db::{acceptance, ledger, projects, subsidies};
    let prog = super::programmes::programme("nanjing-2024")?;
    let mut tx = app.db.begin().await?;
    let meta = ledger::Meta { actor: "demo-loader", ..Default::default() };
    for (pool, yuan) in [("enterprise", 30_000_000_i64), ("services", 2_000_000)] {
        let key = super::subsidies::pool_key(prog.id(), pool);
        let t = Transfer::between(
            Account::new(AccountKind::Funding, &key),
            Account::new(AccountKind::Pool, &key),
            Fen(yuan * 100),
            format!("下达资金 宁财企〔2026〕演示号：{} {pool}", prog.name()),
        );
        ledger::post(&mut tx, &t, &meta).await.map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let enrolment: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT n.id FROM enrolments n JOIN enterprises e ON e.id = n.enterprise_id \
             WHERE e.uscc = $1 AND n.status = 'listed'",
            dengta_db::args!["91320104MA1X2Y4B86"],
        )
        .await?;
    let (Some((enrolment,)), Some(e), Some(provider)) = (
        enrolment,
        db::enterprises::by_uscc(&mut tx, "91320104MA1X2Y4B86").await?,
        db::providers::by_uscc(&mut tx, "91320104MA1X2Y8F6T").await?,
    ) else {
        tx.commit().await?;
        return Ok(());
    };
    let now = db::now_ms();
    let day = 86_400_000;
    for (title, accepted) in
        [("秦淮智能装备改造项目（演示 验收通过）", true), ("秦淮智能装备改造项目（演示 验收未通过）", false)]
    {
        let id = projects::insert(
            &mut tx,
            &projects::NewProject {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enrolment_id: enrolment,
                enterprise_id: e.id,
                provider_id: provider.id,
                region_code: &e.region_code,
                title,
                created_by: "demo-loader",
            },
        )
        .await?;
        let no = format!("NJ-DEMO-{id:03}");
        projects::set_state(&mut tx, id, 1, "completed", Some((no.as_str(), now - 120 * day, None))).await?;
        let aid = acceptance::insert(
            &mut tx,
            &acceptance::NewAcceptance {
                project_id: id,
                enterprise_id: e.id,
                provider_id: provider.id,
                region_code: &e.region_code,
                declaration: super::acceptance::DECLARATION,
                declared_by: "demo-loader",
                bank_account: "6222020000000001",
                summary: "演示数据",
            },
        )
        .await?;
        let status = if accepted { "accepted" } else { "rejected" };
        let change = acceptance::Change { status, decided: true, ..Default::default() };
        acceptance::set_state(&mut tx, aid, 1, &change).await?;
        acceptance::add_outcome(&mut tx, provider.id, status, 21).await?;
        if !accepted {
            continue;
        }
        // 200,000 eligible × 40% = 80,000, reserved, approved after 公示 and paid.
        let amount = Fen(8_000_000);
        let trace = serde_json::json!([
            {"label": "可补助投入", "amount": 20_000_000, "note": "演示数据"},
            {"label": "按比例计算", "amount": 8_000_000, "note": "200,000.00 元 × 40% = 80,000.00 元"},
            {"label": "本次应拨付", "amount": 8_000_000, "note": "80,000.00 元，大写捌万元整"}
        ]);
        let sid = subsidies::insert(
            &mut tx,
            &subsidies::NewSubsidy {
                project_id: id,
                enterprise_id: e.id,
                region_code: &e.region_code,
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                pool_id: "enterprise",
                stage: "after_acceptance",
                amount_fen: amount.0,
                award_fen: amount.0,
                rule: &prog.rule_ref(),
                trace_json: &trace.to_string(),
                created_by: "demo-officer",
            },
        )
        .await?;
        let key = super::subsidies::pool_key(prog.id(), "enterprise");
        let meta = ledger::Meta { subsidy_id: Some(sid), actor: "demo-loader", ..Default::default() };
        let mut last = 0;
        for (from, to, what) in [
            (AccountKind::Pool, AccountKind::Commitment, "奖补核算"),
            (AccountKind::Commitment, AccountKind::Payable, "批准拨付"),
            (AccountKind::Payable, AccountKind::Disbursed, "拨付补助"),
        ] {
            let t =
                Transfer::between(Account::new(from, &key), Account::new(to, &key), amount, format!("{what}（演示）"));
            last = ledger::post(&mut tx, &t, &meta).await.map_err(|e| AppError::Internal(e.to_string()))?;
        }
        subsidies::insert_payment(&mut tx, sid, last, amount.0, "6222020000000001", "PZ-DEMO-001", "demo-finance")
            .await?;
        let change = subsidies::Change {
            status: "paid",
            publicity_ends_at: Some(now - 10 * day),
            approved_by: Some("demo-approver"),
            paid: true,
        };
        subsidies::set_state(&mut tx, sid, 1, &change).await?;
        // Three people, as the duty rules ask: their sides are on record for later steps.
        for (who, step) in [
            ("demo-officer", dengta_domain::duties::Step::SubsidyCompute),
            ("demo-approver", dengta_domain::duties::Step::SubsidyApprove),
            ("demo-finance", dengta_domain::duties::Step::SubsidyPay),
        ] {
            let Some(u) = db::users::by_username(&mut tx, who).await? else { continue };
            let p = super::accounts::principal_of(&u)?;
            let actor = super::Actor::user(&p, "demo");
            super::duties::take(&mut tx, &actor, step, &[("subsidy", sid), ("project", id)]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The completed demo project gets its contract, a milestone done and its invoice and payment, so
/// its acceptance checklist shows what is left (vouchers, summary report, the self-assessment after
/// completion); a published typical case, a 小灯塔 nomination and the city's 上云 target.
async fn demo_publicity(app: &App) -> AppResult<()> {
    use crate::db::{cases, dashboard, projects};
    let mut tx = app.db.begin().await?;
    let completed: Option<(i64, i64)> = tx
        .fetch_optional(
            "SELECT id, enterprise_id FROM projects WHERE title = $1",
            dengta_db::args!["秦淮智能装备改造项目（演示 8）"],
        )
        .await?;
    if let Some((id, enterprise)) = completed {
        let now = db::now_ms();
        let day = 86_400_000;
        let contract = serde_json::json!({
            "sign_date": "2025-03-01",
            "parties": [{"uscc": "91320104MA1X2Y8F6T", "name": "金陵工业互联网服务有限公司", "role": "integrator", "amount": 30_000_000}],
            "lines": [
                {"category": "software", "description": "设备管理与排产系统", "amount": 18_000_000},
                {"category": "gateway", "description": "数据采集网关", "amount": 7_000_000},
                {"category": "service", "description": "实施与培训", "amount": 5_000_000}
            ],
            "split": {"enterprise": 18_000_000, "provider_discount": 0, "government": 12_000_000},
            "criteria": [{"kind": "onsite_level_at_least", "level": 2}, {"kind": "milestones_done"}]
        });
        tx.execute(
            "UPDATE project_docs SET contract_json = $1 WHERE project_id = $2",
            dengta_db::args![contract.to_string(), id],
        )
        .await?;
        tx.execute(
            "UPDATE projects SET filed_at = $1, completed_at = $2, contract_total_fen = 30000000 WHERE id = $3",
            dengta_db::args![now - 200 * day, now - 5 * day, id],
        )
        .await?;
        let m = projects::add_milestone(&mut tx, id, "设备联网与系统上线", "2026-06-30").await?;
        tx.execute(
            "UPDATE milestones SET done_at = $1, done_by = 'demo-provider' WHERE id = $2",
            dengta_db::args![now - 10 * day, m],
        )
        .await?;
        for (kind, number) in [("invoice", "FP-DEMO-0001"), ("payment", "FK-DEMO-0001")] {
            projects::add_payment(
                &mut tx,
                id,
                kind,
                "software",
                number,
                18_000_000,
                "2026-05-20",
                false,
                "demo-enterprise",
            )
            .await?;
        }
        let case = cases::insert(
            &mut tx,
            &cases::NewCase {
                kind: "typical_case",
                enterprise_id: enterprise,
                project_id: Some(id),
                region_code: "320104",
                title: "机加工车间设备联网与智能排产",
                summary: "以设备管理系统和数据采集网关打通 42 台数控设备，排产由人工转为系统排程。",
                outcome: "现场评测由一级提升至三级；设备综合效率提升 18%，交期准时率由 82% 提升至 96%。",
                nominated_by: "demo-officer",
            },
        )
        .await?;
        cases::set_state(&mut tx, case, 1, "reviewed", Some(("成效可量化，具有推广价值", "demo-expert")), false)
            .await?;
        cases::set_state(&mut tx, case, 2, "published", None, true).await?;
        cases::insert(
            &mut tx,
            &cases::NewCase {
                kind: "lighthouse",
                enterprise_id: enterprise,
                project_id: Some(id),
                region_code: "320104",
                title: "秦淮区数字化转型小灯塔（提名）",
                summary: "示范带动同行业 12 家企业开展设备联网。",
                outcome: "评测三级，关键工序数控化率 85%。",
                nominated_by: "demo-officer",
            },
        )
        .await?;
    }
    dashboard::set_target(&mut tx, "320100", "cloud", 5000, "demo-loader").await?;
    tx.commit().await?;
    Ok(())
}
