//! Departments and the directory of known institutions a registrant picks from.

use domain::ids::DepartmentId;
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub parent_id: Option<DepartmentId>,
}

#[derive(Debug, Clone, FromRow)]
pub struct DirectoryEntry {
    pub code: String,
    pub kind: String,
    pub name: String,
    pub department_id: DepartmentId,
}

pub async fn insert_department<'c>(
    e: impl Exec<'c>,
    name: &str,
    parent: Option<DepartmentId>,
    now: i64,
) -> Result<DepartmentId> {
    Ok(
        sqlx::query_scalar("INSERT INTO departments (name, parent_id, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(parent)
            .bind(now)
            .fetch_one(e)
            .await?,
    )
}

pub async fn departments<'c>(e: impl Exec<'c>) -> Result<Vec<Department>> {
    Ok(
        sqlx::query_as("SELECT id, name, parent_id FROM departments ORDER BY id")
            .fetch_all(e)
            .await?,
    )
}

/// The bank's management centre: the department at the root of the tree.
pub async fn root_department<'c>(e: impl Exec<'c>) -> Result<Option<DepartmentId>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM departments WHERE parent_id IS NULL ORDER BY id LIMIT 1")
            .fetch_optional(e)
            .await?,
    )
}

pub async fn department<'c>(e: impl Exec<'c>, id: DepartmentId) -> Result<Option<Department>> {
    Ok(
        sqlx::query_as("SELECT id, name, parent_id FROM departments WHERE id = $1")
            .bind(id)
            .fetch_optional(e)
            .await?,
    )
}

pub async fn department_by_name<'c>(e: impl Exec<'c>, name: &str) -> Result<Option<Department>> {
    Ok(
        sqlx::query_as("SELECT id, name, parent_id FROM departments WHERE name = $1")
            .bind(name)
            .fetch_optional(e)
            .await?,
    )
}

/// The department and every department below it.
pub fn subtree(all: &[Department], root: DepartmentId) -> Vec<DepartmentId> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(all.iter().filter(|d| d.parent_id == Some(parent)).map(|d| d.id));
        i += 1;
    }
    out
}

pub async fn insert_entry<'c>(e: impl Exec<'c>, entry: &DirectoryEntry) -> Result<()> {
    sqlx::query("INSERT INTO institution_directory (code, kind, name, department_id) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
        .bind(&entry.code)
        .bind(&entry.kind)
        .bind(&entry.name)
        .bind(entry.department_id)
        .execute(e)
        .await?;
    Ok(())
}

/// Directory entries of a department that have not registered an account yet.
pub async fn unregistered<'c>(
    e: impl Exec<'c>,
    department_id: DepartmentId,
    kind: &str,
) -> Result<Vec<DirectoryEntry>> {
    Ok(sqlx::query_as(
        "SELECT d.code, d.kind, d.name, d.department_id FROM institution_directory d \
         WHERE d.department_id = $1 AND d.kind = $2 \
         AND NOT EXISTS (SELECT 1 FROM institutions i WHERE i.code = d.code) ORDER BY d.name",
    )
    .bind(department_id)
    .bind(kind)
    .fetch_all(e)
    .await?)
}

pub async fn entry<'c>(e: impl Exec<'c>, code: &str) -> Result<Option<DirectoryEntry>> {
    Ok(
        sqlx::query_as("SELECT code, kind, name, department_id FROM institution_directory WHERE code = $1")
            .bind(code)
            .fetch_optional(e)
            .await?,
    )
}
