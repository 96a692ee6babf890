//! The one error type of this crate. Display texts are Chinese because they reach the official who
//! uploaded the file; the underlying library error, when there is one, stays in `source()` for the
//! log and is never shown.

use std::error::Error as StdError;

use crate::{MAX_CELL_CHARS, MAX_COLUMNS, RowNumber};

/// Boxed library error kept for logging.
pub type Source = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TabularError {
    #[error("无法读取文件")]
    Read(#[source] std::io::Error),

    #[error("文件为空")]
    Empty,

    #[error("文件不是 CSV 或 Excel（.xlsx）表格")]
    NotASpreadsheet,

    #[error("不支持 Excel 97-2003（.xls）格式，请在 Excel 或 WPS 中另存为 .xlsx 后再导入")]
    LegacyXls,

    #[error("Excel 文件设置了密码，请取消密码后再导入")]
    Encrypted,

    #[error("Excel 文件已损坏或无法解析，请在 Excel 或 WPS 中打开后重新保存")]
    BadXlsx(#[source] Source),

    #[error("文件编码无法识别，请另存为“CSV UTF-8”或 GB18030（GBK）编码的 CSV")]
    Encoding,

    #[error("表格中没有表头行")]
    NoHeader,

    #[error("第 {row} 行有 {count} 列，超过上限 {MAX_COLUMNS} 列")]
    TooManyColumns { row: RowNumber, count: usize },

    #[error("第 {row} 行 {column} 列的内容超过 {MAX_CELL_CHARS} 个字符")]
    CellTooLong { row: RowNumber, column: String },

    #[error("第 {row} 行的内容过大")]
    RowTooLarge { row: RowNumber },

    #[error("缺少必填列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),

    #[error("列“{0}”出现了不止一次")]
    DuplicateColumn(String),

    #[error("行数超过 Excel 的上限 1048576 行")]
    TooManyRows,

    #[error("无法写入文件")]
    Write(#[source] Source),
}

impl TabularError {
    pub(crate) fn write(e: impl Into<Source>) -> Self {
        TabularError::Write(e.into())
    }
}

/// Spreadsheet column letters for a 0-based column index: 0 → "A", 26 → "AA".
pub(crate) fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        // rem < 26, so the cast cannot truncate.
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(199), "GR");
        assert_eq!(column_letters(16383), "XFD");
    }

    #[test]
    fn messages_are_chinese() {
        let e = TabularError::MissingColumns(vec!["统一社会信用代码".into(), "企业名称".into()]);
        assert_eq!(e.to_string(), "缺少必填列：统一社会信用代码、企业名称");
        let e = TabularError::TooManyColumns { row: 3, count: 201 };
        assert_eq!(e.to_string(), "第 3 行有 201 列，超过上限 200 列");
        let e = TabularError::CellTooLong { row: 7, column: "B".into() };
        assert_eq!(e.to_string(), "第 7 行 B 列的内容超过 32767 个字符");
    }
}
