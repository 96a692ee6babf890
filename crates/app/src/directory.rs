//! Reading enterprises, providers and regions within the caller's scope.
//! Personal data (legal representative, phone) is masked in lists and every
//! full read is audited.

use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Serialize;

use super::audit::{Outcome, record, record_alone};
use super::personal::mask_personal;
use super::{Actor, App, AppError, AppResult, check};
use crate::db::{self, enterprises::EnterpriseRow, providers::ProviderRow, regions::RegionRow};

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EnterpriseView {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    /// False when the personal fields above are masked.
    pub personal_data_shown: bool,
}

fn view(mut e: EnterpriseRow, reveal: bool) -> EnterpriseView {
    if !reveal {
        mask_personal(&mut e);
    }
    let (legal_rep, contact_phone) = (e.legal_rep, e.contact_phone);
    EnterpriseView {
        id: e.id,
        uscc: e.uscc,
        name: e.name,
        region_code: e.region_code,
        industry_code: e.industry_code,
        legal_rep,
        contact_phone,
        personal_data_shown: reveal,
    }
}

fn region_of(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))
}

/// List filters as they arrive from a form or query string.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize, schemars::JsonSchema)]
pub struct EnterpriseFilters {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::industry")]
    pub industry: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::size_class")]
    pub size_class: Option<String>,
    /// "yes" / "no"
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::yes_no")]
    pub cloud: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::srdi_tier")]
    pub srdi: Option<String>,
    /// Narrow to a region node inside the caller's own subtree.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    pub region: Option<String>,
}

pub async fn list_enterprises(
    app: &App,
    p: &Principal,
    filters: &EnterpriseFilters,
    after_id: i64,
    limit: i64,
) -> AppResult<Vec<EnterpriseView>> {
    check(policy::enterprise_list(p))?;
    let scope = match filters.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => {
            let r = RegionCode::parse(code).map_err(|e| AppError::invalid("error.region_code", e.to_string()))?;
            if !p.region.contains(&r) {
                return Err(AppError::invalid("error.region_scope", code));
            }
            r
        }
        None => p.region.clone(),
    };
    let industry = match filters.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(
            dengta_domain::enterprise::IndustryCode::parse(code)
                .map_err(|e| AppError::invalid("error.industry", e.to_string()))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let size_class = filters.size_class.as_deref().filter(|s| !s.is_empty());
    if let Some(sc) = size_class
        && dengta_domain::enterprise::profile::size_from_code(sc).is_none()
    {
        return Err(AppError::invalid("error.bad_request", sc));
    }
    let cloud_verified = match filters.cloud.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let bounds = scope.subtree_bounds();
    let only_id = match p.role {
        // An enterprise user whose claim is not confirmed yet sees nothing.
        Role::Enterprise => Some(p.enterprise_id.unwrap_or(-1)),
        _ => None,
    };
    let filter = db::enterprises::ListFilter {
        bounds: &bounds,
        only_id,
        name: filters.name.as_deref(),
        industry: industry.as_deref(),
        size_class,
        cloud_verified,
        srdi: filters.srdi.as_deref().filter(|s| !s.is_empty()),
        after_id,
        limit,
    };
    let mut conn = app.read().await?;
    let rows = db::enterprises::list(&mut conn, &filter).await?;
    Ok(rows.into_iter().map(|r| view(r, false)).collect())
}

/// One enterprise; personal data is masked unless `reveal`, and a revealed read is audited.
pub async fn get_enterprise(app: &App, actor: &Actor, id: i64, reveal: bool) -> AppResult<EnterpriseView> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut conn = app.db.clone();
    let e = db::enterprises::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    check(policy::enterprise(p, Action::Read, e.id, &region_of(&e.region_code)?))?;
    if reveal {
        super::personal::audit_read(app, actor, id).await?;
    }
    Ok(view(e, reveal))
}

pub async fn list_providers(
    app: &App,
    p: &Principal,
    status: Option<String>,
    after_id: i64,
    limit: i64,
) -> AppResult<Vec<ProviderRow>> {
    check(policy::provider_list(p))?;
    let only_id = match p.role {
        Role::Provider => Some(p.provider_id.ok_or(AppError::NotFound)?),
        _ => None,
    };
    let mut conn = app.read().await?;
    let f = db::providers::ListFilter { only_id, status, ..Default::default() };
    Ok(db::providers::list(&mut conn, &p.region.subtree_bounds(), &f, after_id, limit).await?)
}

pub async fn get_provider(app: &App, p: &Principal, id: i64) -> AppResult<ProviderRow> {
    let mut conn = app.db.clone();
    let pr = db::providers::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    check(policy::provider(p, Action::Read, pr.id, &region_of(&pr.region_code)?))?;
    Ok(pr)
}

pub async fn list_regions(app: &App, p: &Principal, after: &str, limit: i64) -> AppResult<Vec<RegionRow>> {
    check(policy::regions(p, Action::List))?;
    let mut conn = app.db.clone();
    Ok(db::regions::list(&mut conn, &p.region.subtree_bounds(), after, limit).await?)
}

/// Adds a region node under an existing parent (system administrator).
pub async fn create_region(app: &App, actor: &Actor, code: &str, name: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    check(policy::regions(p, Action::Create))?;
    let code = RegionCode::parse(code).map_err(|e| AppError::invalid("error.region_code", e.to_string()))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::invalid("error.region_name", name));
    }
    let parent = code.parent().ok_or(AppError::invalid("error.region_code", code.as_str()))?;
    if !p.region.contains(&code) {
        record_alone(&app.db, actor, "region.create", &format!("region:{code}"), Outcome::Denied, "outside scope")
            .await?;
        return Err(AppError::NotFound);
    }
    let mut conn = app.db.clone();
    if db::regions::get(&mut conn, parent.as_str()).await?.is_none() {
        return Err(AppError::invalid("error.region_parent", parent.as_str()));
    }
    let row = RegionRow {
        code: code.to_string(),
        name: name.to_owned(),
        parent_code: Some(parent.to_string()),
        level: format!("{:?}", code.level()).to_lowercase(),
    };
    let mut tx = app.db.begin().await?;
    db::regions::insert(&mut tx, &row, false).await.map_err(|e| match e {
        db::DbError::Conflict(_) => AppError::Conflict("error.region_exists"),
        e => e.into(),
    })?;
    record(&mut tx, actor, "region.create", &format!("region:{code}"), Outcome::Ok, name).await?;
    tx.commit().await?;
    Ok(())
}

/// A region's name, when the region table has it.
pub async fn region_name(app: &App, code: &str) -> AppResult<Option<String>> {
    Ok(db::regions::get(&mut app.db.clone(), code).await?.map(|r| r.name))
}
