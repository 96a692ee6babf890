//! Acceptance (验收) of a project: the enterprise applies, the district verifies, experts
//! assess on site, the city decides; integrity flags are cleared; the subsidy is computed; the
//! acceptance bundle (一企一档) downloads. Refusals show the project page again with the reason.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::acceptance::{self, Application};
use crate::app::subsidies::{self};
use crate::app::{App, AppError, bundle, integrity, projects};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::id_of;
use crate::form::{Pairs, one, refusal};

async fn project_after(app: &App, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Result<Response, HttpError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}?msg=common.done#acceptance")).into_response()),
        Err(e) => {
            let msg = refusal(ctx, e)?;
            super::projects::project_page(app, ctx, id, None, Some(msg), crate::form::Kept::default()).await
        }
    }
}

/// The enterprise applies for acceptance with the declaration ticked and its bank account.
pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let a = Application {
        declare: !one(&f, "declare").is_empty(),
        bank_account: one(&f, "bank_account"),
        summary: one(&f, "summary"),
    };
    let r = acceptance::apply(&app, &ctx.actor(), id, &a).await.map(|_| ());
    project_after(&app, &ctx, id, r).await
}

/// An acceptance step: verify, assess, accept, reject, return, reapply.
pub async fn acceptance_step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let s = acceptance::Step {
        action: one(&f, "action"),
        reason: one(&f, "reason"),
        version: id_of(&f, "version"),
        onsite_assessment_id: one(&f, "onsite_assessment_id").trim().parse().ok(),
        finance_eligible: one(&f, "finance_eligible"),
        finance_note: one(&f, "finance_note"),
        declare: !one(&f, "declare").is_empty(),
    };
    let r = acceptance::step(&app, &ctx.actor(), id, &s).await.map(|_| ());
    project_after(&app, &ctx, id, r).await
}

/// The enterprise's satisfaction evaluation of the provider: a score per dimension (`score_<id>`).
pub async fn satisfaction(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let mut form = crate::app::satisfaction::Form { comment: one(&f, "comment"), ..Default::default() };
    for (k, v) in f.iter() {
        if let Some(dim) = k.strip_prefix("score_") {
            // An unreadable score is 0: the form's check names the dimension.
            form.scores.insert(dim.to_owned(), v.trim().parse().unwrap_or(0));
        }
    }
    let r = crate::app::satisfaction::submit(&app, &ctx.actor(), id, &form).await.map(|_| ());
    project_after(&app, &ctx, id, r).await
}

/// Clears one of the project's integrity flags with a reason.
pub async fn clear_flag(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let file = projects::file(&app, p, id).await?;
    let flag_id = id_of(&f, "flag_id");
    let flags = integrity::of_project(&app, p, &file.row).await?;
    if !flags.iter().any(|x| x.id == flag_id) {
        return Err(AppError::NotFound.into());
    }
    let r = integrity::clear(&app, &ctx.actor(), flag_id, &one(&f, "reason")).await;
    project_after(&app, &ctx, id, r).await
}

/// Computes the project's subsidy and opens its page.
pub async fn compute(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Result<Response, HttpError> {
    let stage = Some(one(&f, "stage")).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "after_acceptance".into());
    match subsidies::compute(&app, &ctx.actor(), id, &stage).await {
        Ok(sid) => Ok(Redirect::to(&format!("/subsidies/{sid}?msg=common.done")).into_response()),
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            super::projects::project_page(&app, &ctx, id, None, Some(msg), crate::form::Kept::default()).await
        }
    }
}

/// Percent-encodes a file name for `filename*=UTF-8''…`.
fn rfc5987(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The acceptance bundle (一企一档) as a ZIP download.
pub async fn download_bundle(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let (name, reader) = bundle::bundle(&app, &ctx.actor(), id).await?;
    // Streamed as it is written: memory stays bounded whatever the evidence size.
    let bytes = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    let disposition = format!("attachment; filename=\"project-{id}.zip\"; filename*=UTF-8''{}", rfc5987(&name));
    Ok(([(header::CONTENT_TYPE, "application/zip".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
