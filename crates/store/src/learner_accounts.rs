//! What some banks keep beyond the common account: Guangdong's registration facts, the
//! e-mail confirmations and the bank's review of new accounts (OUCN).

use domain::ids::{DepartmentId, LearnerId};
use sqlx::FromRow;

use crate::learners::Learner;
use crate::{Db, Exec, Page, Result, Where, paged};
use domain::lifecycle::LearnerStatus::{self, Review, Unconfirmed};

/// Guangdong's registration facts.
pub struct Facts<'a> {
    pub username: Option<&'a str>,
    pub nationality: Option<&'a str>,
    pub ethnicity: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub birth_date: Option<&'a str>,
    pub email: Option<&'a str>,
    pub address: Option<&'a str>,
}

pub async fn set_facts<'c>(e: impl Exec<'c>, id: LearnerId, f: &Facts<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE learners SET username = COALESCE($1, username), nationality = COALESCE($2, nationality), \
         ethnicity = COALESCE($3, ethnicity), gender = COALESCE($4, gender), birth_date = COALESCE($5, birth_date), \
         email = COALESCE($6, email), address = COALESCE($7, address) WHERE id = $8",
    )
    .bind(f.username)
    .bind(f.nationality)
    .bind(f.ethnicity)
    .bind(f.gender)
    .bind(f.birth_date)
    .bind(f.email)
    .bind(f.address)
    .bind(id)
    .execute(e)
    .await?;
    Ok(())
}

/// The account waits for its e-mail address to be confirmed.
pub async fn await_confirmation<'c>(e: impl Exec<'c>, id: LearnerId, email: &str) -> Result<()> {
    sqlx::query("UPDATE learners SET email = $1, status = $2 WHERE id = $3")
        .bind(email)
        .bind(Unconfirmed.code())
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// The account enters the bank's review.
pub async fn submit_for_review<'c>(e: impl Exec<'c>, id: LearnerId, t: i64) -> Result<()> {
    sqlx::query("UPDATE learners SET status = $1, submitted_at = $2 WHERE id = $3 AND status = $4")
        .bind(Review.code())
        .bind(t)
        .bind(id)
        .bind(Unconfirmed.code())
        .execute(e)
        .await?;
    Ok(())
}

/// Ends a review: `status` is what the account becomes (`active`, or `inactive` for a
/// pre-imported student who completes the account at first sign-in); `passed` stamps
/// the review. Returns whether the account was under review.
pub async fn end_review<'c>(
    e: impl Exec<'c>,
    id: LearnerId,
    status: LearnerStatus,
    passed: bool,
    t: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE learners SET status = $1, reviewed_at = CASE WHEN $2 = 1 THEN $3 ELSE NULL END, \
         submitted_at = CASE WHEN $2 = 1 THEN submitted_at ELSE NULL END, \
         activated_at = CASE WHEN $1 = 'active' THEN $3 ELSE activated_at END WHERE id = $4 AND status = $5",
    )
    .bind(status.code())
    .bind(i64::from(passed))
    .bind(t)
    .bind(id)
    .bind(Review.code())
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Accounts waiting for the review, oldest first; `institutions` limits them to the
/// accounts those institutions opened (a provincial department), with self-registered
/// ones left to the centre.
pub async fn review_queue(
    db: &Db,
    departments: Option<&[DepartmentId]>,
    page: i64,
    per_page: i64,
) -> Result<Page<Learner>> {
    let mut w = Where::new();
    w.text("status = ?", Review.code());
    if let Some(d) = departments {
        w.in_departments("created_by_institution", d, false);
    }
    let select = format!("SELECT {} FROM learners", crate::learners::COLUMNS);
    paged(db, &select, "FROM learners", &w, "submitted_at, id", page, per_page).await
}

#[derive(Debug, Clone, FromRow)]
pub struct Confirmation {
    pub learner_id: LearnerId,
    pub email: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert_confirmation<'c>(
    e: impl Exec<'c>,
    hash: &str,
    learner: LearnerId,
    email: &str,
    expires: i64,
    t: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO email_confirmations (token_hash, learner_id, email, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(learner)
    .bind(email)
    .bind(expires)
    .bind(t)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn confirmation<'c>(e: impl Exec<'c>, hash: &str) -> Result<Option<Confirmation>> {
    Ok(
        sqlx::query_as("SELECT learner_id, email, expires_at, used_at FROM email_confirmations WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(e)
            .await?,
    )
}

/// Uses a link once: false when it was already used.
pub async fn use_confirmation<'c>(e: impl Exec<'c>, hash: &str, t: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE email_confirmations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
        .bind(t)
        .bind(hash)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Links sent to one account in the last `since` seconds (a resend limit).
pub async fn recent_confirmations<'c>(e: impl Exec<'c>, learner: LearnerId, since: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM email_confirmations WHERE learner_id = $1 AND created_at >= $2")
            .bind(learner)
            .bind(since)
            .fetch_one(e)
            .await?,
    )
}
