//! Account and region administration (三员: the system administrator manages
//! accounts and regions, the security administrator lockouts and passwords).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::duties::{AccountAction, Procedure};
use dengta_domain::role::Role;
use serde::Deserialize;

use super::directory::split_page;
use super::{Msg, PAGE_SIZE, Page, render};
use crate::app::accounts::{self};
use crate::app::now_ms;
use crate::app::records::{RegionRow, UserRow};
use crate::app::{App, AppError, directory};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{UserForm, account_from};
use crate::layout::Layout;

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role_label: &'static str,
    pub region_code: String,
    pub status: &'static str,
}

fn line(ctx: &Ctx, u: &UserRow) -> UserLine {
    let role_label = u.role.parse::<Role>().map(|r| ctx.t(r.label_key())).unwrap_or("?");
    let status = if u.disabled {
        ctx.t("users.disabled")
    } else if u.locked_until.is_some_and(|t| t > now_ms()) {
        ctx.t("users.locked")
    } else {
        ctx.t("users.active")
    };
    UserLine {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role_label,
        region_code: u.region_code.clone(),
        status,
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    rows: Vec<UserLine>,
    next: Option<String>,
    notice: Option<&'static str>,
    can_create: bool,
}

pub async fn users(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<Page>,
    Query(msg): Query<Msg>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = accounts::list_users(&app, p, q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |u| u.id);
    render(&UsersPage {
        rows: rows.iter().map(|u| line(&ctx, u)).collect(),
        next: next.map(|id| format!("/admin/users?after={id}")),
        notice: msg.text(ctx.lang),
        can_create: p.role == Role::SysAdmin,
        l: Layout::new(&ctx, "users.title", &[("/admin/users", "nav.users")]),
    })
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewUserPage {
    l: Layout,
    error: Option<String>,
    form: UserForm,
    roles: Vec<(&'static str, &'static str)>,
}

pub async fn create_user(State(app): State<App>, ctx: Ctx, Form(f): Form<UserForm>) -> Result<Response, HttpError> {
    let result = match account_from(&f) {
        Ok(a) => accounts::create_user(&app, &ctx.actor(), &a).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/admin/users/{id}?msg=users.created")).into_response()),
        Err(AppError::Invalid { key, .. } | AppError::Conflict(key)) => {
            let form = UserForm { password: String::new(), ..f };
            let mut res = render(&NewUserPage {
                l: new_user_layout(&ctx),
                error: Some(ctx.t(key).to_owned()),
                form,
                roles: role_options(&ctx),
            })?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    l: Layout,
    u: UserLine,
    disabled: bool,
    is_sys: bool,
    is_sec: bool,
    can_reset: bool,
    /// Actions the duty rules let the caller take only by a two-person request: (code, label).
    requests: Vec<(&'static str, &'static str)>,
    /// Why buttons are missing (三员分立), one line per refused action.
    duty_notes: Vec<String>,
    notice: Option<&'static str>,
    new_password: Option<String>,
    /// The user's API tokens, for the security administrator (id, name, expires, state, active).
    tokens: Vec<(i64, String, String, &'static str, bool)>,
}

async fn user_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    new_password: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let u = accounts::get_user(app, p, id).await?;
    let href = format!("/admin/users/{id}");
    let l = Layout::titled(ctx, u.username.clone(), &[("/admin/users", "nav.users"), (&href, &u.username)]);
    // Which of the caller's actions the duty rules allow alone, only by request, or not at all.
    let rules = crate::app::duties::rules()?;
    let target = u.role.parse::<Role>().map_err(|e| AppError::Internal(e.to_string()))?;
    let mine: &[AccountAction] = match p.role {
        Role::SysAdmin if p.user_id != id => &[if u.disabled { AccountAction::Enable } else { AccountAction::Disable }],
        Role::SecAdmin => &[AccountAction::Unlock, AccountAction::ResetPassword],
        _ => &[],
    };
    let (mut direct, mut requests, mut duty_notes) = (Vec::new(), Vec::new(), Vec::new());
    for a in mine {
        match rules.account_procedure(p.role, *a, target) {
            Ok(Procedure::Direct) => direct.push(*a),
            Ok(Procedure::TwoPerson) => {
                requests.push((a.code(), a.label_zh()));
                duty_notes.push(format!("{}：{}", a.label_zh(), ctx.t("duty.two_person_note")));
            }
            Err(e) => duty_notes.push(e.to_string()),
        }
    }
    let is_sys = direct.iter().any(|a| matches!(a, AccountAction::Enable | AccountAction::Disable));
    let tokens = if p.role == Role::SecAdmin { token_lines(app, ctx, p, id).await? } else { Vec::new() };
    render(&UserPage {
        tokens,
        l,
        disabled: u.disabled,
        u: line(ctx, &u),
        is_sys,
        is_sec: direct.contains(&AccountAction::Unlock),
        requests,
        duty_notes,
        can_reset: direct.contains(&AccountAction::ResetPassword),
        notice,
        new_password,
    })
}

pub async fn user(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(msg): Query<Msg>,
) -> Result<Response, HttpError> {
    user_page(&app, &ctx, id, msg.text(ctx.lang), None).await
}

async fn token_lines(
    app: &App,
    ctx: &Ctx,
    p: &dengta_domain::role::Principal,
    id: i64,
) -> Result<Vec<(i64, String, String, &'static str, bool)>, AppError> {
    let now = now_ms();
    Ok(accounts::list_tokens(app, p, id)
        .await?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_none_or(|e| e <= now);
            let state = match (t.revoked_at.is_some(), expired) {
                (true, _) => "tokens.revoked",
                (false, true) => "tokens.expired",
                _ => "tokens.active",
            };
            let expires = t.expires_at.map(super::fmt::when).unwrap_or_default();
            (t.id, t.name, expires, ctx.t(state), t.revoked_at.is_none() && !expired)
        })
        .collect())
}

fn done(id: i64) -> Response {
    Redirect::to(&format!("/admin/users/{id}?msg=users.done")).into_response()
}

pub async fn disable(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    accounts::set_disabled(&app, &ctx.actor(), id, true).await?;
    Ok(done(id))
}

pub async fn enable(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    accounts::set_disabled(&app, &ctx.actor(), id, false).await?;
    Ok(done(id))
}

pub async fn unlock(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    accounts::unlock(&app, &ctx.actor(), id).await?;
    Ok(done(id))
}

/// Removes the user's second factor (lost phone); it enrols again at its next login.
pub async fn reset_totp(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    accounts::totp_reset(&app, &ctx.actor(), id).await?;
    Ok(done(id))
}

/// Shows the new password once, on the response to the POST itself (never in a URL).
pub async fn reset_password(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let pw = accounts::reset_password(&app, &ctx.actor(), id).await?;
    user_page(&app, &ctx, id, None, Some(pw)).await
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    l: Layout,
    rows: Vec<RegionRow>,
    next: Option<String>,
    can_create: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    code: String,
    name: String,
}

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    pub after: Option<String>,
    pub msg: Option<String>,
}

async fn regions_page(
    app: &App,
    ctx: &Ctx,
    after: &str,
    notice: Option<&'static str>,
    error: Option<String>,
    form: (String, String),
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let mut rows = directory::list_regions(app, p, after, PAGE_SIZE + 1).await?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| format!("/admin/regions?after={}", r.code))
    } else {
        None
    };
    render(&RegionsPage {
        l: Layout::new(ctx, "regions.title", &[("/admin/regions", "nav.regions")]),
        rows,
        next,
        can_create: p.role == Role::SysAdmin,
        notice,
        error,
        code: form.0,
        name: form.1,
    })
}

pub async fn regions(State(app): State<App>, ctx: Ctx, Query(q): Query<RegionQuery>) -> Result<Response, HttpError> {
    let notice = Msg { msg: q.msg }.text(ctx.lang);
    regions_page(&app, &ctx, q.after.as_deref().unwrap_or(""), notice, None, Default::default()).await
}

#[derive(Deserialize)]
pub struct RegionForm {
    code: String,
    name: String,
}

pub async fn create_region(State(app): State<App>, ctx: Ctx, Form(f): Form<RegionForm>) -> Result<Response, HttpError> {
    match directory::create_region(&app, &ctx.actor(), &f.code, &f.name).await {
        Ok(()) => Ok(Redirect::to("/admin/regions?msg=regions.created").into_response()),
        Err(AppError::Invalid { key, .. } | AppError::Conflict(key)) => {
            let mut res = regions_page(&app, &ctx, "", None, Some(ctx.t(key).to_owned()), (f.code, f.name)).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

fn role_options(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.code(), ctx.t(r.label_key()))).collect()
}

fn new_user_layout(ctx: &Ctx) -> Layout {
    Layout::new(ctx, "users.new", &[("/admin/users", "nav.users"), ("/admin/users/new", "users.new")])
}

pub async fn new_user(ctx: Ctx) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let form = UserForm { region: p.region.to_string(), ..Default::default() };
    render(&NewUserPage { l: new_user_layout(&ctx), error: None, form, roles: role_options(&ctx) })
}
