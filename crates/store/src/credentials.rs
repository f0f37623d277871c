//! Verifiable credentials issued to learners; revoking one sets the bit its id names.

use domain::ids::{HoldingId, LearnerId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Credential {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub learner_id: LearnerId,
    pub holding_id: HoldingId,
    pub document: String,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, number, kind, learner_id, holding_id, document, revoked_at, revoked_reason, created_at";

/// Reserves a row (and so its serial); the document is written by `set_document` in the
/// same transaction once the serial has placed it in a status list.
pub async fn reserve<'c>(
    e: impl Exec<'c>,
    number: &str,
    kind: &str,
    learner: LearnerId,
    holding: HoldingId,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO credentials (number, kind, learner_id, holding_id, document, created_at) \
         VALUES ($1, $2, $3, $4, '', $5) RETURNING id",
    )
    .bind(number)
    .bind(kind)
    .bind(learner)
    .bind(holding)
    .bind(now)
    .fetch_one(e)
    .await?)
}

pub async fn set_document<'c>(e: impl Exec<'c>, id: i64, document: &str) -> Result<()> {
    sqlx::query("UPDATE credentials SET document = $2 WHERE id = $1")
        .bind(id)
        .bind(document)
        .execute(e)
        .await?;
    Ok(())
}

/// The credential of a holding that still holds, if one was issued.
pub async fn current_of_holding<'c>(e: impl Exec<'c>, holding: HoldingId) -> Result<Option<Credential>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM credentials WHERE holding_id = $1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1"
    ))
    .bind(holding)
    .fetch_optional(e)
    .await?)
}

pub async fn by_number<'c>(e: impl Exec<'c>, number: &str) -> Result<Option<Credential>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM credentials WHERE number = $1"))
            .bind(number)
            .fetch_optional(e)
            .await?,
    )
}

pub async fn of_learner<'c>(e: impl Exec<'c>, learner: LearnerId) -> Result<Vec<Credential>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM credentials WHERE learner_id = $1 ORDER BY id DESC LIMIT 500"
    ))
    .bind(learner)
    .fetch_all(e)
    .await?)
}

/// Revokes every credential of a holding; returns how many.
pub async fn revoke_of_holding<'c>(e: impl Exec<'c>, holding: HoldingId, reason: &str, now: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE credentials SET revoked_at = $3, revoked_reason = $2 WHERE holding_id = $1 AND revoked_at IS NULL",
    )
    .bind(holding)
    .bind(reason)
    .bind(now)
    .execute(e)
    .await?
    .rows_affected())
}

/// The revoked serials in `[first, last]`.
pub async fn revoked_between<'c>(e: impl Exec<'c>, first: i64, last: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM credentials WHERE revoked_at IS NOT NULL AND id BETWEEN $1 AND $2 ORDER BY id",
    )
    .bind(first)
    .bind(last)
    .fetch_all(e)
    .await?)
}

/// The highest serial issued (0 when none): lists above it do not exist yet.
pub async fn last_serial<'c>(e: impl Exec<'c>) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM credentials")
        .fetch_one(e)
        .await?
        .unwrap_or(0))
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: i64) -> Result<Option<Credential>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM credentials WHERE id = $1"))
            .bind(id)
            .fetch_optional(e)
            .await?,
    )
}
