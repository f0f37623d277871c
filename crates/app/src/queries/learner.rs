//! What a learner's own pages show: the personal centre, the ledger, messages and
//! certificates. Every function reads only the given learner's rows.

use crate::auth::Principal;
use crate::{App, AppResult};

use super::{Certificate, HoldingFilter, Learner, LedgerEntry};

/// The counts on the personal centre.
pub struct Overview {
    pub outcome_total: i64,
    pub registered: i64,
    pub stored: i64,
    pub converted: i64,
    /// Hundredths of a credit.
    pub total_credits: i64,
    pub unread: i64,
}

pub async fn overview(app: &App, l: &Learner) -> AppResult<Overview> {
    let who = Principal::Learner(l.clone());
    let count = |statuses: Vec<&'static str>, converted: Option<bool>| {
        let f = HoldingFilter {
            statuses,
            converted,
            ..Default::default()
        };
        super::holdings::count(app, &who, f)
    };
    Ok(Overview {
        outcome_total: count(vec![], None).await?,
        registered: count(vec!["registered"], None).await?,
        stored: count(vec!["stored"], None).await?,
        converted: count(vec![], Some(true)).await?,
        total_credits: store::ledger::balance(&app.db.pool, l.id).await?,
        unread: super::messages::unread(app, &who).await?,
    })
}

/// The learner's balance in hundredths of a credit, and the ledger entries behind it.
pub async fn ledger(app: &App, l: &Learner) -> AppResult<(i64, Vec<LedgerEntry>)> {
    let pool = &app.db.pool;
    Ok((
        store::ledger::balance(pool, l.id).await?,
        store::ledger::entries(pool, l.id).await?,
    ))
}

pub async fn certificates(app: &App, l: &Learner) -> AppResult<Vec<Certificate>> {
    Ok(store::certificates::of_learner(&app.db.pool, l.id).await?)
}
