//! 数据产品: the catalogue for everyone; an enterprise user's consent for its data to be counted;
//! an officer's export over its region (ZIP with CSV, JSON and a hashed manifest).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Msg, render};
use crate::app::App;
use crate::app::data_products::{self, Consent};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;
use dengta_domain::data_product::DataProduct;
use dengta_domain::role::Role;

#[derive(Template)]
#[template(path = "data_products.html")]
struct Page {
    l: Layout,
    products: Vec<DataProduct>,
    /// The signed-in enterprise's consents (enterprise users only).
    consents: Vec<Consent>,
    /// Officers may export.
    exporter: bool,
    notice: Option<&'static str>,
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, HttpError> {
    let products = data_products::catalogue()?.products.clone();
    let mut consents = Vec::new();
    if let Some(p) = &ctx.principal
        && p.role == Role::Enterprise
        && let Some(id) = p.enterprise_id
    {
        consents = data_products::consents(&app, p, id).await?;
    }
    let exporter = ctx.principal.as_ref().is_some_and(|p| p.role == Role::Officer);
    let l = Layout::new(&ctx, "data_products.title", &[("/public", "public.portal_title")]);
    render(&Page { l, products, consents, exporter, notice: msg.text(ctx.lang) })
}

#[derive(Deserialize, Default)]
pub struct ConsentForm {
    #[serde(default)]
    scope: String,
    /// "yes" gives, anything else withdraws.
    #[serde(default)]
    give: String,
}

pub async fn consent(State(app): State<App>, ctx: Ctx, Form(f): Form<ConsentForm>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let id = p.enterprise_id.ok_or(crate::app::AppError::Forbidden)?;
    data_products::set_consent(&app, &ctx.actor(), id, &f.scope, f.give == "yes").await?;
    Ok(Redirect::to("/public/data-products?msg=common.done").into_response())
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    product: String,
}

pub async fn export(State(app): State<App>, ctx: Ctx, Query(q): Query<ExportQuery>) -> Result<Response, HttpError> {
    // No product named: the catalogue, where each product has its export link.
    if q.product.trim().is_empty() {
        return Ok(Redirect::to("/public/data-products").into_response());
    }
    let e = data_products::export(&app, &ctx.actor(), &q.product).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", e.file_name)),
        ],
        e.bytes,
    )
        .into_response())
}
