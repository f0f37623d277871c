//! Conversion methods, rules, applications and their reviews.

use domain::ids::{ApplicationId, CatalogOutcomeId, DepartmentId, FileId, InstitutionId, MethodId, RuleId};
use domain::lifecycle::MethodStatus;
use sqlx::FromRow;

use crate::{Db, Exec, Page, Result, Where, bind_all, bind_scalar};

mod applications;
pub use applications::*;

#[derive(Debug, Clone, FromRow)]
pub struct Method {
    pub id: MethodId,
    pub institution_id: InstitutionId,
    pub title: String,
    pub file_id: FileId,
    #[sqlx(try_from = "String")]
    pub status: MethodStatus,
    pub published_at: Option<i64>,
    pub created_at: i64,
}

const METHOD: &str =
    "SELECT id, institution_id, title, file_id, status, published_at, created_at FROM conversion_methods";

pub async fn insert_method<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    title: &str,
    file_id: FileId,
    now: i64,
) -> Result<MethodId> {
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

pub async fn methods_of<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<Vec<Method>> {
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
    pub id: MethodId,
    pub title: String,
    pub file_id: FileId,
    pub published_at: Option<i64>,
    pub institution_name: String,
}

pub async fn method<'c>(e: impl Exec<'c>, id: MethodId) -> Result<Option<Method>> {
    Ok(sqlx::query_as(&format!("{METHOD} WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?)
}

/// Moves a method's status; false when it was not in `from`.
pub async fn set_method_status<'c>(
    e: impl Exec<'c>,
    id: MethodId,
    institution_id: InstitutionId,
    from: MethodStatus,
    to: MethodStatus,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE conversion_methods SET status = $4, updated_at = $5, published_at = CASE WHEN $4 = 'published' THEN $5 ELSE published_at END \
         WHERE id = $1 AND institution_id = $2 AND status = $3",
    )
    .bind(id)
    .bind(institution_id)
    .bind(from.code())
    .bind(to.code())
    .bind(now)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn update_method<'c>(
    e: impl Exec<'c>,
    id: MethodId,
    institution_id: InstitutionId,
    title: &str,
    file_id: Option<FileId>,
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

pub async fn delete_method<'c>(e: impl Exec<'c>, id: MethodId, institution_id: InstitutionId) -> Result<bool> {
    let r =
        sqlx::query("DELETE FROM conversion_methods WHERE id = $1 AND institution_id = $2 AND status <> 'published'")
            .bind(id)
            .bind(institution_id)
            .execute(e)
            .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn has_published_method<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversion_methods WHERE institution_id = $1 AND status = 'published'",
    )
    .bind(institution_id)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

pub async fn pledged<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publication_pledges WHERE institution_id = $1")
        .bind(institution_id)
        .fetch_one(e)
        .await?;
    Ok(n > 0)
}

pub async fn pledge<'c>(e: impl Exec<'c>, institution_id: InstitutionId, by: i64, now: i64) -> Result<()> {
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
    pub id: RuleId,
    pub code: String,
    pub institution_id: InstitutionId,
    pub institution_name: String,
    pub name: String,
    pub kind: String,
    pub ratio: String,
    pub explanation: String,
    pub file_id: Option<FileId>,
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
    pub institution_id: InstitutionId,
    pub name: &'a str,
    pub kind: &'a str,
    pub ratio: &'a str,
    pub explanation: &'a str,
    pub file_id: Option<FileId>,
    pub min_score: Option<i64>,
    pub max_age_years: Option<i64>,
    pub now: i64,
}

pub async fn insert_rule<'c>(e: impl Exec<'c>, n: &NewRule<'_>) -> Result<RuleId> {
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
pub async fn update_draft(e: &mut sqlx::AnyConnection, id: RuleId, n: &NewRule<'_>) -> Result<bool> {
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

async fn clear_links(e: &mut sqlx::AnyConnection, id: RuleId) -> Result<()> {
    for table in ["rule_sources", "rule_targets"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE rule_id = $1"))
            .bind(id)
            .execute(&mut *e)
            .await?;
    }
    Ok(())
}

/// Deletes a draft rule that no application refers to; false otherwise.
pub async fn delete_draft(e: &mut sqlx::AnyConnection, institution_id: InstitutionId, id: RuleId) -> Result<bool> {
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
pub async fn applications_of_rule<'c>(e: impl Exec<'c>, id: RuleId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM conversion_applications WHERE rule_id = $1")
            .bind(id)
            .fetch_one(e)
            .await?,
    )
}

pub async fn add_source<'c>(e: impl Exec<'c>, rule: RuleId, outcome: CatalogOutcomeId) -> Result<()> {
    sqlx::query("INSERT INTO rule_sources (rule_id, institution_outcome_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(rule)
        .bind(outcome)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn add_target<'c>(
    e: impl Exec<'c>,
    rule: RuleId,
    outcome: CatalogOutcomeId,
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

pub async fn rule<'c>(e: impl Exec<'c>, id: RuleId) -> Result<Option<Rule>> {
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
pub async fn uses_sources_of<'c>(e: impl Exec<'c>, rule: RuleId, institution: InstitutionId) -> Result<bool> {
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
pub async fn sources<'c>(e: impl Exec<'c>, rule: RuleId) -> Result<Vec<CatalogOutcomeId>> {
    Ok(sqlx::query_scalar(
        "SELECT institution_outcome_id FROM rule_sources WHERE rule_id = $1 ORDER BY institution_outcome_id",
    )
    .bind(rule)
    .fetch_all(e)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct Target {
    pub institution_outcome_id: CatalogOutcomeId,
    pub credits: Option<i64>,
    pub note: Option<String>,
}

pub async fn targets<'c>(e: impl Exec<'c>, rule: RuleId) -> Result<Vec<Target>> {
    Ok(sqlx::query_as("SELECT institution_outcome_id, credits, note FROM rule_targets WHERE rule_id = $1 ORDER BY institution_outcome_id")
        .bind(rule)
        .fetch_all(e)
        .await?)
}

/// The targets of many rules in one query, as (rule, target).
pub async fn targets_of<'c>(e: impl Exec<'c>, rules: &[RuleId]) -> Result<Vec<(RuleId, Target)>> {
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::new();
    w.any_of("rule_id", rules);
    let sql = format!(
        "SELECT rule_id, institution_outcome_id, credits, note FROM rule_targets{} ORDER BY rule_id, institution_outcome_id",
        w.sql()
    );
    let rows: Vec<TargetOf> = bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(e).await?;
    Ok(rows.into_iter().map(|r| (r.rule_id, r.target)).collect())
}

#[derive(FromRow)]
struct TargetOf {
    rule_id: RuleId,
    #[sqlx(flatten)]
    target: Target,
}

pub async fn set_rule_status<'c>(
    e: impl Exec<'c>,
    id: RuleId,
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
    pub institution_id: Option<InstitutionId>,
    /// Rules using any catalog outcome of this institution as a source (与我相关).
    pub source_institution_id: Option<InstitutionId>,
    pub statuses: Vec<&'static str>,
    pub name: Option<String>,
    pub departments: Option<Vec<DepartmentId>>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<RuleId>,
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
        crate::search::name_or_code(db, &mut w, &crate::search::RULES, "r.id", "r.name", "r.code", n);
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
        sqlx::query_scalar(&crate::count_sql(&format!("FROM conversion_rules r{}", w.sql()))),
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
pub async fn published_rules_with_sources<'c>(e: impl Exec<'c>, outcomes: &[CatalogOutcomeId]) -> Result<Vec<RuleId>> {
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
pub async fn rule_count_for_outcome<'c>(e: impl Exec<'c>, outcome: CatalogOutcomeId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM rule_sources rs JOIN conversion_rules r ON r.id = rs.rule_id WHERE rs.institution_outcome_id = $1 AND r.status = 'published'",
    )
    .bind(outcome)
    .fetch_one(e)
    .await?)
}

/// Rules by id (for the matcher's candidates).
pub async fn rules_by_ids<'c>(e: impl Exec<'c>, ids: &[RuleId]) -> Result<Vec<Rule>> {
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
pub async fn links_of<'c>(e: impl Exec<'c>, table: Links, ids: &[RuleId]) -> Result<Vec<(RuleId, CatalogOutcomeId)>> {
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

pub async fn attach_file<'c>(e: impl Exec<'c>, application: ApplicationId, file: FileId) -> Result<()> {
    sqlx::query("INSERT INTO application_files (application_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(application)
        .bind(file)
        .execute(e)
        .await?;
    Ok(())
}

/// (file id, original name) of an application's materials.
pub async fn files_of<'c>(e: impl Exec<'c>, application: ApplicationId) -> Result<Vec<(FileId, String)>> {
    Ok(sqlx::query_as("SELECT f.id, f.original_name FROM files f JOIN application_files a ON a.file_id = f.id WHERE a.application_id = $1 ORDER BY f.id")
        .bind(application)
        .fetch_all(e)
        .await?)
}

/// Applications a file is material of.
pub async fn applications_of_file<'c>(e: impl Exec<'c>, file: FileId) -> Result<Vec<ApplicationId>> {
    Ok(
        sqlx::query_scalar("SELECT application_id FROM application_files WHERE file_id = $1")
            .bind(file)
            .fetch_all(e)
            .await?,
    )
}
