//! The schema keeps what the domain says: lifecycle columns refuse unknown states on both
//! databases, and an applied migration cannot be changed behind the runner's back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use domain::ids::DepartmentId;

async fn refuses_unknown_states(t: &TestApp) {
    let pool = &t.app.db.pool;
    let now = store::now();
    let dept: DepartmentId = sqlx::query_scalar("SELECT id FROM departments ORDER BY id LIMIT 1")
        .fetch_optional(pool)
        .await
        .unwrap()
        .unwrap_or_default();
    let dept = if dept == DepartmentId::default() {
        store::directory::insert_department(pool, "测试部门", None, now)
            .await
            .unwrap()
    } else {
        dept
    };
    // An institution in a state the domain does not know is refused on insert...
    let bad = sqlx::query(
        "INSERT INTO institutions (kind, code, name, department_id, status, created_at) VALUES ('school', '1234567890', '测试学校', $1, 'archived', $2)",
    )
    .bind(dept)
    .bind(now)
    .execute(pool)
    .await;
    assert!(bad.is_err(), "an unknown institution state is refused");
    sqlx::query(
        "INSERT INTO institutions (kind, code, name, department_id, status, created_at) VALUES ('school', '1234567890', '测试学校', $1, 'draft', $2)",
    )
    .bind(dept)
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    // ...and on update.
    let bad = sqlx::query("UPDATE institutions SET status = 'gone' WHERE code = '1234567890'")
        .execute(pool)
        .await;
    assert!(bad.is_err(), "an update to an unknown state is refused");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institutions WHERE status = 'draft'")
            .await,
        1
    );
    let bad = sqlx::query("UPDATE jobs SET status = 'paused'").execute(pool).await;
    assert!(bad.is_ok(), "no rows, nothing to refuse");
}

async fn edited_migrations_are_refused(t: &TestApp) {
    // Migrating again is a no-op...
    t.app.db.migrate().await.unwrap();
    // ...until an applied migration's text no longer matches what was applied.
    sqlx::query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let err = t.app.db.migrate().await.expect_err("an edited migration is refused");
    assert!(err.to_string().contains("changed after it was applied"), "{err}");
}

both!(refuses_unknown_states, edited_migrations_are_refused);

/// On PostgreSQL no statement may hold a pooled connection past the statement timeout
/// (one slow query must not starve the pool), migrations included, which lift it only
/// on their own connection while they run; a statement cut off is "try again" (503).
#[tokio::test]
async fn postgres_statements_have_a_timeout() {
    let t = common::TestApp::postgres_as(common::Profile::Ncb).await;
    let mut seen = Vec::new();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = t.app.db.conn().await.unwrap();
        let v: String = sqlx::query_scalar("SELECT CAST(current_setting('statement_timeout') AS TEXT)")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        seen.push(v);
        held.push(c);
    }
    assert!(seen.iter().all(|v| v == "1min"), "{seen:?}");
    let mut c = held.pop().unwrap();
    sqlx::query("SET statement_timeout = '50ms'")
        .execute(&mut *c)
        .await
        .unwrap();
    let err = sqlx::query("SELECT pg_sleep(1)").execute(&mut *c).await.unwrap_err();
    assert!(store::StoreError::from(err).is_unavailable());
    sqlx::query(store::STATEMENT_TIMEOUT).execute(&mut *c).await.unwrap();
    drop((c, held));
    t.finish().await;
}
