//! `/api/v1` for integrity flags (诚信预警).

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use crate::app::records::FlagRow;
use crate::app::{App, integrity};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct FlagQuery {
    #[serde(default)]
    cleared: bool,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 1))]
    limit: Option<i64>,
}

/// Integrity flags, newest first.
#[derive(Serialize, schemars::JsonSchema)]
pub struct IntegrityFlags {
    items: Vec<FlagRow>,
}

pub async fn flags(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<FlagQuery>,
) -> Result<Json<IntegrityFlags>, HttpError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let items = integrity::list(&app, ctx.principal()?, q.cleared, q.before.unwrap_or(i64::MAX), limit).await?;
    Ok(Json(IntegrityFlags { items }))
}
