//! The qualifications framework (资历框架等级标准) and industry standards (行业标准).

use domain::ids::{CatalogOutcomeId, FileId, LevelId, StandardId};
use sqlx::FromRow;

use crate::{Db, Exec, Page, Result, Where, paged};

#[derive(Debug, Clone, FromRow)]
pub struct Level {
    pub id: LevelId,
    pub level: i64,
    pub name: String,
    pub knowledge: String,
    pub skills: String,
    pub competence: String,
    pub updated_at: i64,
}

pub struct LevelText<'a> {
    pub level: i64,
    pub name: &'a str,
    pub knowledge: &'a str,
    pub skills: &'a str,
    pub competence: &'a str,
}

const LEVEL: &str = "SELECT id, level, name, knowledge, skills, competence, updated_at FROM framework_levels";

pub async fn levels<'c>(e: impl Exec<'c>) -> Result<Vec<Level>> {
    Ok(sqlx::query_as(&format!("{LEVEL} ORDER BY level")).fetch_all(e).await?)
}

pub async fn level<'c>(e: impl Exec<'c>, id: LevelId) -> Result<Option<Level>> {
    Ok(sqlx::query_as(&format!("{LEVEL} WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

pub async fn level_by_number<'c>(e: impl Exec<'c>, level: i64) -> Result<Option<Level>> {
    Ok(sqlx::query_as(&format!("{LEVEL} WHERE level = $1"))
        .bind(level)
        .fetch_optional(e)
        .await?)
}

/// Adds the level or replaces the descriptors of the level with that number.
pub async fn save_level<'c>(e: impl Exec<'c>, l: &LevelText<'_>, t: i64) -> Result<LevelId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO framework_levels (level, name, knowledge, skills, competence, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (level) DO UPDATE SET name = excluded.name, knowledge = excluded.knowledge, skills = excluded.skills, \
         competence = excluded.competence, updated_at = excluded.updated_at RETURNING id",
    )
    .bind(l.level)
    .bind(l.name)
    .bind(l.knowledge)
    .bind(l.skills)
    .bind(l.competence)
    .bind(t)
    .fetch_one(e)
    .await?)
}

/// Whether anything is placed on the level (a catalog outcome or a standard).
pub async fn level_in_use<'c>(e: impl Exec<'c>, id: LevelId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM institution_outcomes WHERE framework_level_id = $1) \
         + (SELECT COUNT(*) FROM industry_standards WHERE level_id = $1)",
    )
    .bind(id)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

pub async fn delete_level<'c>(e: impl Exec<'c>, id: LevelId) -> Result<()> {
    sqlx::query("DELETE FROM framework_levels WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// Places a catalog outcome on a level (or takes it off with `None`).
pub async fn place_outcome<'c>(e: impl Exec<'c>, outcome: CatalogOutcomeId, level: Option<LevelId>) -> Result<()> {
    sqlx::query("UPDATE institution_outcomes SET framework_level_id = $1 WHERE id = $2")
        .bind(level)
        .bind(outcome)
        .execute(e)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Standard {
    pub id: StandardId,
    pub code: String,
    pub name: String,
    pub industry: String,
    pub level_id: Option<LevelId>,
    pub level: Option<i64>,
    pub level_name: Option<String>,
    pub file_id: Option<FileId>,
    pub file_name: Option<String>,
    pub created_at: i64,
}

const STANDARD: &str = "SELECT s.id, s.code, s.name, s.industry, s.level_id, l.level, l.name AS level_name, s.file_id, \
    f.original_name AS file_name, s.created_at FROM industry_standards s \
    LEFT JOIN framework_levels l ON l.id = s.level_id LEFT JOIN files f ON f.id = s.file_id";

pub struct NewStandard<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub industry: &'a str,
    pub level_id: Option<LevelId>,
    pub file_id: Option<FileId>,
    pub now: i64,
}

pub async fn insert_standard<'c>(e: impl Exec<'c>, s: &NewStandard<'_>) -> Result<StandardId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO industry_standards (code, name, industry, level_id, file_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(s.code)
    .bind(s.name)
    .bind(s.industry)
    .bind(s.level_id)
    .bind(s.file_id)
    .bind(s.now)
    .fetch_one(e)
    .await?)
}

pub async fn standard_by_code<'c>(e: impl Exec<'c>, code: &str) -> Result<Option<Standard>> {
    Ok(sqlx::query_as(&format!("{STANDARD} WHERE s.code = $1"))
        .bind(code)
        .fetch_optional(e)
        .await?)
}

pub async fn standard<'c>(e: impl Exec<'c>, id: StandardId) -> Result<Option<Standard>> {
    Ok(sqlx::query_as(&format!("{STANDARD} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

pub async fn delete_standard<'c>(e: impl Exec<'c>, id: StandardId) -> Result<()> {
    sqlx::query("DELETE FROM industry_standards WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// Standards matching a search of code, name or industry, and a level.
pub async fn standards(
    db: &Db,
    q: &str,
    level_id: Option<LevelId>,
    page: i64,
    per_page: i64,
) -> Result<Page<Standard>> {
    let mut w = Where::new();
    if !q.trim().is_empty() {
        w.text(
            "(s.code LIKE ? ESCAPE '\\' OR s.name LIKE ? ESCAPE '\\' OR s.industry LIKE ? ESCAPE '\\')",
            crate::like_pattern(q),
        );
    }
    if let Some(l) = level_id {
        w.int("s.level_id = ?", l);
    }
    paged(
        db,
        STANDARD,
        "FROM industry_standards s",
        &w,
        "s.industry, s.code",
        page,
        per_page,
    )
    .await
}

/// Whether a file is a standard's document (public).
pub async fn is_standard_file<'c>(e: impl Exec<'c>, file: FileId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM industry_standards WHERE file_id = $1")
        .bind(file)
        .fetch_one(e)
        .await?;
    Ok(n > 0)
}
