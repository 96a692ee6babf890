//! Server-rendered pages (askama templates under `templates/`).

pub mod acceptance;
pub mod account_requests;
pub mod admin;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod chains;
pub mod claims;
pub mod dashboard;
pub mod data_products;
pub mod directory;
pub mod enterprises;
pub mod equipment;
pub mod evaluation;
pub mod fmt;
pub mod home;
pub mod imports;
pub mod instruments;
pub mod integrity;
pub mod ledger;
pub mod outcomes;
pub mod programmes;
pub mod project_outcomes;
pub mod projects;
pub mod providers;
pub mod public;
pub mod rounds;
pub mod subsidies;
pub mod webhooks;

use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::AppError;
use crate::error::HttpError;

/// Renders a template as an HTML response.
pub fn render<T: Template>(t: &T) -> Result<Response, HttpError> {
    let html = t.render().map_err(|e| AppError::Internal(format!("template: {e}")))?;
    let mut res = html.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    Ok(res)
}

/// Renders a form page; a refused submission answers 422, so clients and
/// tests can tell it from a plain view.
pub fn render_form<T: Template>(t: &T, refused: bool) -> Result<Response, HttpError> {
    let mut res = render(t)?;
    if refused {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// A status message carried across a redirect as an i18n key (`?msg=users.created`).
#[derive(Deserialize, Default)]
pub struct Msg {
    pub msg: Option<String>,
}

impl Msg {
    /// Only keys of known messages are shown; anything else is ignored.
    pub fn text(&self, lang: super::i18n::Lang) -> Option<&'static str> {
        let key = self.msg.as_deref()?;
        let ok = [
            "users.created",
            "users.done",
            "regions.created",
            "setup.done",
            "password.done",
            "register.done",
            "claims.done",
            "enterprises.created",
            "enterprises.saved",
            "instruments.published",
            "common.done",
            "apply.done",
            "objection.done",
            "contacts.sent",
            "chains.created",
            "chains.joined",
            "chains.stepped",
        ];
        ok.contains(&key).then(|| super::i18n::t(lang, key))
    }
}

/// Keyset page parameters: `?after=<last id>`.
#[derive(Deserialize, Default)]
pub struct Page {
    pub after: Option<i64>,
}

pub const PAGE_SIZE: i64 = 50;
