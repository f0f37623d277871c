//! The bank a benchmark import goes into: an institution with a recognised catalog
//! outcome (so each stored row also credits the learner and tells them twice), and
//! `bank` people of `file::person` as learners with ids 1…bank, so that the floor knows
//! their ids. Built once per database, then copied for each run (a file copy on SQLite,
//! `CREATE DATABASE … TEMPLATE` on PostgreSQL).

use std::path::Path;

use anyhow::Context;
use sqlx::Connection;
use store::Backend;

use super::file::person;
use super::floor::{Copy, insert};
use crate::bench::fresh_app;

pub const INSTITUTION: &str = "4100000002";
pub const OUTCOME: &str = "高等数学";
/// The outcome's credits, in hundredths.
pub const CREDITS: i64 = 400;
/// A password hash nobody signs in with.
pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2g$bench";
/// People written per batch on SQLite.
const BATCH: u64 = 10_000;

/// The institution's user, as the audit rows of the benchmark name it.
pub fn actor() -> store::audit::Actor {
    store::audit::Actor {
        role: Some("institution".into()),
        id: Some(1),
        name: Some("基准".into()),
        ip: None,
    }
}

/// Builds the bank at `url`; `files` is its files directory.
pub async fn build(url: &str, files: &Path, bank: u64) -> anyhow::Result<()> {
    let app = fresh_app(url, files).await?;
    let pool = &app.db.pool;
    let dep = store::directory::insert_department(pool, "基准测试厅", None, 0).await?;
    let inst = store::institutions::insert(pool, "school", INSTITUTION, "基准学院", dep, 0).await?;
    let course = store::taxonomy::subtype_by_code(pool, "higher_course")
        .await?
        .context("higher_course subtype")?
        .id;
    let fields = [("course_code", "M1"), ("orig_credits", "2")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let actor = actor();
    let outcome = app::catalog::create(&app, inst, course, OUTCOME, &fields, &actor)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Recognised by the bank, as most outcomes institutions store are.
    sqlx::query(
        "UPDATE institution_outcomes SET recognition = 'recognised', credits = $1, recognised_at = 0 WHERE id = $2",
    )
    .bind(CREDITS)
    .bind(outcome)
    .execute(pool)
    .await?;
    let row = |k: u64| {
        let (name, id) = person(k);
        [
            (k + 1).to_string(),
            name,
            "resident".into(),
            id,
            HASH.into(),
            "active".into(),
            format!("BK{k:012}"),
            "0".into(),
        ]
    };
    const COLS: &str = "id, name, id_type, id_number, password_hash, status, card_no, created_at";
    match app.db.backend {
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            let mut copy = Copy::new("learners", COLS);
            for k in 0..bank {
                copy.row(&row(k));
                if copy.len() >= 8 << 20 {
                    copy.send(&mut conn).await?;
                }
            }
            copy.send(&mut conn).await?;
            sqlx::query("SELECT setval(pg_get_serial_sequence('learners', 'id'), GREATEST($1, 1))")
                .bind(bank as i64)
                .execute(&mut conn)
                .await?;
            conn.close().await?;
        }
        Backend::Sqlite => {
            let mut tx = app.db.begin().await?;
            let mut k = 0;
            while k < bank {
                let rows: Vec<Vec<String>> = (k..(k + BATCH).min(bank)).map(|k| row(k).to_vec()).collect();
                insert(&mut tx, "learners", COLS, &rows).await?;
                k += rows.len() as u64;
            }
            store::commit(tx).await?;
        }
    }
    app.db.analyze(&["learners"]).await?;
    if app.db.backend == Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    }
    app.db.pool.close().await;
    Ok(())
}
