//! The acceptance bundle (一企一档): one ZIP archive with the project's documents, its material
//! checklist, the acceptance evaluation and every evidence file, plus a manifest naming each
//! entry with its SHA-256 and SM3, so a reviewer can verify that nothing was altered.
//!
//! The archive is streamed while it is written: evidence is hashed in a first pass (the
//! manifest comes first in the archive), then copied from disk into the ZIP writer, whose output
//! flows through a small pipe to the response. Memory stays bounded whatever the evidence size.

use std::io::{Read, Write};
use std::path::PathBuf;

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

/// Bytes buffered between the ZIP writer and the response.
const PIPE_BYTES: usize = 256 * 1024;

/// One archive entry: small documents held in memory, evidence read from disk.
enum Source {
    Bytes(Vec<u8>),
    File { path: PathBuf, sha256: String },
}

/// SHA-256, SM3 and size of a file, read in chunks.
fn hash_file(path: &std::path::Path) -> std::io::Result<(String, String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let (mut sha, mut sm, mut n) = (Sha256::new(), Sm3::new(), 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        sha.update(&buf[..k]);
        sm.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&sha.finalize()), hex(&sm.finalize()), n))
}

/// Writes into the pipe to the response from the blocking thread that runs the ZIP writer.
struct PipeWriter {
    pipe: tokio::io::DuplexStream,
    rt: tokio::runtime::Handle,
}

impl Write for PipeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use tokio::io::AsyncWriteExt;
        self.rt.block_on(self.pipe.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        self.rt.block_on(self.pipe.flush())
    }
}

/// Writes the archive: manifest, documents, evidence (re-hashed while copied: content that
/// changed since the first pass stops the archive, which then fails to open, rather than ship).
fn write_zip(out: PipeWriter, manifest: &str, entries: &[(String, Source)]) -> Result<(), String> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let err = |e: zip::result::ZipError| e.to_string();
    zip.start_file("manifest.txt", opts).map_err(err)?;
    zip.write_all(manifest.as_bytes()).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 64 * 1024];
    for (name, source) in entries {
        zip.start_file(name.as_str(), opts).map_err(err)?;
        match source {
            Source::Bytes(b) => zip.write_all(b).map_err(|e| e.to_string())?,
            Source::File { path, sha256 } => {
                let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let mut sha = Sha256::new();
                loop {
                    let k = f.read(&mut buf).map_err(|e| e.to_string())?;
                    if k == 0 {
                        break;
                    }
                    sha.update(&buf[..k]);
                    zip.write_all(&buf[..k]).map_err(|e| e.to_string())?;
                }
                if hex(&sha.finalize()) != *sha256 {
                    return Err(format!("evidence {sha256} changed while the bundle was written"));
                }
            }
        }
    }
    zip.finish().map_err(err)?;
    Ok(())
}

/// Checks access, hashes the evidence, audits the download and returns the archive's file name
/// and a stream of its bytes, written as they are read. Enterprise (its own project) and
/// officers over the project only.
pub async fn bundle(app: &App, actor: &Actor, project_id: i64) -> AppResult<(String, tokio::io::DuplexStream)> {
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
    let mut files: Vec<(String, Source)> = Vec::new();
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
    // Outcomes on the seven axes (成效佐证): their evidence files are among the evidence below.
    let outcomes = super::outcomes::of_project(app, p, &f.row).await?;
    entries.push(("07-改造成效.json".into(), to_json(json!({ "lines": outcomes.lines, "window": outcomes.window }))?));
    // Connected devices (设备上云): the KPIs the contract's criteria read and the daily sums behind them.
    let criteria = f.contract.as_ref().map(|k| k.criteria.clone()).unwrap_or_default();
    let devices = super::equipment::bundle_json(&mut c, project_id, &criteria).await?;
    entries.push(("08-设备数据.json".into(), to_json(devices)?));
    let mut manifest = String::from("# 一企一档 验收材料清单：每行为 SHA-256、SM3、字节数、文件名\n");
    for (name, bytes) in &entries {
        manifest.push_str(&format!(
            "{}  {}  {}  {name}\n",
            hex(&Sha256::digest(bytes)),
            hex(&Sm3::digest(bytes)),
            bytes.len()
        ));
    }
    for e in &f.evidence {
        let path = super::files::path_of(app, &e.sha256);
        let p = path.clone();
        let (sha256, sm3, size) = tokio::task::spawn_blocking(move || hash_file(&p))
            .await
            .map_err(|err| AppError::Internal(err.to_string()))?
            .map_err(|err| AppError::Internal(format!("{}: {err}", e.sha256)))?;
        if sha256 != e.sha256 {
            // A stored file no longer matching its hash must never be shipped as evidence.
            return Err(AppError::Internal(format!("evidence {} altered on disk", e.sha256)));
        }
        let safe: String = e.file_name.chars().map(|c| if "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
        let name = format!("佐证材料/{}-{}-{safe}", e.id, e.kind);
        manifest.push_str(&format!("{sha256}  {sm3}  {size}  {name}\n"));
        files.push((name, Source::File { path, sha256 }));
    }
    let count = entries.len() + files.len();
    let mut all: Vec<(String, Source)> = entries.into_iter().map(|(n, b)| (n, Source::Bytes(b))).collect();
    all.extend(files);
    // Audited before the first byte leaves, in its own transaction.
    let mut tx = app.db.begin().await?;
    record(
        &mut tx,
        actor,
        "acceptance.bundle",
        &format!("project:{project_id}"),
        Outcome::Ok,
        &format!("{count} files"),
    )
    .await?;
    tx.commit().await?;
    let (write_half, read_half) = tokio::io::duplex(PIPE_BYTES);
    let out = PipeWriter { pipe: write_half, rt: tokio::runtime::Handle::current() };
    tokio::task::spawn_blocking(move || {
        if let Err(e) = write_zip(out, &manifest, &all) {
            // The client sees a truncated archive (it will not open); the cause is logged.
            tracing::error!(project_id, error = %e, "writing the acceptance bundle failed");
        }
    });
    Ok((format!("project-{project_id}-bundle.zip"), read_half))
}
