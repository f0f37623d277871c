//! The migration runner: one SQL file per version, with sections for one backend only,
//! each applied in its own transaction and recorded with its checksum, so that a migration
//! edited after it was applied is refused.

use crate::db::{Backend, Db, STATEMENT_TIMEOUT, now};
use crate::{Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts",
        sql: include_str!("../migrations/0001_accounts.sql"),
    },
    Migration {
        version: 2,
        name: "outcomes",
        sql: include_str!("../migrations/0002_outcomes.sql"),
    },
    Migration {
        version: 3,
        name: "conversion",
        sql: include_str!("../migrations/0003_conversion.sql"),
    },
    Migration {
        version: 4,
        name: "certificates",
        sql: include_str!("../migrations/0004_certificates.sql"),
    },
    Migration {
        version: 5,
        name: "application_files",
        sql: include_str!("../migrations/0005_application_files.sql"),
    },
    Migration {
        version: 6,
        name: "imports",
        sql: include_str!("../migrations/0006_imports.sql"),
    },
    Migration {
        version: 7,
        name: "jobs",
        sql: include_str!("../migrations/0007_jobs.sql"),
    },
    Migration {
        version: 8,
        name: "bank_imports",
        sql: include_str!("../migrations/0008_bank_imports.sql"),
    },
    Migration {
        version: 9,
        name: "api_and_states",
        sql: include_str!("../migrations/0009_api_and_states.sql"),
    },
    Migration {
        version: 10,
        name: "service",
        sql: include_str!("../migrations/0010_service.sql"),
    },
    Migration {
        version: 11,
        name: "portal",
        sql: include_str!("../migrations/0011_portal.sql"),
    },
    Migration {
        version: 12,
        name: "bank_accounts",
        sql: include_str!("../migrations/0012_bank_accounts.sql"),
    },
    Migration {
        version: 13,
        name: "xcert_sync",
        sql: include_str!("../migrations/0013_xcert_sync.sql"),
    },
    Migration {
        version: 14,
        name: "performance_conversions",
        sql: include_str!("../migrations/0014_performance_conversions.sql"),
    },
    Migration {
        version: 15,
        name: "job_runners",
        sql: include_str!("../migrations/0015_job_runners.sql"),
    },
    Migration {
        version: 16,
        name: "audit_search",
        sql: include_str!("../migrations/0016_audit_search.sql"),
    },
    Migration {
        version: 17,
        name: "idempotent_commits",
        sql: include_str!("../migrations/0017_idempotent_commits.sql"),
    },
    Migration {
        version: 18,
        name: "bigrams",
        sql: include_str!("../migrations/0018_bigrams.sql"),
    },
    Migration {
        version: 19,
        name: "list_order",
        sql: include_str!("../migrations/0019_list_order.sql"),
    },
    Migration {
        version: 20,
        name: "credentials",
        sql: include_str!("../migrations/0020_credentials.sql"),
    },
    Migration {
        version: 21,
        name: "name_search",
        sql: include_str!("../migrations/0021_name_search.sql"),
    },
    Migration {
        version: 22,
        name: "exact_names",
        sql: include_str!("../migrations/0022_exact_names.sql"),
    },
    Migration {
        version: 23,
        name: "gin_pending",
        sql: include_str!("../migrations/0023_gin_pending.sql"),
    },
];

/// The SHA-256 of a migration's text, as recorded when it is applied.
fn checksum(sql: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(sql.as_bytes()))
}

/// Keeps the lines meant for this backend: those between `-- @sqlite` (or
/// `-- @postgres`) and `-- @end` apply to that backend only.
fn for_backend(sql: &str, backend: Backend) -> String {
    let mut keep = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        match line.trim() {
            "-- @sqlite" => keep = backend == Backend::Sqlite,
            "-- @postgres" => keep = backend == Backend::Postgres,
            "-- @end" => keep = true,
            _ if keep => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

impl Db {
    /// Applies pending migrations, each in its own transaction. On PostgreSQL an advisory
    /// lock keeps two processes starting at once from racing.
    pub async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            // An index built over millions of rows (or waiting for another process's
            // migration) may take longer than a page may.
            sqlx::query("SET statement_timeout = 0").execute(&mut *conn).await?;
            sqlx::query("SELECT pg_advisory_lock(727274)")
                .execute(&mut *conn)
                .await?;
        }
        let result = self.migrate_locked(&mut conn).await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock(727274)")
                .execute(&mut *conn)
                .await?;
            sqlx::query(STATEMENT_TIMEOUT).execute(&mut *conn).await?;
        }
        result
    }

    async fn migrate_locked(&self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, applied_at BIGINT NOT NULL, checksum TEXT)",
        )
        .execute(&mut *conn)
        .await?;
        // Databases made before checksums were kept lack the column.
        if sqlx::query("SELECT checksum FROM schema_migrations LIMIT 1")
            .execute(&mut *conn)
            .await
            .is_err()
        {
            sqlx::query("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
                .execute(&mut *conn)
                .await?;
        }
        let applied: Vec<(i64, Option<String>)> = sqlx::query_as("SELECT version, checksum FROM schema_migrations")
            .fetch_all(&mut *conn)
            .await?;
        for (version, recorded) in &applied {
            let Some(m) = MIGRATIONS.iter().find(|m| m.version == *version) else {
                tracing::warn!(version, "the database has a migration this program does not know");
                continue;
            };
            match recorded {
                // Applied before checksums were kept: trust it and keep its checksum now.
                None => {
                    sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE version = $2")
                        .bind(checksum(m.sql))
                        .bind(version)
                        .execute(&mut *conn)
                        .await?;
                }
                Some(c) if *c != checksum(m.sql) => {
                    return Err(StoreError::Migration(format!(
                        "{} {} was changed after it was applied to this database; add a new migration instead",
                        m.version, m.name
                    )));
                }
                Some(_) => {}
            }
        }
        let applied: Vec<i64> = applied.into_iter().map(|(v, _)| v).collect();
        let id = match self.backend {
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            let sql = for_backend(m.sql, self.backend).replace("{{ID}}", id);
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(&sql)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Migration(format!("{} {}: {e}", m.version, m.name)))?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(now())
                .bind(checksum(m.sql))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_sections() {
        let sql = "a\n-- @sqlite\nb\n-- @postgres\nc\n-- @end\nd\n";
        assert_eq!(for_backend(sql, Backend::Sqlite), "a\nb\nd\n");
        assert_eq!(for_backend(sql, Backend::Postgres), "a\nc\nd\n");
    }
}
