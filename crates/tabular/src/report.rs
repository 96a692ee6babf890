//! Per-row import errors and the error report an official downloads after an import: a CSV in
//! UTF-8 with BOM (so Excel opens it with the Chinese intact) with the columns 行号, 列, 原因,
//! written row by row as errors are found.

use std::fmt;
use std::io::Write;

use crate::{Cell, RowNumber, TableWriter, TabularError};

/// What is wrong with one cell (or, with an empty `column`, a whole row) of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Spreadsheet row number, as Excel shows it.
    pub row: RowNumber,
    /// Column header as in the file, e.g. "统一社会信用代码".
    pub column: String,
    /// Reason in Chinese, e.g. "校验位错误".
    pub reason: String,
}

impl RowError {
    pub fn new(row: RowNumber, column: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { row, column: column.into(), reason: reason.into() }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "第 {} 行：{}", self.row, self.reason)
        } else {
            write!(f, "第 {} 行“{}”：{}", self.row, self.column, self.reason)
        }
    }
}

/// The header of the error report.
pub const ERROR_REPORT_HEADER: [&str; 3] = ["行号", "列", "原因"];

/// Streams an error report CSV. Cell texts go through the same formula-injection guard as any
/// export, since a reason may quote what the user typed.
pub struct ErrorReport<W: Write + Send> {
    writer: TableWriter<W>,
    count: u64,
}

impl<W: Write + Send> ErrorReport<W> {
    pub fn new(out: W) -> Result<Self, TabularError> {
        let mut writer = TableWriter::csv(out)?;
        writer.write_header(&ERROR_REPORT_HEADER)?;
        Ok(Self { writer, count: 0 })
    }

    pub fn push(&mut self, error: &RowError) -> Result<(), TabularError> {
        // Row numbers fit an i64 for any file that could exist.
        let row = i64::try_from(error.row).unwrap_or(i64::MAX);
        self.writer.write_row(&[Cell::Int(row), Cell::Text(&error.column), Cell::Text(&error.reason)])?;
        self.count += 1;
        Ok(())
    }

    /// Errors written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn finish(self) -> Result<W, TabularError> {
        self.writer.finish()
    }
}
