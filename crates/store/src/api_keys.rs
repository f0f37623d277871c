//! API keys of institutions (接口密钥) and the answers kept for idempotent retries.

use domain::ids::{ApiKeyId, InstitutionId, InstitutionUserId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub institution_id: InstitutionId,
    pub name: String,
    pub prefix: String,
    pub secret_sha256: String,
    /// Comma-separated: read, write, import.
    pub scopes: String,
    pub created_by: InstitutionUserId,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str =
    "id, institution_id, name, prefix, secret_sha256, scopes, created_by, created_at, last_used_at, revoked_at";

pub struct NewKey<'a> {
    pub institution_id: InstitutionId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_sha256: &'a str,
    pub scopes: &'a str,
    pub created_by: InstitutionUserId,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewKey<'_>) -> Result<ApiKeyId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_keys (institution_id, name, prefix, secret_sha256, scopes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(n.institution_id)
    .bind(n.name)
    .bind(n.prefix)
    .bind(n.secret_sha256)
    .bind(n.scopes)
    .bind(n.created_by)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

pub async fn by_prefix<'c>(e: impl Exec<'c>, prefix: &str) -> Result<Option<ApiKey>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_keys WHERE prefix = $1"))
            .bind(prefix)
            .fetch_optional(e)
            .await?,
    )
}

pub async fn of_institution<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<Vec<ApiKey>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE institution_id = $1 ORDER BY id DESC"
    ))
    .bind(institution_id)
    .fetch_all(e)
    .await?)
}

/// Revokes a live key of the institution; false when there is none.
pub async fn revoke<'c>(e: impl Exec<'c>, institution_id: InstitutionId, id: ApiKeyId, now: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND institution_id = $2 AND revoked_at IS NULL")
            .bind(id)
            .bind(institution_id)
            .bind(now)
            .execute(e)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a use, at most once a minute per key (a write per request is not needed to
/// know that a key is in use).
pub async fn touch<'c>(e: impl Exec<'c>, id: ApiKeyId, now: i64) -> Result<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(id)
        .bind(now)
        .bind(now - 60)
        .execute(e)
        .await?;
    Ok(())
}

/// What a POST with an `Idempotency-Key` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: the caller goes on and later stores its answer.
    New,
    /// Answered before with the same request: the stored status and body.
    Answered { status: i64, body: String },
    /// The same key was used with another request.
    Mismatch,
    /// The first request with this key is still being answered.
    InFlight,
    /// The first request committed its change but its answer was lost (a failure after
    /// the commit): the change must not run again.
    Committed,
}

tokio::task_local! {
    /// The (caller, Idempotency-Key) of the API request being served, if it has one.
    pub static IDEMPOTENT: (String, String);
}

/// How long a claim may stay unanswered and uncommitted before a retry takes it over
/// (its request died without releasing it).
const ABANDONED_SECONDS: i64 = 60;

/// Marks a claimed key as having committed a change (in the change's transaction).
pub async fn mark_committed<'c>(e: impl Exec<'c>, caller: &str, key: &str) -> Result<()> {
    sqlx::query("UPDATE idempotency_keys SET committed = 1 WHERE caller = $1 AND key = $2")
        .bind(caller)
        .bind(key)
        .execute(e)
        .await?;
    Ok(())
}

/// Claims an idempotency key for a request, or reports what happened to it before.
pub async fn claim(db: &crate::Db, caller: &str, key: &str, request_sha256: &str, now: i64) -> Result<Claim> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (caller, key, request_sha256, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (caller, key) DO NOTHING",
    )
    .bind(caller)
    .bind(key)
    .bind(request_sha256)
    .bind(now)
    .execute(&db.pool)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::New);
    }
    let (sha, status, body, committed): (String, Option<i64>, Option<String>, i64) = sqlx::query_as(
        "SELECT request_sha256, status, body, committed FROM idempotency_keys WHERE caller = $1 AND key = $2",
    )
    .bind(caller)
    .bind(key)
    .fetch_one(&db.pool)
    .await?;
    Ok(match (sha == request_sha256, status, body, committed) {
        (false, ..) => Claim::Mismatch,
        (true, Some(status), Some(body), _) => Claim::Answered { status, body },
        (true, _, _, 1) => Claim::Committed,
        _ => {
            let taken = sqlx::query(
                "UPDATE idempotency_keys SET created_at = $3 WHERE caller = $1 AND key = $2 \
                 AND status IS NULL AND committed = 0 AND created_at < $4",
            )
            .bind(caller)
            .bind(key)
            .bind(now)
            .bind(now - ABANDONED_SECONDS)
            .execute(&db.pool)
            .await?;
            if taken.rows_affected() == 1 {
                Claim::New
            } else {
                Claim::InFlight
            }
        }
    })
}

/// Keeps the answer of a claimed key.
pub async fn answer<'c>(e: impl Exec<'c>, caller: &str, key: &str, status: i64, body: &str) -> Result<()> {
    sqlx::query("UPDATE idempotency_keys SET status = $3, body = $4 WHERE caller = $1 AND key = $2")
        .bind(caller)
        .bind(key)
        .bind(status)
        .bind(body)
        .execute(e)
        .await?;
    Ok(())
}

/// Forgets a claim whose request failed (a 5xx) before it committed anything, so that
/// a retry runs again.
pub async fn release<'c>(e: impl Exec<'c>, caller: &str, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND status IS NULL AND committed = 0")
        .bind(caller)
        .bind(key)
        .execute(e)
        .await?;
    Ok(())
}

/// Keys are kept for a day.
pub async fn purge<'c>(e: impl Exec<'c>, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(e)
        .await?;
    Ok(())
}
