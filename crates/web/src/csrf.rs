//! CSRF protection for every state-changing request made with a cookie:
//! the browser's `Sec-Fetch-Site` / `Origin` must be this site, and the
//! request must echo the `dengta_csrf` cookie (form field `_csrf` or header
//! `X-CSRF-Token`). Calls with an API token carry no cookie and are exempt.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ctx::Ctx;
use super::error::Problem;

fn failure() -> Response {
    Problem { status: axum::http::StatusCode::FORBIDDEN, key: "error.csrf", detail: String::new() }.into_response()
}

/// Constant-time comparison of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn same_origin(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
            !host.is_empty() && bare == host
        }
    }
}

pub async fn protect(req: Request, next: Next) -> Response {
    // Installed on the routes that change state (see `routes::router`); a safe method passes.
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return failure();
    };
    if ctx.via_token {
        return next.run(req).await;
    }
    if !same_origin(&req) {
        tracing::warn!(request_id = %ctx.request_id, "cross-origin state change refused");
        return failure();
    }
    // The expected token is the cookie the browser sent; a request without the
    // cookie cannot match (ctx.csrf is then freshly minted and unknown to it).
    let had_cookie = super::ctx::cookie(req.headers(), super::ctx::CSRF_COOKIE).is_some();
    if !had_cookie {
        return failure();
    }
    if let Some(h) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return if same(h, &ctx.csrf) { next.run(req).await } else { failure() };
    }
    // File uploads (multipart) carry the token in the query string: the body
    // is streamed to disk and is not read here.
    if let Some(t) = req.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v)
    }) {
        return if same(&t, &ctx.csrf) { next.run(req).await } else { failure() };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return failure();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, 256 * 1024).await else {
        return failure();
    };
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v));
    match token {
        Some(t) if same(&t, &ctx.csrf) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        _ => failure(),
    }
}
