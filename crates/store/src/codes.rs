//! One-time codes: SMS verification codes and image-captcha answers.

use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct SmsCode {
    pub id: i64,
    pub mobile: String,
    pub purpose: String,
    pub code_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub attempts: i64,
    pub consumed: i64,
}

pub async fn insert_sms<'c>(
    e: impl Exec<'c>,
    mobile: &str,
    purpose: &str,
    code_hash: &str,
    now: i64,
    ttl: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sms_codes (mobile, purpose, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(mobile)
    .bind(purpose)
    .bind(code_hash)
    .bind(now)
    .bind(now + ttl)
    .execute(e)
    .await?;
    Ok(())
}

/// The newest code sent to this mobile for this purpose.
pub async fn latest_sms<'c>(e: impl Exec<'c>, mobile: &str, purpose: &str) -> Result<Option<SmsCode>> {
    Ok(sqlx::query_as(
        "SELECT id, mobile, purpose, code_hash, created_at, expires_at, attempts, consumed FROM sms_codes \
         WHERE mobile = $1 AND purpose = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(mobile)
    .bind(purpose)
    .fetch_optional(e)
    .await?)
}

pub async fn count_attempt<'c>(e: impl Exec<'c>, id: i64) -> Result<()> {
    sqlx::query("UPDATE sms_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// Marks a code used; false if it was already used (a concurrent request won).
pub async fn consume<'c>(e: impl Exec<'c>, id: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE sms_codes SET consumed = 1 WHERE id = $1 AND consumed = 0")
        .bind(id)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_captcha<'c>(e: impl Exec<'c>, id: &str, answer: &str, expires_at: i64) -> Result<()> {
    sqlx::query("INSERT INTO captchas (id, answer, expires_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(answer)
        .bind(expires_at)
        .execute(e)
        .await?;
    Ok(())
}

/// Removes the captcha and returns its answer if it had not expired: each captcha is
/// checked at most once, right or wrong.
pub async fn take_captcha<'c>(e: impl Exec<'c>, id: &str, now: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("DELETE FROM captchas WHERE id = $1 AND expires_at > $2 RETURNING answer")
            .bind(id)
            .bind(now)
            .fetch_optional(e)
            .await?,
    )
}

/// Whether an unexpired captcha with this id exists (to serve its image).
pub async fn captcha_answer<'c>(e: impl Exec<'c>, id: &str, now: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT answer FROM captchas WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now)
            .fetch_optional(e)
            .await?,
    )
}

/// Deletes expired captchas, SMS codes older than a day and expired sessions.
pub async fn purge_expired(db: &crate::Db, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM captchas WHERE expires_at <= $1")
        .bind(now)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM sms_codes WHERE created_at < $1")
        .bind(now - 86_400)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}
