//! `/api/v1` for the budget ledger: pool balances, allocations, the reconciliation.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use super::takes::Created;
use super::v1::Items;
use crate::app::App;
use crate::app::subsidies::{self, Allocation, PoolBalances, ReconciliationReport};
use crate::ctx::Ctx;
use crate::error::HttpError;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct PoolQuery {
    #[serde(default)]
    programme: Option<String>,
}

/// Pool balances (each an O(1) read) of the programmes the officer's region decides or lies in.
pub async fn pools(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<PoolQuery>,
) -> Result<Json<Items<PoolBalances>>, HttpError> {
    let p = ctx.principal()?;
    let mut out = Vec::new();
    for prog in crate::app::programmes::programmes()? {
        if q.programme.as_deref().is_some_and(|x| x != prog.id()) {
            continue;
        }
        if let Ok(b) = subsidies::pools(&app, p, prog.id()).await {
            out.extend(b);
        }
    }
    Ok(Json(Items::of(out)))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct NewAllocation {
    #[serde(default)]
    #[schemars(schema_with = "programme_ids")]
    programme_id: String,
    #[serde(flatten)]
    allocation: Allocation,
}

/// The programmes this server has loaded, by id.
fn programme_ids(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let ids: Vec<String> = crate::app::programmes::programmes()
        .map_or_else(|_| Vec::new(), |ps| ps.iter().map(|p| p.id().to_owned()).collect());
    schemars::json_schema!({ "type": "string", "enum": ids })
}

pub async fn allocate(
    State(app): State<App>,
    ctx: Ctx,
    super::IdempotencyKey(key): super::IdempotencyKey,
    b: Result<Json<NewAllocation>, JsonRejection>,
) -> Result<Created<Allocated>, HttpError> {
    let mut a = super::json_body(b)?;
    if let Some(k) = key {
        a.allocation.idempotency_key = k;
    }
    let transfer_id = subsidies::allocate(&app, &ctx.actor(), a.programme_id.trim(), &a.allocation).await?;
    Ok(Created(Allocated { transfer_id }))
}

/// Budget allocated to a pool: the ledger transfer that moved it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Allocated {
    transfer_id: i64,
}

/// Sums the ledger and compares it with the stored balances and the subsidies' states.
pub async fn reconciliation(State(app): State<App>, ctx: Ctx) -> Result<Json<ReconciliationReport>, HttpError> {
    Ok(Json(subsidies::reconciliation(&app, ctx.principal()?).await?))
}
