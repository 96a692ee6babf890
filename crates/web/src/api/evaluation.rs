//! `/api/v1/dashboard/evaluation`: a region's city performance evaluation.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::app::App;
use crate::app::evaluation::{self, CityEvaluation};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct EvaluationQuery {
    /// A region in the caller's scope; their own by default.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region: Option<String>,
}

pub async fn city(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<EvaluationQuery>,
) -> Result<Json<CityEvaluation>, HttpError> {
    Ok(Json(evaluation::city(&app, ctx.principal()?, q.region.as_deref()).await?))
}
