//! Data products for data exchanges (数据交易所): the catalogue (public), an enterprise's consent
//! for its data to be counted (given and withdrawn by the enterprise itself, audited, history
//! kept), and an officer's export over the region: one ZIP with the data as CSV and JSON and a
//! manifest naming the product, its licence, the cells left out and each file's SHA-256 and SM3.

use std::io::Write;
use std::sync::LazyLock;

use dengta_domain::data_product::{Catalogue, DataProduct, LevelFact, digital_levels};
use dengta_domain::policy::{self, Action};
use dengta_domain::programme::date::Date;
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sm3::Sm3;

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult, check};
use crate::db::{self, data_products as store};

static CATALOGUE: LazyLock<Result<Catalogue, String>> =
    LazyLock::new(|| Catalogue::builtin().map_err(|e| e.to_string()));

/// The products Dengta offers.
pub fn catalogue() -> AppResult<&'static Catalogue> {
    CATALOGUE.as_ref().map_err(|e| AppError::Internal(format!("data products: {e}")))
}

/// The consent scopes the catalogue names, each once.
fn scopes() -> AppResult<Vec<&'static str>> {
    let mut s: Vec<&str> = catalogue()?.products.iter().map(|p| p.consent_scope.as_str()).collect();
    s.sort_unstable();
    s.dedup();
    Ok(s)
}

/// An enterprise's consent for one scope now.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Consent {
    pub enterprise_id: i64,
    pub scope: String,
    pub given: bool,
    /// Who gave or withdrew it last, and when (ms); none if never asked.
    pub by: Option<String>,
    pub at: Option<i64>,
}

impl Consent {
    /// From the latest row (given, by, at), if any.
    fn of(enterprise_id: i64, scope: &str, latest: Option<(bool, String, i64)>) -> Consent {
        let (given, by, at) = match latest {
            Some((given, by, at)) => (given, Some(by), Some(at)),
            None => (false, None, None),
        };
        Consent { enterprise_id, scope: scope.to_owned(), given, by, at }
    }
}

async fn enterprise_in_reach(c: &mut impl db::Conn, p: &Principal, id: i64, action: Action) -> AppResult<()> {
    let e = db::enterprises::get(c, id).await?.ok_or(AppError::NotFound)?;
    let region = RegionCode::parse(&e.region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    check(policy::enterprise(p, action, id, &region))
}

/// The enterprise's consents, one per scope: its own user and officers over it.
pub async fn consents(app: &App, p: &Principal, enterprise_id: i64) -> AppResult<Vec<Consent>> {
    let mut c = app.db.clone();
    enterprise_in_reach(&mut c, p, enterprise_id, Action::Read).await?;
    let mut out = Vec::new();
    for scope in scopes()? {
        out.push(Consent::of(enterprise_id, scope, store::consent(&mut c, enterprise_id, scope).await?));
    }
    Ok(out)
}

/// Gives or withdraws consent: the enterprise's own user only (an officer cannot consent for it).
/// Asking for the state it is already in changes nothing and records nothing.
pub async fn set_consent(app: &App, actor: &Actor, enterprise_id: i64, scope: &str, give: bool) -> AppResult<Consent> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let scope = scopes()?
        .into_iter()
        .find(|s| *s == scope.trim())
        .ok_or_else(|| AppError::invalid("error.consent_scope", scope))?;
    let mut tx = app.db.begin().await?;
    enterprise_in_reach(&mut tx, p, enterprise_id, Action::Read).await?;
    if p.role != Role::Enterprise {
        return Err(AppError::Forbidden);
    }
    // The enterprise row is the lock: two changes of one enterprise's consent take turns.
    crate::db::enterprises::lock(&mut tx, enterprise_id).await?;
    let now = store::consent(&mut tx, enterprise_id, scope).await?;
    if now.as_ref().map(|n| n.0) != Some(give) {
        store::record_consent(&mut tx, enterprise_id, scope, give, &actor.name).await?;
        let action = if give { "data_consent.give" } else { "data_consent.withdraw" };
        record(&mut tx, actor, action, &format!("enterprise:{enterprise_id}"), Outcome::Ok, scope).await?;
    }
    let now = store::consent(&mut tx, enterprise_id, scope).await?;
    tx.commit().await?;
    Ok(Consent::of(enterprise_id, scope, now))
}

/// An export: the archive's file name and bytes.
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
    pub suppressed: usize,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The product's rows over the officer's region, built from consenting enterprises only.
async fn level_cells(
    app: &App,
    product: &DataProduct,
    region: &RegionCode,
) -> AppResult<(Vec<serde_json::Value>, usize)> {
    let (lo, hi) = region.subtree_bounds();
    let rows = store::consenting_levels(&mut app.read().await?, &product.consent_scope, &lo, &hi).await?;
    let facts: Vec<LevelFact> = rows
        .into_iter()
        .filter_map(|(enterprise_id, region_code, industry, at, level, total)| {
            let d = Date::from_unix_ms_beijing(at);
            Some(LevelFact {
                enterprise_id,
                month: format!("{:04}-{:02}", d.year(), d.month()),
                city: format!("{}00", region_code.get(..4)?),
                division: industry.get(..3)?.to_owned(),
                submitted_at: at,
                level: u8::try_from(level).ok()?,
                total_thousandths: total,
            })
        })
        .collect();
    let (cells, suppressed) = digital_levels(&facts, product.min_cell);
    let rows = cells.iter().map(|c| serde_json::to_value(c).unwrap_or_default()).collect();
    Ok((rows, suppressed))
}

/// Builds the product over the officer's region and packs it; audited.
pub async fn export(app: &App, actor: &Actor, product_id: &str) -> AppResult<Export> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    if product_id.trim().is_empty() {
        return Err(AppError::invalid("error.bad_request", "product"));
    }
    let product = catalogue()?.get(product_id.trim()).ok_or(AppError::NotFound)?;
    let (rows, suppressed) = match product.source.as_str() {
        "assessment_levels" => level_cells(app, product, &p.region).await?,
        other => return Err(AppError::Internal(format!("data product source {other}"))),
    };
    let generated_at = db::now_ms();
    // CSV in the catalogue's field order, with a BOM so that Excel reads the UTF-8.
    let mut csv = String::from("\u{feff}");
    csv.push_str(&product.fields.iter().map(|f| f.id.as_str()).collect::<Vec<_>>().join(","));
    csv.push_str("\r\n");
    for r in &rows {
        let line: Vec<String> = product
            .fields
            .iter()
            .map(|f| match &r[&f.id] {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            })
            .collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    let json = serde_json::to_vec_pretty(&rows).map_err(|e| AppError::Internal(e.to_string()))?;
    let data: [(&str, &[u8]); 2] = [("data.csv", csv.as_bytes()), ("data.json", &json)];
    let files: Vec<serde_json::Value> = data
        .iter()
        .map(|(name, bytes)| {
            serde_json::json!({
                "name": name, "bytes": bytes.len(),
                "sha256": hex(&Sha256::digest(bytes)), "sm3": hex(&Sm3::digest(bytes)),
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "product": product.id, "version": product.version, "name": product.name, "name_en": product.name_en,
        "description": product.description, "licence": product.licence, "rhythm": product.rhythm,
        "grain": product.grain, "fields": product.fields, "min_cell": product.min_cell,
        "consent_scope": product.consent_scope, "region_code": p.region.as_str(),
        "generated_at": generated_at, "generated_by": actor.name,
        "rows": rows.len(), "suppressed_cells": suppressed, "files": files,
    });
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let io = |e: std::io::Error| AppError::Internal(e.to_string());
    for (name, bytes) in [("manifest.json", &manifest[..]), data[0], data[1]] {
        zip.start_file(name, opts).map_err(|e| AppError::Internal(e.to_string()))?;
        zip.write_all(bytes).map_err(io)?;
    }
    let bytes = zip.finish().map_err(|e| AppError::Internal(e.to_string()))?.into_inner();
    let detail = format!("{} v{} {} rows, {suppressed} cells left out", product.id, product.version, rows.len());
    let mut tx = app.db.begin().await?;
    record(&mut tx, actor, "data_product.export", &format!("data_product:{}", product.id), Outcome::Ok, &detail)
        .await?;
    tx.commit().await?;
    Ok(Export {
        file_name: format!("{}-v{}-{}.zip", product.id, product.version, p.region.as_str()),
        bytes,
        rows: rows.len(),
        suppressed,
    })
}
