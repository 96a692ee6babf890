//! The OpenAPI 3.1 document, generated from the route table so it can never
//! miss a route.

use axum::Json;
use axum::http::Method;
use serde_json::{Map, Value, json};

use super::takes;
use crate::routes::{self, Access};

pub fn build() -> Value {
    let mut paths = Map::new();
    let mut generator = takes::generator();
    for d in routes::defs().into_iter().filter(|d| d.is_api()) {
        let takes = d.takes.map(|f| f(&mut generator)).unwrap_or_default();
        let mut op = Map::new();
        op.insert("summary".into(), json!(d.summary));
        op.insert("operationId".into(), json!(operation_id(&d.method, d.path)));
        let mut params = Vec::new();
        if d.path.contains("{id}") {
            params.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }));
        }
        // Exactly the parameters the handler's query types take: any other is refused.
        params.extend(takes.params().into_iter().map(|(name, schema)| query_param(name, schema)));
        params.extend(takes.headers.iter().cloned());
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(body) = takes.body {
            op.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "application/json": { "schema": body } } }),
            );
        } else if takes.multipart {
            // Only the part `file` is read; a form with others is not one the document allows.
            let file = json!({ "type": "object", "required": ["file"], "additionalProperties": false, "properties": { "file": { "type": "string", "contentMediaType": "application/octet-stream" } } });
            op.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "multipart/form-data": { "schema": file } } }),
            );
        }
        let roles = match d.access {
            Access::Public => "public".to_owned(),
            Access::Anyone => "any signed-in user".to_owned(),
            Access::Roles(rs) => rs.iter().map(|r| r.code()).collect::<Vec<_>>().join(", "),
        };
        op.insert(
            "description".into(),
            json!(format!("Roles: {roles}. Objects outside the caller's scope answer 404.")),
        );
        // The success body's schema when the handler's return type names it.
        // (`Json<Value>` says only "any JSON", a `true` schema; every such handler answers an object.)
        let answer = takes.answer.clone().map(|s| s.to_value()).filter(Value::is_object);
        let answer = answer.unwrap_or_else(|| json!({ "type": "object" }));
        let body = json!({ content_type(d.path): { "schema": answer } });
        let mut responses = json!({
                "400": { "$ref": "#/components/responses/Problem" },
                "401": { "$ref": "#/components/responses/Problem" },
                "403": { "$ref": "#/components/responses/Problem" },
                "404": { "$ref": "#/components/responses/Problem" },
                "409": { "$ref": "#/components/responses/Problem" },
                "422": { "$ref": "#/components/responses/Problem" },
                "429": { "$ref": "#/components/responses/Problem" },
                "503": { "$ref": "#/components/responses/Problem" }
        });
        if d.method == Method::POST {
            responses["413"] = json!({ "$ref": "#/components/responses/Problem" });
            responses["415"] = json!({ "$ref": "#/components/responses/Problem" });
        }
        match takes.status {
            // The handler's return type names its success status.
            Some(204) => responses["204"] = json!({ "description": "Done; nothing to return" }),
            Some(202) => responses["202"] = json!({ "description": "Accepted; done in the background" }),
            Some(201) => responses["201"] = json!({ "description": "Created", "content": body }),
            Some(_) => responses["200"] = json!({ "description": "OK", "content": body }),
            // A response built by hand: a POST either creates a record (201), takes a step on
            // one (200) or answers nothing (204).
            None if d.method == Method::POST => {
                responses["201"] = json!({ "description": "Created", "content": body });
                responses["200"] = json!({ "description": "Step taken", "content": body });
                responses["204"] = json!({ "description": "Done; nothing to return" });
            }
            None => responses["200"] = json!({ "description": "OK", "content": body }),
        }
        op.insert("responses".into(), responses);
        if d.access != Access::Public {
            op.insert("security".into(), json!([{ "bearer": [] }, { "cookie": [] }]));
        }
        let entry = paths.entry(d.path.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(d.method.as_str().to_lowercase(), Value::Object(op));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Dengta (灯塔) API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "中小企业数字化转型服务平台 JSON API. Errors are application/problem+json with a Chinese title by default (Accept-Language: en for English). Where the server reads from a replica, a successful write answers with a `Dengta-Lsn` header; sending it back on later reads (same header) makes them see that write."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "API token from `dengta token create`" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "dengta_session", "description": "Browser session; state changes also need X-CSRF-Token" }
            },
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                }
            },
            "schemas": schemas(generator.take_definitions(true)),
        }
    })
}

/// The request types' schemas (named by schemars after the Rust types) and the problem's.
fn schemas(mut defs: Map<String, Value>) -> Value {
    defs.insert(
        "Problem".into(),
        json!({
            "type": "object",
                    "required": ["type", "title", "status", "code", "request_id"],
                    "properties": {
                        "type": { "type": "string" },
                        "title": { "type": "string", "description": "human-readable message (zh-CN by default)" },
                        "status": { "type": "integer" },
                        "detail": { "type": "string" },
                        "code": { "type": "string", "description": "stable machine code, e.g. error.not_found" },
                        "request_id": { "type": "string" }
                    }
        }),
    );
    Value::Object(defs)
}

/// What a GET answers with: JSON, except the files (CSV open data, Excel exports, ZIP bundles).
fn content_type(path: &str) -> &'static str {
    if path.ends_with(".csv") {
        "text/csv"
    } else if path.ends_with("/dashboard/export") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if path.ends_with("/bundle") || path.ends_with("/data-products/export") {
        "application/zip"
    } else {
        "application/json"
    }
}

/// A query parameter as documented: the schema of its field in the handler's query type (its
/// doc comment is the description), never null (a query string cannot say null).
fn query_param(name: String, mut schema: Value) -> Value {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            schema["type"] = types[0].clone();
        }
    }
    // `default: null` only says the field is optional, which `required: false` already does.
    if schema.get("default") == Some(&Value::Null)
        && let Some(m) = schema.as_object_mut()
    {
        m.remove("default");
    }
    let description = schema.as_object_mut().and_then(|m| m.remove("description"));
    let mut p = json!({ "name": name, "in": "query", "required": false, "schema": schema });
    if let Some(d) = description {
        p["description"] = d;
    }
    p
}

fn operation_id(m: &Method, path: &str) -> String {
    let mut id = m.as_str().to_lowercase();
    for seg in path.trim_start_matches("/api/v1/").split('/') {
        id.push('_');
        id.push_str(&seg.replace(['{', '}'], "").replace('-', "_"));
    }
    id
}

pub async fn document() -> Json<Value> {
    Json(build())
}
