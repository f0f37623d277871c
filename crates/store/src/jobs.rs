//! The job queue: `FOR UPDATE SKIP LOCKED` on PostgreSQL (several workers), a plain
//! conditional update on SQLite (one writer). A claim is a lease that must be renewed.

use domain::ids::{DepartmentId, FileId, InstitutionId, JobId};
use sqlx::FromRow;

use crate::{Backend, Db, Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    /// Whose import it is: an institution's, or the bank's (a department's).
    pub institution_id: Option<InstitutionId>,
    pub department_id: Option<DepartmentId>,
    pub target_id: Option<i64>,
    pub user_id: i64,
    pub user_name: String,
    pub file_id: FileId,
    pub file_name: String,
    #[sqlx(try_from = "String")]
    pub status: domain::lifecycle::JobStatus,
    pub total: i64,
    pub done: i64,
    pub result: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
    pub lease_until: Option<i64>,
    pub created_at: i64,
}

impl Job {
    /// This claim of the job: `attempts` counts claims, so it names the holder.
    pub fn claim(&self) -> Claim {
        Claim {
            id: self.id,
            attempt: self.attempts,
        }
    }
}

/// A worker's or command's hold on a job. Renewing, progress, finishing and failing are
/// done "as this claim": once another process has claimed the job again they change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub id: JobId,
    pub attempt: i64,
}

const COLUMNS: &str = "id, kind, institution_id, department_id, target_id, user_id, user_name, file_id, file_name, status, total, done, result, error, attempts, lease_until, created_at";

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub institution_id: Option<InstitutionId>,
    pub department_id: Option<DepartmentId>,
    pub target_id: Option<i64>,
    pub user_id: i64,
    pub user_name: &'a str,
    pub file_id: FileId,
    pub file_name: &'a str,
    /// `WORKER` or `COMMAND`.
    pub runner: &'a str,
    pub now: i64,
}

/// Jobs the background workers run.
pub const WORKER: &str = "worker";
/// Jobs run by the `creditbank import` command that queued them, and by nobody else.
pub const COMMAND: &str = "command";

pub async fn enqueue<'c>(e: impl Exec<'c>, n: &NewJob<'_>) -> Result<JobId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO jobs (kind, institution_id, target_id, user_id, user_name, file_id, file_name, status, created_at, updated_at, \
         department_id, runner) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8, $9, $10) RETURNING id",
    )
    .bind(n.kind)
    .bind(n.institution_id)
    .bind(n.target_id)
    .bind(n.user_id)
    .bind(n.user_name)
    .bind(n.file_id)
    .bind(n.file_name)
    .bind(n.now)
    .bind(n.department_id)
    .bind(n.runner)
    .fetch_one(e)
    .await?)
}

/// Claims the oldest queued worker job, or a running one whose lease has run out.
pub async fn claim(db: &Db, now: i64, lease: i64) -> Result<Option<Job>> {
    let pick = match db.backend {
        Backend::Postgres => {
            "SELECT id FROM jobs WHERE runner = 'worker' AND (status = 'queued' OR (status = 'running' AND lease_until < $1)) \
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id FROM jobs WHERE runner = 'worker' AND (status = 'queued' OR (status = 'running' AND lease_until < $1)) \
             ORDER BY id LIMIT 1"
        }
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $2, updated_at = $1 WHERE id = ({pick}) RETURNING {COLUMNS}"
    );
    Ok(sqlx::query_as(&sql)
        .bind(now)
        .bind(now + lease)
        .fetch_optional(&db.pool)
        .await?)
}

/// Claims this queued job (the command that queued it runs it itself).
pub async fn claim_own(db: &Db, id: JobId, now: i64, lease: i64) -> Result<Option<Job>> {
    Ok(sqlx::query_as(&format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $3, updated_at = $2 \
         WHERE id = $1 AND status = 'queued' RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(now)
    .bind(now + lease)
    .fetch_optional(&db.pool)
    .await?)
}

/// Command jobs whose command is gone: running with a lapsed lease, or queued for longer
/// than `grace` seconds without being claimed.
pub async fn abandoned_commands<'c>(e: impl Exec<'c>, now: i64, grace: i64) -> Result<Vec<Job>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE runner = 'command' AND \
         ((status = 'running' AND lease_until < $1) OR (status = 'queued' AND created_at < $2)) ORDER BY id"
    ))
    .bind(now)
    .bind(now - grace)
    .fetch_all(e)
    .await?)
}

/// Renews the lease of a job still held by this claim; false when it is not any more.
pub async fn renew<'c>(e: impl Exec<'c>, c: Claim, lease_until: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE jobs SET lease_until = $3 WHERE id = $1 AND attempts = $2 AND status = 'running'")
        .bind(c.id)
        .bind(c.attempt)
        .bind(lease_until)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Records progress and renews the lease; false when the claim was lost.
pub async fn progress<'c>(e: impl Exec<'c>, c: Claim, done: i64, total: i64, lease_until: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET done = $3, total = $4, lease_until = $5 WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(c.id)
    .bind(c.attempt)
    .bind(done)
    .bind(total)
    .bind(lease_until)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Marks a job done with its result, in the transaction that commits its work; false
/// when this claim no longer holds it (another process took it over after the lease
/// lapsed, or cancelled it), so the work must be rolled back.
pub async fn finish<'c>(e: impl Exec<'c>, c: Claim, result: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'done', done = total, result = $3, updated_at = $4, lease_until = NULL \
         WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(c.id)
    .bind(c.attempt)
    .bind(result)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Fails a job this claim holds; false when it holds it no more.
pub async fn fail<'c>(e: impl Exec<'c>, c: Claim, error: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'failed', error = $3, updated_at = $4, lease_until = NULL \
         WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(c.id)
    .bind(c.attempt)
    .bind(error)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Fails a job that has not finished; false when it finished (or failed) meanwhile.
pub async fn cancel_unfinished<'c>(e: impl Exec<'c>, id: JobId, error: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'failed', error = $2, updated_at = $3, lease_until = NULL \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(error)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: JobId) -> Result<Option<Job>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}
