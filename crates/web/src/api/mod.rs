//! The JSON API (`/api/v1`), health checks and the OpenAPI document.

pub mod acceptance;
pub mod account_requests;
pub mod accounts;
#[cfg(feature = "check-answers")]
pub mod answers;
pub mod assessments;
pub mod audit;
pub mod catalogue;
pub mod chains;
pub mod dashboard;
pub mod data_products;
pub mod directory;
pub mod equipment;
pub mod evaluation;
pub mod health;
pub mod integral;
pub mod integrity;
pub mod ledger;
pub mod messages;
pub mod open;
pub mod openapi;
pub mod outcomes;
pub mod params;
pub mod programmes;
pub mod projects;
pub mod providers;
pub mod rounds;
pub mod satisfaction;
pub mod subsidies;
pub mod supply;
pub mod takes;
pub mod v1;

/// The `Idempotency-Key` header of a request that moves money: a retry with the same key gets the
/// same result. Documented as a required header (see `takes`); a request may still carry the key
/// in its body instead, and one with neither is refused by the use case.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdempotencyKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let key = parts.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(IdempotencyKey(key))
    }
}

/// A JSON body, or the extractor's complaint as a 400 in the caller's language.
pub fn json_body<T>(
    b: Result<axum::Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, crate::app::AppError> {
    b.map(|axum::Json(v)| v).map_err(|e| crate::app::AppError::invalid("error.bad_request", e.body_text()))
}
