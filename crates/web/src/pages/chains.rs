//! Chain and cluster projects (链式 / 面状): the list with the lead's form to open one, and a
//! chain's page — the frame's lines, the cohort's acceptance and the split of the money, joining
//! and the steps.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::fmt::Fmt;
use super::{Msg, render_form};
use crate::app::chains::{self, ChainFile, Join, NewChain, Step};
use crate::app::records::ChainRow;
use crate::app::{App, AppError, AppResult};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::error_text;
use crate::layout::Layout;
use dengta_domain::programme::workflow::ChainKind;

#[derive(Template)]
#[template(path = "chains.html")]
struct ChainsPage {
    l: Layout,
    x: Fmt,
    rows: Vec<ChainRow>,
    /// Forming chains the enterprise may join.
    open: Vec<ChainRow>,
    /// The enterprise's listed enrolments: (id, programme) — it may open a chain with one.
    enrolments: Vec<(i64, String)>,
    providers: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

impl ChainsPage {
    /// Participants at ≥二级 after acceptance over all participants, against the chain's target.
    fn share_l2(&self, c: &ChainRow) -> String {
        let share = if c.members > 0 { format!("{}%", c.accepted_l2 * 100 / c.members) } else { "—".to_owned() };
        match c.target_l2_pct {
            Some(t) => format!("{share} / {t}%"),
            None => share,
        }
    }
}

fn failure(ctx: &Ctx, e: AppError) -> Result<String, HttpError> {
    match e {
        AppError::Invalid { key, detail } => Ok(error_text(ctx, key, &detail)),
        AppError::Conflict(key) => Ok(ctx.t(key).to_owned()),
        e => Err(e.into()),
    }
}

async fn list_page(app: &App, ctx: &Ctx, error: Option<String>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let rows = chains::list(app, p).await?;
    let open = chains::open_to(app, p).await?;
    let (enrolments, providers) = chains::start_options(app, p).await?;
    let failed = error.is_some();
    render_form(
        &ChainsPage {
            l: Layout::new(ctx, "chains.title", &[("/chains", "nav.chains")]),
            x: Fmt::new(ctx),
            rows,
            open,
            enrolments,
            providers,
            kinds: ChainKind::ALL.iter().map(|k| (k.code(), k.label_zh())).collect(),
            error,
        },
        failed,
    )
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    list_page(&app, &ctx, None).await
}

#[derive(Deserialize, Default)]
pub struct ChainForm {
    #[serde(default)]
    enrolment_id: String,
    #[serde(default)]
    provider_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    park: String,
    #[serde(default)]
    target_members: String,
    #[serde(default)]
    target_l2_pct: String,
}

fn number(v: &str, key: &'static str) -> AppResult<Option<i64>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| AppError::invalid(key, v))
}

pub async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<ChainForm>) -> Result<Response, HttpError> {
    let made = async {
        let n = NewChain {
            enrolment_id: number(&f.enrolment_id, "error.bad_request")?.unwrap_or(0),
            provider_id: number(&f.provider_id, "error.bad_request")?.unwrap_or(0),
            kind: f.kind.clone(),
            name: f.name.clone(),
            park: f.park.clone(),
            target_members: number(&f.target_members, "error.chain_target")?,
            target_l2_pct: number(&f.target_l2_pct, "error.chain_target")?,
        };
        chains::create(&app, &ctx.actor(), &n).await
    }
    .await;
    match made {
        Ok(id) => Ok(Redirect::to(&format!("/chains/{id}?msg=chains.created")).into_response()),
        Err(e) => {
            let error = failure(&ctx, e)?;
            list_page(&app, &ctx, Some(error)).await
        }
    }
}

#[derive(Template)]
#[template(path = "chain.html")]
struct ChainPage {
    l: Layout,
    x: Fmt,
    f: ChainFile,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ChainPage {
    fn yuan(&self, fen: &i64) -> String {
        dengta_domain::money::Fen(*fen).to_string()
    }
    fn lead_share(&self) -> String {
        dengta_domain::programme::rules::pct_of_bp(self.f.lead_share_bp)
    }
}

async fn chain_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let f = chains::file(app, ctx.principal()?, id).await?;
    let failed = error.is_some();
    render_form(
        &ChainPage {
            l: Layout::new(ctx, "chains.chain", &[("/chains", "nav.chains"), ("", "chains.chain")]),
            x: Fmt::new(ctx),
            f,
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
    Query(msg): Query<Msg>,
) -> Result<Response, HttpError> {
    chain_page(&app, &ctx, id, msg.text(ctx.lang), None).await
}

#[derive(Deserialize, Default)]
pub struct JoinForm {
    #[serde(default)]
    enrolment_id: String,
}

pub async fn join(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<JoinForm>,
) -> Result<Response, HttpError> {
    let joined = async {
        let enrolment_id = number(&f.enrolment_id, "error.bad_request")?.unwrap_or(0);
        chains::join(&app, &ctx.actor(), id, &Join { enrolment_id }).await
    }
    .await;
    match joined {
        Ok(_) => Ok(Redirect::to(&format!("/chains/{id}?msg=chains.joined")).into_response()),
        Err(e) => {
            let error = failure(&ctx, e)?;
            chain_page(&app, &ctx, id, None, Some(error)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, HttpError> {
    let s = Step { action: f.action, reason: f.reason, version: 0 };
    match chains::step(&app, &ctx.actor(), id, &s).await {
        Ok(_) => Ok(Redirect::to(&format!("/chains/{id}?msg=chains.stepped")).into_response()),
        Err(e) => {
            let error = failure(&ctx, e)?;
            chain_page(&app, &ctx, id, None, Some(error)).await
        }
    }
}
