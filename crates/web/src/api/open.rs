//! `/api/v1` open data and the public portal's cases: OCDS release packages and CSV of filed
//! projects; typical cases and 小灯塔 from nomination to publication.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use dengta_domain::programme::cases::{CaseKind, CaseState};
use schemars::{SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use super::takes::{Answer, Created, Takes};
use crate::app::open_data::{ExtensionMetadata, ReleasePackage};
use crate::app::records::{CaseRow, StepRow};
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
) -> Result<Json<ReleasePackage>, HttpError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let base = base_url(&app, &headers);
    Ok(Json(crate::app::open_data::package(&app, &base, q.after.unwrap_or(0), limit).await?))
}

/// Open data: the metadata of Dengta's OCDS extension (the subsidy fields), named in each package.
pub async fn ocds_extension(State(app): State<App>, headers: HeaderMap) -> Result<Json<ExtensionMetadata>, HttpError> {
    Ok(Json(crate::app::open_data::extension_metadata(&base_url(&app, &headers))?))
}

/// The extension's JSON Merge Patch on the OCDS release schema: the file, byte for byte.
pub struct ReleaseSchemaPatch;

impl IntoResponse for ReleaseSchemaPatch {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], crate::app::open_data::EXTENSION_RELEASE_SCHEMA).into_response()
    }
}

impl Answer for ReleaseSchemaPatch {
    fn describe(_: &mut SchemaGenerator, t: &mut Takes) {
        t.answer = Some(json_schema!({
            "type": "object",
            "description": "A JSON Merge Patch (RFC 7396) on the OCDS 1.1 release schema: the fields the extension \
                adds, as JSON Schema. Itself a schema, it is not described further here.",
            "required": ["properties", "definitions"],
            "properties": { "properties": { "type": "object" }, "definitions": { "type": "object" } }
        }));
        t.status = Some(200);
    }
}

/// Open data: the extension's JSON Merge Patch on the OCDS release schema.
pub async fn ocds_extension_schema() -> ReleaseSchemaPatch {
    ReleaseSchemaPatch
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

/// Nominations in the caller's region, newest first.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Cases {
    items: Vec<CaseRow>,
}

pub async fn cases(State(app): State<App>, ctx: Ctx, Query(q): Query<OpenQuery>) -> Result<Json<Cases>, HttpError> {
    let items = crate::app::cases::list(
        &app,
        ctx.principal()?,
        q.after.unwrap_or(i64::MAX),
        q.limit.unwrap_or(50).clamp(1, 200),
    )
    .await?;
    Ok(Json(Cases { items }))
}

/// A nomination filed.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CaseNominated {
    id: i64,
    /// Always `nominated`.
    state: CaseState,
}

pub async fn nominate(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<crate::app::cases::Nomination>, JsonRejection>,
) -> Result<Created<CaseNominated>, HttpError> {
    let n = super::json_body(b)?;
    let id = crate::app::cases::nominate(&app, &ctx.actor(), &n).await?;
    Ok(Created(CaseNominated { id, state: CaseState::Nominated }))
}

/// A nomination with its history, oldest step first.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CaseFile {
    case: CaseRow,
    history: Vec<StepRow>,
}

pub async fn case(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<CaseFile>, HttpError> {
    let (case, history) = crate::app::cases::file(&app, ctx.principal()?, id).await?;
    Ok(Json(CaseFile { case, history }))
}

/// The state a nomination's step led to.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CaseStepTaken {
    id: i64,
    state: CaseState,
    /// The state's name in Chinese.
    state_label: &'static str,
}

pub async fn case_transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<crate::app::cases::Step>, JsonRejection>,
) -> Result<Json<CaseStepTaken>, HttpError> {
    let s = super::json_body(b)?;
    let to = crate::app::cases::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(CaseStepTaken { id, state: to, state_label: to.label_zh() }))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct KindQuery {
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::case_kind")]
    kind: Option<String>,
}

/// Published cases of one kind, as the public portal shows them.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PublicCases {
    kind: CaseKind,
    items: Vec<PublicCase>,
}

/// A published typical case or 小灯塔 enterprise.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PublicCase {
    id: i64,
    kind: String,
    title: String,
    /// The enterprise's name.
    enterprise: String,
    region_code: String,
    summary: String,
    outcome: String,
    published_at: Option<i64>,
}

/// Public: published typical cases or 小灯塔 enterprises.
pub async fn public_cases(State(app): State<App>, Query(q): Query<KindQuery>) -> Result<Json<PublicCases>, HttpError> {
    let kind = match q.kind.as_deref() {
        Some(k) => CaseKind::parse(k).ok_or_else(|| AppError::invalid("error.case_kind", k))?,
        None => CaseKind::TypicalCase,
    };
    let rows = crate::app::cases::published(&app, kind, 200).await?;
    let items = rows
        .into_iter()
        .map(|c| PublicCase {
            id: c.id,
            kind: c.kind,
            title: c.title,
            enterprise: c.enterprise_name,
            region_code: c.region_code,
            summary: c.summary,
            outcome: c.outcome,
            published_at: c.published_at,
        })
        .collect();
    Ok(Json(PublicCases { kind, items }))
}
