//! Runs of a synchronisation from another platform (the X证书 feed) and the records each
//! refused.

use domain::ids::SyncRunId;
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Run {
    pub id: SyncRunId,
    pub source: String,
    #[sqlx(try_from = "String")]
    pub status: domain::lifecycle::SyncStatus,
    pub trigger: String,
    pub cursor_from: Option<String>,
    pub cursor_to: Option<String>,
    pub fetched: i64,
    pub stored: i64,
    pub updated: i64,
    pub revoked: i64,
    pub rejected: i64,
    pub error: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

const RUN: &str = "SELECT id, source, status, trigger, cursor_from, cursor_to, fetched, stored, updated, revoked, rejected, \
    error, started_at, finished_at FROM sync_runs";

/// Starts a run, or `None` when one of the source is already running (another process).
pub async fn start<'c>(
    e: impl Exec<'c>,
    source: &str,
    trigger: &str,
    cursor: Option<&str>,
    t: i64,
) -> Result<Option<SyncRunId>> {
    let r = sqlx::query_scalar(
        "INSERT INTO sync_runs (source, status, trigger, cursor_from, cursor_to, started_at) \
         VALUES ($1, 'running', $2, $3, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(source)
    .bind(trigger)
    .bind(cursor)
    .bind(t)
    .fetch_optional(e)
    .await?;
    Ok(r)
}

/// A run still marked running that started before `before` (its process died): failed.
pub async fn abandon_stale<'c>(e: impl Exec<'c>, source: &str, before: i64, t: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE sync_runs SET status = 'failed', error = '进程中断，已由下一次同步接替', finished_at = $3 \
         WHERE source = $1 AND status = 'running' AND started_at < $2",
    )
    .bind(source)
    .bind(before)
    .bind(t)
    .execute(e)
    .await?
    .rows_affected())
}

/// The counts of one page, added to the run with the cursor it reached.
pub struct PageCounts<'a> {
    pub fetched: i64,
    pub stored: i64,
    pub updated: i64,
    pub revoked: i64,
    pub rejected: i64,
    pub cursor: Option<&'a str>,
}

pub async fn add_page<'c>(e: impl Exec<'c>, run: SyncRunId, c: &PageCounts<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE sync_runs SET fetched = fetched + $1, stored = stored + $2, updated = updated + $3, revoked = revoked + $4, \
         rejected = rejected + $5, cursor_to = COALESCE($6, cursor_to) WHERE id = $7",
    )
    .bind(c.fetched)
    .bind(c.stored)
    .bind(c.updated)
    .bind(c.revoked)
    .bind(c.rejected)
    .bind(c.cursor)
    .bind(run)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn reject<'c>(e: impl Exec<'c>, run: SyncRunId, record: &str, reason: &str) -> Result<()> {
    sqlx::query("INSERT INTO sync_rejections (run_id, record_no, reason) VALUES ($1, $2, $3)")
        .bind(run)
        .bind(record)
        .bind(reason)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn finish<'c>(e: impl Exec<'c>, run: SyncRunId, error: Option<&str>, t: i64) -> Result<()> {
    sqlx::query("UPDATE sync_runs SET status = $1, error = $2, finished_at = $3 WHERE id = $4")
        .bind(if error.is_some() { "failed" } else { "done" })
        .bind(error)
        .bind(t)
        .bind(run)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn run<'c>(e: impl Exec<'c>, id: SyncRunId) -> Result<Option<Run>> {
    Ok(sqlx::query_as(&format!("{RUN} WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

pub async fn recent<'c>(e: impl Exec<'c>, source: &str, limit: i64) -> Result<Vec<Run>> {
    Ok(
        sqlx::query_as(&format!("{RUN} WHERE source = $1 ORDER BY id DESC LIMIT $2"))
            .bind(source)
            .bind(limit)
            .fetch_all(e)
            .await?,
    )
}

/// A record a run refused: its certificate number and why.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Rejection {
    pub record_no: String,
    pub reason: String,
}

pub async fn rejections<'c>(e: impl Exec<'c>, run: SyncRunId, limit: i64) -> Result<Vec<Rejection>> {
    Ok(
        sqlx::query_as("SELECT record_no, reason FROM sync_rejections WHERE run_id = $1 ORDER BY id LIMIT $2")
            .bind(run)
            .bind(limit)
            .fetch_all(e)
            .await?,
    )
}
