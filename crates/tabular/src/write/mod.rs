//! Streaming export to CSV (UTF-8 with BOM, which Excel and WPS on Chinese Windows open correctly)
//! or .xlsx (rust_xlsxwriter in constant-memory mode: each row goes to a temporary file as soon as
//! the next one starts). Rows are written one at a time, so a region's list never sits in memory.
//!
//! Formula injection (OWASP "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, tab
//! or CR could be run as a formula by Excel or WPS. In CSV such a cell gets a leading apostrophe;
//! in .xlsx it is a string cell with Excel's quote-prefix style, so it shows unchanged, is never a
//! formula, and stays text even when the user edits it. Numbers meant as numbers are written with
//! [`Cell::Int`] or [`Cell::Number`] and are not touched.

mod template;

use std::io::Write;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook, Worksheet};

use crate::error::column_letters;
use crate::{Format, MAX_CELL_CHARS, TabularError};

pub use template::{TemplateColumn, write_template};

/// First characters that make a spreadsheet treat a cell as a formula.
pub(crate) const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Excel's last row (1,048,576) as a 0-based index bound, and its last column.
const XLSX_MAX_ROWS: u32 = 1_048_576;
const XLSX_MAX_COLUMNS: usize = 16_384;
/// Integers beyond 15 digits lose digits in Excel, so they are written as text.
const XLSX_MAX_EXACT_INT: i64 = 999_999_999_999_999;

/// Whether a text cell would be taken for a formula by Excel or WPS.
pub fn is_formula_like(text: &str) -> bool {
    text.starts_with(FORMULA_TRIGGERS)
}

/// One cell to export.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    /// Text, always written as text (codes such as a 统一社会信用代码 keep their digits).
    Text(&'a str),
    /// A whole number, written as a number in .xlsx.
    Int(i64),
    /// A number, written as a number in .xlsx; NaN and infinities are written as empty cells.
    Number(f64),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a, 'b: 'a> From<&'a &'b str> for Cell<'a> {
    fn from(s: &'a &'b str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Text(s)
    }
}

impl<'a, 'b: 'a> From<&'a Cell<'b>> for Cell<'a> {
    fn from(c: &'a Cell<'b>) -> Self {
        *c
    }
}

impl From<i64> for Cell<'_> {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}

impl From<f64> for Cell<'_> {
    fn from(f: f64) -> Self {
        Cell::Number(f)
    }
}

/// Writes a table row by row to CSV or .xlsx.
///
/// The output is complete only after [`TableWriter::finish`]: a CSV is flushed, an .xlsx is
/// assembled from its temporary file and written out (the .xlsx bytes are produced then, so for a
/// download write it to a temporary file or a buffer, then send it).
pub struct TableWriter<W: Write + Send> {
    sink: Sink<W>,
    /// Rows written so far, header included.
    rows: u32,
    scratch: String,
}

enum Sink<W: Write + Send> {
    // Both boxed: a csv writer is a few hundred bytes, an xlsx sheet several kilobytes.
    Csv(Box<::csv::Writer<W>>),
    Xlsx(Box<XlsxSink<W>>),
}

struct XlsxSink<W> {
    workbook: Workbook,
    sheet: Worksheet,
    out: W,
    bold: XlsxFormat,
    quoted: XlsxFormat,
}

impl<W: Write + Send> TableWriter<W> {
    pub fn new(format: Format, out: W) -> Result<Self, TabularError> {
        match format {
            Format::Csv => Self::csv(out),
            Format::Xlsx => Self::xlsx(out),
        }
    }

    /// CSV, UTF-8 with a BOM, CRLF line ends, fields quoted only when needed.
    pub fn csv(mut out: W) -> Result<Self, TabularError> {
        out.write_all(b"\xEF\xBB\xBF").map_err(TabularError::write)?;
        let csv = ::csv::WriterBuilder::new().flexible(true).terminator(::csv::Terminator::CRLF).from_writer(out);
        Ok(Self::with_sink(Sink::Csv(Box::new(csv))))
    }

    /// .xlsx with one worksheet, written in constant-memory mode. Temporary files go to the
    /// system's temporary directory.
    pub fn xlsx(out: W) -> Result<Self, TabularError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.new_worksheet_with_constant_memory().map_err(TabularError::write)?;
        Ok(Self::with_sink(Sink::Xlsx(Box::new(XlsxSink {
            workbook,
            sheet,
            out,
            bold: XlsxFormat::new().set_bold(),
            quoted: XlsxFormat::new().set_quote_prefix(),
        }))))
    }

    fn with_sink(sink: Sink<W>) -> Self {
        Self { sink, rows: 0, scratch: String::new() }
    }

    /// Rows written so far, header included.
    pub fn rows_written(&self) -> u64 {
        u64::from(self.rows)
    }

    /// Writes the header row: bold and frozen in .xlsx, with columns wide enough for the names.
    pub fn write_header<S: AsRef<str>>(&mut self, headers: &[S]) -> Result<(), TabularError> {
        if let Sink::Xlsx(x) = &mut self.sink {
            let row = self.rows;
            for (col, header) in headers.iter().enumerate() {
                let header = header.as_ref();
                let col = xlsx_col(row, col)?;
                let width = (display_width(header) + 4).clamp(12, 60);
                x.sheet.set_column_width(col, width as f64).map_err(TabularError::write)?;
            }
            if row == 0 {
                x.sheet.set_freeze_panes(1, 0).map_err(TabularError::write)?;
            }
        }
        self.write_cells(headers.iter().map(|h| Cell::Text(h.as_ref())), true)
    }

    /// Writes one data row. Accepts `&[Cell]`, `&[&str]` or `&[String]`.
    pub fn write_row<'c, C>(&mut self, cells: &'c [C]) -> Result<(), TabularError>
    where
        &'c C: Into<Cell<'c>>,
    {
        self.write_cells(cells.iter().map(Into::into), false)
    }

    /// Formats the first `count` columns as text ("@"), so values typed into an .xlsx later —
    /// codes, phone numbers — are not turned into numbers by Excel. No effect on CSV.
    pub(crate) fn set_text_columns(&mut self, count: usize) -> Result<(), TabularError> {
        if let Sink::Xlsx(x) = &mut self.sink {
            let text = XlsxFormat::new().set_num_format("@");
            for col in 0..count {
                let col = xlsx_col(self.rows, col)?;
                x.sheet.set_column_format(col, &text).map_err(TabularError::write)?;
            }
        }
        Ok(())
    }

    fn write_cells<'c>(&mut self, cells: impl Iterator<Item = Cell<'c>>, header: bool) -> Result<(), TabularError> {
        let row = self.rows;
        if row >= XLSX_MAX_ROWS && matches!(self.sink, Sink::Xlsx(_)) {
            return Err(TabularError::TooManyRows);
        }
        let spreadsheet_row = u64::from(row) + 1;
        match &mut self.sink {
            Sink::Csv(csv) => {
                for (col, cell) in cells.enumerate() {
                    self.scratch.clear();
                    match cell {
                        Cell::Empty => {}
                        Cell::Text(text) => {
                            check_len(text, spreadsheet_row, col)?;
                            if is_formula_like(text) {
                                self.scratch.push('\'');
                            }
                            self.scratch.push_str(text);
                        }
                        Cell::Int(i) => {
                            use std::fmt::Write as _;
                            let _ = write!(self.scratch, "{i}");
                        }
                        Cell::Number(f) => {
                            if f.is_finite() {
                                use std::fmt::Write as _;
                                let _ = write!(self.scratch, "{f}");
                            }
                        }
                    }
                    csv.write_field(&self.scratch).map_err(TabularError::write)?;
                }
                // An empty record ends the row begun with write_field.
                csv.write_record(None::<&[u8]>).map_err(TabularError::write)?;
            }
            Sink::Xlsx(x) => {
                for (col, cell) in cells.enumerate() {
                    let c = xlsx_col(row, col)?;
                    let sheet = &mut x.sheet;
                    let written = match cell {
                        Cell::Empty => Ok(&mut *sheet),
                        Cell::Text("") => Ok(&mut *sheet),
                        Cell::Text(text) => {
                            check_len(text, spreadsheet_row, col)?;
                            if header {
                                sheet.write_string_with_format(row, c, text, &x.bold)
                            } else if is_formula_like(text) {
                                sheet.write_string_with_format(row, c, text, &x.quoted)
                            } else {
                                sheet.write_string(row, c, text)
                            }
                        }
                        Cell::Int(i) if (-XLSX_MAX_EXACT_INT..=XLSX_MAX_EXACT_INT).contains(&i) => {
                            // |i| < 1e15, so the conversion to f64 is exact.
                            sheet.write_number(row, c, i as f64)
                        }
                        Cell::Int(i) => sheet.write_string(row, c, i.to_string()),
                        Cell::Number(f) if f.is_finite() => sheet.write_number(row, c, f),
                        Cell::Number(_) => Ok(&mut *sheet),
                    };
                    written.map_err(TabularError::write)?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Completes the file and gives the output back.
    pub fn finish(self) -> Result<W, TabularError> {
        match self.sink {
            Sink::Csv(csv) => {
                let mut out = csv.into_inner().map_err(|e| TabularError::write(e.into_error()))?;
                out.flush().map_err(TabularError::write)?;
                Ok(out)
            }
            Sink::Xlsx(x) => {
                let XlsxSink { mut workbook, sheet, mut out, .. } = *x;
                workbook.push_worksheet(sheet);
                workbook.save_to_writer(&mut out).map_err(TabularError::write)?;
                out.flush().map_err(TabularError::write)?;
                Ok(out)
            }
        }
    }
}

fn check_len(text: &str, row: u64, col: usize) -> Result<(), TabularError> {
    if text.len() > MAX_CELL_CHARS && text.encode_utf16().count() > MAX_CELL_CHARS {
        return Err(TabularError::CellTooLong { row, column: column_letters(col) });
    }
    Ok(())
}

fn xlsx_col(row: u32, col: usize) -> Result<u16, TabularError> {
    if col >= XLSX_MAX_COLUMNS {
        return Err(TabularError::TooManyColumns { row: u64::from(row) + 1, count: col + 1 });
    }
    u16::try_from(col).map_err(|_| TabularError::TooManyColumns { row: u64::from(row) + 1, count: col + 1 })
}

/// Width in Excel column units: CJK and other wide characters take two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}
