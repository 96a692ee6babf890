//! One row being assembled from cells: trims them, enforces the column and cell-size limits, and
//! reuses its strings from row to row so a million-row import does not allocate per cell.

use crate::error::column_letters;
use crate::{MAX_CELL_CHARS, MAX_COLUMNS, RowNumber, TabularError};

#[derive(Debug, Default)]
pub(crate) struct RowBuf {
    cells: Vec<String>,
    /// Cells in use: one past the last non-empty cell set.
    len: usize,
}

impl RowBuf {
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    pub(crate) fn cells(&self) -> &[String] {
        &self.cells[..self.len]
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.cells().iter().all(String::is_empty)
    }

    /// Sets cell `col` (0-based) of spreadsheet row `row` to `raw`, trimmed.
    pub(crate) fn set(&mut self, row: RowNumber, col: usize, raw: &str) -> Result<(), TabularError> {
        let value = strip_neutraliser(raw.trim());
        if value.is_empty() {
            // Empty cells beyond the last value are dropped (Excel files often carry formatted
            // blank cells far to the right); an empty cell inside the row is filled in by the
            // gap-clearing below when a later cell arrives.
            if let Some(cell) = self.cells[..self.len].get_mut(col) {
                cell.clear();
            }
            return Ok(());
        }
        if col >= MAX_COLUMNS {
            return Err(TabularError::TooManyColumns { row, count: col + 1 });
        }
        // A UTF-8 string never has more UTF-16 units than bytes, so only long ones are counted.
        if value.len() > MAX_CELL_CHARS && value.encode_utf16().count() > MAX_CELL_CHARS {
            return Err(TabularError::CellTooLong { row, column: column_letters(col) });
        }
        if self.cells.len() <= col {
            self.cells.resize_with(col + 1, String::new);
        }
        if col >= self.len {
            for gap in &mut self.cells[self.len..col] {
                gap.clear();
            }
            self.len = col + 1;
        }
        let cell = &mut self.cells[col];
        cell.clear();
        cell.push_str(value);
        Ok(())
    }
}

/// Removes the apostrophe that export puts in front of a formula-like value, so that an exported
/// list can be edited and imported again unchanged.
fn strip_neutraliser(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(crate::write::FORMULA_TRIGGERS) => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_fills_gaps_and_drops_trailing_empties() {
        let mut buf = RowBuf::default();
        buf.set(1, 0, "  a ").ok();
        buf.set(1, 3, "\u{3000}d\u{3000}").ok();
        buf.set(1, 5, "   ").ok();
        assert_eq!(buf.cells(), ["a", "", "", "d"]);
        buf.clear();
        buf.set(2, 2, "c").ok();
        assert_eq!(buf.cells(), ["", "", "c"]);
        buf.clear();
        assert!(buf.is_blank());
    }

    #[test]
    fn limits() {
        let mut buf = RowBuf::default();
        assert!(buf.set(4, 199, "x").is_ok());
        assert!(buf.set(4, 300, "").is_ok());
        assert!(matches!(buf.set(4, 200, "x"), Err(TabularError::TooManyColumns { row: 4, count: 201 })));
        let long = "中".repeat(MAX_CELL_CHARS);
        assert!(buf.set(5, 0, &long).is_ok());
        let too_long = "中".repeat(MAX_CELL_CHARS + 1);
        match buf.set(5, 1, &too_long) {
            Err(TabularError::CellTooLong { row: 5, column }) => assert_eq!(column, "B"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn strips_only_the_export_apostrophe() {
        assert_eq!(strip_neutraliser("'=1+2"), "=1+2");
        assert_eq!(strip_neutraliser("'-"), "-");
        assert_eq!(strip_neutraliser("'abc"), "'abc");
        assert_eq!(strip_neutraliser("it's"), "it's");
    }
}
