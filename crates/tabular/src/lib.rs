//! Streaming tabular import and export for Dengta: the enterprise lists officials bring in from
//! Excel and CSV, and the filtered lists they take out. No database and no domain rules here —
//! rows come in as trimmed strings with their spreadsheet row numbers, and go out as cells.
//!
//! - Import: [`read_rows`] (every non-blank row, header included) or [`read_table`] (header mapped
//!   to [`ColumnSpec`]s by name). CSV in UTF-8 (with or without BOM) or GB18030; .xlsx first
//!   worksheet through a streaming cell reader. Memory stays flat for a 1,000,000-row file.
//! - Export: [`TableWriter`] to CSV (UTF-8 with BOM) or .xlsx (constant-memory), with formula
//!   injection neutralised; [`write_template`] for import templates; [`ErrorReport`] for the
//!   per-row error file of an import.
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! use std::path::Path;
//! use dengta_tabular::{Cell, ColumnSpec, ErrorReport, Format, RowError, TableWriter, read_table};
//!
//! const COLUMNS: &[ColumnSpec<'static>] = &[
//!     ColumnSpec::required("uscc", &["统一社会信用代码", "信用代码"]),
//!     ColumnSpec::required("name", &["企业名称"]),
//!     ColumnSpec::optional("employees", &["从业人数"]),
//! ];
//!
//! # fn main() -> Result<(), dengta_tabular::TabularError> {
//! let mut report = ErrorReport::new(std::fs::File::create("errors.csv").map_err(dengta_tabular::TabularError::Read)?)?;
//! let mut failed = None;
//! let (columns, summary) = read_table(Path::new("upload.xlsx"), COLUMNS, |row, record| {
//!     if record.get("uscc").len() != 18 {
//!         let error = RowError::new(row, "统一社会信用代码", "应为 18 位");
//!         if let Err(e) = report.push(&error) {
//!             failed = Some(e);
//!             return ControlFlow::Break(());
//!         }
//!     }
//!     ControlFlow::Continue(())
//! })?;
//! report.finish()?;
//!
//! let mut out = TableWriter::new(Format::Xlsx, std::fs::File::create("export.xlsx").map_err(dengta_tabular::TabularError::Read)?)?;
//! out.write_header(&["统一社会信用代码", "企业名称", "从业人数"])?;
//! out.write_row(&[Cell::Text("91320102MA1XYZ0001"), Cell::Text("灯塔科技"), Cell::Int(120)])?;
//! out.finish()?;
//! # let _ = (columns, summary, failed);
//! # Ok(())
//! # }
//! ```
//!
//! Limits that protect a laptop from a hostile or broken file: [`MAX_COLUMNS`] columns per row and
//! [`MAX_CELL_CHARS`] characters per cell (Excel's own cell limit).

mod columns;
mod error;
mod format;
mod read;
mod report;
mod write;

pub use columns::{ColumnSpec, Columns};
pub use error::TabularError;
pub use format::Format;
pub use read::{ReadSummary, Record, TextEncoding, read_rows, read_table};
pub use report::{ERROR_REPORT_HEADER, ErrorReport, RowError};
pub use write::{Cell, TableWriter, TemplateColumn, is_formula_like, write_template};

/// A row number as a spreadsheet user sees it: 1-based, the header usually being row 1.
pub type RowNumber = u64;

/// Most columns a row may have; a non-empty cell beyond this fails the import.
pub const MAX_COLUMNS: usize = 200;

/// Most characters (UTF-16 units, as Excel counts) in one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
