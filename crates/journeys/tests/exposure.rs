//! What one tenant could see of another's, found by probing as several signed-in
//! tenants at once; each test failed before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, seed_bank, seed_institution, subtype, vals};
use domain::ids::FileId;

both!(
    draft_rules_are_their_institutions_own,
    signed_in_pages_are_not_cached,
    verification_is_throttled
);

/// Institution Y's outcome is a source of X's rule: Y sees the rule once it is
/// published, never the draft (name, explanation, ratio, targets), and a sub-user of X
/// without the rules area cannot download the draft's PDF either.
async fn draft_rules_are_their_institutions_own(t: &TestApp) {
    let bank = seed_bank(t).await;
    let x = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let y = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let a = app::queries::Actor::default();
    let fields = |code: &str| vals(&[("course_code", code), ("orig_credits", "3")]);
    let source = app::catalog::create(&t.app, y, course, "高等数学", &fields("MATH101"), &a)
        .await
        .unwrap();
    let target = app::catalog::create(&t.app, x, course, "工程数学", &fields("ENG-M1"), &a)
        .await
        .unwrap();
    let doc = |name: &str| {
        let name = name.to_string();
        async move {
            app::files::check_and_put(&t.app, "file", &name, b"%PDF-1.4 doc", app::files::Accept::Pdf)
                .await
                .unwrap()
        }
    };
    let method = app::conversion::create_method(&t.app, x, "转换办法", Some(&doc("办法.pdf").await), &a)
        .await
        .unwrap();
    app::conversion::accept_pledge(&t.app, x, &a).await.unwrap();
    app::conversion::act_on_method(&t.app, x, method, app::conversion::MethodAction::Publish, &a)
        .await
        .unwrap();
    let form = app::conversion::RuleForm {
        name: "内部草稿规则".into(),
        kind: "学历→学历".into(),
        sources: vec![source],
        targets: vec![target],
        ratio: "1:1".into(),
        explanation: "尚未公开的说明".into(),
        document: Some(doc("草稿.pdf").await),
        ..Default::default()
    };
    let rule = app::conversion::create_rule(&t.app, x, &form, &a).await.unwrap();
    let file: FileId = t
        .id(&format!("SELECT file_id FROM conversion_rules WHERE id = {rule}"))
        .await;

    let mut other = t.client();
    other.sign_in("institution", "4144051234", "Pass1234").await;
    let r = other.get(&format!("/institution/rules/{rule}")).await;
    assert_eq!(r.status, 404, "another institution's draft");
    assert!(!r.has("尚未公开的说明"));
    assert_eq!(other.get(&format!("/files/{file}")).await.status, 404);

    // A sub-user of X that manages outcomes only.
    let primary = store::institutions::user_by_account(&t.app.db.pool, "4144051235")
        .await
        .unwrap()
        .unwrap();
    let sub = app::institutions::SubUserForm {
        account: "x_outcomes".into(),
        name: "王芳".into(),
        mobile: String::new(),
        areas: "outcomes".into(),
    };
    let initial = app::institutions::add_sub_user(&t.app, &primary, &sub, &a)
        .await
        .unwrap();
    let mut clerk = t.client();
    clerk.sign_in("institution", "x_outcomes", &initial).await;
    assert_eq!(
        clerk.get(&format!("/files/{file}")).await.status,
        404,
        "the rules area is not the clerk's"
    );
    let mut owner = t.client();
    owner.sign_in("institution", "4144051235", "Pass1234").await;
    assert_eq!(
        owner.get(&format!("/files/{file}")).await.status,
        200,
        "its own rules manager may"
    );

    // Published, the source institution may read it.
    app::conversion::act_on_rule(&t.app, x, rule, app::conversion::RuleAction::Publish, &a)
        .await
        .unwrap();
    assert!(
        other
            .get(&format!("/institution/rules/{rule}"))
            .await
            .has("内部草稿规则")
    );
}

async fn signed_in_pages_are_not_cached(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    for path in ["/institution", "/institution/outcomes", "/institution/api-keys"] {
        let r = c.get(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.cache_control.as_deref(), Some("no-store"), "{path}");
    }
    let css = c.get("/static/app.css").await;
    assert_eq!(
        css.cache_control.as_deref(),
        Some("public, max-age=3600"),
        "static files keep theirs"
    );
}

/// `/verify` answered 540 lookups a second from one client: enough to walk the number
/// space. Now a client gets a limited number a minute, on the page and the API alike.
async fn verification_is_throttled(t: &TestApp) {
    let mut c = t.client();
    let limit = app::certificates::VERIFY_PER_MINUTE;
    for i in 0..limit {
        let r = c.get(&format!("/verify?number=ZM2026120100000{i:03}")).await;
        assert!(r.has("证书编号不存在"), "{i}: {}", r.excerpt(0, 200));
    }
    assert!(c.get("/verify?number=ZM202612010000999").await.has("核验过于频繁"));
    let api = c.get("/api/v1/certificates/verify?number=ZM202612010000998").await;
    assert_eq!(api.status, 429);
}
