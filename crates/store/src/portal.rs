//! The public portal's content: 工作动态 (news), the 业务介绍 / 关于我们 pages and the
//! questions of 在线解答.

use domain::ids::{NewsId, QuestionId, StaffUserId};
use domain::lifecycle::{NewsStatus, QuestionStatus};
use sqlx::FromRow;

use crate::{Db, Exec, Page, Result, Where, paged};

#[derive(Debug, Clone, FromRow)]
pub struct News {
    pub id: NewsId,
    pub title: String,
    pub body: String,
    pub body_html: String,
    #[sqlx(try_from = "String")]
    pub status: NewsStatus,
    pub author_id: StaffUserId,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const NEWS: &str =
    "SELECT id, title, body, body_html, status, author_id, published_at, created_at, updated_at FROM news";

pub async fn insert_news<'c>(
    e: impl Exec<'c>,
    title: &str,
    body: &str,
    html: &str,
    author: StaffUserId,
    t: i64,
) -> Result<NewsId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO news (title, body, body_html, status, author_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $5) RETURNING id",
    )
    .bind(title)
    .bind(body)
    .bind(html)
    .bind(author)
    .bind(t)
    .fetch_one(e)
    .await?)
}

pub async fn update_news<'c>(e: impl Exec<'c>, id: NewsId, title: &str, body: &str, html: &str, t: i64) -> Result<()> {
    sqlx::query("UPDATE news SET title = $1, body = $2, body_html = $3, updated_at = $4 WHERE id = $5")
        .bind(title)
        .bind(body)
        .bind(html)
        .bind(t)
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// Moves a news item to `status`; publishing stamps the time it first went out.
pub async fn set_news_status<'c>(e: impl Exec<'c>, id: NewsId, status: NewsStatus, t: i64) -> Result<()> {
    sqlx::query(
        "UPDATE news SET status = $1, updated_at = $2, \
         published_at = CASE WHEN $1 = 'published' THEN COALESCE(published_at, $2) ELSE published_at END WHERE id = $3",
    )
    .bind(status.code())
    .bind(t)
    .bind(id)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn delete_news<'c>(e: impl Exec<'c>, id: NewsId) -> Result<()> {
    sqlx::query("DELETE FROM news WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn news<'c>(e: impl Exec<'c>, id: NewsId) -> Result<Option<News>> {
    Ok(sqlx::query_as(&format!("{NEWS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

/// News matching a title search; only published ones unless `all`.
pub async fn news_page(db: &Db, q: &str, all: bool, page: i64, per_page: i64) -> Result<Page<News>> {
    let mut w = Where::new();
    if !all {
        w.raw("status = 'published'");
    }
    if !q.trim().is_empty() {
        w.text("title LIKE ? ESCAPE '\\'", crate::like_pattern(q));
    }
    let order = if all {
        "updated_at DESC, id DESC"
    } else {
        "published_at DESC, id DESC"
    };
    paged(db, NEWS, "FROM news", &w, order, page, per_page).await
}

#[derive(Debug, Clone, FromRow)]
pub struct PortalPage {
    pub slug: String,
    pub body: String,
    pub body_html: String,
    pub updated_at: i64,
}

pub async fn portal_page<'c>(e: impl Exec<'c>, slug: &str) -> Result<Option<PortalPage>> {
    Ok(
        sqlx::query_as("SELECT slug, body, body_html, updated_at FROM portal_pages WHERE slug = $1")
            .bind(slug)
            .fetch_optional(e)
            .await?,
    )
}

pub async fn save_portal_page<'c>(
    e: impl Exec<'c>,
    slug: &str,
    body: &str,
    html: &str,
    by: StaffUserId,
    t: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_pages (slug, body, body_html, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET body = excluded.body, body_html = excluded.body_html, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(slug)
    .bind(body)
    .bind(html)
    .bind(by)
    .bind(t)
    .execute(e)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Question {
    pub id: QuestionId,
    pub asker_role: String,
    pub asker_id: i64,
    pub asker_name: String,
    pub title: String,
    pub body: String,
    pub answer: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: QuestionStatus,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

const QUESTION: &str =
    "SELECT id, asker_role, asker_id, asker_name, title, body, answer, status, created_at, answered_at FROM questions";

pub struct NewQuestion<'a> {
    pub asker_role: &'a str,
    pub asker_id: i64,
    pub asker_name: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub now: i64,
}

pub async fn insert_question<'c>(e: impl Exec<'c>, q: &NewQuestion<'_>) -> Result<QuestionId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO questions (asker_role, asker_id, asker_name, title, body, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
    )
    .bind(q.asker_role)
    .bind(q.asker_id)
    .bind(q.asker_name)
    .bind(q.title)
    .bind(q.body)
    .bind(q.now)
    .fetch_one(e)
    .await?)
}

pub async fn answer_question<'c>(
    e: impl Exec<'c>,
    id: QuestionId,
    answer: &str,
    status: QuestionStatus,
    by: StaffUserId,
    t: i64,
) -> Result<()> {
    sqlx::query("UPDATE questions SET answer = $1, status = $2, answered_by = $3, answered_at = $4 WHERE id = $5")
        .bind(answer)
        .bind(status.code())
        .bind(by)
        .bind(t)
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn question<'c>(e: impl Exec<'c>, id: QuestionId) -> Result<Option<Question>> {
    Ok(sqlx::query_as(&format!("{QUESTION} WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

/// Which questions a list shows.
pub enum Questions<'a> {
    /// Answers the bank published (the public 在线解答).
    Published,
    /// One asker's own questions.
    AskedBy(&'a str, i64),
    /// The bank's queue: one status, or every question.
    Status(Option<&'a str>),
}

pub async fn questions(db: &Db, which: Questions<'_>, q: &str, page: i64, per_page: i64) -> Result<Page<Question>> {
    let mut w = Where::new();
    match which {
        Questions::Published => {
            w.raw("status = 'published'");
        }
        Questions::AskedBy(role, id) => {
            w.text("asker_role = ?", role).int("asker_id = ?", id);
        }
        Questions::Status(Some(s)) => {
            w.text("status = ?", s);
        }
        Questions::Status(None) => {}
    }
    if !q.trim().is_empty() {
        w.text(
            "(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\')",
            crate::like_pattern(q),
        );
    }
    paged(db, QUESTION, "FROM questions", &w, "id DESC", page, per_page).await
}

/// Questions of one asker still waiting for an answer.
pub async fn open_questions_of<'c>(e: impl Exec<'c>, role: &str, id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM questions WHERE asker_role = $1 AND asker_id = $2 AND status = 'open'",
        )
        .bind(role)
        .bind(id)
        .fetch_one(e)
        .await?,
    )
}
