//! Learner outcomes (学员成果) as each role may see them.

use crate::auth::Principal;
use crate::{App, AppError, AppResult};
use domain::ids::HoldingId;

use super::{Holding, HoldingFilter, Page, Review, StoredFile};

/// Narrows a filter to the caller's rows: a learner's own, an institution's issued, a
/// department's scope (the centre sees every row), an expert's recognition cases (those
/// waiting for its 终审 and those it decided).
pub fn scoped(who: &Principal, mut f: HoldingFilter) -> HoldingFilter {
    match who {
        Principal::Learner(l) => f.learner_id = Some(l.id),
        Principal::Institution { institution, .. } => f.issuer_institution_id = Some(institution.id),
        Principal::Department { department, .. } if department.parent_id.is_none() => f.departments = None,
        Principal::Department { scope, .. } => f.departments = Some(scope.clone()),
        Principal::Expert(e) => f.expert = Some(e.id),
    }
    f
}

pub async fn list(app: &App, who: &Principal, f: HoldingFilter, page: i64, per_page: i64) -> AppResult<Page<Holding>> {
    Ok(store::holdings::list(&app.db, &scoped(who, f), page, per_page).await?)
}

/// A page of the list without its count (the caller counted it with `count`).
pub async fn rows(app: &App, who: &Principal, f: HoldingFilter, page: i64, per_page: i64) -> AppResult<Vec<Holding>> {
    Ok(store::holdings::rows(&app.db, &scoped(who, f), page, per_page).await?)
}

pub async fn count(app: &App, who: &Principal, f: HoldingFilter) -> AppResult<i64> {
    Ok(store::holdings::count(&app.db, &scoped(who, f)).await?)
}

/// Whether this caller may see this learner outcome.
pub async fn may_see(app: &App, who: &Principal, h: &Holding) -> AppResult<bool> {
    if crate::conversion::performance::reviews_source(app, who, h.id).await? {
        return Ok(true);
    }
    Ok(match who {
        Principal::Learner(l) => h.learner_id == l.id,
        Principal::Institution { user, institution } => {
            h.issuer_institution_id == Some(institution.id)
                && crate::institutions::may(user, domain::role::Area::Outcomes)
        }
        Principal::Department { scope, .. } => crate::holdings::department_covers(app, scope, h).await?,
        Principal::Expert(e) => {
            h.recognition == domain::outcome::Recognition::InitialPassed
                || store::holdings::decided_by_expert(&app.db.pool, h.id, e.id).await?
        }
    })
}

/// One learner outcome, or "not found" for anyone who may not see it.
pub async fn get(app: &App, who: &Principal, id: HoldingId) -> AppResult<Holding> {
    let h = store::holdings::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if may_see(app, who, &h).await? {
        Ok(h)
    } else {
        Err(AppError::not_found())
    }
}

/// What a detail page shows beside the outcome: its evidence files, the file that
/// explains a withdrawal, and the review history.
pub struct Documents {
    pub files: Vec<StoredFile>,
    pub withdraw_file: Option<StoredFile>,
    pub reviews: Vec<Review>,
}

/// The documents of an outcome the caller has already been allowed to see.
pub async fn documents(app: &App, h: &Holding) -> AppResult<Documents> {
    let pool = &app.db.pool;
    let withdraw_file = match h.withdraw_file {
        Some(f) => store::files::by_id(pool, f).await?,
        None => None,
    };
    Ok(Documents {
        files: store::files::of_outcome(pool, h.id).await?,
        withdraw_file,
        reviews: store::holdings::reviews(pool, h.id).await?,
    })
}

/// The review queues of learner outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// 成果存储审核: submitted outcomes, for the department.
    Storage,
    /// 成果认定初审: recognition applications, for the department.
    Initial,
    /// 成果认定终审: applications that passed the initial review, for experts.
    Final,
}

impl Queue {
    fn filter(self) -> HoldingFilter {
        match self {
            Queue::Storage => HoldingFilter {
                statuses: vec!["submitted"],
                ..Default::default()
            },
            Queue::Initial => HoldingFilter {
                recognition: vec!["applied"],
                ..Default::default()
            },
            Queue::Final => HoldingFilter {
                recognition: vec!["initial_passed"],
                ..Default::default()
            },
        }
    }
}

/// Review queues show at most this many rows, oldest decisions first.
pub const QUEUE_ROWS: i64 = 200;

/// The rows of a review queue the caller may see.
pub async fn queue(app: &App, who: &Principal, q: Queue) -> AppResult<Vec<Holding>> {
    Ok(list(app, who, q.filter(), 1, QUEUE_ROWS).await?.rows)
}

/// The ids ticked, or every id of the queue when none is ("review all pending").
pub async fn ticked_or_all(app: &App, who: &Principal, q: Queue, ticked: Vec<HoldingId>) -> AppResult<Vec<HoldingId>> {
    if !ticked.is_empty() {
        return Ok(ticked);
    }
    Ok(queue(app, who, q).await?.into_iter().map(|h| h.id).collect())
}

/// The number of evidence files of each outcome, for list pages.
pub async fn evidence_counts(app: &App, rows: &[Holding]) -> AppResult<Vec<usize>> {
    let ids: Vec<HoldingId> = rows.iter().map(|h| h.id).collect();
    let counts = store::files::counts_of_outcomes(&app.db.pool, &ids).await?;
    Ok(ids
        .iter()
        .map(|id| counts.iter().find(|(h, _)| h == id).map_or(0, |(_, n)| *n as usize))
        .collect())
}
