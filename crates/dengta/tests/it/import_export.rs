//! Bulk import and export through the browser's routes and the CLI: bad rows
//! reported and untouched, valid rows committed, re-import as an upsert,
//! .xlsx, CSV in UTF-8 and GB18030, formula neutralisation on export.

use std::time::Duration;

use crate::support::{Store, TestApp};

async fn upload(t: &TestApp, c: &reqwest::Client, csrf: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    c.post(t.url(&format!("/enterprises/import?_csrf={csrf}"))).multipart(form).send().await.unwrap()
}

/// Follows the redirect to the job page and waits for the job to finish.
async fn finished_job(t: &TestApp, c: &reqwest::Client, res: reqwest::Response) -> (i64, String) {
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = loc.trim_start_matches("/imports/").parse().unwrap();
    for _ in 0..200 {
        let page = c.get(t.url(&loc)).send().await.unwrap().text().await.unwrap();
        if !page.contains("导入中") {
            return (id, page);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

fn dd(page: &str, id: &str) -> String {
    let at = page.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("{id} on page")) + id.len() + 6;
    page[at..].split('<').next().unwrap().to_owned()
}

async fn an_official_imports_fixes_and_reimports(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-officer").await;
    let before: i64 = t.db().scalar("SELECT COUNT(*) FROM enterprises", vec![]).await.unwrap();
    let csv = "统一社会信用代码,企业名称,行政区划代码,行业代码,联系电话,规上企业\n\
               91320104MA1Y00018F,秦淮新导入科技有限公司,,C3670,13900000000,是\n\
               91320104MA1Y00010X,校验位错的公司,,C3670,,\n\
               91320205MA1Y000183,无锡不归我管公司,,C3670,,\n\
               91320102MA1X2Y3B1X,南京玄武精密机械有限公司,320102,C3484,,否\n\
               91320102MA1X2Y7E1P,玄武电子元器件有限公司（更名）,320102,C3981,,否\n";
    let (id, page) = finished_job(&t, &c, upload(&t, &c, &csrf, "企业.csv", csv.as_bytes().to_vec()).await).await;
    assert_eq!(dd(&page, "job-rows"), "5");
    assert_eq!(dd(&page, "job-inserted"), "1");
    assert_eq!(dd(&page, "job-updated"), "1");
    assert_eq!(dd(&page, "job-unchanged"), "1");
    assert_eq!(dd(&page, "job-failed"), "2");
    let report = c.get(t.url(&format!("/imports/{id}/errors"))).send().await.unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(report.contains("3,统一社会信用代码,校验位错误"), "{report}");
    assert!(report.contains("4,行政区划代码") && report.contains("管辖范围"), "{report}");
    let after: i64 = t.db().scalar("SELECT COUNT(*) FROM enterprises", vec![]).await.unwrap();
    assert_eq!(after, before + 1, "bad rows change nothing");
    // The official fixes the bad row and imports again: an upsert by code.
    let fixed = "统一社会信用代码,企业名称,行业代码\n91320104MA1Y00018F,秦淮新导入科技有限公司,C3670\n91320104MA1Y000205,校验位改好的公司,C3670\n";
    let fixed = fixed.replace(
        "91320104MA1Y000205",
        &dengta_domain::enterprise::Uscc::with_check_char("91320104MA1Y00026").unwrap().to_string(),
    );
    let (_, page) = finished_job(&t, &c, upload(&t, &c, &csrf, "fixed.csv", fixed.into_bytes()).await).await;
    assert_eq!(dd(&page, "job-failed"), "0");
    assert_eq!(dd(&page, "job-inserted"), "1");
    assert!(!page.contains("id=\"error-report\""));
    // History and audit were written.
    let hist: i64 =
        t.db().scalar("SELECT COUNT(*) FROM enterprise_history WHERE action LIKE 'import.%'", vec![]).await.unwrap();
    assert_eq!(hist, 3);
    let audits: i64 =
        t.db().scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'import.enterprises'", vec![]).await.unwrap();
    assert_eq!(audits, 2);
    // Roll-ups follow: the district's dashboard count is every enterprise registered there.
    let rolled: i64 = t
        .db()
        .scalar("SELECT value FROM rollups WHERE metric = 'e.enterprises' AND region_code = '320104'", vec![])
        .await
        .unwrap();
    let registered: i64 =
        t.db().scalar("SELECT COUNT(*) FROM enterprises WHERE region_code = '320104'", vec![]).await.unwrap();
    assert_eq!(rolled, registered);
    assert!(rolled >= 2, "the two imported enterprises are counted ({rolled})");
    // Another officer's job is not visible.
    let (d, _) = t.demo_login("demo-district").await;
    assert_eq!(d.get(t.url(&format!("/imports/{id}"))).send().await.unwrap().status(), 404);
    // Not a spreadsheet: refused before any job starts.
    let res = upload(&t, &c, &csrf, "x.xlsx", b"PK\x03\x04 broken zip".to_vec()).await;
    assert!(matches!(res.status().as_u16(), 303 | 422));
}

async fn xlsx_and_gb18030_files_import(store: Store) {
    let t = TestApp::spawn(store).await;
    let dir = tempfile::tempdir().unwrap();
    // .xlsx written by the export engine itself.
    let xlsx = dir.path().join("e.xlsx");
    {
        let f = std::fs::File::create(&xlsx).unwrap();
        let mut w = dengta_tabular::TableWriter::xlsx(f).unwrap();
        w.write_header(&["统一社会信用代码", "企业名称", "行业代码", "专精特新"]).unwrap();
        let code = dengta_domain::enterprise::Uscc::with_check_chars("91320115MA1Y0003").unwrap().to_string();
        w.write_row(&[code.as_str(), "江宁表格导入有限公司", "C3670", "专精特新中小企业"]).unwrap();
        w.finish().unwrap();
    }
    let out = crate::audit::dengta(
        &t.database_url,
        &["import", "enterprises", xlsx.to_str().unwrap(), "--as", "demo-officer"],
    );
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let tier: (String,) = t
        .db()
        .fetch_one("SELECT srdi_tier FROM enterprises WHERE name = '江宁表格导入有限公司'", vec![])
        .await
        .unwrap();
    assert_eq!(tier.0, "srdi");
    // CSV saved by Excel on Chinese Windows: GB18030.
    let code = dengta_domain::enterprise::Uscc::with_check_chars("91320115MA1Y0004").unwrap().to_string();
    let text = format!("统一社会信用代码,企业名称,行业代码\r\n{code},江宁国标编码有限公司,C3670\r\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let gb = dir.path().join("gb.csv");
    std::fs::write(&gb, &bytes).unwrap();
    let out = crate::audit::dengta(&t.database_url, &["import", "enterprises", gb.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let n: i64 =
        t.db().scalar("SELECT COUNT(*) FROM enterprises WHERE name = '江宁国标编码有限公司'", vec![]).await.unwrap();
    assert_eq!(n, 1);
    // --as limits rows to the user's region.
    let code = dengta_domain::enterprise::Uscc::with_check_chars("91320205MA1Y0005").unwrap().to_string();
    let wx = dir.path().join("wx.csv");
    std::fs::write(&wx, format!("统一社会信用代码,企业名称,行业代码\n{code},无锡外地公司,C3670\n")).unwrap();
    let out = crate::audit::dengta(
        &t.database_url,
        &["import", "enterprises", wx.to_str().unwrap(), "--as", "demo-district"],
    );
    assert_eq!(out.status.code(), Some(1));
    let n: i64 = t.db().scalar("SELECT COUNT(*) FROM enterprises WHERE name = '无锡外地公司'", vec![]).await.unwrap();
    assert_eq!(n, 0);
}

async fn cloud_records_import_by_code(store: Store) {
    let t = TestApp::spawn(store).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("cloud.csv");
    std::fs::write(
        &csv,
        "统一社会信用代码,云服务商,云服务,层级,类别,开始使用日期,佐证材料\n\
         91320115MA1X2Y5C28,天翼云,设备上云平台,平台系统,设备上云,2025-01-05,合同HT-1\n\
         91320205MA1X2YBJ8Q,天翼云,云ERP,业务应用,管理上云,2025-01-05,\n\
         91320104MA1X2Y4B86,天翼云,云ERP,云端,管理上云,2025-01-05,\n",
    )
    .unwrap();
    let out =
        crate::audit::dengta(&t.database_url, &["import", "cloud", csv.to_str().unwrap(), "--as", "demo-officer"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("新增 added 1") && text.contains("错误 errors 2"), "{text}");
    let (n,): (i64,) = t
        .db()
        .fetch_one("SELECT COUNT(*) FROM cloud_records WHERE status = 'reported' AND evidence = '合同HT-1'", vec![])
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (n,): (i64,) = t.db().fetch_one("SELECT COUNT(*) FROM cloud_records", vec![]).await.unwrap();
    assert_eq!(n, 1, "the out-of-scope and the bad-layer rows wrote nothing");
}

async fn exports_are_scoped_neutralised_and_audited(store: Store) {
    let t = TestApp::spawn(store).await;
    let (c, csrf) = t.demo_login("demo-officer").await;
    // A name that a spreadsheet would take for a formula.
    let code = dengta_domain::enterprise::Uscc::with_check_chars("91320104MA1Y0006").unwrap().to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("uscc", code.as_str()),
        ("name", "=HYPERLINK(\"http://x\")"),
        ("industry", "C3670"),
        ("srdi_tier", "none"),
    ];
    assert_eq!(c.post(t.url("/enterprises/new")).form(&form).send().await.unwrap().status(), 303);
    let res = c.get(t.url("/enterprises/export?format=csv")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "BOM for Excel");
    assert!(body.contains("'=HYPERLINK"), "formula neutralised: {body}");
    assert!(body.contains("张*") && !body.contains("张伟"), "personal data masked");
    assert!(!body.contains("无锡锡山纺织机械有限公司"), "scoped to the officer's region");
    assert_eq!(body.lines().count(), 1 + 6);
    let filtered =
        c.get(t.url("/enterprises/export?format=csv&region=320115")).send().await.unwrap().text().await.unwrap();
    assert_eq!(filtered.lines().count(), 1 + 2);
    let xlsx = c.get(t.url("/enterprises/export?format=xlsx")).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04"));
    let exports: i64 =
        t.db().scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export.enterprises'", vec![]).await.unwrap();
    assert_eq!(exports, 3);
    let template =
        c.get(t.url("/enterprises/import/template?format=xlsx")).send().await.unwrap().bytes().await.unwrap();
    assert!(template.starts_with(b"PK\x03\x04"));
    let template = c.get(t.url("/enterprises/import/template?format=csv")).send().await.unwrap().text().await.unwrap();
    assert!(template.contains("*统一社会信用代码"));
}

on_both_stores!(
    cloud_records_import_by_code,
    an_official_imports_fixes_and_reimports,
    xlsx_and_gb18030_files_import,
    exports_are_scoped_neutralised_and_audited
);
