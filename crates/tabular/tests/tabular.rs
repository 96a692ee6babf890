//! Import and export through real files: round trips, encodings, row numbers, formula injection,
//! limits, and 200,000-row files read with a callback.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use dengta_tabular::{
    Cell, ColumnSpec, ErrorReport, Format, RowError, RowNumber, TableWriter, TabularError, TemplateColumn,
    TextEncoding, read_rows, read_table, write_template,
};

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Every row handed over, with its row number.
fn read_all(path: &Path) -> Result<Vec<(RowNumber, Vec<String>)>, TabularError> {
    let mut rows = Vec::new();
    read_rows(path, |n, cells| {
        rows.push((n, cells.to_vec()));
        ControlFlow::Continue(())
    })?;
    Ok(rows)
}

fn texts(rows: &[(RowNumber, Vec<String>)]) -> Vec<Vec<&str>> {
    rows.iter().map(|(_, cells)| cells.iter().map(String::as_str).collect()).collect()
}

fn write_table(format: Format, path: &Path, header: &[&str], rows: &[Vec<Cell<'_>>]) {
    let file = BufWriter::new(File::create(path).expect("create"));
    let mut w = TableWriter::new(format, file).expect("writer");
    w.write_header(header).expect("header");
    for row in rows {
        w.write_row(row).expect("row");
    }
    w.finish().expect("finish");
}

const HEADER: [&str; 5] = ["统一社会信用代码", "企业名称", "地址", "从业人数", "营业收入（万元）"];

fn sample_rows() -> Vec<Vec<Cell<'static>>> {
    vec![
        vec![
            Cell::Text("91320102MA1XYZ0001"),
            Cell::Text("南京玄武精密机械有限公司"),
            Cell::Text("玄武区, 中山路 1 号"),
            Cell::Int(120),
            Cell::Number(3456.75),
        ],
        vec![
            // An 18-digit code written as text keeps every digit.
            Cell::Text("913201020000000017"),
            Cell::Text("金陵“工业互联网”服务有限公司"),
            Cell::Text("第一行\n第二行"),
            Cell::Int(0),
            Cell::Number(0.5),
        ],
        vec![Cell::Text("91320102MA1XYZ0003"), Cell::Text("引号\"和逗号,的公司"), Cell::Empty, Cell::Int(-3)],
    ]
}

fn expected_sample() -> Vec<Vec<&'static str>> {
    vec![
        HEADER.to_vec(),
        vec!["91320102MA1XYZ0001", "南京玄武精密机械有限公司", "玄武区, 中山路 1 号", "120", "3456.75"],
        vec!["913201020000000017", "金陵“工业互联网”服务有限公司", "第一行\n第二行", "0", "0.5"],
        vec!["91320102MA1XYZ0003", "引号\"和逗号,的公司", "", "-3"],
    ]
}

#[test]
fn csv_round_trip() {
    let d = dir();
    let path = d.path().join("名单.csv");
    write_table(Format::Csv, &path, &HEADER, &sample_rows());
    let bytes = fs::read(&path).expect("read");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV export starts with a BOM");
    let rows = read_all(&path).expect("reads");
    assert_eq!(texts(&rows), expected_sample());
    // The second data row spans two lines in the file but is one spreadsheet row.
    let numbers: Vec<_> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
}

#[test]
fn xlsx_round_trip() {
    let d = dir();
    let path = d.path().join("名单.xlsx");
    write_table(Format::Xlsx, &path, &HEADER, &sample_rows());
    assert_eq!(Format::of_file(&path).ok(), Some(Format::Xlsx));
    let rows = read_all(&path).expect("reads");
    assert_eq!(texts(&rows), expected_sample());
    let numbers: Vec<_> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
}

#[test]
fn xlsx_writes_numbers_as_numbers_and_text_as_text() {
    let d = dir();
    let path = d.path().join("types.xlsx");
    write_table(
        Format::Xlsx,
        &path,
        &["a", "b", "c"],
        &[vec![Cell::Int(42), Cell::Text("42"), Cell::Int(123_456_789_012_345_678)]],
    );
    let xml = zip_entry(&path, "xl/worksheets/sheet1.xml");
    assert!(xml.contains(r#"<c r="A2"><v>42</v></c>"#), "{xml}");
    assert!(xml.contains(r#"<c r="B2" t="inlineStr"><is><t>42</t></is></c>"#), "{xml}");
    // Too many digits for Excel's 15-digit precision: kept as text.
    assert!(xml.contains("<t>123456789012345678</t>"), "{xml}");
}

#[test]
fn gb18030_csv_decodes() {
    let d = dir();
    let path = d.path().join("gbk.csv");
    let text = "统一社会信用代码,企业名称,地址\r\n91320102MA1XYZ0001,南京玄武精密机械有限公司,\"玄武区,珠江路\"\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    fs::write(&path, &bytes).expect("write");
    let mut encoding = None;
    let mut rows = Vec::new();
    let summary = read_rows(&path, |n, cells| {
        rows.push((n, cells.to_vec()));
        ControlFlow::Continue(())
    })
    .expect("reads");
    encoding.get_or_insert(summary.encoding);
    assert_eq!(summary.encoding, Some(TextEncoding::Gb18030));
    assert_eq!(
        texts(&rows),
        [
            vec!["统一社会信用代码", "企业名称", "地址"],
            vec!["91320102MA1XYZ0001", "南京玄武精密机械有限公司", "玄武区,珠江路"],
        ]
    );
}

#[test]
fn gb18030_detected_even_when_chinese_comes_late() {
    // 200 KiB of ASCII first: detection must look at the whole file, not a prefix.
    let d = dir();
    let path = d.path().join("late.csv");
    let mut text = String::from("code,name\r\n");
    for i in 0..10_000 {
        text.push_str(&format!("C{i:06},company-{i}\r\n"));
    }
    text.push_str("C999999,最后一家公司\r\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    fs::write(&path, &bytes).expect("write");
    let rows = read_all(&path).expect("reads");
    assert_eq!(rows.len(), 10_002);
    assert_eq!(rows[10_001].1, ["C999999", "最后一家公司"]);
    assert_eq!(rows[10_001].0, 10_002);
}

#[test]
fn utf8_with_and_without_bom() {
    let d = dir();
    let body = "统一社会信用代码,企业名称\n91320102MA1XYZ0001,  灯塔科技  \n";
    for (name, bom) in [("bom.csv", true), ("plain.csv", false)] {
        let path = d.path().join(name);
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(body.as_bytes());
        fs::write(&path, bytes).expect("write");
        let mut enc = None;
        let mut rows = Vec::new();
        let summary = read_rows(&path, |_, c| {
            rows.push(c.to_vec());
            ControlFlow::Continue(())
        })
        .expect("reads");
        enc.get_or_insert(summary.encoding);
        assert_eq!(summary.encoding, Some(TextEncoding::Utf8));
        assert_eq!(rows[0], ["统一社会信用代码", "企业名称"], "{name}");
        assert_eq!(rows[1], ["91320102MA1XYZ0001", "灯塔科技"], "{name}: trimmed");
    }
    // A BOM that lies about the encoding is an encoding error, not a guess.
    let path = d.path().join("lying.csv");
    let mut bytes = b"\xEF\xBB\xBFa,b\n".to_vec();
    bytes.extend_from_slice(&encoding_rs::GB18030.encode("企业").0);
    fs::write(&path, bytes).expect("write");
    assert!(matches!(read_all(&path), Err(TabularError::Encoding)));
}

#[test]
fn quoted_fields_blank_lines_and_row_numbers() {
    let d = dir();
    let path = d.path().join("quoted.csv");
    let text = "名称,地址,备注\n\"甲, 有限公司\",\"第一行\n第二行\n第三行\",\"说\"\"好\"\"的\"\n\n乙公司,南京,\r\n,,\n丙公司,\"\",x";
    // The same rows with Windows, old Mac and mixed line ends, with and without a final newline.
    let variants = [
        text.to_owned(),
        format!("{text}\n"),
        text.replace("\r\n", "\n").replace('\n', "\r\n"),
        text.replace("\r\n", "\n").replace('\n', "\r") + "\r",
    ];
    for variant in variants {
        fs::write(&path, &variant).expect("write");
        let rows = read_all(&path).expect("reads");
        assert_eq!(rows, expected_quoted_rows(), "{variant:?}");
    }
}

fn expected_quoted_rows() -> Vec<(RowNumber, Vec<String>)> {
    vec![
        (1, vec!["名称".into(), "地址".into(), "备注".into()]),
        (2, vec!["甲, 有限公司".into(), "第一行\n第二行\n第三行".into(), "说\"好\"的".into()]),
        // Row 3 is the blank line and row 5 a row of empty cells: counted, not handed over.
        (4, vec!["乙公司".into(), "南京".into()]),
        (6, vec!["丙公司".into(), String::new(), "x".into()]),
    ]
}

#[test]
fn xlsx_row_numbers_count_blank_rows() {
    let d = dir();
    let path = d.path().join("gaps.xlsx");
    let empty: Vec<Cell<'_>> = vec![Cell::Empty, Cell::Text("")];
    write_table(Format::Xlsx, &path, &["名称"], &[vec![Cell::Text("甲")], empty, vec![Cell::Text("  乙  ")]]);
    let rows = read_all(&path).expect("reads");
    assert_eq!(rows, [(1, vec!["名称".to_owned()]), (2, vec!["甲".to_owned()]), (4, vec!["乙".to_owned()]),]);
}

#[test]
fn xlsx_dates_numbers_and_shared_strings_from_other_writers() {
    // A workbook as Excel writes it: shared strings, date-formatted numbers, a formula.
    let d = dir();
    let path = d.path().join("excel.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "成立日期").expect("w");
    ws.write_string(0, 1, "注册资本").expect("w");
    ws.write_string(0, 2, "合计").expect("w");
    ws.write_number_with_format(1, 0, 45943.0, &date).expect("w");
    ws.write_number(1, 1, 500.0).expect("w");
    ws.write_formula(1, 2, rust_xlsxwriter::Formula::new("=1+2").set_result("3")).expect("w");
    ws.write_number(2, 1, 0.1 + 0.2).expect("w");
    wb.save(&path).expect("save");
    let rows = read_all(&path).expect("reads");
    assert_eq!(texts(&rows), [vec!["成立日期", "注册资本", "合计"], vec!["2025-10-13", "500", "3"], vec!["", "0.3"],]);
}

const TRICKY: [&str; 7] =
    ["=HYPERLINK(\"http://x\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "普通文本"];

#[test]
fn formula_injection_neutralised_in_csv() {
    let d = dir();
    let path = d.path().join("inject.csv");
    let mut row: Vec<Cell<'_>> = TRICKY.iter().map(|t| Cell::Text(t)).collect();
    row.push(Cell::Int(-5));
    row.push(Cell::Number(-1.5));
    write_table(Format::Csv, &path, &["h"], &[row]);
    let raw = fs::read_to_string(&path).expect("read");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(raw.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    let fields: Vec<&str> = records[1].iter().collect();
    for (field, original) in fields.iter().zip(TRICKY) {
        if original == "普通文本" {
            assert_eq!(*field, original);
        } else {
            assert_eq!(*field, format!("'{original}"), "neutralised in the file");
        }
    }
    // Real numbers are not text and keep their sign.
    assert_eq!(fields[7], "-5");
    assert_eq!(fields[8], "-1.5");
    // Importing the export gives the original values back.
    let rows = read_all(&path).expect("reads");
    assert_eq!(rows[1].1[0], TRICKY[0]);
    assert_eq!(rows[1].1[2], "-2+3");
    assert_eq!(rows[1].1[3], "@SUM(A1:A2)");
}

#[test]
fn formula_injection_neutralised_in_xlsx() {
    let d = dir();
    let path = d.path().join("inject.xlsx");
    let row: Vec<Cell<'_>> = TRICKY.iter().map(|t| Cell::Text(t)).collect();
    write_table(Format::Xlsx, &path, &["h"], &[row]);
    let sheet = zip_entry(&path, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
    // Each formula-like cell is an inline string with the quote-prefix style.
    let styles = zip_entry(&path, "xl/styles.xml");
    assert!(styles.contains(r#"quotePrefix="1""#), "{styles}");
    assert!(
        sheet.contains(r#"<c r="A2" s="2" t="inlineStr"><is><t>=HYPERLINK("#)
            || sheet.contains(r#"<c r="A2" s="1" t="inlineStr"><is><t>=HYPERLINK("#),
        "{sheet}"
    );
    // Read back: text cells beginning with the original character.
    let rows = read_all(&path).expect("reads");
    assert_eq!(rows[1].1[0], TRICKY[0]);
    assert_eq!(rows[1].1[1], TRICKY[1]);
    assert_eq!(rows[1].1[2], "-2+3");
    assert_eq!(rows[1].1[3], "@SUM(A1:A2)");
    // Leading tab and CR are whitespace and trimmed on import.
    assert_eq!(rows[1].1[4], "=1+1");
}

#[test]
fn read_table_maps_columns_and_names_missing_ones() {
    const SPEC: &[ColumnSpec<'static>] = &[
        ColumnSpec::required("uscc", &["统一社会信用代码", "信用代码"]),
        ColumnSpec::required("name", &["企业名称"]),
        ColumnSpec::optional("employees", &["从业人数", "员工人数"]),
    ];
    let d = dir();
    let path = d.path().join("table.xlsx");
    write_table(Format::Xlsx, &path, &HEADER, &sample_rows());
    let mut seen = Vec::new();
    let (columns, summary) = read_table(&path, SPEC, |row, record| {
        seen.push((row, record.get("uscc").to_owned(), record.get("employees").to_owned()));
        ControlFlow::Continue(())
    })
    .expect("reads");
    assert_eq!(summary.rows, 3);
    assert_eq!(columns.header("employees"), "从业人数");
    assert_eq!(columns.unknown(), ["地址", "营业收入（万元）"]);
    assert_eq!(seen[0], (2, "91320102MA1XYZ0001".to_owned(), "120".to_owned()));
    assert_eq!(seen[2].0, 4);

    let path = d.path().join("missing.csv");
    fs::write(&path, "企业名称,地址\n甲,乙\n").expect("write");
    let err = read_table(&path, SPEC, |_, _| ControlFlow::Continue(())).expect_err("missing");
    assert_eq!(err.to_string(), "缺少必填列：统一社会信用代码");

    let path = d.path().join("empty-sheet.csv");
    fs::write(&path, "\n\n").expect("write");
    let err = read_table(&path, SPEC, |_, _| ControlFlow::Continue(())).expect_err("no header");
    assert!(matches!(err, TabularError::NoHeader));
}

#[test]
fn callback_can_stop_the_read() {
    let d = dir();
    let path = d.path().join("stop.csv");
    fs::write(&path, "a\n1\n2\n3\n").expect("write");
    let mut count = 0;
    let summary = read_rows(&path, |_, _| {
        count += 1;
        if count == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    })
    .expect("reads");
    assert!(summary.stopped);
    assert_eq!((summary.rows, summary.last_row), (2, 2));
}

#[test]
fn limits_on_columns_and_cells() {
    let d = dir();
    // 201 filled columns in row 2 of a CSV.
    let path = d.path().join("wide.csv");
    let wide = vec!["x"; 201].join(",");
    fs::write(&path, format!("a\n{wide}\n")).expect("write");
    match read_all(&path) {
        Err(e @ TabularError::TooManyColumns { row: 2, count: 201 }) => {
            assert_eq!(e.to_string(), "第 2 行有 201 列，超过上限 200 列");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Trailing empty cells beyond 200 are harmless.
    let path = d.path().join("trailing.csv");
    fs::write(&path, format!("a,b{}\n", ",".repeat(300))).expect("write");
    assert_eq!(texts(&read_all(&path).expect("reads")), [vec!["a", "b"]]);
    // A 40,000-character cell.
    let path = d.path().join("long.csv");
    fs::write(&path, format!("a,b\nx,{}\n", "长".repeat(40_000))).expect("write");
    match read_all(&path) {
        Err(e @ TabularError::CellTooLong { row: 2, .. }) => {
            assert_eq!(e.to_string(), "第 2 行 B 列的内容超过 32767 个字符");
        }
        other => panic!("unexpected {other:?}"),
    }
    // The same limits hold in .xlsx.
    let path = d.path().join("wide.xlsx");
    let cells: Vec<Cell<'_>> = (0..201).map(|_| Cell::Text("x")).collect();
    write_table(Format::Xlsx, &path, &["a"], &[cells]);
    assert!(matches!(read_all(&path), Err(TabularError::TooManyColumns { row: 2, count: 201 })));
    // And on export.
    let long = "长".repeat(40_000);
    let mut w = TableWriter::xlsx(Vec::new()).expect("writer");
    assert!(matches!(w.write_row(&[long.as_str()]), Err(TabularError::CellTooLong { row: 1, .. })));
}

#[test]
fn unclosed_quote_does_not_swallow_the_file() {
    let d = dir();
    let path = d.path().join("unclosed.csv");
    let mut f = BufWriter::new(File::create(&path).expect("create"));
    f.write_all(b"a,b\n1,\"never closed\n").expect("w");
    let line = [b'x'; 1023];
    for _ in 0..(48 * 1024) {
        f.write_all(&line).expect("w");
        f.write_all(b"\n").expect("w");
    }
    drop(f);
    assert!(matches!(read_all(&path), Err(TabularError::RowTooLarge { row: 2 })));
}

#[test]
fn rejects_what_is_not_a_spreadsheet() {
    let d = dir();
    let cases: [(&str, &[u8]); 4] = [
        ("empty.csv", b""),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("old.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip"),
    ];
    let mut messages = Vec::new();
    for (name, bytes) in cases {
        let path = d.path().join(name);
        fs::write(&path, bytes).expect("write");
        let err = read_all(&path).expect_err(name);
        messages.push(err.to_string());
    }
    assert_eq!(messages[0], "文件为空");
    assert_eq!(messages[1], "文件不是 CSV 或 Excel（.xlsx）表格");
    assert!(messages[2].contains(".xls"), "{}", messages[2]);
    assert!(messages[3].starts_with("Excel 文件已损坏"), "{}", messages[3]);
    // A zip that is no workbook, such as a .docx.
    let path = d.path().join("letter.xlsx");
    let mut zip = zip::ZipWriter::new(File::create(&path).expect("create"));
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).expect("entry");
    zip.write_all(b"<w:document/>").expect("w");
    zip.finish().expect("zip");
    assert!(matches!(read_all(&path), Err(TabularError::NotASpreadsheet)));
    let missing = read_all(&d.path().join("nope.csv")).expect_err("missing");
    assert_eq!(missing.to_string(), "无法读取文件");
}

#[test]
fn error_report_is_a_bom_csv_with_chinese_columns() {
    let mut report = ErrorReport::new(Vec::new()).expect("report");
    report.push(&RowError::new(12, "统一社会信用代码", "校验位错误")).expect("push");
    report.push(&RowError::new(13, "企业名称", "=危险内容")).expect("push");
    assert_eq!(report.count(), 2);
    let bytes = report.finish().expect("finish");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(text, "\u{feff}行号,列,原因\r\n12,统一社会信用代码,校验位错误\r\n13,企业名称,'=危险内容\r\n");
    assert_eq!(
        RowError::new(12, "统一社会信用代码", "校验位错误").to_string(),
        "第 12 行“统一社会信用代码”：校验位错误"
    );
}

#[test]
fn templates_read_back_through_the_spec() {
    const SPEC: &[ColumnSpec<'static>] =
        &[ColumnSpec::required("uscc", &["统一社会信用代码"]), ColumnSpec::optional("phone", &["联系电话"])];
    let columns = [
        TemplateColumn { header: "统一社会信用代码", example: "91320102MA1XYZ0001", required: true },
        TemplateColumn { header: "联系电话", example: "025-83000000", required: false },
    ];
    let d = dir();
    for format in [Format::Csv, Format::Xlsx] {
        let path: PathBuf = d.path().join(format!("模板.{}", format.extension()));
        let file = File::create(&path).expect("create");
        write_template(format, &columns, file).expect("template");
        let rows = read_all(&path).expect("reads");
        assert_eq!(rows[0].1, ["*统一社会信用代码", "联系电话"], "{format:?}");
        let mut seen = Vec::new();
        read_table(&path, SPEC, |_, r| {
            seen.push((r.get("uscc").to_owned(), r.get("phone").to_owned()));
            ControlFlow::Continue(())
        })
        .expect("maps");
        assert_eq!(seen, [("91320102MA1XYZ0001".to_owned(), "025-83000000".to_owned())], "{format:?}");
    }
    // In .xlsx the columns are formatted as text.
    let styles = zip_entry(&d.path().join("模板.xlsx"), "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="@""#) || styles.contains(r#"numFmtId="49""#), "{styles}");
}

/// A generated list of `n` rows: code, name, region, employees, revenue.
fn generate(format: Format, path: &Path, n: u32) {
    let file = BufWriter::new(File::create(path).expect("create"));
    let mut w = TableWriter::new(format, file).expect("writer");
    w.write_header(&["统一社会信用代码", "企业名称", "行政区划代码", "从业人数", "营业收入"]).expect("header");
    let mut code = String::new();
    let mut name = String::new();
    for i in 0..n {
        code.clear();
        code.push_str(&format!("91320102{i:010}"));
        name.clear();
        name.push_str(&format!("南京第{i}号数字化企业有限公司"));
        w.write_row(&[
            Cell::Text(&code),
            Cell::Text(&name),
            Cell::Text("320102"),
            Cell::Int(i64::from(i % 500)),
            Cell::Number(f64::from(i) / 4.0),
        ])
        .expect("row");
    }
    w.finish().expect("finish");
}

fn check_large(format: Format) {
    const N: u32 = 200_000;
    let d = dir();
    let path = d.path().join(format!("large.{}", format.extension()));
    generate(format, &path, N);
    let mut count = 0u64;
    let mut samples = Vec::new();
    let summary = read_rows(&path, |row, cells| {
        count += 1;
        if [1, 2, 100_001, 200_001].contains(&row) {
            samples.push((row, cells.to_vec()));
        }
        ControlFlow::Continue(())
    })
    .expect("reads");
    assert_eq!(count, u64::from(N) + 1);
    assert_eq!(summary.rows, u64::from(N) + 1);
    assert_eq!(summary.last_row, u64::from(N) + 1);
    assert_eq!(samples.len(), 4);
    assert_eq!(samples[0].1[0], "统一社会信用代码");
    assert_eq!(samples[1].1, ["913201020000000000", "南京第0号数字化企业有限公司", "320102", "0", "0"]);
    assert_eq!(samples[2].1, ["913201020000099999", "南京第99999号数字化企业有限公司", "320102", "499", "24999.75"]);
    assert_eq!(samples[3].1[0], "913201020000199999");
    assert_eq!(samples[3].1[4], "49999.75");
}

#[test]
fn large_csv_read_with_callback() {
    check_large(Format::Csv);
}

#[test]
fn large_xlsx_read_with_callback() {
    check_large(Format::Xlsx);
}

#[test]
fn writers_can_move_to_a_blocking_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<TableWriter<Vec<u8>>>();
    assert_send::<ErrorReport<File>>();
    assert_send::<TabularError>();
}

fn zip_entry(path: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(File::open(path).expect("open")).expect("zip");
    let mut entry = archive.by_name(name).expect("entry");
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("read entry");
    text
}
