//! The downloadable import template (导入模板): the header row, required columns marked with a
//! leading `*` (the usual convention on government forms; [`Columns`](crate::Columns) ignores the
//! mark when the filled-in template comes back), and one example row. In .xlsx every column is
//! formatted as text so that codes and phone numbers typed in keep their digits.

use std::io::Write;

use super::{Cell, TableWriter};
use crate::{Format, TabularError};

/// One column of an import template.
#[derive(Clone, Copy, Debug)]
pub struct TemplateColumn<'a> {
    /// Header as the import expects it, e.g. "统一社会信用代码".
    pub header: &'a str,
    /// Value shown in the example row.
    pub example: &'a str,
    pub required: bool,
}

/// Writes an import template and gives the output back.
pub fn write_template<W: Write + Send>(
    format: Format,
    columns: &[TemplateColumn<'_>],
    out: W,
) -> Result<W, TabularError> {
    let headers: Vec<String> =
        columns.iter().map(|c| if c.required { format!("*{}", c.header) } else { c.header.to_owned() }).collect();
    let example: Vec<Cell<'_>> = columns.iter().map(|c| Cell::Text(c.example)).collect();
    let mut writer = TableWriter::new(format, out)?;
    writer.set_text_columns(columns.len())?;
    writer.write_header(&headers)?;
    writer.write_row(&example)?;
    writer.finish()
}
