//! zh-CN first, English available. Texts live in `locales/*.toml`, compiled
//! into the binary; a missing key falls back to Chinese, then to the key.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh-hans" => Some(Lang::ZhCn),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    /// From a cookie value, else the first supported `Accept-Language` entry, else Chinese.
    pub fn negotiate(cookie: Option<&str>, accept: Option<&str>) -> Lang {
        if let Some(l) = cookie.and_then(Lang::from_code) {
            return l;
        }
        accept
            .into_iter()
            .flat_map(|a| a.split(','))
            .filter_map(|part| part.split(';').next())
            .find_map(|tag| {
                let tag = tag.trim().to_ascii_lowercase();
                if tag.starts_with("zh") {
                    Some(Lang::ZhCn)
                } else if tag.starts_with("en") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
            .unwrap_or_default()
    }
}

pub const ZH_CN_TOML: &str = include_str!("../locales/zh-CN.toml");
pub const EN_TOML: &str = include_str!("../locales/en.toml");

fn load(text: &str) -> HashMap<String, &'static str> {
    let table: HashMap<String, String> = toml::from_str(text).unwrap_or_default();
    table.into_iter().map(|(k, v)| (k, &*Box::leak(v.into_boxed_str()))).collect()
}

static ZH: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| load(ZH_CN_TOML));
static EN: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| load(EN_TOML));

/// The text for `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let primary = match lang {
        Lang::ZhCn => &*ZH,
        Lang::En => &*EN,
    };
    primary.get(key).or_else(|| ZH.get(key)).copied().unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh: HashMap<String, String> = toml::from_str(ZH_CN_TOML).unwrap();
        let en: HashMap<String, String> = toml::from_str(EN_TOML).unwrap();
        let mut a: Vec<_> = zh.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(zh.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn negotiation_prefers_cookie_then_header_then_chinese() {
        assert_eq!(Lang::negotiate(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("fr-FR, en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("de")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("xx"), None), Lang::ZhCn);
        assert_eq!(t(Lang::En, "nav.home"), "Home");
        assert_eq!(t(Lang::ZhCn, "nav.home"), "首页");
    }
}
