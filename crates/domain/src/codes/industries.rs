//! The GB/T 4754-2017 industry classification (国民经济行业分类) at all four
//! levels, embedded from `data/codes/gbt4754-2017.tsv`.
//!
//! Codes are stored in the canonical form of [`IndustryCode`]: the section
//! letter alone for a 门类 (C), the letter plus the digits below it (C36,
//! C367, C3670). Lookups accept anything [`IndustryCode::parse`] accepts, so
//! "3670", "c3670" and "Ｃ３６７０" find the same entry. Where the standard
//! does not subdivide a 中类, its single 小类 has the same name and ends in 0
//! (C131 谷物磨制 … C1340 制糖业 has C134 制糖业 above it).

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{CodeListError, read_table};
use crate::enterprise::industry_code::{IndustryCode, IndustryLevel};

const FILE: &str = "data/codes/gbt4754-2017.tsv";
const TITLE: &str = "# GB/T 4754-2017 国民经济行业分类, version ";
const EMBEDDED_TEXT: &str = include_str!("../../../../data/codes/gbt4754-2017.tsv");

static EMBEDDED: LazyLock<IndustryList> = LazyLock::new(|| {
    IndustryList::parse(FILE, EMBEDDED_TEXT).unwrap_or_else(|e| panic!("嵌入的国民经济行业分类表无效：{e}"))
});

/// One entry of the classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Industry {
    pub code: IndustryCode,
    pub name: String,
    pub level: IndustryLevel,
    /// None for a 门类.
    pub parent: Option<IndustryCode>,
}

impl Industry {
    /// The 门类 letter (A–T).
    pub fn section(&self) -> char {
        self.code.section()
    }
}

/// The loaded classification, indexed by canonical code.
#[derive(Debug, Clone)]
pub struct IndustryList {
    header: String,
    version: String,
    entries: Vec<Industry>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
    sections: Vec<usize>,
}

fn level_name(level: IndustryLevel) -> &'static str {
    match level {
        IndustryLevel::Section => "section",
        IndustryLevel::Division => "division",
        IndustryLevel::Group => "group",
        IndustryLevel::Class => "class",
    }
}

impl IndustryList {
    /// The classification shipped in the binary, parsed once on first use.
    ///
    /// # Panics
    /// If the embedded file is invalid; the unit tests load it, so a bad file
    /// never gets past them.
    pub fn embedded() -> &'static IndustryList {
        &EMBEDDED
    }

    /// Parses and checks a list in the `gbt4754-2017.tsv` format. `file` names it in errors.
    pub fn parse(file: &'static str, text: &str) -> Result<IndustryList, CodeListError> {
        let table = read_table(file, text, TITLE)?;
        let err = |line: usize, reason: String| CodeListError { file, line, reason };

        let mut entries: Vec<Industry> = Vec::with_capacity(table.rows.len());
        let mut by_code: HashMap<String, usize> = HashMap::with_capacity(table.rows.len());
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        let mut sections = Vec::new();
        for row in &table.rows {
            let code = IndustryCode::parse(row.code).map_err(|e| err(row.line, e.to_string()))?;
            if code.as_str() != row.code {
                return Err(err(row.line, format!("代码“{}”应写成规范形式“{code}”", row.code)));
            }
            if level_name(code.level()) != row.level {
                return Err(err(
                    row.line,
                    format!(
                        "代码{code}是{}，级别应写{}，写的是“{}”",
                        code.level().label(),
                        level_name(code.level()),
                        row.level
                    ),
                ));
            }
            if by_code.contains_key(row.code) {
                return Err(err(row.line, format!("代码{code}重复")));
            }
            let parent = match code.level() {
                IndustryLevel::Section => None,
                IndustryLevel::Division => Some(code.section().to_string()),
                _ => Some(row.code[..row.code.len() - 1].to_owned()),
            };
            if row.parent != parent.as_deref().unwrap_or_default() {
                return Err(err(
                    row.line,
                    format!("上级应为“{}”，写的是“{}”", parent.as_deref().unwrap_or_default(), row.parent),
                ));
            }
            // Parents precede their children in the file, so a missing one shows up here.
            let parent = match parent {
                None => None,
                Some(p) => {
                    let Some(&pi) = by_code.get(&p) else {
                        return Err(err(row.line, format!("上级代码{p}不在前面的行中")));
                    };
                    children.entry(p).or_default().push(entries.len());
                    Some(entries[pi].code.clone())
                }
            };
            let level = code.level();
            if level == IndustryLevel::Section {
                sections.push(entries.len());
            }
            by_code.insert(row.code.to_owned(), entries.len());
            entries.push(Industry { code, name: row.name.to_owned(), level, parent });
        }

        Ok(IndustryList {
            header: table.header.to_owned(),
            version: table.version.to_owned(),
            entries,
            by_code,
            children,
            sections,
        })
    }

    /// The data version from the header, `YYYY-MM`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The whole first line of the file: standard, version and provenance.
    pub fn header(&self) -> &str {
        &self.header
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries in file order: each 门类 followed by everything below it.
    pub fn iter(&self) -> impl Iterator<Item = &Industry> {
        self.entries.iter()
    }

    /// Looks up any spelling [`IndustryCode::parse`] accepts ("3670", "C3670").
    pub fn get(&self, code: &str) -> Option<&Industry> {
        let code = IndustryCode::parse(code).ok()?;
        self.get_code(&code)
    }

    pub fn get_code(&self, code: &IndustryCode) -> Option<&Industry> {
        self.by_code.get(code.as_str()).map(|&i| &self.entries[i])
    }

    /// True when the code is listed in the standard, not merely well-formed.
    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.get(code).map(|e| e.name.as_str())
    }

    pub fn level(&self, code: &str) -> Option<IndustryLevel> {
        self.get(code).map(|e| e.level)
    }

    /// The 门类 letter of a listed code.
    pub fn section(&self, code: &str) -> Option<char> {
        self.get(code).map(Industry::section)
    }

    /// The parent's canonical code; None for a 门类 or an unlisted code.
    pub fn parent(&self, code: &str) -> Option<&IndustryCode> {
        self.get(code).and_then(|e| e.parent.as_ref())
    }

    /// The entries directly below `code`, in code order.
    pub fn children(&self, code: &str) -> Vec<&Industry> {
        let Some(entry) = self.get(code) else {
            return Vec::new();
        };
        self.children
            .get(entry.code.as_str())
            .map(|ix| ix.iter().map(|&i| &self.entries[i]).collect())
            .unwrap_or_default()
    }

    /// The 20 门类, A to T.
    pub fn sections(&self) -> Vec<&Industry> {
        self.sections.iter().map(|&i| &self.entries[i]).collect()
    }

    /// Names from the 门类 down to `code`:
    /// C3670 → ["制造业", "汽车制造业", "汽车零部件及配件制造", "汽车零部件及配件制造"].
    pub fn path(&self, code: &str) -> Option<Vec<&str>> {
        let mut current = self.get(code)?;
        let mut names = vec![current.name.as_str()];
        while let Some(parent) = current.parent.as_ref().and_then(|p| self.get_code(p)) {
            names.push(parent.name.as_str());
            current = parent;
        }
        names.reverse();
        Some(names)
    }

    /// How many entries the list has at `level`.
    pub fn count(&self, level: IndustryLevel) -> usize {
        self.entries.iter().filter(|e| e.level == level).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> &'static IndustryList {
        IndustryList::embedded()
    }

    #[test]
    fn embedded_file_loads_with_its_version() {
        let l = list();
        assert_eq!(l.version().len(), 7);
        assert!(l.header().contains("source:"), "{}", l.header());
        assert_eq!(l.len(), l.iter().count());
        assert!(!l.is_empty());
    }

    #[test]
    fn counts_per_level() {
        let l = list();
        assert_eq!(l.count(IndustryLevel::Section), 20);
        assert_eq!(l.count(IndustryLevel::Division), 97);
        assert_eq!(l.count(IndustryLevel::Group), 473);
        // The standard as issued says 1,380 and NBS pages after the 2019 amendment say 1,382;
        // the shipped source has 1,381 (see the file header). Change this with the data.
        assert_eq!(l.count(IndustryLevel::Class), 1_381);
        let letters: String = l.sections().iter().map(|s| s.section()).collect();
        assert_eq!(letters, "ABCDEFGHIJKLMNOPQRST");
    }

    #[test]
    fn known_entries() {
        let l = list();
        assert_eq!(l.name("C"), Some("制造业"));
        assert_eq!(l.name("C36"), Some("汽车制造业"));
        assert_eq!(l.name("C3670"), Some("汽车零部件及配件制造"));
        assert_eq!(l.name("3670"), Some("汽车零部件及配件制造"));
        assert_eq!(l.level("3670"), Some(IndustryLevel::Class));
        assert_eq!(l.parent("3670").map(IndustryCode::as_str), Some("C367"));
        assert_eq!(l.parent("C36").map(IndustryCode::as_str), Some("C"));
        assert_eq!(l.parent("C"), None);
        assert_eq!(l.path("C3670"), Some(vec!["制造业", "汽车制造业", "汽车零部件及配件制造", "汽车零部件及配件制造"]));

        // 软件开发 is the 中类 651 in 2017; 6510 was its 2011 code and is not listed.
        assert_eq!(l.name("651"), Some("软件开发"));
        assert_eq!(l.section("651"), Some('I'));
        assert_eq!(l.level("I651"), Some(IndustryLevel::Group));
        assert!(IndustryCode::parse("6510").is_ok());
        assert!(!l.contains("6510"));
        assert_eq!(l.name("I65"), Some("软件和信息技术服务业"));
        assert_eq!(l.name("I"), Some("信息传输、软件和信息技术服务业"));
        assert_eq!(
            l.path("6513"),
            Some(vec!["信息传输、软件和信息技术服务业", "软件和信息技术服务业", "软件开发", "应用软件开发"])
        );

        assert_eq!(l.name("C331"), Some("结构性金属制品制造"));
        // A 中类 the standard does not subdivide: same name as its one 小类.
        assert_eq!(l.name("B061"), l.name("B0610"));
        assert_eq!(l.children("B061").len(), 1);
        // Names corrected over the transcribed source.
        assert_eq!(l.name("C15"), Some("酒、饮料和精制茶制造业"));
        assert_eq!(l.name("R87"), Some("广播、电视、电影和录音制作业"));
        assert_eq!(l.name("0111"), Some("稻谷种植"));
        assert_eq!(l.name("T9700"), Some("国际组织"));
        // Well-formed but not in the standard.
        assert!(IndustryCode::parse("C3699").is_ok());
        assert!(!l.contains("C3699"));
        assert_eq!(l.path("C3699"), None);
        assert_eq!(l.name("not a code"), None);
    }

    #[test]
    fn children_and_every_parent_exists() {
        let l = list();
        let c36: Vec<&str> = l.children("C36").iter().map(|e| e.code.as_str()).collect();
        assert!(c36.contains(&"C367"));
        assert!(c36.iter().all(|c| c.starts_with("C36") && c.len() == 4));
        assert_eq!(l.children("C3670").len(), 0);
        assert_eq!(l.children("C").len(), 31);
        let mut seen = std::collections::HashSet::new();
        for e in l.iter() {
            assert!(seen.insert(e.code.as_str()), "duplicate {}", e.code);
            match &e.parent {
                None => assert_eq!(e.level, IndustryLevel::Section),
                Some(p) => {
                    let parent = l.get_code(p).unwrap_or_else(|| panic!("{} has no parent {p}", e.code));
                    assert!(parent.code.contains(&e.code));
                }
            }
            // Every group has a class below it, every division a group.
            if matches!(e.level, IndustryLevel::Division | IndustryLevel::Group) {
                assert!(!l.children(e.code.as_str()).is_empty(), "{} has no children", e.code);
            }
        }
    }

    const HEAD: &str = "# GB/T 4754-2017 国民经济行业分类, version 2017-06 (source: test)\ncode\tname\tlevel\tparent\n";

    fn parse(rows: &str) -> Result<IndustryList, CodeListError> {
        IndustryList::parse("t.tsv", &format!("{HEAD}{rows}"))
    }

    #[test]
    fn load_errors_name_the_line() {
        let ok = "C\t制造业\tsection\t\nC36\t汽车制造业\tdivision\tC\n";
        assert_eq!(parse(ok).map(|l| l.len()), Ok(2));

        let e = parse("C\t制造业\tsection\t\nC367\t汽车零部件及配件制造\tgroup\tC36\n").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (4, "上级代码C36不在前面的行中"));
        assert_eq!(parse("3670\t汽车零部件及配件制造\tclass\tC367\n").unwrap_err().line, 3);
        assert_eq!(parse("C\t制造业\tdivision\t\n").unwrap_err().line, 3);
        assert_eq!(parse("B36\t汽车制造业\tdivision\tB\n").unwrap_err().line, 3);
        assert_eq!(parse("C\t制造业\tsection\t\nC36\t汽车制造业\tdivision\tB\n").unwrap_err().line, 4);
        let e = parse("C\t制造业\tsection\t\nC\t制造\tsection\t\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert_eq!(e.to_string(), "t.tsv 第4行：代码C重复");
    }
}
