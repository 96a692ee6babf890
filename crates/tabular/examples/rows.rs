//! Generates N enterprise rows, writes them as CSV and .xlsx, reads them back, and prints rows/s
//! and peak RSS (VmHWM, reset before each phase) for every step.
//!
//! ```sh
//! cargo run --release -p dengta-tabular --example rows -- 1000000 [DIR]
//! ```
//!
//! Besides this crate's own exports it reads a GB18030 copy of the CSV and an .xlsx with a
//! shared-strings table, which is how Excel and WPS save workbooks.

use std::error::Error;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use dengta_tabular::{Cell, Format, TableWriter, read_rows};

const HEADER: [&str; 9] = [
    "统一社会信用代码",
    "企业名称",
    "行政区划代码",
    "注册地址",
    "行业",
    "成立日期",
    "从业人数",
    "营业收入（万元）",
    "联系电话",
];
const INDUSTRIES: [&str; 4] = ["通用设备制造业", "软件和信息技术服务业", "纺织业", "批发业"];

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().as_deref().unwrap_or("100000").parse()?;
    let dir = match args.next() {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join("dengta-tabular-rows"),
    };
    fs::create_dir_all(&dir)?;
    println!("{n} rows, files in {}", dir.display());
    println!("{:<34} {:>9} {:>12} {:>12} {:>10}", "phase", "seconds", "rows/s", "peak RSS", "file");

    let csv = dir.join("rows.csv");
    phase("write CSV (UTF-8 BOM)", n, &csv, || write(Format::Csv, &csv, n))?;
    phase("read CSV (UTF-8)", n, &csv, || read(&csv, n))?;

    let gb = dir.join("rows-gb18030.csv");
    transcode_to_gb18030(&csv, &gb)?;
    phase("read CSV (GB18030)", n, &gb, || read(&gb, n))?;

    let xlsx = dir.join("rows.xlsx");
    phase("write XLSX (constant memory)", n, &xlsx, || write(Format::Xlsx, &xlsx, n))?;
    phase("read XLSX (inline strings)", n, &xlsx, || read(&xlsx, n))?;

    let sst = dir.join("rows-shared-strings.xlsx");
    write_shared_strings(&sst, n)?;
    phase("read XLSX (shared strings, Excel)", n, &sst, || read(&sst, n))?;
    Ok(())
}

fn phase(
    name: &str,
    n: u32,
    file: &Path,
    run: impl FnOnce() -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    reset_peak_rss();
    let start = Instant::now();
    run()?;
    let secs = start.elapsed().as_secs_f64();
    let size = fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "{:<34} {:>9.2} {:>12.0} {:>9} MiB {:>6} MiB",
        name,
        secs,
        f64::from(n) / secs,
        peak_rss_kib() / 1024,
        size / (1024 * 1024)
    );
    Ok(())
}

fn write(format: Format, path: &Path, n: u32) -> Result<(), Box<dyn Error>> {
    let mut w = TableWriter::new(format, BufWriter::new(File::create(path)?))?;
    w.write_header(&HEADER)?;
    let mut row = RowText::default();
    for i in 0..n {
        row.fill(i);
        w.write_row(&[
            Cell::Text(&row.code),
            Cell::Text(&row.name),
            Cell::Text("320102"),
            Cell::Text(&row.address),
            Cell::Text(INDUSTRIES[i as usize % INDUSTRIES.len()]),
            Cell::Text(&row.date),
            Cell::Int(i64::from(i % 1000)),
            Cell::Number(f64::from(i % 100_000) / 4.0),
            Cell::Text(&row.phone),
        ])?;
    }
    w.finish()?;
    Ok(())
}

#[derive(Default)]
struct RowText {
    code: String,
    name: String,
    address: String,
    date: String,
    phone: String,
}

impl RowText {
    fn fill(&mut self, i: u32) {
        use std::fmt::Write as _;
        for s in [&mut self.code, &mut self.name, &mut self.address, &mut self.date, &mut self.phone] {
            s.clear();
        }
        let _ = write!(self.code, "91320102{i:09}X");
        let _ = write!(self.name, "南京第{i}号数字化转型试点企业有限公司");
        let _ = write!(self.address, "江苏省南京市玄武区中山路{}号", i % 999 + 1);
        let _ = write!(self.date, "{}-{:02}-{:02}", 1990 + i % 35, i % 12 + 1, i % 28 + 1);
        let _ = write!(self.phone, "025-8{:07}", i % 10_000_000);
    }
}

fn read(path: &Path, n: u32) -> Result<(), Box<dyn Error>> {
    let mut bytes = 0usize;
    let summary = read_rows(path, |_, cells| {
        bytes += cells.iter().map(String::len).sum::<usize>();
        ControlFlow::Continue(())
    })?;
    if summary.rows != u64::from(n) + 1 {
        return Err(format!("read {} rows, expected {}", summary.rows, n + 1).into());
    }
    std::hint::black_box(bytes);
    Ok(())
}

fn transcode_to_gb18030(from: &Path, to: &Path) -> Result<(), Box<dyn Error>> {
    let mut input = BufReader::new(File::open(from)?);
    let mut bom = [0u8; 3];
    input.read_exact(&mut bom)?;
    let mut out = BufWriter::new(File::create(to)?);
    let mut encoder = encoding_rs::GB18030.new_encoder();
    let mut text = String::new();
    let mut raw = vec![0u8; 1 << 16];
    let mut carry = Vec::new();
    let mut encoded = vec![0u8; 1 << 17];
    loop {
        let got = input.read(&mut raw)?;
        carry.extend_from_slice(&raw[..got]);
        let valid = match std::str::from_utf8(&carry) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        text.clear();
        text.push_str(std::str::from_utf8(&carry[..valid])?);
        carry.drain(..valid);
        let last = got == 0;
        let mut src = text.as_str();
        loop {
            let (result, read, written, _) = encoder.encode_from_utf8(src, &mut encoded, last);
            out.write_all(&encoded[..written])?;
            src = &src[read..];
            if matches!(result, encoding_rs::CoderResult::InputEmpty) {
                break;
            }
        }
        if last {
            break;
        }
    }
    out.flush()?;
    Ok(())
}

/// An .xlsx whose text sits in a shared-strings table, as Excel writes it.
fn write_shared_strings(path: &Path, n: u32) -> Result<(), Box<dyn Error>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let mut sheet = workbook.new_worksheet_with_low_memory()?;
    for (col, h) in (0u16..).zip(HEADER) {
        sheet.write_string(0, col, h)?;
    }
    let mut row = RowText::default();
    for i in 0..n {
        row.fill(i);
        let r = i + 1;
        sheet.write_string(r, 0, &row.code)?;
        sheet.write_string(r, 1, &row.name)?;
        sheet.write_string(r, 2, "320102")?;
        sheet.write_string(r, 3, &row.address)?;
        sheet.write_string(r, 4, INDUSTRIES[i as usize % INDUSTRIES.len()])?;
        sheet.write_string(r, 5, &row.date)?;
        sheet.write_number(r, 6, f64::from(i % 1000))?;
        sheet.write_number(r, 7, f64::from(i % 100_000) / 4.0)?;
        sheet.write_string(r, 8, &row.phone)?;
    }
    workbook.push_worksheet(sheet);
    workbook.save(path)?;
    Ok(())
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so each phase reports its own peak.
fn reset_peak_rss() {
    let _ = fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kib() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
