//! 问题反馈: learners' reports of mistakes in outcomes that an institution or the bank
//! created, and the answers.

use domain::ids::{DepartmentId, FeedbackId, FileId, HoldingId, InstitutionId, LearnerId};
use domain::lifecycle::FeedbackStatus;
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Feedback {
    pub id: FeedbackId,
    pub learner_outcome_id: HoldingId,
    pub outcome_name: String,
    pub issuer: String,
    pub learner_id: LearnerId,
    pub learner_name: String,
    pub learner_id_number: String,
    pub institution_id: Option<InstitutionId>,
    pub department_id: Option<DepartmentId>,
    pub problem: String,
    pub content: String,
    pub file_id: Option<FileId>,
    pub file_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: FeedbackStatus,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const SELECT: &str = "SELECT f.id, f.learner_outcome_id, lo.name AS outcome_name, lo.issuer, f.learner_id, \
    l.name AS learner_name, l.id_number AS learner_id_number, f.institution_id, f.department_id, f.problem, \
    f.content, f.file_id, fi.original_name AS file_name, f.status, f.created_at, f.decided_at \
    FROM feedback f JOIN learner_outcomes lo ON lo.id = f.learner_outcome_id JOIN learners l ON l.id = f.learner_id \
    LEFT JOIN files fi ON fi.id = f.file_id";

#[derive(Debug, Clone, FromRow)]
pub struct Reply {
    pub id: i64,
    pub author_role: String,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

pub struct NewFeedback<'a> {
    pub learner_outcome_id: HoldingId,
    pub learner_id: LearnerId,
    pub institution_id: Option<InstitutionId>,
    pub department_id: Option<DepartmentId>,
    pub problem: &'a str,
    pub content: &'a str,
    pub file_id: Option<FileId>,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewFeedback<'_>) -> Result<FeedbackId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO feedback (learner_outcome_id, learner_id, institution_id, department_id, problem, content, file_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(n.learner_outcome_id)
    .bind(n.learner_id)
    .bind(n.institution_id)
    .bind(n.department_id)
    .bind(n.problem)
    .bind(n.content)
    .bind(n.file_id)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

/// Whether the learner already has an open report of this problem on this outcome.
pub async fn open_exists<'c>(e: impl Exec<'c>, outcome: HoldingId, problem: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM feedback WHERE learner_outcome_id = $1 AND problem = $2 AND status = 'open'",
    )
    .bind(outcome)
    .bind(problem)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: FeedbackId) -> Result<Option<Feedback>> {
    let sql = format!("{SELECT} WHERE f.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

/// Whose reports a list shows.
#[derive(Debug, Clone)]
pub enum Owner {
    Learner(LearnerId),
    Institution(InstitutionId),
    Departments(Vec<DepartmentId>),
}

/// The filters of the three lists; dates are unix seconds (from inclusive, to exclusive).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<FeedbackStatus>,
    pub issuer: Option<String>,
    pub outcome_name: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

fn like(s: &str) -> String {
    format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// The reports of one owner, newest first, with the filters (at most `limit`).
pub async fn list<'c>(e: impl Exec<'c>, owner: &Owner, f: &Filter, limit: i64) -> Result<Vec<Feedback>> {
    let (who, ids) = match owner {
        Owner::Learner(id) => ("f.learner_id", vec![id.get()]),
        Owner::Institution(id) => ("f.institution_id", vec![id.get()]),
        Owner::Departments(ids) => ("f.department_id", ids.iter().map(|d| d.get()).collect()),
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 6)).collect();
    let sql = format!(
        "{SELECT} WHERE {who} IN ({}) AND ($1 = '' OR f.status = $1) AND ($2 = '' OR lo.issuer LIKE $2 ESCAPE '\\') \
         AND ($3 = '' OR lo.name LIKE $3 ESCAPE '\\') AND f.created_at >= $4 AND f.created_at < $5 \
         ORDER BY f.id DESC LIMIT {limit}",
        marks.join(", ")
    );
    let text = |o: &Option<String>| o.as_deref().filter(|s| !s.is_empty()).map(like).unwrap_or_default();
    let mut q = sqlx::query_as(&sql)
        .bind(f.status.map_or("", |s| s.code()))
        .bind(text(&f.issuer))
        .bind(text(&f.outcome_name))
        .bind(f.from.unwrap_or(0))
        .bind(f.to.unwrap_or(i64::MAX));
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(e).await?)
}

/// Decides an open report; false when it was already decided.
pub async fn decide<'c>(e: impl Exec<'c>, id: FeedbackId, status: FeedbackStatus, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE feedback SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'open'")
        .bind(id)
        .bind(status.code())
        .bind(now)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn add_reply<'c>(
    e: impl Exec<'c>,
    feedback: FeedbackId,
    role: &str,
    name: &str,
    body: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO feedback_replies (feedback_id, author_role, author_name, body, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(feedback)
    .bind(role)
    .bind(name)
    .bind(body)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn replies<'c>(e: impl Exec<'c>, feedback: FeedbackId) -> Result<Vec<Reply>> {
    Ok(sqlx::query_as(
        "SELECT id, author_role, author_name, body, created_at FROM feedback_replies WHERE feedback_id = $1 ORDER BY id",
    )
    .bind(feedback)
    .fetch_all(e)
    .await?)
}

/// The reports a file is attached to.
pub async fn of_file<'c>(e: impl Exec<'c>, file: FileId) -> Result<Vec<FeedbackId>> {
    Ok(sqlx::query_scalar("SELECT id FROM feedback WHERE file_id = $1")
        .bind(file)
        .fetch_all(e)
        .await?)
}
