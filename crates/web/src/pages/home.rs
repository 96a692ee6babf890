//! The home page, one per role.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use dengta_domain::role::Role;
use dengta_domain::workbench::{JOURNEY, queues_for};

use super::render;
use crate::app::{App, directory, home, workbench};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::i18n::Lang;
use crate::layout::Layout;
use crate::pages::fmt;

struct TodoView {
    task: &'static str,
    about: String,
    detail: String,
    since: String,
    deadline: String,
    overdue: bool,
    href: String,
}

struct DoneView {
    action: String,
    at: String,
    href: String,
}

struct JourneyView {
    /// (label, "done" | "current" | "todo")
    steps: Vec<(&'static str, &'static str)>,
    next: &'static str,
    next_href: String,
}

/// The label of a workflow step someone took.
fn step_label(lang: Lang, subject: &str, action: &str) -> String {
    match crate::app::notifications::step_label(subject, action) {
        Some((_, en)) if lang == Lang::En => en.to_owned(),
        Some((zh, _)) => zh.to_owned(),
        None => action.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    display_name: String,
    role_label: &'static str,
    region_label: String,
    intro: &'static str,
    /// (label, value, link) tiles.
    tiles: Vec<(&'static str, String, String)>,
    /// Whether the role has a workbench at all.
    works: bool,
    todos: Vec<TodoView>,
    more: bool,
    done: Vec<DoneView>,
    journey: Option<JourneyView>,
}

pub async fn home(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let p = ctx.principal()?.clone();
    let overview = home::overview(&app, &p).await?;
    let intro_key = match p.role {
        Role::Enterprise => "home.enterprise_intro",
        Role::Provider => "home.provider_intro",
        Role::Officer => "home.officer_intro",
        Role::Expert => "home.expert_intro",
        Role::SysAdmin => "home.sysadmin_intro",
        Role::SecAdmin => "home.secadmin_intro",
        Role::AuditAdmin => "home.auditadmin_intro",
    };
    let mut tiles = Vec::new();
    match p.role {
        Role::Officer => {
            if let Some(c) = &overview.officer {
                tiles.push((ctx.t("home.count_enterprises"), c.enterprises.to_string(), "/enterprises".to_owned()));
                tiles.push((ctx.t("home.count_providers"), c.providers.to_string(), "/providers".to_owned()));
                tiles.push((
                    ctx.t("home.count_cloud"),
                    c.cloud_enterprises.to_string(),
                    "/enterprises?cloud=yes".to_owned(),
                ));
                tiles.push((ctx.t("home.count_claims"), c.pending_claims.to_string(), "/claims".to_owned()));
            }
        }
        Role::Enterprise => {
            let none = directory::EnterpriseFilters::default();
            for e in directory::list_enterprises(&app, &p, &none, 0, 1).await? {
                tiles.push((ctx.t("home.my_enterprise"), e.name, format!("/enterprises/{}", e.id)));
            }
            if p.enterprise_id.is_none() {
                for c in crate::app::claims::my_claims(&app, &p).await? {
                    let status = match c.status.as_str() {
                        "pending" => ctx.t("claims.pending").to_owned(),
                        "rejected" => format!("{}：{}", ctx.t("claims.rejected"), c.reason.unwrap_or_default()),
                        _ => ctx.t("claims.confirmed").to_owned(),
                    };
                    tiles.push((ctx.t("home.my_claim"), format!("{} · {status}", c.name), "/home".to_owned()));
                }
            }
        }
        Role::Provider => {
            for pr in directory::list_providers(&app, &p, None, 0, 1).await? {
                tiles.push((ctx.t("home.my_provider"), pr.name, format!("/providers/{}", pr.id)));
            }
        }
        _ => {}
    }
    let works = queues_for(p.role).next().is_some();
    let w = workbench::workbench(&app, &p).await?;
    let en = ctx.lang == Lang::En;
    let now = crate::app::now_ms();
    let todos = w
        .todos
        .iter()
        .map(|t| TodoView {
            task: t.task(en),
            about: t.about.clone(),
            detail: t.detail.clone(),
            since: fmt::when(t.since),
            deadline: fmt::when_opt(&t.deadline),
            overdue: t.deadline.is_some_and(|d| d <= now),
            href: t.href.clone(),
        })
        .collect();
    let done = w
        .done
        .iter()
        .map(|d| DoneView {
            action: step_label(ctx.lang, &d.subject, &d.action),
            at: fmt::when(d.at),
            href: d.href.clone(),
        })
        .collect();
    let journey = w.journey.as_ref().map(|j| JourneyView {
        steps: JOURNEY
            .iter()
            .enumerate()
            .map(|(i, (_, zh, e))| {
                let label = if en { *e } else { *zh };
                let state = if i < j.done {
                    "done"
                } else if i == j.done {
                    "current"
                } else {
                    "todo"
                };
                (label, state)
            })
            .collect(),
        next: if en { j.next_en } else { j.next_zh },
        next_href: match j.next_page {
            "assessments" => "/my/assessments".to_owned(),
            "programmes" => "/programmes".to_owned(),
            "project" => w.todos.first().map(|t| t.href.clone()).unwrap_or_else(|| "/projects".to_owned()),
            _ => String::new(),
        },
    });
    let page = HomePage {
        l: Layout::new(&ctx, "nav.home", &[]),
        display_name: overview.display_name,
        role_label: ctx.t(p.role.label_key()),
        region_label: overview.region_label,
        intro: ctx.t(intro_key),
        tiles,
        works,
        todos,
        more: !w.more.is_empty(),
        done,
        journey,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct MessagesPage {
    l: Layout,
    /// (title, when, link, read)
    items: Vec<(String, String, String, bool)>,
    /// Every kind: (code, label, muted).
    kinds: Vec<(String, String, bool)>,
    notice: Option<&'static str>,
}

/// The caller's messages (站内信) and the kinds they chose not to be told about.
pub async fn messages(
    State(app): State<App>,
    ctx: Ctx,
    axum::extract::Query(m): axum::extract::Query<super::Msg>,
) -> Result<Response, HttpError> {
    use crate::app::notifications as n;
    let p = ctx.principal()?.clone();
    let en = ctx.lang == Lang::En;
    let items = n::messages(&app, &p, false)
        .await?
        .into_iter()
        .map(|m| (if en { m.title_en } else { m.title_zh }, fmt::when(m.created_at), m.href, m.read))
        .collect();
    let muted = n::mutes(&app, &p).await?;
    let kinds = n::kinds()
        .into_iter()
        .map(|k| {
            let (zh, e) = n::kind_label(&k);
            let is_muted = muted.contains(&k);
            (k, if en { e } else { zh }, is_muted)
        })
        .collect();
    let l = Layout::new(&ctx, "messages.title", &[("/notifications", "messages.title")]);
    render(&MessagesPage { l, items, kinds, notice: m.text(ctx.lang) })
}

/// Saves the kinds the caller does not want to be told about (the ticked boxes).
pub async fn save_mutes(
    State(app): State<App>,
    ctx: Ctx,
    axum::extract::Form(f): axum::extract::Form<crate::form::Pairs>,
) -> Result<Response, HttpError> {
    let muted: Vec<String> = f.into_iter().filter(|(k, _)| k == "mute").map(|(_, v)| v).collect();
    crate::app::notifications::set_mutes(&app, ctx.principal()?, &muted).await?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to("/notifications?msg=common.done")))
}

/// Marks every message read and shows the list again.
pub async fn read_all(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    crate::app::notifications::mark_read(&app, ctx.principal()?, None).await?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to("/notifications")))
}
