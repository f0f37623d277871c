//! `creditbank bench catalog`: loads N catalog outcomes into a fresh SQLite file and a
//! fresh PostgreSQL database and measures catalog search against a floor measured in
//! the same run (a primary-key lookup of the same table). Results go to
//! `bench/results/catalog.json`.

use domain::ids::{CatalogOutcomeId, InstitutionId, LearnerId};
use std::time::Instant;

use anyhow::Context;
use app::{App, Config};
use store::Db;

pub mod command;
pub mod import;
pub mod load;
pub mod seed;

const MAJORS: [&str; 24] = [
    "经济统计学",
    "会计学",
    "机械制造与自动化",
    "护理",
    "计算机应用技术",
    "电子商务",
    "软件工程",
    "市场营销",
    "学前教育",
    "汽车检测与维修技术",
    "建筑工程技术",
    "物流管理",
    "酒店管理",
    "数控技术",
    "电气自动化技术",
    "旅游管理",
    "工商管理",
    "药学",
    "环境工程",
    "城市轨道交通运营管理",
    "视觉传达设计",
    "法学",
    "英语",
    "数字媒体技术",
];
const KINDS: [&str; 5] = ["毕业证书", "学位证书", "课程", "职业技能等级证书", "培训证书"];
const LEVELS: [&str; 5] = ["中职", "高职", "职业教育本科", "本科", "硕士"];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn timed<T>(samples: &mut Vec<f64>, start: Instant, v: T) -> T {
    samples.push(start.elapsed().as_secs_f64() * 1000.0);
    v
}

async fn load(app: &App, rows: usize) -> anyhow::Result<(Vec<InstitutionId>, f64)> {
    let pool = &app.db.pool;
    let dep = store::directory::insert_department(pool, "基准测试厅", None, 0).await?;
    let mut institutions = Vec::new();
    for i in 0..50 {
        let id = store::institutions::insert(
            pool,
            "school",
            &format!("41{i:08}"),
            &format!("基准职业技术学院{i}"),
            dep,
            0,
        )
        .await?;
        institutions.push(id);
    }
    let subtype = store::taxonomy::subtypes(pool)
        .await?
        .first()
        .map(|s| s.id)
        .context("taxonomy is empty")?;
    let start = Instant::now();
    let mut tx = app.db.begin().await?;
    let batch = 500;
    let mut n = 0;
    while n < rows {
        let take = batch.min(rows - n);
        let mut sql = String::from(
            "INSERT INTO institution_outcomes (institution_id, subtype_id, name, fields, created_at) VALUES ",
        );
        for k in 0..take {
            let i = n + k;
            let name = format!(
                "{}{}({}){}",
                MAJORS[i % MAJORS.len()],
                KINDS[(i / 24) % KINDS.len()],
                LEVELS[(i / 120) % LEVELS.len()],
                i / 600
            );
            let fields = format!(
                "{{\"level\":\"{}\",\"major\":\"{}\"}}",
                LEVELS[(i / 120) % LEVELS.len()],
                MAJORS[i % MAJORS.len()]
            );
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, {subtype}, '{name}', '{fields}', {i})",
                institutions[i % institutions.len()]
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        n += take;
    }
    tx.commit().await?;
    Ok((institutions, start.elapsed().as_secs_f64()))
}

async fn run(db_name: &str, url: &str, files: &std::path::Path, rows: usize) -> anyhow::Result<serde_json::Value> {
    let app = fresh_app(url, files).await?;
    let (institutions, load_s) = load(&app, rows).await?;
    if app.db.backend == store::Backend::Postgres {
        sqlx::query("ANALYZE institution_outcomes")
            .execute(&app.db.pool)
            .await?;
    }
    let ids: Vec<CatalogOutcomeId> = sqlx::query_scalar("SELECT id FROM institution_outcomes ORDER BY id")
        .fetch_all(&app.db.pool)
        .await?;
    let rounds = 200;
    // Floor: fetch one catalog row by primary key, with the same joins.
    let mut floor = Vec::new();
    for k in 0..rounds {
        let id = ids[(k * 7919) % ids.len()];
        let t = Instant::now();
        timed(&mut floor, t, store::catalog::by_id(&app.db.pool, id).await?);
    }
    let queries = ["统计学", "机械制造", "护理毕业", "软件工程学位", "城市轨道交通"];
    let mut search = Vec::new();
    let mut two = Vec::new();
    let mut filtered = Vec::new();
    for k in 0..rounds {
        let q = queries[k % queries.len()];
        let f = store::catalog::Filter {
            name: Some(q.into()),
            ..Default::default()
        };
        let t = Instant::now();
        timed(&mut search, t, store::catalog::list(&app.db, &f, 1, 20).await?);
        let f = store::catalog::Filter {
            name: Some(["会计", "药学", "法学", "英语"][k % 4].into()),
            ..Default::default()
        };
        let t = Instant::now();
        timed(&mut two, t, store::catalog::list(&app.db, &f, 1, 20).await?);
        let f = store::catalog::Filter {
            institution_id: Some(institutions[k % institutions.len()]),
            name: Some(q.into()),
            level: Some("本科".into()),
            ..Default::default()
        };
        let t = Instant::now();
        timed(&mut filtered, t, store::catalog::list(&app.db, &f, 2, 20).await?);
    }
    for v in [&mut floor, &mut search, &mut two, &mut filtered] {
        v.sort_by(f64::total_cmp);
    }
    let floor_p99 = percentile(&floor, 0.99);
    let search_p99 = percentile(&search, 0.99);
    let r = serde_json::json!({
        "db": db_name,
        "rows": rows,
        "load_rows_per_s": (rows as f64 / load_s).round(),
        "floor_p50_ms": percentile(&floor, 0.5),
        "floor_p99_ms": floor_p99,
        "search_p50_ms": percentile(&search, 0.5),
        "search_p99_ms": search_p99,
        "two_char_p99_ms": percentile(&two, 0.99),
        "filtered_p99_ms": percentile(&filtered, 0.99),
        "ratio_p99_to_floor": search_p99 / floor_p99.max(1e-6),
    });
    app.db.pool.close().await;
    Ok(r)
}

/// Runs the catalog benchmark on SQLite and PostgreSQL and writes the results.
pub async fn catalog(rows: usize, pg_admin: &str) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("creditbank-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut runs = Vec::new();
    let sqlite = format!("sqlite://{}/bench.db", tmp.display());
    println!("SQLite: loading {rows} catalog outcomes …");
    runs.push(run("sqlite", &sqlite, &tmp.join("files"), rows).await?);
    let pg = PgScratch::connect(pg_admin).await?;
    let name = format!("cb_bench_{}", std::process::id());
    println!("PostgreSQL: loading {rows} catalog outcomes …");
    let url = pg.create(&name).await?;
    let r = run("postgres", &url, &tmp.join("files"), rows).await;
    pg.drop_db(&name).await?;
    runs.push(r?);
    let _ = std::fs::remove_dir_all(&tmp);
    report(
        "catalog",
        &runs,
        &[
            ("db", "db", Cell::Text),
            ("rows", "rows", Cell::Text),
            ("floor p99", "floor_p99_ms", Cell::Ms),
            ("search p99", "search_p99_ms", Cell::Ms),
            ("2-char p99", "two_char_p99_ms", Cell::Ms),
            ("filter p99", "filtered_p99_ms", Cell::Ms),
            ("ratio", "ratio_p99_to_floor", Cell::Ratio),
        ],
    )
}

/// `creditbank bench conversion`: N published rules and M learner outcomes; measures
/// finding the applicable rules for one learner against a primary-key lookup, and
/// certificate PDFs per second against rendering without QR and signature.
pub async fn conversion(rules: usize, outcomes: usize, pg_admin: &str) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("creditbank-bench-conv-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut runs = Vec::new();
    println!("SQLite: {rules} rules, {outcomes} learner outcomes …");
    runs.push(
        run_conversion(
            "sqlite",
            &format!("sqlite://{}/bench.db", tmp.display()),
            &tmp.join("files"),
            rules,
            outcomes,
        )
        .await?,
    );
    let pg = PgScratch::connect(pg_admin).await?;
    let name = format!("cb_bench_conv_{}", std::process::id());
    println!("PostgreSQL: {rules} rules, {outcomes} learner outcomes …");
    let url = pg.create(&name).await?;
    let r = run_conversion("postgres", &url, &tmp.join("files"), rules, outcomes).await;
    pg.drop_db(&name).await?;
    runs.push(r?);
    let _ = std::fs::remove_dir_all(&tmp);
    report(
        "conversion",
        &runs,
        &[
            ("db", "db", Cell::Text),
            ("rules", "rules", Cell::Text),
            ("outcomes", "outcomes", Cell::Text),
            ("match p99", "match_p99_ms", Cell::Ms),
            ("floor p99", "floor_p99_ms", Cell::Ms),
            ("pdf/s/core", "pdf_per_s_per_core", Cell::Count),
            ("pdf floor/s", "pdf_floor_per_s", Cell::Count),
        ],
    )
}

async fn insert_rows(app: &App, head: &str, rows: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    let mut batch = Vec::with_capacity(500);
    for row in rows {
        batch.push(row);
        if batch.len() == 500 {
            sqlx::query(&format!("{head} {}", batch.join(",")))
                .execute(&mut *tx)
                .await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        sqlx::query(&format!("{head} {}", batch.join(",")))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn run_conversion(
    db_name: &str,
    url: &str,
    files: &std::path::Path,
    rules: usize,
    outcomes: usize,
) -> anyhow::Result<serde_json::Value> {
    let app = fresh_app(url, files).await?;
    let pool = &app.db.pool;
    let dep = store::directory::insert_department(pool, "基准测试厅", None, 0).await?;
    let subtype = store::taxonomy::subtypes(pool)
        .await?
        .first()
        .map(|s| s.id)
        .context("taxonomy is empty")?;
    let inst = store::institutions::insert(pool, "school", "4100000001", "基准学院", dep, 0).await?;
    // Catalog: one source outcome and one target outcome per rule.
    let catalog = rules * 2;
    insert_rows(
        &app,
        "INSERT INTO institution_outcomes (institution_id, subtype_id, name, fields, created_at) VALUES",
        (0..catalog).map(|i| format!("({inst}, {subtype}, '课程{i}', '{{}}', 0)")),
    )
    .await?;
    let first_io: i64 = sqlx::query_scalar("SELECT MIN(id) FROM institution_outcomes")
        .fetch_one(pool)
        .await?;
    insert_rows(
        &app,
        "INSERT INTO conversion_rules (code, institution_id, name, kind, ratio, explanation, status, created_at, updated_at) VALUES",
        (0..rules).map(|i| format!("('B{i:08}', {inst}, '规则{i}', '学历→学历', '1:1', '基准', 'published', 0, 0)")),
    )
    .await?;
    let first_rule: i64 = sqlx::query_scalar("SELECT MIN(id) FROM conversion_rules")
        .fetch_one(pool)
        .await?;
    insert_rows(
        &app,
        "INSERT INTO rule_sources (rule_id, institution_outcome_id) VALUES",
        (0..rules).map(|i| format!("({}, {})", first_rule + i as i64, first_io + 2 * i as i64)),
    )
    .await?;
    insert_rows(
        &app,
        "INSERT INTO rule_targets (rule_id, institution_outcome_id) VALUES",
        (0..rules).map(|i| format!("({}, {})", first_rule + i as i64, first_io + 2 * i as i64 + 1)),
    )
    .await?;
    // Learners with ten outcomes each, drawn from the sources.
    let learners = outcomes.div_ceil(10);
    insert_rows(
        &app,
        "INSERT INTO learners (name, id_type, id_number, password_hash, status, card_no, created_at) VALUES",
        (0..learners).map(|i| format!("('学员{i}', 'resident', 'B{i:017}', 'x', 'active', 'c{i:011}', 0)")),
    )
    .await?;
    let first_learner: i64 = sqlx::query_scalar("SELECT MIN(id) FROM learners")
        .fetch_one(pool)
        .await?;
    insert_rows(
        &app,
        "INSERT INTO learner_outcomes (learner_id, institution_outcome_id, subtype_id, name, issuer, fields, source, status, score, issued_on, created_at, updated_at) VALUES",
        (0..outcomes).map(|i| {
            let io = first_io + 2 * ((i * 7919) % rules) as i64;
            format!("({}, {io}, {subtype}, '课程', '基准学院', '{{}}', 'institution', 'stored', '80', '2024-01-01', 0, 0)", first_learner + (i / 10) as i64)
        }),
    )
    .await?;
    if app.db.backend == store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(pool).await?;
    } else {
        app.db.optimize().await?;
    }
    let rounds = 200;
    let mut floor = Vec::new();
    let mut matching = Vec::new();
    for k in 0..rounds {
        let learner = LearnerId::new(first_learner + ((k * 104_729) % learners) as i64);
        let t = Instant::now();
        timed(&mut floor, t, store::learners::by_id(pool, learner).await?);
        let t = Instant::now();
        let found = timed(&mut matching, t, app::conversion::matches(&app, learner).await?);
        if found.is_empty() {
            anyhow::bail!("learner {learner} should have applicable rules");
        }
    }
    floor.sort_by(f64::total_cmp);
    matching.sort_by(f64::total_cmp);
    // Certificates: rendering alone (floor) and rendering + QR + signature, one core.
    let facts = certs::Facts {
        number: "ZH2026112612345678".into(),
        kind: "conversion".into(),
        issuer: "学分银行".into(),
        issued_on: "2026-11-26".into(),
        learner: "张晓明".into(),
        id_number: "440106*****1235".into(),
        lines: vec!["转换规则：202611260001（高等数学转换工程数学）".into()],
        headers: ["源成果（课程）", "课程代码", "成绩", "学时", "学分"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: vec![vec![
            "高等数学".into(),
            "MATH101".into(),
            "85".into(),
            "64".into(),
            "4".into(),
        ]],
        verify_url: "http://127.0.0.1:8080/verify?number=ZH2026112612345678".into(),
    };
    let key = certs::generate_key();
    let n = 60;
    let t = Instant::now();
    for _ in 0..n {
        certs::render(&facts, false)?;
    }
    let floor_rate = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..n {
        certs::sign(certs::render(&facts, true)?, &facts, &key);
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    app.db.pool.close().await;
    Ok(serde_json::json!({
        "db": db_name,
        "rules": rules,
        "outcomes": outcomes,
        "match_p50_ms": percentile(&matching, 0.5),
        "match_p99_ms": percentile(&matching, 0.99),
        "floor_p99_ms": percentile(&floor, 0.99),
        "pdf_per_s_per_core": rate.round(),
        "pdf_floor_per_s": floor_rate.round(),
    }))
}

/// Peak resident memory of this process so far (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    status_kb("VmHWM").map_or(0.0, |kb| kb as f64 / 1024.0)
}

/// A field of this process's `/proc/self/status` in kB (Linux), such as `VmHWM`.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// A migrated bank with the default taxonomy (an empty database gets it; a kept one is
/// opened as it is).
async fn fresh_app(url: &str, files: &std::path::Path) -> anyhow::Result<App> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    App::open(
        db,
        Config {
            database_url: url.into(),
            files_dir: files.display().to_string(),
            ..Config::default()
        },
    )
    .await
}

/// A PostgreSQL server on which each benchmark creates and drops its own database.
struct PgScratch {
    admin: Db,
    /// The server's URL without a database name.
    base: String,
}

impl PgScratch {
    async fn connect(pg_admin: &str) -> anyhow::Result<Self> {
        let admin = Db::connect(pg_admin)
            .await
            .with_context(|| format!("PostgreSQL at {pg_admin}"))?;
        let base = pg_admin.rsplit_once('/').map_or(pg_admin, |(b, _)| b).to_string();
        Ok(Self { admin, base })
    }

    /// Creates the database and returns its URL.
    async fn create(&self, name: &str) -> anyhow::Result<String> {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&self.admin.pool)
            .await?;
        Ok(format!("{}/{name}", self.base))
    }

    /// The database's URL, creating it unless it exists (a bank kept between runs).
    async fn ensure(&self, name: &str) -> anyhow::Result<String> {
        let exists: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_optional(&self.admin.pool)
            .await?;
        match exists {
            Some(_) => Ok(format!("{}/{name}", self.base)),
            None => self.create(name).await,
        }
    }

    async fn drop_db(&self, name: &str) -> anyhow::Result<()> {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&self.admin.pool)
            .await?;
        Ok(())
    }
}

/// How a result column is printed.
enum Cell {
    Text,
    Ms,
    Count,
    Ratio,
    Mb,
}

/// Writes the runs to `bench/results/{name}.json` and prints them as a table.
fn report(name: &str, runs: &[serde_json::Value], cols: &[(&str, &str, Cell)]) -> anyhow::Result<()> {
    std::fs::create_dir_all("bench/results")?;
    let path = format!("bench/results/{name}.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&serde_json::json!({ "runs": runs }))?,
    )?;
    let head: Vec<String> = cols.iter().map(|(h, _, _)| format!("{h:>13}")).collect();
    println!("{}", head.join(" "));
    for r in runs {
        let line: Vec<String> = cols
            .iter()
            .map(|(_, key, cell)| {
                let v = &r[*key];
                let f = v.as_f64().unwrap_or(0.0);
                let text = match cell {
                    Cell::Text => v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    Cell::Ms => format!("{f:.2}ms"),
                    Cell::Count => format!("{f:.0}"),
                    Cell::Ratio => format!("{f:.2}"),
                    Cell::Mb => format!("{f:.0}MB"),
                };
                format!("{text:>13}")
            })
            .collect();
        println!("{}", line.join(" "));
    }
    println!("written to {path}");
    Ok(())
}
