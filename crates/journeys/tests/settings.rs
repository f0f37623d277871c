//! 账户设置 (L-15, I-12, X-02): password and mobile changes by SMS code, avatars checked
//! by content, and the rule that a changed or reset password ends every other session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, id, seed_bank, seed_institution, seed_learner};
use domain::ids::InstitutionUserId;

both!(
    a_learner_changes_mobile_password_and_avatar,
    password_changes_end_other_sessions,
    staff_change_their_own_password
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn a_learner_changes_mobile_password_and_avatar(t: &TestApp) {
    seed_bank(t).await;
    let idn = id("44010619900101123");
    seed_learner(t, "张晓明", &idn, "13800000001", "Pass1234").await;
    seed_learner(t, "李四", &id("44010619900101124"), "13800000009", "Pass1234").await;
    let mut me = t.client();
    me.sign_in("learner", "13800000001", "Pass1234").await;
    let page = me.get("/learner/settings").await;
    assert!(page.has("张晓明") && page.has("138****0001") && page.has("更换手机号"));

    // 更换手机号: a code goes to the new mobile only, never to one another learner holds.
    let r = me.sms("13800000009", "change_mobile").await;
    assert_eq!(r.status, 422);
    assert!(r.has("该手机号已被其他账户使用"));
    assert_eq!(me.sms("13800000002", "change_mobile").await.status, 200);
    let code = t.sms_code("13800000002").await;
    let r = me
        .post(
            "/learner/settings/mobile",
            &[
                ("password", "Wrong1234"),
                ("mobile", "13800000002"),
                ("sms_code", &code),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("登录密码不正确") && r.has("value=\"13800000002\""));
    let r = me
        .post(
            "/learner/settings/mobile",
            &[
                ("password", "Pass1234"),
                ("mobile", "13800000002"),
                ("sms_code", "000000"),
            ],
        )
        .await;
    assert!(r.has("验证码"), "a wrong code changes nothing");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE mobile = '13800000001'")
            .await,
        1
    );
    let r = me
        .post(
            "/learner/settings/mobile",
            &[("password", "Pass1234"), ("mobile", "13800000002"), ("sms_code", &code)],
        )
        .await;
    assert!(r.redirects_to("/learner/settings"));
    assert!(me.get("/learner/settings").await.has("138****0002"));

    // 修改密码: old password, new one twice, code to the bound (new) mobile.
    me.get("/learner/settings?tab=password").await;
    assert_eq!(me.sms("", "change_password").await.status, 200);
    let code = t.sms_code("13800000002").await;
    let r = me
        .post(
            "/learner/settings/password",
            &[
                ("old_password", "Nope12345"),
                ("password", "Next1234"),
                ("confirm", "Next1235"),
                ("sms_code", &code),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("原始密码不正确") && r.has("两次输入的密码不一致"));
    let r = me
        .post(
            "/learner/settings/password",
            &[
                ("old_password", "Pass1234"),
                ("password", "Next1234"),
                ("confirm", "Next1234"),
                ("sms_code", &code),
            ],
        )
        .await;
    assert!(r.redirects_to("/learner/settings?tab=password"));
    // This session carries on; the old password no longer signs in.
    assert_eq!(me.get("/learner").await.status, 200);
    let mut again = t.client();
    assert!(
        again
            .sign_in("learner", "13800000002", "Pass1234")
            .await
            .has("账号或密码错误")
    );
    assert!(
        again
            .sign_in("learner", "13800000002", "Next1234")
            .await
            .redirects_to("/learner")
    );

    // 修改头像: an image by content; a script named .png is refused.
    me.get("/learner/settings").await;
    let r = me
        .post_multipart(
            "/learner/settings/avatar",
            &[],
            &[("avatar", "me.png", b"<script>alert(1)</script>")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("不是jpg、png、gif图片格式"));
    let r = me
        .post_multipart("/learner/settings/avatar", &[], &[("avatar", "me.png", PNG)])
        .await;
    assert!(r.redirects_to("/learner/settings"));
    let avatar: i64 = t
        .scalar("SELECT avatar_file_id FROM learners WHERE mobile = '13800000002'")
        .await;
    assert!(
        me.get("/learner/settings")
            .await
            .has(&format!("src=\"/files/{avatar}\""))
    );
    assert_eq!(me.get(&format!("/files/{avatar}")).await.status, 200);
    assert_eq!(
        again.get(&format!("/files/{avatar}")).await.status,
        200,
        "the same learner"
    );
    let mut other = t.client();
    other.sign_in("learner", "13800000009", "Pass1234").await;
    assert_eq!(other.get(&format!("/files/{avatar}")).await.status, 404);
    assert_eq!(
        t.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('mobile_changed', 'password_changed', 'avatar_changed')"
        )
        .await,
        3
    );
}

async fn password_changes_end_other_sessions(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    // Two sessions of one learner; a reset by SMS ends both.
    let mut phone = t.client();
    phone.sign_in("learner", "13800000001", "Pass1234").await;
    let mut laptop = t.client();
    laptop.sign_in("learner", "13800000001", "Pass1234").await;
    let mut forgot = t.client();
    forgot.get("/password/forgot").await;
    forgot.sms("13800000001", "reset_password").await;
    let code = t.sms_code("13800000001").await;
    let r = forgot
        .post(
            "/password/forgot",
            &[
                ("mobile", "13800000001"),
                ("sms_code", &code),
                ("password", "Next1234"),
                ("confirm", "Next1234"),
            ],
        )
        .await;
    assert!((300..400).contains(&r.status), "{}", r.excerpt(0, 400));
    assert!(phone.get("/learner").await.redirects_to("/login/learner"));
    assert!(laptop.get("/learner").await.redirects_to("/login/learner"));

    // The primary account resets a sub-user's password: the sub-user's session ends and
    // cannot set a new password without the reset one.
    let pu = store::institutions::user_by_account(&t.app.db.pool, "4144051235")
        .await
        .unwrap()
        .unwrap();
    let a = actor("institution", pu.id);
    let form = app::institutions::SubUserForm {
        account: "x_staff".into(),
        name: "王芳".into(),
        mobile: String::new(),
        areas: "outcomes".into(),
    };
    let initial = app::institutions::add_sub_user(&t.app, &pu, &form, &a).await.unwrap();
    let mut sub = t.client();
    sub.sign_in("institution", "x_staff", &initial).await;
    assert!(sub.get("/institution").await.redirects_to("/institution/password"));
    let sid: InstitutionUserId = t.id("SELECT id FROM institution_users WHERE account = 'x_staff'").await;
    app::institutions::reset_sub_user(&t.app, &pu, sid, &a).await.unwrap();
    sub.get("/login/institution").await;
    let r = sub
        .post(
            "/institution/password",
            &[("password", "Mine1234"), ("confirm", "Mine1234")],
        )
        .await;
    assert!(r.redirects_to("/login/institution"), "{:?} {}", r.location, r.status);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institution_users WHERE account = 'x_staff' AND must_change_password = 1")
            .await,
        1
    );

    // The institution's own change through its settings ends its other session.
    let mut desk = t.client();
    desk.sign_in("institution", "4144051235", "Pass1234").await;
    let mut home = t.client();
    home.sign_in("institution", "4144051235", "Pass1234").await;
    desk.get("/institution/settings?tab=password").await;
    assert!(desk.get("/institution/settings?tab=password").await.has("139****0002"));
    desk.sms("", "change_password").await;
    let code = t.sms_code("13900000002").await;
    let r = desk
        .post(
            "/institution/settings/password",
            &[
                ("old_password", "Pass1234"),
                ("password", "Next1234"),
                ("confirm", "Next1234"),
                ("sms_code", &code),
            ],
        )
        .await;
    assert!(r.redirects_to("/institution/settings?tab=password"));
    assert_eq!(desk.get("/institution").await.status, 200);
    assert!(home.get("/institution").await.redirects_to("/login/institution"));
}

async fn staff_change_their_own_password(t: &TestApp) {
    seed_bank(t).await;
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    let page = gd.get("/department/settings?tab=password").await;
    assert!(
        page.has("原始密码") && !page.has("手机验证码"),
        "no mobile bound: no code"
    );
    let r = gd
        .post(
            "/department/settings/password",
            &[
                ("old_password", "Pass1234"),
                ("password", "Pass1234"),
                ("confirm", "Pass1234"),
            ],
        )
        .await;
    assert!(r.has("新密码不能与原始密码相同"));
    let r = gd
        .post(
            "/department/settings/password",
            &[
                ("old_password", "Pass1234"),
                ("password", "Next1234"),
                ("confirm", "Next1234"),
            ],
        )
        .await;
    assert!(r.redirects_to("/department/settings?tab=password"));
    let mut expert = t.client();
    expert.sign_in("expert", "expert01", "Pass1234").await;
    assert_eq!(expert.get("/department/settings").await.status, 403);
    assert!(expert.get("/expert/settings").await.has("expert01"));
}
