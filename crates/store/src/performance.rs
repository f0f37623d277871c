//! 业绩类成果转换申请 (Guangdong): requests to convert an informal outcome into a
//! catalog outcome without a rule, and their review trail.

use domain::ids::{CatalogOutcomeId, DepartmentId, HoldingId, InstitutionId, LearnerId, PerformanceId};
use sqlx::FromRow;

use crate::{Db, Exec, Page, Result, Where};

/// Live requests: a source outcome has at most one of these at a time.
pub const LIVE: &str = "('pending', 'initial_passed', 'passed')";

#[derive(Debug, Clone, FromRow)]
pub struct Request {
    pub id: PerformanceId,
    pub learner_id: LearnerId,
    pub learner_name: String,
    pub learner_id_number: String,
    pub source_id: HoldingId,
    pub source_name: String,
    pub source_subtype: String,
    pub target_id: CatalogOutcomeId,
    pub target_name: String,
    pub target_institution_id: InstitutionId,
    pub target_institution: String,
    #[sqlx(try_from = "String")]
    pub status: domain::lifecycle::ApplicationStatus,
    pub granted_id: Option<HoldingId>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const FROM: &str = "FROM performance_conversions p JOIN learners l ON l.id = p.learner_id \
    JOIN learner_outcomes lo ON lo.id = p.source_id JOIN outcome_subtypes s ON s.id = lo.subtype_id \
    JOIN institution_outcomes io ON io.id = p.target_id JOIN institutions i ON i.id = p.target_institution_id";

const SELECT: &str = "SELECT p.id, p.learner_id, l.name AS learner_name, l.id_number AS learner_id_number, \
    p.source_id, lo.name AS source_name, s.name AS source_subtype, p.target_id, io.name AS target_name, \
    p.target_institution_id, i.name AS target_institution, p.status, p.granted_id, p.created_at, p.decided_at ";

pub async fn insert<'c>(
    e: impl Exec<'c>,
    learner: LearnerId,
    source: HoldingId,
    target: CatalogOutcomeId,
    institution: InstitutionId,
    now: i64,
) -> Result<PerformanceId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO performance_conversions (learner_id, source_id, target_id, target_institution_id, status, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
    )
    .bind(learner)
    .bind(source)
    .bind(target)
    .bind(institution)
    .bind(now)
    .fetch_one(e)
    .await?)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: PerformanceId) -> Result<Option<Request>> {
    Ok(sqlx::query_as(&format!("{SELECT}{FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

/// Moves a request on; false when it was not in `from` (someone decided first).
pub async fn set_status<'c>(e: impl Exec<'c>, id: PerformanceId, from: &str, to: &str, now: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE performance_conversions SET status = $3, decided_at = $4 WHERE id = $1 AND status = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(e)
            .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_granted<'c>(e: impl Exec<'c>, id: PerformanceId, holding: HoldingId) -> Result<()> {
    sqlx::query("UPDATE performance_conversions SET granted_id = $2 WHERE id = $1")
        .bind(id)
        .bind(holding)
        .execute(e)
        .await?;
    Ok(())
}

const TRAIL: (&str, &str) = ("performance_reviews", "conversion_id");

pub async fn add_review<'c>(
    e: impl Exec<'c>,
    id: PerformanceId,
    stage: &str,
    decision: &str,
    opinion: &str,
    who: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    crate::holdings::insert_review(e, TRAIL, id, stage, decision, Some(opinion), who, now).await
}

pub async fn reviews<'c>(e: impl Exec<'c>, id: PerformanceId) -> Result<Vec<crate::holdings::Review>> {
    crate::holdings::list_reviews(e, TRAIL, id).await
}

/// Every request made with this source outcome, newest first.
pub async fn of_source<'c>(e: impl Exec<'c>, source: HoldingId) -> Result<Vec<Request>> {
    Ok(
        sqlx::query_as(&format!("{SELECT}{FROM} WHERE p.source_id = $1 ORDER BY p.id DESC"))
            .bind(source)
            .fetch_all(e)
            .await?,
    )
}

/// The newest request of each of these source outcomes, as (source, request id, status).
pub async fn latest_of_sources<'c>(
    e: impl Exec<'c>,
    learner: LearnerId,
) -> Result<Vec<(HoldingId, PerformanceId, String)>> {
    Ok(sqlx::query_as(
        "SELECT p.source_id, p.id, p.status FROM performance_conversions p WHERE p.learner_id = $1 \
         AND p.id = (SELECT MAX(q.id) FROM performance_conversions q WHERE q.source_id = p.source_id)",
    )
    .bind(learner)
    .fetch_all(e)
    .await?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub learner_id: Option<LearnerId>,
    pub target_institution_id: Option<InstitutionId>,
    /// Targets of institutions of these departments (a department's scope).
    pub departments: Option<Vec<DepartmentId>>,
    pub statuses: Vec<&'static str>,
    /// The learner's name or ID number contains this.
    pub learner: Option<String>,
}

fn where_for(db: &Db, f: &Filter) -> Where {
    let mut w = Where::new();
    if let Some(v) = f.learner_id {
        w.int("p.learner_id = ?", v);
    }
    if let Some(v) = f.target_institution_id {
        w.int("p.target_institution_id = ?", v);
    }
    if let Some(d) = &f.departments {
        w.in_departments("p.target_institution_id", d, false);
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f.statuses.iter().map(|s| format!("'{s}'")).collect();
        w.raw(&format!("p.status IN ({})", list.join(", ")));
    }
    if let Some(q) = f.learner.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        crate::search::name_or_code(db, &mut w, &crate::search::LEARNERS, "l.id", "l.name", "l.id_number", q);
    }
    w
}

pub async fn list(db: &Db, f: &Filter, page: i64, per_page: i64) -> Result<Page<Request>> {
    let select = format!("{SELECT}{FROM}");
    crate::paged(db, &select, FROM, &where_for(db, f), "p.id DESC", page, per_page).await
}
