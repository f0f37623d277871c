//! Persistence for both backends through one code path: `sqlx::Any` with `$N`
//! placeholders (SQLite accepts them too), integer flags and unix-second times, so every
//! query is written once. Migrations are one set of files with a tiny dialect
//! substitution.

pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod codes;
pub mod conversion;
pub mod credentials;
pub mod db;
pub mod directory;
pub mod feedback;
pub mod files;
pub mod framework;
pub mod holdings;
pub mod imports;
pub mod institutions;
pub mod jobs;
pub mod learner_accounts;
pub mod learners;
pub mod ledger;
pub mod lockout;
pub mod messages;
mod migrations;
pub mod outbox;
pub mod performance;
pub mod portal;
pub mod rate_limit;
pub mod review_trail;
pub mod search;
pub mod sessions;
pub mod staff;
pub mod statistics;
pub mod sync_runs;
pub mod taxonomy;

pub use db::{
    Backend, Db, Exec, STATEMENT_TIMEOUT, Tx, Val, Where, backend_of, batch_marks, bind_all, bind_scalar, commit,
    id_list, marks, now, paged, value_rows,
};

/// A page of rows and the number of rows matching the filter.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Matching rows, counted up to `COUNT_CAP + 1` (which means "more than COUNT_CAP").
    pub total: i64,
}

/// Lists count their matches up to this many and say "more than" beyond: an exact count
/// over millions of rows on every page view would cost far more than the page itself.
pub const COUNT_CAP: i64 = 2_000;

/// The capped count of the rows of `from_where` (a FROM clause with its joins and WHERE).
pub(crate) fn count_sql(from_where: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one {from_where} LIMIT {}) capped",
        COUNT_CAP + 1
    )
}

/// A `LIKE … ESCAPE '\\'` pattern matching text that contains `s` literally.
pub fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Errors of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("数据库迁移失败: {0}")]
    Migration(String),
    #[error("不支持的数据库地址: {0}")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// True when the error is a unique-constraint violation (a duplicate value).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }

    /// True when the database could not be reached or is shutting down or restarting
    /// (or SQLite stayed locked past its busy timeout): worth retrying in a moment.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Sql(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_),
            ) => true,
            // admin_shutdown, crash_shutdown, cannot_connect_now, query_canceled (the statement
            // timeout), connection failures; SQLITE_BUSY.
            StoreError::Sql(sqlx::Error::Database(e)) => matches!(
                e.code().as_deref(),
                Some("57P01" | "57P02" | "57P03" | "57014" | "08000" | "08003" | "08006" | "5" | "261" | "517")
            ),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
