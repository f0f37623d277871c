//! Fixed-window rate limits kept in the database, so every process behind a load
//! balancer counts the same attempts.

use crate::{Exec, Result};

/// Counts one hit for `key` in the current window of `window` seconds and returns the
/// number of hits in that window, this one included.
pub async fn hit<'c>(e: impl Exec<'c>, key: &str, window: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $2 - $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $2 - $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits",
    )
    .bind(key)
    .bind(now)
    .bind(window)
    .fetch_one(e)
    .await?)
}

/// The hits of `key` in its current window (0 once the window has passed), counting none.
pub async fn current<'c>(e: impl Exec<'c>, key: &str, window: i64, now: i64) -> Result<i64> {
    let hits: Option<i64> =
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE key = $1 AND window_start > $2 - $3")
            .bind(key)
            .bind(now)
            .bind(window)
            .fetch_optional(e)
            .await?;
    Ok(hits.unwrap_or(0))
}

/// Forgets the hits of `key` (a sign-in that succeeded).
pub async fn clear<'c>(e: impl Exec<'c>, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(e)
        .await?;
    Ok(())
}
