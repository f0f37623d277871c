//! Substring search on the names of learners (an institution's list, 学员成果 by learner),
//! conversion rules and institutions on both databases, through the bigram indexes of
//! 0021: one character (a scan), two, three and more; non-BMP characters, mixed Latin
//! and digits, full-width input, codes, renames and deletions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::conversion::RuleForm;
use common::{TestApp, actor, course, id, pdf_upload, published_method, seed_bank, seed_institution};

both!(names_are_found_by_any_substring);

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

async fn names_are_found_by_any_substring(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let px = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let db = &t.app.db;

    // Learners of an institution.
    let mut learner_ids = Vec::new();
    for (i, name) in ["张伟", "张伟明", "欧阳喆", "王𠮷", "李Tom2024", "伟"]
        .iter()
        .enumerate()
    {
        let number = id(&format!("4401061990010{i:03}1"));
        learner_ids.push(
            store::learners::insert(
                &db.pool,
                &store::learners::NewLearner {
                    name,
                    id_type: "resident",
                    id_number: &number,
                    mobile: None,
                    password_hash: "x",
                    status: domain::lifecycle::LearnerStatus::Inactive,
                    card_no: &app::learners::new_card_no(),
                    created_by_institution: Some(gd),
                    now: store::now(),
                },
            )
            .await
            .unwrap(),
        );
    }
    let learners = async |q: &str| -> Vec<String> {
        let f = store::learners::Filter {
            name: q.into(),
            ..Default::default()
        };
        let mut v: Vec<String> = store::learners::of_institution(db, gd, &f, 1, 50)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|l| l.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(learners("伟").await, sorted(&["张伟", "张伟明", "伟"]));
    assert_eq!(learners("张伟").await, sorted(&["张伟", "张伟明"]));
    assert_eq!(learners("伟明").await, sorted(&["张伟明"]));
    assert_eq!(learners("张伟明").await, sorted(&["张伟明"]));
    assert_eq!(learners(" 阳喆 ").await, sorted(&["欧阳喆"]));
    assert_eq!(learners("王𠮷").await, sorted(&["王𠮷"]));
    assert_eq!(learners("𠮷").await, sorted(&["王𠮷"]));
    assert_eq!(learners("李Tom").await, sorted(&["李Tom2024"]));
    assert_eq!(learners("m20").await, sorted(&["李Tom2024"]));
    // Full-width letters and digits are the half-width ones names are kept in.
    assert_eq!(learners("Ｔｏｍ２０２４").await, sorted(&["李Tom2024"]));
    assert!(learners("明伟").await.is_empty(), "bigrams in the wrong order");
    assert!(learners("张明").await.is_empty(), "bigrams not adjacent");
    assert!(learners("100%").await.is_empty());
    // Renamed and deleted learners follow.
    sqlx::query("UPDATE learners SET name = '张晓明' WHERE id = $1")
        .bind(learner_ids[1])
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(learners("张伟").await, sorted(&["张伟"]));
    assert_eq!(learners("晓明").await, sorted(&["张晓明"]));
    sqlx::query("DELETE FROM learners WHERE id = $1")
        .bind(learner_ids[0])
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(learners("张伟").await.is_empty());
    // Paging at the boundary: a query matching more than a page pages the same rows.
    let f = store::learners::Filter::default();
    let all = store::learners::of_institution(db, gd, &f, 1, 50).await.unwrap();
    let first = store::learners::of_institution(db, gd, &f, 1, 2).await.unwrap();
    let second = store::learners::of_institution(db, gd, &f, 2, 2).await.unwrap();
    let ids = |p: &store::Page<store::learners::Learner>| p.rows.iter().map(|l| l.id).collect::<Vec<_>>();
    assert_eq!([ids(&first), ids(&second)].concat(), ids(&all)[..4].to_vec());

    // Conversion rules, by name or code.
    published_method(t, px).await;
    let ia = actor("institution", 2);
    let source = course(t, gd, "高等数学", "M1").await;
    let mut codes = Vec::new();
    for (i, name) in [
        "高等数学转换工程数学",
        "大学英语转换英语基础",
        "Web前端开发证书转换网页设计",
    ]
    .iter()
    .enumerate()
    {
        let target = course(t, px, &format!("目标课程{i}"), &format!("T{i}")).await;
        let f = RuleForm {
            name: name.to_string(),
            kind: "学历→学历".into(),
            sources: vec![source],
            targets: vec![target],
            ratio: "1:1".into(),
            explanation: "说明".into(),
            document: Some(pdf_upload(t, "规则.pdf").await),
            ..Default::default()
        };
        let r = app::conversion::create_rule(&t.app, px, &f, &ia).await.unwrap();
        codes.push(store::conversion::rule(&db.pool, r).await.unwrap().unwrap().code);
    }
    let rules = async |q: &str| -> Vec<String> {
        let f = store::conversion::RuleFilter {
            name: Some(q.into()),
            ..Default::default()
        };
        let mut v: Vec<String> = store::conversion::rules(db, &f, 1, 50)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(rules("转换").await.len(), 3);
    assert_eq!(rules("英语").await, sorted(&["大学英语转换英语基础"]));
    assert_eq!(rules("数学转换工程").await, sorted(&["高等数学转换工程数学"]));
    // SQLite folds ASCII case as its LIKE does; PostgreSQL's LIKE is case-sensitive.
    assert_eq!(
        rules("web前端").await.len(),
        if t.app.db.backend == store::Backend::Sqlite {
            1
        } else {
            0
        }
    );
    assert_eq!(rules("Web前端").await, sorted(&["Web前端开发证书转换网页设计"]));
    assert_eq!(rules(&codes[1]).await, sorted(&["大学英语转换英语基础"]));
    assert_eq!(
        rules(&codes[0][..8]).await.len(),
        3,
        "a code's date part finds the day's rules"
    );

    // Institutions of the directory, by name or code.
    let directory = async |q: &str| -> Vec<String> {
        let mut v: Vec<String> = store::institutions::directory_page(db, q, None, 1, 50)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|i| i.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(directory("广").await, sorted(&["广东开放大学", "广州番禺职业技术学院"]));
    assert_eq!(directory("开放").await, sorted(&["广东开放大学"]));
    assert_eq!(directory("职业技术学院").await, sorted(&["广州番禺职业技术学院"]));
    assert_eq!(directory("4144051235").await, sorted(&["广州番禺职业技术学院"]));
    assert_eq!(directory("４１４４０５").await.len(), 2, "full-width digits");
    assert!(directory("开大").await.is_empty());
}
