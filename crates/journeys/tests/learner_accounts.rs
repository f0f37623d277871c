//! 学员账户 (I-05) through the pages: an institution's learner accounts, what it may
//! change while they are 未激活, and what it may not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_institution, subtype, vals};

both!(learner_accounts_of_an_institution);

async fn learner_accounts_of_an_institution(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    let empty = c.get("/institution/learners").await;
    assert!(empty.has("还没有学员账户"), "{} {}", empty.status, empty.body);
    let r = c
        .post(
            "/institution/learners",
            &[("name", "王芳"), ("id_number", "440106199001011230")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("校验位不正确") && r.has("value=\"王芳\""));
    let first = id("44010619900101123");
    let second = id("44010619910101123");
    assert_eq!(
        c.post("/institution/learners", &[("name", "王芳"), ("id_number", &first)])
            .await
            .status,
        303
    );
    assert_eq!(
        c.post("/institution/learners", &[("name", "赵强"), ("id_number", &second)])
            .await
            .status,
        303
    );
    let r = c
        .post("/institution/learners", &[("name", "王芳"), ("id_number", &first)])
        .await;
    assert!(r.has("该证件号码已存在"));
    let list = c.get("/institution/learners").await;
    assert!(list.has("未激活") && list.has(&domain::mask::id_number(&first)) && !list.has(&first));
    let wang: i64 = t
        .scalar(&format!("SELECT id FROM learners WHERE id_number = '{first}'"))
        .await;
    let zhao: i64 = t
        .scalar(&format!("SELECT id FROM learners WHERE id_number = '{second}'"))
        .await;
    // Edit while 未激活.
    c.get(&format!("/institution/learners/{wang}/edit")).await;
    assert_eq!(
        c.post(
            &format!("/institution/learners/{wang}/edit"),
            &[("name", "王小芳"), ("id_number", &first)]
        )
        .await
        .status,
        303
    );
    assert!(c.get("/institution/learners").await.has("王小芳"));
    // An outcome stops deletion; the other can go.
    let diploma = subtype(t, "higher_course").await;
    let vals = vals(&[("course_code", "M1"), ("orig_credits", "2")]);
    let a = store::audit::Actor::default();
    let o = app::catalog::create(&t.app, gd, diploma, "高等数学", &vals, &a)
        .await
        .unwrap();
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "王小芳".into(),
        id_type: String::new(),
        id_number: first.clone(),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: String::new(),
    };
    app::holdings::institution_store(&t.app, gd, o, &form, &a)
        .await
        .unwrap();
    c.get("/institution/learners").await;
    c.post(&format!("/institution/learners/{wang}/delete"), &[]).await;
    assert!(c.get("/institution/learners").await.has("已有学习成果，不能删除"));
    assert!(c.get(&format!("/institution/learners/{wang}")).await.has("高等数学"));
    // Another institution cannot touch them.
    let mut other = t.client();
    other.sign_in("institution", "4137051201", "Pass1234").await;
    assert!(!other.get("/institution/learners").await.has("赵强"));
    assert_eq!(other.get(&format!("/institution/learners/{zhao}")).await.status, 404);
    assert_eq!(
        other.get(&format!("/institution/learners/{zhao}/edit")).await.status,
        404
    );
    assert_eq!(
        other
            .post(&format!("/institution/learners/{zhao}/delete"), &[])
            .await
            .status,
        404
    );
    c.post(&format!("/institution/learners/{zhao}/delete"), &[]).await;
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 1);
    // Once the learner activates the account, it can no longer be edited.
    sqlx::query("UPDATE learners SET status = 'active'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(c.get(&format!("/institution/learners/{wang}/edit")).await.status, 404);
}
