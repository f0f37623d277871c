//! The institution's exports (I-03, I-05, I-09): 机构成果 and 学员账户, ticked rows or all
//! that match, only after the SMS code to the account's mobile, masked, audited; and the
//! same lists for the institution's systems through the API, where its key stands in for
//! the code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, id, key_from_page, seed_bank, seed_institution, subtype, vals};
use domain::ids::{CatalogOutcomeId, LearnerId};

both!(catalog_and_learner_accounts_export, exports_through_the_api);

/// Two institutions' catalogs and one learner account of the first; the outcome ids.
async fn world(t: &TestApp) -> Vec<CatalogOutcomeId> {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let other = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = subtype(t, "higher_course").await;
    let a = actor("institution", 1);
    let mut ids = Vec::new();
    for (name, code) in [("高等数学", "M1"), ("大学英语", "E1"), ("离散数学", "M2")] {
        ids.push(
            app::catalog::create(
                &t.app,
                gd,
                course,
                name,
                &vals(&[("course_code", code), ("orig_credits", "3")]),
                &a,
            )
            .await
            .unwrap(),
        );
    }
    app::catalog::create(
        &t.app,
        other,
        course,
        "别家的课程",
        &vals(&[("course_code", "X"), ("orig_credits", "3")]),
        &a,
    )
    .await
    .unwrap();
    let idn = id("44010619900101123");
    let f = app::learners::LearnerAccountForm {
        name: "张晓明".into(),
        id_number: idn.clone(),
    };
    app::learners::institution_add(&t.app, gd, &f, &a).await.unwrap();
    ids
}

async fn catalog_and_learner_accounts_export(t: &TestApp) {
    let ids = world(t).await;
    let idn = id("44010619900101123");
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    c.get("/institution/outcomes").await;
    // No code, or a wrong one: nothing is exported, and the page says why.
    let r = c.post("/institution/outcomes/export", &[("sms_code", "000000")]).await;
    assert!(r.redirects_to("/institution/outcomes"));
    assert!(c.get("/institution/outcomes").await.has("请先获取短信验证码"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'").await,
        0
    );

    // All that match the filter (name contains 数学): two rows, none of another institution.
    c.sms("", "export").await;
    let code = t.sms_code("13900000001").await;
    let r = c
        .post("/institution/outcomes/export", &[("name", "数学"), ("sms_code", &code)])
        .await;
    assert!(r.bytes.starts_with(b"PK"), "{}", r.excerpt(0, 300));
    let rows = app::import::read_rows(&r.bytes).unwrap();
    assert_eq!(rows[0][0], "成果名称");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(
        names.contains(&"高等数学") && names.contains(&"离散数学") && !names.contains(&"大学英语"),
        "{names:?}"
    );
    assert!(!names.contains(&"别家的课程"));

    // 学员账户, ticked: the ID number is masked.
    c.get("/institution/learners").await;
    resend_allowed(t).await;
    c.sms("", "export").await;
    let code = t.sms_code("13900000001").await;
    let learner: LearnerId = t.id("SELECT id FROM learners").await;
    let r = c
        .post(
            "/institution/learners/export",
            &[("id", &learner.to_string()), ("sms_code", &code)],
        )
        .await;
    let rows = app::import::read_rows(&r.bytes).unwrap();
    assert_eq!(rows[1][0], "张晓明");
    assert_eq!(rows[1][1], domain::mask::id_number(&idn));
    assert!(
        !rows.iter().flatten().any(|c| c == &idn),
        "the full ID number is never exported"
    );
    assert_eq!(rows[1][3], "未激活");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'").await,
        2
    );
    // Ticked 机构成果: only those rows.
    c.get("/institution/outcomes").await;
    resend_allowed(t).await;
    c.sms("", "export").await;
    let code = t.sms_code("13900000001").await;
    let r = c
        .post(
            "/institution/outcomes/export",
            &[("id", &ids[1].to_string()), ("sms_code", &code)],
        )
        .await;
    let rows = app::import::read_rows(&r.bytes).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "大学英语");
}

/// A minute passes: the next code may be sent.
async fn resend_allowed(t: &TestApp) {
    sqlx::query("UPDATE sms_codes SET created_at = created_at - 120")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
}

fn names(r: &common::Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.content_type.contains("spreadsheetml"), "{}", r.content_type);
    let rows = app::import::read_rows(&r.bytes).unwrap();
    rows[1..].iter().map(|r| r[0].clone()).collect()
}

async fn exports_through_the_api(t: &TestApp) {
    world(t).await;
    let idn = id("44010619900101123");
    let key = key_from_page(t, "4144051234", &["read"]).await;
    let api = t.api(&key);
    // The list's filters (name contains 数学), and only the caller's own rows.
    let r = api
        .get("/api/v1/institution/outcomes.xlsx?name=%E6%95%B0%E5%AD%A6")
        .await;
    let mut found = names(&r);
    found.sort();
    assert_eq!(found, ["离散数学", "高等数学"]);
    let r = api.get("/api/v1/institution/learners.xlsx").await;
    assert_eq!(names(&r), ["张晓明"]);
    let rows = app::import::read_rows(&r.bytes).unwrap();
    assert_eq!(rows[1][1], domain::mask::id_number(&idn), "masked as on the page");
    assert!(names(&api.get("/api/v1/institution/learner-outcomes.xlsx").await).is_empty());
    let r = api.get("/api/v1/institution/applications.xlsx?tab=sent").await;
    assert!(names(&r).is_empty());
    assert_eq!(app::import::read_rows(&r.bytes).unwrap()[0][8], "审核记录");
    let r = api.get("/api/v1/institution/applications.xlsx?tab=all").await;
    assert_eq!((r.status, r.json()["code"].clone()), (400, "invalid_query".into()));
    let r = api.get("/api/v1/institution/outcomes.xlsx?recognition=maybe").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'").await,
        4,
        "every export is audited"
    );
    // Another institution's key exports that institution's rows only.
    let theirs = key_from_page(t, "4144051235", &["read"]).await;
    let r = t.api(&theirs).get("/api/v1/institution/outcomes.xlsx").await;
    assert_eq!(names(&r), ["别家的课程"]);
    // Without a key, nothing; a signed-in person still needs the SMS code.
    let r = t.api("").get("/api/v1/institution/outcomes.xlsx").await;
    assert_eq!(r.status, 401);
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    let r = c.get("/api/v1/institution/outcomes.xlsx").await;
    assert!(
        r.status >= 400 && r.status < 500 && !r.bytes.starts_with(b"PK"),
        "{r:?}"
    );
    assert!(r.has("短信验证码"), "{}", r.body);
    c.get("/institution/outcomes").await;
    c.sms("", "export").await;
    let code = t.sms_code("13900000001").await;
    let r = c
        .get(&format!("/api/v1/institution/outcomes.xlsx?sms_code={code}"))
        .await;
    assert_eq!(names(&r).len(), 3);
}
