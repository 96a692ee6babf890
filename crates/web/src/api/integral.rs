//! Integral numbers in JSON bodies read as integers. JSON Schema (and so the OpenAPI document)
//! counts `3.0` as an integer, and some clients write integers that way; serde refuses a float
//! for an `i64`. The body is rewritten before the handler reads it, so a request the document
//! allows is not refused for how a number was spelled.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Number, Value};

/// The largest JSON body the API reads (axum's default body limit).
const JSON_LIMIT: usize = 2 * 1024 * 1024;

pub async fn integral_numbers(req: Request, next: Next) -> Response {
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, JSON_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    // Without a '.', 'e' or 'E' no number in the body is written as a float: nothing to do.
    if !bytes.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            if integralise(&mut v) {
                // The rewritten body is shorter or longer than the one announced.
                parts.headers.remove(CONTENT_LENGTH);
                serde_json::to_vec(&v).map(Bytes::from).unwrap_or(bytes)
            } else {
                bytes
            }
        }
        Err(_) => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Rewrites every float with no fraction that fits an `i64` as an integer; whether any was.
fn integralise(v: &mut Value) -> bool {
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Strictly inside ±2^63: a float at -2^63 may stand for a smaller number that was
            // rounded to it (-9223372036854775809), so it is left for the handler to refuse.
            if f.fract() == 0.0 && f > -9_223_372_036_854_775_808.0 && f < 9_223_372_036_854_775_808.0 {
                *n = Number::from(f as i64);
                return true;
            }
            false
        }
        Value::Array(items) => items.iter_mut().fold(false, |any, x| integralise(x) | any),
        Value::Object(m) => m.values_mut().fold(false, |any, x| integralise(x) | any),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integral_floats_become_integers_and_others_stay() {
        let mut v = json!({ "id": 101246441.0, "xs": [1.0, 2.5, -3.0], "big": 1e300, "s": "1.0" });
        assert!(integralise(&mut v));
        assert_eq!(v, json!({ "id": 101246441, "xs": [1, 2.5, -3], "big": 1e300, "s": "1.0" }));
        let mut edge = json!({ "id": -9223372036854775809.0 });
        assert!(!integralise(&mut edge));
        let mut plain = json!({ "id": 7, "name": "x" });
        assert!(!integralise(&mut plain));
    }
}
