//! The credit ledger: append-only; a balance is the sum of a learner's entries.

use domain::ids::{HoldingId, LearnerId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub id: i64,
    pub learner_id: LearnerId,
    pub amount: i64,
    pub reason: String,
    pub learner_outcome_id: Option<HoldingId>,
    pub created_at: i64,
}

pub async fn append<'c>(
    e: impl Exec<'c>,
    learner_id: LearnerId,
    amount: i64,
    reason: &str,
    outcome: Option<HoldingId>,
    actor: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO credit_ledger (learner_id, amount, reason, learner_outcome_id, actor_role, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(learner_id)
    .bind(amount)
    .bind(reason)
    .bind(outcome)
    .bind(&actor.role)
    .bind(actor.id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// The same credit for many (holding, learner) pairs (an import of a recognised outcome).
pub async fn credit_holdings(
    conn: &mut sqlx::AnyConnection,
    holdings: &[(HoldingId, LearnerId)],
    amount: i64,
    reason: &str,
    actor: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    if holdings.is_empty() {
        return Ok(());
    }
    let (marks, values) = crate::batch_marks(crate::backend_of(conn), 5, holdings.len(), 2);
    let sql = format!(
        "INSERT INTO credit_ledger (amount, reason, actor_role, actor_id, created_at, learner_outcome_id, learner_id) \
         SELECT {}, v.column1, v.column2 FROM (VALUES {}) AS v",
        marks.join(", "),
        values
    );
    let mut q = sqlx::query(&sql)
        .bind(amount)
        .bind(reason)
        .bind(&actor.role)
        .bind(actor.id)
        .bind(now);
    for (holding, learner) in holdings {
        q = q.bind(*holding).bind(*learner);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Sum of the learner's entries, in hundredths.
pub async fn balance<'c>(e: impl Exec<'c>, learner_id: LearnerId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_ledger WHERE learner_id = $1")
            .bind(learner_id)
            .fetch_one(e)
            .await?,
    )
}

pub async fn entries<'c>(e: impl Exec<'c>, learner_id: LearnerId) -> Result<Vec<Entry>> {
    Ok(sqlx::query_as(
        "SELECT id, learner_id, amount, reason, learner_outcome_id, created_at FROM credit_ledger WHERE learner_id = $1 ORDER BY id DESC",
    )
    .bind(learner_id)
    .fetch_all(e)
    .await?)
}
