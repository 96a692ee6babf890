//! Export of the filtered enterprise list to .xlsx or CSV. Rows are read in
//! keyset pages and written by a blocking writer fed through a channel, so
//! memory stays flat; cells that look like formulas are neutralised by the
//! writer; personal data stays masked as in the list; the export is audited.

use std::path::Path;

use dengta_domain::role::Principal;
use dengta_tabular::{Cell, Format, TableWriter};
use tokio::sync::mpsc;

use super::audit::{Outcome, record};
use super::directory::{EnterpriseFilters, EnterpriseView, list_enterprises};
use super::{Actor, App, AppError, AppResult};

const HEADERS: [&str; 8] =
    ["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "法定代表人", "联系电话", "企业编号", "个人信息"];
const PAGE: i64 = 1000;

fn row_cells(e: &EnterpriseView) -> Vec<String> {
    vec![
        e.uscc.clone(),
        e.name.clone(),
        e.region_code.clone(),
        e.industry_code.clone(),
        e.legal_rep.clone().unwrap_or_default(),
        e.contact_phone.clone().unwrap_or_default(),
        e.id.to_string(),
        "已脱敏".to_owned(),
    ]
}

/// Writes the export to a temporary file and returns it.
pub async fn enterprises(
    app: &App,
    actor: &Actor,
    filters: &EnterpriseFilters,
    format: Format,
) -> AppResult<tempfile::TempPath> {
    let p: &Principal = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let dir = Path::new(&app.settings.data_dir).join("exports");
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let tmp = tempfile::Builder::new()
        .prefix("export-")
        .tempfile_in(&dir)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_temp_path();
    let out = std::fs::File::create(&tmp).map_err(|e| AppError::Internal(e.to_string()))?;
    let (tx, mut rx) = mpsc::channel::<Vec<String>>(2 * PAGE as usize);
    let writer = tokio::task::spawn_blocking(move || -> Result<u64, dengta_tabular::TabularError> {
        let mut w = TableWriter::new(format, std::io::BufWriter::new(out))?;
        w.write_header(&HEADERS)?;
        let mut n = 0;
        while let Some(row) = rx.blocking_recv() {
            let cells: Vec<Cell<'_>> = row.iter().map(|s| Cell::Text(s)).collect();
            w.write_row(&cells)?;
            n += 1;
        }
        w.finish()?;
        Ok(n)
    });
    let mut after = 0;
    loop {
        let rows = list_enterprises(app, p, filters, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let full = rows.len() as i64 == PAGE;
        for e in &rows {
            if tx.send(row_cells(e)).await.is_err() {
                break;
            }
        }
        if !full {
            break;
        }
    }
    drop(tx);
    let n =
        writer.await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(|e| AppError::Internal(e.to_string()))?;
    let detail = format!(
        "rows={n} format={} filters={}",
        format.extension(),
        serde_json::to_string(filters).unwrap_or_default()
    );
    let mut t = app.db.begin().await?;
    record(&mut t, actor, "export.enterprises", "enterprises", Outcome::Ok, &detail).await?;
    t.commit().await?;
    Ok(tmp)
}
