//! CSV import. The encoding is decided by one pass over the bytes — a file that is valid UTF-8 is
//! UTF-8, anything else is GB18030 (the superset of GBK that Excel and WPS write on Chinese
//! Windows) — and then the file is parsed in a second pass, decoding as it streams. The first pass
//! stops at the first non-UTF-8 byte, so a GB18030 file is usually decided within its header.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;
use std::rc::Rc;

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{RowBuf, Sink, TextEncoding};
use crate::{MAX_CELL_CHARS, MAX_COLUMNS, RowNumber, TabularError};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const CHUNK: usize = 64 * 1024;
/// The most bytes one row may take: every cell at its limit, each character 3 bytes and doubled
/// by quote escaping, with room to spare. It bounds memory on a file with an unclosed quote.
const MAX_ROW_BYTES: u64 = (MAX_COLUMNS * MAX_CELL_CHARS * 6 + CHUNK) as u64;

struct Detected {
    encoding: TextEncoding,
    bom: bool,
}

pub(super) fn read<F>(path: &Path, sink: &mut Sink<F>) -> Result<TextEncoding, TabularError>
where
    F: FnMut(RowNumber, &[String]) -> ControlFlow<()>,
{
    let mut file = File::open(path).map_err(TabularError::Read)?;
    let detected = detect_encoding(&mut file)?;
    let skip = if detected.bom { UTF8_BOM.len() as u64 } else { 0 };
    file.seek(SeekFrom::Start(skip)).map_err(TabularError::Read)?;
    match detected.encoding {
        TextEncoding::Utf8 => parse(file, sink)?,
        TextEncoding::Gb18030 => {
            let decoded =
                DecodeReaderBytesBuilder::new().encoding(Some(encoding_rs::GB18030)).bom_sniffing(false).build(file);
            parse(decoded, sink)?;
        }
    }
    Ok(detected.encoding)
}

fn detect_encoding(file: &mut File) -> Result<Detected, TabularError> {
    let mut buf = vec![0u8; CHUNK];
    // Bytes of a character split across two reads, carried to the next read.
    let mut carry = 0;
    let mut first = true;
    let mut bom = false;
    loop {
        let n = read_some(file, &mut buf[carry..])?;
        if n == 0 {
            if carry > 0 {
                // The file ends inside a character: not UTF-8.
                return not_utf8(bom);
            }
            return Ok(Detected { encoding: TextEncoding::Utf8, bom });
        }
        let filled = carry + n;
        if first {
            first = false;
            bom = buf[..filled].starts_with(UTF8_BOM);
        }
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => return not_utf8(bom),
        }
    }
}

fn not_utf8(bom: bool) -> Result<Detected, TabularError> {
    if bom {
        // The file says it is UTF-8 but is not: decoding it as anything else would be a guess.
        Err(TabularError::Encoding)
    } else {
        Ok(Detected { encoding: TextEncoding::Gb18030, bom: false })
    }
}

fn read_some(file: &mut File, buf: &mut [u8]) -> Result<usize, TabularError> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other.map_err(TabularError::Read),
        }
    }
}

fn parse<R: Read, F>(input: R, sink: &mut Sink<F>) -> Result<(), TabularError>
where
    F: FnMut(RowNumber, &[String]) -> ControlFlow<()>,
{
    let allowed = Rc::new(Cell::new(MAX_ROW_BYTES));
    let guarded = Prepared {
        // A final newline makes every row end with one, which the row numbering relies on; if
        // the file already ends with one, the extra blank line is skipped like any other.
        inner: input.chain(&b"\n"[..]),
        after_cr: false,
        delivered: 0,
        allowed: Rc::clone(&allowed),
    };
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(CHUNK).from_reader(guarded);
    let mut record = ::csv::StringRecord::new();
    let mut buf = RowBuf::default();
    // Newlines inside quoted cells of earlier rows: the csv line count includes them, Excel's
    // rows do not.
    let mut inner_newlines: u64 = 0;
    let mut last_row: RowNumber = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(e, last_row + 1)),
        }
        // The reader now stands at the start of the line after this row. Counting back from
        // there (rather than from where the row began, which csv puts before any blank lines
        // it skipped) keeps blank lines counted. With line ends normalised to LF, csv's line
        // count at that point is exact.
        let own_newlines: u64 = record.iter().map(|field| field.bytes().filter(|&b| b == b'\n').count() as u64).sum();
        let end_line = reader.position().line();
        let first_line = end_line.saturating_sub(1 + own_newlines);
        // Strictly increasing whatever happens.
        let row = first_line.saturating_sub(inner_newlines).max(last_row + 1);
        inner_newlines += own_newlines;
        last_row = row;
        buf.clear();
        for (col, field) in record.iter().enumerate() {
            buf.set(row, col, field)?;
        }
        // Positions count the bytes of the guarded stream, the same bytes the guard counts.
        allowed.set(reader.position().byte() + MAX_ROW_BYTES);
        if sink.deliver(row, &buf).is_break() {
            return Ok(());
        }
    }
}

fn csv_error(e: ::csv::Error, row: RowNumber) -> TabularError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => {
            if io.get_ref().is_some_and(|inner| inner.downcast_ref::<RowTooLarge>().is_some()) {
                TabularError::RowTooLarge { row }
            } else if io.kind() == io::ErrorKind::InvalidData {
                // The GB18030 decoder does not fail, but keep a clean message if it ever does.
                TabularError::Encoding
            } else {
                TabularError::Read(io)
            }
        }
        ::csv::ErrorKind::Utf8 { .. } => TabularError::Encoding,
        other => TabularError::Read(io::Error::other(format!("{other:?}"))),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("row exceeds {MAX_ROW_BYTES} bytes")]
struct RowTooLarge;

/// The text stream as the CSV parser sees it: line ends normalised to LF (CRLF and bare CR, also
/// inside quoted cells, where Excel uses LF too), and the read failed once the parser has pulled
/// more than `MAX_ROW_BYTES` past the end of the last complete row, so a missing closing quote
/// cannot make one "row" swallow the whole file into memory.
struct Prepared<R> {
    inner: R,
    /// The previous byte was a CR, already passed on as LF: an LF right after it is dropped.
    after_cr: bool,
    delivered: u64,
    allowed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Prepared<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.delivered >= self.allowed.get() {
            return Err(io::Error::other(RowTooLarge));
        }
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            if !self.after_cr && !buf[..n].contains(&b'\r') {
                self.delivered += n as u64;
                return Ok(n);
            }
            let mut out = 0;
            for i in 0..n {
                let b = buf[i];
                match b {
                    b'\n' if self.after_cr => self.after_cr = false,
                    b'\r' => {
                        self.after_cr = true;
                        buf[out] = b'\n';
                        out += 1;
                    }
                    _ => {
                        self.after_cr = false;
                        buf[out] = b;
                        out += 1;
                    }
                }
            }
            // All of it may have been an LF after a CR: 0 would mean end of file, so read on.
            if out > 0 {
                self.delivered += out as u64;
                return Ok(out);
            }
        }
    }
}
