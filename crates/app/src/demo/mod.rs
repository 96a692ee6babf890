//! The demo installation behind `dengta serve --demo`: the accounts, enterprises, providers and
//! solutions of `data/demo.toml` (embedded in the binary), then the demo city built on them
//! through the use-cases (see [`city`]).

pub mod city;

use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::accounts::NewAccount;
use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::db::{self, regions::RegionRow};

const DEMO_TOML: &str = include_str!("../../../../data/demo.toml");

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
    /// Catalogue tags (data/rules/solution-tags.toml).
    #[serde(default)]
    pub tags: Vec<String>,
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

/// How much of the demo to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// The accounts, enterprises, providers and solutions of `data/demo.toml` and the demo
    /// enterprise's self-assessment: what the integration tests start from.
    Accounts,
    /// Those, and the city with this many more enterprises and its programme under way.
    City { enterprises: usize },
}

/// The number of enterprises `dengta serve --demo` adds to the city.
pub const CITY_ENTERPRISES: usize = 520;

/// Loads the demo into an empty database; does nothing if it is already there;
/// refuses a database that holds anything that is not demo data.
pub async fn load(app: &App, scale: Scale) -> AppResult<Result<DemoOutcome, RealDataPresent>> {
    let mut conn = app.db.clone();
    // A demo database stays one, whatever was added to it since.
    if db::meta::get(&mut conn, "demo").await?.is_some() {
        return Ok(Ok(DemoOutcome::AlreadyLoaded));
    }
    if db::users::any_non_demo(&mut conn).await? || db::enterprises::any_non_demo(&mut conn).await? {
        return Ok(Err(RealDataPresent));
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
            tags: s.tags.clone(),
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
    if let Scale::City { enterprises } = scale {
        city::build(app, enterprises, &hash).await?;
    }
    // Counters are kept by the use-cases; a rebuild also folds in what the loader wrote above.
    super::dashboard::rebuild(&app.db).await?;
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
        serde_json::from_str(include_str!("../../../../data/demo-assessment.json"))
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
    Ok(())
}
