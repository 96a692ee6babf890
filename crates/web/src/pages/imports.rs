//! Bulk import (upload, progress, error report, template) and export of the
//! enterprise list.

use super::render_form;
use std::path::PathBuf;

use askama::Template;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::role::Role;
use dengta_tabular::Format;
use serde::Deserialize;

use super::render;
use crate::app::directory::EnterpriseFilters;
use crate::app::records::JobRow;
use crate::app::{App, AppError, export, import};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    jobs: Vec<JobRow>,
    error: Option<String>,
}

async fn import_page(app: &App, ctx: &Ctx, error: Option<String>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let jobs = import::jobs_of(app, p.user_id, 20).await?;
    let failed = error.is_some();
    let l = Layout::new(
        ctx,
        "import.title",
        &[("/enterprises", "nav.enterprises"), ("/enterprises/import", "import.title")],
    );
    render_form(&ImportPage { l, jobs, error }, failed)
}

pub async fn page(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    import_page(&app, &ctx, None).await
}

/// Streams the upload to a temporary file, starts the job in the background
/// and sends the browser to its progress page.
#[derive(Deserialize, Default)]
pub struct KindQuery {
    #[serde(default)]
    pub kind: Option<String>,
}

fn kind_of(q: &KindQuery) -> import::Kind {
    q.kind.as_deref().and_then(import::Kind::parse).unwrap_or(import::Kind::Enterprises)
}

pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    Query(kq): Query<KindQuery>,
    mut form: Multipart,
) -> Result<Response, HttpError> {
    let kind = kind_of(&kq);
    let dir = PathBuf::from(&app.settings.data_dir).join("uploads");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let mut saved: Option<(String, tempfile::TempPath)> = None;
    while let Some(mut field) =
        form.next_field().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name =
            field.file_name().unwrap_or("upload").chars().filter(|c| !c.is_control()).take(200).collect::<String>();
        let tmp = tempfile::Builder::new()
            .prefix("import-")
            .tempfile_in(&dir)
            .map_err(|e| AppError::Internal(e.to_string()))?
            .into_temp_path();
        let mut out = tokio::fs::File::create(&tmp).await.map_err(|e| AppError::Internal(e.to_string()))?;
        let mut size = 0usize;
        while let Some(chunk) =
            field.chunk().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
        {
            size += chunk.len();
            tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        tokio::io::AsyncWriteExt::flush(&mut out).await.map_err(|e| AppError::Internal(e.to_string()))?;
        if size == 0 {
            return import_page(&app, &ctx, Some(ctx.t("import.empty").to_owned())).await;
        }
        saved = Some((name, tmp));
    }
    let Some((name, tmp)) = saved else {
        return import_page(&app, &ctx, Some(ctx.t("import.no_file").to_owned())).await;
    };
    // Refuse what is not a spreadsheet before starting a job.
    if let Err(e) = Format::of_file(&tmp) {
        return import_page(&app, &ctx, Some(e.to_string())).await;
    }
    let actor = ctx.actor();
    let job = import::start_job(&app, &actor, kind, &name, &tmp).await?;
    let app2 = app.clone();
    tokio::spawn(async move {
        let path = tmp.to_path_buf();
        if let Err(e) = import::run(&app2, &actor, kind, job, path, |_| {}).await {
            tracing::warn!(job, error = %e, "import failed");
        }
        drop(tmp);
    });
    Ok(Redirect::to(&format!("/imports/{job}")).into_response())
}

/// A job the caller may see: its own, or any in an officer's region.
async fn visible_job(app: &App, ctx: &Ctx, id: i64) -> Result<JobRow, AppError> {
    let p = ctx.principal()?;
    let job = import::job(app, id).await?.ok_or(AppError::NotFound)?;
    let region =
        dengta_domain::region::RegionCode::parse(&job.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    let mine = job.user_id == Some(p.user_id);
    if mine || (p.role == Role::Officer && p.region.contains(&region)) { Ok(job) } else { Err(AppError::NotFound) }
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    l: Layout,
    job: JobRow,
    running: bool,
}

pub async fn job(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let job = visible_job(&app, &ctx, id).await?;
    let href = format!("/imports/{id}");
    let l = Layout::new(&ctx, "import.job", &[("/enterprises/import", "import.title"), (&href, &job.file_name)]);
    render(&JobPage { running: job.status == "running", l, job })
}

pub async fn errors(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let job = visible_job(&app, &ctx, id).await?;
    let body = match &job.error_report {
        Some(path) => {
            let file = tokio::fs::File::open(path).await.map_err(|_| AppError::NotFound)?;
            Body::from_stream(tokio_util::io::ReaderStream::new(file))
        }
        // No errors: the report is just its header.
        None => Body::from(format!("\u{feff}{}\r\n", dengta_tabular::ERROR_REPORT_HEADER.join(","))),
    };
    Ok(attachment(body, "text/csv; charset=utf-8", &format!("import-{id}-errors.csv")))
}

/// A download: an ASCII file name for old clients and the Chinese one (RFC 6266).
fn attachment(body: Body, mime: &'static str, file_name: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let ext = file_name.rsplit('.').next().unwrap_or("dat");
    let ascii: String = file_name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
    let ascii = if ascii.trim_start_matches('.').len() > ext.len() + 1 { ascii } else { format!("dengta.{ext}") };
    let disposition =
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", super::directory::urlencode(file_name));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[derive(Deserialize, Default)]
pub struct FormatQuery {
    #[serde(default)]
    pub format: Option<String>,
}

fn format_of(q: &FormatQuery) -> Format {
    if q.format.as_deref() == Some("csv") { Format::Csv } else { Format::Xlsx }
}

pub async fn template(Query(q): Query<FormatQuery>, Query(kq): Query<KindQuery>) -> Result<Response, HttpError> {
    let format = format_of(&q);
    let kind = kind_of(&kq);
    let bytes =
        tokio::task::spawn_blocking(move || dengta_tabular::write_template(format, kind.template(), Vec::new()))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = match kind {
        import::Kind::Enterprises => "企业导入模板",
        import::Kind::CloudRecords => "上云记录导入模板",
    };
    Ok(attachment(Body::from(bytes), format.content_type(), &format!("{name}.{}", format.extension())))
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub filters: EnterpriseFilters,
    #[serde(default)]
    pub format: Option<String>,
}

/// The filtered list as a file, written to a temporary file and streamed.
pub async fn export_list(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> Result<Response, HttpError> {
    let format = format_of(&FormatQuery { format: q.format.clone() });
    let tmp = export::enterprises(&app, &ctx.actor(), &q.filters, format).await?;
    let file = tokio::fs::File::open(&tmp).await.map_err(|e| AppError::Internal(e.to_string()))?;
    // The open handle keeps the data readable after the name is removed.
    drop(tmp);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok(attachment(body, format.content_type(), &format!("企业名录.{}", format.extension())))
}
