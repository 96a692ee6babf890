//! The demo installation behind `dengta serve --demo`, loaded from
//! `data/demo.toml` (embedded in the binary).

use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::accounts::{NewAccount, hash_password};
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
    pub users: Vec<DemoUser>,
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
    let hash = hash_password(&d.password).await?;
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
    let mut provider_ids = std::collections::HashMap::new();
    for p in &d.providers {
        let id = db::providers::insert(&mut tx, &p.uscc, &p.name, &p.region, &p.kind, true).await?;
        provider_ids.insert(p.uscc.clone(), id);
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
    Ok(Ok(DemoOutcome::Loaded))
}

pub async fn is_demo(app: &App) -> AppResult<bool> {
    let mut conn = app.db.clone();
    Ok(db::meta::get(&mut conn, "demo").await?.is_some())
}
