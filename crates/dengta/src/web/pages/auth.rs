//! Login, logout, first-run setup, password change and the language switch.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Msg, render};
use crate::app::{App, AppError, accounts, setup};
use crate::web::ctx::{CSRF_COOKIE, Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::web::i18n::Lang;
use crate::web::layout::Layout;

pub async fn root(ctx: Ctx) -> Redirect {
    if ctx.principal.is_some() { Redirect::to("/home") } else { Redirect::to("/login") }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    /// On a demo installation: the demo accounts (username, description) and their password.
    demo: Option<(Vec<(String, String)>, String)>,
    error: Option<&'static str>,
    notice: Option<&'static str>,
    username: String,
    setup_open: bool,
}

pub async fn login_page(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, AppError> {
    if ctx.principal.is_some() {
        return Ok(Redirect::to("/home").into_response());
    }
    let setup_open = setup::is_open(&app).await?;
    render(&LoginPage {
        demo: demo_accounts(&ctx),
        notice: msg.text(ctx.lang),
        l: Layout::new(&ctx, "login.title", &[]),
        error: None,
        username: String::new(),
        setup_open,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(State(app): State<App>, ctx: Ctx, Form(f): Form<LoginForm>) -> Result<Response, AppError> {
    match accounts::login(&app, &f.username, &f.password, &ctx.request_id).await {
        Ok(done) => {
            let secure = app.settings.session.secure_cookies;
            let mut res = Redirect::to("/home").into_response();
            let h = res.headers_mut();
            if let Some(v) = set_cookie(SESSION_COOKIE, &done.session_id, None, secure) {
                h.append(header::SET_COOKIE, v);
            }
            // A new CSRF token with the new session (no fixation across login).
            if let Some(v) = set_cookie(CSRF_COOKIE, &crate::app::random_hex(24)?, None, secure) {
                h.append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Locked)) => {
            let key = match e {
                AppError::Locked => "error.locked",
                _ => "error.login_failed",
            };
            let page = LoginPage {
                demo: demo_accounts(&ctx),
                l: Layout::new(&ctx, "login.title", &[]),
                error: Some(ctx.t(key)),
                notice: None,
                username: f.username.trim().chars().take(64).collect(),
                setup_open: false,
            };
            let mut res = render(&page)?;
            *res.status_mut() = if matches!(e, AppError::Locked) {
                axum::http::StatusCode::LOCKED
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

fn demo_accounts(ctx: &Ctx) -> Option<(Vec<(String, String)>, String)> {
    if !ctx.demo {
        return None;
    }
    let d = crate::app::demo::data().ok()?;
    Some((d.users.into_iter().map(|u| (u.username, u.display_name)).collect(), d.password))
}

fn clear_session_cookie(res: &mut Response, secure: bool) {
    if let Some(v) = set_cookie(SESSION_COOKIE, "", Some(0), secure) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub async fn logout(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(sid) = &ctx.session_id {
        accounts::logout(&app, sid, &ctx.actor()).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    clear_session_cookie(&mut res, app.settings.session.secure_cookies);
    Ok(res)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    l: Layout,
    error: Option<String>,
    username: String,
}

pub async fn setup_page(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    if !setup::is_open(&app).await? {
        return Err(AppError::NotFound);
    }
    render(&SetupPage { l: Layout::new(&ctx, "setup.title", &[]), error: None, username: String::new() })
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    username: String,
    password: String,
}

pub async fn setup(State(app): State<App>, ctx: Ctx, Form(f): Form<SetupForm>) -> Result<Response, AppError> {
    if !setup::is_open(&app).await? {
        return Err(AppError::NotFound);
    }
    match setup::complete(&app, &f.token, &f.username, &f.password, &ctx.request_id).await {
        Ok(_) => Ok(Redirect::to("/login?msg=setup.done").into_response()),
        Err(AppError::Invalid { key, detail }) => {
            let mut msg = ctx.t(key).to_owned();
            if !detail.is_empty() && key == "error.password_short" {
                msg = format!("{msg}（≥{detail}）");
            }
            let mut res = render(&SetupPage {
                l: Layout::new(&ctx, "setup.title", &[]),
                error: Some(msg),
                username: f.username,
            })?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Sets the language cookie and returns to the page the switch was used on.
pub async fn switch_lang(State(app): State<App>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_code(&code).unwrap_or_default();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            let rest = r.strip_prefix("http://").or_else(|| r.strip_prefix("https://"))?;
            rest.strip_prefix(host).filter(|p| p.starts_with('/') && !p.starts_with("//")).map(str::to_owned)
        })
        .unwrap_or_else(|| "/".to_owned());
    let mut res = Redirect::to(&back).into_response();
    if let Some(v) = set_cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), app.settings.session.secure_cookies) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("Referer"));
    res
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    error: Option<String>,
}

pub async fn password_page(ctx: Ctx) -> Result<Response, AppError> {
    render(&PasswordPage {
        l: Layout::new(&ctx, "password.title", &[("/account/password", "nav.password")]),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let result = if f.new != f.confirm {
        Err(AppError::invalid("password.mismatch", ""))
    } else {
        accounts::change_password(&app, &ctx.actor(), &f.current, &f.new).await
    };
    match result {
        Ok(()) => {
            let mut res = Redirect::to("/login?msg=password.done").into_response();
            clear_session_cookie(&mut res, app.settings.session.secure_cookies);
            Ok(res)
        }
        Err(AppError::Invalid { key, .. }) => {
            let page = PasswordPage {
                l: Layout::new(&ctx, "password.title", &[("/account/password", "nav.password")]),
                error: Some(ctx.t(key).to_owned()),
            };
            let mut res = render(&page)?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}
