//! The JSON API (`/api/v1`), health checks and the OpenAPI document.

pub mod acceptance;
pub mod account_requests;
pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod catalogue;
pub mod dashboard;
pub mod directory;
pub mod health;
pub mod integrity;
pub mod ledger;
pub mod messages;
pub mod open;
pub mod openapi;
pub mod programmes;
pub mod projects;
pub mod providers;
pub mod subsidies;
pub mod takes;
pub mod v1;

/// A JSON body, or the extractor's complaint as a 422 in the caller's language.
pub fn json_body<T>(
    b: Result<axum::Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, crate::app::AppError> {
    b.map(|axum::Json(v)| v).map_err(|e| crate::app::AppError::invalid("error.bad_request", e.body_text()))
}
