//! The GB/T 2260 list of administrative divisions (行政区划代码) at province,
//! prefecture (city) and county level, embedded from `data/codes/gbt2260.tsv`.
//!
//! Like the standard, the list has prefecture-level placeholder rows where a
//! province-level unit governs counties directly: 110100 市辖区 (and 500200 县)
//! under the 直辖市, and 429000 省直辖县级行政区划 and its kind. Every county's
//! parent is therefore its code's first four digits + "00", and every city's
//! parent is a province; the parent of a province is [`NATIONAL`]. [`RegionList::path`]
//! leaves the placeholders out, because nobody writes “北京市市辖区东城区”.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{CodeListError, read_table};
use crate::region::{NATIONAL, RegionCode, RegionLevel};

const FILE: &str = "data/codes/gbt2260.tsv";
const TITLE: &str = "# GB/T 2260 行政区划代码, version ";
const EMBEDDED_TEXT: &str = include_str!("../../../../data/codes/gbt2260.tsv");

/// Names GB/T 2260 gives its prefecture-level placeholder rows.
const PLACEHOLDER_NAMES: [&str; 4] = ["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"];

static EMBEDDED: LazyLock<RegionList> = LazyLock::new(|| {
    RegionList::parse(FILE, EMBEDDED_TEXT).unwrap_or_else(|e| panic!("嵌入的行政区划代码表无效：{e}"))
});

/// One division of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// The parent's code; [`NATIONAL`] for a province.
    pub parent: String,
    /// A prefecture-level placeholder such as 110100 市辖区, not a real city.
    pub placeholder: bool,
}

/// The loaded list, indexed by code.
#[derive(Debug, Clone)]
pub struct RegionList {
    header: String,
    version: String,
    regions: Vec<Region>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
}

impl RegionList {
    /// The list shipped in the binary, parsed once on first use.
    ///
    /// # Panics
    /// If the embedded file is invalid; the unit tests load it, so a bad file
    /// never gets past them.
    pub fn embedded() -> &'static RegionList {
        &EMBEDDED
    }

    /// Parses and checks a list in the `gbt2260.tsv` format. `file` names it in errors.
    pub fn parse(file: &'static str, text: &str) -> Result<RegionList, CodeListError> {
        let table = read_table(file, text, TITLE)?;
        let err = |line: usize, reason: String| CodeListError { file, line, reason };

        let mut regions = Vec::with_capacity(table.rows.len());
        let mut by_code: HashMap<String, usize> = HashMap::with_capacity(table.rows.len());
        let mut lines = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            let code = RegionCode::parse(row.code).map_err(|e| err(row.line, e.to_string()))?;
            if code.as_str() != row.code || code.level() == RegionLevel::National {
                return Err(err(row.line, format!("代码“{}”不是省、市、县级代码", row.code)));
            }
            let level = match row.level {
                "province" => RegionLevel::Province,
                "city" => RegionLevel::City,
                "county" => RegionLevel::County,
                other => return Err(err(row.line, format!("级别“{other}”应为province、city或county"))),
            };
            if level != code.level() {
                return Err(err(
                    row.line,
                    format!("代码{}的形式是{}，不是{}", row.code, code.level().label_zh(), level.label_zh()),
                ));
            }
            let expected_parent = code.parent().map(String::from).unwrap_or_default();
            if row.parent != expected_parent {
                return Err(err(row.line, format!("上级应为{expected_parent}，写的是“{}”", row.parent)));
            }
            if let Some(&first) = by_code.get(row.code) {
                return Err(err(row.line, format!("代码{}重复（第{}行已有）", row.code, lines[first])));
            }
            by_code.insert(row.code.to_owned(), regions.len());
            lines.push(row.line);
            regions.push(Region {
                code: row.code.to_owned(),
                name: row.name.to_owned(),
                level,
                parent: row.parent.to_owned(),
                placeholder: level == RegionLevel::City && PLACEHOLDER_NAMES.contains(&row.name),
            });
        }

        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, region) in regions.iter().enumerate() {
            if region.parent != NATIONAL && !by_code.contains_key(&region.parent) {
                return Err(err(lines[i], format!("上级代码{}不在表中", region.parent)));
            }
            children.entry(region.parent.clone()).or_default().push(i);
        }

        Ok(RegionList {
            header: table.header.to_owned(),
            version: table.version.to_owned(),
            regions,
            by_code,
            children,
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
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// All divisions in file order (sorted by code).
    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter()
    }

    pub fn get(&self, code: &str) -> Option<&Region> {
        self.by_code.get(code.trim()).map(|&i| &self.regions[i])
    }

    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.get(code).map(|r| r.name.as_str())
    }

    pub fn level(&self, code: &str) -> Option<RegionLevel> {
        self.get(code).map(|r| r.level)
    }

    /// The parent's code ([`NATIONAL`] for a province), if `code` is listed.
    pub fn parent(&self, code: &str) -> Option<&str> {
        self.get(code).map(|r| r.parent.as_str())
    }

    /// The divisions directly below `code`, in code order; [`NATIONAL`] gives the provinces.
    pub fn children(&self, code: &str) -> Vec<&Region> {
        self.children.get(code.trim()).map(|ix| ix.iter().map(|&i| &self.regions[i]).collect()).unwrap_or_default()
    }

    /// Names from the province down to `code`, leaving out placeholder rows:
    /// 320102 → ["江苏省", "南京市", "玄武区"], 110101 → ["北京市", "东城区"].
    pub fn path(&self, code: &str) -> Option<Vec<&str>> {
        let mut names = Vec::new();
        let mut current = self.get(code)?;
        loop {
            if !current.placeholder {
                names.push(current.name.as_str());
            }
            match self.get(&current.parent) {
                Some(parent) => current = parent,
                None => break,
            }
        }
        names.reverse();
        Some(names)
    }

    /// How many divisions the list has at `level`.
    pub fn count(&self, level: RegionLevel) -> usize {
        self.regions.iter().filter(|r| r.level == level).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> &'static RegionList {
        RegionList::embedded()
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
        // 23 provinces, 5 autonomous regions, 4 municipalities, 2 SARs.
        assert_eq!(l.count(RegionLevel::Province), 34);
        // 333 prefecture-level divisions plus 9 placeholder rows.
        assert_eq!(l.count(RegionLevel::City), 342);
        assert_eq!(l.iter().filter(|r| r.placeholder).count(), 9);
        let counties = l.count(RegionLevel::County);
        assert!((2_800..2_900).contains(&counties), "{counties}");
        assert_eq!(l.count(RegionLevel::National), 0);
    }

    #[test]
    fn known_entries() {
        let l = list();
        assert_eq!(l.name("320102"), Some("玄武区"));
        assert_eq!(l.parent("320102"), Some("320100"));
        assert_eq!(l.name("320100"), Some("南京市"));
        assert_eq!(l.parent("320100"), Some("320000"));
        assert_eq!(l.name("320000"), Some("江苏省"));
        assert_eq!(l.parent("320000"), Some(NATIONAL));
        assert_eq!(l.level("320102"), Some(RegionLevel::County));
        assert_eq!(l.path("320102"), Some(vec!["江苏省", "南京市", "玄武区"]));

        assert_eq!(l.name("110101"), Some("东城区"));
        assert_eq!(l.parent("110101"), Some("110100"));
        assert_eq!(l.name("110100"), Some("市辖区"));
        assert!(l.get("110100").is_some_and(|r| r.placeholder));
        assert_eq!(l.path("110101"), Some(vec!["北京市", "东城区"]));
        assert_eq!(l.path("110000"), Some(vec!["北京市"]));

        assert_eq!(l.name("429004"), Some("仙桃市"));
        assert_eq!(l.path("429004"), Some(vec!["湖北省", "仙桃市"]));
        assert_eq!(l.name("441900"), Some("东莞市"));
        assert!(l.children("441900").is_empty());
        assert_eq!(l.name("710000"), Some("台湾省"));
        assert_eq!(l.name(" 320102 "), Some("玄武区"));
        assert_eq!(l.get("999999"), None);
        assert_eq!(l.path("999999"), None);
    }

    #[test]
    fn children_are_the_rows_that_name_the_parent() {
        let l = list();
        let provinces = l.children(NATIONAL);
        assert_eq!(provinces.len(), 34);
        let nanjing = l.children("320100");
        assert!(nanjing.iter().any(|r| r.code == "320102"));
        assert!(nanjing.iter().all(|r| r.parent == "320100" && r.level == RegionLevel::County));
        assert!(nanjing.windows(2).all(|w| w[0].code < w[1].code));
        assert!(l.children("320102").is_empty());
    }

    #[test]
    fn every_parent_exists_and_codes_are_unique() {
        let l = list();
        let mut seen = std::collections::HashSet::new();
        for r in l.iter() {
            assert!(seen.insert(&r.code), "duplicate {}", r.code);
            if r.level == RegionLevel::Province {
                assert_eq!(r.parent, NATIONAL);
            } else {
                let parent = l.get(&r.parent).unwrap_or_else(|| panic!("{} has no parent {}", r.code, r.parent));
                let expected = if r.level == RegionLevel::City { RegionLevel::Province } else { RegionLevel::City };
                assert_eq!(parent.level, expected, "{}", r.code);
            }
            assert!(l.path(&r.code).is_some_and(|p| !p.is_empty()));
        }
    }

    const HEAD: &str = "# GB/T 2260 行政区划代码, version 2024-01 (source: test)\ncode\tname\tlevel\tparent\n";

    fn parse(rows: &str) -> Result<RegionList, CodeListError> {
        RegionList::parse("t.tsv", &format!("{HEAD}{rows}"))
    }

    #[test]
    fn load_errors_name_the_line() {
        let ok = "320000\t江苏省\tprovince\t100000\n320100\t南京市\tcity\t320000\n";
        assert_eq!(parse(ok).map(|l| l.len()), Ok(2));

        let e = parse("320000\t江苏省\tprovince\t100000\n320102\t玄武区\tcounty\t320100\n").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (4, "上级代码320100不在表中"));
        let e = parse("320000\t江苏省\tprovince\t100000\n320000\t江苏\tprovince\t100000\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("重复"), "{e}");
        assert_eq!(parse("32010\t南京市\tcity\t320000\n").unwrap_err().line, 3);
        assert_eq!(parse("320100\t南京市\tcounty\t320000\n").unwrap_err().line, 3);
        assert_eq!(parse("320100\t南京市\tcity\t100000\n").unwrap_err().line, 3);
        assert_eq!(parse("320100\t南京市\ttown\t320000\n").unwrap_err().line, 3);
        assert_eq!(parse("100000\t中国\tprovince\t\n").unwrap_err().line, 3);
        let e = RegionList::parse("t.tsv", "code\tname\tlevel\tparent\n").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
