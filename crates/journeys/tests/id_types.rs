//! 学员成果导入 with 证件类型: holders of any document the bank accepts can be imported,
//! the template offers the types, and files of the older template (居民身份证 only) still
//! import.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, id, import, seed_bank, seed_institution, sheet, subtype, vals};

both!(learners_of_every_document_type_import);

async fn learners_of_every_document_type_import(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let o = app::catalog::create(
        &t.app,
        gd,
        course,
        "高等数学",
        &vals(&[("course_code", "M1"), ("orig_credits", "3")]),
        &actor("institution", 1),
    )
    .await
    .unwrap();
    // The template: 证件类型 after the name, with the types to choose from.
    let template = app::import::holdings_template().unwrap();
    let head = app::import::read_rows(&template).unwrap();
    assert_eq!(head[0][..3], ["*学员姓名", "*证件类型", "*证件号码"]);
    let file = sheet(
        &[
            "*学员姓名",
            "*证件类型",
            "*证件号码",
            "*个人成果编号",
            "*颁证日期",
            "成绩",
        ],
        &[
            vec!["陈大文", "港澳居民来往内地通行证", "h12345678", "N1", "2023-07-01", ""],
            vec!["John Smith", "护照", "E12345678", "N2", "2023-07-01", "80"],
            vec!["王芳", "", &id("44010619910101123"), "N3", "2023-07-01", ""],
            vec!["李四", "驾驶证", "123456", "N4", "2023-07-01", ""],
            vec!["赵六", "护照", "12", "N5", "2023-07-01", ""],
        ],
    );
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    c.get(&format!("/institution/outcomes/{o}/store")).await;
    let page = import(
        t,
        &mut c,
        &format!("/institution/outcomes/{o}/import"),
        &[],
        &[("file", "学员成果.xlsx", &file)],
    )
    .await;
    assert!(
        page.has("成功导入符合要求数据3条；未导入不符合要求数据2条"),
        "{}",
        page.excerpt(1500, 1500)
    );
    assert!(page.has("证件类型“驾驶证”无法识别") && page.has("护照号码须为5-20位字母或数字"));
    let kinds: Vec<(String, String)> = sqlx::query_as("SELECT id_type, id_number FROM learners ORDER BY id")
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap();
    assert!(kinds.contains(&("hkmo".into(), "H12345678".into())), "{kinds:?}");
    assert!(kinds.contains(&("passport".into(), "E12345678".into())));
    assert!(kinds.iter().any(|(k, _)| k == "resident"));
    // A pre-imported passport holder signs in with the number and its last six characters.
    let mut holder = t.client();
    assert!(
        holder
            .sign_in("learner", "E12345678", "345678")
            .await
            .redirects_to("/learner")
    );
    assert!(holder.get("/learner").await.redirects_to("/learner/complete"));

    // A file of the older template (no 证件类型) imports as 居民身份证.
    let old = sheet(
        &["*学员姓名", "*身份证号", "*个人成果编号", "*颁证日期", "成绩"],
        &[vec!["孙七", &id("44010619920101123"), "N6", "2023-07-01", ""]],
    );
    c.get(&format!("/institution/outcomes/{o}/store")).await;
    let page = import(
        t,
        &mut c,
        &format!("/institution/outcomes/{o}/import"),
        &[],
        &[("file", "旧模板.xlsx", &old)],
    )
    .await;
    assert!(page.has("成功导入符合要求数据1条"), "{}", page.excerpt(1500, 1500));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 4);

    // The API takes the type too.
    let key = app::admin::create_api_key(&t.app, "4144051234", "教务系统", &["write".into()])
        .await
        .unwrap();
    let r = t
        .api(&key)
        .post(
            "/api/v1/institution/learner-outcomes",
            &serde_json::json!({"outcome_id": o, "learner_name": "Mary Lee", "id_type": "passport",
                "id_number": "K7654321", "number": "N7", "issued_on": "2023-07-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE id_type = 'passport'")
            .await,
        2
    );
    let bad = t
        .api(&key)
        .post(
            "/api/v1/institution/learner-outcomes",
            &serde_json::json!({"outcome_id": o, "learner_name": "某人", "id_type": "license",
                "id_number": "K7654322", "number": "N8", "issued_on": "2023-07-01"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("证件类型"), "{}", bad.body);
}
