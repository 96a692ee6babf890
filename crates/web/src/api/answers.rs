//! Test builds only (feature `check-answers`): every JSON answer of the API is held to the
//! schema the OpenAPI document gives for its operation and status. An answer that strays from
//! its documented shape becomes a 500 naming the difference, so the whole test suite — every
//! request any test sends — checks the document against what the handlers really answer.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The documented success schemas, compiled: (method, path template, status) → validator.
type Validators = HashMap<(String, String, u16), jsonschema::Validator>;

fn validators() -> &'static Validators {
    static V: OnceLock<Validators> = OnceLock::new();
    V.get_or_init(|| {
        let doc = super::openapi::build();
        let components = doc["components"].clone();
        let mut out = Validators::new();
        let Some(paths) = doc["paths"].as_object() else { return out };
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            for (method, op) in ops {
                let Some(responses) = op["responses"].as_object() else { continue };
                for (status, r) in responses {
                    let (Ok(status), Some(schema)) =
                        (status.parse::<u16>(), r.pointer("/content/application~1json/schema"))
                    else {
                        continue;
                    };
                    // The schema's `$ref`s point into the document's components: carry them.
                    let rooted = json!({ "allOf": [schema], "components": components });
                    match jsonschema::validator_for(&rooted) {
                        Ok(v) => {
                            out.insert((method.to_uppercase(), path.clone(), status), v);
                        }
                        Err(e) => panic!("the documented answer of {method} {path} {status} is no schema: {e}"),
                    }
                }
            }
        }
        out
    })
}

/// The documented operation a request falls under, as its success validators by status:
/// `{id}` matches one segment, and a literal segment beats it (`/reports/keys` is not
/// `/reports/{id}`). None for a path the document does not describe.
fn operation(path: &str, method: &str) -> Option<HashMap<u16, &'static jsonschema::Validator>> {
    let segs: Vec<&str> = path.split('/').collect();
    let literal_fit = |t: &str| -> Option<usize> {
        let tsegs: Vec<&str> = t.split('/').collect();
        let fits = tsegs.len() == segs.len()
            && tsegs.iter().zip(&segs).all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()));
        fits.then(|| tsegs.iter().zip(&segs).filter(|(t, p)| t == p).count())
    };
    let candidates: Vec<(usize, &String, u16, &jsonschema::Validator)> = validators()
        .iter()
        .filter(|((m, _, _), _)| m == method)
        .filter_map(|((_, t, s), v)| literal_fit(t).map(|n| (n, t, *s, v)))
        .collect();
    let best = candidates.iter().map(|c| c.0).max()?;
    let template = candidates.iter().find(|c| c.0 == best).map(|c| c.1)?;
    Some(candidates.iter().filter(|c| c.1 == template).map(|c| (c.2, c.3)).collect())
}

pub async fn check(req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == b"application/json");
    if !path.starts_with("/api/") || !res.status().is_success() || !json {
        return res;
    }
    let status = res.status().as_u16();
    let (parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(op) = operation(&path, &method) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let wrong = match (op.get(&status), serde_json::from_slice::<Value>(&bytes)) {
        (None, _) => Some(format!("{method} {path} answered {status}, a status its document does not list")),
        (Some(_), Err(e)) => Some(format!("{method} {path} answered JSON that does not parse: {e}")),
        (Some(v), Ok(body)) => {
            let errors: Vec<String> = v.iter_errors(&body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            (!errors.is_empty())
                .then(|| format!("{method} {path} {status} strays from its schema: {}", errors.join("; ")))
        }
    };
    match wrong {
        None => Response::from_parts(parts, Body::from(bytes)),
        Some(why) => {
            tracing::error!("{why}");
            (StatusCode::INTERNAL_SERVER_ERROR, why).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_held_to_its_operations_schema() {
        let op = operation("/api/v1/assessments", "POST").expect("documented");
        let created = op.get(&201).expect("an assessment answers 201");
        assert!(!created.is_valid(&json!({})), "an empty object is not a stored assessment");
        assert!(!op.contains_key(&200), "no other success status is documented");
        let one = operation("/api/v1/enterprises/42", "GET").expect("a path with an id");
        assert!(one.get(&200).is_some_and(|v| !v.is_valid(&json!([]))));
        assert!(operation("/api/v1/no-such-thing", "GET").is_none());
        assert!(operation("/api/v1/enterprises/42/extra", "GET").is_none());
    }

    #[test]
    fn every_example_in_the_document_is_valid() {
        let doc = super::super::openapi::build();
        let components = &doc["components"];
        let mut seen = 0;
        for (name, schema) in components["schemas"].as_object().expect("schemas") {
            for example in schema["examples"].as_array().into_iter().flatten() {
                let rooted =
                    json!({ "allOf": [{ "$ref": format!("#/components/schemas/{name}") }], "components": components });
                let v = jsonschema::validator_for(&rooted).expect("a schema");
                let errors: Vec<String> = v.iter_errors(example).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "the example of {name} is not valid: {errors:?}");
                seen += 1;
            }
        }
        assert!(seen >= 3, "the main flows' requests carry examples ({seen} found)");
    }
}
