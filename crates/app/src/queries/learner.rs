//! What a learner's own pages show: the personal centre, the ledger, messages and
//! certificates. Every function reads only the given learner's rows.

use crate::auth::Principal;
use crate::{App, AppError, AppResult};

use super::{Certificate, HoldingFilter, Learner, LedgerEntry, Message};

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
        unread: unread(app, &who).await?,
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

/// The role and id a message box belongs to.
fn recipient(who: &Principal) -> (&'static str, i64) {
    match who {
        Principal::Learner(l) => ("learner", l.id),
        Principal::Institution { user, .. } => ("institution", user.id),
        Principal::Department { user, .. } => ("department", user.id),
        Principal::Expert(u) => ("expert", u.id),
    }
}

/// The caller's latest messages, newest first.
pub async fn messages(app: &App, who: &Principal, limit: i64) -> AppResult<Vec<Message>> {
    let (role, id) = recipient(who);
    Ok(store::messages::list(&app.db.pool, role, id, limit).await?)
}

pub async fn unread(app: &App, who: &Principal) -> AppResult<i64> {
    let (role, id) = recipient(who);
    Ok(store::messages::unread(&app.db.pool, role, id).await?)
}

/// Opens one of the caller's messages, marking it read.
pub async fn open_message(app: &App, who: &Principal, id: i64) -> AppResult<Message> {
    let (role, recipient) = recipient(who);
    store::messages::open(&app.db.pool, role, recipient, id, store::now())
        .await?
        .ok_or_else(AppError::not_found)
}
