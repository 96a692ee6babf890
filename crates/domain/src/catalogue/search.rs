//! Chinese full-text search by character n-grams.
//!
//! Chinese has no spaces and a word segmenter is a large, data-hungry dependency, so the index
//! holds every character and every adjacent pair of characters (bigram) of each CJK run, and the
//! words, characters and bigrams of each ASCII run. A query of two or more characters is then the
//! set of its bigrams: a text containing the query contains all of them. The converse does not
//! hold (设备 + 备管 + 管理 can come from different places), so [`matches`](fn@matches) is the final check on
//! the candidates the index returns.
//!
//! All three functions see text through [`normalise`], so the database can store
//! [`index_terms`] and look up [`query_terms`] with no further processing.

use std::collections::BTreeSet;

/// What a character contributes to the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Cjk,
    Alnum,
    /// Punctuation, whitespace, other scripts: separates runs, never indexed.
    Other,
}

fn class(c: char) -> Class {
    if c.is_ascii_alphanumeric() {
        Class::Alnum
    } else if is_cjk(c) {
        Class::Cjk
    } else {
        Class::Other
    }
}

/// Han ideographs (basic block, extensions A–H, compatibility), 〇, and Japanese kana and Korean
/// syllables, which are written without spaces too.
fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3007
            | 0x3041..=0x309F
            | 0x30A0..=0x30FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7AF
            | 0xF900..=0xFAFF
            | 0x20000..=0x2EBEF
            | 0x30000..=0x323AF
    )
}

/// Full-width ASCII (Ａ-Ｚ, ０-９, ！…～) and the ideographic space to their half-width forms, as
/// typed by Chinese input methods.
fn fold_width(c: char) -> char {
    match u32::from(c) {
        0x3000 => ' ',
        u @ 0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Lower-case and fold full-width ASCII to half-width, character by character, so that the
/// normalised form of a substring is always a substring of the normalised text.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        out.extend(fold_width(c).to_lowercase());
    }
    out
}

/// The maximal runs of CJK or of ASCII letters/digits in normalised text.
fn runs(normalised: &str) -> Vec<(Class, Vec<char>)> {
    let mut out: Vec<(Class, Vec<char>)> = Vec::new();
    let mut current: Option<(Class, Vec<char>)> = None;
    for c in normalised.chars() {
        let k = class(c);
        match &mut current {
            Some((ck, chars)) if *ck == k => chars.push(c),
            _ => {
                out.extend(current.take());
                if k != Class::Other {
                    current = Some((k, vec![c]));
                }
            }
        }
    }
    out.extend(current);
    out
}

fn bigrams(chars: &[char]) -> impl Iterator<Item = String> + '_ {
    chars.windows(2).map(|w| w.iter().collect())
}

/// Index terms of a text: lower-cased; for every maximal run of CJK characters, each single
/// character and each adjacent pair (bigram); for every run of ASCII letters/digits, the whole
/// word, its characters and its bigrams (so "ERP" matches "erp系统" and "MES" inside "智能MES");
/// punctuation/whitespace split runs. Deduplicated, sorted. Full-width ASCII is folded to
/// half-width first. ASCII characters are indexed singly so a one-letter query can be looked up.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut terms = BTreeSet::new();
    for (k, chars) in runs(&normalise(text)) {
        if k == Class::Alnum && chars.len() > 1 {
            terms.insert(chars.iter().collect::<String>());
        }
        terms.extend(chars.iter().map(char::to_string));
        terms.extend(bigrams(&chars));
    }
    terms.into_iter().collect()
}

/// The terms a query must all hit: normalised like [`index_terms`]; for a run of length 1 the
/// single character, otherwise its bigrams. Deduplicated and sorted. Empty for an empty or
/// punctuation-only query.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms = BTreeSet::new();
    for (_, chars) in runs(&normalise(query)) {
        if chars.len() == 1 {
            terms.extend(chars.iter().map(char::to_string));
        } else {
            terms.extend(bigrams(&chars));
        }
    }
    terms.into_iter().collect()
}

/// Whether a query matches a text after normalisation: every run of the query occurs in the text
/// as a substring. The final check after the index narrowed candidates, since bigram hits alone can
/// be false positives. A query with nothing searchable in it matches nothing, so a stray
/// punctuation mark does not list the whole catalogue.
pub fn matches(query: &str, text: &str) -> bool {
    let query_runs = runs(&normalise(query));
    if query_runs.is_empty() {
        return false;
    }
    let text = normalise(text);
    query_runs.iter().all(|(_, chars)| text.contains(chars.iter().collect::<String>().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn subset(query: &[String], index: &[String]) -> bool {
        query.iter().all(|t| index.binary_search(t).is_ok())
    }

    #[test]
    fn finds_a_phrase_inside_a_longer_name() {
        let text = "智能设备管理系统";
        let q = query_terms("设备管理");
        assert_eq!(q, vec!["备管", "管理", "设备"]);
        assert!(subset(&q, &index_terms(text)));
        assert!(matches("设备管理", text));
    }

    #[test]
    fn bigram_hits_in_different_places_do_not_match() {
        let text = "设备运维与生产管理";
        assert!(!matches("设备管理", text));
        // The index alone would not rule it out by 设备 and 管理 …
        let index = index_terms(text);
        assert!(subset(&["设备".to_owned(), "管理".to_owned()], &index));
        // … and with 备管 somewhere else it would be a full false positive.
        let tricky = "设备运维，备管件，生产管理";
        assert!(subset(&query_terms("设备管理"), &index_terms(tricky)));
        assert!(!matches("设备管理", tricky));
    }

    #[test]
    fn ascii_words_match_case_insensitively_inside_chinese() {
        assert!(subset(&query_terms("ERP"), &index_terms("erp系统")));
        assert!(matches("ERP", "erp系统"));
        assert!(subset(&query_terms("MES"), &index_terms("智能MES")));
        assert!(matches("mes", "智能MES"));
        assert!(index_terms("智能MES").contains(&"mes".to_owned()));
        assert!(!matches("SAP", "ERP系统"));
    }

    #[test]
    fn terms_are_normalised_split_and_deduplicated() {
        assert_eq!(normalise("ＥＲＰ　系统"), "erp 系统");
        assert_eq!(index_terms("ERP，系统 erp"), vec!["e", "er", "erp", "p", "r", "rp", "系", "系统", "统"]);
        assert_eq!(query_terms("云"), vec!["云"]);
        assert_eq!(query_terms("Ａ"), vec!["a"]);
        assert_eq!(query_terms("5G 工厂"), vec!["5g", "工厂"]);
        assert!(query_terms("").is_empty());
        assert!(query_terms("，。！ ?").is_empty());
        assert!(!matches("，", "，"));
        assert!(matches("设备 管理", "智能设备管理"));
        assert!(matches("ＭＥＳ", "mes"));
    }

    fn text_char() -> impl Strategy<Value = char> {
        let pool: Vec<char> =
            "设备管理系统智能制造云平台数据采集生产排程ERPMESerpmes0129，。、 -_/（）ＡＢｃ１２　Ä".chars().collect();
        prop_oneof![4 => proptest::sample::select(pool), 1 => any::<char>()]
    }

    proptest! {
        #[test]
        fn every_substring_is_found(
            chars in proptest::collection::vec(text_char(), 1..40),
            a in any::<proptest::sample::Index>(),
            b in any::<proptest::sample::Index>(),
        ) {
            let (i, j) = (a.index(chars.len()), b.index(chars.len()));
            let (start, end) = if i <= j { (i, j + 1) } else { (j, i + 1) };
            let text: String = chars.iter().collect();
            let sub: String = chars[start..end].iter().collect();
            prop_assume!(normalise(&sub).chars().any(|c| class(c) != Class::Other));
            let q = query_terms(&sub);
            prop_assert!(!q.is_empty());
            prop_assert!(subset(&q, &index_terms(&text)), "{:?} in {:?}", sub, text);
            prop_assert!(matches(&sub, &text), "{:?} in {:?}", sub, text);
        }

        #[test]
        fn terms_are_sorted_and_unique(chars in proptest::collection::vec(text_char(), 0..30)) {
            let text: String = chars.iter().collect();
            for terms in [index_terms(&text), query_terms(&text)] {
                prop_assert!(terms.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
}
