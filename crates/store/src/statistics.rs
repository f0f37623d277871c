//! Aggregates for the statistics dashboard (M-03): each a single grouped scan, scoped
//! to a department's institutions (`None`: the whole bank). Months are buckets given
//! by their start times, so the SQL needs no date functions and reads alike on both
//! databases.

use crate::{Db, Result, Where, bind_all};
use domain::ids::DepartmentId;

/// Which rows a department's statistics count.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// Departments whose institutions count; `None`: everything in the bank.
    pub departments: Option<&'a [DepartmentId]>,
}

impl Scope<'_> {
    fn institutions(&self, w: &mut Where, col: &str) {
        if let Some(d) = self.departments {
            w.in_departments(col, d, false);
        }
    }
}

/// `CASE WHEN col >= b[n-1] THEN n-1 … WHEN col >= b[0] THEN 0 END`: the bucket of a time.
fn bucket(col: &str, w: &mut Where, starts: &[i64]) -> String {
    let mut sql = String::from("CASE");
    for (i, start) in starts.iter().enumerate().rev() {
        w.vals.push(crate::Val::I(*start));
        sql.push_str(&format!(" WHEN {col} >= ${} THEN {i}", w.vals.len()));
    }
    sql.push_str(" END");
    sql
}

/// Rows per bucket of `time_col` (from `starts[0]` to `end`), over `from` filtered by `w`.
async fn per_bucket(
    db: &Db,
    from: &str,
    time_col: &str,
    value: &str,
    mut w: Where,
    starts: &[i64],
    end: i64,
) -> Result<Vec<(i64, i64)>> {
    let Some(first) = starts.first() else {
        return Ok(Vec::new());
    };
    w.int(&format!("{time_col} >= ?"), *first)
        .int(&format!("{time_col} < ?"), end);
    let case = bucket(time_col, &mut w, starts);
    let sql = format!(
        "SELECT b, CAST(COALESCE(SUM(v), 0) AS BIGINT) FROM (SELECT {case} AS b, {value} AS v {from}{}) x GROUP BY b ORDER BY b",
        w.sql()
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?)
}

fn learners_in(scope: Scope<'_>) -> Where {
    let mut w = Where::new();
    if let Some(d) = scope.departments {
        // A province's learners: accounts its institutions opened, and holders of an
        // outcome one of its institutions created (one list of ids, used twice).
        let list = w.bind_ids(d);
        let ours = format!("(SELECT id FROM institutions WHERE department_id IN ({list}))");
        w.raw(&format!(
            "(l.created_by_institution IN {ours} OR EXISTS (SELECT 1 FROM learner_outcomes lo \
             WHERE lo.learner_id = l.id AND lo.issuer_institution_id IN {ours}))"
        ));
    }
    w
}

/// Learner accounts opened per month and activated per month.
pub async fn learners_by_month(
    db: &Db,
    scope: Scope<'_>,
    starts: &[i64],
    end: i64,
) -> Result<(Vec<(i64, i64)>, Vec<(i64, i64)>)> {
    let opened = per_bucket(
        db,
        "FROM learners l",
        "l.created_at",
        "1",
        learners_in(scope),
        starts,
        end,
    )
    .await?;
    let mut w = learners_in(scope);
    w.raw("l.activated_at IS NOT NULL");
    let activated = per_bucket(db, "FROM learners l", "l.activated_at", "1", w, starts, end).await?;
    Ok((opened, activated))
}

/// Credits granted per month (entries of the ledger that add, in hundredths).
pub async fn credits_by_month(db: &Db, scope: Scope<'_>, starts: &[i64], end: i64) -> Result<Vec<(i64, i64)>> {
    let mut w = Where::new();
    w.raw("c.amount > 0");
    if let Some(d) = scope.departments {
        w.in_departments(
            "(SELECT lo.issuer_institution_id FROM learner_outcomes lo WHERE lo.id = c.learner_outcome_id)",
            d,
            false,
        );
    }
    per_bucket(db, "FROM credit_ledger c", "c.created_at", "c.amount", w, starts, end).await
}

/// Learner outcomes by type and status: (type name, status code, count).
pub async fn outcomes_by_type(db: &Db, scope: Scope<'_>) -> Result<Vec<(String, String, i64)>> {
    let mut w = Where::new();
    scope.institutions(&mut w, "lo.issuer_institution_id");
    let sql = format!(
        "SELECT t.name, lo.status, COUNT(*) FROM learner_outcomes lo JOIN outcome_subtypes s ON s.id = lo.subtype_id \
         JOIN outcome_types t ON t.id = s.type_id{} GROUP BY t.sort, t.name, lo.status ORDER BY t.sort, t.name, lo.status",
        w.sql()
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?)
}

/// Recognition of learner outcomes that went through it: (recognition code, count).
pub async fn recognitions(db: &Db, scope: Scope<'_>) -> Result<Vec<(String, i64)>> {
    let mut w = Where::new();
    w.raw("lo.recognition <> 'none'");
    scope.institutions(&mut w, "lo.issuer_institution_id");
    let sql = format!(
        "SELECT lo.recognition, COUNT(*) FROM learner_outcomes lo{} GROUP BY lo.recognition ORDER BY lo.recognition",
        w.sql()
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?)
}

/// Catalog outcomes by recognition state: (state, count).
pub async fn catalog_by_recognition(db: &Db, scope: Scope<'_>) -> Result<Vec<(String, i64)>> {
    let mut w = Where::new();
    scope.institutions(&mut w, "io.institution_id");
    let sql = format!(
        "SELECT io.recognition, COUNT(*) FROM institution_outcomes io{} GROUP BY io.recognition ORDER BY io.recognition",
        w.sql()
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?)
}

/// Conversion applications by target institution and state: (institution, state, count).
pub async fn conversions(db: &Db, scope: Scope<'_>) -> Result<Vec<(String, String, i64)>> {
    let mut w = Where::new();
    scope.institutions(&mut w, "r.institution_id");
    let sql = format!(
        "SELECT i.name, a.status, COUNT(*) FROM conversion_applications a JOIN conversion_rules r ON r.id = a.rule_id \
         JOIN institutions i ON i.id = r.institution_id{} GROUP BY i.name, a.status ORDER BY i.name, a.status",
        w.sql()
    );
    Ok(bind_all(sqlx::query_as(&sql), &w.vals).fetch_all(&db.pool).await?)
}
