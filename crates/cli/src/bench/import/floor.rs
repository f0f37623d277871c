//! The floor an import is measured against: the same file read by the same streaming
//! reader, and the same rows written into the same tables — an account for each new
//! person, a recognised holding, a ledger entry and two messages per stored row — by the
//! fastest plain path each database has, trusting the file: `COPY … FROM STDIN` on
//! PostgreSQL, batched prepared INSERTs on SQLite, in one transaction.

use std::path::Path;

use sqlx::Connection;
use store::Backend;

use super::base::{CREDITS, INSTITUTION, OUTCOME};
use super::file::person_of;

/// Rows of `COPY … FROM STDIN` in text format, for one table.
pub struct Copy {
    table: &'static str,
    cols: &'static str,
    buf: Vec<u8>,
}

impl Copy {
    pub fn new(table: &'static str, cols: &'static str) -> Self {
        Self {
            table,
            cols,
            buf: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Appends one row; `\N` stands for NULL, as COPY reads it.
    pub fn row<S: AsRef<str>>(&mut self, values: &[S]) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(b'\t');
            }
            let v = v.as_ref();
            if v == "\\N" {
                self.buf.extend_from_slice(b"\\N");
                continue;
            }
            for b in v.bytes() {
                match b {
                    b'\\' => self.buf.extend_from_slice(b"\\\\"),
                    b'\t' => self.buf.extend_from_slice(b"\\t"),
                    b'\n' => self.buf.extend_from_slice(b"\\n"),
                    b'\r' => self.buf.extend_from_slice(b"\\r"),
                    b => self.buf.push(b),
                }
            }
        }
        self.buf.push(b'\n');
    }

    /// Sends what was appended and starts again.
    pub async fn send(&mut self, conn: &mut sqlx::PgConnection) -> anyhow::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut copy = conn
            .copy_in_raw(&format!("COPY {} ({}) FROM STDIN", self.table, self.cols))
            .await?;
        copy.send(std::mem::take(&mut self.buf)).await?;
        copy.finish().await?;
        Ok(())
    }
}

/// The tables a stored row writes, and their columns.
const LEARNERS: (&str, &str) = (
    "learners",
    "id, name, id_type, id_number, password_hash, status, card_no, created_by_institution, created_at",
);
const HOLDINGS: (&str, &str) = (
    "learner_outcomes",
    "id, learner_id, institution_outcome_id, subtype_id, name, issuer, issuer_institution_id, number, issued_on, score, \
     fields, source, status, stored_by, stored_by_id, stored_at, recognition, credits, created_at, updated_at",
);
const LEDGER: (&str, &str) = (
    "credit_ledger",
    "learner_id, amount, reason, learner_outcome_id, actor_role, actor_id, created_at",
);
const MESSAGES: (&str, &str) = (
    "messages",
    "recipient_role, recipient_id, title, body, link, created_at",
);

/// Rows of one chunk, per table, as text.
#[derive(Default)]
struct Chunk {
    tables: [Vec<Vec<String>>; 4],
}

/// Parses the file and writes its rows; returns the seconds it took.
pub async fn run(url: &str, backend: Backend, file: &Path, n: usize, bank: u64) -> anyhow::Result<f64> {
    let db = store::Db::connect(url).await?;
    let inst: i64 = sqlx::query_scalar("SELECT id FROM institutions WHERE code = $1")
        .bind(INSTITUTION)
        .fetch_one(&db.pool)
        .await?;
    let outcome = sqlx::query_as::<_, (i64, i64)>("SELECT id, subtype_id FROM institution_outcomes WHERE name = $1")
        .bind(OUTCOME)
        .fetch_one(&db.pool)
        .await?;
    let first_holding: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM learner_outcomes")
        .fetch_one(&db.pool)
        .await?;
    let started = std::time::Instant::now();
    let mut rows = app::sheet::Rows::open(std::io::BufReader::new(std::fs::File::open(file)?), n)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut next_learner, mut next_holding) = (bank as i64 + 1, first_holding);
    let t = store::now().to_string();
    let (inst_s, credits) = (inst.to_string(), CREDITS.to_string());
    let reason = format!("成果自动认定：{OUTCOME}");
    let (stored_body, credit_body) = (
        format!("基准学院为您存储了学习成果“{OUTCOME}”。"),
        format!("{reason}，获得学分银行学分 4.00。"),
    );
    let mut pg = match backend {
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await?;
            sqlx::query("BEGIN").execute(&mut c).await?;
            Some(c)
        }
        Backend::Sqlite => None,
    };
    let mut lite = match backend {
        Backend::Sqlite => Some(db.begin().await?),
        Backend::Postgres => None,
    };
    while let Some(chunk) = rows.next_chunk().await.map_err(|e| anyhow::anyhow!("{e}"))? {
        let mut c = Chunk::default();
        for r in chunk.iter().filter(|r| r.number > 1) {
            let Some(k) = person_of(r.number - 2, bank) else {
                continue;
            };
            let cell = |i: usize| r.cells.get(i).map_or("", |v| v.trim()).to_string();
            let learner = if k < bank {
                k as i64 + 1
            } else {
                let (name, id) = super::file::person(k);
                next_learner += 1;
                c.tables[0].push(vec![
                    (next_learner - 1).to_string(),
                    name,
                    "resident".into(),
                    id,
                    app::password::INITIAL.into(),
                    "inactive".into(),
                    app::learners::new_card_no(),
                    inst_s.clone(),
                    t.clone(),
                ]);
                next_learner - 1
            };
            let (l, h) = (learner.to_string(), next_holding.to_string());
            next_holding += 1;
            c.tables[1].push(vec![
                h.clone(),
                l.clone(),
                outcome.0.to_string(),
                outcome.1.to_string(),
                OUTCOME.into(),
                "基准学院".into(),
                inst_s.clone(),
                cell(3),
                cell(4),
                cell(5),
                "{}".into(),
                "institution".into(),
                "stored".into(),
                "institution".into(),
                inst_s.clone(),
                t.clone(),
                "recognised".into(),
                credits.clone(),
                t.clone(),
                t.clone(),
            ]);
            c.tables[2].push(vec![
                l.clone(),
                credits.clone(),
                reason.clone(),
                h.clone(),
                "institution".into(),
                "1".into(),
                t.clone(),
            ]);
            for (title, body) in [("机构为您存储了学习成果", &stored_body), ("学分入账", &credit_body)] {
                c.tables[3].push(vec![
                    "learner".into(),
                    l.clone(),
                    title.into(),
                    body.clone(),
                    format!("/learner/outcomes/{h}"),
                    t.clone(),
                ]);
            }
        }
        for (rows, (table, cols)) in c.tables.iter().zip([LEARNERS, HOLDINGS, LEDGER, MESSAGES]) {
            if let Some(conn) = pg.as_mut() {
                let mut copy = Copy::new(table, cols);
                for r in rows {
                    copy.row(r);
                }
                copy.send(conn).await?;
            }
            if let Some(tx) = lite.as_mut() {
                insert(tx, table, cols, rows).await?;
            }
        }
    }
    if let Some(mut conn) = pg {
        sqlx::query("COMMIT").execute(&mut conn).await?;
        conn.close().await?;
    }
    if let Some(tx) = lite {
        store::commit(tx).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    db.pool.close().await;
    Ok(secs)
}

/// Batched prepared INSERTs of text rows on SQLite (which converts them by column
/// affinity), as many rows a statement as its parameter limit allows.
pub async fn insert(tx: &mut store::Tx, table: &str, cols: &str, rows: &[Vec<String>]) -> anyhow::Result<()> {
    let width = cols.split(',').count();
    for batch in rows.chunks(30_000 / width) {
        let sql = format!(
            "INSERT INTO {table} ({cols}) VALUES {}",
            store::value_rows(Backend::Sqlite, batch.len(), width)
        );
        let mut q = sqlx::query(&sql);
        for r in batch {
            for v in r {
                q = q.bind(v.as_str());
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
