//! The national-size bank of `bench load`: the demo bank, then its rows copied in bulk
//! SQL (`INSERT … SELECT` over a number series, never the import path) up to the sizes
//! asked for. A seeded database records its sizes and is reused by later runs.

use std::time::Instant;

use anyhow::Context;
use app::App;
use store::{Backend, Db};

/// How many rows of each kind the bank holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub learners: i64,
    pub outcomes: i64,
    pub catalog: i64,
    pub rules: i64,
}

/// Rows copied per statement (a transaction each).
const BATCH: i64 = 250_000;
/// The demo learner (张晓明) holds this many outcomes: 我的成果 of a busy learner.
pub const MINE: i64 = 50;

/// Names of seeded catalog outcomes: majors and courses people search for.
const NAMES: [&str; 12] = [
    "高等数学",
    "经济统计学",
    "计算机应用基础",
    "大学英语",
    "会计学原理",
    "护理学基础",
    "机械制图",
    "市场营销",
    "数据库技术",
    "学前教育学",
    "电子商务概论",
    "线性代数",
];

/// Seeds the bank unless it already holds these sizes. Returns true when it seeded.
pub async fn ensure(app: &App, sizes: Sizes) -> anyhow::Result<bool> {
    let db = &app.db;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_seed (learners BIGINT NOT NULL, outcomes BIGINT NOT NULL, \
         catalog BIGINT NOT NULL, rules BIGINT NOT NULL)",
    )
    .execute(&db.pool)
    .await?;
    let done: Option<(i64, i64, i64, i64)> =
        sqlx::query_as("SELECT learners, outcomes, catalog, rules FROM bench_seed LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    if let Some((learners, outcomes, catalog, rules)) = done {
        let found = Sizes {
            learners,
            outcomes,
            catalog,
            rules,
        };
        anyhow::ensure!(
            found == sizes,
            "this benchmark database holds {found:?}, not {sizes:?}: remove it or ask for the same sizes"
        );
        return Ok(false);
    }
    app::demo::load(app).await?;
    let started = Instant::now();
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&db.pool)
            .await
            .with_context(|| sql.to_string())
    };
    let learner = one("SELECT id FROM learners WHERE id_number = '440106199001011235'").await?;
    let inst = one("SELECT id FROM institutions WHERE code = '4144051234'").await?;
    let outcome = one("SELECT MIN(id) FROM institution_outcomes WHERE institution_id = (SELECT id FROM institutions WHERE code = '4144051234')").await?;
    let holding = one("SELECT MIN(id) FROM learner_outcomes WHERE institution_outcome_id IS NOT NULL").await?;
    let rule = one("SELECT MIN(id) FROM conversion_rules WHERE status = 'published'").await?;

    let pick = |list: &[&str]| {
        let arms: String = list
            .iter()
            .enumerate()
            .map(|(i, n)| format!(" WHEN {i} THEN '{n}'"))
            .collect();
        format!("(CASE n % {}{arms} END)", list.len())
    };
    let text = "CAST(n AS TEXT)";
    // Learners: active accounts with distinct ID numbers and card numbers.
    let first_learner = next_id(db, "learners").await?;
    let surname = "substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗', (n % 20) + 1, 1)";
    let given = "substr('伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平', ((n / 20) % 20) + 1, 1)";
    multiply(
        db,
        "learners",
        learner,
        sizes.learners,
        &[
            ("name", format!("{surname} || {given}")),
            ("id_number", format!("'B' || {}", pad(db, text, 17))),
            ("card_no", format!("'BC' || {}", pad(db, text, 12))),
            ("mobile", "NULL".into()),
            ("email", "NULL".into()),
            ("username", "NULL".into()),
            ("created_by_institution", inst.to_string()),
            ("created_at", "tpl.created_at - n".into()),
        ],
    )
    .await?;
    // Catalog outcomes of the large institution (广东开放大学).
    let first_catalog = next_id(db, "institution_outcomes").await?;
    multiply(
        db,
        "institution_outcomes",
        outcome,
        sizes.catalog,
        &[
            ("name", format!("{} || '（' || {text} || '）'", pick(&NAMES))),
            ("created_at", "tpl.created_at - n".into()),
        ],
    )
    .await?;
    // Learner outcomes: each learner holds outcomes/learners of them, no pair twice.
    let (l, c) = (sizes.learners.max(1), sizes.catalog.max(1));
    multiply(
        db,
        "learner_outcomes",
        holding,
        sizes.outcomes - MINE,
        &[
            ("learner_id", format!("{first_learner} + (n % {l})")),
            (
                "institution_outcome_id",
                format!("{first_catalog} + (((n / {l}) * 7919 + n % {l}) % {c})"),
            ),
            (
                "name",
                format!("{} || '（' || CAST(n % {c} AS TEXT) || '）'", pick(&NAMES)),
            ),
            ("number", format!("'BN' || {text}")),
            ("issuer_institution_id", inst.to_string()),
            ("created_at", "tpl.created_at - n".into()),
            ("updated_at", "tpl.updated_at - n".into()),
        ],
    )
    .await?;
    // The demo learner's own 50 (catalog outcomes nobody else was given twice).
    multiply(
        db,
        "learner_outcomes",
        holding,
        MINE,
        &[
            ("learner_id", learner.to_string()),
            ("institution_outcome_id", format!("{first_catalog} + {c} - n")),
            (
                "name",
                format!("{} || '（' || CAST({c} - n AS TEXT) || '）'", pick(&NAMES)),
            ),
            ("number", format!("'BM' || {text}")),
            ("created_at", "tpl.created_at - n".into()),
        ],
    )
    .await?;
    // Published rules, each with one seeded catalog outcome as its source and the demo
    // rule's targets.
    let first_rule = next_id(db, "conversion_rules").await?;
    multiply(
        db,
        "conversion_rules",
        rule,
        sizes.rules,
        &[
            ("code", format!("'BR' || {}", pad(db, text, 10))),
            ("name", format!("{} || '转换规则' || {text}", pick(&NAMES))),
            ("published_at", "tpl.published_at - n".into()),
        ],
    )
    .await?;
    let in_rules = format!("r.id >= {first_rule}");
    sqlx::query(&format!(
        "INSERT INTO rule_sources (rule_id, institution_outcome_id) \
         SELECT r.id, {first_catalog} + ((r.id - {first_rule}) * 2 % {c}) FROM conversion_rules r WHERE {in_rules}"
    ))
    .execute(&db.pool)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO rule_targets (rule_id, institution_outcome_id, credits, note) \
         SELECT r.id, t.institution_outcome_id, t.credits, t.note FROM conversion_rules r, rule_targets t \
         WHERE {in_rules} AND t.rule_id = {rule}"
    ))
    .execute(&db.pool)
    .await?;
    db.analyze(&[
        "learners",
        "institution_outcomes",
        "learner_outcomes",
        "conversion_rules",
        "rule_sources",
        "rule_targets",
    ])
    .await?;
    sqlx::query("INSERT INTO bench_seed (learners, outcomes, catalog, rules) VALUES ($1, $2, $3, $4)")
        .bind(sizes.learners)
        .bind(sizes.outcomes)
        .bind(sizes.catalog)
        .bind(sizes.rules)
        .execute(&db.pool)
        .await?;
    eprintln!("  seeded in {:.0} s", started.elapsed().as_secs_f64());
    Ok(true)
}

async fn next_id(db: &Db, table: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
            .fetch_one(&db.pool)
            .await?,
    )
}

/// `expr` left-padded with zeros to `width` characters.
fn pad(db: &Db, expr: &str, width: usize) -> String {
    match db.backend {
        Backend::Postgres => format!("lpad({expr}, {width}, '0')"),
        Backend::Sqlite => format!("substr('{}' || {expr}, -{width})", "0".repeat(width)),
    }
}

/// Copies row `template` of `table` `count` times, batch by batch, with some columns
/// set to SQL expressions of `n` (1 ..= count) and of `tpl` (the template row).
async fn multiply(db: &Db, table: &str, template: i64, count: i64, set: &[(&str, String)]) -> anyhow::Result<()> {
    let columns: Vec<String> = match db.backend {
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&db.pool)
            .await?
        }
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&db.pool)
                .await?
        }
    };
    let columns: Vec<String> = columns.into_iter().filter(|c| c != "id").collect();
    let values: Vec<String> = columns
        .iter()
        .map(|c| match set.iter().find(|(name, _)| name == c) {
            Some((_, expr)) => expr.clone(),
            None => format!("tpl.{c}"),
        })
        .collect();
    let started = Instant::now();
    let mut from = 1;
    while from <= count {
        let to = (from + BATCH - 1).min(count);
        let (with, series) = match db.backend {
            Backend::Postgres => (String::new(), format!("generate_series({from}, {to}) AS s(n)")),
            Backend::Sqlite => (
                format!("WITH RECURSIVE s(n) AS (SELECT {from} UNION ALL SELECT n + 1 FROM s WHERE n < {to}) "),
                "s".to_string(),
            ),
        };
        let sql = format!(
            "{with}INSERT INTO {table} ({}) SELECT {} FROM {series}, {table} AS tpl WHERE tpl.id = {template}",
            columns.join(", "),
            values.join(", ")
        );
        sqlx::query(&sql)
            .execute(&db.pool)
            .await
            .with_context(|| format!("seeding {table}"))?;
        from = to + 1;
    }
    eprintln!("  {table}: {count} rows in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
