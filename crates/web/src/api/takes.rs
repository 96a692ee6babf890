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
    /// The success body, when the handler's return type names it (`Json<T>`).
    pub answer: Option<Schema>,
    /// The success status, when the return type names it: 200 for `Json<T>`, 201 for
    /// [`Created`], 202 for [`Accepted`], 204 for [`NoContent`].
    pub status: Option<u16>,
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

/// What a handler answers with: the status and the schema of its success body when its type
/// says them (`Json<T>`, [`Created<T>`], [`Accepted`], [`NoContent`]), nothing for a `Response`
/// built by hand.
pub trait Answer {
    fn describe(_g: &mut SchemaGenerator, _t: &mut Takes) {}
}

impl Answer for axum::response::Response {}
impl<T: JsonSchema> Answer for Json<T> {
    fn describe(g: &mut SchemaGenerator, t: &mut Takes) {
        t.answer = Some(g.subschema_for::<T>());
        t.status = Some(200);
    }
}
impl<T: JsonSchema> Answer for Created<T> {
    fn describe(g: &mut SchemaGenerator, t: &mut Takes) {
        t.answer = Some(g.subschema_for::<T>());
        t.status = Some(201);
    }
}
impl Answer for NoContent {
    fn describe(_g: &mut SchemaGenerator, t: &mut Takes) {
        t.status = Some(204);
    }
}
impl Answer for Accepted {
    fn describe(_g: &mut SchemaGenerator, t: &mut Takes) {
        t.status = Some(202);
    }
}
impl<A: Answer, E> Answer for Result<A, E> {
    fn describe(g: &mut SchemaGenerator, t: &mut Takes) {
        A::describe(g, t);
    }
}

/// A record was created: 201 with its JSON.
pub struct Created<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Created<T> {
    fn into_response(self) -> axum::response::Response {
        (axum::http::StatusCode::CREATED, Json(self.0)).into_response()
    }
}

/// Done, and nothing to say: 204.
pub struct NoContent;

impl axum::response::IntoResponse for NoContent {
    fn into_response(self) -> axum::response::Response {
        axum::http::StatusCode::NO_CONTENT.into_response()
    }
}

/// Taken, to be done in the background, and nothing to say: 202.
pub struct Accepted;

impl axum::response::IntoResponse for Accepted {
    fn into_response(self) -> axum::response::Response {
        axum::http::StatusCode::ACCEPTED.into_response()
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
            Fut: std::future::Future,
            Fut::Output: Answer,
        {
            #[allow(unused_variables, unused_mut)]
            fn takes(g: &mut SchemaGenerator) -> Takes {
                let mut t = Takes::default();
                $( $a::describe(g, &mut t); )*
                <Fut::Output as Answer>::describe(g, &mut t);
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
        .with_transform(schemars::transform::RecursiveTransform(bounded_integers))
        .with_transform(schemars::transform::RecursiveTransform(drop_unfit_default))
        .with_transform(schemars::transform::RecursiveTransform(consts_as_enum))
        .into_generator()
}

/// A unit-variant enum whose variants carry doc comments comes out as a `oneOf` of constants
/// with descriptions; clients read a plain `enum` far better (generators turn it into one enum
/// type). The variants' descriptions are kept in the schema's own description.
fn consts_as_enum(schema: &mut Schema) {
    let Some(obj) = schema.as_object_mut() else { return };
    let Some(members) = obj.get("oneOf").and_then(|m| m.as_array()) else { return };
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for m in members {
        let Some(m) = m.as_object() else { return };
        if m.keys().any(|k| !matches!(k.as_str(), "const" | "type" | "description")) {
            return;
        }
        let Some(v) = m.get("const").and_then(|v| v.as_str()) else { return };
        if let Some(d) = m.get("description").and_then(|d| d.as_str()) {
            notes.push(format!("`{v}`: {d}"));
        }
        values.push(serde_json::Value::from(v));
    }
    obj.remove("oneOf");
    obj.insert("type".into(), "string".into());
    obj.insert("enum".into(), values.into());
    if !notes.is_empty() {
        let head = obj.get("description").and_then(|d| d.as_str()).map(|d| format!("{d}\n\n")).unwrap_or_default();
        obj.insert("description".into(), format!("{head}{}", notes.join("; ")).into());
    }
}

/// Gives 32-bit integers their bounds: schemars bounds `u8`, `u16`, `i8` and `i16`, but gives a
/// `u32` only its minimum and an `i32` none, so the document allowed numbers serde refuses.
fn bounded_integers(schema: &mut Schema) {
    let Some(obj) = schema.as_object_mut() else { return };
    let (min, max) = match obj.get("format").and_then(|f| f.as_str()) {
        Some("uint32") => (0, i64::from(u32::MAX)),
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => return,
    };
    obj.entry("minimum").or_insert(min.into());
    obj.entry("maximum").or_insert(max.into());
}

/// Removes a `default` the schema itself may not allow. A field that serde fills in when absent
/// (an empty text, 0) can still be constrained to a code list or a pattern; the default then
/// says only "may be omitted", which `required` already says, and a generated client would
/// refuse the document for it.
fn drop_unfit_default(schema: &mut Schema) {
    let Some(obj) = schema.as_object_mut() else { return };
    let Some(default) = obj.get("default") else { return };
    let fits = match obj.get("enum").and_then(|e| e.as_array()) {
        Some(allowed) => allowed.contains(default),
        None => !["const", "$ref", "pattern", "minLength", "minimum", "maximum"].iter().any(|k| obj.contains_key(*k)),
    };
    if !fits {
        obj.remove("default");
    }
}
