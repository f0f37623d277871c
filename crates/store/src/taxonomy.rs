//! The live taxonomy: types, subtypes, their fields, and authorisations of restricted
//! subtypes.

use domain::ids::{FieldId, InstitutionId, OutcomeTypeId, SubtypeId};
use domain::taxonomy::{Category, FieldKind, FieldSpec, TypeSpec};
use sqlx::FromRow;

use crate::{Exec, Result, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct OutcomeType {
    pub id: OutcomeTypeId,
    pub code: String,
    pub name: String,
    pub category: String,
    pub sort: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct Subtype {
    pub id: SubtypeId,
    pub type_id: OutcomeTypeId,
    pub code: String,
    pub name: String,
    pub restricted: i64,
    pub synced: i64,
    pub type_name: String,
    pub category: String,
}

impl Subtype {
    pub fn category(&self) -> Category {
        Category::from_code(&self.category).unwrap_or(Category::Academic)
    }
    pub fn is_informal(&self) -> bool {
        self.category() == Category::Informal
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct FieldRow {
    pub id: FieldId,
    pub subtype_id: SubtypeId,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub required: i64,
    pub options: String,
    pub sort: i64,
}

impl FieldRow {
    pub fn spec(&self) -> FieldSpec {
        FieldSpec {
            key: self.key.clone(),
            label: self.label.clone(),
            kind: FieldKind::from_code(&self.kind).unwrap_or(FieldKind::Text),
            required: self.required != 0,
            options: self
                .options
                .split('/')
                .filter(|o| !o.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

const SUBTYPE: &str = "SELECT s.id, s.type_id, s.code, s.name, s.restricted, s.synced, t.name AS type_name, t.category \
    FROM outcome_subtypes s JOIN outcome_types t ON t.id = s.type_id";

pub async fn get_setting<'c>(e: impl Exec<'c>, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(e)
        .await?)
}

pub async fn set_setting<'c>(e: impl Exec<'c>, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(e)
    .await?;
    Ok(())
}

/// Sets a value only if the key has none (first writer wins).
pub async fn set_setting_if_absent<'c>(e: impl Exec<'c>, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .execute(e)
        .await?;
    Ok(())
}

/// Loads a preset into an empty taxonomy.
pub async fn load(tx: &mut Tx, types: &[TypeSpec]) -> Result<()> {
    for (ti, t) in types.iter().enumerate() {
        let type_id: OutcomeTypeId = sqlx::query_scalar(
            "INSERT INTO outcome_types (code, name, category, sort) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&t.code)
        .bind(&t.name)
        .bind(t.category.code())
        .bind(ti as i64)
        .fetch_one(&mut **tx)
        .await?;
        for (si, s) in t.subtypes.iter().enumerate() {
            let sub_id =
                insert_subtype(&mut **tx, type_id, &s.code, &s.name, s.restricted, s.synced, si as i64).await?;
            for (fi, f) in s.fields.iter().enumerate() {
                insert_field(&mut **tx, sub_id, f, fi as i64).await?;
            }
        }
    }
    Ok(())
}

pub async fn insert_subtype<'c>(
    e: impl Exec<'c>,
    type_id: OutcomeTypeId,
    code: &str,
    name: &str,
    restricted: bool,
    synced: bool,
    sort: i64,
) -> Result<SubtypeId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outcome_subtypes (type_id, code, name, restricted, synced, sort) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(type_id)
    .bind(code)
    .bind(name)
    .bind(i64::from(restricted))
    .bind(i64::from(synced))
    .bind(sort)
    .fetch_one(e)
    .await?)
}

pub async fn insert_field<'c>(e: impl Exec<'c>, subtype_id: SubtypeId, f: &FieldSpec, sort: i64) -> Result<FieldId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO subtype_fields (subtype_id, key, label, kind, required, options, sort) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(subtype_id)
    .bind(&f.key)
    .bind(&f.label)
    .bind(f.kind.code())
    .bind(i64::from(f.required))
    .bind(f.options.join("/"))
    .bind(sort)
    .fetch_one(e)
    .await?)
}

pub async fn update_field<'c>(e: impl Exec<'c>, id: FieldId, f: &FieldSpec) -> Result<bool> {
    let r = sqlx::query("UPDATE subtype_fields SET label = $2, kind = $3, required = $4, options = $5 WHERE id = $1")
        .bind(id)
        .bind(&f.label)
        .bind(f.kind.code())
        .bind(i64::from(f.required))
        .bind(f.options.join("/"))
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_field<'c>(e: impl Exec<'c>, id: FieldId) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM subtype_fields WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?
        .rows_affected()
        == 1)
}

pub async fn set_restricted<'c>(e: impl Exec<'c>, subtype_id: SubtypeId, restricted: bool) -> Result<bool> {
    let r = sqlx::query("UPDATE outcome_subtypes SET restricted = $2 WHERE id = $1")
        .bind(subtype_id)
        .bind(i64::from(restricted))
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn count_types<'c>(e: impl Exec<'c>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outcome_types")
        .fetch_one(e)
        .await?)
}

pub async fn types<'c>(e: impl Exec<'c>) -> Result<Vec<OutcomeType>> {
    Ok(
        sqlx::query_as("SELECT id, code, name, category, sort FROM outcome_types ORDER BY sort, id")
            .fetch_all(e)
            .await?,
    )
}

pub async fn subtypes<'c>(e: impl Exec<'c>) -> Result<Vec<Subtype>> {
    let sql = format!("{SUBTYPE} ORDER BY t.sort, s.sort, s.id");
    Ok(sqlx::query_as(&sql).fetch_all(e).await?)
}

pub async fn subtype<'c>(e: impl Exec<'c>, id: SubtypeId) -> Result<Option<Subtype>> {
    let sql = format!("{SUBTYPE} WHERE s.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

pub async fn subtype_by_code<'c>(e: impl Exec<'c>, code: &str) -> Result<Option<Subtype>> {
    let sql = format!("{SUBTYPE} WHERE s.code = $1");
    Ok(sqlx::query_as(&sql).bind(code).fetch_optional(e).await?)
}

pub async fn fields<'c>(e: impl Exec<'c>, subtype_id: SubtypeId) -> Result<Vec<FieldRow>> {
    Ok(sqlx::query_as("SELECT id, subtype_id, key, label, kind, required, options, sort FROM subtype_fields WHERE subtype_id = $1 ORDER BY sort, id")
        .bind(subtype_id)
        .fetch_all(e)
        .await?)
}

pub async fn field<'c>(e: impl Exec<'c>, id: FieldId) -> Result<Option<FieldRow>> {
    Ok(sqlx::query_as(
        "SELECT id, subtype_id, key, label, kind, required, options, sort FROM subtype_fields WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(e)
    .await?)
}

pub async fn authorise<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    subtype_id: SubtypeId,
    by: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO subtype_authorisations (institution_id, subtype_id, granted_by, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (institution_id, subtype_id) DO NOTHING",
    )
    .bind(institution_id)
    .bind(subtype_id)
    .bind(by)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn revoke<'c>(e: impl Exec<'c>, institution_id: InstitutionId, subtype_id: SubtypeId) -> Result<()> {
    sqlx::query("DELETE FROM subtype_authorisations WHERE institution_id = $1 AND subtype_id = $2")
        .bind(institution_id)
        .bind(subtype_id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn authorised<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<Vec<SubtypeId>> {
    Ok(
        sqlx::query_scalar("SELECT subtype_id FROM subtype_authorisations WHERE institution_id = $1")
            .bind(institution_id)
            .fetch_all(e)
            .await?,
    )
}
