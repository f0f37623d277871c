//! The audit log: sign-ins, failed sign-ins, approvals, account changes.

use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_role: Option<String>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

/// Who did something: a role and account id, or nobody (anonymous).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub role: Option<String>,
    pub id: Option<i64>,
    pub name: Option<String>,
    pub ip: Option<String>,
}

pub async fn record<'c>(
    e: impl Exec<'c>,
    actor: &Actor,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_role, actor_id, actor_name, action, target, detail, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now)
    .bind(&actor.role)
    .bind(actor.id)
    .bind(&actor.name)
    .bind(action)
    .bind(target)
    .bind(detail)
    .bind(&actor.ip)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn latest<'c>(e: impl Exec<'c>, action: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
    Ok(sqlx::query_as(
        "SELECT id, at, actor_role, actor_id, actor_name, action, target, detail, ip FROM audit_log \
         WHERE ($1 = '' OR action = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(action.unwrap_or(""))
    .bind(limit)
    .fetch_all(e)
    .await?)
}

/// What the department's audit search filters on; empty fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// The actor's name contains this.
    pub actor: Option<String>,
    pub role: Option<String>,
    /// The action code, exactly.
    pub action: Option<String>,
    /// The target or detail contains this.
    pub target: Option<String>,
    pub ip: Option<String>,
    /// At or after / before these unix seconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The log, newest first, as the filter narrows it.
pub async fn search(db: &crate::Db, f: &Filter, page: i64, per_page: i64) -> Result<crate::Page<AuditEntry>> {
    let mut w = crate::Where::new();
    let some = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if let Some(v) = some(&f.actor) {
        w.text("actor_name LIKE ? ESCAPE '\\'", crate::like_pattern(&v));
    }
    if let Some(v) = some(&f.role) {
        w.text("actor_role = ?", v);
    }
    if let Some(v) = some(&f.action) {
        w.text("action = ?", v);
    }
    if let Some(v) = some(&f.target) {
        w.text(
            "(target LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')",
            crate::like_pattern(&v),
        );
    }
    if let Some(v) = some(&f.ip) {
        w.text("ip = ?", v);
    }
    if let Some(v) = f.from {
        w.int("at >= ?", v);
    }
    if let Some(v) = f.to {
        w.int("at < ?", v);
    }
    let select = "SELECT id, at, actor_role, actor_id, actor_name, action, target, detail, ip FROM audit_log";
    crate::paged(db, select, "FROM audit_log", &w, "id DESC", page, per_page).await
}
