//! Project pages: the list in scope, the project file (documents, milestones, evidence with
//! hashes and integrity flags, payments, history) with its simple steps and evidence upload,
//! and the printable contract with the amount in 人民币大写.

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::programme::contract::Criterion;
use dengta_domain::programme::rules::SpendCategory;
use dengta_domain::programme::workflow::{self, ProjectAction};
use serde::Deserialize;

use super::directory::split_page;
use super::providers::{Fmt, Pairs, one, refusal};
use super::{Msg, PAGE_SIZE, Page, render, render_form};
use crate::app::projects::{self, ProjectFile, Step};
use crate::app::{App, AppError, files};
use crate::db::projects::ProjectRow;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    l: Layout,
    rows: Vec<ProjectRow>,
    next: Option<String>,
}

impl ListPage {
    fn state(&self, code: &str) -> &'static str {
        workflow::ProjectState::parse(code).map_or("", |s| s.label_zh())
    }
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<Page>) -> Result<Response, AppError> {
    let rows = projects::list(&app, ctx.principal()?, q.after.unwrap_or(0), PAGE_SIZE + 1).await?;
    let (rows, next) = split_page(rows, |r| r.id);
    render(&ListPage {
        l: Layout::new(&ctx, "projects.title", &[("/projects", "nav.projects")]),
        rows,
        next: next.map(|id| format!("/projects?after={id}")),
    })
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    l: Layout,
    x: Fmt,
    f: ProjectFile,
    actions: Vec<(&'static str, &'static str, bool)>,
    can_upload: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ProjectPage {
    fn category(&self, c: &SpendCategory) -> &'static str {
        c.label_zh()
    }
    fn excluded(&self, c: &SpendCategory) -> bool {
        crate::app::pilot::programme(&self.f.row.programme_id).is_ok_and(|p| p.is_excluded(*c))
    }
    fn criterion(&self, c: &Criterion) -> String {
        c.describe_zh()
    }
    fn category_code(&self, code: &str) -> &'static str {
        SpendCategory::parse(code).map_or("", |c| c.label_zh())
    }
}

/// Steps that carry no document can be taken from the page; the others go through the API.
const PAGE_ACTIONS: &[ProjectAction] = &[
    ProjectAction::StartDiagnosis,
    ProjectAction::ApproveDiagnosis,
    ProjectAction::ReturnDiagnosis,
    ProjectAction::Start,
    ProjectAction::Complete,
    ProjectAction::Cancel,
];

async fn project_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let f = projects::file(app, ctx.principal()?, id).await?;
    let actions = workflow::available(f.state)
        .into_iter()
        .filter(|a| PAGE_ACTIONS.contains(a) && f.who.may(*a))
        .map(|a| (a.code(), a.label_zh(), a.needs_reason()))
        .collect();
    let can_upload = matches!(f.who, workflow::ProjectActor::Enterprise | workflow::ProjectActor::Provider);
    let title = f.row.title.clone();
    let href = format!("/projects/{id}");
    let failed = error.is_some();
    render_form(
        &ProjectPage {
            l: Layout::titled(ctx, title.clone(), &[("/projects", "nav.projects"), (&href, &title)]),
            x: Fmt::new(ctx),
            f,
            actions,
            can_upload,
            notice,
            error,
        },
        failed,
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(m): Query<Msg>,
) -> Result<Response, AppError> {
    project_page(&app, &ctx, id, m.text(ctx.lang), None).await
}

async fn after(app: &App, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(ctx, e)?;
            project_page(app, ctx, id, None, Some(msg)).await
        }
    }
}

pub async fn step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let s = Step {
        action: one(&f, "action"),
        reason: one(&f, "reason"),
        version: one(&f, "version").trim().parse().unwrap_or(0),
        ..Step::default()
    };
    let r = projects::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    after(&app, &ctx, id, r).await
}

#[derive(Deserialize, Default)]
pub struct UploadQuery {
    kind: Option<String>,
}

pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    projects::file(&app, ctx.principal()?, id).await?;
    let mut form = form.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let kind = q.kind.unwrap_or_else(|| "other".into());
    let mut result = Err(AppError::invalid("error.file_empty", "file"));
    while let Some(mut field) =
        form.next_field().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
    {
        if field.name() == Some("file") {
            result = match files::receive(&app, &mut field).await {
                Ok(stored) => projects::attach(&app, &ctx.actor(), id, &kind, None, &stored).await.map(|_| ()),
                Err(e) => Err(e),
            };
            break;
        }
    }
    after(&app, &ctx, id, result).await
}

#[derive(Template)]
#[template(path = "contract.html")]
struct ContractPage {
    l: Layout,
    f: ProjectFile,
}

impl ContractPage {
    fn criterion(&self, c: &Criterion) -> String {
        c.describe_zh()
    }
    fn category(&self, c: &SpendCategory) -> &'static str {
        c.label_zh()
    }
}

pub async fn contract(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let f = projects::file(&app, ctx.principal()?, id).await?;
    let title = format!("{} · {}", ctx.t("projects.contract"), f.row.title);
    render(&ContractPage { l: Layout::titled(&ctx, title, &[("/projects", "nav.projects")]), f })
}
