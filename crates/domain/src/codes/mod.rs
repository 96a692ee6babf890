//! Versioned national code lists shipped inside the binary: the administrative
//! divisions of GB/T 2260 ([`regions`]) and the industry classification of
//! GB/T 4754-2017 ([`industries`]).
//!
//! Each list is a TSV file under `data/codes/`, regenerated from a named
//! source by the scripts in `scripts/codes/`. A file starts with a comment line
//! naming the standard, the data version and the provenance, may carry more
//! `#` comment lines, then the column header `code\tname\tlevel\tparent` and
//! one row per code. Loading checks every row and reports the first problem
//! with its line number, so a bad regeneration fails in the tests, not in
//! production.

pub mod industries;
pub mod regions;

/// A problem in a code-list file, with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} 第{line}行：{reason}")]
pub struct CodeListError {
    pub file: &'static str,
    pub line: usize,
    pub reason: String,
}

/// The expected column header of every code-list file.
const COLUMNS: &str = "code\tname\tlevel\tparent";

/// One data row of a code-list file.
#[derive(Debug)]
struct Row<'a> {
    line: usize,
    code: &'a str,
    name: &'a str,
    level: &'a str,
    parent: &'a str,
}

/// The split-up file: the first comment line, the version it names, and the rows.
#[derive(Debug)]
struct Table<'a> {
    header: &'a str,
    version: &'a str,
    rows: Vec<Row<'a>>,
}

/// Splits a code-list file. `title` is the text the first line must start
/// with, up to the version (e.g. `# GB/T 2260 行政区划代码, version `); the
/// version runs to the next space and must look like `YYYY-MM`.
fn read_table<'a>(file: &'static str, text: &'a str, title: &str) -> Result<Table<'a>, CodeListError> {
    let err = |line: usize, reason: String| CodeListError { file, line, reason };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));

    let header = match lines.next() {
        Some((_, l)) if l.starts_with(title) => l,
        _ => return Err(err(1, format!("首行应以“{title}”开头，写明版本和来源"))),
    };
    let version = header[title.len()..].split(' ').next().unwrap_or_default();
    if !is_year_month(version) {
        return Err(err(1, format!("版本“{version}”应为YYYY-MM")));
    }

    let mut rows = Vec::new();
    let mut seen_columns = false;
    for (line, l) in lines {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        if !seen_columns {
            if l != COLUMNS {
                return Err(err(line, format!("列名应为“{}”", COLUMNS.replace('\t', "\\t"))));
            }
            seen_columns = true;
            continue;
        }
        let fields: Vec<&str> = l.split('\t').collect();
        let [code, name, level, parent] = fields[..] else {
            return Err(err(line, format!("应有4列（以制表符分隔），实有{}列", fields.len())));
        };
        if name.is_empty() || name.trim() != name {
            return Err(err(line, format!("名称“{name}”为空或首尾有空白")));
        }
        rows.push(Row { line, code, name, level, parent });
    }
    if !seen_columns {
        return Err(err(1, "缺少列名行".to_owned()));
    }
    Ok(Table { header, version, rows })
}

fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(&s[5..], "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "# T, version ";

    #[test]
    fn reads_header_version_and_rows() {
        let text = "# T, version 2024-06 (source: x)\n# more\ncode\tname\tlevel\tparent\na\tA\tl\t\n\nb\tB\tl\ta\n";
        let t = read_table("t.tsv", text, TITLE).unwrap();
        assert_eq!(t.version, "2024-06");
        assert_eq!(t.header, "# T, version 2024-06 (source: x)");
        assert_eq!(t.rows.len(), 2);
        assert_eq!((t.rows[1].line, t.rows[1].code, t.rows[1].parent), (6, "b", "a"));
    }

    #[test]
    fn errors_name_the_line() {
        let bad_version = read_table("t.tsv", "# T, version 2024-13\n", TITLE).unwrap_err();
        assert_eq!(bad_version.line, 1);
        let no_title = read_table("t.tsv", "code\tname\tlevel\tparent\n", TITLE).unwrap_err();
        assert_eq!(no_title.line, 1);
        let columns = read_table("t.tsv", "# T, version 2024-01\ncode,name\n", TITLE).unwrap_err();
        assert_eq!(columns.line, 2);
        let fields = read_table("t.tsv", "# T, version 2024-01\ncode\tname\tlevel\tparent\na\tA\tl\n", TITLE);
        let e = fields.unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.to_string(), "t.tsv 第3行：应有4列（以制表符分隔），实有3列");
        let blank = read_table("t.tsv", "# T, version 2024-01\ncode\tname\tlevel\tparent\na\t \tl\t\n", TITLE);
        assert_eq!(blank.unwrap_err().line, 3);
        assert_eq!(read_table("t.tsv", "# T, version 2024-01\n", TITLE).unwrap_err().reason, "缺少列名行");
    }
}
