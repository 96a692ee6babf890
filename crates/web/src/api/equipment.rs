//! `/api/v1` for equipment on the cloud (设备上云): the device lists, devices of an enterprise,
//! batches of readings from gateways, and KPIs (OEE, energy per unit, utilisation).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use dengta_domain::equipment::kinds::DeviceKinds;
use serde::Deserialize;

use super::takes::Created;
use super::v1::Items;
use crate::app::equipment::{self as eq, Batch, BatchAnswer, BucketKind, Device, DeviceForm, KpiSeries};
use crate::app::{App, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;

/// Device types and protocols a device is registered with.
pub async fn kinds() -> Result<Json<DeviceKinds>, HttpError> {
    Ok(Json(eq::kinds()?.clone()))
}

/// The enterprise's devices.
pub async fn list(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<Items<Device>>, HttpError> {
    Ok(Json(Items::of(eq::of_enterprise(&app, ctx.principal()?, id).await?)))
}

/// Registers a device; the same device again under its code answers the same record.
pub async fn register(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<DeviceForm>, JsonRejection>,
) -> Result<Created<Device>, HttpError> {
    // Scope before the body: an id outside the caller's scope is not found, whatever it carries.
    if b.is_err() {
        eq::of_enterprise(&app, ctx.principal()?, id).await?;
    }
    let f = super::json_body(b)?;
    let (d, _) = eq::register(&app, &ctx.actor(), id, &f).await?;
    Ok(Created(d))
}

/// A batch of readings: one answer per reading (stored, duplicate, refused with its reason).
pub async fn readings(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<Batch>, JsonRejection>,
) -> Result<Json<BatchAnswer>, HttpError> {
    let batch = super::json_body(b)?;
    Ok(Json(eq::ingest(&app, &ctx.actor(), &batch).await?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct KpiQuery {
    /// One device of the enterprise (all its devices when absent).
    device: Option<i64>,
    /// Window start, ms since the Unix epoch (default: 30 days before `to`).
    from: Option<i64>,
    /// Window end, ms (default: now).
    to: Option<i64>,
    /// `day` (China-time days, the default) or `hour`.
    bucket: Option<BucketKind>,
}

impl KpiQuery {
    fn window(&self) -> (BucketKind, i64, i64) {
        let to = self.to.unwrap_or_else(crate::app::now_ms);
        let from = self.from.unwrap_or(to.saturating_sub(30 * 86_400_000));
        (self.bucket.unwrap_or_default(), from, to)
    }
}

/// KPIs of an enterprise's devices, or of one of them, by day or hour.
pub async fn enterprise_kpis(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<KpiQuery>,
) -> Result<Json<KpiSeries>, HttpError> {
    let (bucket, from, to) = q.window();
    Ok(Json(eq::device_kpis(&app, ctx.principal()?, id, q.device, bucket, from, to).await?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct ProjectKpiQuery {
    /// Window start, ms since the Unix epoch (default: 30 days before `to`).
    from: Option<i64>,
    /// Window end, ms (default: now).
    to: Option<i64>,
    /// `day` (the default) or `hour`.
    bucket: Option<BucketKind>,
}

/// KPIs of a project's devices.
pub async fn project_kpis(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ProjectKpiQuery>,
) -> Result<Json<KpiSeries>, HttpError> {
    let p = ctx.principal()?;
    projects::file(&app, p, id).await?;
    let w = KpiQuery { device: None, from: q.from, to: q.to, bucket: q.bucket }.window();
    Ok(Json(eq::project_kpis(&app, id, w.0, w.1, w.2).await?))
}
