//! Bulk import of enterprises from .xlsx or CSV (UTF-8 or GB18030), the same
//! engine for the web upload and `dengta import enterprises FILE`.
//!
//! The file is read on a blocking thread and parsed row by row; valid rows
//! travel through a bounded channel to batches of one transaction each, so
//! memory stays flat whatever the file size. Each row is an upsert by 统一社会
//! 信用代码; invalid rows are written to an error report (行号, 列, 原因) and
//! change nothing. Progress is stored on the job row after every batch.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use dengta_domain::codes::industries::IndustryList;
use dengta_domain::codes::regions::RegionList;
use dengta_domain::enterprise::profile::SrdiTier;
use dengta_domain::enterprise::{IndustryCode, Uscc};
use dengta_domain::region::RegionCode;
use dengta_tabular::{ColumnSpec, ErrorReport, Record, RowError, RowNumber, TemplateColumn, read_table};
use tokio::sync::mpsc;

use super::audit::{Outcome, record};
use super::cloud::{CloudForm, report_in};
use super::{Actor, App, AppError, AppResult};
use crate::db::enterprise_file as file;
use crate::db::enterprises::EnterpriseFields;
use crate::db::imports::{self, Progress};
use crate::db::{self, Arg, Tx};

/// The columns of an enterprise import, by the headers officials use.
pub const COLUMNS: &[ColumnSpec<'static>] = &[
    ColumnSpec::required("uscc", &["统一社会信用代码", "信用代码", "社会信用代码"]),
    ColumnSpec::required("name", &["企业名称", "名称", "单位名称"]),
    ColumnSpec::optional("region", &["行政区划代码", "区划代码"]),
    ColumnSpec::required("industry", &["行业代码", "国民经济行业代码"]),
    ColumnSpec::optional("address", &["注册地址", "地址"]),
    ColumnSpec::optional("legal_rep", &["法定代表人"]),
    ColumnSpec::optional("phone", &["联系电话", "电话"]),
    ColumnSpec::optional("above_scale", &["规上企业", "是否规上"]),
    ColumnSpec::optional("srdi", &["专精特新"]),
];

/// The downloadable template: headers and an example row.
pub const TEMPLATE: &[TemplateColumn<'static>] = &[
    TemplateColumn { header: "统一社会信用代码", example: "91320102MA1X2Y3B1X", required: true },
    TemplateColumn { header: "企业名称", example: "南京玄武精密机械有限公司", required: true },
    TemplateColumn { header: "行政区划代码", example: "320102", required: false },
    TemplateColumn { header: "行业代码", example: "C3484", required: true },
    TemplateColumn { header: "注册地址", example: "南京市玄武区中山路1号", required: false },
    TemplateColumn { header: "法定代表人", example: "张伟", required: false },
    TemplateColumn { header: "联系电话", example: "13912345678", required: false },
    TemplateColumn { header: "规上企业", example: "否", required: false },
    TemplateColumn { header: "专精特新", example: "无", required: false },
];

/// The columns of a cloud-record import.
pub const CLOUD_COLUMNS: &[ColumnSpec<'static>] = &[
    ColumnSpec::required("uscc", &["统一社会信用代码", "信用代码"]),
    ColumnSpec::required("provider_name", &["云服务商", "服务商"]),
    ColumnSpec::required("service", &["云服务", "云服务名称", "产品"]),
    ColumnSpec::required("layer", &["层级", "上云层级"]),
    ColumnSpec::required("category", &["类别", "上云类别"]),
    ColumnSpec::required("started_on", &["开始使用日期", "开通日期"]),
    ColumnSpec::optional("voucher", &["云券编号"]),
    ColumnSpec::optional("evidence", &["佐证材料", "证明材料"]),
];

pub const CLOUD_TEMPLATE: &[TemplateColumn<'static>] = &[
    TemplateColumn { header: "统一社会信用代码", example: "91320102MA1X2Y3B1X", required: true },
    TemplateColumn { header: "云服务商", example: "天翼云", required: true },
    TemplateColumn { header: "云服务", example: "云ERP", required: true },
    TemplateColumn { header: "层级", example: "业务应用", required: true },
    TemplateColumn { header: "类别", example: "管理上云", required: true },
    TemplateColumn { header: "开始使用日期", example: "2025-03-01", required: true },
    TemplateColumn { header: "云券编号", example: "", required: false },
    TemplateColumn { header: "佐证材料", example: "合同编号HT-2025-001", required: false },
];

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Enterprises,
    CloudRecords,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Enterprises => "enterprises",
            Kind::CloudRecords => "cloud",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "enterprises" => Some(Kind::Enterprises),
            "cloud" => Some(Kind::CloudRecords),
            _ => None,
        }
    }

    pub fn columns(self) -> &'static [ColumnSpec<'static>] {
        match self {
            Kind::Enterprises => COLUMNS,
            Kind::CloudRecords => CLOUD_COLUMNS,
        }
    }

    pub fn template(self) -> &'static [TemplateColumn<'static>] {
        match self {
            Kind::Enterprises => TEMPLATE,
            Kind::CloudRecords => CLOUD_TEMPLATE,
        }
    }
}

/// A cloud-record row: the enterprise's code and the report itself (checked
/// in full by the same use-case as a report made on the page).
pub fn parse_cloud_row(row: RowNumber, r: &Record<'_>) -> Result<(String, CloudForm), Vec<RowError>> {
    let uscc = Uscc::parse(r.get("uscc")).map_err(|e| vec![RowError::new(row, "统一社会信用代码", e.to_string())])?;
    let form = CloudForm {
        provider_name: r.get("provider_name").to_owned(),
        service: r.get("service").to_owned(),
        layer: r.get("layer").to_owned(),
        category: r.get("category").to_owned(),
        started_on: r.get("started_on").to_owned(),
        voucher: r.get("voucher").to_owned(),
        evidence: r.get("evidence").to_owned(),
    };
    Ok((uscc.as_str().to_owned(), form))
}

/// Rows per transaction: big enough that rows share the index pages a commit writes (with
/// 1,000 a batch into a 1M-row file wrote most of its index pages again), small enough that a
/// batch holds the write lock for a fraction of a second and its rows stay few in memory.
const BATCH: usize = 5000;

/// The one reason for a code that is not registered or not in the importer's scope.
const OUT_OF_SCOPE: &str = "该代码的企业未登记或不在您的管辖范围内";

/// A checked row. Optional cells left empty keep what the file already holds
/// (an import never wipes data by omission).
#[derive(Clone, Debug)]
pub struct RowFields {
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub address: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub above_scale: Option<bool>,
    pub srdi_tier: Option<String>,
}

impl RowFields {
    /// The record after this row: the row's values over the existing ones.
    pub fn merged(&self, old: Option<&EnterpriseFields>) -> EnterpriseFields {
        let keep = |new: &Option<String>, old: Option<&Option<String>>| new.clone().or_else(|| old.cloned().flatten());
        EnterpriseFields {
            uscc: self.uscc.clone(),
            uscc_legacy_reason: old.and_then(|o| o.uscc_legacy_reason.clone()),
            name: self.name.clone(),
            region_code: self.region_code.clone(),
            industry_code: self.industry_code.clone(),
            address: keep(&self.address, old.map(|o| &o.address)),
            legal_rep: keep(&self.legal_rep, old.map(|o| &o.legal_rep)),
            contact_phone: keep(&self.contact_phone, old.map(|o| &o.contact_phone)),
            above_scale: self.above_scale.or(old.map(|o| o.above_scale)).unwrap_or(false),
            srdi_tier: self
                .srdi_tier
                .clone()
                .or_else(|| old.map(|o| o.srdi_tier.clone()))
                .unwrap_or_else(|| SrdiTier::None.code().to_owned()),
        }
    }
}

/// One row checked against the rules, or its errors.
pub fn parse_row(row: RowNumber, r: &Record<'_>, scope: Option<&RegionCode>) -> Result<RowFields, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |column: &str, reason: String| errors.push(RowError::new(row, column, reason));
    let uscc = match Uscc::parse(r.get("uscc")) {
        Ok(u) => Some(u),
        Err(e) => {
            err("统一社会信用代码", e.to_string());
            None
        }
    };
    let name = r.get("name").trim();
    if name.is_empty() || name.chars().count() > 100 {
        err("企业名称", "企业名称不能为空，且不超过100个字".into());
    }
    let region_text = match r.get("region").trim() {
        "" => uscc.as_ref().map(|u| u.region_code().to_owned()).unwrap_or_default(),
        t => t.to_owned(),
    };
    let region = match RegionCode::parse(&region_text) {
        Ok(rc) if RegionList::embedded().contains(rc.as_str()) => Some(rc),
        Ok(rc) => {
            err("行政区划代码", format!("行政区划代码{}不在 GB/T 2260 代码表中", rc));
            None
        }
        Err(_) if uscc.is_none() && region_text.is_empty() => None,
        Err(e) => {
            err("行政区划代码", e.to_string());
            None
        }
    };
    if let (Some(rc), Some(scope)) = (&region, scope)
        && !scope.contains(rc)
    {
        err("行政区划代码", format!("行政区划{rc}不在您的管辖范围内"));
    }
    let industry = match IndustryCode::parse(r.get("industry")) {
        Ok(code) if IndustryList::embedded().get_code(&code).is_some() => Some(code),
        Ok(code) => {
            err("行业代码", format!("行业代码{}不在 GB/T 4754-2017 分类表中", code.as_str()));
            None
        }
        Err(e) => {
            err("行业代码", e.to_string());
            None
        }
    };
    let phone = r.get("phone").trim();
    if !phone.is_empty() && !dengta_domain::enterprise::profile::valid_phone(phone) {
        err("联系电话", format!("联系电话“{phone}”格式不正确"));
    }
    let above_scale = match r.get("above_scale").trim() {
        "" => None,
        "否" | "N" | "n" | "no" | "0" | "false" => Some(false),
        "是" | "Y" | "y" | "yes" | "1" | "true" => Some(true),
        other => {
            err("规上企业", format!("应填“是”或“否”，实际为“{other}”"));
            None
        }
    };
    let srdi = match r.get("srdi").trim() {
        "" => None,
        t => match SrdiTier::from_code(t) {
            Some(tier) => Some(tier.code().to_owned()),
            None => {
                err(
                    "专精特新",
                    format!("应为：无、创新型中小企业、专精特新中小企业、专精特新“小巨人”企业，实际为“{t}”"),
                );
                None
            }
        },
    };
    match (uscc, region, industry) {
        (Some(u), Some(rc), Some(ind)) if errors.is_empty() => Ok(RowFields {
            uscc: u.as_str().to_owned(),
            name: name.to_owned(),
            region_code: rc.to_string(),
            industry_code: ind.as_str().to_owned(),
            address: Some(r.get("address").trim()).filter(|s| !s.is_empty()).map(str::to_owned),
            legal_rep: Some(r.get("legal_rep").trim()).filter(|s| !s.is_empty()).map(str::to_owned),
            contact_phone: Some(phone).filter(|s| !s.is_empty()).map(str::to_owned),
            above_scale,
            srdi_tier: srdi,
        }),
        _ => {
            if errors.is_empty() {
                errors.push(RowError::new(row, "", "本行数据不完整"));
            }
            Err(errors)
        }
    }
}

enum Item {
    Row(RowNumber, Box<RowFields>),
    Cloud(RowNumber, Box<(String, CloudForm)>),
    Errors(Vec<RowError>),
}

/// What an import did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub job_id: i64,
    pub rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub error_report: Option<String>,
}

/// Starts a job row for a file (before the import runs, so the page can follow it).
pub async fn start_job(app: &App, actor: &Actor, kind: Kind, file_name: &str, path: &Path) -> AppResult<i64> {
    let p = path.to_path_buf();
    let sm3 =
        tokio::task::spawn_blocking(move || std::fs::File::open(&p).and_then(dengta_domain::audit::sm3_hex_reader))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
    let (uid, region) = match &actor.principal {
        Some(p) => (Some(p.user_id), p.region.to_string()),
        None => (None, dengta_domain::region::NATIONAL.to_owned()),
    };
    let mut conn = app.db.clone();
    Ok(imports::create(&mut conn, kind.code(), file_name, &sm3, uid, &actor.name, &region).await?)
}

/// Runs an import job to the end and records the outcome on the job and in
/// the audit trail.
pub async fn run(
    app: &App,
    actor: &Actor,
    kind: Kind,
    job_id: i64,
    path: PathBuf,
    progress: impl Fn(i64),
) -> AppResult<Summary> {
    let result = run_inner(app, actor, kind, job_id, path, &progress).await;
    let action = format!("import.{}", kind.code());
    let object = format!("import:{job_id}");
    // The job's end and its audit record commit together.
    let mut tx = app.db.begin().await?;
    match &result {
        Ok(s) => {
            imports::finish(&mut tx, job_id, "done", None, s.error_report.as_deref()).await?;
            let detail = format!(
                "rows={} inserted={} updated={} unchanged={} failed={}",
                s.rows, s.inserted, s.updated, s.unchanged, s.failed
            );
            record(&mut tx, actor, &action, &object, Outcome::Ok, &detail).await?;
        }
        Err(e) => {
            let message = match e {
                AppError::Invalid { detail, .. } => detail.clone(),
                other => other.to_string(),
            };
            imports::finish(&mut tx, job_id, "failed", Some(&message), None).await?;
            // How far it got: the batches committed before the failure, each with its own record.
            let done = imports::get(&mut tx, job_id).await?;
            let detail = match done {
                Some(j) => format!(
                    "committed before the failure: rows={} inserted={} updated={} unchanged={} failed={}; {message}",
                    j.rows_read, j.inserted, j.updated, j.unchanged, j.failed
                ),
                None => message.clone(),
            };
            record(&mut tx, actor, &action, &object, Outcome::Failed, &detail).await?;
        }
    }
    tx.commit().await?;
    result
}

/// The audit record a committed batch carries: its rows and the job's running totals.
async fn record_batch(
    tx: &mut Tx,
    actor: &Actor,
    kind: Kind,
    job_id: i64,
    batch_rows: usize,
    s: &Summary,
) -> AppResult<()> {
    let detail = format!(
        "batch rows={batch_rows}; so far rows={} inserted={} updated={} unchanged={} failed={}",
        s.rows, s.inserted, s.updated, s.unchanged, s.failed
    );
    let action = format!("import.{}.batch", kind.code());
    record(tx, actor, &action, &format!("import:{job_id}"), Outcome::Ok, &detail).await?;
    Ok(())
}

async fn run_inner(
    app: &App,
    actor: &Actor,
    kind: Kind,
    job_id: i64,
    path: PathBuf,
    progress: &impl Fn(i64),
) -> AppResult<Summary> {
    let scope = actor.principal.as_ref().map(|p| p.region.clone());
    let (tx_items, mut rx) = mpsc::channel::<Item>(4 * BATCH);
    let reader = tokio::task::spawn_blocking(move || {
        read_table(&path, kind.columns(), |row, rec| {
            let item = match kind {
                Kind::Enterprises => match parse_row(row, &rec, scope.as_ref()) {
                    Ok(f) => Item::Row(row, Box::new(f)),
                    Err(errors) => Item::Errors(errors),
                },
                Kind::CloudRecords => match parse_cloud_row(row, &rec) {
                    Ok(c) => Item::Cloud(row, Box::new(c)),
                    Err(errors) => Item::Errors(errors),
                },
            };
            match tx_items.blocking_send(item) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        })
    });

    let dir = Path::new(&app.settings.data_dir).join("imports");
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
    // Job ids restart with each database; the random part keeps reports of
    // several installations sharing a data directory apart.
    let report_path = dir.join(format!("{job_id}-{}-errors.csv", super::random_hex(6)?));
    let out =
        std::io::BufWriter::new(std::fs::File::create(&report_path).map_err(|e| AppError::Internal(e.to_string()))?);
    let mut report = ErrorReport::new(out).map_err(|e| AppError::Internal(e.to_string()))?;

    let mut s = Summary { job_id, ..Default::default() };
    let mut batch: Vec<(RowNumber, RowFields)> = Vec::with_capacity(BATCH);
    let mut clouds: Vec<(RowNumber, (String, CloudForm))> = Vec::new();
    while let Some(item) = rx.recv().await {
        s.rows += 1;
        match item {
            Item::Row(row, f) => batch.push((row, *f)),
            Item::Cloud(row, c) => clouds.push((row, *c)),
            Item::Errors(errors) => {
                s.failed += 1;
                for e in &errors {
                    report.push(e).map_err(|e| AppError::Internal(e.to_string()))?;
                }
            }
        }
        if batch.len() >= BATCH {
            write_batch(app, actor, job_id, &mut batch, &mut s, &mut report).await?;
            progress(s.rows);
        }
        if clouds.len() >= BATCH {
            write_clouds(app, actor, job_id, &mut clouds, &mut s, &mut report).await?;
            progress(s.rows);
        }
    }
    write_batch(app, actor, job_id, &mut batch, &mut s, &mut report).await?;
    write_clouds(app, actor, job_id, &mut clouds, &mut s, &mut report).await?;
    progress(s.rows);
    match reader.await.map_err(|e| AppError::Internal(e.to_string()))? {
        Ok(_) => {}
        Err(e) => return Err(AppError::invalid("error.import_file", e.to_string())),
    }
    report.finish().map_err(|e| AppError::Internal(e.to_string()))?;
    s.error_report = if s.failed > 0 {
        Some(report_path.display().to_string())
    } else {
        let _ = std::fs::remove_file(&report_path);
        None
    };
    Ok(s)
}

/// Writes one batch in one transaction: upserts by code, history rows, and the dashboard
/// facts of every enterprise it touched (their roll-ups in the same transaction).
async fn write_batch<W: std::io::Write + Send>(
    app: &App,
    actor: &Actor,
    job_id: i64,
    batch: &mut Vec<(RowNumber, RowFields)>,
    s: &mut Summary,
    report: &mut ErrorReport<W>,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let batch_rows = batch.len();
    let mut tx = app.db.begin().await?;
    let existing = existing_by_code(&mut tx, batch).await?;
    let mut known: HashMap<String, (i64, i64, EnterpriseFields)> = existing;
    let scope = actor.principal.as_ref().map(|p| p.region.clone());
    // New records are collected and written with multi-row statements at the end.
    let mut new_rows: Vec<EnterpriseFields> = Vec::new();
    let mut pending: HashMap<String, usize> = HashMap::new();
    for (row, r) in batch.drain(..) {
        if let Some(&i) = pending.get(&r.uscc) {
            // The same code twice in one batch: the later row updates the earlier one.
            let f = r.merged(Some(&new_rows[i]));
            if f == new_rows[i] {
                s.unchanged += 1;
            } else {
                new_rows[i] = f;
                s.updated += 1;
            }
            continue;
        }
        let old = known.get(&r.uscc).cloned();
        let f = r.merged(old.as_ref().map(|(_, _, o)| o));
        match old {
            None => {
                pending.insert(f.uscc.clone(), new_rows.len());
                new_rows.push(f);
                s.inserted += 1;
            }
            Some((_, _, old)) if old == f => s.unchanged += 1,
            Some((id, version, old)) => {
                let outside = scope
                    .as_ref()
                    .is_some_and(|sc| RegionCode::parse(&old.region_code).map(|r| !sc.contains(&r)).unwrap_or(true));
                if outside {
                    s.failed += 1;
                    report
                        .push(&RowError::new(row, "统一社会信用代码", "该代码的企业已登记在您的管辖范围以外"))
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                    continue;
                }
                if !db::enterprises::update_fields(&mut tx, id, version, &f).await? {
                    return Err(AppError::Conflict("error.stale"));
                }
                file::add_history(
                    &mut tx,
                    id,
                    &actor.name,
                    "import.update",
                    &serde_json::to_string(&old).unwrap_or_default(),
                    &serde_json::to_string(&f).unwrap_or_default(),
                )
                .await?;
                super::dashboard::refresh_enterprise(&mut tx, id).await?;
                known.insert(f.uscc.clone(), (id, version + 1, f));
                s.updated += 1;
            }
        }
    }
    if !new_rows.is_empty() {
        let ids: HashMap<String, i64> = db::enterprises::insert_many(&mut tx, &new_rows).await?.into_iter().collect();
        let history: Vec<(i64, &str, String, String)> = new_rows
            .iter()
            .filter_map(|f| {
                ids.get(&f.uscc)
                    .map(|id| (*id, "import.create", "{}".to_owned(), serde_json::to_string(f).unwrap_or_default()))
            })
            .collect();
        file::add_history_many(&mut tx, &actor.name, &history).await?;
        let new_ids: Vec<i64> = ids.values().copied().collect();
        super::dashboard::add_new_enterprises(&mut tx, &new_ids).await?;
    }
    let p = Progress {
        rows_read: s.rows,
        inserted: s.inserted,
        updated: s.updated,
        unchanged: s.unchanged,
        failed: s.failed,
    };
    imports::progress(&mut tx, job_id, &p).await?;
    record_batch(&mut tx, actor, Kind::Enterprises, job_id, batch_rows, s).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes a batch of cloud records in one transaction, each through the same
/// use-case as a report made on the page (scope, checks, history, audit).
async fn write_clouds<W: std::io::Write + Send>(
    app: &App,
    actor: &Actor,
    job_id: i64,
    batch: &mut Vec<(RowNumber, (String, CloudForm))>,
    s: &mut Summary,
    report: &mut ErrorReport<W>,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let batch_rows = batch.len();
    let mut tx = app.db.begin().await?;
    for (row, (uscc, form)) in batch.drain(..) {
        // Unknown and out of scope read the same: an import does not reveal what is registered elsewhere.
        let reason = match db::enterprises::by_uscc(&mut tx, &uscc).await? {
            None => Some(("统一社会信用代码", OUT_OF_SCOPE.to_owned())),
            Some(e) => match report_in(&mut tx, actor, e.id, &form).await {
                Ok(_) => None,
                Err(AppError::Invalid { key, detail }) => {
                    let text = dengta_i18n::t(dengta_i18n::Lang::ZhCn, key);
                    Some(("", if detail.is_empty() { text.to_owned() } else { format!("{text}：{detail}") }))
                }
                Err(AppError::NotFound | AppError::Forbidden) => Some(("统一社会信用代码", OUT_OF_SCOPE.to_owned())),
                Err(e) => return Err(e),
            },
        };
        match reason {
            None => s.inserted += 1,
            Some((column, reason)) => {
                s.failed += 1;
                report.push(&RowError::new(row, column, reason)).map_err(|e| AppError::Internal(e.to_string()))?;
            }
        }
    }
    let p = Progress {
        rows_read: s.rows,
        inserted: s.inserted,
        updated: s.updated,
        unchanged: s.unchanged,
        failed: s.failed,
    };
    imports::progress(&mut tx, job_id, &p).await?;
    record_batch(&mut tx, actor, Kind::CloudRecords, job_id, batch_rows, s).await?;
    tx.commit().await?;
    Ok(())
}

/// The records already on file for the codes of a batch: id, version, fields.
async fn existing_by_code(
    tx: &mut Tx,
    batch: &[(RowNumber, RowFields)],
) -> AppResult<HashMap<String, (i64, i64, EnterpriseFields)>> {
    let mut out = HashMap::new();
    for chunk in batch.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, uscc, name, region_code, industry_code, legal_rep, contact_phone, created_at, uscc_legacy_reason, \
             address, above_scale, srdi_tier, size_class, size_year, cloud_verified, serious_dishonesty, pi_collected_at, \
             version FROM enterprises WHERE uscc IN ({})",
            placeholders.join(", ")
        );
        let args: Vec<Arg> = chunk.iter().map(|(_, f)| Arg::from(f.uscc.clone())).collect();
        let rows: Vec<db::enterprises::EnterpriseRow> = tx.fetch_all(&sql, args).await?;
        for r in rows {
            out.insert(r.uscc.clone(), (r.id, r.version, r.fields()));
        }
    }
    Ok(out)
}

/// A person's latest import jobs, newest first.
pub async fn jobs_of(app: &App, user_id: i64, limit: i64) -> AppResult<Vec<imports::JobRow>> {
    Ok(imports::of_user(&mut app.db.clone(), user_id, limit).await?)
}

/// One import job by id (the caller checks who may see it).
pub async fn job(app: &App, id: i64) -> AppResult<Option<imports::JobRow>> {
    Ok(imports::get(&mut app.db.clone(), id).await?)
}
