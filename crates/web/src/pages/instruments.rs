//! Instrument versions (评测指标): the system administrator sees every version
//! in force and publishes a new one by uploading its data file.

use super::render_form;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::Msg;
use crate::app::{App, AppError, assessments as asm};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::error_text;
use crate::layout::Layout;

pub struct VersionLine {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub file: String,
    pub fingerprint: String,
}

#[derive(Template)]
#[template(path = "instruments.html")]
struct InstrumentsPage {
    l: Layout,
    rows: Vec<VersionLine>,
    notice: Option<&'static str>,
    error: Option<String>,
}

fn page(ctx: &Ctx, notice: Option<&'static str>, error: Option<String>) -> Result<Response, HttpError> {
    let mut rows: Vec<VersionLine> = asm::instruments()?
        .iter()
        .map(|i| VersionLine {
            id: i.id().to_owned(),
            version: i.version(),
            name: i.name().to_owned(),
            file: i.file_name().to_owned(),
            fingerprint: i.fingerprint().chars().take(16).collect(),
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id).then(a.version.cmp(&b.version)));
    let failed = error.is_some();
    let l = Layout::new(ctx, "nav.instruments", &[("/admin/instruments", "nav.instruments")]);
    render_form(&InstrumentsPage { l, rows, notice, error }, failed)
}

pub async fn list(State(app): State<App>, ctx: Ctx, Query(msg): Query<Msg>) -> Result<Response, HttpError> {
    asm::in_force(&app).await?;
    page(&ctx, msg.text(ctx.lang), None)
}

/// Reads the uploaded TOML (at most 1 MiB), validates it in full and publishes it.
pub async fn publish(State(app): State<App>, ctx: Ctx, mut form: Multipart) -> Result<Response, HttpError> {
    let mut upload: Option<(String, String)> = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name =
            field.file_name().unwrap_or("instrument.toml").chars().filter(|c| !c.is_control()).take(100).collect();
        let bytes = field.bytes().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))?;
        if bytes.len() > 1024 * 1024 {
            return page(&ctx, None, Some(ctx.t("error.instrument_file").to_owned()));
        }
        let text =
            String::from_utf8(bytes.to_vec()).map_err(|_| AppError::invalid("error.instrument_file", "UTF-8"))?;
        upload = Some((name, text));
    }
    let Some((name, text)) = upload else { return page(&ctx, None, Some(ctx.t("import.no_file").to_owned())) };
    match asm::publish_instrument(&app, &ctx.actor(), &name, &text).await {
        Ok(_) => Ok(Redirect::to("/admin/instruments?msg=instruments.published").into_response()),
        Err(AppError::Invalid { key, detail }) => page(&ctx, None, Some(error_text(&ctx, key, &detail))),
        Err(e) => Err(e.into()),
    }
}
