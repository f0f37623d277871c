//! Conversion applications: their sources, reviews, batches, the lists and what a
//! learner has applied for.

use super::*;
use domain::ids::{ApplicationId, DepartmentId, FileId, HoldingId, InstitutionId, LearnerId, RuleId};

#[derive(Debug, Clone, FromRow)]
pub struct Application {
    pub id: ApplicationId,
    pub rule_id: RuleId,
    pub rule_code: String,
    pub rule_name: String,
    pub target_institution_id: InstitutionId,
    pub learner_id: LearnerId,
    pub learner_name: String,
    pub learner_id_number: String,
    pub initiator: String,
    pub initiator_institution_id: Option<InstitutionId>,
    pub batch: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: domain::lifecycle::ApplicationStatus,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const APPLICATION: &str = "SELECT a.id, a.rule_id, r.code AS rule_code, r.name AS rule_name, r.institution_id AS target_institution_id, \
    a.learner_id, l.name AS learner_name, l.id_number AS learner_id_number, a.initiator, a.initiator_institution_id, a.batch, a.status, \
    a.created_at, a.decided_at FROM conversion_applications a JOIN conversion_rules r ON r.id = a.rule_id JOIN learners l ON l.id = a.learner_id";

pub async fn insert_application<'c>(
    e: impl Exec<'c>,
    rule: RuleId,
    learner: LearnerId,
    initiator: &str,
    institution: Option<InstitutionId>,
    batch: Option<&str>,
    now: i64,
) -> Result<ApplicationId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO conversion_applications (rule_id, learner_id, initiator, initiator_institution_id, batch, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
    )
    .bind(rule)
    .bind(learner)
    .bind(initiator)
    .bind(institution)
    .bind(batch)
    .bind(now)
    .fetch_one(e)
    .await?)
}

pub async fn add_application_source<'c>(
    e: impl Exec<'c>,
    application: ApplicationId,
    holding: HoldingId,
) -> Result<()> {
    sqlx::query("INSERT INTO application_sources (application_id, learner_outcome_id) VALUES ($1, $2)")
        .bind(application)
        .bind(holding)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn application<'c>(e: impl Exec<'c>, id: ApplicationId) -> Result<Option<Application>> {
    Ok(sqlx::query_as(&format!("{APPLICATION} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

pub async fn application_sources<'c>(e: impl Exec<'c>, id: ApplicationId) -> Result<Vec<HoldingId>> {
    Ok(sqlx::query_scalar(
        "SELECT learner_outcome_id FROM application_sources WHERE application_id = $1 ORDER BY learner_outcome_id",
    )
    .bind(id)
    .fetch_all(e)
    .await?)
}

/// Moves an application on; false when it was not in `from` (someone decided first).
pub async fn set_application_status<'c>(
    e: impl Exec<'c>,
    id: ApplicationId,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool> {
    let r =
        sqlx::query("UPDATE conversion_applications SET status = $3, decided_at = $4 WHERE id = $1 AND status = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(e)
            .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn add_application_review<'c>(
    e: impl Exec<'c>,
    application: ApplicationId,
    stage: &str,
    decision: &str,
    opinion: &str,
    who: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    let trail = ("application_reviews", "application_id");
    crate::holdings::insert_review(e, trail, application, stage, decision, Some(opinion), who, now).await
}

pub async fn application_reviews<'c>(e: impl Exec<'c>, id: ApplicationId) -> Result<Vec<crate::holdings::Review>> {
    crate::holdings::list_reviews(e, ("application_reviews", "application_id"), id).await
}

#[derive(FromRow)]
struct ReviewOf {
    application_id: ApplicationId,
    #[sqlx(flatten)]
    review: crate::holdings::Review,
}

/// The review trails and the materials of a page of applications in two queries (not
/// two per row), by application id.
pub async fn trails_of(
    db: &Db,
    ids: &[ApplicationId],
) -> Result<(
    std::collections::HashMap<ApplicationId, Vec<crate::holdings::Review>>,
    std::collections::HashMap<ApplicationId, Vec<(FileId, String)>>,
)> {
    let (mut reviews, mut files) = (std::collections::HashMap::new(), std::collections::HashMap::new());
    if ids.is_empty() {
        return Ok((reviews, files));
    }
    let mut w = Where::new();
    w.any_of("application_id", ids);
    let sql = format!(
        "SELECT application_id, id, stage, decision, opinion, reviewer_name, created_at FROM application_reviews{} ORDER BY id",
        w.sql()
    );
    let rows: Vec<ReviewOf> = bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?;
    for r in rows {
        reviews.entry(r.application_id).or_insert_with(Vec::new).push(r.review);
    }
    let mut w = Where::new();
    w.any_of("a.application_id", ids);
    let sql = format!(
        "SELECT a.application_id, f.id, f.original_name FROM files f JOIN application_files a ON a.file_id = f.id{} ORDER BY f.id",
        w.sql()
    );
    let rows: Vec<(ApplicationId, FileId, String)> =
        bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?;
    for (application, id, name) in rows {
        files.entry(application).or_insert_with(Vec::new).push((id, name));
    }
    Ok((reviews, files))
}

#[derive(Debug, Default, Clone)]
pub struct ApplicationFilter {
    pub learner_id: Option<LearnerId>,
    /// Applications to rules published by this institution (机构接收).
    pub target_institution_id: Option<InstitutionId>,
    /// Applications initiated by this institution (机构发起).
    pub initiator_institution_id: Option<InstitutionId>,
    pub statuses: Vec<&'static str>,
    pub initiator: Option<&'static str>,
    pub departments: Option<Vec<DepartmentId>>,
    /// Applied at or after / before these unix seconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only these applications (export of the ticked rows).
    pub ids: Option<Vec<ApplicationId>>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<ApplicationId>,
    /// One batch of 机构发起 applications.
    pub batch: Option<String>,
}

/// A batch of applications an institution made for its learners (机构发起).
#[derive(Debug, Clone, FromRow)]
pub struct Batch {
    pub batch: String,
    pub rule_code: String,
    pub rule_name: String,
    pub created_at: i64,
    pub total: i64,
    pub pending: i64,
    pub passed: i64,
    pub failed: i64,
}

/// The institution's batches, newest first.
pub async fn batches_of<'c>(e: impl Exec<'c>, institution_id: InstitutionId, limit: i64) -> Result<Vec<Batch>> {
    Ok(sqlx::query_as(
        "SELECT a.batch, r.code AS rule_code, r.name AS rule_name, MIN(a.created_at) AS created_at, COUNT(*) AS total, \
         SUM(CASE WHEN a.status IN ('pending', 'initial_passed') THEN 1 ELSE 0 END) AS pending, \
         SUM(CASE WHEN a.status = 'passed' THEN 1 ELSE 0 END) AS passed, \
         SUM(CASE WHEN a.status = 'failed' THEN 1 ELSE 0 END) AS failed \
         FROM conversion_applications a JOIN conversion_rules r ON r.id = a.rule_id \
         WHERE a.initiator_institution_id = $1 AND a.batch IS NOT NULL \
         GROUP BY a.batch, r.code, r.name ORDER BY MIN(a.id) DESC LIMIT $2",
    )
    .bind(institution_id)
    .bind(limit)
    .fetch_all(e)
    .await?)
}

const FROM: &str =
    "FROM conversion_applications a JOIN conversion_rules r ON r.id = a.rule_id JOIN learners l ON l.id = a.learner_id";

/// A page of the applications that match, newest first, with their capped count.
pub async fn applications(db: &Db, f: &ApplicationFilter, page: i64, per_page: i64) -> Result<Page<Application>> {
    let w = where_for(f);
    let total: i64 = bind_scalar(
        sqlx::query_scalar(&crate::count_sql(&format!("{FROM}{}", w.sql()))),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(Page {
        rows: rows(db, &w, per_page, (page.max(1) - 1) * per_page).await?,
        total,
    })
}

/// The first `limit` applications that match, newest first, without counting them (an
/// export walks every row by `before_id`).
pub async fn application_rows(db: &Db, f: &ApplicationFilter, limit: i64) -> Result<Vec<Application>> {
    rows(db, &where_for(f), limit, 0).await
}

async fn rows(db: &Db, w: &Where, limit: i64, offset: i64) -> Result<Vec<Application>> {
    let n = w.next();
    let sql = format!(
        "{APPLICATION}{} ORDER BY a.id DESC LIMIT ${n} OFFSET ${}",
        w.sql(),
        n + 1
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?)
}

fn where_for(f: &ApplicationFilter) -> Where {
    let mut w = Where::new();
    if let Some(v) = f.learner_id {
        w.int("a.learner_id = ?", v);
    }
    if let Some(v) = f.target_institution_id {
        w.int("r.institution_id = ?", v);
    }
    if let Some(v) = f.initiator_institution_id {
        w.int("a.initiator_institution_id = ?", v);
    }
    if let Some(v) = f.initiator {
        w.text("a.initiator = ?", v);
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f.statuses.iter().map(|s| format!("'{s}'")).collect();
        w.raw(&format!("a.status IN ({})", list.join(", ")));
    }
    if let Some(d) = &f.departments {
        w.in_departments("r.institution_id", d, false);
    }
    if let Some(v) = f.from {
        w.int("a.created_at >= ?", v);
    }
    if let Some(v) = f.to {
        w.int("a.created_at < ?", v);
    }
    if let Some(ids) = &f.ids {
        w.any_of("a.id", ids);
    }
    if let Some(id) = f.before_id {
        w.int("a.id < ?", id);
    }
    if let Some(b) = &f.batch {
        w.text("a.batch = ?", b.clone());
    }
    w
}

/// Rule ids with a live (pending, in review or passed) application of this learner.
pub async fn live_rules_of<'c>(e: impl Exec<'c>, learner: LearnerId) -> Result<Vec<RuleId>> {
    Ok(sqlx::query_scalar("SELECT rule_id FROM conversion_applications WHERE learner_id = $1 AND status IN ('pending', 'initial_passed', 'passed')")
        .bind(learner)
        .fetch_all(e)
        .await?)
}

/// The learner outcomes of the learner's live applications (under review or passed),
/// as (rule, learner outcome).
pub async fn applied_sources<'c>(e: impl Exec<'c>, learner: LearnerId) -> Result<Vec<(RuleId, HoldingId)>> {
    Ok(sqlx::query_as(
        "SELECT a.rule_id, s.learner_outcome_id FROM application_sources s JOIN conversion_applications a ON a.id = s.application_id \
         WHERE a.learner_id = $1 AND a.status IN ('pending', 'initial_passed', 'passed') ORDER BY a.id",
    )
    .bind(learner)
    .fetch_all(e)
    .await?)
}

/// Learner outcomes consumed by a passed conversion, per rule.
pub async fn consumed<'c>(e: impl Exec<'c>, learner: LearnerId) -> Result<Vec<(RuleId, HoldingId)>> {
    Ok(sqlx::query_as(
        "SELECT a.rule_id, s.learner_outcome_id FROM application_sources s JOIN conversion_applications a ON a.id = s.application_id \
         WHERE a.learner_id = $1 AND a.status = 'passed'",
    )
    .bind(learner)
    .fetch_all(e)
    .await?)
}
