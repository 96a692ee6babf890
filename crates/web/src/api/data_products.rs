//! `/api/v1` for data products: the catalogue (public), an enterprise's consent, an officer's
//! export (ZIP).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::app::data_products::{self, Consent};
use crate::ctx::Ctx;
use crate::error::HttpError;
use dengta_domain::data_product::DataProduct;

/// The products Dengta can export.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Products {
    items: Vec<DataProduct>,
}

pub async fn catalogue() -> Result<Json<Products>, HttpError> {
    Ok(Json(Products { items: data_products::catalogue()?.products.clone() }))
}

/// The enterprise's consents, one per scope.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Consents {
    items: Vec<Consent>,
}

pub async fn consents(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<Consents>, HttpError> {
    Ok(Json(Consents { items: data_products::consents(&app, ctx.principal()?, id).await? }))
}

fn scopes(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut s: Vec<String> = data_products::catalogue()
        .map_or_else(|_| Vec::new(), |c| c.products.iter().map(|p| p.consent_scope.clone()).collect());
    s.sort();
    s.dedup();
    schemars::json_schema!({ "type": "string", "enum": s })
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SetConsent {
    #[schemars(schema_with = "scopes")]
    scope: String,
    /// true gives consent, false withdraws it.
    given: bool,
}

pub async fn set_consent(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<SetConsent>, JsonRejection>,
) -> Result<Json<Consent>, HttpError> {
    let b = super::json_body(b)?;
    Ok(Json(data_products::set_consent(&app, &ctx.actor(), id, &b.scope, b.given).await?))
}

fn product_ids(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let ids: Vec<String> =
        data_products::catalogue().map_or_else(|_| Vec::new(), |c| c.products.iter().map(|p| p.id.clone()).collect());
    schemars::json_schema!({ "type": "string", "enum": ids })
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ExportQuery {
    /// The product's id; the catalogue's first product when left out.
    #[serde(default)]
    #[schemars(schema_with = "product_ids")]
    product: String,
}

/// The product over the officer's region: a ZIP with `manifest.json`, `data.csv`, `data.json`.
pub async fn export(State(app): State<App>, ctx: Ctx, Query(q): Query<ExportQuery>) -> Result<Response, HttpError> {
    let product = match q.product.trim() {
        "" => data_products::catalogue()?.products.first().map(|p| p.id.clone()).unwrap_or_default(),
        id => id.to_owned(),
    };
    let e = data_products::export(&app, &ctx.actor(), &product).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", e.file_name)),
        ],
        e.bytes,
    )
        .into_response())
}
