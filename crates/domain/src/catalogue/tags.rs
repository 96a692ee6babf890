//! Catalogue tags (解决方案标签): a closed list as data (`data/rules/solution-tags.toml`). A
//! solution carries some of them; the catalogue filters by one.

use serde::{Deserialize, Serialize};

use crate::programme::rules::RulesError;

/// The tag list shipped with Dengta.
pub const BUILTIN_TAGS: &str = include_str!("../../../../data/rules/solution-tags.toml");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SolutionTag")]
pub struct Tag {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagList {
    pub version: u32,
    pub tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: u32,
    #[serde(rename = "tag")]
    tags: Vec<Tag>,
}

impl TagList {
    /// Parses and validates a tag file; errors name the field in Chinese.
    pub fn from_toml(text: &str) -> Result<TagList, RulesError> {
        let raw: Raw = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        let invalid = |place: String, problem: String| RulesError::Invalid { place, problem };
        if raw.version == 0 {
            return Err(invalid("版本（version）".into(), "版本号从1开始".into()));
        }
        for (i, t) in raw.tags.iter().enumerate() {
            let ok = !t.id.is_empty()
                && t.id.len() <= 32
                && t.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok || raw.tags[..i].iter().any(|x| x.id == t.id) {
                return Err(invalid(
                    format!("第{}个标签的标识（id）", i + 1),
                    format!("“{}”为空、重复或含小写字母、数字、下划线以外的字符", t.id),
                ));
            }
            if t.name.trim().is_empty() {
                return Err(invalid(format!("第{}个标签的名称（name）", i + 1), "不能为空".into()));
            }
        }
        Ok(TagList { version: raw.version, tags: raw.tags })
    }

    pub fn builtin() -> Result<TagList, RulesError> {
        TagList::from_toml(BUILTIN_TAGS)
            .map_err(|error| RulesError::Builtin { file: "solution-tags.toml".to_owned(), error: Box::new(error) })
    }

    pub fn get(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id == id)
    }

    /// The given tag ids checked against the list, sorted and without repeats; the first
    /// unknown one is the error.
    pub fn parse(&self, ids: &[String]) -> Result<Vec<String>, String> {
        let mut out: Vec<String> = Vec::new();
        for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if self.get(id).is_none() {
                return Err(id.to_owned());
            }
            out.push(id.to_owned());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_loads_and_checks_tags() {
        let l = TagList::builtin().unwrap();
        assert_eq!(l.get("llm").map(|t| t.name.as_str()), Some("大模型"));
        assert_eq!(
            l.parse(&["llm".into(), "ai".into(), "llm".into(), " ".into()]),
            Ok(vec!["ai".into(), "llm".into()])
        );
        assert_eq!(l.parse(&["xkqz".into()]), Err("xkqz".into()));
    }

    #[test]
    fn malformed_lists_are_refused_with_the_field_named() {
        for (from, to, field) in [
            ("id = \"llm\"", "id = \"ai\"", "第2个标签的标识"),
            ("id = \"cloud\"", "id = \"Cloud\"", "第4个标签的标识"),
            ("name = \"数字孪生\"", "name = \"\"", "第5个标签的名称"),
        ] {
            let text = BUILTIN_TAGS.replacen(from, to, 1);
            assert_ne!(text, BUILTIN_TAGS, "{from}");
            let err = TagList::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(field), "{from} → {to}: {err}");
        }
    }
}
