//! Lists stop counting at `COUNT_CAP` (an exact count of millions of rows on every page
//! view costs more than the page), on both databases: past it the page says 超过N
//! and offers the first N rows; under it counts and pages are exact, to the last
//! page's last row. A count without the list's joins equals the joined rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, seed_bank, seed_institution, subtype, vals};

both!(
    counts_stop_at_the_cap_and_are_exact_below_it,
    holding_counts_equal_the_joined_rows
);

async fn counts_stop_at_the_cap_and_are_exact_below_it(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let actor = store::audit::Actor::default();
    let first = app::catalog::create(
        &t.app,
        gd,
        course,
        "高等数学",
        &vals(&[("course_code", "M0"), ("orig_credits", "2")]),
        &actor,
    )
    .await
    .unwrap();
    // COUNT_CAP + 49 more, in one statement: every 70th is a 线性代数.
    let cap = app::queries::COUNT_CAP;
    sqlx::query(&format!(
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {}) \
         INSERT INTO institution_outcomes (institution_id, subtype_id, name, fields, recognition, created_at) \
         SELECT t.institution_id, t.subtype_id, CASE WHEN n % 70 = 0 THEN '线性代数' ELSE '高等数学' END, \
         t.fields, t.recognition, t.created_at FROM s, institution_outcomes t WHERE t.id = {first}",
        cap + 49
    ))
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    let all = c.get("/institution/outcomes").await;
    let pages = cap / 20;
    assert!(
        all.has(&format!("共 超过{cap} 条 · 第 1/{pages} 页")),
        "{}",
        all.excerpt(0, 400)
    );
    let last = c.get(&format!("/institution/outcomes?page={pages}")).await;
    assert!(last.has(&format!("第 {pages}/{pages} 页")) && last.has("高等数学"));
    // Under the cap: exact, and the boundary page holds the remainder.
    let some = c
        .get("/institution/outcomes?name=%E7%BA%BF%E6%80%A7%E4%BB%A3%E6%95%B0")
        .await;
    assert!(some.has("共 29 条 · 第 1/2 页"), "{}", some.excerpt(0, 400));
    let second = c
        .get("/institution/outcomes?name=%E7%BA%BF%E6%80%A7%E4%BB%A3%E6%95%B0&page=2")
        .await;
    assert!(second.has("第 2/2 页") && second.has("线性代数") && !second.has("下一页"));
    // The API says the same with a number.
    let key = app::admin::create_api_key(&t.app, "4144051234", "教务系统", &["read".into()])
        .await
        .unwrap();
    let api = t.api(&key);
    assert_eq!(api.get("/api/v1/institution/outcomes").await.json()["total"], cap + 1);
    let exact = api
        .get("/api/v1/institution/outcomes?name=%E7%BA%BF%E6%80%A7%E4%BB%A3%E6%95%B0")
        .await;
    assert_eq!(exact.json()["total"], 29);
}

/// A learner-outcome count reads only the tables its filter needs (`count_from`): for
/// each kind of filter it equals the rows the joined list returns.
async fn holding_counts_equal_the_joined_rows(t: &TestApp) {
    app::demo::load(&t.app).await.unwrap();
    let db = &t.app.db;
    let learner: domain::ids::LearnerId = t.id("SELECT MIN(learner_id) FROM learner_outcomes").await;
    let type_id: domain::ids::OutcomeTypeId = t
        .id("SELECT MIN(s.type_id) FROM learner_outcomes lo JOIN outcome_subtypes s ON s.id = lo.subtype_id")
        .await;
    let learner_name: String = sqlx::query_scalar("SELECT l.name FROM learners l WHERE l.id = $1")
        .bind(learner)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let all = store::holdings::Filter::default();
    let filters = [
        all.clone(),
        store::holdings::Filter {
            learner_id: Some(learner),
            ..all.clone()
        },
        store::holdings::Filter {
            type_id: Some(type_id),
            ..all.clone()
        },
        store::holdings::Filter {
            informal_only: true,
            ..all.clone()
        },
        store::holdings::Filter {
            learner: Some(learner_name),
            ..all.clone()
        },
        store::holdings::Filter {
            name: Some("学".into()),
            statuses: vec!["stored"],
            ..all.clone()
        },
    ];
    let mut nonzero = 0;
    for f in &filters {
        let rows = store::holdings::rows(db, f, 1, 10_000).await.unwrap();
        let page = store::holdings::list(db, f, 1, 10_000).await.unwrap();
        assert_eq!(page.total, rows.len() as i64, "{f:?}");
        assert_eq!(store::holdings::count(db, f).await.unwrap(), rows.len() as i64, "{f:?}");
        assert_eq!(page.rows.len(), rows.len());
        nonzero += usize::from(!rows.is_empty());
    }
    // Every filter but the narrowest matches something, so the comparison means something.
    assert!(nonzero >= filters.len() - 1, "{nonzero}");
}
