use domain::ids::{FileId, InstitutionId, LearnerId};
use domain::lifecycle::LearnerStatus;
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Learner {
    pub id: LearnerId,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub status: LearnerStatus,
    pub card_no: String,
    pub id_valid_from: Option<String>,
    pub id_valid_to: Option<String>,
    pub created_by_institution: Option<InstitutionId>,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    /// Moves on with every password change; sessions of an older epoch are ended.
    pub session_epoch: i64,
    pub avatar_file_id: Option<FileId>,
    /// Guangdong's user name (letters and digits) and personal facts.
    pub username: Option<String>,
    pub nationality: Option<String>,
    pub ethnicity: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub address: Option<String>,
    /// When the account entered the bank's review (OUCN), and when it passed.
    pub submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
}

impl Learner {
    pub fn is_active(&self) -> bool {
        self.status == LearnerStatus::Active
    }
}

pub struct NewLearner<'a> {
    pub name: &'a str,
    pub id_type: &'a str,
    pub id_number: &'a str,
    pub mobile: Option<&'a str>,
    pub password_hash: &'a str,
    pub status: LearnerStatus,
    pub card_no: &'a str,
    pub created_by_institution: Option<InstitutionId>,
    pub now: i64,
}

pub const COLUMNS: &str = "id, name, id_type, id_number, mobile, email, password_hash, status, card_no, \
    id_valid_from, id_valid_to, created_by_institution, failed_attempts, locked_until, created_at, activated_at, session_epoch, avatar_file_id, \
    username, nationality, ethnicity, gender, birth_date, address, submitted_at, reviewed_at";

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewLearner<'_>) -> Result<LearnerId> {
    let activated = (n.status == LearnerStatus::Active).then_some(n.now);
    Ok(sqlx::query_scalar(
        "INSERT INTO learners (name, id_type, id_number, mobile, password_hash, status, card_no, \
         created_by_institution, created_at, activated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(n.name)
    .bind(n.id_type)
    .bind(n.id_number)
    .bind(n.mobile)
    .bind(n.password_hash)
    .bind(n.status.code())
    .bind(n.card_no)
    .bind(n.created_by_institution)
    .bind(n.now)
    .bind(activated)
    .fetch_one(e)
    .await?)
}

/// Pre-imported accounts (未激活, resident ID) created by an institution's import: name,
/// ID number and card number per row, the rest the same for all. Each row binds only
/// what varies, which keeps large batches cheap. Returns (ID number, id) of each.
/// Pre-imported accounts from (name, ID type code, ID number, card number) rows.
pub async fn insert_imported(
    conn: &mut sqlx::AnyConnection,
    rows: &[(&str, &str, &str, &str)],
    password_hash: &str,
    institution: Option<InstitutionId>,
    now: i64,
) -> Result<Vec<(String, LearnerId)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (marks, values) = crate::batch_marks(crate::backend_of(conn), 3, rows.len(), 4);
    let sql = format!(
        "INSERT INTO learners (name, id_type, id_number, password_hash, status, card_no, created_by_institution, created_at) \
         SELECT v.column1, v.column2, v.column3, {}, '{}', v.column4, {}, {} FROM (VALUES {}) AS v \
         RETURNING id_number, id",
        marks[0],
        LearnerStatus::Inactive.code(),
        marks[1],
        marks[2],
        values
    );
    let mut q = sqlx::query_as(&sql).bind(password_hash).bind(institution).bind(now);
    for (name, id_type, id_number, card) in rows {
        q = q.bind(*name).bind(*id_type).bind(*id_number).bind(*card);
    }
    Ok(q.fetch_all(conn).await?)
}

/// (ID number, id, name) of the learners with these ID numbers.
pub async fn by_id_numbers(
    conn: &mut sqlx::AnyConnection,
    id_numbers: &[&str],
) -> Result<Vec<(String, LearnerId, String)>> {
    if id_numbers.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id_number, id, name FROM learners WHERE id_number IN ({})",
        crate::marks(crate::backend_of(conn), id_numbers.len()).join(", ")
    );
    let mut q = sqlx::query_as(&sql);
    for n in id_numbers {
        q = q.bind(*n);
    }
    Ok(q.fetch_all(conn).await?)
}

pub async fn by_id<'c>(e: impl Exec<'c>, id: LearnerId) -> Result<Option<Learner>> {
    let sql = format!("SELECT {COLUMNS} FROM learners WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(e).await?)
}

pub async fn by_id_number<'c>(e: impl Exec<'c>, id_number: &str) -> Result<Option<Learner>> {
    let sql = format!("SELECT {COLUMNS} FROM learners WHERE id_number = $1");
    Ok(sqlx::query_as(&sql).bind(id_number).fetch_optional(e).await?)
}

pub async fn by_mobile<'c>(e: impl Exec<'c>, mobile: &str) -> Result<Option<Learner>> {
    let sql = format!("SELECT {COLUMNS} FROM learners WHERE mobile = $1");
    Ok(sqlx::query_as(&sql).bind(mobile).fetch_optional(e).await?)
}

/// Completes a pre-imported account, or activates one on self-registration.
pub async fn activate<'c>(
    e: impl Exec<'c>,
    id: LearnerId,
    mobile: &str,
    password_hash: &str,
    valid: Option<(&str, Option<&str>)>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE learners SET status = 'active', mobile = $2, password_hash = $3, \
         id_valid_from = COALESCE($4, id_valid_from), id_valid_to = CASE WHEN $4 IS NULL THEN id_valid_to ELSE $5 END, \
         activated_at = $6, failed_attempts = 0, locked_until = NULL, session_epoch = session_epoch + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(mobile)
    .bind(password_hash)
    .bind(valid.map(|v| v.0))
    .bind(valid.and_then(|v| v.1))
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn count<'c>(e: impl Exec<'c>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM learners").fetch_one(e).await?)
}

/// What a list of an institution's learners is narrowed by.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// The name contains this.
    pub name: String,
    /// The ID number is this.
    pub id_number: String,
    /// Created in this year, Beijing time.
    pub year: Option<i32>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<LearnerId>,
}

/// Learners an institution may see: those it created and those holding its outcomes.
pub async fn of_institution(
    db: &crate::Db,
    institution_id: InstitutionId,
    f: &Filter,
    page: i64,
    per_page: i64,
) -> Result<crate::Page<Learner>> {
    let (name, id_number, year) = (&f.name, &f.id_number, f.year);
    let mut w = crate::Where::new();
    w.int(
        "(created_by_institution = ? OR id IN (SELECT learner_id FROM learner_outcomes WHERE issuer_institution_id = ?))",
        institution_id,
    );
    if !name.trim().is_empty() {
        crate::search::name_contains(db, &mut w, &crate::search::LEARNERS, "id", "name", name);
    }
    if !id_number.trim().is_empty() {
        w.text("id_number = ?", id_number.trim().to_ascii_uppercase());
    }
    if let Some((start, end)) = year.and_then(crate::db::year_bounds) {
        w.int("created_at >= ?", start).int("created_at < ?", end);
    }
    if let Some(id) = f.before_id {
        w.int("id < ?", id);
    }
    let total: i64 = crate::bind_scalar(
        sqlx::query_scalar(&crate::count_sql(&format!("FROM learners{}", w.sql()))),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    let n = w.next();
    let sql = format!(
        "SELECT {COLUMNS} FROM learners{} ORDER BY id DESC LIMIT ${n} OFFSET ${}",
        w.sql(),
        n + 1
    );
    let rows = crate::bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(per_page)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?;
    Ok(crate::Page { rows, total })
}

/// Changes name and ID number of an account that is still 未激活 and was created by
/// this institution.
pub async fn update_inactive<'c>(
    e: impl Exec<'c>,
    id: LearnerId,
    institution_id: InstitutionId,
    name: &str,
    id_number: &str,
    password_hash: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE learners SET name = $3, id_number = $4, password_hash = $5 WHERE id = $1 AND created_by_institution = $2 AND status = 'inactive'",
    )
    .bind(id)
    .bind(institution_id)
    .bind(name)
    .bind(id_number)
    .bind(password_hash)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Deletes an account that is 未激活, created by this institution and holds nothing.
pub async fn delete_inactive<'c>(e: impl Exec<'c>, id: LearnerId, institution_id: InstitutionId) -> Result<bool> {
    let r = sqlx::query(
        "DELETE FROM learners WHERE id = $1 AND created_by_institution = $2 AND status = 'inactive' \
         AND NOT EXISTS (SELECT 1 FROM learner_outcomes WHERE learner_id = $1)",
    )
    .bind(id)
    .bind(institution_id)
    .execute(e)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn by_email<'c>(e: impl Exec<'c>, email: &str) -> Result<Option<Learner>> {
    let sql = format!("SELECT {COLUMNS} FROM learners WHERE email = $1");
    Ok(sqlx::query_as(&sql).bind(email).fetch_optional(e).await?)
}

pub async fn by_username<'c>(e: impl Exec<'c>, username: &str) -> Result<Option<Learner>> {
    let sql = format!("SELECT {COLUMNS} FROM learners WHERE username = $1");
    Ok(sqlx::query_as(&sql).bind(username).fetch_optional(e).await?)
}
