//! Which kind of file an upload is. The first bytes decide, not the name: uploads are often stored
//! under a temporary name, and officials rename files. The name only sharpens the error message.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::TabularError;

/// A table file format this crate reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated text: UTF-8 (with or without BOM) or GB18030 when read, UTF-8 with BOM
    /// when written.
    Csv,
    /// Office Open XML workbook (.xlsx), first worksheet.
    Xlsx,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// How much of a text file is looked at for NUL bytes, which no CSV contains.
const SNIFF_LEN: usize = 8 * 1024;

impl Format {
    /// Detects the format from the first bytes of the file (`head`, ideally its first 8 KiB) and
    /// its name.
    pub fn detect(file_name: &str, head: &[u8]) -> Result<Format, TabularError> {
        if head.is_empty() {
            return Err(TabularError::Empty);
        }
        if head.starts_with(ZIP_MAGIC) {
            return Ok(Format::Xlsx);
        }
        if head.starts_with(OLE2_MAGIC) {
            // Excel 97-2003 workbooks, but also encrypted .xlsx files, which Excel wraps in OLE2.
            return Err(if has_extension(file_name, "xlsx") {
                TabularError::Encrypted
            } else {
                TabularError::LegacyXls
            });
        }
        // UTF-16 text (Excel's "Unicode 文本") starts with a BOM and is full of NULs; say what it
        // is rather than "not a spreadsheet".
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            return Err(TabularError::Encoding);
        }
        let sniff = &head[..head.len().min(SNIFF_LEN)];
        if sniff.contains(&0) || has_extension(file_name, "xlsx") {
            return Err(TabularError::NotASpreadsheet);
        }
        Ok(Format::Csv)
    }

    /// Opens the file and detects its format from its first bytes and its name.
    pub fn of_file(path: &Path) -> Result<Format, TabularError> {
        let mut file = File::open(path).map_err(TabularError::Read)?;
        let mut head = Vec::with_capacity(SNIFF_LEN);
        (&mut file).take(SNIFF_LEN as u64).read_to_end(&mut head).map_err(TabularError::Read)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        Format::detect(name, &head)
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The MIME type to send with a download.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

fn has_extension(file_name: &str, ext: &str) -> bool {
    Path::new(file_name).extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic_not_name() {
        assert_eq!(Format::detect("名单.csv", b"PK\x03\x04rest").ok(), Some(Format::Xlsx));
        assert_eq!(Format::detect("upload-1", "企业名称,地址\n".as_bytes()).ok(), Some(Format::Csv));
        assert_eq!(
            Format::detect("a.xlsx", b"name,addr\n").err().map(|e| e.to_string()),
            Some(TabularError::NotASpreadsheet.to_string())
        );
    }

    #[test]
    fn rejects_binary_empty_xls_and_utf16() {
        assert!(matches!(Format::detect("a.csv", b""), Err(TabularError::Empty)));
        assert!(matches!(Format::detect("a.pdf", b"%PDF-1.7\n\0\0binary"), Err(TabularError::NotASpreadsheet)));
        assert!(matches!(Format::detect("a.xls", OLE2_MAGIC), Err(TabularError::LegacyXls)));
        assert!(matches!(Format::detect("a.xlsx", OLE2_MAGIC), Err(TabularError::Encrypted)));
        assert!(matches!(Format::detect("a.txt", b"\xFF\xFEa\0b\0"), Err(TabularError::Encoding)));
    }
}
