//! The development outbox: SMS and e-mail that were "sent" without a real gateway.

use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: i64,
}

pub async fn insert<'c>(
    e: impl Exec<'c>,
    channel: &str,
    recipient: &str,
    subject: Option<&str>,
    body: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(channel)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn latest<'c>(e: impl Exec<'c>, limit: i64) -> Result<Vec<OutboxMessage>> {
    Ok(
        sqlx::query_as(
            "SELECT id, channel, recipient, subject, body, created_at FROM outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(e)
        .await?,
    )
}

pub async fn latest_to<'c>(e: impl Exec<'c>, recipient: &str) -> Result<Option<OutboxMessage>> {
    Ok(sqlx::query_as("SELECT id, channel, recipient, subject, body, created_at FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1")
        .bind(recipient)
        .fetch_optional(e)
        .await?)
}
