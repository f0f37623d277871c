//! Issue 13, item 8: a `creditbank import` killed with -9 left a running job and its own
//! copy of the file; later the orphans re-ran in full into the records. Now a command's
//! job is run by that command alone, and the next command cancels the job of one that
//! died (nothing of it was stored), removes its copy and tells the owner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_institution, sheet};

both!(a_killed_command_leaves_no_orphan_to_rerun);

async fn a_killed_command_leaves_no_orphan_to_rerun(t: &TestApp) {
    let bank = seed_bank(t).await;
    let inst = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let file = sheet(
        &["*学员姓名", "*身份证号"],
        &[
            vec!["张三", &id("44010619900101123")],
            vec!["李四", &id("44010619910101123")],
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("学员.xlsx");
    std::fs::write(&path, &file).unwrap();
    let owner = app::import::Owner::Institution(inst);
    let actor = app::queries::Actor::default();
    let enqueue = || app::jobs::enqueue_import_file(&t.app, app::jobs::LEARNERS, owner, None, &path, &actor);

    // The first command claims its job and is killed: its lease lapses.
    let first = enqueue().await.unwrap();
    let now = store::now();
    store::jobs::claim_own(&t.app.db, first, now, 120)
        .await
        .unwrap()
        .unwrap();
    sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2")
        .bind(now - 1)
        .bind(first)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    // A second one was queued and never claimed, long ago.
    let second = enqueue().await.unwrap();
    sqlx::query("UPDATE jobs SET created_at = $1 WHERE id = $2")
        .bind(now - 3600)
        .bind(second)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert!(
        !app::jobs::run_once(&t.app).await.unwrap(),
        "no worker runs a command's job"
    );
    let copy = store::files::by_id(
        &t.app.db.pool,
        store::jobs::by_id(&t.app.db.pool, first)
            .await
            .unwrap()
            .unwrap()
            .file_id,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(t.app.files.open(&copy.storage_key).await.is_ok());

    // The next command cancels both, removes their copies, and runs its own once.
    assert_eq!(app::jobs::cancel_abandoned(&t.app).await.unwrap(), vec![first, second]);
    for j in [first, second] {
        let job = store::jobs::by_id(&t.app.db.pool, j).await.unwrap().unwrap();
        assert_eq!(job.status.code(), "failed");
        assert!(job.error.unwrap().contains("没有导入任何数据"));
    }
    assert!(
        t.app.files.open(&copy.storage_key).await.is_err(),
        "the copy is removed"
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM messages WHERE title = '导入已取消'")
            .await,
        2,
        "the owner is told"
    );
    let third = enqueue().await.unwrap();
    assert!(app::jobs::run_own(&t.app, third).await.unwrap());
    assert!(!app::jobs::run_own(&t.app, third).await.unwrap(), "once");
    assert_eq!(
        store::jobs::by_id(&t.app.db.pool, third).await.unwrap().unwrap().status,
        domain::lifecycle::JobStatus::Done
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 2);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM imports").await,
        1,
        "no orphan ran into the records"
    );
    assert!(app::jobs::cancel_abandoned(&t.app).await.unwrap().is_empty());
    assert!(!app::jobs::run_once(&t.app).await.unwrap());
}
