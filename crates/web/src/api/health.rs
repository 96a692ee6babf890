//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::App;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers.
pub async fn readyz(State(app): State<App>) -> Response {
    match app.database_ready().await {
        Ok(engine) => Json(json!({ "status": "ready", "database": engine })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, crate::error::RETRY_AFTER_SECS)],
                Json(json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

/// The engine's figures for the system administrator.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct SystemStats {
    /// The store.
    #[schemars(extend("enum" = ["sqlite", "postgres"]))]
    database: String,
    /// How many statements this process has run.
    statements: u64,
}

/// The engine's figures for the system administrator: which store, and how many statements
/// this process has run (the benchmark reads it before and after a workload).
pub async fn stats(State(app): State<App>) -> Json<SystemStats> {
    Json(SystemStats { database: app.backend_name(), statements: app.statements_run() })
}
