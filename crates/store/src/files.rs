//! Metadata of uploaded files; the bytes live in a file store (see `app::files`).

use domain::ids::{FileId, HoldingId, InstitutionId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct StoredFile {
    pub id: FileId,
    pub storage_key: String,
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub original_name: String,
    pub uploaded_by_role: Option<String>,
    pub uploaded_by: Option<i64>,
    pub created_at: i64,
}

pub struct NewFile<'a> {
    pub storage_key: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub mime: &'a str,
    pub original_name: &'a str,
    pub role: &'a str,
    pub by: i64,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewFile<'_>) -> Result<FileId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO files (storage_key, sha256, size, mime, original_name, uploaded_by_role, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(n.storage_key)
    .bind(n.sha256)
    .bind(n.size)
    .bind(n.mime)
    .bind(n.original_name)
    .bind(n.role)
    .bind(n.by)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: FileId) -> Result<Option<StoredFile>> {
    Ok(sqlx::query_as(
        "SELECT id, storage_key, sha256, size, mime, original_name, uploaded_by_role, uploaded_by, created_at FROM files WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(e)
    .await?)
}

pub async fn attach<'c>(e: impl Exec<'c>, outcome: HoldingId, file: FileId) -> Result<()> {
    sqlx::query("INSERT INTO outcome_files (learner_outcome_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(outcome)
        .bind(file)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn detach<'c>(e: impl Exec<'c>, outcome: HoldingId, file: FileId) -> Result<bool> {
    let r = sqlx::query("DELETE FROM outcome_files WHERE learner_outcome_id = $1 AND file_id = $2")
        .bind(outcome)
        .bind(file)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn of_outcome<'c>(e: impl Exec<'c>, outcome: HoldingId) -> Result<Vec<StoredFile>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.storage_key, f.sha256, f.size, f.mime, f.original_name, f.uploaded_by_role, f.uploaded_by, f.created_at \
         FROM files f JOIN outcome_files o ON o.file_id = f.id WHERE o.learner_outcome_id = $1 ORDER BY f.id",
    )
    .bind(outcome)
    .fetch_all(e)
    .await?)
}

/// How many evidence files each of these outcomes has, in one query (outcomes without
/// any are left out).
pub async fn counts_of_outcomes<'c>(e: impl Exec<'c>, outcomes: &[HoldingId]) -> Result<Vec<(HoldingId, i64)>> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = crate::Where::new();
    w.any_of("learner_outcome_id", outcomes);
    let sql = format!(
        "SELECT learner_outcome_id, COUNT(*) FROM outcome_files{} GROUP BY learner_outcome_id",
        w.sql()
    );
    Ok(crate::bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(e).await?)
}

/// The learner outcomes a file belongs to, as evidence or as a withdrawal document.
pub async fn outcomes_of_file<'c>(e: impl Exec<'c>, file: FileId) -> Result<Vec<HoldingId>> {
    Ok(sqlx::query_scalar(
        "SELECT learner_outcome_id FROM outcome_files WHERE file_id = $1 UNION SELECT id FROM learner_outcomes WHERE withdraw_file = $1",
    )
    .bind(file)
    .fetch_all(e)
    .await?)
}

/// Whether a file is a document of a published method or rule (public), or of a method
/// or rule of `institution` (its owner).
pub async fn public_or_owned_by<'c>(
    e: impl Exec<'c>,
    file: FileId,
    institution: Option<InstitutionId>,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM conversion_methods WHERE file_id = $1 AND (status = 'published' OR institution_id = $2)) \
         + (SELECT COUNT(*) FROM conversion_rules WHERE file_id = $1 AND (status = 'published' OR institution_id = $2))",
    )
    .bind(file)
    .bind(institution.map_or(-1, InstitutionId::get))
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}
