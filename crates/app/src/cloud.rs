//! Cloud adoption (企业上云): records reported by the enterprise, an authority
//! or a cloud provider; verified by an authority or by the enterprise's own
//! confirmation after three months of use. An enterprise counts as 上云 once
//! it has a verified record, and the count is kept in the roll-ups.

use dengta_domain::enterprise::cloud::{self, CloudCategory, CloudEvent, CloudLayer, CloudStatus};
use dengta_domain::policy::{self, Action};
use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;
use serde::Deserialize;

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::enterprise_file as file;
use crate::db::{self, Conn, Tx};

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct CloudForm {
    #[serde(default)]
    pub provider_name: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub layer: String,
    #[serde(default)]
    pub category: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub started_on: String,
    #[serde(default)]
    pub voucher: String,
    #[serde(default)]
    pub evidence: String,
}

pub fn parse_date(s: &str) -> AppResult<time::Date> {
    time::Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| AppError::invalid("error.date", s.trim()))
}

fn today() -> time::Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(offset).date()
}

/// Who may report a record for an enterprise: the enterprise itself, an authority over it, or a
/// provider admitted to the pool that serves it (a project or a consented contact request). An
/// enterprise outside that scope is `NotFound`, the same answer as one that does not exist.
async fn may_report(
    c: &mut impl Conn,
    p: &dengta_domain::role::Principal,
    id: i64,
    region: &RegionCode,
) -> AppResult<()> {
    match (p.role, p.provider_id) {
        (Role::Provider, Some(provider_id)) => {
            let admitted = db::providers::get(c, provider_id)
                .await?
                .and_then(|pr| dengta_domain::provider::lifecycle::ProviderState::parse(&pr.status))
                .is_some_and(|s| s.admitted());
            if !admitted {
                return Err(AppError::Forbidden);
            }
            if db::providers::serves(c, provider_id, id).await? { Ok(()) } else { Err(AppError::NotFound) }
        }
        (Role::Provider, None) => Err(AppError::Forbidden),
        _ => check(policy::enterprise(p, Action::Update, id, region)),
    }
}

/// Checks a report and stores it as `reported`, in the caller's transaction.
pub async fn report_in(c: &mut Tx, actor: &Actor, enterprise_id: i64, f: &CloudForm) -> AppResult<i64> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let e = db::enterprises::get(c, enterprise_id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&e.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    may_report(c, p, enterprise_id, &region).await?;
    let provider = f.provider_name.trim();
    let service = f.service.trim();
    if provider.is_empty() || service.is_empty() || provider.chars().count() > 100 || service.chars().count() > 100 {
        return Err(AppError::invalid("error.cloud_fields", ""));
    }
    let layer = CloudLayer::parse(&f.layer).ok_or(AppError::invalid("error.cloud_layer", &f.layer))?;
    let category = CloudCategory::parse(&f.category).ok_or(AppError::invalid("error.cloud_category", &f.category))?;
    let started = parse_date(&f.started_on)?;
    if started > today() {
        return Err(AppError::invalid("error.date_future", &f.started_on));
    }
    let started_on = started.to_string();
    let voucher = f.voucher.trim();
    let evidence = f.evidence.trim();
    let id = file::add_cloud(
        c,
        &file::NewCloud {
            enterprise_id,
            provider_name: provider,
            service,
            layer: layer.code(),
            category: category.code(),
            started_on: &started_on,
            voucher: (!voucher.is_empty()).then_some(voucher),
            evidence: (!evidence.is_empty()).then_some(evidence),
            reported_by: &actor.name,
        },
    )
    .await?;
    let change =
        serde_json::json!({ "cloud_record": id, "provider": provider, "service": service, "layer": layer.code() });
    file::add_history(c, enterprise_id, &actor.name, "cloud.report", "{}", &change.to_string()).await?;
    record(c, actor, "cloud.report", &format!("cloud:{id}"), Outcome::Ok, &format!("enterprise:{enterprise_id}"))
        .await?;
    Ok(id)
}

pub async fn report(app: &App, actor: &Actor, enterprise_id: i64, f: &CloudForm) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let id = report_in(&mut tx, actor, enterprise_id, f).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Verify,
    Reject,
    /// The enterprise confirms the service is in use.
    Confirm,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "verify" => Some(Decision::Verify),
            "reject" => Some(Decision::Reject),
            "confirm" => Some(Decision::Confirm),
            _ => None,
        }
    }
}

/// Moves a record through its life cycle; the first verified record makes
/// the enterprise count as 上云.
pub async fn decide(
    app: &App,
    actor: &Actor,
    enterprise_id: i64,
    record_id: i64,
    d: Decision,
) -> AppResult<CloudStatus> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let mut tx = app.db.begin().await?;
    let e = db::enterprises::get(&mut tx, enterprise_id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&e.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    check(policy::enterprise(p, Action::Read, enterprise_id, &region))?;
    let r = file::cloud(&mut tx, record_id)
        .await?
        .filter(|r| r.enterprise_id == enterprise_id)
        .ok_or(AppError::NotFound)?;
    let event = match (d, p.role) {
        (Decision::Verify, Role::Officer) => CloudEvent::AuthorityVerified,
        (Decision::Reject, Role::Officer) => CloudEvent::AuthorityRejected,
        (Decision::Confirm, Role::Enterprise) => {
            let started = parse_date(&r.started_on)?;
            CloudEvent::UseConfirmed { days_in_use: (today() - started).whole_days() }
        }
        _ => return Err(AppError::Forbidden),
    };
    let from = CloudStatus::parse(&r.status).ok_or(AppError::Internal(format!("bad status {}", r.status)))?;
    let to = cloud::transition(from, event).map_err(|e| AppError::invalid("error.cloud_transition", e.to_string()))?;
    if !file::set_cloud_status(&mut tx, record_id, r.version, to.code(), &actor.name).await? {
        return Err(AppError::Conflict("error.stale"));
    }
    if to == CloudStatus::Verified && !e.cloud_verified {
        db::enterprises::set_flag(&mut tx, enterprise_id, db::enterprises::Flag::CloudVerified, true).await?;
        super::dashboard::refresh_enterprise(&mut tx, enterprise_id).await?;
    }
    let change = serde_json::json!({ "cloud_record": record_id, "status": to.code() });
    let before = serde_json::json!({ "cloud_record": record_id, "status": from.code() });
    file::add_history(&mut tx, enterprise_id, &actor.name, "cloud.status", &before.to_string(), &change.to_string())
        .await?;
    record(&mut tx, actor, &format!("cloud.{}", to.code()), &format!("cloud:{record_id}"), Outcome::Ok, "").await?;
    tx.commit().await?;
    Ok(to)
}

/// One record of a provider's bulk report (API), keyed by the enterprise's code.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
pub struct BulkItem {
    pub uscc: String,
    #[serde(flatten)]
    pub record: CloudForm,
}

/// The outcome of each item of a bulk report: the new id or the reason.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct BulkResult {
    /// The item's position in the request, from 0.
    pub index: usize,
    /// The stored record, when the item was taken.
    pub id: Option<i64>,
    /// Why it was refused.
    pub error: Option<String>,
}

/// Reports many records; each item stands alone (a bad one does not stop the rest).
pub async fn report_bulk(app: &App, actor: &Actor, items: &[BulkItem]) -> AppResult<Vec<BulkResult>> {
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let mut conn = app.db.clone();
        let uscc = item.uscc.trim().to_ascii_uppercase();
        // An unknown code gets the very answer an out-of-scope one gets (no existence oracle).
        let result = match db::enterprises::by_uscc(&mut conn, &uscc).await? {
            None => Err(AppError::NotFound),
            Some(e) => report(app, actor, e.id, &item.record).await,
        };
        out.push(match result {
            Ok(id) => BulkResult { index, id: Some(id), error: None },
            Err(AppError::Invalid { key, detail }) => BulkResult {
                index,
                id: None,
                error: Some(format!(
                    "{}{}",
                    dengta_i18n::t(dengta_i18n::Lang::ZhCn, key),
                    if detail.is_empty() { String::new() } else { format!("：{detail}") }
                )),
            },
            Err(AppError::NotFound) => BulkResult {
                index,
                id: None,
                error: Some(dengta_i18n::t(dengta_i18n::Lang::ZhCn, "error.enterprise_out_of_scope").into()),
            },
            Err(e) => return Err(e),
        });
    }
    Ok(out)
}
