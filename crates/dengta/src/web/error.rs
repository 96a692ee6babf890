//! The one place where errors become responses: problem+json under `/api/`,
//! an HTML page elsewhere, both in the caller's language. Internal details are
//! logged with the request id and never shown.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::ctx::Ctx;
use super::i18n::t;
use super::layout::Layout;
use crate::app::AppError;
use crate::db::DbError;

/// A failure carried on a response until the context middleware renders it.
#[derive(Clone, Debug)]
pub struct Failure(pub Problem);

#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub key: &'static str,
    pub detail: String,
}

impl From<&AppError> for Problem {
    fn from(e: &AppError) -> Problem {
        let p = |status, key: &'static str, detail: String| Problem { status, key, detail };
        match e {
            AppError::Unauthenticated => p(StatusCode::UNAUTHORIZED, "error.unauthenticated", String::new()),
            AppError::Forbidden => p(StatusCode::FORBIDDEN, "error.forbidden", String::new()),
            AppError::NotFound | AppError::Db(DbError::NotFound) => {
                p(StatusCode::NOT_FOUND, "error.not_found", String::new())
            }
            AppError::Invalid { key, detail } => p(StatusCode::UNPROCESSABLE_ENTITY, key, detail.clone()),
            AppError::Conflict(key) => p(StatusCode::CONFLICT, key, String::new()),
            AppError::Db(DbError::Conflict(_) | DbError::Stale) => {
                p(StatusCode::CONFLICT, "error.conflict", String::new())
            }
            AppError::Locked => p(StatusCode::LOCKED, "error.locked", String::new()),
            AppError::Db(DbError::Unavailable(err)) => {
                tracing::warn!(error = %err, "database unavailable");
                p(StatusCode::SERVICE_UNAVAILABLE, "error.unavailable", String::new())
            }
            AppError::TooMany { .. } => p(StatusCode::TOO_MANY_REQUESTS, "error.too_many", String::new()),
            AppError::Busy { .. } => p(StatusCode::SERVICE_UNAVAILABLE, "error.busy", String::new()),
            AppError::Db(_) | AppError::Internal(_) => {
                tracing::error!(error = %e, "internal error");
                p(StatusCode::INTERNAL_SERVER_ERROR, "error.internal", String::new())
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = Problem::from(&self).into_response();
        if let Some(v) = retry_after(&self) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The `Retry-After` a refusal carries (rate limits, busy hashing), in seconds.
pub fn retry_after(e: &AppError) -> Option<HeaderValue> {
    match e {
        AppError::TooMany { retry_after } | AppError::Busy { retry_after } => Some(HeaderValue::from(*retry_after)),
        _ => None,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(Failure(self));
        res
    }
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "str::is_empty")]
    detail: &'a str,
    code: &'a str,
    request_id: &'a str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout,
    message: &'a str,
    detail: &'a str,
    request_id: &'a str,
}

/// Renders an error for this request.
pub fn render(ctx: &Ctx, e: &AppError) -> Response {
    let mut res = render_problem(ctx, &Problem::from(e));
    if let Some(v) = retry_after(e) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Seconds a client is told to wait after a 503 (the database is out of reach).
pub const RETRY_AFTER_SECS: &str = "5";

pub fn render_problem(ctx: &Ctx, p: &Problem) -> Response {
    let mut res = render_body(ctx, p);
    if p.status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
    }
    res
}

fn render_body(ctx: &Ctx, p: &Problem) -> Response {
    let title = t(ctx.lang, p.key);
    if ctx.api {
        let body = ProblemJson {
            kind: format!("urn:dengta:problem:{}", p.key.trim_start_matches("error.")),
            title,
            status: p.status.as_u16(),
            detail: &p.detail,
            code: p.key,
            request_id: &ctx.request_id,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut res = (p.status, json).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        return res;
    }
    if p.status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let page = ErrorPage {
        l: Layout::new(ctx, "error.title", &[]),
        message: title,
        detail: &p.detail,
        request_id: &ctx.request_id,
    };
    match page.render() {
        Ok(html) => {
            let mut res = (p.status, html).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res
        }
        Err(_) => (p.status, title.to_owned()).into_response(),
    }
}
