//! Chinese substring search of catalog names on both databases, through each index: one
//! character (a scan), two (the bigram index), three and more (the trigram index);
//! Latin letters and digits in any case, names renamed and deleted, and the page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, seed_bank, seed_institution, subtype, vals};
use domain::ids::CatalogOutcomeId;

both!(
    names_are_found_by_any_substring,
    two_character_pages_meet_at_their_boundaries
);

async fn names_are_found_by_any_substring(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let actor = store::audit::Actor::default();
    let mut ids = Vec::new();
    for (i, name) in [
        "高等数学",
        "数学分析",
        "经济数学基础",
        "大学英语",
        "C语言程序设计",
        "Python数据分析2024",
        "数",
    ]
    .iter()
    .enumerate()
    {
        let v = vals(&[("course_code", &format!("K{i}")), ("orig_credits", "2")]);
        ids.push(
            app::catalog::create(&t.app, gd, course, name, &v, &actor)
                .await
                .unwrap(),
        );
    }
    let found = async |q: &str| -> Vec<String> {
        let f = app::queries::CatalogFilter {
            name: Some(q.to_string()),
            ..Default::default()
        };
        let mut names: Vec<String> = app::queries::catalog::search(&t.app, &f, 1, 50)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|o| o.name)
            .collect();
        names.sort();
        names
    };
    let sorted = |v: &[&str]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        found("数").await,
        sorted(&["高等数学", "数学分析", "经济数学基础", "Python数据分析2024", "数"])
    );
    assert_eq!(found("数学").await, sorted(&["高等数学", "数学分析", "经济数学基础"]));
    assert_eq!(found("学分").await, sorted(&["数学分析"]));
    assert_eq!(found("数学基础").await, sorted(&["经济数学基础"]));
    assert_eq!(found("分析").await, sorted(&["数学分析", "Python数据分析2024"]));
    assert_eq!(found("语言").await, sorted(&["C语言程序设计"]));
    assert_eq!(found("C语").await, sorted(&["C语言程序设计"]));
    assert_eq!(found("20").await, sorted(&["Python数据分析2024"]));
    assert_eq!(found("on数").await, sorted(&["Python数据分析2024"]));
    assert!(found("学数").await.is_empty());
    // The name searched for exactly comes first, then the newest.
    let newer = vals(&[("course_code", "K9"), ("orig_credits", "2")]);
    let second = app::catalog::create(&t.app, gd, course, "数学分析（下）", &newer, &actor)
        .await
        .unwrap();
    let ranked = async |q: &str, page: i64, per: i64| -> Vec<String> {
        let f = app::queries::CatalogFilter {
            name: Some(q.to_string()),
            ..Default::default()
        };
        app::queries::catalog::search(&t.app, &f, page, per)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|o| o.name)
            .collect()
    };
    assert_eq!(ranked("数学分析", 1, 10).await, ["数学分析", "数学分析(下)"]);
    assert_eq!(ranked("数学分析", 1, 1).await, ["数学分析"]);
    assert_eq!(
        ranked("数学分析", 2, 1).await,
        ["数学分析(下)"],
        "the page after the exact ones"
    );
    assert!(ranked("数学分析", 3, 1).await.is_empty());
    assert_eq!(
        ranked("数学", 1, 10).await[0],
        "数学分析(下)",
        "no exact match: newest first"
    );
    sqlx::query("DELETE FROM institution_outcomes WHERE id = $1")
        .bind(second)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert!(found("英文").await.is_empty());
    // SQLite folds ASCII case as its LIKE does; PostgreSQL's LIKE is case-sensitive.
    let py = found("py").await;
    match t.app.db.backend {
        store::Backend::Sqlite => assert_eq!(py, sorted(&["Python数据分析2024"])),
        store::Backend::Postgres => assert!(py.is_empty()),
    }
    // A renamed outcome is found by its new name only; a deleted one not at all.
    sqlx::query("UPDATE institution_outcomes SET name = '线性代数' WHERE id = $1")
        .bind(ids[0])
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(found("数学").await, sorted(&["数学分析", "经济数学基础"]));
    assert_eq!(found("代数").await, sorted(&["线性代数"]));
    assert_eq!(found("线性代数").await, sorted(&["线性代数"]));
    assert!(found("高等数学").await.is_empty());
    sqlx::query("DELETE FROM institution_outcomes WHERE id = $1")
        .bind(ids[1])
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(found("数学").await, sorted(&["经济数学基础"]));
    // The public catalog page finds by two characters too.
    let page = t.client().get("/catalog?q=%E8%AF%AD%E8%A8%80").await;
    assert!(
        page.has("C语言程序设计") && !page.has("大学英语"),
        "{}",
        page.excerpt(0, 300)
    );
}

/// A two-character query walks the bigram index newest first on SQLite (three characters
/// the trigram index) and the GIN indexes on PostgreSQL: pages of 10 over 23 matches, an exact name among them and another
/// institution's and non-matching names around them, give each match exactly once, the
/// exact one first, then newest first, and the total.
async fn two_character_pages_meet_at_their_boundaries(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let other = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = subtype(t, "higher_course").await;
    let actor = store::audit::Actor::default();
    let mut expected = Vec::new();
    let mut exact = CatalogOutcomeId::default();
    for i in 0..30 {
        let (inst, name) = match i % 6 {
            0 => (gd, format!("大学英语{i}")),
            1 => (other, format!("数学{i}")),
            _ if i == 14 => (gd, "数学".to_string()),
            _ => (gd, format!("工程数学{i}")),
        };
        let v = vals(&[("course_code", &format!("K{i}")), ("orig_credits", "2")]);
        let id = app::catalog::create(&t.app, inst, course, &name, &v, &actor)
            .await
            .unwrap();
        if inst == gd && name.contains("数学") {
            if name == "数学" {
                exact = id;
            } else {
                expected.push(id);
            }
        }
    }
    expected.sort_unstable_by(|a, b| b.cmp(a));
    expected.insert(0, exact);
    assert_eq!(expected.len(), 20);
    let f = app::queries::CatalogFilter {
        name: Some("数学".into()),
        ..Default::default()
    };
    let mut walked = Vec::new();
    for page in 1..=3 {
        let p = app::queries::catalog::of_institution(&t.app, gd, f.clone(), page, 7)
            .await
            .unwrap();
        assert_eq!(p.total, 20, "page {page}");
        walked.extend(p.rows.iter().map(|o| o.id));
    }
    assert_eq!(walked, expected);
    let past = app::queries::catalog::of_institution(&t.app, gd, f.clone(), 4, 7)
        .await
        .unwrap();
    assert!(past.rows.is_empty());
    // The API's cursor walks by id alone, across the same rows.
    let cursor = app::queries::CatalogFilter {
        before_id: Some(expected[3]),
        ..f
    };
    let rest = app::queries::catalog::of_institution(&t.app, gd, cursor, 1, 50)
        .await
        .unwrap();
    let mut by_id = expected.clone();
    by_id.sort_unstable_by(|a, b| b.cmp(a));
    let after: Vec<CatalogOutcomeId> = by_id.into_iter().filter(|id| *id < expected[3]).collect();
    assert_eq!(rest.rows.iter().map(|o| o.id).collect::<Vec<_>>(), after);
    // Three characters walk the trigram index the same way.
    let f = app::queries::CatalogFilter {
        name: Some("程数学".into()),
        ..Default::default()
    };
    let mut walked = Vec::new();
    for page in 1..=4 {
        let p = app::queries::catalog::of_institution(&t.app, gd, f.clone(), page, 5)
            .await
            .unwrap();
        assert_eq!(p.total, 19, "page {page}");
        walked.extend(p.rows.iter().map(|o| o.id));
    }
    assert_eq!(walked, expected[1..]);
}
