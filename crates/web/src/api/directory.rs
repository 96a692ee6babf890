//! `/api/v1` for the directory: enterprises, providers and regions in the caller's scope, a new
//! enterprise, bulk cloud records.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::{ListQuery, Page, paged};
use crate::app::cloud::BulkResult;
use crate::app::records::{ProviderRow, RegionRow};
use crate::app::{App, AppError, directory};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::Personal;

pub async fn enterprises(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(filters): Query<directory::EnterpriseFilters>,
) -> Result<Json<Page<directory::EnterpriseView>>, HttpError> {
    let p = ctx.principal()?;
    let rows = directory::list_enterprises(&app, p, &filters, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |e| e.id.to_string())))
}

pub async fn enterprise(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Personal>,
) -> Result<Json<directory::EnterpriseView>, HttpError> {
    Ok(Json(directory::get_enterprise(&app, &ctx.actor(), id, q.reveal()).await?))
}

pub async fn providers(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(f): Query<ProviderFilter>,
) -> Result<Json<Page<ProviderRow>>, HttpError> {
    let rows = directory::list_providers(&app, ctx.principal()?, f.status, q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |p| p.id.to_string())))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct ProviderFilter {
    #[schemars(schema_with = "dengta_domain::schema::provider_state")]
    status: Option<String>,
}

pub async fn regions(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<RegionRow>>, HttpError> {
    let rows = directory::list_regions(&app, ctx.principal()?, q.after.as_deref().unwrap_or(""), q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |r| r.code.clone())))
}

pub async fn create_enterprise(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<crate::app::enterprises::EnterpriseInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Created<directory::EnterpriseView>, HttpError> {
    let Json(input) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let id = crate::app::enterprises::register(&app, &ctx.actor(), &input).await?;
    let e = directory::get_enterprise(&app, &ctx.actor(), id, false).await?;
    Ok(Created(e))
}

/// What a bulk cloud report did: how many items were taken and refused, and each item's outcome
/// in the order sent.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CloudBulkReport {
    accepted: usize,
    rejected: usize,
    results: Vec<BulkResult>,
}

/// Bulk cloud reports: each item answers on its own (id or reason).
pub async fn cloud_bulk(
    State(app): State<App>,
    ctx: Ctx,
    body: Result<Json<Vec<crate::app::cloud::BulkItem>>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CloudBulkReport>, HttpError> {
    let Json(items) = body.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    if items.len() > 10_000 {
        return Err(AppError::invalid("error.too_many_items", "10000").into());
    }
    let results = crate::app::cloud::report_bulk(&app, &ctx.actor(), &items).await?;
    let accepted = results.iter().filter(|r| r.id.is_some()).count();
    Ok(Json(CloudBulkReport { accepted, rejected: results.len() - accepted, results }))
}
