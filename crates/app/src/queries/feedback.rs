//! 问题反馈 lists and details: a learner sees its own reports; an institution (with the
//! outcomes area) the reports it answers; a department those of its scope.

use domain::ids::{FeedbackId, FileId};
use domain::role::Area;
pub use store::feedback::{Feedback, Reply};

use super::FeedbackFilter;

use crate::auth::Principal;
use crate::{App, AppError, AppResult};

pub const LIMIT: i64 = 200;

fn owner(who: &Principal) -> AppResult<store::feedback::Owner> {
    use store::feedback::Owner;
    Ok(match who {
        Principal::Learner(l) => Owner::Learner(l.id),
        Principal::Institution { user, institution } => {
            crate::institutions::require(user, Area::Outcomes)?;
            Owner::Institution(institution.id)
        }
        Principal::Department { scope, .. } => Owner::Departments(scope.clone()),
        Principal::Expert(_) => return Err(AppError::forbidden()),
    })
}

fn sees(who: &Principal, f: &Feedback) -> bool {
    match who {
        Principal::Learner(l) => f.learner_id == l.id,
        Principal::Institution { user, institution } => {
            f.institution_id == Some(institution.id) && crate::institutions::may(user, Area::Outcomes)
        }
        Principal::Department { scope, .. } => f.department_id.is_some_and(|d| scope.contains(&d)),
        Principal::Expert(_) => false,
    }
}

pub async fn list(app: &App, who: &Principal, f: &FeedbackFilter) -> AppResult<Vec<Feedback>> {
    Ok(store::feedback::list(&app.db.pool, &owner(who)?, f, LIMIT).await?)
}

/// One report with its replies; "not found" for anyone who may not see it.
pub async fn detail(app: &App, who: &Principal, id: FeedbackId) -> AppResult<(Feedback, Vec<Reply>)> {
    let f = store::feedback::by_id(&app.db.pool, id)
        .await?
        .filter(|f| sees(who, f))
        .ok_or_else(AppError::not_found)?;
    let replies = store::feedback::replies(&app.db.pool, id).await?;
    Ok((f, replies))
}

/// A report the caller answers (not the learner's own).
pub async fn answerable(app: &App, who: &Principal, id: FeedbackId) -> AppResult<Feedback> {
    if matches!(who, Principal::Learner(_)) {
        return Err(AppError::not_found());
    }
    Ok(detail(app, who, id).await?.0)
}

/// Whether the caller may download a file attached to a report.
pub async fn may_see_file(app: &App, who: &Principal, file: FileId) -> AppResult<bool> {
    for id in store::feedback::of_file(&app.db.pool, file).await? {
        if let Some(f) = store::feedback::by_id(&app.db.pool, id).await?
            && sees(who, &f)
        {
            return Ok(true);
        }
    }
    Ok(false)
}
