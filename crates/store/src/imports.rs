//! Import records.

use domain::ids::{DepartmentId, FileId, ImportId, InstitutionId, SubtypeId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct ImportRecord {
    pub id: ImportId,
    /// Whose import it is: an institution's, or the bank's (a department's).
    pub institution_id: Option<InstitutionId>,
    pub department_id: Option<DepartmentId>,
    pub kind: String,
    pub subtype_id: Option<SubtypeId>,
    pub user_name: String,
    pub file_name: String,
    pub original_file_id: FileId,
    pub rejected_file_id: Option<FileId>,
    pub imported: i64,
    pub rejected: i64,
    pub created_at: i64,
}

pub struct NewImport<'a> {
    pub institution_id: Option<InstitutionId>,
    pub department_id: Option<DepartmentId>,
    pub kind: &'a str,
    pub subtype_id: Option<SubtypeId>,
    pub user_id: i64,
    pub user_name: &'a str,
    pub file_name: &'a str,
    pub original_file_id: FileId,
    pub rejected_file_id: Option<FileId>,
    pub imported: i64,
    pub rejected: i64,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewImport<'_>) -> Result<ImportId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO imports (institution_id, kind, subtype_id, user_id, user_name, file_name, original_file_id, rejected_file_id, imported, rejected, created_at, department_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(n.institution_id)
    .bind(n.kind)
    .bind(n.subtype_id)
    .bind(n.user_id)
    .bind(n.user_name)
    .bind(n.file_name)
    .bind(n.original_file_id)
    .bind(n.rejected_file_id)
    .bind(n.imported)
    .bind(n.rejected)
    .bind(n.now)
    .bind(n.department_id)
    .fetch_one(e)
    .await?)
}

/// The institution's records since `since` (a year back), newest first.
pub async fn of_institution<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    since: i64,
) -> Result<Vec<ImportRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, institution_id, department_id, kind, subtype_id, user_name, file_name, original_file_id, rejected_file_id, imported, rejected, created_at \
         FROM imports WHERE institution_id = $1 AND created_at >= $2 ORDER BY id DESC",
    )
    .bind(institution_id)
    .bind(since)
    .fetch_all(e)
    .await?)
}

/// Whether a file is an import file of this institution.
pub async fn file_of_institution<'c>(e: impl Exec<'c>, file: FileId, institution_id: InstitutionId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM imports WHERE institution_id = $1 AND (original_file_id = $2 OR rejected_file_id = $2)",
    )
    .bind(institution_id)
    .bind(file)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// The bank's own records (imports by these departments) since `since`, newest first.
pub async fn of_departments<'c>(
    e: impl Exec<'c>,
    departments: &[DepartmentId],
    since: i64,
) -> Result<Vec<ImportRecord>> {
    let sql = format!(
        "SELECT id, institution_id, department_id, kind, subtype_id, user_name, file_name, original_file_id, rejected_file_id, \
         imported, rejected, created_at FROM imports WHERE department_id IN ({}) AND created_at >= $1 ORDER BY id DESC",
        crate::id_list(departments)
    );
    Ok(sqlx::query_as(&sql).bind(since).fetch_all(e).await?)
}

/// Whether a file is an import file of one of these departments.
pub async fn file_of_departments<'c>(e: impl Exec<'c>, file: FileId, departments: &[DepartmentId]) -> Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) FROM imports WHERE department_id IN ({}) AND (original_file_id = $1 OR rejected_file_id = $1)",
        crate::id_list(departments)
    );
    let n: i64 = sqlx::query_scalar(&sql).bind(file).fetch_one(e).await?;
    Ok(n > 0)
}
