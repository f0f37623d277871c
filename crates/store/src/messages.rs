//! 我的消息: messages to a learner or an institution, with a link to act on.

use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Message {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

pub async fn send<'c>(
    e: impl Exec<'c>,
    role: &str,
    recipient: i64,
    title: &str,
    body: &str,
    link: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO messages (recipient_role, recipient_id, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(role)
        .bind(recipient)
        .bind(title)
        .bind(body)
        .bind(link)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// The same message to the learners of many (holding, learner) pairs, each linked to
/// its holding.
pub async fn send_for_holdings(
    conn: &mut sqlx::AnyConnection,
    holdings: &[(i64, i64)],
    title: &str,
    body: &str,
    now: i64,
) -> Result<()> {
    if holdings.is_empty() {
        return Ok(());
    }
    let (marks, values) = crate::batch_marks(crate::backend_of(conn), 3, holdings.len(), 2);
    let sql = format!(
        "INSERT INTO messages (recipient_role, title, body, created_at, recipient_id, link) \
         SELECT 'learner', {}, {}, {}, v.column2, '/learner/outcomes/' || v.column1 FROM (VALUES {}) AS v",
        marks[0], marks[1], marks[2], values
    );
    let mut q = sqlx::query(&sql).bind(title).bind(body).bind(now);
    for (holding, learner) in holdings {
        q = q.bind(*holding).bind(*learner);
    }
    q.execute(conn).await?;
    Ok(())
}

pub async fn list<'c>(e: impl Exec<'c>, role: &str, recipient: i64, limit: i64) -> Result<Vec<Message>> {
    Ok(sqlx::query_as(
        "SELECT id, title, body, link, read_at, created_at FROM messages WHERE recipient_role = $1 AND recipient_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(role)
    .bind(recipient)
    .bind(limit)
    .fetch_all(e)
    .await?)
}

pub async fn unread<'c>(e: impl Exec<'c>, role: &str, recipient: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE recipient_role = $1 AND recipient_id = $2 AND read_at IS NULL",
    )
    .bind(role)
    .bind(recipient)
    .fetch_one(e)
    .await?)
}

/// Marks one of the recipient's messages read and returns it.
pub async fn open<'c>(e: impl Exec<'c>, role: &str, recipient: i64, id: i64, now: i64) -> Result<Option<Message>> {
    Ok(sqlx::query_as(
        "UPDATE messages SET read_at = COALESCE(read_at, $4) WHERE id = $3 AND recipient_role = $1 AND recipient_id = $2 \
         RETURNING id, title, body, link, read_at, created_at",
    )
    .bind(role)
    .bind(recipient)
    .bind(id)
    .bind(now)
    .fetch_optional(e)
    .await?)
}
