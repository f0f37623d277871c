//! Evidence and document files: checked by content (magic bytes), at most 10 MB, kept
//! outside the database behind a storage trait: a directory by default, or an
//! S3-compatible object store (`files_url`) that several processes share.

mod object;

use domain::ids::FileId;
use std::path::PathBuf;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use store::now;

pub use object::ObjectFiles;

use crate::{App, AppError, AppResult};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Where file bytes live: a directory (`DirStore`) or an object store (`ObjectFiles`).
#[async_trait]
pub trait FileStore: Send + Sync {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()>;
    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>>;
    /// Stores a file from disk without reading it into memory.
    async fn put_file(&self, key: &str, path: &std::path::Path) -> anyhow::Result<()>;
    /// The file to read as a stream (an object store would download it to a temporary file).
    async fn open(&self, key: &str) -> anyhow::Result<std::fs::File>;
    /// Removes the bytes (gone already is fine).
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
}

pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        // Keys are generated here (hex), never taken from users; refuse anything else.
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'/') || key.contains("//") {
            anyhow::bail!("invalid storage key");
        }
        Ok(self.root.join(key))
    }
}

#[async_trait]
impl FileStore for DirStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("part");
        let written = tokio::fs::write(&tmp, bytes).await;
        finish_part(written, &tmp, &path).await
    }

    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        Ok(tokio::fs::read(self.path(key)?).await?)
    }

    async fn put_file(&self, key: &str, from: &std::path::Path) -> anyhow::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("part");
        let written = tokio::fs::copy(from, &tmp).await.map(|_| ());
        finish_part(written, &tmp, &path).await
    }

    async fn open(&self, key: &str) -> anyhow::Result<std::fs::File> {
        Ok(std::fs::File::open(self.path(key)?)?)
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Moves a fully written `.part` file into place, or removes what a failed write (a full
/// disk) left of it, so that no half-written file remains under any name.
async fn finish_part(
    written: std::io::Result<()>,
    tmp: &std::path::Path,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let moved = match written {
        Ok(()) => tokio::fs::rename(tmp, path).await,
        Err(e) => Err(e),
    };
    if let Err(e) = moved {
        let _ = tokio::fs::remove_file(tmp).await;
        return Err(e.into());
    }
    Ok(())
}

/// What kinds of file a place accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// jpg, png, gif, pdf (evidence).
    Evidence,
    /// pdf only (withdrawal documents, feedback, conversion methods).
    Pdf,
    /// jpg, png, gif (avatars).
    Image,
}

/// The real type of a file from its first bytes, whatever its name says.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file whose bytes were checked and put in the file store, waiting for its row to be
/// written in the transaction of the change it belongs to. (Bytes without a row are
/// invisible and harmless; a row without bytes would not be, so bytes go first.)
#[derive(Debug, Clone)]
pub struct Upload {
    key: String,
    sha: String,
    size: i64,
    mime: &'static str,
    original: String,
}

/// Checks size and content and stores the bytes.
pub async fn check_and_put(
    app: &App,
    field: &'static str,
    name: &str,
    bytes: &[u8],
    accept: Accept,
) -> AppResult<Upload> {
    if bytes.is_empty() {
        return Err(AppError::field(field, "请选择要上传的文件"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(AppError::field(
            field,
            format!("文件“{}”超过10MB，请压缩后再上传", clean_name(name)),
        ));
    }
    let mime = sniff(bytes);
    let ok = match accept {
        Accept::Evidence => mime.is_some(),
        Accept::Pdf => mime == Some("application/pdf"),
        Accept::Image => mime.is_some_and(|m| m.starts_with("image/")),
    };
    let Some(mime) = mime.filter(|_| ok) else {
        let allowed = match accept {
            Accept::Pdf => "PDF",
            Accept::Image => "jpg、png、gif图片",
            Accept::Evidence => "jpg、png、gif、pdf",
        };
        return Err(AppError::field(
            field,
            format!("文件“{}”的内容不是{allowed}格式，请重新选择", clean_name(name)),
        ));
    };
    put(app, field, name, Raw::Bytes(bytes), mime).await
}

/// Puts bytes (checked by the caller) in the file store under a new key, to be recorded
/// with the change they belong to. A full disk is a clear error on the form's field (what
/// was typed stays), with nothing left behind.
pub async fn put(app: &App, field: &'static str, name: &str, raw: Raw<'_>, mime: &'static str) -> AppResult<Upload> {
    let (sha, size) = match raw {
        Raw::Bytes(b) => (hex::encode(Sha256::digest(b)), b.len() as i64),
        Raw::Path(p) => {
            let io = |e: std::io::Error| AppError::Internal(e.into());
            let mut f = std::fs::File::open(p).map_err(io)?;
            let mut h = Sha256::new();
            let size = std::io::copy(&mut f, &mut h).map_err(io)?;
            (hex::encode(h.finalize()), size as i64)
        }
    };
    let random: [u8; 8] = rand::random();
    let key = format!("{}/{}{}", &sha[..2], sha, hex::encode(random));
    let put = match raw {
        Raw::Bytes(b) => app.files.put(&key, b).await,
        Raw::Path(p) => app.files.put_file(&key, p).await,
    };
    put.map_err(|e| storage_error(field, name, e))?;
    Ok(Upload {
        key,
        sha,
        size,
        mime,
        original: clean_name(name),
    })
}

fn storage_error(field: &'static str, name: &str, e: anyhow::Error) -> AppError {
    let full = e.downcast_ref::<std::io::Error>().is_some_and(|io| {
        matches!(
            io.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        )
    });
    if full {
        tracing::error!(error = %e, "file store full");
        AppError::field(
            field,
            format!(
                "服务器存储空间不足，文件“{}”未能保存，请稍后再试或联系学分银行管理员",
                clean_name(name)
            ),
        )
    } else {
        AppError::Internal(e)
    }
}

/// Writes the row of a checked upload, in the caller's transaction. Returns its id.
/// `by` is the uploader's account id, of the table `role` names.
pub async fn record<'c>(e: impl store::Exec<'c>, up: &Upload, role: &str, by: impl Into<i64>) -> AppResult<FileId> {
    let by: i64 = by.into();
    Ok(store::files::insert(
        e,
        &store::files::NewFile {
            storage_key: &up.key,
            sha256: &up.sha,
            size: up.size,
            mime: up.mime,
            original_name: &up.original,
            role,
            by,
            now: now(),
        },
    )
    .await?)
}

/// Records an optional upload in the caller's transaction, as the institution user
/// `by`. Returns the file's id.
pub async fn record_opt(
    tx: &mut store::Tx,
    up: Option<&Upload>,
    role: &str,
    by: impl Into<i64>,
) -> AppResult<Option<FileId>> {
    match up {
        Some(up) => Ok(Some(record(&mut **tx, up, role, by).await?)),
        None => Ok(None),
    }
}

/// Checks, stores and records a file on its own (documents that are their own change,
/// such as a generated certificate). Returns its id.
pub async fn save(
    app: &App,
    field: &'static str,
    name: &str,
    bytes: &[u8],
    accept: Accept,
    role: &str,
    by: impl Into<i64>,
) -> AppResult<FileId> {
    let up = check_and_put(app, field, name, bytes, accept).await?;
    record(&app.db.pool, &up, role, by).await
}

/// A spreadsheet to store: bytes from an upload, or a file on disk (the command line).
#[derive(Clone, Copy)]
pub enum Raw<'a> {
    Bytes(&'a [u8]),
    Path(&'a std::path::Path),
}

/// A file name safe to show and to put in a header: no path, no control or quote
/// characters, at most 100 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ';'))
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "文件".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\x00 this is an exe"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(clean_name("../../etc/pa\"ss<wd>.pdf"), "passwd.pdf");
    }

    /// A write that ran out of space (here: to /dev/full, as the kernel answers it) leaves
    /// no `.part` file and becomes the field's error, not an internal one.
    #[tokio::test]
    #[allow(clippy::unwrap_used)]
    async fn a_full_disk_leaves_nothing_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let (tmp, path) = (dir.path().join("k.part"), dir.path().join("k"));
        std::fs::write(&tmp, b"half").unwrap();
        let written = tokio::fs::write("/dev/full", b"bytes").await;
        let e = finish_part(written, &tmp, &path).await.unwrap_err();
        assert!(!tmp.exists() && !path.exists());
        match storage_error("file", "a/证明.pdf", e) {
            AppError::Invalid(f) => assert_eq!(
                (f[0].field.as_ref(), f[0].message.as_str()),
                (
                    "file",
                    "服务器存储空间不足，文件“证明.pdf”未能保存，请稍后再试或联系学分银行管理员"
                )
            ),
            other => panic!("{other:?}"),
        }
        let other = storage_error("file", "x", anyhow::anyhow!("permission denied"));
        assert!(matches!(other, AppError::Internal(_)));
    }
}
