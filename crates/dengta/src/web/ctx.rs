//! The request context: who is calling, in which language, under which
//! request id, with which CSRF token. Resolved once per request by
//! [`resolve`], read by handlers through the `Ctx` extractor.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dengta_domain::role::Principal;

use super::i18n::Lang;
use crate::app::accounts::Gate;
use crate::app::{Actor, App, AppError, accounts, random_hex};

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
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(AppError::Internal("request context missing".into()))
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

/// Paths a gated session may still reach: the page (or API) that lifts the gate, signing
/// out, the language switch and the assets.
fn gate_allows(gate: Gate, path: &str) -> bool {
    let own = match gate {
        Gate::ChangePassword => path == "/account/password" || path == "/api/v1/account/password",
        Gate::EnrolTotp => path.starts_with("/account/totp") || path.starts_with("/api/v1/account/totp"),
    };
    own || path == "/logout" || path.starts_with("/static/") || path.starts_with("/lang/")
}

fn hexish(s: &str) -> bool {
    (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Middleware: builds the [`Ctx`] and, on the way out, sets a fresh CSRF
/// cookie when the browser had none.
pub async fn resolve(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned).unwrap_or_default();
    let api = req.uri().path().starts_with("/api/");
    // Pages are Chinese unless the user picked English with the switch; API
    // clients may ask through Accept-Language.
    let accept = if api { headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) } else { None };
    let lang = Lang::negotiate(cookie(headers, LANG_COOKIE), accept);
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let session_id = cookie(headers, SESSION_COOKIE).filter(|s| hexish(s)).map(str::to_owned);
    let csrf_cookie = cookie(headers, CSRF_COOKIE).filter(|s| hexish(s)).map(str::to_owned);

    let path = req.uri().path().to_owned();
    let demo = app.demo.load(std::sync::atomic::Ordering::Relaxed);
    let client = client_address(&req, &app.settings.security.trusted_proxies);
    let mut ctx = Ctx {
        principal: None,
        lang,
        request_id,
        csrf: String::new(),
        via_token: false,
        session_id: None,
        api,
        path,
        demo,
        provider_admitted: None,
        client,
        gate: None,
    };
    let resolved = match (&bearer, &session_id) {
        (Some(token), _) => accounts::token_principal(&app, token).await.map(|p| (p, true)),
        (None, Some(sid)) => accounts::session_principal(&app, sid).await.map(|p| {
            let p = p.map(|(p, gate)| {
                ctx.gate = gate;
                p
            });
            (p, false)
        }),
        (None, None) => Ok((None, false)),
    };
    match resolved {
        Ok((p, via_token)) => {
            ctx.via_token = via_token && p.is_some();
            if p.is_some() && !via_token {
                ctx.session_id = session_id;
            }
            ctx.principal = p;
        }
        Err(e) => {
            tracing::error!(error = %e, "resolving the caller failed");
            return super::error::render(&ctx, &e);
        }
    }
    if let Some(p) = ctx.principal.as_ref().filter(|p| p.role == dengta_domain::role::Role::Provider) {
        match crate::app::providers::admitted(&app, p).await {
            Ok(a) => ctx.provider_admitted = Some(a),
            Err(e) => {
                tracing::error!(error = %e, "reading the provider's state failed");
                return super::error::render(&ctx, &e);
            }
        }
    }
    if bearer.is_some() && ctx.principal.is_none() {
        // A wrong token is an error, not a silent downgrade to anonymous.
        return super::error::render(&ctx, &AppError::Unauthenticated);
    }
    if let Some(gate) = ctx.gate
        && !gate_allows(gate, &ctx.path)
    {
        // Pages go to the form that lifts the gate; the API says why it refuses.
        if !ctx.api {
            let to = match gate {
                Gate::ChangePassword => "/account/password",
                Gate::EnrolTotp => "/account/totp",
            };
            return axum::response::Redirect::to(to).into_response();
        }
        let key = match gate {
            Gate::ChangePassword => "error.must_change_password",
            Gate::EnrolTotp => "error.totp_enrol_required",
        };
        let p = super::error::Problem { status: axum::http::StatusCode::FORBIDDEN, key, detail: String::new() };
        return super::error::render_problem(&ctx, &p);
    }
    let fresh = csrf_cookie.is_none();
    ctx.csrf = match csrf_cookie {
        Some(c) => c,
        None => random_hex(24).unwrap_or_default(),
    };
    let secure = app.settings.session.secure_cookies;
    let csrf_value = ctx.csrf.clone();
    req.extensions_mut().insert(ctx.clone());
    req.extensions_mut().insert(app.limits.clone());
    let mut res = next.run(req).await;
    if let Some(failure) = res.extensions_mut().remove::<super::error::Failure>() {
        let mut rendered = super::error::render_problem(&ctx, &failure.0);
        for (k, v) in res.headers() {
            if k == SET_COOKIE || k == RETRY_AFTER {
                rendered.headers_mut().append(k, v.clone());
            }
        }
        res = rendered;
    }
    let rotated = res.headers().get_all(SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
    if fresh
        && !rotated
        && !ctx.via_token
        && let Some(v) = set_cookie(CSRF_COOKIE, &csrf_value, None, secure)
    {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}
