//! `/api/v1` for dashboards (counters, drill-down, targets, tiles as .xlsx) and upward reporting
//! (signed packages exported to and imported from other instances).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
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
) -> Result<Response, HttpError> {
    let d = crate::app::dashboard::dashboard(&app, ctx.principal()?, q.region.as_deref()).await?;
    Ok(Json(d).into_response())
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

pub async fn set_target(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Target>, JsonRejection>,
) -> Result<Response, HttpError> {
    let t = super::json_body(b)?;
    crate::app::dashboard::set_target(&app, &ctx.actor(), t.metric.trim(), t.value).await?;
    Ok(Json(json!({ "metric": t.metric, "value": t.value })).into_response())
}

/// Upward reporting: this instance's signed package of its region's counters.
pub async fn report_export(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let pkg = crate::app::reports::export(&app, &ctx.actor()).await?;
    Ok(Json(pkg).into_response())
}

pub async fn report_key(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    Ok(Json(json!({ "region_code": p.region.as_str(), "public_key": crate::app::reports::public_key(&app)? }))
        .into_response())
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

pub async fn report_revoke(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<RevokeKey>, JsonRejection>,
) -> Result<Response, HttpError> {
    let k = super::json_body(b)?;
    crate::app::reports::revoke(&app, &ctx.actor(), &k.region_code, &k.public_key, &k.reason).await?;
    Ok(Json(json!({ "region_code": k.region_code, "public_key": k.public_key, "revoked": true })).into_response())
}

pub async fn report_keys(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let rows = crate::app::reports::keys(&app, &ctx.actor()).await?;
    Ok(Json(json!({ "items": rows })).into_response())
}

pub async fn report_trust(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<TrustKey>, JsonRejection>,
) -> Result<Response, HttpError> {
    let k = super::json_body(b)?;
    crate::app::reports::trust(&app, &ctx.actor(), &k.region_code, &k.public_key, k.valid_days).await?;
    Ok((StatusCode::CREATED, Json(json!({ "region_code": k.region_code, "trusted": true }))).into_response())
}

pub async fn report_import(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<crate::app::reports::Package>, JsonRejection>,
) -> Result<Response, HttpError> {
    let pkg = super::json_body(b)?;
    let nodes = crate::app::reports::import(&app, &ctx.actor(), &pkg).await?;
    Ok((StatusCode::CREATED, Json(json!({ "region_code": pkg.payload.region_code, "nodes": nodes }))).into_response())
}

pub async fn reports(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    ctx.principal()?;
    let rows = crate::app::reports::imported(&app).await?;
    let items: Vec<_> =
        rows.iter().map(|(r, g, i)| json!({ "region_code": r, "generated_at": g, "imported_at": i })).collect();
    Ok(Json(json!({ "items": items })).into_response())
}
