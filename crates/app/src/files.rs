//! Evidence files: streamed to disk under a size limit, their type told by their content (never
//! by the name they came with), hashed with SHA-256 and SM3, and stored once per content under
//! `data_dir/files/` at a path derived from the SHA-256.

use std::path::PathBuf;

use axum::extract::multipart::Field;
use sha2::{Digest, Sha256};

use super::{App, AppError, AppResult};
use crate::db::{Conn, now_ms};

/// The largest evidence file accepted.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// A stored file: its hashes, size and detected type.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct StoredFile {
    pub sha256: String,
    pub sm3: String,
    pub size: i64,
    pub media_type: &'static str,
    pub name: String,
}

/// The evidence types accepted, by their leading bytes. Office files and OFD are ZIP containers.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    const TYPES: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"PK\x03\x04", "application/zip"),
    ];
    TYPES.iter().find(|(magic, _)| head.starts_with(magic)).map(|(_, t)| *t)
}

/// The type a file name claims.
pub fn claimed(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match ext.as_str() {
        "pdf" => Some("application/pdf"),
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "zip" | "docx" | "xlsx" | "pptx" | "ofd" => Some("application/zip"),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io(e: std::io::Error) -> AppError {
    // A full disk is the operator's to fix, but the user is told plainly that nothing was kept.
    if e.kind() == std::io::ErrorKind::StorageFull {
        return AppError::invalid("error.storage_full", "");
    }
    AppError::Internal(e.to_string())
}

/// Where a content lives.
pub fn path_of(app: &App, sha256: &str) -> PathBuf {
    let (a, b) = sha256.split_at(2.min(sha256.len()));
    PathBuf::from(&app.settings.data_dir).join("files").join(a).join(b)
}

/// How much evidence one project may carry (`data/rules/evidence-limits.toml`).
pub fn limits() -> AppResult<&'static dengta_domain::limits::EvidenceLimits> {
    static LIMITS: std::sync::LazyLock<Result<dengta_domain::limits::EvidenceLimits, String>> =
        std::sync::LazyLock::new(|| dengta_domain::limits::EvidenceLimits::builtin().map_err(|e| e.to_string()));
    LIMITS.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

/// A file received and checked but not yet stored: it lives in a temporary file that is
/// removed when this is dropped, so a refused upload leaves nothing behind.
pub struct Received {
    pub file: StoredFile,
    tmp: tempfile::TempPath,
}

impl Received {
    /// Moves the content to its place (once per content) and records it, in `c` (the caller's
    /// transaction).
    pub async fn store(&self, app: &App, c: &mut impl Conn) -> AppResult<()> {
        let dest = path_of(app, &self.file.sha256);
        if tokio::fs::metadata(&dest).await.is_err() {
            if let Some(parent) = dest.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(io)?;
            }
            // Same directory tree, so a rename: the content appears whole or not at all.
            tokio::fs::rename(&*self.tmp, &dest).await.map_err(io)?;
        }
        c.execute(
            "INSERT INTO files (sha256, sm3, size, media_type, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            dengta_db::args![&self.file.sha256, &self.file.sm3, self.file.size, self.file.media_type, now_ms()],
        )
        .await?;
        Ok(())
    }
}

/// Receives one multipart field and stores it at once (see [`receive_pending`]).
pub async fn receive(app: &App, field: &mut Field<'_>) -> AppResult<StoredFile> {
    let r = receive_pending(app, field).await?;
    r.store(app, &mut app.db.clone()).await?;
    Ok(r.file)
}

/// Receives one multipart field: refuses an empty file, one over the limit, a type that is
/// not accepted or differs from what its name claims; otherwise hands it back unstored.
pub async fn receive_pending(app: &App, field: &mut Field<'_>) -> AppResult<Received> {
    let mut r = Receiver::new(app, field.file_name().unwrap_or("upload")).await?;
    while let Some(chunk) = field.chunk().await.map_err(|e| AppError::invalid("error.bad_request", e.to_string()))? {
        r.push(&chunk).await?;
    }
    r.finish().await
}

/// Receives a whole content held in memory under the same checks as an upload (files the
/// platform itself produces, such as the demo's documents).
pub async fn receive_bytes(app: &App, name: &str, bytes: &[u8]) -> AppResult<Received> {
    let mut r = Receiver::new(app, name).await?;
    r.push(bytes).await?;
    r.finish().await
}

/// A content arriving in chunks: written to a temporary file and hashed as it comes.
struct Receiver {
    name: String,
    tmp: tempfile::TempPath,
    out: tokio::fs::File,
    sha: Sha256,
    sm: sm3::Sm3,
    head: Vec<u8>,
    size: usize,
}

impl Receiver {
    async fn new(app: &App, name: &str) -> AppResult<Receiver> {
        let name: String = name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(200).collect();
        let dir = PathBuf::from(&app.settings.data_dir).join("files");
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let tmp = tempfile::Builder::new().prefix("upload-").tempfile_in(&dir).map_err(io)?.into_temp_path();
        let out = tokio::fs::File::create(&tmp).await.map_err(io)?;
        Ok(Receiver { name, tmp, out, sha: Sha256::new(), sm: sm3::Sm3::new(), head: Vec::with_capacity(16), size: 0 })
    }

    async fn push(&mut self, chunk: &[u8]) -> AppResult<()> {
        self.size += chunk.len();
        if self.size > MAX_FILE_BYTES {
            return Err(AppError::invalid("error.file_too_large", format!("{} MB", MAX_FILE_BYTES / 1024 / 1024)));
        }
        if self.head.len() < 16 {
            let room = 16 - self.head.len();
            self.head.extend(chunk.iter().take(room));
        }
        self.sha.update(chunk);
        self.sm.update(chunk);
        tokio::io::AsyncWriteExt::write_all(&mut self.out, chunk).await.map_err(io)
    }

    async fn finish(mut self) -> AppResult<Received> {
        tokio::io::AsyncWriteExt::flush(&mut self.out).await.map_err(io)?;
        let Receiver { name, tmp, out, sha, sm, head, size } = self;
        drop(out);
        if size == 0 {
            return Err(AppError::invalid("error.file_empty", name));
        }
        let Some(media_type) = sniff(&head) else {
            return Err(AppError::invalid("error.file_type", name));
        };
        if claimed(&name) != Some(media_type) {
            return Err(AppError::invalid("error.file_type_mismatch", format!("{name} → {media_type}")));
        }
        let sha256 = hex(&sha.finalize());
        let sm3 = hex(&sm.finalize());
        Ok(Received { file: StoredFile { sha256, sm3, size: size as i64, media_type, name }, tmp })
    }
}
