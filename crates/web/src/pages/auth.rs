//! Login, logout, first-run setup, password change, mail and SMS notices, and the language
//! switch.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::role::Role;
use serde::Deserialize;

use super::{Msg, render, render_form};
use crate::app::{App, AppError, accounts, outbound, setup};
use crate::ctx::{CSRF_COOKIE, Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::error::HttpError;
use crate::form::{Kept, Pairs, one, refused};
use crate::i18n::Lang;
use crate::layout::Layout;

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

pub async fn login_page(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, HttpError> {
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

/// Signs the browser in: the session cookie and a new CSRF token (no fixation across login).
fn signed_in(app: &App, done: &accounts::LoggedIn) -> Result<Response, HttpError> {
    let secure = app.settings.session.secure_cookies;
    let mut res = Redirect::to("/home").into_response();
    let h = res.headers_mut();
    if let Some(v) = set_cookie(SESSION_COOKIE, &done.session_id, None, secure) {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(v) = set_cookie(CSRF_COOKIE, &crate::app::random_hex(24)?, None, secure) {
        h.append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The login page again with a refusal: every failed login gets the same one; rate limits
/// and a busy server say so, with Retry-After.
fn login_refused(ctx: &Ctx, username: &str, e: &AppError) -> Result<Response, HttpError> {
    let (status, key) = match e {
        AppError::TooMany { .. } => (StatusCode::TOO_MANY_REQUESTS, "error.too_many_logins"),
        AppError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "error.busy"),
        AppError::Invalid { key, .. } if *key == "error.login_expired" => (StatusCode::UNAUTHORIZED, *key),
        _ => (StatusCode::UNAUTHORIZED, "error.login_failed"),
    };
    let page = LoginPage {
        demo: demo_accounts(ctx),
        l: Layout::new(ctx, "login.title", &[]),
        error: Some(ctx.t(key)),
        notice: None,
        username: username.trim().chars().take(64).collect(),
        setup_open: false,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    if let Some(v) = crate::error::retry_after(e) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
}

fn refused_login(e: &AppError) -> bool {
    matches!(e, AppError::Invalid { .. } | AppError::Locked | AppError::TooMany { .. } | AppError::Busy { .. })
}

pub async fn login(State(app): State<App>, ctx: Ctx, Form(f): Form<LoginForm>) -> Result<Response, HttpError> {
    let attempt = accounts::Attempt {
        username: &f.username,
        password: &f.password,
        client: &ctx.client,
        request_id: &ctx.request_id,
    };
    match accounts::login(&app, &attempt).await {
        Ok(accounts::LoginStep::Done(done)) => signed_in(&app, &done),
        Ok(accounts::LoginStep::SecondFactor { challenge }) => {
            render(&TotpLoginPage { l: Layout::new(&ctx, "totp.login_title", &[]), challenge, error: None })
        }
        Err(e) if refused_login(&e) => login_refused(&ctx, &f.username, &e),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "login_totp.html")]
struct TotpLoginPage {
    l: Layout,
    challenge: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct TotpLoginForm {
    challenge: String,
    code: String,
}

/// The second step: the code from the authenticator app, or a recovery code.
pub async fn login_totp(State(app): State<App>, ctx: Ctx, Form(f): Form<TotpLoginForm>) -> Result<Response, HttpError> {
    match accounts::login_second_factor(&app, &f.challenge, &f.code, &ctx.client, &ctx.request_id).await {
        Ok(done) => signed_in(&app, &done),
        Err(e @ AppError::Invalid { key: "error.login_expired", .. }) => login_refused(&ctx, "", &e),
        Err(e) if refused_login(&e) => {
            let key = if matches!(e, AppError::TooMany { .. }) { "error.too_many_logins" } else { "error.totp_wrong" };
            let mut res = render(&TotpLoginPage {
                l: Layout::new(&ctx, "totp.login_title", &[]),
                challenge: f.challenge,
                error: Some(ctx.t(key)),
            })?;
            *res.status_mut() = match e {
                AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            if let Some(v) = crate::error::retry_after(&e) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
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

pub async fn logout(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
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

pub async fn setup_page(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    if !setup::is_open(&app).await? {
        return Err(AppError::NotFound.into());
    }
    render(&SetupPage { l: Layout::new(&ctx, "setup.title", &[]), error: None, username: String::new() })
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    username: String,
    password: String,
}

pub async fn setup(State(app): State<App>, ctx: Ctx, Form(f): Form<SetupForm>) -> Result<Response, HttpError> {
    if !setup::is_open(&app).await? {
        return Err(AppError::NotFound.into());
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
        Err(e) => Err(e.into()),
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
    /// Why the user is here first: a one-time password to replace.
    notice: Option<&'static str>,
}

fn gate_notice(ctx: &Ctx) -> Option<&'static str> {
    (ctx.gate == Some(accounts::Gate::ChangePassword)).then(|| ctx.t("password.must_change"))
}

pub async fn password_page(ctx: Ctx) -> Result<Response, HttpError> {
    render(&PasswordPage {
        l: Layout::new(&ctx, "password.title", &[("/account/password", "nav.password")]),
        error: None,
        notice: gate_notice(&ctx),
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
) -> Result<Response, HttpError> {
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
                notice: gate_notice(&ctx),
            };
            let mut res = render(&page)?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    l: Layout,
    /// Enrolled already: how many recovery codes are left.
    enrolled: Option<i64>,
    /// A secret on offer: (base32 text, otpauth URI).
    offer: Option<(String, String)>,
    /// Shown once, right after enrolment.
    codes: Vec<String>,
    /// The user must enrol before anything else.
    required: bool,
    error: Option<&'static str>,
}

async fn totp_page(
    app: &App,
    ctx: &Ctx,
    codes: Vec<String>,
    error: Option<&'static str>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let (enrolled, left) = accounts::totp_status(app, p).await?;
    let offer = if enrolled { None } else { accounts::totp_offer(app, p).await?.map(|o| (o.secret, o.uri)) };
    let mut res = render(&TotpPage {
        l: Layout::new(ctx, "totp.title", &[("/account/totp", "nav.totp")]),
        enrolled: enrolled.then_some(left),
        offer,
        codes,
        required: ctx.gate == Some(accounts::Gate::EnrolTotp),
        error,
    })?;
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn totp_show(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    totp_page(&app, &ctx, Vec::new(), None).await
}

pub async fn totp_begin(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    match accounts::totp_begin(&app, &ctx.actor()).await {
        Ok(_) => Ok(Redirect::to("/account/totp").into_response()),
        Err(AppError::Conflict(key)) => totp_page(&app, &ctx, Vec::new(), Some(ctx.t(key))).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TotpConfirmForm {
    code: String,
}

pub async fn totp_confirm(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<TotpConfirmForm>,
) -> Result<Response, HttpError> {
    match accounts::totp_confirm(&app, &ctx.actor(), &f.code).await {
        Ok(codes) => {
            // The gate is lifted: the page shows the codes once, with the way on.
            let mut ctx = ctx;
            ctx.gate = None;
            totp_page(&app, &ctx, codes, None).await
        }
        Err(AppError::Invalid { key, .. } | AppError::Conflict(key)) => {
            totp_page(&app, &ctx, Vec::new(), Some(ctx.t(key))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    l: Layout,
    rows: Vec<TokenLine>,
    notice: Option<&'static str>,
    /// Enterprises and providers may issue their gateways' tokens.
    gateways: bool,
    /// A gateway token just issued: shown this once.
    issued: Option<String>,
    /// A refused gateway token: the message and the name as typed.
    error: Option<String>,
    name: String,
}

struct TokenLine {
    id: i64,
    name: String,
    created: String,
    expires: String,
    state: &'static str,
    active: bool,
    /// A gateway's token (device readings only).
    gateway: bool,
}

pub async fn tokens(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, HttpError> {
    tokens_page(&app, &ctx, msg.text(ctx.lang), None, None).await
}

/// The caller's tokens, with a gateway token just issued or a refused request's message.
async fn tokens_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    issued: Option<String>,
    refused: Option<(String, String)>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let now = crate::app::now_ms();
    let rows = accounts::list_tokens(app, p, p.user_id)
        .await?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_none_or(|e| e <= now);
            let state = if t.revoked_at.is_some() {
                "tokens.revoked"
            } else if expired {
                "tokens.expired"
            } else {
                "tokens.active"
            };
            TokenLine {
                id: t.id,
                name: t.name,
                created: super::fmt::when(t.created_at),
                expires: t.expires_at.map(super::fmt::when).unwrap_or_default(),
                state: ctx.t(state),
                active: t.revoked_at.is_none() && !expired,
                gateway: t.scope.is_some(),
            }
        })
        .collect();
    let failed = refused.is_some();
    let (error, name) = refused.map_or((None, String::new()), |(e, n)| (Some(e), n));
    render_form(
        &TokensPage {
            l: Layout::new(ctx, "tokens.title", &[("/account/tokens", "nav.tokens")]),
            rows,
            notice,
            gateways: matches!(p.role, Role::Enterprise | Role::Provider),
            issued,
            error,
            name,
        },
        failed,
    )
}

#[derive(Deserialize)]
pub struct GatewayTokenForm {
    name: String,
    days: Option<String>,
}

/// Issues a gateway's token and shows it once on the tokens page.
pub async fn create_gateway_token(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<GatewayTokenForm>,
) -> Result<Response, HttpError> {
    let days = match f.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(app.settings.security.token_days),
        Some(d) => d.parse::<i64>().map_err(|_| AppError::invalid("error.token_days", d)),
    };
    let issued = match days {
        Ok(days) => accounts::create_gateway_token(&app, &ctx.actor(), &f.name, days).await,
        Err(e) => Err(e),
    };
    match issued {
        Ok(t) => tokens_page(&app, &ctx, None, Some(t.token), None).await,
        Err(AppError::Invalid { key, .. }) => {
            tokens_page(&app, &ctx, None, None, Some((ctx.t(key).to_owned(), f.name))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    id: i64,
    /// The user page to return to (the security administrator revoking someone's token).
    back: Option<i64>,
}

pub async fn revoke_token(State(app): State<App>, ctx: Ctx, Form(f): Form<RevokeForm>) -> Result<Response, HttpError> {
    accounts::revoke_token(&app, &ctx.actor(), f.id).await?;
    let to = match f.back {
        Some(user) => format!("/admin/users/{user}?msg=users.done"),
        None => "/account/tokens?msg=common.done".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    l: Layout,
    /// What the form shows: the stored values, or those of a refused submission.
    email: String,
    mobile: String,
    email_on: bool,
    sms_on: bool,
    channels: outbound::Channels,
    notice: Option<&'static str>,
    error: Option<String>,
    /// A refused form, for the message beside its field.
    k: Kept,
}

fn contact_layout(ctx: &Ctx) -> Layout {
    Layout::new(ctx, "contact.title", &[("/account/password", "nav.password"), ("/account/contact", "contact.title")])
}

/// The caller's e-mail and mobile for notices (their own, so unmasked), and the consents.
pub async fn contact_page(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, HttpError> {
    let c = outbound::contact(&app, &ctx.actor()).await?;
    render(&ContactPage {
        l: contact_layout(&ctx),
        email: c.email,
        mobile: c.mobile,
        email_on: c.email_on,
        sms_on: c.sms_on,
        channels: c.channels,
        notice: msg.text(ctx.lang),
        error: None,
        k: Kept::default(),
    })
}

pub async fn save_contact(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let ticked = |name: &str| f.iter().any(|(k, _)| k == name);
    let input = outbound::ContactInput {
        email: Some(one(&f, "email")),
        mobile: Some(one(&f, "mobile")),
        email_on: Some(ticked("email_on")),
        sms_on: Some(ticked("sms_on")),
    };
    match outbound::set_contact(&app, &ctx.actor(), ctx.lang, &input).await {
        Ok(_) => Ok(Redirect::to("/account/contact?msg=common.done").into_response()),
        Err(e) => {
            let (error, k) = refused(&ctx, e, Kept::new("contact", &f))?;
            let page = ContactPage {
                l: contact_layout(&ctx),
                email: one(&f, "email"),
                mobile: one(&f, "mobile"),
                email_on: ticked("email_on"),
                sms_on: ticked("sms_on"),
                channels: outbound::Channels { email: app.settings.mail.enabled, sms: app.settings.sms.enabled },
                notice: None,
                error: Some(error),
                k,
            };
            render_form(&page, true)
        }
    }
}
