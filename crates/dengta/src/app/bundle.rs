//! The acceptance bundle (一企一档): one ZIP archive with the project's documents, its material
//! checklist, the acceptance evaluation and every evidence file, plus a manifest naming each
//! entry with its SHA-256 and SM3, so a reviewer can verify that nothing was altered.

use std::io::Write;

use dengta_domain::role::{Principal, Role};
use serde_json::json;
use sha2::{Digest, Sha256};
use sm3::Sm3;
use zip::write::SimpleFileOptions;

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the archive in memory (evidence files are at most 50 MB each) and returns its file
/// name and bytes. Enterprise (its own project) and officers over the project only.
pub async fn bundle(app: &App, actor: &Actor, project_id: i64) -> AppResult<(String, Vec<u8>)> {
    let p: &Principal = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    let f = super::projects::file(app, p, project_id).await?;
    if !matches!(p.role, Role::Enterprise | Role::Officer) {
        return Err(AppError::Forbidden);
    }
    let acceptance = super::acceptance::of_project(app, p, &f.row).await?;
    let subsidies = super::subsidies::of_project(app, p, project_id).await?;
    let mut c = app.db.clone();
    let enterprise = crate::db::enterprises::get(&mut c, f.row.enterprise_id).await?.ok_or(AppError::NotFound)?;

    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let to_json = |v: serde_json::Value| serde_json::to_vec_pretty(&v).map_err(|e| AppError::Internal(e.to_string()));
    entries.push((
        "01-企业档案.json".into(),
        to_json(json!({
            "统一社会信用代码": enterprise.uscc, "名称": enterprise.name,
            "行政区划代码": enterprise.region_code, "行业代码": enterprise.industry_code,
        }))?,
    ));
    entries.push((
        "02-项目.json".into(),
        to_json(json!({
            "project": f.row, "state": f.state.label_zh(), "diagnosis": f.diagnosis, "plan": f.plan,
            "milestones": f.milestones, "history": f.steps,
        }))?,
    ));
    entries.push((
        "03-合同.json".into(),
        to_json(json!({ "contract": f.contract, "amount_in_words": f.amount_in_words() }))?,
    ));
    entries.push(("04-发票与付款.json".into(), to_json(json!(f.payments))?));
    entries.push((
        "05-验收.json".into(),
        to_json(json!({
            "acceptance": acceptance.row, "state": acceptance.state.map(|s| s.label_zh()),
            "checklist": acceptance.checklist, "evaluation": acceptance.evaluation, "history": acceptance.steps,
        }))?,
    ));
    entries.push(("06-奖补.json".into(), to_json(json!(subsidies))?));
    for e in &f.evidence {
        let path = super::files::path_of(app, &e.sha256);
        let bytes = tokio::fs::read(&path).await.map_err(|err| AppError::Internal(format!("{}: {err}", e.sha256)))?;
        if hex(&Sha256::digest(&bytes)) != e.sha256 {
            // A stored file no longer matching its hash must never be shipped as evidence.
            return Err(AppError::Internal(format!("evidence {} altered on disk", e.sha256)));
        }
        let safe: String = e.file_name.chars().map(|c| if "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
        entries.push((format!("佐证材料/{}-{}-{safe}", e.id, e.kind), bytes));
    }

    let mut manifest = String::from("# 一企一档 验收材料清单：每行为 SHA-256、SM3、字节数、文件名\n");
    for (name, bytes) in &entries {
        manifest.push_str(&format!(
            "{}  {}  {}  {name}\n",
            hex(&Sha256::digest(bytes)),
            hex(&Sm3::digest(bytes)),
            bytes.len()
        ));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let err = |e: zip::result::ZipError| AppError::Internal(e.to_string());
        zip.start_file("manifest.txt", opts).map_err(err)?;
        zip.write_all(manifest.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
        for (name, bytes) in &entries {
            zip.start_file(name.as_str(), opts).map_err(err)?;
            zip.write_all(bytes).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        zip.finish().map_err(err)?;
    }
    let mut tx = app.db.begin().await?;
    record(
        &mut tx,
        actor,
        "acceptance.bundle",
        &format!("project:{project_id}"),
        Outcome::Ok,
        &format!("{} files", entries.len()),
    )
    .await?;
    tx.commit().await?;
    Ok((format!("project-{project_id}-bundle.zip"), out.into_inner()))
}
