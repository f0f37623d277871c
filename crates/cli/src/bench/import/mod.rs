//! `creditbank bench import`: imports of learner-outcome files (学员成果导入, the largest
//! imports banks see) as institutions send them (`file`), into a bank that already holds
//! `bank` learners (`base`), through the real job path; then the same file again, which
//! refuses every row. Each database gets the bank once, and each run a copy of it. Floors
//! measured on another copy in the same run: the same file read and the same rows written
//! the fastest plain way (`floor`). Each run is a child process, so its peak RSS is its
//! own.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use store::Backend;

use super::{Cell, PgScratch, fresh_app, peak_rss_mb, report};

mod base;
mod file;
mod floor;

/// What `bench import` runs.
pub struct Plan<'a> {
    pub sizes: &'a [usize],
    pub bank: u64,
    pub dbs: &'a [String],
    pub pg_admin: &'a str,
}

pub async fn run(plan: Plan<'_>) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("creditbank-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let pg = PgScratch::connect(plan.pg_admin).await?;
    let exe = std::env::current_exe()?;
    let mut files = Vec::new();
    for &n in plan.sizes {
        let path = tmp.join(format!("learner-outcomes-{n}.xlsx"));
        let t = Instant::now();
        file::generate(&path, n, plan.bank)?;
        println!(
            "{n} rows: {:.1} MB file generated in {:.1}s",
            std::fs::metadata(&path)?.len() as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        files.push((n, path));
    }
    let mut runs = Vec::new();
    for db in plan.dbs {
        let t = Instant::now();
        let bank = Bank::build(db, &pg, &tmp, plan.bank).await?;
        println!(
            "{db}: a bank of {} learners built in {:.0}s",
            plan.bank,
            t.elapsed().as_secs_f64()
        );
        for (n, path) in &files {
            // The floor and the import, each on its own copy of the bank.
            let mut out = Vec::new();
            for phase in ["floor", "import"] {
                println!("{db}: {n} rows: {phase} …");
                let copy = bank.copy(&pg, phase).await?;
                out.push(child(&exe, &copy, phase, *n, plan.bank, path, &tmp).await?);
                bank.drop_copy(&pg, phase).await?;
            }
            let (floor, mut r) = (out.remove(0), out.remove(0));
            let (rate, floor_rate) = (
                r["rows_per_s"].as_f64().unwrap_or(0.0),
                floor["rows_per_s"].as_f64().unwrap_or(1.0),
            );
            r["floor"] = (if db == "postgres" { "COPY" } else { "prepared INSERT" }).into();
            r["floor_rows_per_s"] = floor_rate.into();
            r["ratio"] = ((rate / floor_rate * 100.0).round() / 100.0).into();
            println!("{r}");
            runs.push(r);
        }
        bank.drop(&pg).await?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    report(
        "import",
        &runs,
        &[
            ("db", "db", Cell::Text),
            ("rows", "rows", Cell::Text),
            ("bank", "bank_learners", Cell::Text),
            ("rows/s", "rows_per_s", Cell::Count),
            ("floor", "floor", Cell::Text),
            ("floor rows/s", "floor_rows_per_s", Cell::Count),
            ("ratio", "ratio", Cell::Ratio),
            ("peak RSS", "peak_rss_mb", Cell::Mb),
            ("of it anon", "peak_anon_mb", Cell::Mb),
            ("again rows/s", "reimport_rows_per_s", Cell::Count),
            ("again RSS", "reimport_peak_rss_mb", Cell::Mb),
            ("again anon", "reimport_peak_anon_mb", Cell::Mb),
        ],
    )
}

/// The bank of one database, and where its copies go.
struct Bank {
    db: String,
    /// SQLite: the database file; PostgreSQL: the template database's name.
    base: String,
    tmp: PathBuf,
}

impl Bank {
    async fn build(db: &str, pg: &PgScratch, tmp: &Path, learners: u64) -> anyhow::Result<Self> {
        let bank = Self {
            db: db.to_string(),
            base: match db {
                "postgres" => format!("cb_bench_import_{}", std::process::id()),
                _ => tmp.join("bank.db").display().to_string(),
            },
            tmp: tmp.to_path_buf(),
        };
        let url = match db {
            "postgres" => pg.create(&bank.base).await?,
            _ => format!("sqlite://{}", bank.base),
        };
        base::build(&url, &tmp.join("files"), learners).await?;
        Ok(bank)
    }

    /// A fresh copy of the bank for one run: its URL.
    async fn copy(&self, pg: &PgScratch, run: &str) -> anyhow::Result<(String, String)> {
        let url = match self.db.as_str() {
            "postgres" => {
                let name = format!("{}_{run}", self.base);
                sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {}", self.base))
                    .execute(&pg.admin.pool)
                    .await?;
                format!("{}/{name}", pg.base)
            }
            _ => {
                let path = self.tmp.join(format!("{run}.db"));
                std::fs::copy(&self.base, &path)?;
                format!("sqlite://{}", path.display())
            }
        };
        Ok((self.db.clone(), url))
    }

    async fn drop_copy(&self, pg: &PgScratch, run: &str) -> anyhow::Result<()> {
        match self.db.as_str() {
            "postgres" => pg.drop_db(&format!("{}_{run}", self.base)).await,
            _ => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(self.tmp.join(format!("{run}.db{ext}")));
                }
                Ok(())
            }
        }
    }

    async fn drop(self, pg: &PgScratch) -> anyhow::Result<()> {
        match self.db.as_str() {
            "postgres" => pg.drop_db(&self.base).await,
            _ => Ok(std::fs::remove_file(&self.base)?),
        }
    }
}

/// Runs one phase (`floor` or `import`) in a child process; its last line of output.
async fn child(
    exe: &Path,
    (db, url): &(String, String),
    phase: &str,
    n: usize,
    bank: u64,
    file: &Path,
    tmp: &Path,
) -> anyhow::Result<serde_json::Value> {
    let mut child = std::process::Command::new(exe);
    child
        .args(["bench", "import-run", "--phase", phase, "--db", db, "--url", url])
        .args(["--rows", &n.to_string(), "--bank", &bank.to_string(), "--file"])
        .arg(file)
        .arg("--files")
        .arg(tmp.join("files"))
        .stderr(std::process::Stdio::inherit());
    let out = tokio::task::spawn_blocking(move || child.output()).await??;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!("{db} {phase} {n}: {text}");
    }
    let line = text.lines().last().context("no result from the child")?;
    Ok(serde_json::from_str(line)?)
}

/// One phase in this process; prints its result as one JSON line.
pub async fn one(
    phase: &str,
    db: &str,
    url: &str,
    file: &Path,
    files: &Path,
    n: usize,
    bank: u64,
) -> anyhow::Result<()> {
    let backend = if db == "postgres" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    if phase == "floor" {
        let secs = floor::run(url, backend, file, n, bank).await?;
        println!("{}", serde_json::json!({ "rows_per_s": (n as f64 / secs).round() }));
        return Ok(());
    }
    sample_anon_memory();
    let app = fresh_app(url, files).await?;
    let pool = &app.db.pool;
    let inst = store::institutions::by_code(pool, base::INSTITUTION)
        .await?
        .context("institution")?
        .id;
    let outcome: i64 = sqlx::query_scalar("SELECT id FROM institution_outcomes WHERE name = $1")
        .bind(base::OUTCOME)
        .fetch_one(pool)
        .await?;
    let (stored, refused) = file::expected(n, bank);
    let first = import(&app, inst, outcome, file).await?;
    anyhow::ensure!(
        first.1 == (stored, refused),
        "the import stored and refused {:?}, the file says {:?}",
        first.1,
        (stored, refused)
    );
    let (rss, anon) = (peak_rss_mb(), peak_anon_mb());
    // The same file again: every row is refused (held already, or refused before).
    reset_peak_rss();
    let again = import(&app, inst, outcome, file).await?;
    anyhow::ensure!(again.1 == (0, n), "the re-import stored and refused {:?}", again.1);
    let (again_rss, again_anon) = (peak_rss_mb(), peak_anon_mb());
    app.db.pool.close().await;
    println!(
        "{}",
        serde_json::json!({
            "db": db,
            "rows": n,
            "bank_learners": bank,
            "imported": stored,
            "refused": refused,
            "rows_per_s": (n as f64 / first.0).round(),
            "peak_rss_mb": rss.round(),
            "peak_anon_mb": anon,
            "reimport_rows_per_s": (n as f64 / again.0).round(),
            "reimport_peak_rss_mb": again_rss.round(),
            "reimport_peak_anon_mb": again_anon,
        })
    );
    Ok(())
}

/// Queues the file and runs the job: seconds, and (stored, refused).
async fn import(
    app: &app::App,
    inst: domain::ids::InstitutionId,
    outcome: i64,
    file: &Path,
) -> anyhow::Result<(f64, (usize, usize))> {
    let actor = base::actor();
    let t = Instant::now();
    let job = app::jobs::enqueue_import_file(
        app,
        app::jobs::HOLDINGS,
        app::import::Owner::Institution(inst),
        Some(outcome),
        file,
        &actor,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    app::jobs::run_own(app, job).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let secs = t.elapsed().as_secs_f64();
    let j = store::jobs::by_id(&app.db.pool, job).await?.context("job")?;
    if j.status != domain::lifecycle::JobStatus::Done {
        anyhow::bail!("import job ended {} ({:?})", j.status, j.error);
    }
    let result: serde_json::Value = serde_json::from_str(j.result.as_deref().unwrap_or("{}"))?;
    let count = |k: &str| result[k].as_u64().unwrap_or(0) as usize;
    Ok((secs, (count("imported"), count("rejected"))))
}

/// Lets the peak RSS count again from what the process holds now (Linux).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    PEAK_ANON_KB.store(0, std::sync::atomic::Ordering::Relaxed);
}

/// The highest anonymous resident memory (heap and stacks, without the pages of files the
/// process maps, such as SQLite's memory-mapped database) seen since the last reset.
static PEAK_ANON_KB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Samples the anonymous resident memory every 20 ms into `PEAK_ANON_KB` (Linux keeps a
/// peak only of the whole RSS).
fn sample_anon_memory() {
    std::thread::spawn(|| {
        loop {
            if let Some(kb) = super::status_kb("RssAnon") {
                PEAK_ANON_KB.fetch_max(kb, std::sync::atomic::Ordering::Relaxed);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
}

fn peak_anon_mb() -> f64 {
    (PEAK_ANON_KB.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0).round()
}
