//! `/api/v1` open data and the public portal's cases: OCDS release packages and CSV of filed
//! projects; typical cases and 小灯塔 from nomination to publication.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct OpenQuery {
    #[serde(default)]
    #[schemars(range(min = 0))]
    after: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 1))]
    limit: Option<i64>,
}

/// The absolute base of the URLs the open data names (package `uri`, `links`, `extensions`):
/// the configured public URL, or else the address the request was made to, since OCDS wants
/// absolute URIs.
fn base_url(app: &App, headers: &HeaderMap) -> String {
    let configured = app.settings.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// Open data: an OCDS 1.1 release package of filed projects, paged by project id.
pub async fn ocds(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<OpenQuery>,
) -> Result<Response, HttpError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let base = base_url(&app, &headers);
    let (mut pkg, next) = crate::app::open_data::package(&app, &base, q.after.unwrap_or(0), limit).await?;
    pkg["links"] = json!({ "next": next.map(|n| format!("{base}/api/v1/open-data/ocds?after={n}&limit={limit}")) });
    Ok(Json(pkg).into_response())
}

/// Open data: the metadata of Dengta's OCDS extension (the subsidy fields), named in each package.
pub async fn ocds_extension(State(app): State<App>, headers: HeaderMap) -> Response {
    Json(crate::app::open_data::extension_metadata(&base_url(&app, &headers))).into_response()
}

/// Open data: the extension's JSON Merge Patch on the OCDS release schema.
pub async fn ocds_extension_schema() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::app::open_data::EXTENSION_RELEASE_SCHEMA).into_response()
}

/// Open data: one CSV row per filed project.
pub async fn open_csv(State(app): State<App>) -> Result<Response, HttpError> {
    let bytes = crate::app::open_data::csv(&app).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"dengta-projects.csv\"".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn cases(State(app): State<App>, ctx: Ctx, Query(q): Query<OpenQuery>) -> Result<Response, HttpError> {
    let rows = crate::app::cases::list(
        &app,
        ctx.principal()?,
        q.after.unwrap_or(i64::MAX),
        q.limit.unwrap_or(50).clamp(1, 200),
    )
    .await?;
    Ok(Json(json!({ "items": rows })).into_response())
}

pub async fn nominate(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<crate::app::cases::Nomination>, JsonRejection>,
) -> Result<Response, HttpError> {
    let n = super::json_body(b)?;
    let id = crate::app::cases::nominate(&app, &ctx.actor(), &n).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "state": "nominated" }))).into_response())
}

pub async fn case(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let (row, history) = crate::app::cases::file(&app, ctx.principal()?, id).await?;
    Ok(Json(json!({ "case": row, "history": history })).into_response())
}

pub async fn case_transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<crate::app::cases::Step>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = crate::app::cases::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(json!({ "id": id, "state": to, "state_label": to.label_zh() })).into_response())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct KindQuery {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::case_kind")]
    kind: Option<String>,
}

/// Public: published typical cases or 小灯塔 enterprises.
pub async fn public_cases(State(app): State<App>, Query(q): Query<KindQuery>) -> Result<Response, HttpError> {
    use dengta_domain::programme::cases::CaseKind;
    let kind = match q.kind.as_deref() {
        Some(k) => CaseKind::parse(k).ok_or_else(|| AppError::invalid("error.case_kind", k))?,
        None => CaseKind::TypicalCase,
    };
    let rows = crate::app::cases::published(&app, kind, 200).await?;
    let items: Vec<_> = rows
        .iter()
        .map(|c| {
            json!({ "id": c.id, "kind": c.kind, "title": c.title, "enterprise": c.enterprise_name,
                    "region_code": c.region_code, "summary": c.summary, "outcome": c.outcome,
                    "published_at": c.published_at })
        })
        .collect();
    Ok(Json(json!({ "kind": kind, "items": items })).into_response())
}
