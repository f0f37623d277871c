//! Institutions, their registration state and their users (primary account and sub-users).

use domain::ids::{DepartmentId, FileId, InstitutionId, InstitutionUserId, StaffUserId};
use domain::lifecycle::InstitutionStatus;
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow, Default)]
pub struct Institution {
    pub id: InstitutionId,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub department_id: DepartmentId,
    #[sqlx(try_from = "String")]
    pub status: InstitutionStatus,
    pub reject_reason: Option<String>,
    pub registrant_name: Option<String>,
    pub registrant_id_type: Option<String>,
    pub registrant_id_number: Option<String>,
    pub supervisor: Option<String>,
    pub uscc: Option<String>,
    pub school_type: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_name: Option<String>,
    pub contact_mobile: Option<String>,
    pub contact_email: Option<String>,
    pub post_code: Option<String>,
    pub address: Option<String>,
    pub business_scope: Option<String>,
    pub intro: Option<String>,
    pub submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<StaffUserId>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, kind, code, name, department_id, status, reject_reason, registrant_name, \
    registrant_id_type, registrant_id_number, supervisor, uscc, school_type, legal_rep, contact_name, \
    contact_mobile, contact_email, post_code, address, business_scope, intro, submitted_at, reviewed_at, \
    reviewed_by, created_at";

/// The institution information filled in at step 3 of the wizard (and in 机构信息).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: String,
    pub supervisor: Option<String>,
    pub uscc: Option<String>,
    pub school_type: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_name: Option<String>,
    pub contact_mobile: Option<String>,
    pub contact_email: Option<String>,
    pub post_code: Option<String>,
    pub address: Option<String>,
    pub business_scope: Option<String>,
    pub intro: Option<String>,
}

pub async fn insert<'c>(
    e: impl Exec<'c>,
    kind: &str,
    code: &str,
    name: &str,
    department_id: DepartmentId,
    now: i64,
) -> Result<InstitutionId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO institutions (kind, code, name, department_id, status, created_at) \
         VALUES ($1, $2, $3, $4, 'draft', $5) RETURNING id",
    )
    .bind(kind)
    .bind(code)
    .bind(name)
    .bind(department_id)
    .bind(now)
    .fetch_one(e)
    .await?)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: InstitutionId) -> Result<Option<Institution>> {
    let sql = format!("SELECT {COLUMNS} FROM institutions WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

pub async fn by_code<'c>(e: impl Exec<'c>, code: &str) -> Result<Option<Institution>> {
    let sql = format!("SELECT {COLUMNS} FROM institutions WHERE code = $1");
    Ok(sqlx::query_as(&sql).bind(code).fetch_optional(e).await?)
}

pub async fn set_registrant<'c>(
    e: impl Exec<'c>,
    id: InstitutionId,
    name: &str,
    id_type: &str,
    id_number: &str,
) -> Result<()> {
    sqlx::query("UPDATE institutions SET registrant_name = $2, registrant_id_type = $3, registrant_id_number = $4 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(id_type)
        .bind(id_number)
        .execute(e)
        .await?;
    Ok(())
}

/// Saves the profile; `status` moves the registration on (`pending` on submit) or keeps it.
pub async fn save_profile<'c>(
    e: impl Exec<'c>,
    id: InstitutionId,
    p: &Profile,
    status: InstitutionStatus,
    submitted_at: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE institutions SET name = $2, supervisor = $3, uscc = $4, school_type = $5, legal_rep = $6, \
         contact_name = $7, contact_mobile = $8, contact_email = $9, post_code = $10, address = $11, \
         business_scope = $12, intro = $13, status = $14, submitted_at = COALESCE($15, submitted_at), \
         reject_reason = CASE WHEN $14 = 'pending' THEN NULL ELSE reject_reason END WHERE id = $1",
    )
    .bind(id)
    .bind(&p.name)
    .bind(&p.supervisor)
    .bind(&p.uscc)
    .bind(&p.school_type)
    .bind(&p.legal_rep)
    .bind(&p.contact_name)
    .bind(&p.contact_mobile)
    .bind(&p.contact_email)
    .bind(&p.post_code)
    .bind(&p.address)
    .bind(&p.business_scope)
    .bind(&p.intro)
    .bind(status.code())
    .bind(submitted_at)
    .execute(e)
    .await?;
    Ok(())
}

/// Moves a pending registration to approved or rejected. Returns false when it was no
/// longer pending (someone else decided first).
pub async fn decide<'c>(
    e: impl Exec<'c>,
    id: InstitutionId,
    status: InstitutionStatus,
    reason: Option<&str>,
    by: StaffUserId,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE institutions SET status = $2, reject_reason = $3, reviewed_by = $4, reviewed_at = $5 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status.code())
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Institutions of the given departments, optionally only one status, newest first.
pub async fn list_in<'c>(
    e: impl Exec<'c>,
    departments: &[DepartmentId],
    status: Option<InstitutionStatus>,
) -> Result<Vec<Institution>> {
    if departments.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..departments.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM institutions WHERE ($1 = '' OR status = $1) AND department_id IN ({}) \
         ORDER BY COALESCE(submitted_at, created_at) DESC, id DESC",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as(&sql).bind(status.map_or("", |s| s.code()));
    for d in departments {
        q = q.bind(*d);
    }
    Ok(q.fetch_all(e).await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct InstitutionUser {
    pub id: InstitutionUserId,
    pub institution_id: InstitutionId,
    pub account: String,
    pub name: String,
    pub mobile: Option<String>,
    pub is_primary: i64,
    pub areas: String,
    pub password_hash: String,
    pub must_change_password: i64,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
    pub disabled: i64,
    pub created_at: i64,
    pub session_epoch: i64,
    pub avatar_file_id: Option<FileId>,
}

const USER_COLUMNS: &str = "id, institution_id, account, name, mobile, is_primary, areas, password_hash, \
    must_change_password, failed_attempts, locked_until, disabled, created_at, session_epoch, avatar_file_id";

pub struct NewUser<'a> {
    pub institution_id: InstitutionId,
    pub account: &'a str,
    pub name: &'a str,
    pub mobile: Option<&'a str>,
    pub is_primary: bool,
    pub areas: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub now: i64,
}

pub async fn insert_user<'c>(e: impl Exec<'c>, n: &NewUser<'_>) -> Result<InstitutionUserId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO institution_users (institution_id, account, name, mobile, is_primary, areas, password_hash, \
         must_change_password, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(n.institution_id)
    .bind(n.account)
    .bind(n.name)
    .bind(n.mobile)
    .bind(i64::from(n.is_primary))
    .bind(n.areas)
    .bind(n.password_hash)
    .bind(i64::from(n.must_change_password))
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

pub async fn user_by_account<'c>(e: impl Exec<'c>, account: &str) -> Result<Option<InstitutionUser>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM institution_users WHERE account = $1");
    Ok(sqlx::query_as(&sql).bind(account).fetch_optional(e).await?)
}

pub async fn user_by_id<'c>(e: impl Exec<'c>, id: InstitutionUserId) -> Result<Option<InstitutionUser>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM institution_users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

pub async fn users_of<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<Vec<InstitutionUser>> {
    let sql =
        format!("SELECT {USER_COLUMNS} FROM institution_users WHERE institution_id = $1 ORDER BY is_primary DESC, id");
    Ok(sqlx::query_as(&sql).bind(institution_id).fetch_all(e).await?)
}

pub async fn primary_by_mobile<'c>(e: impl Exec<'c>, mobile: &str) -> Result<Option<InstitutionUser>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM institution_users WHERE mobile = $1 AND is_primary = 1");
    Ok(sqlx::query_as(&sql).bind(mobile).fetch_optional(e).await?)
}

/// Updates a sub-user's name, mobile and areas, only within the given institution.
pub async fn update_sub_user<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    id: InstitutionUserId,
    name: &str,
    mobile: Option<&str>,
    areas: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE institution_users SET name = $3, mobile = $4, areas = $5 WHERE id = $2 AND institution_id = $1 AND is_primary = 0",
    )
    .bind(institution_id)
    .bind(id)
    .bind(name)
    .bind(mobile)
    .bind(areas)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_sub_user_disabled<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    id: InstitutionUserId,
    disabled: bool,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE institution_users SET disabled = $3 WHERE id = $2 AND institution_id = $1 AND is_primary = 0",
    )
    .bind(institution_id)
    .bind(id)
    .bind(i64::from(disabled))
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn reset_sub_user_password<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    id: InstitutionUserId,
    hash: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE institution_users SET password_hash = $3, must_change_password = 1, failed_attempts = 0, locked_until = NULL, \
         session_epoch = session_epoch + 1 WHERE id = $2 AND institution_id = $1 AND is_primary = 0",
    )
    .bind(institution_id)
    .bind(id)
    .bind(hash)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_sub_user<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    id: InstitutionUserId,
) -> Result<bool> {
    let r = sqlx::query("DELETE FROM institution_users WHERE id = $2 AND institution_id = $1 AND is_primary = 0")
        .bind(institution_id)
        .bind(id)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn clear_must_change<'c>(e: impl Exec<'c>, id: InstitutionUserId) -> Result<()> {
    sqlx::query("UPDATE institution_users SET must_change_password = 0 WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// The public directory: approved institutions whose name or code contains `q`,
/// optionally of one kind (`school` / `organisation`).
pub async fn directory_page(
    db: &crate::Db,
    q: &str,
    kind: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<crate::Page<Institution>> {
    let mut w = crate::Where::new();
    w.raw("status = 'approved'");
    if !q.trim().is_empty() {
        crate::search::name_or_code(db, &mut w, &crate::search::INSTITUTIONS, "id", "name", "code", q);
    }
    if let Some(k) = kind {
        w.text("kind = ?", k);
    }
    crate::paged(
        db,
        &format!("SELECT {COLUMNS} FROM institutions"),
        "FROM institutions",
        &w,
        "name, id",
        page,
        per_page,
    )
    .await
}
