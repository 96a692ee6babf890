//! The request context: who is calling, in which language, under which
//! request id, with which CSRF token. Resolved once per request by the `resolve`
//! middleware, read by handlers through the `Ctx` extractor.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use dengta_domain::role::Principal;

use super::i18n::Lang;
use crate::app::accounts::Gate;
use crate::app::{Actor, AppError};

pub const SESSION_COOKIE: &str = "dengta_session";
pub const CSRF_COOKIE: &str = "dengta_csrf";
pub const LANG_COOKIE: &str = "dengta_lang";

#[derive(Clone, Debug)]
pub struct Ctx {
    pub principal: Option<Principal>,
    pub lang: Lang,
    pub request_id: String,
    /// The CSRF token forms must echo (also in the `dengta_csrf` cookie).
    pub csrf: String,
    /// Authenticated by an API token rather than a cookie (no CSRF risk).
    pub via_token: bool,
    pub session_id: Option<String>,
    /// Under `/api/`: errors answer as problem+json.
    pub api: bool,
    /// The request path, for the active navigation entry.
    pub path: String,
    /// The installation runs the demo (a banner shows on every page).
    pub demo: bool,
    /// For a provider account: whether its provider was admitted to the pool. Until then the
    /// account may only follow its application (see `routes::RouteDef::applicant`).
    pub provider_admitted: Option<bool>,
    /// The client's address: the peer, or what a trusted proxy says (`security.trusted_proxies`).
    pub client: String,
    /// What the session must do before anything else (change a one-time password, enrol TOTP).
    pub gate: Option<Gate>,
    /// To-dos per side-navigation entry, for the pages (see `app::workbench::nav_counts`).
    pub todo_counts: Option<std::sync::Arc<crate::app::workbench::Counts>>,
}

impl Ctx {
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Some(p) => Actor::user(p, &self.request_id),
            None => Actor::anonymous("anonymous", &self.request_id),
        }
    }

    pub fn principal(&self) -> Result<&Principal, AppError> {
        self.principal.as_ref().ok_or(AppError::Unauthenticated)
    }

    pub fn t(&self, key: &str) -> &'static str {
        super::i18n::t(self.lang, key)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = crate::error::HttpError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(AppError::Internal("request context missing".into()).into())
    }
}

/// The value of cookie `name` in the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every Dengta cookie carries.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> Option<HeaderValue> {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).ok()
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy, in which case
/// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_address(req: &Request, trusted: &[String]) -> String {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Some(peer) = peer else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| t.parse::<IpAddr>().is_ok_and(|t| t == *ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|ip| !is_trusted(ip)).unwrap_or(peer).to_string()
}
