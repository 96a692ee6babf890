//! Streaming import: each row of a CSV or .xlsx file is handed to a callback as soon as it is
//! parsed, so a 1,000,000-row file is read in flat memory. Cells arrive as trimmed strings; the
//! caller parses them into domain types and maps columns with [`Columns`](crate::Columns).

mod csv;
mod row;
mod xlsx;

use std::ops::ControlFlow;
use std::path::Path;

use crate::{ColumnSpec, Columns, Format, RowNumber, TabularError};

pub(crate) use row::RowBuf;

/// The text encoding a CSV file was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Gb18030,
}

/// What a read went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadSummary {
    pub format: Format,
    /// For CSV, the encoding it was decoded from.
    pub encoding: Option<TextEncoding>,
    /// Rows handed to the callback: for [`read_rows`] including the header, for [`read_table`]
    /// data rows only. Blank rows are never handed over.
    pub rows: u64,
    /// Spreadsheet row number of the last row handed over (0 if none).
    pub last_row: RowNumber,
    /// Whether the callback stopped the read with `ControlFlow::Break`.
    pub stopped: bool,
}

/// Reads every non-blank row of the file (first worksheet of an .xlsx), header included, and hands
/// each to `on_row` with its spreadsheet row number (1-based, as Excel shows it: blank rows and
/// multi-line cells are counted the way Excel counts them).
///
/// Cells are trimmed; trailing empty cells are dropped, so rows may have different lengths. A
/// leading apostrophe in front of `=`, `+`, `-`, `@`, tab or CR — the mark this crate's export adds
/// against formula injection — is removed, so an exported file reads back unchanged.
pub fn read_rows(
    path: &Path,
    on_row: impl FnMut(RowNumber, &[String]) -> ControlFlow<()>,
) -> Result<ReadSummary, TabularError> {
    let format = Format::of_file(path)?;
    let mut sink = Sink { on_row, rows: 0, last_row: 0, stopped: false };
    let encoding = match format {
        Format::Csv => Some(csv::read(path, &mut sink)?),
        Format::Xlsx => {
            xlsx::read(path, &mut sink)?;
            None
        }
    };
    Ok(ReadSummary { format, encoding, rows: sink.rows, last_row: sink.last_row, stopped: sink.stopped })
}

/// A data row seen through the header mapping.
#[derive(Clone, Copy, Debug)]
pub struct Record<'r> {
    columns: &'r Columns,
    cells: &'r [String],
}

impl<'r> Record<'r> {
    /// The trimmed cell of column `key`, or `""` when the column is absent or the cell empty.
    pub fn get(&self, key: &str) -> &'r str {
        self.columns.get(self.cells, key)
    }

    /// All cells of the row, in file order.
    pub fn cells(&self) -> &'r [String] {
        self.cells
    }
}

/// Reads the header (first non-blank row), maps it to `spec` — failing with the missing required
/// columns named in Chinese — and hands every following non-blank row to `on_row`.
pub fn read_table(
    path: &Path,
    spec: &[ColumnSpec<'_>],
    mut on_row: impl FnMut(RowNumber, Record<'_>) -> ControlFlow<()>,
) -> Result<(Columns, ReadSummary), TabularError> {
    let mut columns: Option<Columns> = None;
    let mut header_error = None;
    let mut data_rows = 0;
    let mut summary = read_rows(path, |row, cells| match &columns {
        None => match Columns::from_header(cells, spec) {
            Ok(c) => {
                columns = Some(c);
                ControlFlow::Continue(())
            }
            Err(e) => {
                header_error = Some(e);
                ControlFlow::Break(())
            }
        },
        Some(columns) => {
            data_rows += 1;
            on_row(row, Record { columns, cells })
        }
    })?;
    if let Some(e) = header_error {
        return Err(e);
    }
    let columns = columns.ok_or(TabularError::NoHeader)?;
    summary.rows = data_rows;
    Ok((columns, summary))
}

/// Where the format readers deliver assembled rows.
pub(crate) struct Sink<F> {
    on_row: F,
    rows: u64,
    last_row: RowNumber,
    stopped: bool,
}

impl<F: FnMut(RowNumber, &[String]) -> ControlFlow<()>> Sink<F> {
    /// Hands a non-blank row to the callback; `Break` means stop reading.
    pub(crate) fn deliver(&mut self, row: RowNumber, buf: &RowBuf) -> ControlFlow<()> {
        if buf.is_blank() {
            return ControlFlow::Continue(());
        }
        self.rows += 1;
        self.last_row = row;
        let flow = (self.on_row)(row, buf.cells());
        if flow.is_break() {
            self.stopped = true;
        }
        flow
    }
}
