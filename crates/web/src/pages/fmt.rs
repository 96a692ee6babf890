//! Formatting handed to templates: provider labels in the page's language, Beijing-time dates,
//! stars, scores, money, and the labels of acceptance, subsidy and integrity codes.

use dengta_domain::integrity::FlagKind;
use dengta_domain::money::Fen;
use dengta_domain::programme::acceptance::{AcceptanceAction, AcceptanceState, SubsidyAction, SubsidyState};
use dengta_domain::programme::rules::InstalmentStage;
use dengta_domain::provider::ProviderKind;
use dengta_domain::provider::lifecycle::{ProviderAction, ProviderState};

use crate::ctx::Ctx;
use crate::i18n::Lang;

pub fn kind_label(lang: Lang, code: &str) -> String {
    match ProviderKind::parse(code) {
        Some(k) if lang == Lang::En => k.label_en().to_owned(),
        Some(k) => k.label_zh().to_owned(),
        None => code.to_owned(),
    }
}

pub fn state_label(lang: Lang, code: &str) -> String {
    match ProviderState::parse(code) {
        Some(s) if lang == Lang::En => s.label_en().to_owned(),
        Some(s) => s.label_zh().to_owned(),
        None => code.to_owned(),
    }
}

pub fn action_label(lang: Lang, code: &str) -> String {
    match ProviderAction::parse(code) {
        Some(a) if lang == Lang::En => a.label_en().to_owned(),
        Some(a) => a.label_zh().to_owned(),
        None if code == "apply" => if lang == Lang::En { "Applied" } else { "提交申请" }.to_owned(),
        None => code.to_owned(),
    }
}

pub fn stars(n: i64) -> String {
    if n <= 0 { "—".to_owned() } else { "★".repeat(n.clamp(0, 5) as usize) }
}

pub fn score_text(h: Option<i64>) -> String {
    h.map(|h| format!("{}.{:02}", h / 100, h % 100)).unwrap_or_else(|| "—".to_owned())
}

pub fn when(ms: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    match time::OffsetDateTime::from_unix_timestamp(ms / 1000) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        }
        Err(_) => String::new(),
    }
}

pub fn when_opt(ms: &Option<i64>) -> String {
    ms.map(when).unwrap_or_default()
}

/// Formatting helpers handed to templates (labels in the page's language, dates, money).
#[derive(Clone, Copy)]
pub struct Fmt {
    pub lang: Lang,
}

impl Fmt {
    pub fn new(ctx: &Ctx) -> Fmt {
        Fmt { lang: ctx.lang }
    }
    pub fn state(&self, c: &str) -> String {
        state_label(self.lang, c)
    }
    pub fn kind(&self, c: &str) -> String {
        kind_label(self.lang, c)
    }
    /// A coded label in the page's language, the code itself if unknown.
    fn coded(&self, zh_en: Option<(&'static str, &'static str)>, c: &str) -> String {
        match zh_en {
            Some((_, en)) if self.lang == Lang::En => en.to_owned(),
            Some((zh, _)) => zh.to_owned(),
            None => c.to_owned(),
        }
    }
    pub fn chain_kind(&self, c: &str) -> String {
        use dengta_domain::programme::workflow::ChainKind as K;
        self.coded(K::parse(c).map(|k| (k.label_zh(), k.label_en())), c)
    }
    pub fn chain_state(&self, c: &str) -> String {
        use dengta_domain::programme::workflow::ChainState as S;
        self.coded(S::parse(c).map(|k| (k.label_zh(), k.label_en())), c)
    }
    pub fn project_state(&self, c: &str) -> String {
        use dengta_domain::programme::workflow::ProjectState as S;
        self.coded(S::parse(c).map(|k| (k.label_zh(), k.label_en())), c)
    }
    pub fn acceptance_state(&self, c: &str) -> String {
        self.coded(AcceptanceState::parse(c).map(|k| (k.label_zh(), k.label_en())), c)
    }
    pub fn action(&self, c: &str) -> String {
        action_label(self.lang, c)
    }
    pub fn when(&self, ms: &i64) -> String {
        when(*ms)
    }
    pub fn when_o(&self, ms: &Option<i64>) -> String {
        when_opt(ms)
    }
    pub fn score(&self, h: &Option<i64>) -> String {
        score_text(*h)
    }
    pub fn stars(&self, n: &i64) -> String {
        stars(*n)
    }
    pub fn stars_o(&self, n: &Option<i64>) -> String {
        stars(n.unwrap_or(0))
    }
    pub fn yuan(&self, fen: &i64) -> String {
        dengta_domain::money::Fen(*fen).to_string()
    }
    /// The label of a coded value: `tk("solutions.status_", "draft")`.
    pub fn tk(&self, prefix: &str, code: &str) -> &'static str {
        crate::i18n::t(self.lang, &format!("{prefix}{code}"))
    }
    pub fn opt(&self, o: &Option<i64>) -> String {
        o.map(|v| v.to_string()).unwrap_or_default()
    }
    /// A percentage with one decimal, or "—".
    pub fn pct(&self, v: Option<f64>) -> String {
        v.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}%"))
    }
    /// A number of days with one decimal, or "—".
    pub fn days(&self, v: Option<f64>) -> String {
        v.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}"))
    }
}

pub fn acceptance_state_label(code: &str) -> &'static str {
    AcceptanceState::parse(code).map_or("", |s| s.label_zh())
}

pub fn acceptance_action_label(code: &str) -> &'static str {
    match AcceptanceAction::parse(code) {
        Some(a) => a.label_zh(),
        None if code == "apply" => "申请验收",
        None => "",
    }
}

pub fn subsidy_state_label(code: &str) -> &'static str {
    SubsidyState::parse(code).map_or("", |s| s.label_zh())
}

pub fn subsidy_action_label(code: &str) -> &'static str {
    match SubsidyAction::parse(code) {
        Some(a) => a.label_zh(),
        None if code == "compute" => "核算奖补",
        None => "",
    }
}

pub fn flag_kind_label(code: &str) -> String {
    FlagKind::parse(code).map_or_else(|| code.to_owned(), |k| k.label_zh().to_owned())
}

pub fn stage_label(code: &str) -> &'static str {
    InstalmentStage::parse(code).map_or("", |s| s.label_zh())
}

pub fn fen(v: &i64) -> String {
    Fen(*v).to_string()
}

pub fn fen_o(v: &Option<Fen>) -> String {
    v.map(|f| f.to_string()).unwrap_or_default()
}
