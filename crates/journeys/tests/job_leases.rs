//! Jobs and their leases on both databases: a worker killed or aborted mid-import leaves
//! nothing behind and the job is done again, once; a run that lost its claim to another
//! process commits nothing and cannot finish or fail the job.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{HEAD, TestApp, holdings_file, holdings_setup, queue_holdings, seed_bank, seed_institution, subtype};

both!(
    a_killed_import_is_picked_up_again,
    an_import_aborted_midway_leaves_nothing,
    a_run_that_lost_its_claim_stores_nothing
);

/// A worker that dies holding a job leaves nothing behind; when its lease runs out the job
/// is taken again and completes once.
async fn a_killed_import_is_picked_up_again(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let rows: Vec<Vec<String>> = (0..1200)
        .map(|i| {
            vec![
                format!("课程{i}"),
                format!("C{i}"),
                String::new(),
                String::new(),
                String::new(),
                "2".into(),
                String::new(),
            ]
        })
        .collect();
    let file = app::import::rows_xlsx(&HEAD, &rows).unwrap();
    let actor = store::audit::Actor {
        role: Some("institution".into()),
        id: Some(1),
        name: Some("广东开放大学".into()),
        ip: None,
    };
    let job = app::jobs::enqueue_import(
        &t.app,
        app::jobs::CATALOG,
        app::import::Owner::Institution(gd),
        Some(course.get()),
        "课程.xlsx",
        &file,
        &actor,
    )
    .await
    .unwrap();
    // A worker claims the job and dies before committing anything.
    let claimed = store::jobs::claim(&t.app.db, store::now(), t.app.config.job_lease_seconds)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, job);
    assert!(!app::jobs::run_once(&t.app).await.unwrap(), "the lease is still held");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM imports").await, 0);
    // The lease runs out; the next worker does the whole job, once.
    sqlx::query("UPDATE jobs SET lease_until = 0")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert!(app::jobs::run_once(&t.app).await.unwrap());
    assert!(!app::jobs::run_once(&t.app).await.unwrap());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 1200);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM imports").await, 1);
    let done = store::jobs::by_id(&t.app.db.pool, job).await.unwrap().unwrap();
    assert_eq!(
        (done.status.code(), done.attempts, done.done, done.total),
        ("done", 2, 1200, 1200)
    );
}

/// The worker's task is aborted while it runs (after it reported progress): nothing of
/// the file is stored; when the lease runs out the job is taken again and completes once.
async fn an_import_aborted_midway_leaves_nothing(t: &TestApp) {
    let (_, gd, o, actor) = holdings_setup(t).await;
    let file = holdings_file(6_000);
    let job = queue_holdings(&t.app, gd, o, &file, &actor).await;
    let worker = tokio::spawn({
        let app = t.app.clone();
        async move { app::jobs::run_once(&app).await }
    });
    let running = loop {
        let j = store::jobs::by_id(&t.app.db.pool, job).await.unwrap().unwrap();
        if j.done > 0 || j.status.code() != "queued" && j.status.code() != "running" {
            break j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    };
    worker.abort();
    let _ = worker.await;
    assert_eq!(running.status.code(), "running", "aborted while it ran");
    assert!(running.done < 6_000, "{} rows done", running.done);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM imports").await, 0);
    sqlx::query("UPDATE jobs SET lease_until = 0")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert!(app::jobs::run_once(&t.app).await.unwrap());
    let done = store::jobs::by_id(&t.app.db.pool, job).await.unwrap().unwrap();
    assert_eq!((done.status.code(), done.done, done.total), ("done", 6_000, 6_000));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 6_000);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'inactive'")
            .await,
        6_000
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM messages WHERE recipient_role = 'learner'")
            .await,
        6_000
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM imports").await, 1);
    // The planner knows the tables grew (it would otherwise plan for an empty bank).
    let estimated = match t.app.db.backend {
        store::Backend::Sqlite => {
            "SELECT CAST(substr(stat, 1, instr(stat || ' ', ' ') - 1) AS INTEGER) FROM sqlite_stat1 \
             WHERE tbl = 'learner_outcomes' LIMIT 1"
        }
        store::Backend::Postgres => "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = 'learner_outcomes'",
    };
    assert!(
        t.scalar(estimated).await >= 3_000,
        "statistics refreshed after the import"
    );
    // The same file again imports nothing twice: every row already holds the outcome.
    let again = queue_holdings(&t.app, gd, o, &file, &actor).await;
    assert!(app::jobs::run_once(&t.app).await.unwrap());
    let j = store::jobs::by_id(&t.app.db.pool, again).await.unwrap().unwrap();
    let result: serde_json::Value = serde_json::from_str(j.result.as_deref().unwrap()).unwrap();
    assert_eq!(
        (result["imported"].as_i64(), result["rejected"].as_i64()),
        (Some(0), Some(6_000))
    );
    assert_eq!(
        result["reasons"][0][0].as_i64(),
        Some(3),
        "rows are numbered as Excel shows them"
    );
    assert!(result["reasons"][0][1].as_str().unwrap().contains("已持有此成果"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 6_000);
}

/// A worker that overran its lease while another process took the job: its progress,
/// its completion and its failure are refused, its rows roll back, and the job is done
/// by the new holder alone.
async fn a_run_that_lost_its_claim_stores_nothing(t: &TestApp) {
    let (_, gd, o, actor) = holdings_setup(t).await;
    let file = holdings_file(1_500);
    let job = queue_holdings(&t.app, gd, o, &file, &actor).await;
    let lease = t.app.config.job_lease_seconds;
    let stale = store::jobs::claim(&t.app.db, store::now(), lease)
        .await
        .unwrap()
        .unwrap()
        .claim();
    sqlx::query("UPDATE jobs SET lease_until = 0")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let holder = store::jobs::claim(&t.app.db, store::now(), lease)
        .await
        .unwrap()
        .unwrap()
        .claim();
    assert_eq!((stale.id, stale.attempt, holder.attempt), (job, 1, 2));
    let pool = &t.app.db.pool;
    let now = store::now();
    assert!(!store::jobs::progress(pool, stale, 1, 2, now + lease).await.unwrap());
    assert!(!store::jobs::renew(pool, stale, now + lease).await.unwrap());
    assert!(!store::jobs::fail(pool, stale, "x", now).await.unwrap());
    assert!(!store::jobs::finish(pool, stale, "{}", now).await.unwrap());
    // The stale run does the whole import and is refused at the first progress report.
    let j = store::jobs::by_id(pool, job).await.unwrap().unwrap();
    let key = store::files::by_id(pool, j.file_id).await.unwrap().unwrap().storage_key;
    let opened = t.app.files.open(&key).await.unwrap();
    let src = app::import::Source {
        file_name: &j.file_name,
        file: &opened,
        file_id: j.file_id,
        job: Some(stale),
    };
    let err = app::import::holdings(&t.app, gd, o, &src, &actor).await.unwrap_err();
    assert!(err.to_string().contains("其他进程接管"), "{err}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM imports").await, 0);
    let j = store::jobs::by_id(pool, job).await.unwrap().unwrap();
    assert_eq!(
        (j.status.code(), j.attempts),
        ("running", 2),
        "the holder's job untouched"
    );
    // The holder (here: the next worker once its lease lapsed too) finishes it once.
    sqlx::query("UPDATE jobs SET lease_until = 0")
        .execute(pool)
        .await
        .unwrap();
    assert!(app::jobs::run_once(&t.app).await.unwrap());
    let j = store::jobs::by_id(pool, job).await.unwrap().unwrap();
    assert_eq!((j.status.code(), j.attempts, j.done), ("done", 3, 1_500));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 1_500);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM imports").await, 1);
}
