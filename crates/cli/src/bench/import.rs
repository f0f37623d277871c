//! `creditbank bench import`: generates learner-outcome files (学员成果导入, the largest
//! imports banks see) of the given sizes and imports each through the real job path,
//! on SQLite and on PostgreSQL. Each (database, size) runs in a child process, so its
//! peak RSS is its own. Floors measured in the same child: calamine parsing alone, and
//! parsing plus a plain batched INSERT of the same rows into the same database, into
//! the tables an import fills (an account and a holding per row), with no checks,
//! duplicate detection or messages: what a bulk loader that trusted the file would do.

use domain::ids::{CatalogOutcomeId, InstitutionId, SubtypeId};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::{Cell, PgScratch, fresh_app, peak_rss_mb, report};

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗",
];
const GIVEN: [&str; 30] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "玉", "兰", "梅", "建", "文", "辉",
];
const HEAD: [&str; 5] = ["*学员姓名", "*身份证号", "*个人成果编号", "*颁证日期", "成绩"];

/// Row `i` of a generated file: a plausible name, a valid and unique ID number.
fn row(i: usize) -> [String; 5] {
    let name = format!("{}{}{}", SURNAMES[i % 20], GIVEN[(i / 20) % 30], GIVEN[(i / 600) % 30]);
    let born =
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + chrono::Duration::days((i / 1000) as i64);
    let first17 = format!("110105{}{:03}", born.format("%Y%m%d"), i % 1000);
    let check = domain::id_card::check_char(first17.as_bytes()).unwrap_or(b'0') as char;
    [
        name,
        format!("{first17}{check}"),
        format!("ZS{i:08}"),
        format!("2023-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
        (60 + i % 41).to_string(),
    ]
}

/// Writes an n-row file the way Excel does (shared strings), rows streamed to disk.
fn generate(path: &Path, n: usize) -> anyhow::Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_low_memory();
    for (c, h) in HEAD.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for i in 0..n {
        for (c, v) in row(i).iter().enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, v)?;
        }
    }
    book.save(path)?;
    Ok(())
}

pub async fn run(sizes: &[usize], pg_admin: &str) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("creditbank-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let pg = PgScratch::connect(pg_admin).await?;
    let exe = std::env::current_exe()?;
    let mut runs = Vec::new();
    for &n in sizes {
        let file = tmp.join(format!("learner-outcomes-{n}.xlsx"));
        let t = Instant::now();
        generate(&file, n)?;
        println!(
            "{n} rows: {:.1} MB file generated in {:.1}s",
            std::fs::metadata(&file)?.len() as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        // The machine is noisy: smaller sizes run three times, each in a fresh database,
        // and keep the best import rate and the best floor; a million rows run once.
        let reps = if n <= 100_000 { 3 } else { 1 };
        for db in ["sqlite", "postgres"] {
            println!("{db}: importing {n} rows ({reps}×) …");
            let mut results = Vec::new();
            for rep in 0..reps {
                results.push(child_run(&exe, &pg, &tmp, db, n, rep, &file).await?);
            }
            runs.push(best_of(&results));
        }
        std::fs::remove_file(&file)?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    report(
        "import",
        &runs,
        &[
            ("db", "db", Cell::Text),
            ("rows", "rows", Cell::Text),
            ("rows/s", "rows_per_s", Cell::Count),
            ("calamine r/s", "parse_rows_per_s", Cell::Count),
            ("floor rows/s", "floor_rows_per_s", Cell::Count),
            ("ratio", "ratio", Cell::Ratio),
            ("peak RSS", "peak_rss_mb", Cell::Mb),
        ],
    )
}

/// Runs one (database, size) in a child process on a fresh database.
async fn child_run(
    exe: &Path,
    pg: &PgScratch,
    tmp: &Path,
    db: &str,
    n: usize,
    rep: usize,
    file: &Path,
) -> anyhow::Result<serde_json::Value> {
    let pg_name = format!("cb_bench_import_{}_{n}_{rep}", std::process::id());
    let url = if db == "sqlite" {
        format!("sqlite://{}/bench-{n}-{rep}.db", tmp.display())
    } else {
        pg.create(&pg_name).await?
    };
    let mut child = std::process::Command::new(exe);
    child
        .args([
            "bench",
            "import-run",
            "--db",
            db,
            "--url",
            &url,
            "--rows",
            &n.to_string(),
            "--file",
        ])
        .arg(file)
        .arg("--files")
        .arg(tmp.join("files"))
        .stderr(std::process::Stdio::inherit());
    let out = tokio::task::spawn_blocking(move || child.output()).await??;
    if db == "postgres" {
        pg.drop_db(&pg_name).await?;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!("{db} {n}: {text}");
    }
    let line = text.lines().last().context("no result from the child")?;
    Ok(serde_json::from_str(line)?)
}

/// The best import rate and the best floor of repeated runs (the ratio of the two), and
/// the highest peak RSS.
fn best_of(results: &[serde_json::Value]) -> serde_json::Value {
    let max = |key: &str| results.iter().filter_map(|r| r[key].as_f64()).fold(0.0, f64::max);
    let mut best = results.first().cloned().unwrap_or_default();
    let (rate, floor) = (max("rows_per_s"), max("floor_rows_per_s"));
    best["rows_per_s"] = rate.into();
    best["floor_rows_per_s"] = floor.into();
    best["parse_rows_per_s"] = max("parse_rows_per_s").into();
    best["ratio"] = ((rate / floor * 100.0).round() / 100.0).into();
    best["peak_rss_mb"] = max("peak_rss_mb").into();
    best["repetitions"] = results.len().into();
    best
}

/// One (database, size) in this process; prints the result as one JSON line.
pub async fn one(db: &str, url: &str, file: &Path, files: &Path, n: usize) -> anyhow::Result<()> {
    let app = fresh_app(url, files).await?;
    let pool = &app.db.pool;
    let dep = store::directory::insert_department(pool, "基准测试厅", None, 0).await?;
    let inst = store::institutions::insert(pool, "school", "4100000002", "基准学院", dep, 0).await?;
    let course = store::taxonomy::subtype_by_code(pool, "higher_course")
        .await?
        .context("higher_course subtype")?
        .id;
    let fields = [("course_code", "M1"), ("orig_credits", "2")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let actor = store::audit::Actor {
        role: Some("institution".into()),
        id: Some(1),
        name: Some("基准".into()),
        ip: None,
    };
    let outcome = app::catalog::create(&app, inst, course, "高等数学", &fields, &actor)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Floor: parsing plus plain batched INSERTs of each row into learners and
    // learner_outcomes, in one transaction (other ID numbers, so both can be stored).
    let t = Instant::now();
    floor(&app, file, n, inst, outcome, course).await?;
    let floor_s = t.elapsed().as_secs_f64();
    // The real thing: queue the file and run the job.
    let t = Instant::now();
    let job = app::jobs::enqueue_import_file(
        &app,
        app::jobs::HOLDINGS,
        app::import::Owner::Institution(inst),
        Some(outcome.get()),
        file,
        &actor,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    app::jobs::run_own(&app, job)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let real_s = t.elapsed().as_secs_f64();
    let rss = peak_rss_mb();
    let j = store::jobs::by_id(pool, job).await?.context("job")?;
    if j.status != domain::lifecycle::JobStatus::Done {
        anyhow::bail!("import job ended {} ({:?})", j.status, j.error);
    }
    let imported: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM learner_outcomes WHERE stored_by = 'institution'")
        .fetch_one(pool)
        .await?;
    // calamine parsing alone (the whole sheet in memory, as calamine reads it), last so
    // that its memory is not counted as the import's.
    let t = Instant::now();
    let parsed = {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto(file)?;
        let range = book.worksheet_range_at(0).context("no sheet")??;
        range.rows().count()
    };
    let parse_s = t.elapsed().as_secs_f64();
    app.db.pool.close().await;
    let (rate, floor) = (n as f64 / real_s, n as f64 / floor_s);
    println!(
        "{}",
        serde_json::json!({
            "db": db,
            "rows": n,
            "imported": imported,
            "rows_per_s": rate.round(),
            "parse_rows_per_s": (parsed.saturating_sub(1) as f64 / parse_s).round(),
            "floor_rows_per_s": floor.round(),
            "ratio": (rate / floor * 100.0).round() / 100.0,
            "peak_rss_mb": rss.round(),
        })
    );
    Ok(())
}

/// Parses the file and inserts each row as an account (with a random card number, as
/// every account has) and a holding, batched, with nothing checked.
async fn floor(
    app: &app::App,
    file: &Path,
    n: usize,
    inst: InstitutionId,
    outcome: CatalogOutcomeId,
    course: SubtypeId,
) -> anyhow::Result<()> {
    let b = app.db.backend;
    let mut rows = app::sheet::Rows::open(std::io::BufReader::new(std::fs::File::open(file)?), n)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = app.db.begin().await?;
    while let Some(chunk) = rows.next_chunk().await.map_err(|e| anyhow::anyhow!("{e}"))? {
        let data: Vec<_> = chunk.iter().filter(|r| r.number > 1).collect();
        if data.is_empty() {
            continue;
        }
        let cell = |r: &app::sheet::Row, c: usize| r.cells.get(c).cloned().unwrap_or_default();
        let sql = format!(
            "INSERT INTO learners (name, id_type, id_number, password_hash, status, card_no, created_at) VALUES {} \
             RETURNING id",
            store::value_rows(b, data.len(), 7)
        );
        let mut q = sqlx::query_scalar(&sql);
        for r in &data {
            q = q
                .bind(cell(r, 0))
                .bind("resident")
                .bind(format!("F{}", cell(r, 1)))
                .bind("x")
                .bind("inactive")
                .bind(app::learners::new_card_no())
                .bind(0i64);
        }
        let ids: Vec<i64> = q.fetch_all(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO learner_outcomes (learner_id, institution_outcome_id, subtype_id, name, issuer, issuer_institution_id, \
             number, issued_on, score, fields, source, status, stored_by, stored_by_id, stored_at, created_at, updated_at) VALUES {}",
            store::value_rows(b, data.len(), 17)
        );
        let mut q = sqlx::query(&sql);
        for (r, id) in data.iter().zip(&ids) {
            q = q
                .bind(*id)
                .bind(outcome)
                .bind(course)
                .bind("高等数学")
                .bind("基准学院")
                .bind(inst)
                .bind(cell(r, 2))
                .bind(cell(r, 3))
                .bind(cell(r, 4))
                .bind("{}")
                .bind("institution")
                .bind("stored")
                .bind("floor")
                .bind(inst)
                .bind(0i64)
                .bind(0i64)
                .bind(0i64);
        }
        q.execute(&mut *tx).await?;
    }
    store::commit(tx).await?;
    Ok(())
}
