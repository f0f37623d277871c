//! Issue 13, item 2: a department acts only on its own province's learners, the
//! taxonomy is the centre's, and an expert sees only the cases that reached it. Each
//! test failed before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, id, seed_bank, seed_institution, seed_learner, subtype, vals};
use domain::ids::{FileId, HoldingId};

both!(
    learner_entered_outcomes_are_their_provinces_own,
    only_the_centre_changes_the_taxonomy,
    experts_see_only_cases_that_reached_them
);

/// A Guangdong learner (its account opened by a Guangdong school) with a 竞赛奖励 it
/// entered itself and applied to have recognised.
async fn guangdong_award(t: &TestApp) -> (HoldingId, FileId) {
    let bank = seed_bank(t).await;
    let school = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let learner = seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    sqlx::query("UPDATE learners SET created_by_institution = $1 WHERE id = $2")
        .bind(school)
        .bind(learner)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let l = store::learners::by_id(&t.app.db.pool, learner).await.unwrap().unwrap();
    let award = app::holdings::HoldingForm {
        subtype_id: subtype(t, "competition").await,
        name: "全国职业院校技能大赛一等奖".into(),
        issuer: "教育部".into(),
        issued_on: "2024-06-01".into(),
        fields: vals(&[
            ("organiser", "教育部"),
            ("award_level", "国家级"),
            ("contest", "全国职业院校技能大赛"),
            ("held_on", "2024-05-20"),
        ]),
        ..Default::default()
    };
    let me = actor("learner", learner);
    let h = app::holdings::learner_create(&t.app, &l, &award, &me).await.unwrap();
    let file = app::files::save(
        &t.app,
        "file",
        "获奖证书.png",
        &app::captcha::render("1+1=?", &mut rand::thread_rng()).unwrap(),
        app::files::Accept::Evidence,
        "learner",
        learner,
    )
    .await
    .unwrap();
    store::files::attach(&t.app.db.pool, h, file).await.unwrap();
    app::recognition::apply(&t.app, &l, &[h], &me).await.unwrap();
    (h, file)
}

async fn learner_entered_outcomes_are_their_provinces_own(t: &TestApp) {
    let (h, file) = guangdong_award(t).await;
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    assert_eq!(sd.get(&format!("/department/outcomes/{h}")).await.status, 404);
    assert_eq!(sd.get(&format!("/files/{file}")).await.status, 404, "nor its evidence");
    assert!(
        !sd.get("/department/recognition")
            .await
            .has("全国职业院校技能大赛一等奖")
    );
    let h_s = h.to_string();
    let passed = sd
        .post(
            "/department/recognition",
            &[("id", &h_s), ("decision", "pass"), ("opinion", "同意")],
        )
        .await;
    assert!(passed.status >= 400 || passed.status == 303, "{passed:?}");
    let state: String = sqlx::query_scalar("SELECT recognition FROM learner_outcomes WHERE id = $1")
        .bind(h)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "applied", "another province cannot pass its 初审");

    // Its own province and the centre see and review it.
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    assert_eq!(gd.get(&format!("/department/outcomes/{h}")).await.status, 200);
    assert!(
        gd.get("/department/recognition")
            .await
            .has("全国职业院校技能大赛一等奖")
    );
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    assert_eq!(centre.get(&format!("/department/outcomes/{h}")).await.status, 200);
    let ok = gd
        .post(
            "/department/recognition",
            &[("id", &h_s), ("decision", "pass"), ("opinion", "同意")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.excerpt(0, 800));
    let state: String = sqlx::query_scalar("SELECT recognition FROM learner_outcomes WHERE id = $1")
        .bind(h)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "initial_passed");
}

async fn only_the_centre_changes_the_taxonomy(t: &TestApp) {
    seed_bank(t).await;
    let x_cert = subtype(t, "x_cert").await;
    let restricted = || async {
        sqlx::query_scalar::<_, i64>("SELECT restricted FROM outcome_subtypes WHERE id = $1")
            .bind(x_cert)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap()
    };
    let before = restricted().await;
    let fields = t.scalar("SELECT COUNT(*) FROM subtype_fields").await;
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    let page = sd.get(&format!("/department/taxonomy/{x_cert}")).await;
    assert_eq!(page.status, 200, "a province reads the taxonomy");
    assert!(page.has("由学分银行管理中心维护") && !page.has("新增字段"));
    let flip = if before == 1 { "0" } else { "1" };
    let r = sd
        .post(
            &format!("/department/taxonomy/{x_cert}/restricted"),
            &[("restricted", flip)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        r.has("成果分类由学分银行管理中心维护"),
        "refused for its role, not its token"
    );
    let add = sd
        .post(
            &format!("/department/taxonomy/{x_cert}/fields"),
            &[("key", "extra"), ("label", "附加"), ("kind", "text")],
        )
        .await;
    assert_eq!(add.status, 403);
    let sub = sd
        .post(
            "/department/taxonomy",
            &[("type_id", "1"), ("code", "sd_only"), ("name", "山东专项")],
        )
        .await;
    assert_eq!(sub.status, 403);
    assert_eq!(restricted().await, before);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM subtype_fields").await, fields);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM outcome_subtypes WHERE code = 'sd_only'")
            .await,
        0
    );

    // The centre does.
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    assert!(
        centre
            .get(&format!("/department/taxonomy/{x_cert}"))
            .await
            .has("新增字段")
    );
    let r = centre
        .post(
            &format!("/department/taxonomy/{x_cert}/restricted"),
            &[("restricted", flip)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.excerpt(0, 3000));
    assert_ne!(restricted().await, before);
}

async fn experts_see_only_cases_that_reached_them(t: &TestApp) {
    let (h, _) = guangdong_award(t).await;
    let mut expert = t.client();
    expert.sign_in("expert", "expert01", "Pass1234").await;
    assert_eq!(
        expert.get(&format!("/expert/outcomes/{h}")).await.status,
        404,
        "an application before its 初审 is not the expert's yet"
    );
    let gd = store::directory::department_by_name(&t.app.db.pool, "广东省教育厅")
        .await
        .unwrap()
        .unwrap()
        .id;
    app::recognition::initial_review(&t.app, &[gd], &actor("department", 2), &[h], true, "同意")
        .await
        .unwrap();
    assert_eq!(expert.get(&format!("/expert/outcomes/{h}")).await.status, 200);
    // Decided by another expert: this one no longer sees it.
    app::recognition::final_review(&t.app, &actor("expert", 999), &[h], true, "2", "同意认定")
        .await
        .unwrap();
    assert_eq!(expert.get(&format!("/expert/outcomes/{h}")).await.status, 404);
}
