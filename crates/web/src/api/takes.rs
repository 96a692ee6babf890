//! What an API handler takes, read from its argument types: the query-string types and the JSON
//! body type, as JSON Schema (schemars). The route table records it with the route, so the
//! OpenAPI document and the strict query check come from the same Rust types the handler
//! deserialises — they cannot drift apart.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::ctx::Ctx;

/// The query parameters and request body of one handler.
#[derive(Default)]
pub struct Takes {
    /// One object schema per `Query<T>` argument (a handler may take two, e.g. paging and filters).
    pub query: Vec<Schema>,
    pub body: Option<Schema>,
    /// A multipart upload (field `file`) instead of a JSON body.
    pub multipart: bool,
    /// Header parameters, as OpenAPI parameter objects.
    pub headers: Vec<serde_json::Value>,
}

impl Takes {
    /// The query parameters by name with their schemas, in declaration order, each once.
    pub fn params(&self) -> Vec<(String, serde_json::Value)> {
        let mut out: Vec<(String, serde_json::Value)> = Vec::new();
        for s in &self.query {
            let Some(props) = s.get("properties").and_then(|p| p.as_object()) else { continue };
            for (name, schema) in props {
                if !out.iter().any(|(n, _)| n == name) {
                    out.push((name.clone(), schema.clone()));
                }
            }
        }
        out
    }
}

/// A handler's description, taken from its argument types.
pub type TakesFn = fn(&mut SchemaGenerator) -> Takes;

/// One handler argument: what it adds to the description (nothing, for most extractors).
pub trait Arg {
    fn describe(_g: &mut SchemaGenerator, _t: &mut Takes) {}
}

impl Arg for Ctx {}
impl Arg for HeaderMap {}
impl Arg for Multipart {
    fn describe(_g: &mut SchemaGenerator, t: &mut Takes) {
        t.multipart = true;
    }
}
impl Arg for Result<Multipart, MultipartRejection> {
    fn describe(_g: &mut SchemaGenerator, t: &mut Takes) {
        t.multipart = true;
    }
}
impl<S> Arg for State<S> {}
impl Arg for super::IdempotencyKey {
    fn describe(_g: &mut SchemaGenerator, t: &mut Takes) {
        t.headers.push(serde_json::json!({
            "name": "Idempotency-Key", "in": "header", "required": true,
            "description": "Any text the client chooses per payment; a retry with the same key gets the same result",
            "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$" }
        }));
    }
}
impl<T> Arg for Path<T> {}

impl<T: JsonSchema> Arg for Query<T> {
    fn describe(g: &mut SchemaGenerator, t: &mut Takes) {
        // Inline (not a reference): the document lists the parameters one by one.
        t.query.push(T::json_schema(g));
    }
}

impl<T: JsonSchema> Arg for Result<Json<T>, JsonRejection> {
    fn describe(g: &mut SchemaGenerator, t: &mut Takes) {
        t.body = Some(g.subschema_for::<T>());
    }
}

impl<T: JsonSchema> Arg for Json<T> {
    fn describe(g: &mut SchemaGenerator, t: &mut Takes) {
        t.body = Some(g.subschema_for::<T>());
    }
}

/// A handler whose every argument is an [`Arg`]; `M` is the tuple of its argument types.
pub trait Documented<M> {
    fn takes(g: &mut SchemaGenerator) -> Takes;
}

macro_rules! documented {
    ($($a:ident),*) => {
        impl<F, Fut, $($a: Arg,)*> Documented<($($a,)*)> for F
        where
            F: FnOnce($($a),*) -> Fut,
        {
            #[allow(unused_variables, unused_mut)]
            fn takes(g: &mut SchemaGenerator) -> Takes {
                let mut t = Takes::default();
                $( $a::describe(g, &mut t); )*
                t
            }
        }
    };
}

documented!();
documented!(A1);
documented!(A1, A2);
documented!(A1, A2, A3);
documented!(A1, A2, A3, A4);
documented!(A1, A2, A3, A4, A5);
documented!(A1, A2, A3, A4, A5, A6);

/// The generator every description is made with: JSON Schema 2020-12 (OpenAPI 3.1's dialect),
/// named types under `#/components/schemas/`.
pub fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}
