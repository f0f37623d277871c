//! The disk of the files directory full during an upload, on both databases: a clear
//! error on the file's field, what was typed kept, and nothing half-written (no file row,
//! no job, no change, no partial file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use app::files::{DirStore, FileStore};
use common::{TestApp, holdings_file, holdings_setup, queue_holdings};

both!(a_full_disk_refuses_uploads_and_writes_nothing);

/// A file store whose disk is full: reads work, every write fails as the kernel says.
struct Full(DirStore);

#[async_trait::async_trait]
impl FileStore for Full {
    async fn put(&self, _: &str, _: &[u8]) -> anyhow::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::StorageFull).into())
    }
    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        self.0.get(key).await
    }
    async fn put_file(&self, _: &str, _: &std::path::Path) -> anyhow::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::StorageFull).into())
    }
    async fn open(&self, key: &str) -> anyhow::Result<std::fs::File> {
        self.0.open(key).await
    }
    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.0.delete(key).await
    }
}

async fn a_full_disk_refuses_uploads_and_writes_nothing(t: &TestApp) {
    let (_, gd, o, actor) = holdings_setup(t).await;
    queue_holdings(&t.app, gd, o, &holdings_file(3), &actor).await;
    assert!(app::jobs::run_once(&t.app).await.unwrap());
    let before = |table: &'static str| async move { t.scalar(&format!("SELECT COUNT(*) FROM {table}")).await };
    let (files, jobs) = (before("files").await, before("jobs").await);
    let full = t.with_files(Arc::new(Full(DirStore::new(&t.app.config.files_dir))));

    // An import: refused at once, naming the file; no job is queued.
    let owner = app::import::Owner::Institution(gd);
    let err = app::jobs::enqueue_import(
        &full.app,
        app::jobs::HOLDINGS,
        owner,
        Some(o.get()),
        "学员.xlsx",
        &holdings_file(5),
        &actor,
    )
    .await
    .unwrap_err();
    match &err {
        app::AppError::Invalid(e) => {
            assert_eq!(e[0].field, "file");
            assert!(
                e[0].message.contains("服务器存储空间不足") && e[0].message.contains("学员.xlsx"),
                "{err}"
            );
        }
        other => panic!("{other:?}"),
    }

    // A withdrawal with its reason document, through the page: the form comes back
    // with the reason typed and the error on the file.
    let held: i64 = t.scalar("SELECT MIN(id) FROM learner_outcomes").await;
    let r = withdraw(&full, held).await;
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.has("服务器存储空间不足") && r.has("撤回说明.pdf") && r.has("证书编号有误"));
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM learner_outcomes WHERE id = {held} AND status = 'withdrawn'"
        ))
        .await,
        0
    );
    assert_eq!((before("files").await, before("jobs").await), (files, jobs));

    // With room again, the same actions go through.
    let r = withdraw(t, held).await;
    assert_eq!(r.status, 303, "{r:?}");
    assert_eq!(before("files").await, files + 1);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM learner_outcomes WHERE id = {held} AND status = 'withdrawn'"
        ))
        .await,
        1
    );
}

/// The institution withdraws a learner's outcome with a reason and its document.
async fn withdraw(t: &TestApp, held: i64) -> common::Resp {
    let mut inst = t.client();
    inst.sign_in("institution", "4144051234", "Pass1234").await;
    inst.get("/institution/learner-outcomes").await;
    inst.post_multipart(
        "/institution/learner-outcomes/withdraw",
        &[("id", &held.to_string()), ("reason", "证书编号有误")],
        &[("file", "撤回说明.pdf", b"%PDF-1.4 reason")],
    )
    .await
}
