//! 机构成果: institution (catalog) outcomes and their recognition.

use domain::ids::{CatalogOutcomeId, DepartmentId, InstitutionId, LevelId, OutcomeTypeId, SubtypeId};
use domain::lifecycle::CatalogRecognition;
use sqlx::FromRow;

use crate::{Backend, Db, Exec, Page, Result, Where, bind_all, bind_scalar};

#[derive(Debug, Clone, FromRow)]
pub struct CatalogOutcome {
    pub id: CatalogOutcomeId,
    pub institution_id: InstitutionId,
    pub institution_name: String,
    pub subtype_id: SubtypeId,
    pub subtype_name: String,
    pub type_name: String,
    pub category: String,
    pub name: String,
    pub fields: String,
    #[sqlx(try_from = "String")]
    pub recognition: CatalogRecognition,
    pub credits: Option<i64>,
    pub recognised_at: Option<i64>,
    pub created_at: i64,
    pub holders: i64,
    /// Published conversion rules using it as a source (关联转换规则).
    pub rules: i64,
    /// The qualifications framework level it is placed on.
    pub framework_level_id: Option<LevelId>,
}

// Names come from correlated subqueries so that every query is driven by the outcomes
// table (a join lets SQLite's planner start from the small tables and scan outcomes).
const SELECT: &str = "SELECT io.id, io.institution_id, \
    (SELECT i.name FROM institutions i WHERE i.id = io.institution_id) AS institution_name, io.subtype_id, \
    (SELECT s.name FROM outcome_subtypes s WHERE s.id = io.subtype_id) AS subtype_name, \
    (SELECT t.name FROM outcome_subtypes s JOIN outcome_types t ON t.id = s.type_id WHERE s.id = io.subtype_id) AS type_name, \
    (SELECT t.category FROM outcome_subtypes s JOIN outcome_types t ON t.id = s.type_id WHERE s.id = io.subtype_id) AS category, \
    io.name, io.fields, io.recognition, io.credits, io.recognised_at, io.created_at, \
    (SELECT COUNT(*) FROM learner_outcomes lo WHERE lo.institution_outcome_id = io.id AND lo.status <> 'withdrawn') AS holders, \
    (SELECT COUNT(*) FROM rule_sources rs JOIN conversion_rules r ON r.id = rs.rule_id \
     WHERE rs.institution_outcome_id = io.id AND r.status = 'published') AS rules, io.framework_level_id \
    FROM institution_outcomes io";

pub struct NewCatalogOutcome<'a> {
    pub institution_id: InstitutionId,
    pub subtype_id: SubtypeId,
    pub name: &'a str,
    pub fields: &'a str,
    pub created_by: i64,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewCatalogOutcome<'_>) -> Result<CatalogOutcomeId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO institution_outcomes (institution_id, subtype_id, name, fields, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(n.institution_id)
    .bind(n.subtype_id)
    .bind(n.name)
    .bind(n.fields)
    .bind(n.created_by)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

/// Inserts many outcomes of one institution and subtype, 500 rows per statement.
pub async fn insert_many(
    tx: &mut crate::Tx,
    institution_id: InstitutionId,
    subtype_id: SubtypeId,
    rows: &[(String, String)],
    created_by: i64,
    now: i64,
) -> Result<()> {
    let backend = crate::backend_of(tx);
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO institution_outcomes (institution_id, subtype_id, name, fields, created_by, created_at) VALUES {}",
            crate::value_rows(backend, chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (name, fields) in chunk {
            q = q
                .bind(institution_id)
                .bind(subtype_id)
                .bind(name)
                .bind(fields)
                .bind(created_by)
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The names of an institution's outcomes of one subtype (duplicate checks of imports).
pub async fn names<'c>(e: impl Exec<'c>, institution_id: InstitutionId, subtype_id: SubtypeId) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM institution_outcomes WHERE institution_id = $1 AND subtype_id = $2")
            .bind(institution_id)
            .bind(subtype_id)
            .fetch_all(e)
            .await?,
    )
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: CatalogOutcomeId) -> Result<Option<CatalogOutcome>> {
    let sql = format!("{SELECT} WHERE io.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

/// These outcomes in one query, in the order of `ids` (missing ones left out).
pub async fn by_ids<'c>(e: impl Exec<'c>, ids: &[CatalogOutcomeId]) -> Result<Vec<CatalogOutcome>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::new();
    w.any_of("io.id", ids);
    let sql = format!("{SELECT}{}", w.sql());
    let mut found: Vec<CatalogOutcome> = bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(e).await?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(i) = found.iter().position(|o| o.id == *id) {
            rows.push(found.swap_remove(i));
        }
    }
    Ok(rows)
}

/// Filters of the catalog lists (institution's own list, department's, public).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub institution_id: Option<InstitutionId>,
    /// Institutions of these departments only (a department's scope).
    pub departments: Option<Vec<DepartmentId>>,
    pub type_id: Option<OutcomeTypeId>,
    pub subtype_id: Option<SubtypeId>,
    pub name: Option<String>,
    pub recognition: Option<CatalogRecognition>,
    /// A value of the `level` field (层次).
    pub level: Option<String>,
    /// Text in the `major` field (专业 / 项目名称).
    pub major: Option<String>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<CatalogOutcomeId>,
    /// Placed on this qualifications framework level.
    pub framework_level_id: Option<LevelId>,
    /// The institution's name contains this (资历机构名称).
    pub institution: Option<String>,
}

fn where_for(db: &Db, f: &Filter) -> Where {
    let mut w = Where::new();
    if let Some(i) = f.institution_id {
        w.int("io.institution_id = ?", i);
    }
    if let Some(d) = &f.departments {
        w.in_departments("io.institution_id", d, false);
    }
    if let Some(t) = f.type_id {
        w.int(
            "io.subtype_id IN (SELECT id FROM outcome_subtypes WHERE type_id = ?)",
            t,
        );
    }
    if let Some(s) = f.subtype_id {
        w.int("io.subtype_id = ?", s);
    }
    if let Some(id) = f.before_id {
        w.int("io.id < ?", id);
    }
    if let Some(l) = f.framework_level_id {
        w.int("io.framework_level_id = ?", l);
    }
    if let Some(r) = f.recognition {
        w.text("io.recognition = ?", r.code());
    }
    if let Some(l) = &f.level {
        w.text(
            "io.fields LIKE ?",
            format!("%\"level\":\"{}\"%", l.replace(['%', '_', '"', '\\'], "")),
        );
    }
    if let Some(m) = f.major.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        let inner = crate::like_pattern(&m.replace('"', ""));
        w.text("io.fields LIKE ? ESCAPE '\\'", format!("%\"major\":\"{}", inner));
    }
    if let Some(i) = f.institution.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        w.text(
            "io.institution_id IN (SELECT id FROM institutions WHERE name LIKE ? ESCAPE '\\')",
            crate::like_pattern(i),
        );
    }
    match name_search(db, f) {
        NameSearch::None => {}
        // A quoted FTS5 phrase is a substring match under the trigram tokenizer.
        NameSearch::Trigrams(n) => {
            w.text(
                "institution_outcomes_fts MATCH ?",
                format!("\"{}\"", n.replace('"', "\"\"")),
            );
        }
        NameSearch::Bigrams(n) => {
            w.text("b.gram = ?", n.to_ascii_lowercase());
        }
        NameSearch::PgBigrams(n) => {
            w.text("search_bigrams(io.name) @> ARRAY[CAST(? AS TEXT)]", n.to_string());
        }
        // LIKE, not ILIKE, on PostgreSQL: case folding slows the scans that one-character
        // queries need, and Chinese has no case.
        NameSearch::Scan(n) => {
            w.text("io.name LIKE ? ESCAPE '\\'", crate::like_pattern(n));
        }
    }
    w
}

/// How a name search finds its rows: on SQLite the FTS5 trigram table (three characters
/// and more) or the bigram table (two, 0018); on PostgreSQL the bigram GIN index (two) or
/// LIKE (served by pg_trgm from three); one character scans. One decision for the
/// condition (`where_for`) and the walk (`source`), so the two cannot disagree.
enum NameSearch<'a> {
    None,
    Trigrams(&'a str),
    Bigrams(&'a str),
    PgBigrams(&'a str),
    Scan(&'a str),
}

fn name_search<'a>(db: &Db, f: &'a Filter) -> NameSearch<'a> {
    let Some(n) = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return NameSearch::None;
    };
    match (db.backend, n.chars().count()) {
        (Backend::Sqlite, 3..) => NameSearch::Trigrams(n),
        (Backend::Sqlite, 2) => NameSearch::Bigrams(n),
        (Backend::Postgres, 2) => NameSearch::PgBigrams(n),
        _ => NameSearch::Scan(n),
    }
}

/// Where a list's walk starts, and the column it is ordered by (newest first). On SQLite a
/// name search starts from its index, newest first: a page reads only its own rows and a
/// count stops at the cap. As `io.id IN (SELECT …)` it first collected every matching id
/// (16 000 for 数学 among 200 000 names), for the count and again for the page.
fn source(db: &Db, f: &Filter) -> (&'static str, &'static str) {
    match name_search(db, f) {
        NameSearch::Bigrams(_) => (
            "FROM institution_outcome_bigrams b CROSS JOIN institution_outcomes io ON io.id = b.outcome_id",
            "b.outcome_id",
        ),
        NameSearch::Trigrams(_) => (
            "FROM institution_outcomes_fts f CROSS JOIN institution_outcomes io ON io.id = f.rowid",
            "f.rowid",
        ),
        _ => ("FROM institution_outcomes io", "io.id"),
    }
}

pub async fn list(db: &Db, f: &Filter, page: i64, per_page: i64) -> Result<Page<CatalogOutcome>> {
    let w = where_for(db, f);
    let (from, order) = source(db, f);
    let count_sql = crate::count_sql(&format!("{from}{}", w.sql()));
    let total: i64 = bind_scalar(sqlx::query_scalar(&count_sql), &w.vals)
        .fetch_one(&db.pool)
        .await?;
    let offset = (page.max(1) - 1) * per_page;
    // A name searched for exactly comes first (then newest first); a cursor (the API's
    // `before`) walks by id alone.
    let exact = f
        .name
        .as_deref()
        .map(crate::search::normalize)
        .filter(|n| !n.is_empty() && f.before_id.is_none());
    let ids = match exact {
        None => page_ids(db, (from, order), &w, offset, per_page).await?,
        Some(name) => {
            // The exact name is found through its own index, not the substring's.
            let by_name = Filter {
                name: None,
                ..f.clone()
            };
            let mut same = where_for(db, &by_name);
            same.text("io.name = ?", name.clone());
            let plain = source(db, &by_name);
            let exact_total: i64 = bind_scalar(
                sqlx::query_scalar(&format!("SELECT COUNT(*) {}{}", plain.0, same.sql())),
                &same.vals,
            )
            .fetch_one(&db.pool)
            .await?;
            let mut ids = Vec::new();
            if offset < exact_total {
                ids = page_ids(db, plain, &same, offset, per_page).await?;
            }
            let rest = per_page - ids.len() as i64;
            if rest > 0 {
                let mut other = where_for(db, f);
                other.text("io.name <> ?", name);
                ids.extend(page_ids(db, (from, order), &other, (offset - exact_total).max(0), rest).await?);
            }
            ids
        }
    };
    let rows = by_ids(&db.pool, &ids).await?;
    Ok(Page { rows, total })
}

/// A page's ids, newest first, from the outcomes table alone (so the planner walks it by
/// id); their details are read after.
async fn page_ids(
    db: &Db,
    (from, order): (&str, &str),
    w: &Where,
    offset: i64,
    limit: i64,
) -> Result<Vec<CatalogOutcomeId>> {
    let n = w.next();
    let sql = format!(
        "SELECT io.id {from}{} ORDER BY {order} DESC LIMIT ${n} OFFSET ${}",
        w.sql(),
        n + 1
    );
    Ok(bind_scalar(sqlx::query_scalar(&sql), &w.vals)
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?)
}

/// Deletes an institution's own outcome while it is unrecognised; holders keep their
/// records (the reference becomes NULL).
pub async fn delete_unrecognised<'c>(
    e: impl Exec<'c>,
    institution_id: InstitutionId,
    id: CatalogOutcomeId,
) -> Result<bool> {
    let r = sqlx::query(
        "DELETE FROM institution_outcomes WHERE id = $1 AND institution_id = $2 AND recognition = 'unrecognised'",
    )
    .bind(id)
    .bind(institution_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves the recognition state on if it is currently `from`. False when someone else
/// moved it first.
pub async fn set_recognition<'c>(
    e: impl Exec<'c>,
    id: CatalogOutcomeId,
    from: &[CatalogRecognition],
    to: CatalogRecognition,
    credits: Option<i64>,
    by: Option<i64>,
    now: i64,
) -> Result<bool> {
    let allowed: Vec<String> = from.iter().map(|s| format!("'{}'", s.code())).collect();
    let sql = format!(
        "UPDATE institution_outcomes SET recognition = $2, credits = $3, recognised_by = $4, recognised_at = $5 \
         WHERE id = $1 AND recognition IN ({})",
        allowed.join(", ")
    );
    let r = sqlx::query(&sql)
        .bind(id)
        .bind(to.code())
        .bind(credits)
        .bind(by)
        .bind(now)
        .execute(e)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Counts by category for the overview (I-02).
pub async fn counts_by_category<'c>(e: impl Exec<'c>, institution_id: InstitutionId) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT t.category, COUNT(*) FROM institution_outcomes io JOIN outcome_subtypes s ON s.id = io.subtype_id \
         JOIN outcome_types t ON t.id = s.type_id WHERE io.institution_id = $1 GROUP BY t.category",
    )
    .bind(institution_id)
    .fetch_all(e)
    .await?)
}

/// The first catalog outcome of this exact name (the demo's placements).
pub async fn first_named<'c>(e: impl Exec<'c>, name: &str) -> Result<Option<CatalogOutcomeId>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM institution_outcomes WHERE name = $1 ORDER BY id LIMIT 1")
            .bind(name)
            .fetch_optional(e)
            .await?,
    )
}
