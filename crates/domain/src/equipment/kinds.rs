//! Device types and connection protocols: closed lists as data (`data/rules/device-types.toml`).

use serde::{Deserialize, Serialize};

use crate::programme::rules::RulesError;

/// The lists shipped with Dengta.
pub const BUILTIN_KINDS: &str = include_str!("../../../../data/rules/device-types.toml");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DeviceListEntry")]
pub struct Entry {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DeviceKinds")]
pub struct DeviceKinds {
    pub version: u32,
    /// Device types (设备类型).
    pub kinds: Vec<Entry>,
    /// Connection protocols (接入协议).
    pub protocols: Vec<Entry>,
    /// The assessment input (an instrument's `inputs` id) an enterprise's device count is
    /// offered for: the questionnaire shows the count beside it and fills an empty answer.
    pub count_input: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: u32,
    #[serde(default)]
    count_input: Option<String>,
    #[serde(rename = "kind")]
    kinds: Vec<Entry>,
    #[serde(rename = "protocol")]
    protocols: Vec<Entry>,
}

fn check(list: &[Entry], what: &str) -> Result<(), RulesError> {
    let invalid = |place: String, problem: String| RulesError::Invalid { place, problem };
    if list.is_empty() {
        return Err(invalid(what.to_owned(), "至少一项".into()));
    }
    for (i, t) in list.iter().enumerate() {
        let ok = !t.id.is_empty()
            && t.id.len() <= 32
            && t.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok || list[..i].iter().any(|x| x.id == t.id) {
            return Err(invalid(
                format!("第{}个{what}的标识（id）", i + 1),
                format!("“{}”为空、重复或含小写字母、数字、下划线以外的字符", t.id),
            ));
        }
        if t.name.trim().is_empty() {
            return Err(invalid(format!("第{}个{what}的名称（name）", i + 1), "不能为空".into()));
        }
    }
    Ok(())
}

impl DeviceKinds {
    /// Parses and validates a list file; errors name the field in Chinese.
    pub fn from_toml(text: &str) -> Result<DeviceKinds, RulesError> {
        let raw: Raw = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        if raw.version == 0 {
            return Err(RulesError::Invalid {
                place: "版本（version）".into(), problem: "版本号从1开始".into()
            });
        }
        check(&raw.kinds, "设备类型")?;
        check(&raw.protocols, "接入协议")?;
        if raw.count_input.as_deref().is_some_and(|id| id.trim().is_empty()) {
            return Err(RulesError::Invalid {
                place: "设备数对应的评测输入（count_input）".into(),
                problem: "不能为空".into(),
            });
        }
        Ok(DeviceKinds {
            version: raw.version,
            kinds: raw.kinds,
            protocols: raw.protocols,
            count_input: raw.count_input,
        })
    }

    pub fn builtin() -> Result<DeviceKinds, RulesError> {
        DeviceKinds::from_toml(BUILTIN_KINDS)
            .map_err(|error| RulesError::Builtin { file: "device-types.toml".to_owned(), error: Box::new(error) })
    }

    pub fn kind(&self, id: &str) -> Option<&Entry> {
        self.kinds.iter().find(|t| t.id == id)
    }

    pub fn protocol(&self, id: &str) -> Option<&Entry> {
        self.protocols.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_load() {
        let l = DeviceKinds::builtin().unwrap();
        assert_eq!(l.kind("cnc").map(|t| t.name.as_str()), Some("数控机床"));
        assert_eq!(l.protocol("opc_ua").map(|t| t.name.as_str()), Some("OPC UA"));
        assert!(l.kind("opc_ua").is_none());
    }

    #[test]
    fn malformed_lists_are_refused_with_the_field_named() {
        for (from, to, field) in [
            ("id = \"injection\"", "id = \"cnc\"", "第2个设备类型的标识"),
            ("id = \"mqtt\"", "id = \"MQTT\"", "第4个接入协议的标识"),
            ("name = \"工业机器人\"", "name = \" \"", "第4个设备类型的名称"),
        ] {
            let text = BUILTIN_KINDS.replacen(from, to, 1);
            assert_ne!(text, BUILTIN_KINDS, "{from}");
            let err = DeviceKinds::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(field), "{from} → {to}: {err}");
        }
    }
}
