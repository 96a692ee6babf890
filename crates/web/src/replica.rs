//! Read-your-writes across servers and a replica: after a write, the caller is handed the
//! primary's write position (cookie `dengta_lsn` for browsers, header `Dengta-Lsn` for API
//! clients, who send it back in the same header); a read request carrying one reads from the
//! replica only once the replica has replayed that far (see `app::replica`).

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::App;
use crate::app::replica::{self, format_lsn, parse_lsn};
use crate::ctx::{cookie, set_cookie};

const COOKIE: &str = "dengta_lsn";
const HEADER: HeaderName = HeaderName::from_static("dengta-lsn");

/// How long a browser carries its last write's position: far longer than any replica lag the
/// server accepts, after which the position is certainly replayed.
const CARRY_SECS: i64 = 300;

pub async fn route_reads(State(app): State<App>, req: Request, next: Next) -> Response {
    if app.replica.is_none() {
        return next.run(req).await;
    }
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let carried =
            req.headers().get(&HEADER).and_then(|v| v.to_str().ok()).or_else(|| cookie(req.headers(), COOKIE));
        // A malformed position cannot be trusted to be old: read from the primary.
        let after = match carried {
            None => 0,
            Some(text) => parse_lsn(text).unwrap_or(u64::MAX),
        };
        return replica::reading(after, next.run(req)).await;
    }
    let mut res = next.run(req).await;
    if (res.status().is_success() || res.status().is_redirection())
        && let Some(position) = replica::write_position(&app).await
    {
        let text = format_lsn(position);
        if let Ok(v) = HeaderValue::from_str(&text) {
            res.headers_mut().insert(HEADER, v);
        }
        if let Some(v) = set_cookie(COOKIE, &text, Some(CARRY_SECS), app.settings.session.secure_cookies) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}
