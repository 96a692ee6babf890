//! How a use-case error becomes an HTTP refusal: its status, its message key, the
//! `Retry-After` it carries. The body (problem+json or a page) is drawn by `error_page`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppError;
use crate::app::DbError;

/// A failure carried on a response until the context middleware renders it.
#[derive(Clone, Debug)]
pub struct Failure(pub Problem);

#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub key: &'static str,
    pub detail: String,
}

impl From<&AppError> for Problem {
    fn from(e: &AppError) -> Problem {
        let p = |status, key: &'static str, detail: String| Problem { status, key, detail };
        match e {
            AppError::Unauthenticated => p(StatusCode::UNAUTHORIZED, "error.unauthenticated", String::new()),
            AppError::Forbidden => p(StatusCode::FORBIDDEN, "error.forbidden", String::new()),
            AppError::NotFound | AppError::Db(DbError::NotFound) => {
                p(StatusCode::NOT_FOUND, "error.not_found", String::new())
            }
            // A request that does not follow the API's contract (its documented schema) is
            // malformed: 400. Any other refusal is a rule refusing well-formed input: 422.
            AppError::Invalid { key: "error.bad_request", detail } => {
                p(StatusCode::BAD_REQUEST, "error.bad_request", detail.clone())
            }
            // A step the record's present state does not allow conflicts with that state.
            AppError::Invalid { key: "error.state", detail } => p(StatusCode::CONFLICT, "error.state", detail.clone()),
            AppError::Invalid { key, detail } => p(StatusCode::UNPROCESSABLE_ENTITY, key, detail.clone()),
            AppError::Conflict(key) => p(StatusCode::CONFLICT, key, String::new()),
            AppError::Db(DbError::Conflict(_) | DbError::Stale) => {
                p(StatusCode::CONFLICT, "error.conflict", String::new())
            }
            AppError::Locked => p(StatusCode::LOCKED, "error.locked", String::new()),
            AppError::Db(DbError::Unavailable(err)) => {
                tracing::warn!(error = %err, "database unavailable");
                p(StatusCode::SERVICE_UNAVAILABLE, "error.unavailable", String::new())
            }
            AppError::TooMany { .. } => p(StatusCode::TOO_MANY_REQUESTS, "error.too_many", String::new()),
            AppError::Busy { .. } => p(StatusCode::SERVICE_UNAVAILABLE, "error.busy", String::new()),
            AppError::Db(_) | AppError::Internal(_) => {
                tracing::error!(error = %e, "internal error");
                p(StatusCode::INTERNAL_SERVER_ERROR, "error.internal", String::new())
            }
        }
    }
}

/// An [`AppError`] on its way to becoming a response: handlers return this, and `?` turns any
/// use-case error into one (the use-case crate knows nothing of HTTP).
#[derive(Debug)]
pub struct HttpError(pub AppError);

impl From<AppError> for HttpError {
    fn from(e: AppError) -> HttpError {
        HttpError(e)
    }
}

impl From<HttpError> for AppError {
    fn from(e: HttpError) -> AppError {
        e.0
    }
}

impl From<crate::app::DbError> for HttpError {
    fn from(e: crate::app::DbError) -> HttpError {
        HttpError(e.into())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut res = Problem::from(&self.0).into_response();
        if let Some(v) = retry_after(&self.0) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The `Retry-After` a refusal carries (rate limits, busy hashing), in seconds.
pub fn retry_after(e: &AppError) -> Option<HeaderValue> {
    match e {
        AppError::TooMany { retry_after } | AppError::Busy { retry_after } => Some(HeaderValue::from(*retry_after)),
        _ => None,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(Failure(self));
        res
    }
}

/// Seconds a client is told to wait after a 503 (the database is out of reach).
pub const RETRY_AFTER_SECS: &str = "5";
