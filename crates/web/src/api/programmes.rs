//! `/api/v1` for pilot programmes and the pilot-enterprise pool.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::v1::{ListQuery, paged};
use crate::app::objections::ObjectionForm;
use crate::app::programmes::{self, Step};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use dengta_domain::programme::workflow::EnrolmentState;

pub async fn programmes() -> Result<Response, HttpError> {
    let items: Vec<_> = programmes::programmes()?
        .into_iter()
        .map(|p| {
            let (from, to) = p.window();
            json!({
                "id": p.id(), "version": p.version(), "name": p.name(), "level": p.level(), "region": p.region(),
                "batch": p.batch(), "window": [from.to_string(), to.to_string()], "fingerprint": p.fingerprint(),
                "sub_industries": p.sub_industries().iter().map(|s| json!({"name": s.name, "codes": s.codes})).collect::<Vec<_>>(),
                "eligibility": dengta_domain::programme::eligibility::EligibilityRule::ALL.into_iter().filter(|r| r.applies(p)).map(|r| r.code()).collect::<Vec<_>>(),
                "excluded_categories": dengta_domain::programme::SpendCategory::ALL.into_iter().filter(|c| p.is_excluded(*c)).map(|c| c.code()).collect::<Vec<_>>(),
                "eligible_categories": p.eligible_categories().iter().map(|c| c.code()).collect::<Vec<_>>(),
                "subsidy_rate_verified": p.subsidy().rate_verified,
                "onsite": p.onsite(),
                "min_enterprise_share_pct": p.min_enterprise_share_pct(),
                "completion_months": p.completion_months(),
                "default_criteria": p.default_criteria(),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewEnrolment {
    #[serde(default)]
    programme_id: String,
    #[serde(default)]
    enterprise_id: Option<i64>,
}

pub async fn apply(
    State(app): State<App>,
    ctx: Ctx,
    b: Result<Json<NewEnrolment>, JsonRejection>,
) -> Result<Response, HttpError> {
    let n = super::json_body(b)?;
    let p = ctx.principal()?;
    let enterprise = n.enterprise_id.or(p.enterprise_id).ok_or(AppError::NotFound)?;
    let id = programmes::apply(&app, &ctx.actor(), &n.programme_id, enterprise).await?;
    let f = programmes::file(&app, p, id).await?;
    Ok((StatusCode::CREATED, Json(file_json(&f))).into_response())
}

fn file_json(f: &programmes::EnrolmentFile) -> serde_json::Value {
    json!({ "enrolment": f.row, "programme": f.programme.rule_ref(), "eligibility": f.outcomes, "history": f.steps })
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct StatusFilter {
    #[schemars(schema_with = "dengta_domain::schema::enrolment_state")]
    status: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(s): Query<StatusFilter>,
) -> Result<Response, HttpError> {
    let rows = programmes::list(&app, ctx.principal()?, s.status.as_deref(), q.after_id()?, q.limit() + 1).await?;
    Ok(Json(paged(rows, q.limit(), |r| r.id.to_string())).into_response())
}

pub async fn enrolment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let f = programmes::file(&app, ctx.principal()?, id).await?;
    let mut v = file_json(&f);
    v["objections"] = json!(programmes::objections(&app, id).await?);
    Ok(Json(v).into_response())
}

pub async fn transition(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<Step>, JsonRejection>,
) -> Result<Response, HttpError> {
    let s = super::json_body(b)?;
    let to = programmes::step(&app, &ctx.actor(), id, &s).await?;
    Ok(Json(json!({ "id": id, "state": to, "state_label": to.label_zh() })).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "EnrolmentObjectionDecision")]
pub struct ObjectionDecision {
    #[serde(default)]
    objection_id: i64,
    #[serde(default)]
    uphold: bool,
    #[serde(default)]
    reason: String,
}

pub async fn resolve_objection(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionDecision>, JsonRejection>,
) -> Result<Response, HttpError> {
    let d = super::json_body(b)?;
    programmes::resolve_objection(&app, &ctx.actor(), id, d.objection_id, d.uphold, &d.reason).await?;
    Ok(Json(json!({ "objection_id": d.objection_id, "status": if d.uphold { "upheld" } else { "dismissed" } }))
        .into_response())
}

/// The public pool: name, industry and region only (no personal data).
pub async fn public_pool(State(app): State<App>, Query(q): Query<ListQuery>) -> Result<Response, HttpError> {
    let view = |r: &crate::app::records::EnrolmentRow| {
        json!({ "id": r.id, "enterprise": r.enterprise_name, "industry_code": r.industry_code, "region_code": r.region_code,
                "programme_id": r.programme_id, "publicity_ends_at": r.publicity_ends_at })
    };
    let notices: Vec<_> =
        programmes::public_pool(&app, EnrolmentState::Publicised, 0, 200).await?.iter().map(view).collect();
    let listed: Vec<_> = programmes::public_pool(&app, EnrolmentState::Listed, q.after_id()?, q.limit() + 1)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(json!({ "publicised": notices, "listed": paged(listed, q.limit(), |v| v["id"].to_string()) }))
        .into_response())
}

pub async fn object(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<ObjectionForm>, JsonRejection>,
) -> Result<Response, HttpError> {
    let f = super::json_body(b)?;
    let oid = programmes::object(&app, &ctx.actor(), id, &f).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": oid, "status": "open" }))).into_response())
}
