//! The credit ledger: append-only; a balance is the sum of a learner's entries.

use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub id: i64,
    pub learner_id: i64,
    pub amount: i64,
    pub reason: String,
    pub learner_outcome_id: Option<i64>,
    pub created_at: i64,
}

pub async fn append<'c>(
    e: impl Exec<'c>,
    learner_id: i64,
    amount: i64,
    reason: &str,
    outcome: Option<i64>,
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

/// The same credit for many (learner, holding) pairs (an import of a recognised outcome).
pub async fn append_many<'c>(
    e: impl Exec<'c>,
    entries: &[(i64, i64)],
    amount: i64,
    reason: &str,
    actor: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..entries.len())
        .map(|i| format!("(${}, $1, $2, ${}, $3, $4, $5)", 6 + 2 * i, 7 + 2 * i))
        .collect();
    let sql = format!(
        "INSERT INTO credit_ledger (learner_id, amount, reason, learner_outcome_id, actor_role, actor_id, created_at) VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(amount)
        .bind(reason)
        .bind(&actor.role)
        .bind(actor.id)
        .bind(now);
    for (learner, holding) in entries {
        q = q.bind(*learner).bind(*holding);
    }
    q.execute(e).await?;
    Ok(())
}

/// Sum of the learner's entries, in hundredths.
pub async fn balance<'c>(e: impl Exec<'c>, learner_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_ledger WHERE learner_id = $1")
            .bind(learner_id)
            .fetch_one(e)
            .await?,
    )
}

pub async fn entries<'c>(e: impl Exec<'c>, learner_id: i64) -> Result<Vec<Entry>> {
    Ok(sqlx::query_as(
        "SELECT id, learner_id, amount, reason, learner_outcome_id, created_at FROM credit_ledger WHERE learner_id = $1 ORDER BY id DESC",
    )
    .bind(learner_id)
    .fetch_all(e)
    .await?)
}
