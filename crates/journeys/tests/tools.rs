//! The learner's registration form and the department's dashboard as the manuals show
//! them: each subtype asks only for its own fields, the catalog picker says how much it
//! found, and the department sees its queues against the promised delay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, id, seed_bank, seed_institution, seed_learner, subtype, vals};

both!(
    the_outcome_form_fits_the_subtype,
    the_dashboard_counts_queues_against_the_promise
);

async fn the_outcome_form_fits_the_subtype(t: &TestApp) {
    let bank = seed_bank(t).await;
    let x = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let course = subtype(t, "higher_course").await;
    let a = actor("institution", 1);
    for (name, code) in [("高等数学", "M1"), ("线性代数与数学建模", "M2"), ("数学分析", "M3")] {
        app::catalog::create(
            &t.app,
            x,
            course,
            name,
            &vals(&[("course_code", code), ("orig_credits", "3")]),
            &a,
        )
        .await
        .unwrap();
    }
    let mut me = t.client();
    me.sign_in("learner", "13800000001", "Pass1234").await;
    let form = me.get(&format!("/learner/outcomes/new/{course}")).await;
    assert!(form.has("id=\"score\""), "a course has a score");
    for code in ["competition", "higher_diploma"] {
        let page = me
            .get(&format!("/learner/outcomes/new/{}", subtype(t, code).await))
            .await;
        assert_eq!(page.status, 200);
        assert!(!page.has("id=\"score\""), "{code} has no 课程成绩");
    }
    let found = me.get(&format!("/learner/outcomes/new/{course}?q=数学")).await;
    assert!(found.has("共找到 3 条名录成果") && found.has("数学分析"));
    let none = me.get(&format!("/learner/outcomes/new/{course}?q=物理")).await;
    assert!(none.has("名录中没有找到符合条件的成果"));
}

async fn the_dashboard_counts_queues_against_the_promise(t: &TestApp) {
    seed_bank(t).await;
    let idn = id("44010619900101123");
    let learner_id = seed_learner(t, "张晓明", &idn, "13800000001", "Pass1234").await;
    let learner = store::learners::by_id(&t.app.db.pool, learner_id)
        .await
        .unwrap()
        .unwrap();
    let f = app::holdings::HoldingForm {
        subtype_id: subtype(t, "competition").await,
        name: "技能大赛一等奖".into(),
        issuer: "广东省教育厅".into(),
        issued_on: "2024-06-01".into(),
        fields: vals(&[
            ("organiser", "广东省教育厅"),
            ("award_level", "省部级"),
            ("contest", "技能大赛"),
            ("held_on", "2024-05-20"),
        ]),
        ..Default::default()
    };
    let h = app::holdings::learner_create(&t.app, &learner, &f, &actor("learner", learner_id))
        .await
        .unwrap();
    app::holdings::learner_submit(&t.app, &learner, &[h], &actor("learner", learner_id))
        .await
        .unwrap();
    // The learner belongs to no province's institution: its outcomes are the centre's.
    let mut gd = t.client();
    gd.sign_in("department", "center_admin", "Pass1234").await;
    let home = gd.get("/department").await;
    assert!(
        home.has("<b>1</b>成果存储审核") && home.has("剩余10个工作日"),
        "{}",
        home.excerpt(0, 4000)
    );
    // Waiting since five weeks: 25 working days, 15 over the promise.
    sqlx::query("UPDATE learner_outcomes SET updated_at = updated_at - 35 * 86400")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let home = gd.get("/department").await;
    assert!(home.has("最早一条已等待25个工作日") && home.has("已超期15个工作日"));
    assert!(home.has("<b>0</b>成果认定初审") && home.has("承诺10个工作日内办结"));
}
