//! The one place where failures are drawn: problem+json under `/api/`, an HTML page
//! elsewhere, both in the caller's language. Internal details are logged with the request id
//! and never shown.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::app::AppError;
use crate::ctx::Ctx;
use crate::error::{Problem, RETRY_AFTER_SECS, retry_after};
use crate::i18n::t;
use crate::layout::Layout;

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
