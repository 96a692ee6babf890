//! `/api/v1/supply-gaps`: the region's weak scenes against the catalogue's supply.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::app::App;
use crate::app::catalogue::{self as cat, SupplyGap};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct GapQuery {
    /// A region in the officer's scope; their own by default.
    #[serde(default)]
    #[schemars(schema_with = "dengta_domain::schema::region")]
    region: Option<String>,
}

/// The ranked gaps, shortest supply first.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct SupplyGaps {
    pub region_code: String,
    pub items: Vec<SupplyGap>,
}

pub async fn gaps(State(app): State<App>, ctx: Ctx, Query(q): Query<GapQuery>) -> Result<Json<SupplyGaps>, HttpError> {
    let p = ctx.principal()?;
    let region = q.region.filter(|r| !r.trim().is_empty()).unwrap_or_else(|| p.region.to_string());
    let items = cat::supply_gaps(&app, p, &region).await?;
    Ok(Json(SupplyGaps { region_code: region, items }))
}
