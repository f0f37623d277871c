//! Failed sign-in counting, shared by the three account tables.

use crate::{Exec, Result};
use domain::ids::FileId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountTable {
    Learners,
    InstitutionUsers,
    StaffUsers,
}

impl AccountTable {
    pub fn name(self) -> &'static str {
        match self {
            AccountTable::Learners => "learners",
            AccountTable::InstitutionUsers => "institution_users",
            AccountTable::StaffUsers => "staff_users",
        }
    }
}

/// Counts one failed attempt; from the `max`-th failure on, locks the account until
/// `lock_until`. Returns the number of failures so far.
pub async fn record_failure<'c>(
    e: impl Exec<'c>,
    t: AccountTable,
    id: impl Into<i64>,
    max: i64,
    lock_until: i64,
) -> Result<i64> {
    let id: i64 = id.into();
    let sql = format!(
        "UPDATE {0} SET failed_attempts = failed_attempts + 1, \
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END \
         WHERE id = $1 RETURNING failed_attempts",
        t.name()
    );
    Ok(sqlx::query_scalar(&sql)
        .bind(id)
        .bind(max)
        .bind(lock_until)
        .fetch_one(e)
        .await?)
}

/// Clears the failure count after a successful sign-in or a lock that has expired.
pub async fn reset<'c>(e: impl Exec<'c>, t: AccountTable, id: impl Into<i64>) -> Result<()> {
    let id: i64 = id.into();
    let sql = format!(
        "UPDATE {} SET failed_attempts = 0, locked_until = NULL WHERE id = $1",
        t.name()
    );
    sqlx::query(&sql).bind(id).execute(e).await?;
    Ok(())
}

/// Sets a new password hash and moves the account's session epoch on, so that every
/// session signed in before the change ends.
pub async fn set_password<'c>(e: impl Exec<'c>, t: AccountTable, id: impl Into<i64>, hash: &str) -> Result<()> {
    let id: i64 = id.into();
    let sql = format!(
        "UPDATE {} SET password_hash = $2, failed_attempts = 0, locked_until = NULL, \
         session_epoch = session_epoch + 1 WHERE id = $1",
        t.name()
    );
    sqlx::query(&sql).bind(id).bind(hash).execute(e).await?;
    Ok(())
}

/// Binds a new mobile (the learners' table refuses one already bound: UNIQUE).
pub async fn set_mobile<'c>(e: impl Exec<'c>, t: AccountTable, id: impl Into<i64>, mobile: &str) -> Result<()> {
    let id: i64 = id.into();
    let sql = format!("UPDATE {} SET mobile = $2 WHERE id = $1", t.name());
    sqlx::query(&sql).bind(id).bind(mobile).execute(e).await?;
    Ok(())
}

/// Sets the avatar file of a learner or an institution user.
pub async fn set_avatar<'c>(e: impl Exec<'c>, t: AccountTable, id: impl Into<i64>, file: FileId) -> Result<()> {
    let id: i64 = id.into();
    let sql = format!("UPDATE {} SET avatar_file_id = $2 WHERE id = $1", t.name());
    sqlx::query(&sql).bind(id).bind(file).execute(e).await?;
    Ok(())
}
