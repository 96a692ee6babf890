//! .xlsx import through calamine's streaming cell reader: the worksheet XML is parsed as it is
//! inflated and rows are handed over one by one, never held as a whole range. The shared-strings
//! table (where Excel stores the text of the cells) is the one part calamine loads in full.

use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use super::{RowBuf, Sink};
use crate::{RowNumber, TabularError};

pub(super) fn read<F>(path: &Path, sink: &mut Sink<F>) -> Result<(), TabularError>
where
    F: FnMut(RowNumber, &[String]) -> ControlFlow<()>,
{
    let mut workbook: Xlsx<BufReader<File>> = calamine::open_workbook(path).map_err(xlsx_error)?;
    let first = workbook.sheet_names().into_iter().next().ok_or(TabularError::NoHeader)?;
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(xlsx_error)?;
    let mut buf = RowBuf::default();
    let mut text = String::new();
    // 0-based worksheet row of the row in `buf`.
    let mut current: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if let Some(done) = current
                && sink.deliver(u64::from(done) + 1, &buf).is_break()
            {
                return Ok(());
            }
            buf.clear();
            current = Some(row);
        }
        text.clear();
        format_value(cell.get_value(), &mut text);
        buf.set(u64::from(row) + 1, col as usize, &text)?;
    }
    if let Some(done) = current {
        let _ = sink.deliver(u64::from(done) + 1, &buf);
    }
    Ok(())
}

fn xlsx_error(e: XlsxError) -> TabularError {
    match e {
        XlsxError::Io(io) => TabularError::Read(io),
        XlsxError::Password => TabularError::Encrypted,
        // A zip without a workbook: a .docx, an .ods, an archive.
        XlsxError::FileNotFound(name) if name == "_rels/.rels" || name.contains("workbook") => {
            TabularError::NotASpreadsheet
        }
        other => TabularError::BadXlsx(other.into()),
    }
}

/// Writes a cell the way an official reads it in Excel: integers without ".0", other numbers to
/// Excel's 15 significant digits, dates as YYYY-MM-DD (with a time only when there is one).
pub(crate) fn format_value(value: &DataRef<'_>, out: &mut String) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = match value {
        DataRef::Empty => Ok(()),
        DataRef::String(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::SharedString(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::Int(i) => write!(out, "{i}"),
        DataRef::Float(f) => {
            write_number(*f, out);
            Ok(())
        }
        DataRef::Bool(b) => {
            out.push_str(if *b { "TRUE" } else { "FALSE" });
            Ok(())
        }
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                write!(out, "{y:04}-{mo:02}-{d:02}")
            } else {
                write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(dt) => {
            write_number(dt.as_f64(), out);
            Ok(())
        }
        DataRef::DateTimeIso(s) => {
            out.push_str(s.strip_suffix("T00:00:00").unwrap_or(s));
            Ok(())
        }
        DataRef::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::Error(e) => write!(out, "{e}"),
    };
}

/// Integers up to 15 digits print as integers; other values are rounded to 15 significant digits,
/// as Excel displays them, so a stored 0.30000000000000004 reads as "0.3".
pub(crate) fn write_number(f: f64, out: &mut String) {
    use std::fmt::Write as _;
    if !f.is_finite() {
        return;
    }
    // Below 1e15 every integral f64 is exactly an i64, so the cast is exact.
    let _ = if f.fract() == 0.0 && f.abs() < 1e15 {
        write!(out, "{}", f as i64)
    } else {
        let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
        write!(out, "{rounded}")
    };
}

#[cfg(test)]
mod tests {
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    use super::*;

    fn fmt(v: DataRef<'_>) -> String {
        let mut s = String::new();
        format_value(&v, &mut s);
        s
    }

    #[test]
    fn numbers_like_excel_shows_them() {
        assert_eq!(fmt(DataRef::Float(42.0)), "42");
        assert_eq!(fmt(DataRef::Float(-3.0)), "-3");
        assert_eq!(fmt(DataRef::Float(0.1 + 0.2)), "0.3");
        assert_eq!(fmt(DataRef::Float(1234.5)), "1234.5");
        assert_eq!(fmt(DataRef::Float(f64::NAN)), "");
        assert_eq!(fmt(DataRef::Int(7)), "7");
        assert_eq!(fmt(DataRef::Bool(true)), "TRUE");
    }

    #[test]
    fn dates_as_iso() {
        let d = ExcelDateTime::new(45943.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(fmt(DataRef::DateTime(d)), "2025-10-13");
        let dt = ExcelDateTime::new(45943.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(fmt(DataRef::DateTime(dt)), "2025-10-13 12:00:00");
        assert_eq!(fmt(DataRef::DateTimeIso("2024-05-01T00:00:00".into())), "2024-05-01");
    }
}
