//! Outcome pages: the outcomes section of a project page (a table and the forms that record a
//! line and a result, each with an optional evidence file), the officer's summary and the
//! public one.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::render;
use crate::app::outcomes::{self, NewLine, OutcomeSummary, ResultEntry};
use crate::app::{App, AppError, files, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::{Kept, Pairs, one};
use crate::layout::Layout;

/// The text fields of a multipart form and its evidence file, received and checked but not yet
/// attached.
async fn read(
    app: &App,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(Pairs, Option<files::Received>), AppError> {
    let mut form = form.map_err(|e| AppError::invalid("error.bad_request", e.body_text()))?;
    let mut pairs = Pairs::new();
    let mut file = None;
    while let Some(mut field) =
        form.next_field().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            if field.file_name().is_some_and(|n| !n.is_empty()) {
                file = Some(files::receive_pending(app, &mut field).await?);
            }
        } else {
            let v = field.text().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?;
            pairs.push((name, v));
        }
    }
    Ok((pairs, file))
}

/// Attaches the file (kind `outcome`) to the project's evidence and gives its id.
async fn attach(app: &App, ctx: &Ctx, id: i64, file: Option<files::Received>) -> Result<Vec<i64>, AppError> {
    match file {
        Some(f) => Ok(vec![projects::attach(app, &ctx.actor(), id, "outcome", None, &f).await?.0]),
        None => Ok(Vec::new()),
    }
}

pub async fn add(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, HttpError> {
    projects::file(&app, ctx.principal()?, id).await?;
    let r = async {
        let (f, file) = read(&app, form).await?;
        let n = NewLine {
            axis: one(&f, "axis"),
            indicator: one(&f, "indicator"),
            unit: one(&f, "unit"),
            better: one(&f, "better"),
            baseline: one(&f, "baseline"),
            baseline_date: one(&f, "baseline_date"),
            result: one(&f, "result"),
            result_date: one(&f, "result_date"),
            note: one(&f, "note"),
            evidence_ids: Vec::new(),
        };
        let evidence_ids = attach(&app, &ctx, id, file).await?;
        outcomes::add(&app, &ctx.actor(), id, &NewLine { evidence_ids, ..n }).await.map(|_| ())
    }
    .await;
    super::projects::after(&app, &ctx, id, Kept::default(), r).await
}

pub async fn result(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, HttpError> {
    projects::file(&app, ctx.principal()?, id).await?;
    let r = async {
        let (f, file) = read(&app, form).await?;
        let evidence_ids = attach(&app, &ctx, id, file).await?;
        let e = ResultEntry {
            line_id: one(&f, "line_id").trim().parse().unwrap_or(0),
            result: one(&f, "result"),
            result_date: one(&f, "result_date"),
            note: one(&f, "note"),
            evidence_ids,
            version: one(&f, "version").trim().parse().unwrap_or(0),
        };
        outcomes::set_result(&app, &ctx.actor(), id, &e).await.map(|_| ())
    }
    .await;
    super::projects::after(&app, &ctx, id, Kept::default(), r).await
}

#[derive(Template)]
#[template(path = "outcomes.html")]
struct SummaryPage {
    l: Layout,
    s: OutcomeSummary,
    public: bool,
}

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    region: Option<String>,
}

pub async fn summary(State(app): State<App>, ctx: Ctx, Query(q): Query<RegionQuery>) -> Result<Response, HttpError> {
    let s = outcomes::summary(&app, ctx.principal()?, q.region.as_deref()).await?;
    render(&SummaryPage { l: Layout::new(&ctx, "nav.outcomes", &[("/outcomes", "nav.outcomes")]), s, public: false })
}

pub async fn public(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let s = outcomes::public_summary(&app).await?;
    render(&SummaryPage {
        l: Layout::new(
            &ctx,
            "outcomes.public_title",
            &[("/public", "public.portal_title"), ("/public/outcomes", "outcomes.public_title")],
        ),
        s,
        public: true,
    })
}
