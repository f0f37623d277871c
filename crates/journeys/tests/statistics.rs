//! 统计分析 (M-03): the numbers a department's dashboard shows match counts computed
//! here from the tables, for the whole bank and for one province; other roles and other
//! provinces see none of them; the workbook holds the same numbers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::auth::Principal;
use app::holdings::StoreForLearnerForm;
use common::{TestApp, actor, course, id, seed_bank, seed_institution, seed_learner};
use domain::ids::InstitutionId;

both!(
    dashboard_numbers_match_the_tables,
    counted_numbers_are_kept_then_refreshed
);

fn form(name: &str, id_number: String) -> StoreForLearnerForm {
    StoreForLearnerForm {
        learner_name: name.into(),
        id_type: String::new(),
        id_number,
        number: format!("NO-{name}"),
        issued_on: "2024-07-01".into(),
        score: "90".into(),
    }
}

async fn department(t: &TestApp, account: &str) -> Principal {
    let s = store::staff::by_account(&t.app.db.pool, "department", account)
        .await
        .unwrap()
        .unwrap();
    app::auth::account(&t.app, domain::role::Role::Department, s.id)
        .await
        .unwrap()
        .unwrap()
}

/// The value of a table's cell: the row named `row`, the column headed `col`.
fn cell(s: &app::statistics::Statistics, key: &str, row: &str, col: &str) -> String {
    let t = s.tables.iter().find(|t| t.key == key).unwrap();
    let c = t.headers.iter().position(|h| h == col).unwrap();
    t.rows
        .iter()
        .find(|r| r[0] == row)
        .map(|r| r[c].clone())
        .unwrap_or_else(|| "0".into())
}

fn column_sum(s: &app::statistics::Statistics, key: &str, col: &str) -> f64 {
    let t = s.tables.iter().find(|t| t.key == key).unwrap();
    let c = t.headers.iter().position(|h| h == col).unwrap();
    t.rows.iter().map(|r| r[c].parse::<f64>().unwrap()).sum()
}

async fn dashboard_numbers_match_the_tables(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let sd = seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000003").await;
    let maths = course(t, gd, "高等数学", "MATH101").await;
    let english = course(t, sd, "大学英语", "ENG101").await;
    app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), maths, true, "2.5")
        .await
        .unwrap();
    let a = actor("institution", 1);
    for (i, n) in ["甲", "乙", "丙"].iter().enumerate() {
        app::holdings::institution_store(&t.app, gd, maths, &form(n, id(&format!("4401061990010110{i}"))), &a)
            .await
            .unwrap();
    }
    for (i, n) in ["丁", "戊"].iter().enumerate() {
        app::holdings::institution_store(&t.app, sd, english, &form(n, id(&format!("3701061990010110{i}"))), &a)
            .await
            .unwrap();
    }
    // A learner who registered by herself and holds a Guangdong outcome counts there.
    let own = id("44010619900101999");
    seed_learner(t, "己", &own, "13800000009", "Pass1234").await;
    app::holdings::institution_store(&t.app, gd, maths, &form("己", own), &a)
        .await
        .unwrap();

    let centre = app::statistics::dashboard(&t.app, &department(t, "center_admin").await)
        .await
        .unwrap();
    let guangdong = app::statistics::dashboard(&t.app, &department(t, "gd_edu").await)
        .await
        .unwrap();
    let shandong = app::statistics::dashboard(&t.app, &department(t, "sd_edu").await)
        .await
        .unwrap();
    // Learners opened: all of them now, in this month's bucket.
    let all_learners = t.scalar("SELECT COUNT(*) FROM learners").await as f64;
    assert_eq!(column_sum(&centre, "learners", "新开账户"), all_learners);
    assert_eq!(
        column_sum(&guangdong, "learners", "新开账户"),
        4.0,
        "three opened by the school, one holder"
    );
    assert_eq!(column_sum(&shandong, "learners", "新开账户"), 2.0);
    // Outcomes by type and status, against the table itself.
    let stored = |issuer: Option<InstitutionId>| {
        let filter = issuer
            .map(|i| format!(" AND issuer_institution_id = {i}"))
            .unwrap_or_default();
        format!("SELECT COUNT(*) FROM learner_outcomes WHERE status = 'stored'{filter}")
    };
    assert_eq!(
        column_sum(&centre, "outcomes", "已存储"),
        t.scalar(&stored(None)).await as f64
    );
    assert_eq!(
        column_sum(&guangdong, "outcomes", "已存储"),
        t.scalar(&stored(Some(gd))).await as f64
    );
    assert_eq!(
        column_sum(&shandong, "outcomes", "合计"),
        t.scalar(&stored(Some(sd))).await as f64
    );
    // Catalog recognition and credits granted.
    assert_eq!(cell(&guangdong, "catalog", "已认定", "机构成果数"), "1");
    assert_eq!(cell(&shandong, "catalog", "已认定", "机构成果数"), "0");
    let granted = t
        .scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_ledger WHERE amount > 0")
        .await as f64
        / 100.0;
    assert_eq!(granted, 10.0, "four holders of a 2.5-credit course");
    assert_eq!(column_sum(&centre, "credits", "发放学分"), granted);
    assert_eq!(column_sum(&guangdong, "credits", "发放学分"), granted);
    assert_eq!(column_sum(&shandong, "credits", "发放学分"), 0.0);
    assert!(centre.scope_label.contains("全部机构"));

    // The page: charts, tables and their data; only for departments.
    let mut c = t.client();
    c.sign_in("department", "gd_edu", "Pass1234").await;
    let page = c.get("/department/statistics").await;
    assert_eq!(page.status, 200);
    assert!(
        page.has("href=\"/department/statistics\" class=\"active\""),
        "in the department's menu"
    );
    assert!(page.has("id=\"chart-learners\"") && page.has("学分发放") && page.has("/static/vendor/echarts.min.js"));
    assert!(
        !page.has("山东商业职业技术学院"),
        "another province's institutions are not in the numbers"
    );
    let js = t.client().get("/static/vendor/echarts.min.js").await;
    assert_eq!(js.status, 200);
    assert!(js.bytes.len() > 500_000);
    let x = c.get("/department/statistics/export").await;
    assert_eq!(x.status, 200);
    assert!(x.content_type.contains("spreadsheetml") && x.bytes.starts_with(b"PK"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'statistics_exported'")
            .await,
        1
    );
    let mut l = t.client();
    l.sign_in("learner", &id("44010619900101999"), "Pass1234").await;
    assert_ne!(l.get("/department/statistics").await.status, 200);
    assert_ne!(t.client().get("/department/statistics/export").await.status, 200);
}

/// With `statistics_cache_seconds`, a view shows the last count (and when it was made)
/// instead of counting again; once that is older, the view still answers at once while
/// one refresh runs, and a later view shows the new numbers.
async fn counted_numbers_are_kept_then_refreshed(t: &TestApp) {
    seed_bank(t).await;
    let centre = department(t, "center_admin").await;
    let with_ttl = |seconds: i64| {
        let mut config = (*t.app.config).clone();
        config.statistics_cache_seconds = seconds;
        app::App {
            config: std::sync::Arc::new(config),
            statistics: std::sync::Arc::default(),
            ..t.app.clone()
        }
    };
    let opened = |s: &app::statistics::Statistics| column_sum(s, "learners", "新开账户");
    let kept = with_ttl(3600);
    let first = app::statistics::dashboard(&kept, &centre).await.unwrap();
    seed_learner(t, "新", &id("44010619900101777"), "13800000077", "Pass1234").await;
    let again = app::statistics::dashboard(&kept, &centre).await.unwrap();
    assert_eq!((opened(&again), again.computed_at), (opened(&first), first.computed_at));
    let exact = app::statistics::dashboard(&t.app, &centre).await.unwrap();
    assert_eq!(opened(&exact), opened(&first) + 1.0);

    let short = with_ttl(1);
    let before = app::statistics::dashboard(&short, &centre).await.unwrap();
    seed_learner(t, "后", &id("44010619900101778"), "13800000078", "Pass1234").await;
    // Wait until the count is older than its second, then for the refresh it starts.
    while store::now() - before.computed_at < 1 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stale = app::statistics::dashboard(&short, &centre).await.unwrap();
    assert_eq!(opened(&stale), opened(&before), "the stale count answers at once");
    let mut refreshed = stale;
    for _ in 0..100 {
        refreshed = app::statistics::dashboard(&short, &centre).await.unwrap();
        if refreshed.computed_at != before.computed_at {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(opened(&refreshed), opened(&before) + 1.0);
}
