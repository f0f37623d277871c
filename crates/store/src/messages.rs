//! 我的消息: messages to a learner, an institution, a department or an expert, each
//! with an optional link to what it asks the recipient to act on.

use domain::ids::{HoldingId, LearnerId, MessageId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Message {
    pub id: MessageId,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub area: Option<String>,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, title, body, link, area, read_at, created_at";

/// Whose messages a reader sees: the box (role and id) and, for an institution's
/// sub-user, the areas it was given (`"*"`: every area). A message tagged with an area
/// is shown only to readers of that area.
#[derive(Debug, Clone, Copy)]
pub struct Inbox<'a> {
    pub role: &'a str,
    pub id: i64,
    pub areas: &'a str,
}

const IN_BOX: &str = "recipient_role = $1 AND recipient_id = $2 \
    AND (area IS NULL OR $3 = '*' OR (',' || $3 || ',') LIKE ('%,' || area || ',%'))";

pub async fn send<'c>(
    e: impl Exec<'c>,
    role: &str,
    recipient: impl Into<i64>,
    title: &str,
    body: &str,
    link: Option<&str>,
    now: i64,
) -> Result<()> {
    send_in_area(e, role, recipient, None, title, body, link, now).await
}

/// A message about one area of an institution's space (or any box, with `area` None).
#[allow(clippy::too_many_arguments)]
pub async fn send_in_area<'c>(
    e: impl Exec<'c>,
    role: &str,
    recipient: impl Into<i64>,
    area: Option<&str>,
    title: &str,
    body: &str,
    link: Option<&str>,
    now: i64,
) -> Result<()> {
    let recipient: i64 = recipient.into();
    sqlx::query(
        "INSERT INTO messages (recipient_role, recipient_id, area, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(role)
    .bind(recipient)
    .bind(area)
    .bind(title)
    .bind(body)
    .bind(link)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// The same message to every active expert (final reviews are open to the committee).
pub async fn send_to_experts<'c>(e: impl Exec<'c>, title: &str, body: &str, link: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO messages (recipient_role, recipient_id, title, body, link, created_at) \
         SELECT 'expert', id, $1, $2, $3, $4 FROM staff_users WHERE role = 'expert' AND disabled = 0",
    )
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
    holdings: &[(HoldingId, LearnerId)],
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

/// A page of the box, newest first: `unread_only` keeps the unread ones, `before_id`
/// continues after the last row of the previous page.
pub async fn list<'c>(
    e: impl Exec<'c>,
    inbox: Inbox<'_>,
    unread_only: bool,
    before_id: Option<MessageId>,
    limit: i64,
) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE {IN_BOX} AND ($4 = 0 OR read_at IS NULL) AND id < $5 \
         ORDER BY id DESC LIMIT $6"
    );
    Ok(sqlx::query_as(&sql)
        .bind(inbox.role)
        .bind(inbox.id)
        .bind(inbox.areas)
        .bind(i64::from(unread_only))
        .bind(before_id.map_or(i64::MAX, MessageId::get))
        .bind(limit)
        .fetch_all(e)
        .await?)
}

/// How many messages the box holds, and how many of them are unread.
pub async fn counts<'c>(e: impl Exec<'c>, inbox: Inbox<'_>) -> Result<(i64, i64)> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) FROM messages WHERE {IN_BOX}"
    );
    Ok(sqlx::query_as(&sql)
        .bind(inbox.role)
        .bind(inbox.id)
        .bind(inbox.areas)
        .fetch_one(e)
        .await?)
}

pub async fn unread<'c>(e: impl Exec<'c>, inbox: Inbox<'_>) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM messages WHERE {IN_BOX} AND read_at IS NULL");
    Ok(sqlx::query_scalar(&sql)
        .bind(inbox.role)
        .bind(inbox.id)
        .bind(inbox.areas)
        .fetch_one(e)
        .await?)
}

/// Marks one message of the box read and returns it; `None` when it is not in the box.
pub async fn open<'c>(e: impl Exec<'c>, inbox: Inbox<'_>, id: MessageId, now: i64) -> Result<Option<Message>> {
    let sql =
        format!("UPDATE messages SET read_at = COALESCE(read_at, $5) WHERE {IN_BOX} AND id = $4 RETURNING {COLUMNS}");
    Ok(sqlx::query_as(&sql)
        .bind(inbox.role)
        .bind(inbox.id)
        .bind(inbox.areas)
        .bind(id)
        .bind(now)
        .fetch_optional(e)
        .await?)
}

/// Marks every message of the box read; returns how many were unread.
pub async fn read_all<'c>(e: impl Exec<'c>, inbox: Inbox<'_>, now: i64) -> Result<u64> {
    let sql = format!("UPDATE messages SET read_at = $4 WHERE {IN_BOX} AND read_at IS NULL");
    let r = sqlx::query(&sql)
        .bind(inbox.role)
        .bind(inbox.id)
        .bind(inbox.areas)
        .bind(now)
        .execute(e)
        .await?;
    Ok(r.rows_affected())
}
