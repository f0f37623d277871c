//! 学员成果: learner outcomes and their lifecycle; the lists of each role are in `list`.

use domain::ids::{
    ApplicationId, CatalogOutcomeId, DepartmentId, FileId, HoldingId, InstitutionId, LearnerId, StaffUserId, SubtypeId,
};
use sqlx::FromRow;

use crate::{Exec, Result, Where, bind_all, bind_scalar};

use domain::outcome::Status;

mod list;
pub use list::*;

// The codes the rows hold: the domain's, written once there.
pub const REGISTERED: &str = Status::Registered.code();
pub const SUBMITTED: &str = Status::Submitted.code();
pub const STORED: &str = Status::Stored.code();
pub const WITHDRAWN: &str = Status::Withdrawn.code();

#[derive(Debug, Clone, FromRow)]
pub struct Holding {
    pub id: HoldingId,
    pub learner_id: LearnerId,
    pub learner_name: String,
    pub learner_id_number: String,
    pub learner_mobile: Option<String>,
    pub institution_outcome_id: Option<CatalogOutcomeId>,
    pub subtype_id: SubtypeId,
    pub subtype_name: String,
    pub type_name: String,
    pub category: String,
    pub name: String,
    pub issuer: String,
    pub issuer_institution_id: Option<InstitutionId>,
    pub number: Option<String>,
    pub issued_on: Option<String>,
    pub score: Option<String>,
    pub fields: String,
    pub source: String,
    /// Decoded here: a row in a state the domain does not know fails to load.
    #[sqlx(try_from = "String")]
    pub status: domain::outcome::Status,
    pub stored_by: Option<String>,
    pub stored_at: Option<i64>,
    #[sqlx(try_from = "String")]
    pub recognition: domain::outcome::Recognition,
    pub credits: Option<i64>,
    pub withdraw_reason: Option<String>,
    pub withdraw_file: Option<FileId>,
    pub created_at: i64,
    /// The last change of state (for a queue: since when it waits).
    pub updated_at: i64,
}

const SELECT: &str = "SELECT lo.id, lo.learner_id, l.name AS learner_name, l.id_number AS learner_id_number, \
    l.mobile AS learner_mobile, lo.institution_outcome_id, lo.subtype_id, s.name AS subtype_name, t.name AS type_name, \
    t.category, lo.name, lo.issuer, lo.issuer_institution_id, lo.number, lo.issued_on, lo.score, lo.fields, lo.source, \
    lo.status, lo.stored_by, lo.stored_at, lo.recognition, lo.credits, lo.withdraw_reason, lo.withdraw_file, lo.created_at, lo.updated_at \
    FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id \
    JOIN outcome_subtypes s ON s.id = lo.subtype_id JOIN outcome_types t ON t.id = s.type_id";

const FROM: &str = "FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id \
    JOIN outcome_subtypes s ON s.id = lo.subtype_id JOIN outcome_types t ON t.id = s.type_id";

pub struct NewHolding<'a> {
    pub learner_id: LearnerId,
    pub institution_outcome_id: Option<CatalogOutcomeId>,
    pub subtype_id: SubtypeId,
    pub name: &'a str,
    pub issuer: &'a str,
    pub issuer_institution_id: Option<InstitutionId>,
    pub number: Option<&'a str>,
    pub issued_on: Option<&'a str>,
    pub score: Option<&'a str>,
    pub fields: &'a str,
    pub source: &'a str,
    pub status: &'a str,
    pub stored_by: Option<&'a str>,
    pub stored_by_id: Option<i64>,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewHolding<'_>) -> Result<HoldingId> {
    let stored_at = (n.status == STORED).then_some(n.now);
    Ok(sqlx::query_scalar(
        "INSERT INTO learner_outcomes (learner_id, institution_outcome_id, subtype_id, name, issuer, issuer_institution_id, \
         number, issued_on, score, fields, source, status, stored_by, stored_by_id, stored_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
    )
    .bind(n.learner_id)
    .bind(n.institution_outcome_id)
    .bind(n.subtype_id)
    .bind(n.name)
    .bind(n.issuer)
    .bind(n.issuer_institution_id)
    .bind(n.number)
    .bind(n.issued_on)
    .bind(n.score)
    .bind(n.fields)
    .bind(n.source)
    .bind(n.status)
    .bind(n.stored_by)
    .bind(n.stored_by_id)
    .bind(stored_at)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

/// What varies between the holdings of an import: learner, number, issue date, score.
pub type LearnerRow<'a> = (LearnerId, Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Holdings of many learners (imports): learner, number, issue date and score per row,
/// everything else from `common` (its learner and those three are ignored); with
/// `credits`, recognised as they are written (an outcome the bank recognised). Returns
/// (holding, learner) of the rows inserted.
pub async fn insert_for_learners(
    conn: &mut sqlx::AnyConnection,
    common: &NewHolding<'_>,
    credits: Option<i64>,
    rows: &[LearnerRow<'_>],
) -> Result<Vec<(HoldingId, LearnerId)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (marks, values) = crate::batch_marks(crate::backend_of(conn), 15, rows.len(), 4);
    let sql = format!(
        "INSERT INTO learner_outcomes (institution_outcome_id, subtype_id, name, issuer, issuer_institution_id, \
         fields, source, status, stored_by, stored_by_id, stored_at, created_at, updated_at, recognition, credits, \
         learner_id, number, issued_on, score) \
         SELECT {}, v.column1, v.column2, v.column3, v.column4 FROM (VALUES {}) AS v RETURNING id, learner_id",
        marks.join(", "),
        values
    );
    let mut q = sqlx::query_as(&sql)
        .bind(common.institution_outcome_id)
        .bind(common.subtype_id)
        .bind(common.name)
        .bind(common.issuer)
        .bind(common.issuer_institution_id)
        .bind(common.fields)
        .bind(common.source)
        .bind(common.status)
        .bind(common.stored_by)
        .bind(common.stored_by_id)
        .bind((common.status == STORED).then_some(common.now))
        .bind(common.now)
        .bind(common.now)
        .bind(if credits.is_some() { "recognised" } else { "none" })
        .bind(credits);
    for (learner, number, issued_on, score) in rows {
        q = q.bind(*learner).bind(*number).bind(*issued_on).bind(*score);
    }
    Ok(q.fetch_all(conn).await?)
}

/// (holding, learner) of these learners' current holdings of a catalog outcome.
pub async fn held_by<'c>(
    e: impl Exec<'c>,
    institution_outcome_id: CatalogOutcomeId,
    learners: &[LearnerId],
) -> Result<Vec<(HoldingId, LearnerId)>> {
    let sql = format!(
        "SELECT id, learner_id FROM learner_outcomes WHERE institution_outcome_id = $1 AND status <> 'withdrawn' \
         AND learner_id IN ({})",
        crate::id_list(learners)
    );
    Ok(sqlx::query_as(&sql).bind(institution_outcome_id).fetch_all(e).await?)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: HoldingId) -> Result<Option<Holding>> {
    let sql = format!("{SELECT} WHERE lo.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

/// Updates a learner's own outcome while it is 登记.
pub async fn update_registered<'c>(
    e: impl Exec<'c>,
    id: HoldingId,
    learner_id: LearnerId,
    n: &NewHolding<'_>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE learner_outcomes SET institution_outcome_id = $3, name = $4, issuer = $5, issuer_institution_id = $6, \
         number = $7, issued_on = $8, score = $9, fields = $10, updated_at = $11 \
         WHERE id = $1 AND learner_id = $2 AND status = 'registered'",
    )
    .bind(id)
    .bind(learner_id)
    .bind(n.institution_outcome_id)
    .bind(n.name)
    .bind(n.issuer)
    .bind(n.issuer_institution_id)
    .bind(n.number)
    .bind(n.issued_on)
    .bind(n.score)
    .bind(n.fields)
    .bind(n.now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_registered<'c>(e: impl Exec<'c>, id: HoldingId, learner_id: LearnerId) -> Result<bool> {
    let r = sqlx::query("DELETE FROM learner_outcomes WHERE id = $1 AND learner_id = $2 AND status = 'registered'")
        .bind(id)
        .bind(learner_id)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves the status from `from` to `to`; false if the outcome was not in `from`.
pub async fn transition<'c>(e: impl Exec<'c>, id: HoldingId, from: &str, to: &str, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE learner_outcomes SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2")
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(now)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// 存储: marks a submitted outcome stored by the bank.
pub async fn store_submitted<'c>(e: impl Exec<'c>, id: HoldingId, by: i64, now: i64) -> Result<bool> {
    store_by_bank(e, id, by, now, "status = 'submitted'").await
}

/// Stores an outcome whatever its state short of withdrawn (a recognised informal
/// outcome enters the bank on its final review).
pub async fn force_store<'c>(e: impl Exec<'c>, id: HoldingId, by: i64, now: i64) -> Result<bool> {
    store_by_bank(e, id, by, now, "status IN ('registered', 'submitted')").await
}

/// Marks the outcome stored by the bank if its status satisfies `from`.
async fn store_by_bank<'c>(e: impl Exec<'c>, id: HoldingId, by: i64, now: i64, from: &'static str) -> Result<bool> {
    let r = sqlx::query(&format!(
        "UPDATE learner_outcomes SET status = 'stored', stored_by = 'bank', stored_by_id = $2, stored_at = $3, updated_at = $3 \
         WHERE id = $1 AND {from}"
    ))
    .bind(id)
    .bind(by)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// 撤回 by the institution that stored it.
pub async fn withdraw<'c>(
    e: impl Exec<'c>,
    id: HoldingId,
    institution_id: InstitutionId,
    reason: &str,
    file: Option<FileId>,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE learner_outcomes SET status = 'withdrawn', withdraw_reason = $3, withdraw_file = $4, withdrawn_at = $5, updated_at = $5 \
         WHERE id = $1 AND issuer_institution_id = $2 AND status = 'stored'",
    )
    .bind(id)
    .bind(institution_id)
    .bind(reason)
    .bind(file)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_recognition<'c>(
    e: impl Exec<'c>,
    id: HoldingId,
    from: &str,
    to: &str,
    credits: Option<i64>,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE learner_outcomes SET recognition = $3, credits = COALESCE($4, credits), updated_at = $5 WHERE id = $1 AND recognition = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(credits)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Marks a holding as granted by a conversion application.
pub async fn set_granted_by<'c>(e: impl Exec<'c>, id: HoldingId, application: ApplicationId) -> Result<()> {
    sqlx::query("UPDATE learner_outcomes SET granted_by_application = $2 WHERE id = $1")
        .bind(id)
        .bind(application)
        .execute(e)
        .await?;
    Ok(())
}

/// Records the credits a holding earned; it is recognised from now on.
pub async fn set_credits<'c>(e: impl Exec<'c>, id: HoldingId, credits: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE learner_outcomes SET recognition = 'recognised', credits = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(credits)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// Stored holdings of a catalog outcome that have no credits yet (to recognise them
/// when the catalog outcome is recognised).
pub async fn stored_without_credits<'c>(
    e: impl Exec<'c>,
    institution_outcome_id: CatalogOutcomeId,
) -> Result<Vec<(HoldingId, LearnerId)>> {
    Ok(sqlx::query_as(
        "SELECT id, learner_id FROM learner_outcomes WHERE institution_outcome_id = $1 AND status = 'stored' AND credits IS NULL",
    )
    .bind(institution_outcome_id)
    .fetch_all(e)
    .await?)
}

/// Whether the learner already holds this catalog outcome (not withdrawn).
pub async fn holds<'c>(
    e: impl Exec<'c>,
    learner_id: LearnerId,
    institution_outcome_id: CatalogOutcomeId,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM learner_outcomes WHERE learner_id = $1 AND institution_outcome_id = $2 AND status <> 'withdrawn'",
    )
    .bind(learner_id)
    .bind(institution_outcome_id)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

pub use crate::review_trail::{Review, add_review, reviews};
pub(crate) use crate::review_trail::{insert_review, list_reviews};

/// A learner's live outcomes as the matcher needs them: (id, catalog outcome, status,
/// score, issue date).
pub async fn for_matching<'c>(
    e: impl Exec<'c>,
    learner: LearnerId,
) -> Result<
    Vec<(
        HoldingId,
        Option<CatalogOutcomeId>,
        String,
        Option<String>,
        Option<String>,
    )>,
> {
    Ok(sqlx::query_as(
        "SELECT id, institution_outcome_id, status, score, issued_on FROM learner_outcomes WHERE learner_id = $1 AND status <> 'withdrawn'",
    )
    .bind(learner)
    .fetch_all(e)
    .await?)
}

/// The holding a synchronised record created: by its source and number.
pub async fn by_source_number<'c>(e: impl Exec<'c>, source: &str, number: &str) -> Result<Option<Holding>> {
    let sql = format!("{SELECT} WHERE lo.source = $1 AND lo.number = $2");
    Ok(sqlx::query_as(&sql).bind(source).bind(number).fetch_optional(e).await?)
}

/// A synchronised record changed at its source: its facts follow.
pub async fn update_synced<'c>(
    e: impl Exec<'c>,
    id: HoldingId,
    name: &str,
    issuer: &str,
    issued_on: &str,
    fields: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE learner_outcomes SET name = $2, issuer = $3, issued_on = $4, fields = $5, updated_at = $6 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(issuer)
        .bind(issued_on)
        .bind(fields)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// A synchronised record revoked at its source: withdrawn with the reason.
pub async fn withdraw_synced<'c>(e: impl Exec<'c>, id: HoldingId, reason: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE learner_outcomes SET status = 'withdrawn', withdraw_reason = $2, withdrawn_at = $3, updated_at = $3 \
         WHERE id = $1 AND status = 'stored'",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The numbers (证书编号 / 个人成果编号) of a learner's outcomes that an institution or
/// the bank recorded: facts of the import that the holder has on paper.
pub async fn recorded_numbers<'c>(e: impl Exec<'c>, learner_id: LearnerId) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT number FROM learner_outcomes WHERE learner_id = $1 AND source IN ('institution', 'bank') \
         AND number IS NOT NULL AND number <> '' AND status <> 'withdrawn'",
    )
    .bind(learner_id)
    .fetch_all(e)
    .await?)
}

/// Whether the learner belongs to one of these departments: its account was opened by
/// one of their institutions, or one of them stored an outcome for it.
pub async fn learner_in_departments<'c>(
    e: impl Exec<'c>,
    learner: LearnerId,
    departments: &[DepartmentId],
) -> Result<bool> {
    let mut w = Where::new();
    let list = w.bind_ids(departments);
    let n = w.next();
    let sql = format!(
        "SELECT COUNT(*) FROM learners l WHERE l.id = ${n} AND (l.created_by_institution IN \
         (SELECT id FROM institutions WHERE department_id IN ({list})) OR EXISTS (SELECT 1 FROM learner_outcomes x \
         JOIN institutions i ON i.id = x.issuer_institution_id WHERE x.learner_id = l.id AND i.department_id IN ({list})))"
    );
    let found: i64 = bind_scalar(sqlx::query_scalar(&sql), &w.vals)
        .bind(learner)
        .fetch_one(e)
        .await?;
    Ok(found > 0)
}

/// Whether this expert gave the 终审 of this outcome.
pub async fn decided_by_expert<'c>(e: impl Exec<'c>, holding: HoldingId, expert: StaffUserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recognition_reviews WHERE learner_outcome_id = $1 AND stage = 'final' \
         AND reviewer_role = 'expert' AND reviewer_id = $2",
    )
    .bind(holding)
    .bind(expert)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// (id, name) of these holdings, in one query.
pub async fn names_of<'c>(e: impl Exec<'c>, ids: &[HoldingId]) -> Result<Vec<(HoldingId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::new();
    w.any_of("id", ids);
    Ok(bind_all(
        sqlx::query_as(&format!("SELECT id, name FROM learner_outcomes{}", w.sql())),
        &w.vals,
    )
    .fetch_all(e)
    .await?)
}

/// The stored outcomes that passed conversions granted on the strength of `source`.
pub async fn granted_from<'c>(e: impl Exec<'c>, source: HoldingId) -> Result<Vec<HoldingId>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT lo.id FROM application_sources s \
         JOIN conversion_applications a ON a.id = s.application_id AND a.status = 'passed' \
         JOIN learner_outcomes lo ON lo.granted_by_application = a.id \
         WHERE s.learner_outcome_id = $1 AND lo.status = 'stored' ORDER BY lo.id",
    )
    .bind(source)
    .fetch_all(e)
    .await?)
}
