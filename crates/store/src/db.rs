use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

use domain::ids::DepartmentId;

use crate::{Result, StoreError};

/// Anything a query can run on: the pool, a connection or a transaction.
pub trait Exec<'c>: Executor<'c, Database = Any> {}
impl<'c, T: Executor<'c, Database = Any>> Exec<'c> for T {}

pub type Tx = Transaction<'static, Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a pool and which backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// The backend of a connection or transaction.
pub fn backend_of(conn: &sqlx::AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgres") || conn.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// `n` parameter placeholders for a statement whose parameters are all bound in order:
/// `$1…` on PostgreSQL, anonymous `?` on SQLite. (sqlx binds numbered parameters on
/// SQLite by looking each name up in a list, which is quadratic in a statement with
/// thousands of them; anonymous ones have no name to look up.)
pub fn marks(backend: Backend, n: usize) -> Vec<String> {
    match backend {
        Backend::Sqlite => vec!["?".to_string(); n],
        Backend::Postgres => (1..=n).map(|i| format!("${i}")).collect(),
    }
}

/// The VALUES of a multi-row INSERT of `rows` rows of `cols` parameters each, all bound
/// in order.
pub fn value_rows(backend: Backend, rows: usize, cols: usize) -> String {
    batch_marks(backend, 0, rows, cols).1
}

/// Placeholders of a batch statement whose first `shared` parameters are the same for
/// every row, followed by `rows` rows of `cols` each: the shared ones, and the rows as a
/// VALUES list. Bind the shared values first, then each row's.
pub fn batch_marks(backend: Backend, shared: usize, rows: usize, cols: usize) -> (Vec<String>, String) {
    let mut marks = marks(backend, shared + rows * cols);
    let values = marks
        .split_off(shared)
        .chunks(cols.max(1))
        .map(|row| format!("({})", row.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    (marks, values)
}

/// Ids as an SQL list for `IN (…)`; integers only, so nothing to escape.
pub fn id_list<T: Copy + Into<i64>>(ids: &[T]) -> String {
    if ids.is_empty() {
        return "NULL".into();
    }
    ids.iter()
        .map(|id| (*id).into().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Current time in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The longest a statement may run on PostgreSQL (pages take milliseconds, an import
/// chunk or a sampled ANALYZE seconds).
pub const STATEMENT_TIMEOUT: &str = "SET statement_timeout = '60s'";

impl Db {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url.to_string()
        };
        let opts = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let mut pool = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the one writer; busy_timeout makes writers
            // queue instead of failing with SQLITE_BUSY, long enough to outwait the
            // write transaction of a million-row import (about 25 s of inserts).
            // Pages are read through a memory map and kept in a 32 MB cache per
            // connection: with the default 2 MB cache a list page of a national bank
            // spent a quarter of its time copying pages in `pread`.
            pool = pool.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                         PRAGMA mmap_size = 2147418112; PRAGMA cache_size = -32768;",
                    )
                    .await?;
                    Ok(())
                })
            });
        } else {
            // No statement may hold a connection for minutes and starve the pool for
            // everyone (migrations lift the limit on their own connection). A page's
            // query runs on one core: under load parallel workers only add work, and a
            // plan with them made a name search several times slower.
            pool = pool.max_connections(16).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(STATEMENT_TIMEOUT).await?;
                    conn.execute("SET max_parallel_workers_per_gather = 0").await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(opts).await?;
        Ok(Self { pool, backend })
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), waiting its turn: a deferred transaction that has read and then
    /// writes can fail at once with "database is locked" when another writer is busy.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Whether the database answers (a readiness probe).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A connection of the pool, for statements that need one (batched lookups).
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Refreshes the planner's statistics on SQLite (`PRAGMA optimize`, as its docs
    /// advise doing periodically); PostgreSQL's autovacuum does this itself.
    pub async fn optimize(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics of these tables now (after bulk writes): on
    /// SQLite an `ANALYZE` bounded to a sample (`analysis_limit`), on PostgreSQL its own
    /// sampled `ANALYZE`.
    pub async fn analyze(&self, tables: &[&str]) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA analysis_limit = 2000").execute(&mut *conn).await?;
        }
        for t in tables {
            // Table names come from the program, never from input.
            debug_assert!(t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            sqlx::query(&format!("ANALYZE {t}")).execute(&mut *conn).await?;
            if self.backend == Backend::Postgres {
                // The GIN pending list, which every name search reads, merged now rather
                // than left to grow by the rows just written.
                sqlx::query(
                    "SELECT CAST(COALESCE(SUM(gin_clean_pending_list(CAST(i.indexrelid AS regclass))), 0) AS BIGINT) \
                     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
                     WHERE i.indrelid = CAST($1 AS regclass) AND a.amname = 'gin'",
                )
                .bind(*t)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }

    /// On PostgreSQL, warns when the database's character type is not UTF-8: trigram
    /// search extracts nothing from Chinese text under the `C` ctype.
    pub async fn check_ctype(&self) -> Result<Option<String>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let ctype: String =
            sqlx::query_scalar("SELECT CAST(datctype AS TEXT) FROM pg_database WHERE datname = current_database()")
                .fetch_one(&self.pool)
                .await?;
        let lower = ctype.to_ascii_lowercase();
        Ok((!lower.contains("utf8") && !lower.contains("utf-8")).then_some(ctype))
    }
}

/// Commits a transaction, mapping the error into the store's error type. Inside an API
/// request with an `Idempotency-Key`, the key is marked as having committed a change, in
/// this same transaction.
pub async fn commit(mut tx: Tx) -> Result<()> {
    if let Ok((caller, key)) = crate::api_keys::IDEMPOTENT.try_with(Clone::clone) {
        crate::api_keys::mark_committed(&mut *tx, &caller, &key).await?;
    }
    Ok(tx.commit().await?)
}

/// A value bound into a dynamically built query.
#[derive(Debug, Clone)]
pub enum Val {
    I(i64),
    S(String),
}

/// Builds a `WHERE` clause from optional filters: each condition uses `?` for its value
/// (every `?` of one condition takes the same value), numbered `$1, $2 …` in order.
#[derive(Debug, Default)]
pub struct Where {
    clauses: Vec<String>,
    pub vals: Vec<Val>,
}

impl Where {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, cond: &str, v: Val) {
        let mut out = String::with_capacity(cond.len() + 8);
        for (i, part) in cond.split('?').enumerate() {
            if i > 0 {
                self.vals.push(v.clone());
                out.push_str(&format!("${}", self.vals.len()));
            }
            out.push_str(part);
        }
        self.clauses.push(out);
    }

    pub fn int(&mut self, cond: &str, v: impl Into<i64>) -> &mut Self {
        self.push(cond, Val::I(v.into()));
        self
    }

    pub fn text(&mut self, cond: &str, v: impl Into<String>) -> &mut Self {
        self.push(cond, Val::S(v.into()));
        self
    }

    /// A condition with no value.
    pub fn raw(&mut self, cond: &str) -> &mut Self {
        self.clauses.push(cond.to_string());
        self
    }

    /// Binds `ids` and returns their placeholders for `IN (…)`: `$3, $4` (`NULL` when
    /// there are none, which matches nothing). A condition may use the list twice.
    pub fn bind_ids<T: Copy + Into<i64>>(&mut self, ids: &[T]) -> String {
        if ids.is_empty() {
            return "NULL".into();
        }
        let mut marks = Vec::with_capacity(ids.len());
        for id in ids {
            self.vals.push(Val::I((*id).into()));
            marks.push(format!("${}", self.vals.len()));
        }
        marks.join(", ")
    }

    /// Binds texts and returns their placeholders, in order.
    pub fn bind_texts(&mut self, texts: &[String]) -> Vec<String> {
        texts
            .iter()
            .map(|t| {
                self.vals.push(Val::S(t.clone()));
                format!("${}", self.vals.len())
            })
            .collect()
    }

    /// `col IN ($n, …)`; an empty list matches nothing.
    pub fn any_of<T: Copy + Into<i64>>(&mut self, col: &str, ids: &[T]) -> &mut Self {
        if ids.is_empty() {
            return self.raw("1 = 0");
        }
        let list = self.bind_ids(ids);
        self.raw(&format!("{col} IN ({list})"))
    }

    /// `col` is an institution of one of these departments (a department's scope);
    /// with `or_null`, rows without an institution match too.
    pub fn in_departments(&mut self, col: &str, departments: &[DepartmentId], or_null: bool) -> &mut Self {
        let list = self.bind_ids(departments);
        let cond = format!("{col} IN (SELECT id FROM institutions WHERE department_id IN ({list}))");
        if or_null {
            self.raw(&format!("({col} IS NULL OR {cond})"))
        } else {
            self.raw(&cond)
        }
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The placeholder number the next value would get (for LIMIT/OFFSET).
    pub fn next(&self) -> usize {
        self.vals.len() + 1
    }
}

/// Binds a `Where`'s values in order.
pub fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    vals: &[Val],
) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>> {
    for v in vals {
        q = match v {
            Val::I(i) => q.bind(*i),
            Val::S(s) => q.bind(s.clone()),
        };
    }
    q
}

/// Binds a `Where`'s values into a scalar query.
pub fn bind_scalar<'q, O>(
    mut q: sqlx::query::QueryScalar<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    vals: &[Val],
) -> sqlx::query::QueryScalar<'q, Any, O, sqlx::any::AnyArguments<'q>> {
    for v in vals {
        q = match v {
            Val::I(i) => q.bind(*i),
            Val::S(s) => q.bind(s.clone()),
        };
    }
    q
}

/// One page of `select` (which ends in its FROM and joins) filtered by `w`: the rows in
/// `order` and the total that `count_from` (the same FROM and joins) counts.
pub async fn paged<O>(
    db: &Db,
    select: &str,
    count_from: &str,
    w: &Where,
    order: &str,
    page: i64,
    per_page: i64,
) -> Result<crate::Page<O>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let total: i64 = bind_scalar(
        sqlx::query_scalar(&crate::count_sql(&format!("{count_from}{}", w.sql()))),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    let n = w.next();
    let sql = format!("{select}{} ORDER BY {order} LIMIT ${n} OFFSET ${}", w.sql(), n + 1);
    let rows = bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(per_page)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?;
    Ok(crate::Page { rows, total })
}

/// Unix-second bounds of a calendar year in Beijing time: `[start, end)`.
pub fn year_bounds(year: i32) -> Option<(i64, i64)> {
    let at = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp() - 8 * 3600)
    };
    Some((at(year)?, at(year + 1)?))
}

#[cfg(test)]
mod where_tests {
    use super::*;

    #[test]
    fn same_value_twice() {
        let mut w = Where::new();
        w.int("(a = ? OR b IN (SELECT x FROM y WHERE c = ?))", 7)
            .text("d LIKE ?", "%x%");
        assert_eq!(
            w.sql(),
            " WHERE (a = $1 OR b IN (SELECT x FROM y WHERE c = $2)) AND d LIKE $3"
        );
        assert_eq!(w.next(), 4);
    }
}
