//! Management-department staff and experts: accounts created by the operator.

use domain::ids::{DepartmentId, StaffUserId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct StaffUser {
    pub id: StaffUserId,
    pub role: String,
    pub account: String,
    pub name: String,
    pub mobile: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub committee: Option<String>,
    pub password_hash: String,
    pub must_change_password: i64,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
    pub disabled: i64,
    pub created_at: i64,
    pub session_epoch: i64,
}

const COLUMNS: &str = "id, role, account, name, mobile, department_id, committee, password_hash, \
    must_change_password, failed_attempts, locked_until, disabled, created_at, session_epoch";

pub struct NewStaff<'a> {
    pub role: &'a str,
    pub account: &'a str,
    pub name: &'a str,
    pub mobile: Option<&'a str>,
    pub department_id: Option<DepartmentId>,
    pub committee: Option<&'a str>,
    pub password_hash: &'a str,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewStaff<'_>) -> Result<StaffUserId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO staff_users (role, account, name, mobile, department_id, committee, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(n.role)
    .bind(n.account)
    .bind(n.name)
    .bind(n.mobile)
    .bind(n.department_id)
    .bind(n.committee)
    .bind(n.password_hash)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

pub async fn by_account<'c>(e: impl Exec<'c>, role: &str, account: &str) -> Result<Option<StaffUser>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE role = $1 AND account = $2");
    Ok(sqlx::query_as(&sql).bind(role).bind(account).fetch_optional(e).await?)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: StaffUserId) -> Result<Option<StaffUser>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

pub async fn list<'c>(e: impl Exec<'c>) -> Result<Vec<StaffUser>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users ORDER BY role, id");
    Ok(sqlx::query_as(&sql).fetch_all(e).await?)
}
