//! 工作台 (M-01): the department's queues, each with its count, how long its oldest
//! item has waited and, where the bank promises a delay, the time left.

use domain::time::working_days_between;

use super::holdings::Queue;
use super::{ApplicationFilter, FeedbackFilter};
use crate::auth::Principal;
use crate::{App, AppError, AppResult};

/// The bank stores and recognises an outcome within this many working days.
pub const OUTCOME_DAYS: i64 = 10;

pub struct QueueView {
    pub label: &'static str,
    pub href: &'static str,
    pub count: i64,
    /// Working days the oldest item has waited.
    pub oldest_waited: Option<i64>,
    /// The promised delay, in working days.
    pub promised: Option<i64>,
}

impl QueueView {
    /// Working days left for the oldest item (negative: overdue).
    pub fn left(&self) -> Option<i64> {
        Some(self.promised? - self.oldest_waited?)
    }
}

fn waited(since: impl Iterator<Item = i64>, now: i64) -> Option<i64> {
    since.min().map(|t| working_days_between(t, now))
}

pub async fn department(app: &App, who: &Principal) -> AppResult<Vec<QueueView>> {
    let Principal::Department { scope, .. } = who else {
        return Err(AppError::forbidden());
    };
    let now = super::now();
    let pending =
        super::institutions::in_scope(app, scope, Some(domain::lifecycle::InstitutionStatus::Pending)).await?;
    let mut queues = vec![QueueView {
        label: "机构注册审核",
        href: "/department/institutions/pending",
        count: pending.len() as i64,
        oldest_waited: waited(pending.iter().filter_map(|i| i.submitted_at), now),
        promised: None,
    }];
    for (q, label, href) in [
        (Queue::Storage, "成果存储审核", "/department/storage"),
        (Queue::Initial, "成果认定初审", "/department/recognition"),
    ] {
        let rows = super::holdings::queue(app, who, q).await?;
        queues.push(QueueView {
            label,
            href,
            count: rows.len() as i64,
            oldest_waited: waited(rows.iter().map(|h| h.updated_at), now),
            promised: Some(OUTCOME_DAYS),
        });
    }
    if crate::conversion::chain(app).await? == crate::conversion::Chain::TwoStage {
        let f = ApplicationFilter {
            statuses: vec!["pending"],
            ..Default::default()
        };
        queues.push(QueueView {
            label: "转换申请初审",
            href: "/department/conversions",
            count: super::conversion::count_applications(app, who, f).await?,
            oldest_waited: None,
            promised: None,
        });
    }
    let open = FeedbackFilter {
        status: Some(domain::lifecycle::FeedbackStatus::Open),
        ..Default::default()
    };
    let feedback = super::feedback::list(app, who, &open).await?;
    queues.push(QueueView {
        label: "问题反馈",
        href: "/department/feedback?status=open",
        count: feedback.len() as i64,
        oldest_waited: waited(feedback.iter().map(|f| f.created_at), now),
        promised: None,
    });
    if app.bank.reviews_learner_accounts() {
        // The oldest waits first in the queue, so its first page says how long.
        let accounts = crate::activation::queue(app, who, 1).await?;
        queues.insert(
            1,
            QueueView {
                label: "学员账户审核",
                href: "/department/learners/review",
                count: accounts.total,
                oldest_waited: waited(accounts.rows.iter().filter_map(|l| l.submitted_at), now),
                promised: Some(crate::activation::REVIEW_DAYS),
            },
        );
    }
    Ok(queues)
}
