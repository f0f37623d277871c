//! Conversion methods, rules, applications and their reviews.

use sqlx::FromRow;

use crate::{Db, Exec, Page, Result, Where, bind_all, bind_scalar};

#[derive(Debug, Clone, FromRow)]
pub struct Method {
    pub id: i64,
    pub institution_id: i64,
    pub title: String,
    pub file_id: i64,
    pub status: String,
    pub published_at: Option<i64>,
    pub created_at: i64,
}

const METHOD: &str =
    "SELECT id, institution_id, title, file_id, status, published_at, created_at FROM conversion_methods";

pub async fn insert_method<'c>(
    e: impl Exec<'c>,
    institution_id: i64,
    title: &str,
    file_id: i64,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO conversion_methods (institution_id, title, file_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
    )
    .bind(institution_id)
    .bind(title)
    .bind(file_id)
    .bind(now)
    .fetch_one(e)
    .await?)
}

pub async fn methods_of<'c>(e: impl Exec<'c>, institution_id: i64) -> Result<Vec<Method>> {
    Ok(
        sqlx::query_as(&format!("{METHOD} WHERE institution_id = $1 ORDER BY id DESC"))
            .bind(institution_id)
            .fetch_all(e)
            .await?,
    )
}

/// Published methods of every institution, with the institution's name.
pub async fn published_methods<'c>(e: impl Exec<'c>) -> Result<Vec<PublishedMethod>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.title, m.file_id, m.published_at, i.name AS institution_name \
         FROM conversion_methods m JOIN institutions i ON i.id = m.institution_id WHERE m.status = 'published' ORDER BY m.published_at DESC",
    )
    .fetch_all(e)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct PublishedMethod {
    pub id: i64,
    pub title: String,
    pub file_id: i64,
    pub published_at: Option<i64>,
    pub institution_name: String,
}

pub async fn method<'c>(e: impl Exec<'c>, id: i64) -> Result<Option<Method>> {
    Ok(sqlx::query_as(&format!("{METHOD} WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

/// Moves a method's status; false when it was not in `from`.
pub async fn set_method_status<'c>(
    e: impl Exec<'c>,
    id: i64,
    institution_id: i64,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE conversion_methods SET status = $4, updated_at = $5, published_at = CASE WHEN $4 = 'published' THEN $5 ELSE published_at END \
         WHERE id = $1 AND institution_id = $2 AND status = $3",
    )
    .bind(id)
    .bind(institution_id)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn update_method<'c>(
    e: impl Exec<'c>,
    id: i64,
    institution_id: i64,
    title: &str,
    file_id: Option<i64>,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE conversion_methods SET title = $3, file_id = COALESCE($4, file_id), updated_at = $5 \
         WHERE id = $1 AND institution_id = $2 AND status <> 'published'",
    )
    .bind(id)
    .bind(institution_id)
    .bind(title)
    .bind(file_id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_method<'c>(e: impl Exec<'c>, id: i64, institution_id: i64) -> Result<bool> {
    let r =
        sqlx::query("DELETE FROM conversion_methods WHERE id = $1 AND institution_id = $2 AND status <> 'published'")
            .bind(id)
            .bind(institution_id)
            .execute(e)
            .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn has_published_method<'c>(e: impl Exec<'c>, institution_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversion_methods WHERE institution_id = $1 AND status = 'published'",
    )
    .bind(institution_id)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

pub async fn pledged<'c>(e: impl Exec<'c>, institution_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publication_pledges WHERE institution_id = $1")
        .bind(institution_id)
        .fetch_one(e)
        .await?;
    Ok(n > 0)
}

pub async fn pledge<'c>(e: impl Exec<'c>, institution_id: i64, by: i64, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO publication_pledges (institution_id, accepted_by, accepted_at) VALUES ($1, $2, $3) ON CONFLICT (institution_id) DO NOTHING")
        .bind(institution_id)
        .bind(by)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// The next code of the day: `YYYYMMDD` + a 4-digit sequence. The counter row is
/// incremented atomically, so concurrent creations never share a code.
pub async fn next_code<'c>(e: impl Exec<'c>, day: &str) -> Result<String> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO rule_code_counters (day, last) VALUES ($1, 1) ON CONFLICT (day) DO UPDATE SET last = rule_code_counters.last + 1 RETURNING last",
    )
    .bind(day)
    .fetch_one(e)
    .await?;
    Ok(format!("{day}{n:04}"))
}

#[derive(Debug, Clone, FromRow)]
pub struct Rule {
    pub id: i64,
    pub code: String,
    pub institution_id: i64,
    pub institution_name: String,
    pub name: String,
    pub kind: String,
    pub ratio: String,
    pub explanation: String,
    pub file_id: Option<i64>,
    pub min_score: Option<i64>,
    pub max_age_years: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: domain::lifecycle::RuleStatus,
    pub taken_down_reason: Option<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
}

const RULE: &str = "SELECT r.id, r.code, r.institution_id, (SELECT i.name FROM institutions i WHERE i.id = r.institution_id) AS institution_name, \
    r.name, r.kind, r.ratio, r.explanation, r.file_id, r.min_score, r.max_age_years, r.status, r.taken_down_reason, r.published_at, r.created_at \
    FROM conversion_rules r";

pub struct NewRule<'a> {
    pub code: &'a str,
    pub institution_id: i64,
    pub name: &'a str,
    pub kind: &'a str,
    pub ratio: &'a str,
    pub explanation: &'a str,
    pub file_id: Option<i64>,
    pub min_score: Option<i64>,
    pub max_age_years: Option<i64>,
    pub now: i64,
}

pub async fn insert_rule<'c>(e: impl Exec<'c>, n: &NewRule<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO conversion_rules (code, institution_id, name, kind, ratio, explanation, file_id, min_score, max_age_years, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $10) RETURNING id",
    )
    .bind(n.code)
    .bind(n.institution_id)
    .bind(n.name)
    .bind(n.kind)
    .bind(n.ratio)
    .bind(n.explanation)
    .bind(n.file_id)
    .bind(n.min_score)
    .bind(n.max_age_years)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

/// Replaces what a draft rule says (its code, owner and state stay); the sources and
/// targets are cleared for the caller to add again. False when it is not a draft.
pub async fn update_draft(e: &mut sqlx::AnyConnection, id: i64, n: &NewRule<'_>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE conversion_rules SET name = $3, kind = $4, ratio = $5, explanation = $6, file_id = COALESCE($7, file_id), \
         min_score = $8, max_age_years = $9, updated_at = $10 WHERE id = $1 AND institution_id = $2 AND status = 'draft'",
    )
    .bind(id)
    .bind(n.institution_id)
    .bind(n.name)
    .bind(n.kind)
    .bind(n.ratio)
    .bind(n.explanation)
    .bind(n.file_id)
    .bind(n.min_score)
    .bind(n.max_age_years)
    .bind(n.now)
    .execute(&mut *e)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    clear_links(e, id).await?;
    Ok(true)
}

async fn clear_links(e: &mut sqlx::AnyConnection, id: i64) -> Result<()> {
    for table in ["rule_sources", "rule_targets"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE rule_id = $1"))
            .bind(id)
            .execute(&mut *e)
            .await?;
    }
    Ok(())
}

/// Deletes a draft rule that no application refers to; false otherwise.
pub async fn delete_draft(e: &mut sqlx::AnyConnection, institution_id: i64, id: i64) -> Result<bool> {
    if applications_of_rule(&mut *e, id).await? > 0 {
        return Ok(false);
    }
    let draft: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversion_rules WHERE id = $1 AND institution_id = $2 AND status = 'draft'",
    )
    .bind(id)
    .bind(institution_id)
    .fetch_one(&mut *e)
    .await?;
    if draft != 1 {
        return Ok(false);
    }
    clear_links(&mut *e, id).await?;
    sqlx::query("DELETE FROM conversion_rules WHERE id = $1")
        .bind(id)
        .execute(&mut *e)
        .await?;
    Ok(true)
}

/// How many applications refer to a rule.
pub async fn applications_of_rule<'c>(e: impl Exec<'c>, id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM conversion_applications WHERE rule_id = $1")
            .bind(id)
            .fetch_one(e)
            .await?,
    )
}

pub async fn add_source<'c>(e: impl Exec<'c>, rule: i64, outcome: i64) -> Result<()> {
    sqlx::query("INSERT INTO rule_sources (rule_id, institution_outcome_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(rule)
        .bind(outcome)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn add_target<'c>(
    e: impl Exec<'c>,
    rule: i64,
    outcome: i64,
    credits: Option<i64>,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO rule_targets (rule_id, institution_outcome_id, credits, note) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(rule)
        .bind(outcome)
        .bind(credits)
        .bind(note)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn rule<'c>(e: impl Exec<'c>, id: i64) -> Result<Option<Rule>> {
    Ok(sqlx::query_as(&format!("{RULE} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

pub async fn rule_by_code<'c>(e: impl Exec<'c>, code: &str) -> Result<Option<Rule>> {
    Ok(sqlx::query_as(&format!("{RULE} WHERE r.code = $1"))
        .bind(code)
        .fetch_optional(e)
        .await?)
}

/// Whether a catalog outcome of this institution is among the rule's sources (与我相关).
pub async fn uses_sources_of<'c>(e: impl Exec<'c>, rule: i64, institution: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM rule_sources rs JOIN institution_outcomes io ON io.id = rs.institution_outcome_id \
         WHERE rs.rule_id = $1 AND io.institution_id = $2",
    )
    .bind(rule)
    .bind(institution)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// Catalog outcome ids of a rule's sources.
pub async fn sources<'c>(e: impl Exec<'c>, rule: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT institution_outcome_id FROM rule_sources WHERE rule_id = $1 ORDER BY institution_outcome_id",
    )
    .bind(rule)
    .fetch_all(e)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct Target {
    pub institution_outcome_id: i64,
    pub credits: Option<i64>,
    pub note: Option<String>,
}

pub async fn targets<'c>(e: impl Exec<'c>, rule: i64) -> Result<Vec<Target>> {
    Ok(sqlx::query_as("SELECT institution_outcome_id, credits, note FROM rule_targets WHERE rule_id = $1 ORDER BY institution_outcome_id")
        .bind(rule)
        .fetch_all(e)
        .await?)
}

pub async fn set_rule_status<'c>(
    e: impl Exec<'c>,
    id: i64,
    from: &str,
    to: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE conversion_rules SET status = $3, updated_at = $4, taken_down_reason = COALESCE($5, taken_down_reason), \
         published_at = CASE WHEN $3 = 'published' THEN $4 ELSE published_at END WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .bind(reason)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Default, Clone)]
pub struct RuleFilter {
    pub institution_id: Option<i64>,
    /// Rules using any catalog outcome of this institution as a source (与我相关).
    pub source_institution_id: Option<i64>,
    pub statuses: Vec<&'static str>,
    pub name: Option<String>,
    pub departments: Option<Vec<i64>>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<i64>,
    /// The list's own filters: 转换规则类型, one status, a source's and a target's name.
    pub kind: Option<String>,
    pub status: Option<String>,
    pub source_name: Option<String>,
    pub target_name: Option<String>,
}

pub async fn rules(db: &Db, f: &RuleFilter, page: i64, per_page: i64) -> Result<Page<Rule>> {
    let mut w = Where::new();
    if let Some(i) = f.institution_id {
        w.int("r.institution_id = ?", i);
    }
    if let Some(i) = f.source_institution_id {
        w.int("r.id IN (SELECT rs.rule_id FROM rule_sources rs JOIN institution_outcomes io ON io.id = rs.institution_outcome_id WHERE io.institution_id = ?)", i);
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f.statuses.iter().map(|s| format!("'{s}'")).collect();
        w.raw(&format!("r.status IN ({})", list.join(", ")));
    }
    if let Some(n) = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        w.text(
            "(r.name LIKE ? ESCAPE '\\' OR r.code LIKE ? ESCAPE '\\')",
            crate::like_pattern(n),
        );
    }
    if let Some(d) = &f.departments {
        w.in_departments("r.institution_id", d, false);
    }
    if let Some(id) = f.before_id {
        w.int("r.id < ?", id);
    }
    let given = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(k) = given(&f.kind) {
        w.text("r.kind = ?", k);
    }
    if let Some(s) = given(&f.status) {
        w.text("r.status = ?", s);
    }
    for (table, name) in [("rule_sources", &f.source_name), ("rule_targets", &f.target_name)] {
        if let Some(n) = given(name) {
            w.text(
                &format!(
                    "r.id IN (SELECT x.rule_id FROM {table} x JOIN institution_outcomes io ON io.id = x.institution_outcome_id \
                     WHERE io.name LIKE ? ESCAPE '\\')"
                ),
                crate::like_pattern(&n),
            );
        }
    }
    let total: i64 = bind_scalar(
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM conversion_rules r{}", w.sql())),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    let n = w.next();
    let sql = format!("{RULE}{} ORDER BY r.id DESC LIMIT ${n} OFFSET ${}", w.sql(), n + 1);
    let rows = bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(per_page)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?;
    Ok(Page { rows, total })
}

/// Published rules that use any of these catalog outcomes as a source.
pub async fn published_rules_with_sources<'c>(e: impl Exec<'c>, outcomes: &[i64]) -> Result<Vec<i64>> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::new();
    w.any_of("rs.institution_outcome_id", outcomes);
    let sql = format!(
        "SELECT DISTINCT rs.rule_id FROM rule_sources rs JOIN conversion_rules r ON r.id = rs.rule_id{} AND r.status = 'published' ORDER BY rs.rule_id",
        w.sql()
    );
    Ok(bind_scalar(sqlx::query_scalar(&sql), &w.vals).fetch_all(e).await?)
}

/// How many published rules use a catalog outcome as a source (关联转换规则).
pub async fn rule_count_for_outcome<'c>(e: impl Exec<'c>, outcome: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM rule_sources rs JOIN conversion_rules r ON r.id = rs.rule_id WHERE rs.institution_outcome_id = $1 AND r.status = 'published'",
    )
    .bind(outcome)
    .fetch_one(e)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct Application {
    pub id: i64,
    pub rule_id: i64,
    pub rule_code: String,
    pub rule_name: String,
    pub target_institution_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub learner_id_number: String,
    pub initiator: String,
    pub initiator_institution_id: Option<i64>,
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
    rule: i64,
    learner: i64,
    initiator: &str,
    institution: Option<i64>,
    batch: Option<&str>,
    now: i64,
) -> Result<i64> {
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

pub async fn add_application_source<'c>(e: impl Exec<'c>, application: i64, holding: i64) -> Result<()> {
    sqlx::query("INSERT INTO application_sources (application_id, learner_outcome_id) VALUES ($1, $2)")
        .bind(application)
        .bind(holding)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn application<'c>(e: impl Exec<'c>, id: i64) -> Result<Option<Application>> {
    Ok(sqlx::query_as(&format!("{APPLICATION} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

pub async fn application_sources<'c>(e: impl Exec<'c>, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT learner_outcome_id FROM application_sources WHERE application_id = $1 ORDER BY learner_outcome_id",
    )
    .bind(id)
    .fetch_all(e)
    .await?)
}

/// Moves an application on; false when it was not in `from` (someone decided first).
pub async fn set_application_status<'c>(e: impl Exec<'c>, id: i64, from: &str, to: &str, now: i64) -> Result<bool> {
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
    application: i64,
    stage: &str,
    decision: &str,
    opinion: &str,
    who: &crate::audit::Actor,
    now: i64,
) -> Result<()> {
    let trail = ("application_reviews", "application_id");
    crate::holdings::insert_review(e, trail, application, stage, decision, Some(opinion), who, now).await
}

pub async fn application_reviews<'c>(e: impl Exec<'c>, id: i64) -> Result<Vec<crate::holdings::Review>> {
    crate::holdings::list_reviews(e, ("application_reviews", "application_id"), id).await
}

#[derive(Debug, Default, Clone)]
pub struct ApplicationFilter {
    pub learner_id: Option<i64>,
    /// Applications to rules published by this institution (机构接收).
    pub target_institution_id: Option<i64>,
    /// Applications initiated by this institution (机构发起).
    pub initiator_institution_id: Option<i64>,
    pub statuses: Vec<&'static str>,
    pub initiator: Option<&'static str>,
    pub departments: Option<Vec<i64>>,
    /// Applied at or after / before these unix seconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only these applications (export of the ticked rows).
    pub ids: Option<Vec<i64>>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<i64>,
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
pub async fn batches_of<'c>(e: impl Exec<'c>, institution_id: i64, limit: i64) -> Result<Vec<Batch>> {
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

pub async fn applications(db: &Db, f: &ApplicationFilter, page: i64, per_page: i64) -> Result<Page<Application>> {
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
    let from = "FROM conversion_applications a JOIN conversion_rules r ON r.id = a.rule_id JOIN learners l ON l.id = a.learner_id";
    let total: i64 = bind_scalar(
        sqlx::query_scalar(&format!("SELECT COUNT(*) {from}{}", w.sql())),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    let n = w.next();
    let sql = format!(
        "{APPLICATION}{} ORDER BY a.id DESC LIMIT ${n} OFFSET ${}",
        w.sql(),
        n + 1
    );
    let rows = bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(per_page)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?;
    Ok(Page { rows, total })
}

/// Rule ids with a live (pending, in review or passed) application of this learner.
pub async fn live_rules_of<'c>(e: impl Exec<'c>, learner: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT rule_id FROM conversion_applications WHERE learner_id = $1 AND status IN ('pending', 'initial_passed', 'passed')")
        .bind(learner)
        .fetch_all(e)
        .await?)
}

/// The learner outcomes of the learner's live applications (under review or passed),
/// as (rule, learner outcome).
pub async fn applied_sources<'c>(e: impl Exec<'c>, learner: i64) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT a.rule_id, s.learner_outcome_id FROM application_sources s JOIN conversion_applications a ON a.id = s.application_id \
         WHERE a.learner_id = $1 AND a.status IN ('pending', 'initial_passed', 'passed') ORDER BY a.id",
    )
    .bind(learner)
    .fetch_all(e)
    .await?)
}

/// Learner outcomes consumed by a passed conversion, per rule.
pub async fn consumed<'c>(e: impl Exec<'c>, learner: i64) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT a.rule_id, s.learner_outcome_id FROM application_sources s JOIN conversion_applications a ON a.id = s.application_id \
         WHERE a.learner_id = $1 AND a.status = 'passed'",
    )
    .bind(learner)
    .fetch_all(e)
    .await?)
}

/// Rules by id (for the matcher's candidates).
pub async fn rules_by_ids<'c>(e: impl Exec<'c>, ids: &[i64]) -> Result<Vec<Rule>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::new();
    w.any_of("r.id", ids);
    Ok(
        bind_all(sqlx::query_as(&format!("{RULE}{} ORDER BY r.id", w.sql())), &w.vals)
            .fetch_all(e)
            .await?,
    )
}

/// (rule, catalog outcome) pairs of the rules' sources or targets.
pub async fn links_of<'c>(e: impl Exec<'c>, table: Links, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::new();
    w.any_of("rule_id", ids);
    let name = match table {
        Links::Sources => "rule_sources",
        Links::Targets => "rule_targets",
    };
    let sql = format!(
        "SELECT rule_id, institution_outcome_id FROM {name}{} ORDER BY rule_id, institution_outcome_id",
        w.sql()
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(e).await?)
}

#[derive(Debug, Clone, Copy)]
pub enum Links {
    Sources,
    Targets,
}

pub async fn attach_file<'c>(e: impl Exec<'c>, application: i64, file: i64) -> Result<()> {
    sqlx::query("INSERT INTO application_files (application_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(application)
        .bind(file)
        .execute(e)
        .await?;
    Ok(())
}

/// (file id, original name) of an application's materials.
pub async fn files_of<'c>(e: impl Exec<'c>, application: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as("SELECT f.id, f.original_name FROM files f JOIN application_files a ON a.file_id = f.id WHERE a.application_id = $1 ORDER BY f.id")
        .bind(application)
        .fetch_all(e)
        .await?)
}

/// Applications a file is material of.
pub async fn applications_of_file<'c>(e: impl Exec<'c>, file: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT application_id FROM application_files WHERE file_id = $1")
            .bind(file)
            .fetch_all(e)
            .await?,
    )
}
