//! HTTP: server-rendered pages and the JSON API under `/api/v1`, with the
//! cross-cutting layers (request id, tracing, security headers, caller
//! context, CSRF) applied once here.

pub mod api;
pub mod assets;
pub mod csrf;
pub mod ctx;
pub mod error;
pub mod error_page;
pub mod form;
pub use dengta_i18n as i18n;
pub mod layout;
pub mod pages;
pub mod replica;
pub mod resolve;
pub mod routes;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

// The use-case crate under its layer name; the web reaches data only through it.
use crate::app::{App, random_hex};
use dengta_app as app;

/// The Content-Security-Policy: only our own embedded assets, no inline script.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

#[derive(Clone, Default)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = random_hex(12).ok()?;
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

pub fn router(app: App) -> Router {
    let request_timeout = Duration::from_secs(app.settings.server.request_timeout_secs);
    let request_id = HeaderName::from_static("x-request-id");
    let sec = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    let routes = routes::router();
    // Test builds hold every JSON answer to its documented schema (see `api::answers`).
    #[cfg(feature = "check-answers")]
    let routes = routes.layer(middleware::from_fn(api::answers::check));
    routes
        .layer(middleware::from_fn_with_state(app.clone(), resolve::resolve))
        .layer(middleware::from_fn_with_state(app.clone(), replica::route_reads))
        .layer(sec("content-security-policy", CSP))
        .layer(sec("x-content-type-options", "nosniff"))
        .layer(sec("x-frame-options", "DENY"))
        .layer(sec("referrer-policy", "same-origin"))
        .layer(sec("cross-origin-opener-policy", "same-origin"))
        .layer(sec("permissions-policy", "camera=(), microphone=(), geolocation=()"))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, RandomRequestId))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .with_state(app)
}
