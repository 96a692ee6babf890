//! `/api/v1` for dashboards (counters, drill-down, targets, tiles as .xlsx) and upward reporting
//! (signed packages exported to and imported from other instances).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use crate::app::App;
use crate::app::dashboard::Dashboard;
use crate::app::reports::{Package, TrustedKey};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct DashboardQuery {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "tile_ids")]
    tile: Option<String>,
}

/// The dashboard's tiles, as the export knows them.
fn tile_ids(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let ids: Vec<&str> = crate::app::dashboard::TILES.iter().map(|(id, _)| *id).collect();
    schemars::json_schema!({ "type": "string", "enum": ids })
}

/// The dashboard of a region in the caller's subtree: every counter, the drill-down to child
/// regions and sub-industries, monthly trends, targets.
pub async fn dashboard(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<DashboardQuery>,
) -> Result<Json<Dashboard>, HttpError> {
    Ok(Json(crate::app::dashboard::dashboard(&app, ctx.principal()?, q.region.as_deref()).await?))
}

/// One dashboard tile as .xlsx (`?tile=regions|sub_industries|levels|months|money&region=`).
pub async fn dashboard_export(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, HttpError> {
    let d = crate::app::dashboard::dashboard(&app, ctx.principal()?, q.region.as_deref()).await?;
    let tile = q.tile.as_deref().unwrap_or("regions");
    let bytes = crate::app::dashboard::tile_xlsx(&d, tile)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"dashboard-{}-{tile}.xlsx\"", d.region_code)),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct Target {
    #[schemars(schema_with = "dengta_domain::schema::target_metric")]
    metric: String,
    #[schemars(range(min = 0, max = 100_000_000))]
    value: i64,
}

/// The target set, as sent.
#[derive(Serialize, schemars::JsonSchema)]
pub struct TargetSet {
    metric: String,
    value: i64,
}

pub async fn set_target(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Target>, JsonRejection>,
) -> Result<Json<TargetSet>, HttpError> {
    let t = super::json_body(b)?;
    crate::app::dashboard::set_target(&app, &ctx.actor(), t.metric.trim(), t.value).await?;
    Ok(Json(TargetSet { metric: t.metric, value: t.value }))
}

/// Upward reporting: this instance's signed package of its region's counters.
pub async fn report_export(State(app): State<App>, ctx: Ctx) -> Result<Json<Package>, HttpError> {
    // The region's evaluation travels signed with the counters it was read from.
    let evaluation = crate::app::evaluation::city(&app, ctx.principal()?, None).await?.evaluation;
    Ok(Json(crate::app::reports::export(&app, &ctx.actor(), Some(evaluation)).await?))
}

/// This instance's key for upward reports, for the instance above to trust.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ReportKey {
    /// The region this instance reports for (the caller's).
    region_code: String,
    /// The Ed25519 public key, hex.
    public_key: String,
}

pub async fn report_key(State(app): State<App>, ctx: Ctx) -> Result<Json<ReportKey>, HttpError> {
    let p = ctx.principal()?;
    let public_key = crate::app::reports::public_key(&app)?;
    Ok(Json(ReportKey { region_code: p.region.as_str().to_owned(), public_key }))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct TrustKey {
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region_code: String,
    #[serde(default)]
    public_key: String,
    /// Days the key stays trusted; the rule's `key_validity_days` when absent.
    #[serde(default)]
    valid_days: Option<i64>,
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct RevokeKey {
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region_code: String,
    #[serde(default)]
    public_key: String,
    #[serde(default)]
    reason: String,
}

/// A key revoked: packages it signs are refused from now on.
#[derive(Serialize, schemars::JsonSchema)]
pub struct KeyRevoked {
    region_code: String,
    public_key: String,
    #[schemars(extend("const" = true))]
    revoked: bool,
}

pub async fn report_revoke(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<RevokeKey>, JsonRejection>,
) -> Result<Json<KeyRevoked>, HttpError> {
    let k = super::json_body(b)?;
    crate::app::reports::revoke(&app, &ctx.actor(), &k.region_code, &k.public_key, &k.reason).await?;
    Ok(Json(KeyRevoked { region_code: k.region_code, public_key: k.public_key, revoked: true }))
}

/// The keys trusted for the regions below.
#[derive(Serialize, schemars::JsonSchema)]
pub struct TrustedKeys {
    items: Vec<TrustedKey>,
}

pub async fn report_keys(State(app): State<App>, ctx: Ctx) -> Result<Json<TrustedKeys>, HttpError> {
    Ok(Json(TrustedKeys { items: crate::app::reports::keys(&app, &ctx.actor()).await? }))
}

/// A key trusted for a region below.
#[derive(Serialize, schemars::JsonSchema)]
pub struct KeyTrusted {
    region_code: String,
    #[schemars(extend("const" = true))]
    trusted: bool,
}

pub async fn report_trust(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<TrustKey>, JsonRejection>,
) -> Result<Created<KeyTrusted>, HttpError> {
    let k = super::json_body(b)?;
    crate::app::reports::trust(&app, &ctx.actor(), &k.region_code, &k.public_key, k.valid_days).await?;
    Ok(Created(KeyTrusted { region_code: k.region_code, trusted: true }))
}

/// A package imported: its region and how many region nodes it carried.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ReportImported {
    region_code: String,
    nodes: usize,
}

pub async fn report_import(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Package>, JsonRejection>,
) -> Result<Created<ReportImported>, HttpError> {
    let pkg = super::json_body(b)?;
    let nodes = crate::app::reports::import(&app, &ctx.actor(), &pkg).await?;
    Ok(Created(ReportImported { region_code: pkg.payload.region_code, nodes }))
}

/// The packages imported from the instances below, the latest per region.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ImportedReports {
    items: Vec<ImportedReport>,
}

/// The latest package imported for a region below.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ImportedReport {
    region_code: String,
    /// When the lower instance signed it (ms since the Unix epoch).
    generated_at: i64,
    imported_at: i64,
}

pub async fn reports(State(app): State<App>, ctx: Ctx) -> Result<Json<ImportedReports>, HttpError> {
    ctx.principal()?;
    let rows = crate::app::reports::imported(&app).await?;
    let items = rows
        .into_iter()
        .map(|(region_code, generated_at, imported_at)| ImportedReport { region_code, generated_at, imported_at })
        .collect();
    Ok(Json(ImportedReports { items }))
}
