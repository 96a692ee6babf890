//! The middleware that resolves each request's [`Ctx`] (caller, language, CSRF token, the gate
//! a session must pass first) and renders, on the way out, any failure a handler carried.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, RETRY_AFTER, SET_COOKIE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::accounts::{self, Gate};
use crate::app::{App, AppError, random_hex};
use crate::ctx::{CSRF_COOKIE, Ctx, LANG_COOKIE, SESSION_COOKIE, client_address, cookie, set_cookie};
use crate::error_page;
use crate::i18n::Lang;

/// Paths a gated session may still reach: the page (or API) that lifts the gate, signing
/// out, the language switch and the assets.
fn gate_allows(gate: Gate, path: &str) -> bool {
    let own = match gate {
        Gate::ChangePassword => path == "/account/password" || path == "/api/v1/account/password",
        Gate::EnrolTotp => path.starts_with("/account/totp") || path.starts_with("/api/v1/account/totp"),
        Gate::Readings => return path == "/api/v1/devices/readings",
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
        todo_counts: None,
    };
    let resolved = match (&bearer, &session_id) {
        (Some(token), _) => accounts::token_principal(&app, token).await.map(|p| {
            let p = p.map(|(p, gate)| {
                ctx.gate = gate;
                p
            });
            (p, true)
        }),
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
            return error_page::render(&ctx, &e);
        }
    }
    if let Some(p) = ctx.principal.as_ref().filter(|p| p.role == dengta_domain::role::Role::Provider) {
        match crate::app::providers::admitted(&app, p).await {
            Ok(a) => ctx.provider_admitted = Some(a),
            Err(e) => {
                tracing::error!(error = %e, "reading the provider's state failed");
                return error_page::render(&ctx, &e);
            }
        }
    }
    if bearer.is_some() && ctx.principal.is_none() {
        // A wrong token is an error, not a silent downgrade to anonymous.
        return error_page::render(&ctx, &AppError::Unauthenticated);
    }
    if let Some(gate) = ctx.gate
        && !gate_allows(gate, &ctx.path)
    {
        // Pages go to the form that lifts the gate; the API (and a gateway's token anywhere)
        // says why it refuses.
        let to = match gate {
            Gate::ChangePassword => Some("/account/password"),
            Gate::EnrolTotp => Some("/account/totp"),
            Gate::Readings => None,
        };
        if let Some(to) = to.filter(|_| !ctx.api) {
            return axum::response::Redirect::to(to).into_response();
        }
        let key = match gate {
            Gate::ChangePassword => "error.must_change_password",
            Gate::EnrolTotp => "error.totp_enrol_required",
            Gate::Readings => "error.token_scope",
        };
        let p = crate::error::Problem { status: axum::http::StatusCode::FORBIDDEN, key, detail: String::new() };
        return error_page::render_problem(&ctx, &p);
    }
    // The side navigation's to-do counts, for a signed-in person's pages.
    let page = !ctx.api && req.method() == axum::http::Method::GET && !ctx.path.starts_with("/static/");
    if let Some(p) = ctx.principal.as_ref().filter(|_| page && ctx.gate.is_none()) {
        match crate::app::workbench::nav_counts(&app, p).await {
            Ok(c) => ctx.todo_counts = Some(c),
            Err(e) => tracing::warn!(error = %e, "counting the to-dos failed"),
        }
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
    if res.extensions().get::<crate::error::Failure>().is_none()
        && let Some(problem) = framework_rejection(&mut res).await
    {
        res.extensions_mut().insert(crate::error::Failure(problem));
    }
    if let Some(failure) = res.extensions_mut().remove::<crate::error::Failure>() {
        let mut rendered = error_page::render_problem(&ctx, &failure.0);
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

/// A refusal that came from the framework rather than from a handler — an unknown path or
/// method, a malformed path segment, query string or body, a missing content type, a body too
/// large — answers in plain text; it is turned into the same problem (problem+json under
/// `/api/`, the error page elsewhere) in the caller's language, with the framework's reason as
/// the detail.
async fn framework_rejection(res: &mut Response) -> Option<crate::error::Problem> {
    let status = res.status();
    if !status.is_client_error() {
        return None;
    }
    let plain = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"));
    if !plain {
        return None;
    }
    let key = match status.as_u16() {
        404 => "error.not_found",
        405 => "error.method_not_allowed",
        413 => "error.too_large",
        415 => "error.unsupported_media_type",
        _ => "error.bad_request",
    };
    let body = std::mem::take(res.body_mut());
    let detail = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).into_owned());
    Some(crate::error::Problem { status, key, detail: detail.unwrap_or_default() })
}
