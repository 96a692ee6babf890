//! Mapping a file's header row to the columns an import expects, by name rather than position:
//! officials reorder, add and rename columns. Each expected column lists the header names it
//! accepts; names match after removing spaces, a leading `*` (the required-column mark of
//! templates), a trailing "(必填)"/"(选填)", full-width/half-width differences and ASCII case.

use crate::TabularError;

/// An expected column: its key in code, the header names accepted (the first is the one named in
/// messages), and whether the import fails without it.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec<'a> {
    pub key: &'a str,
    pub headers: &'a [&'a str],
    pub required: bool,
}

impl<'a> ColumnSpec<'a> {
    pub const fn required(key: &'a str, headers: &'a [&'a str]) -> Self {
        Self { key, headers, required: true }
    }

    pub const fn optional(key: &'a str, headers: &'a [&'a str]) -> Self {
        Self { key, headers, required: false }
    }

    /// The name used in messages: the first accepted header, else the key.
    pub fn name(&self) -> &'a str {
        self.headers.first().copied().unwrap_or(self.key)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Mapped {
    key: String,
    name: String,
    /// Position in the row and the header text as the file has it.
    found: Option<(usize, String)>,
}

/// The header row mapped to expected columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    mapped: Vec<Mapped>,
    unknown: Vec<String>,
}

impl Columns {
    /// Maps `header` to `spec`. Fails naming every missing required column ("缺少必填列：…"), or
    /// a column that appears twice.
    pub fn from_header<S: AsRef<str>>(header: &[S], spec: &[ColumnSpec<'_>]) -> Result<Self, TabularError> {
        let normalised: Vec<String> = header.iter().map(|h| normalise(h.as_ref())).collect();
        let mut claimed = vec![false; header.len()];
        let mut mapped = Vec::with_capacity(spec.len());
        let mut missing = Vec::new();
        for column in spec {
            let accepted: Vec<String> = column.headers.iter().map(|h| normalise(h)).collect();
            let mut found: Option<(usize, String)> = None;
            for (i, name) in normalised.iter().enumerate() {
                if claimed[i] || name.is_empty() || !accepted.contains(name) {
                    continue;
                }
                if found.is_some() {
                    return Err(TabularError::DuplicateColumn(column.name().to_owned()));
                }
                claimed[i] = true;
                found = Some((i, header[i].as_ref().trim().to_owned()));
            }
            if found.is_none() && column.required {
                missing.push(column.name().to_owned());
            }
            mapped.push(Mapped { key: column.key.to_owned(), name: column.name().to_owned(), found });
        }
        if !missing.is_empty() {
            return Err(TabularError::MissingColumns(missing));
        }
        let unknown = header
            .iter()
            .zip(&claimed)
            .filter(|(h, claimed)| !**claimed && !h.as_ref().trim().is_empty())
            .map(|(h, _)| h.as_ref().trim().to_owned())
            .collect();
        Ok(Self { mapped, unknown })
    }

    fn entry(&self, key: &str) -> Option<&Mapped> {
        let entry = self.mapped.iter().find(|m| m.key == key);
        debug_assert!(entry.is_some(), "column key {key:?} is not in the spec");
        entry
    }

    /// Position of column `key` in the rows, if the file has it.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.entry(key)?.found.as_ref().map(|(i, _)| *i)
    }

    /// Whether the file has column `key`.
    pub fn has(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// The cell of column `key` in `row`, or `""` when the file lacks the column or the row is
    /// shorter.
    pub fn get<'r, S: AsRef<str>>(&self, row: &'r [S], key: &str) -> &'r str {
        self.position(key).and_then(|i| row.get(i)).map_or("", AsRef::as_ref)
    }

    /// The header of column `key` as the file spells it (else its expected name), for row errors.
    pub fn header(&self, key: &str) -> &str {
        match self.entry(key) {
            Some(Mapped { found: Some((_, text)), .. }) => text,
            Some(m) => &m.name,
            None => "",
        }
    }

    /// Header cells that matched no expected column, so an import can warn that they are ignored.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }
}

/// The comparable form of a header name.
fn normalise(header: &str) -> String {
    let mut s: String = header
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // Full-width ASCII forms (！ to ～) to their half-width letters.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_ascii_lowercase();
    while let Some(rest) = s.strip_prefix('*') {
        s = rest.to_owned();
    }
    for mark in ["(必填)", "(选填)", "(可选)", "*"] {
        if let Some(rest) = s.strip_suffix(mark) {
            s = rest.to_owned();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[ColumnSpec<'static>] = &[
        ColumnSpec::required("uscc", &["统一社会信用代码", "信用代码"]),
        ColumnSpec::required("name", &["企业名称", "名称"]),
        ColumnSpec::optional("region", &["行政区划代码"]),
    ];

    #[test]
    fn maps_by_name_with_template_marks() {
        let header = ["序号", "*企业名称", " 统一社会信用代码（必填） ", "备注"];
        let columns = Columns::from_header(&header, SPEC).expect("maps");
        assert_eq!(columns.position("name"), Some(1));
        assert_eq!(columns.position("uscc"), Some(2));
        assert!(!columns.has("region"));
        let row = ["1", "玄武精密", "91320102MA1XXXXX0X"];
        assert_eq!(columns.get(&row, "uscc"), "91320102MA1XXXXX0X");
        assert_eq!(columns.get(&row, "region"), "");
        assert_eq!(columns.header("uscc"), "统一社会信用代码（必填）");
        assert_eq!(columns.header("region"), "行政区划代码");
        assert_eq!(columns.unknown(), ["序号", "备注"]);
    }

    #[test]
    fn missing_required_named_in_chinese() {
        let header = ["名称", "地址"];
        let err = Columns::from_header(&header, SPEC).expect_err("missing");
        assert_eq!(err.to_string(), "缺少必填列：统一社会信用代码");
        let err = Columns::from_header(&["地址"], SPEC).expect_err("missing");
        assert_eq!(err.to_string(), "缺少必填列：统一社会信用代码、企业名称");
    }

    #[test]
    fn duplicate_column_rejected() {
        let header = ["统一社会信用代码", "企业名称", "名称"];
        let err = Columns::from_header(&header, SPEC).expect_err("duplicate");
        assert_eq!(err.to_string(), "列“企业名称”出现了不止一次");
    }
}
