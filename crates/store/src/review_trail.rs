//! Review trails: the decisions on a learner outcome's recognition, a conversion
//! application and a 业绩类 conversion request, kept in tables of the same shape.

use domain::ids::HoldingId;
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Review {
    pub id: i64,
    pub stage: String,
    pub decision: String,
    pub opinion: Option<String>,
    pub reviewer_name: Option<String>,
    pub created_at: i64,
}

pub async fn add_review<'c>(
    e: impl Exec<'c>,
    outcome: HoldingId,
    stage: &str,
    decision: &str,
    opinion: Option<&str>,
    reviewer: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    let trail = ("recognition_reviews", "learner_outcome_id");
    insert_review(e, trail, outcome, stage, decision, opinion, reviewer, now).await
}

pub async fn reviews<'c>(e: impl Exec<'c>, outcome: HoldingId) -> Result<Vec<Review>> {
    list_reviews(e, ("recognition_reviews", "learner_outcome_id"), outcome).await
}

/// Appends to a review trail: (table, column of the reviewed row). Recognition and
/// conversion applications keep their trails in tables of the same shape.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_review<'c>(
    e: impl Exec<'c>,
    (table, subject_col): (&str, &str),
    subject: impl Into<i64>,
    stage: &str,
    decision: &str,
    opinion: Option<&str>,
    reviewer: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO {table} ({subject_col}, stage, decision, opinion, reviewer_role, reviewer_id, reviewer_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(subject.into())
    .bind(stage)
    .bind(decision)
    .bind(opinion)
    .bind(&reviewer.role)
    .bind(reviewer.id)
    .bind(&reviewer.name)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// A review trail, oldest first.
pub(crate) async fn list_reviews<'c>(
    e: impl Exec<'c>,
    (table, subject_col): (&str, &str),
    subject: impl Into<i64>,
) -> Result<Vec<Review>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, stage, decision, opinion, reviewer_name, created_at FROM {table} WHERE {subject_col} = $1 ORDER BY id"
    ))
    .bind(subject.into())
    .fetch_all(e)
    .await?)
}
