//! 业绩类成果转换申请 (Guangdong): a learner converts a 业绩类 outcome it entered into a
//! catalog outcome it picks, without a rule; the target institution's 初审 and an
//! expert's 终审 grant the target with its credits. Other tenants see nothing of it, and
//! banks without the feature do not offer it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, balance, id, seed_bank, seed_institution, seed_learner, subtype, vals};
use domain::ids::{CatalogOutcomeId, HoldingId, InstitutionId, LearnerId};

both_as!(Guangdong; a_work_record_becomes_a_course_through_two_reviews);
both!(only_banks_with_the_feature_offer_it);

const SCHOOL: &str = "4144051234";
const OTHER: &str = "4144051299";

/// A recognised course of the school worth 4 credits, and a learner with a work record.
async fn setup(t: &TestApp) -> (InstitutionId, CatalogOutcomeId, LearnerId, HoldingId) {
    let bank = seed_bank(t).await;
    let school = seed_institution(t, SCHOOL, "广东开放大学", bank.guangdong, "13900000001").await;
    seed_institution(t, OTHER, "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = app::catalog::create(
        &t.app,
        school,
        subtype(t, "course").await,
        "客户关系管理",
        &vals(&[
            ("course_name", "课程"),
            ("course_code", "CRM301"),
            ("major", "电子商务"),
            ("level", "本科"),
            ("course_credits", "4"),
        ]),
        &actor("institution", 1),
    )
    .await
    .unwrap();
    app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 2), course, true, "4")
        .await
        .unwrap();
    let learner = seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let l = store::learners::by_id(&t.app.db.pool, learner).await.unwrap().unwrap();
    let work = app::holdings::HoldingForm {
        subtype_id: subtype(t, "perf_work").await,
        name: "广东开放大学工作9年".into(),
        issuer: "广东开放大学".into(),
        issued_on: "2020-07-07".into(),
        fields: vals(&[("employer", "广东开放大学"), ("done_on", "2020-07-07")]),
        ..Default::default()
    };
    let h = app::holdings::learner_create(&t.app, &l, &work, &actor("learner", learner))
        .await
        .unwrap();
    (school, course, learner, h)
}

async fn a_work_record_becomes_a_course_through_two_reviews(t: &TestApp) {
    let (_, course, learner, h) = setup(t).await;
    let mut me = t.client();
    me.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    let home = me.get("/learner").await;
    assert!(home.has(">业绩类成果转换申请</a>"), "the Guangdong menu offers it");
    let list = me.get("/learner/performance").await;
    assert!(
        list.has("广东开放大学工作9年") && list.has("未申请"),
        "{}",
        list.excerpt(0, 3000)
    );
    assert!(list.has(&format!("/learner/performance/apply?outcome={h}")));

    // 成果选择: search by 资历机构名称 and 项目名称.
    let pick = me
        .get(&format!(
            "/learner/performance/apply?outcome={h}&institution=开放大学&major=电子"
        ))
        .await;
    assert_eq!(pick.status, 200);
    assert!(
        pick.has("客户关系管理") && pick.has(&format!("value=\"{course}\"")),
        "{}",
        pick.excerpt(1500, 3000)
    );
    let none = me
        .get(&format!("/learner/performance/apply?outcome={h}&institution=番禺"))
        .await;
    assert!(!none.has("客户关系管理"), "another school has no such course");

    // No target picked: the page says so and keeps the search.
    let h_s = h.to_string();
    let bad = me
        .post(
            "/learner/performance",
            &[("outcome", &h_s), ("target", ""), ("institution", "开放大学")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("请选择拟转换的目标成果") && bad.has("value=\"开放大学\""));

    let c_s = course.to_string();
    let ok = me
        .post("/learner/performance", &[("outcome", &h_s), ("target", &c_s)])
        .await;
    assert!(ok.redirects_to("/learner/performance"), "{ok:?}");
    assert!(me.get("/learner/performance").await.has("已申请"));
    let again = me
        .post("/learner/performance", &[("outcome", &h_s), ("target", &c_s)])
        .await;
    assert_eq!(again.status, 409);
    assert!(again.has("请勿重复提交"));
    let req = t.scalar("SELECT MAX(id) FROM performance_conversions").await;
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'performance_applied'")
            .await,
        1
    );

    // Another learner, another school and an expert (before the 初审) see nothing.
    seed_learner(t, "李四", &id("44010619900101456"), "13800000002", "Pass1234").await;
    let mut other = t.client();
    other.sign_in("learner", &id("44010619900101456"), "Pass1234").await;
    assert_eq!(other.get(&format!("/learner/performance/{req}")).await.status, 404);
    assert_eq!(
        other
            .post("/learner/performance", &[("outcome", &h_s), ("target", &c_s)])
            .await
            .status,
        404
    );
    let mut y = t.client();
    y.sign_in("institution", OTHER, "Pass1234").await;
    assert_eq!(y.get(&format!("/institution/performance/{req}")).await.status, 404);
    assert!(!y.get("/institution/performance").await.has("广东开放大学工作9年"));
    assert_eq!(y.get(&format!("/institution/learner-outcomes/{h}")).await.status, 404);
    let mut expert = t.client();
    expert.sign_in("expert", "expert01", "Pass1234").await;
    assert_eq!(expert.get(&format!("/expert/performance/{req}")).await.status, 404);

    // The target school's 初审: a refusal needs a reason; a pass goes to the experts.
    let mut x = t.client();
    x.sign_in("institution", SCHOOL, "Pass1234").await;
    let queue = x.get("/institution/performance").await;
    assert!(queue.has("广东开放大学工作9年") && queue.has("客户关系管理"));
    let detail = x.get(&format!("/institution/performance/{req}")).await;
    assert!(
        detail.has("业绩完成单位") && detail.has("name=\"decision\" value=\"pass\""),
        "{}",
        detail.excerpt(0, 2000)
    );
    let req_s = req.to_string();
    let refused = x
        .post(
            "/institution/performance",
            &[
                ("id", &req_s),
                ("decision", "fail"),
                ("opinion", ""),
                ("back", "detail"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.has("审核意见"));
    let passed = x
        .post(
            "/institution/performance",
            &[("id", &req_s), ("decision", "pass"), ("opinion", "原件核验无误")],
        )
        .await;
    assert!(passed.redirects_to("/institution/performance"), "{passed:?}");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM messages WHERE recipient_role = 'expert' AND title = '业绩类成果转换待终审'")
            .await,
        1
    );

    // The expert's 终审 grants the course and its 4 credits.
    assert!(expert.get("/expert/performance").await.has("广东开放大学工作9年"));
    assert_eq!(balance(t, learner).await, 0);
    let done = expert
        .post("/expert/performance", &[("decision", "pass"), ("opinion", "")])
        .await;
    assert!(done.redirects_to("/expert/performance"), "{done:?}");
    assert_eq!(balance(t, learner).await, 400);
    let granted = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM learner_outcomes WHERE learner_id = {learner} AND institution_outcome_id = {course} \
             AND source = 'conversion' AND status = 'stored'"
        ))
        .await;
    assert_eq!(granted, 1);
    let list = me.get("/learner/performance").await;
    assert!(list.has("转换成功") && !list.has(&format!("apply?outcome={h}")));
    let record = me.get(&format!("/learner/performance/{req}")).await;
    assert!(record.has("原件核验无误") && record.has("终审"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'performance_review_%'")
            .await,
        2
    );
    // Decided once: a second 终审 finds nothing to decide.
    let twice = expert
        .post("/expert/performance", &[("id", &req_s), ("decision", "pass")])
        .await;
    assert_eq!(twice.status, 422, "{}", twice.excerpt(0, 1500));
}

async fn only_banks_with_the_feature_offer_it(t: &TestApp) {
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let mut me = t.client();
    me.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    assert!(!me.get("/learner").await.has("业绩类成果转换申请"));
    assert_eq!(me.get("/learner/performance").await.status, 404);
}
