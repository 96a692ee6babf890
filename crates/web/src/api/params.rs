//! Query values checked against the schemas the OpenAPI document gives them. The schemas come
//! from the handler's query types (see `takes`), so what the document promises and what the
//! server accepts are one thing: a value the document calls invalid is refused with 400, never
//! quietly ignored or read as "no filter".

use std::collections::HashSet;

use regex::Regex;
use serde_json::{Map, Value};

/// One query parameter a route takes, with the rule its value must follow.
#[derive(Debug)]
pub struct Param {
    pub name: String,
    rule: Rule,
}

#[derive(Debug)]
enum Rule {
    Integer { min: Option<i64>, max: Option<i64> },
    Boolean,
    // A set: a region parameter's list holds every GB/T 2260 code.
    Text { one_of: Option<HashSet<String>>, pattern: Option<Regex>, min_len: Option<usize>, max_len: Option<usize> },
}

impl Param {
    /// The rule read from the parameter's schema (the subset of JSON Schema query types use);
    /// a reference to a named schema (a code list) is looked up in `defs`.
    pub fn from_schema(name: &str, schema: &Value, defs: &Map<String, Value>) -> Param {
        let named = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next());
        let schema = named.and_then(|n| defs.get(n)).unwrap_or(schema);
        let kind = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            // `["string", "null"]`: a query string cannot say null, so the other type rules.
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("string"),
            _ => "string",
        };
        let int = |k: &str| schema.get(k).and_then(Value::as_i64);
        let len = |k: &str| schema.get(k).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
        let rule = match kind {
            "integer" => Rule::Integer { min: int("minimum"), max: int("maximum") },
            "boolean" => Rule::Boolean,
            _ => Rule::Text {
                one_of: schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|vs| vs.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
                // The patterns are the project's own constants; one that does not compile is a
                // programming error caught by the route-table test, so it is dropped, not fatal.
                pattern: schema.get("pattern").and_then(Value::as_str).and_then(|p| Regex::new(p).ok()),
                min_len: len("minLength"),
                max_len: len("maxLength"),
            },
        };
        Param { name: name.to_owned(), rule }
    }

    /// Whether the value follows the rule; the reason (English, for the problem's detail) if not.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let name = &self.name;
        match &self.rule {
            Rule::Integer { min, max } => {
                let n: i64 = value.parse().map_err(|_| format!("{name}: a whole number, not “{value}”"))?;
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    let range = match (min, max) {
                        (Some(a), Some(b)) => format!("from {a} to {b}"),
                        (Some(a), None) => format!("at least {a}"),
                        (None, Some(b)) => format!("at most {b}"),
                        (None, None) => String::new(),
                    };
                    return Err(format!("{name}: a whole number {range}, not “{value}”"));
                }
                Ok(())
            }
            Rule::Boolean => match value {
                "true" | "false" => Ok(()),
                _ => Err(format!("{name}: true or false, not “{value}”")),
            },
            Rule::Text { one_of, pattern, min_len, max_len } => {
                if let Some(codes) = one_of
                    && !codes.contains(value)
                {
                    let mut listed: Vec<&str> = codes.iter().map(String::as_str).take(12).collect();
                    listed.sort_unstable();
                    let more = if codes.len() > listed.len() { ", …" } else { "" };
                    return Err(format!("{name}: one of {}{more}, not “{value}”", listed.join(", ")));
                }
                let chars = value.chars().count();
                if min_len.is_some_and(|m| chars < m) || max_len.is_some_and(|m| chars > m) {
                    return Err(format!("{name}: “{value}” has the wrong length"));
                }
                if let Some(p) = pattern
                    && !p.is_match(value)
                {
                    return Err(format!("{name}: “{value}” does not match {}", p.as_str()));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_follow_their_schema() {
        let none = Map::new();
        let limit = Param::from_schema("limit", &json!({ "type": ["integer", "null"], "minimum": 1 }), &none);
        assert!(limit.check("5").is_ok());
        assert!(limit.check("0").is_err());
        assert!(limit.check("x").is_err());
        assert!(limit.check("").is_err());
        let tile = Param::from_schema("tile", &json!({ "type": "string", "enum": ["regions", "money"] }), &none);
        assert!(tile.check("money").is_ok());
        assert!(tile.check("null").is_err());
        assert!(tile.check("").is_err());
        let region =
            Param::from_schema("region", &json!({ "type": "string", "pattern": "^[0-9]{6}$", "maxLength": 6 }), &none);
        assert!(region.check("320100").is_ok());
        assert!(region.check("320100\n").is_err());
        assert!(region.check("").is_err());
        let flag = Param::from_schema("unread", &json!({ "type": "boolean" }), &none);
        assert!(flag.check("true").is_ok());
        assert!(flag.check("1").is_err());
        let free = Param::from_schema("q", &json!({ "type": ["string", "null"] }), &none);
        assert!(free.check("").is_ok() && free.check("任意").is_ok());
        let mut defs = Map::new();
        defs.insert("RegionCode".into(), json!({ "type": "string", "enum": ["320100", "320102"] }));
        let named = Param::from_schema("region", &json!({ "$ref": "#/components/schemas/RegionCode" }), &defs);
        assert!(named.check("320102").is_ok());
        assert!(named.check("000000").is_err());
    }
}
