//! Learner accounts through the real router, on SQLite and PostgreSQL: registration,
//! sign-in, lockout, sessions and CSRF, pre-imported accounts, password recovery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_learner};

both!(
    registration_validates_and_keeps_input,
    registration_with_sms_code,
    sign_in_security,
    sessions_and_csrf,
    preimported_learner_must_complete,
    forgot_password
);

async fn registration_validates_and_keeps_input(t: &TestApp) {
    let mut c = t.client();
    assert_eq!(c.get("/register/learner").await.status, 200);
    let bad_id = format!("{}0", &id("44010619900101123")[..17]);
    let bad_id = if bad_id == id("44010619900101123") {
        format!("{}1", &bad_id[..17])
    } else {
        bad_id
    };
    let r = c
        .post(
            "/register/learner",
            &[
                ("name", "<b>张三</b>"),
                ("id_type", "resident"),
                ("id_number", &bad_id),
                ("mobile", "1381234"),
                ("sms_code", "123456"),
                ("password", "abc12345"),
                ("confirm", "abc12346"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("姓名只能包含汉字"), "{}", r.body);
    assert!(r.has("身份证号码校验位不正确"));
    assert!(r.has("请输入正确的11位手机号码"));
    assert!(r.has("两次输入的密码不一致"));
    assert!(r.has("请阅读并同意"));
    // What was typed is kept (escaped), the password never is.
    assert!(r.has(&format!("value=\"{bad_id}\"")));
    assert!(r.has("&#60;b&#62;张三&#60;/b&#62;"));
    assert!(!r.has("<b>张三"));
    assert!(!r.has("abc12345"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 0);

    // An impossible birth date and a future one.
    let r = c
        .post(
            "/register/learner",
            &[
                ("name", "张三"),
                ("id_number", &id("44010619900231123")),
                ("mobile", "13812345678"),
            ],
        )
        .await;
    assert!(r.has("出生日期不正确"));
    // Weak password and oversized name.
    let long = "张".repeat(31);
    let r = c
        .post(
            "/register/learner",
            &[
                ("name", &long),
                ("id_number", &id("44010619900101123")),
                ("password", "abcdefgh"),
                ("confirm", "abcdefgh"),
            ],
        )
        .await;
    assert!(r.has("姓名不能超过30个字"));
    assert!(r.has("密码必须同时包含字母和数字"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 0);
}

async fn registration_with_sms_code(t: &TestApp) {
    let mut c = t.client();
    c.get("/register/learner").await;
    let idn = id("44010619900101123");
    let r = c.sms("13812345678", "register").await;
    assert_eq!(r.status, 200, "{}", r.body);
    // 60 s between sends.
    let again = c.sms("13812345678", "register").await;
    assert_eq!(again.status, 429);
    assert!(again.body.contains("秒后再试"));
    assert_eq!(again.content_type, "application/problem+json");
    let code = t.sms_code("13812345678").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let form = |code: &'static str| {
        vec![
            ("name", "张晓明"),
            ("id_type", "resident"),
            ("mobile", "13812345678"),
            ("password", "abc12345"),
            ("confirm", "abc12345"),
            ("agree", "1"),
            ("sms_code", code),
        ]
    };
    let mut f = form(wrong);
    f.push(("id_number", &idn));
    let r = c.post("/register/learner", &f).await;
    assert_eq!(r.status, 422);
    assert!(r.has("短信验证码不正确"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 0);
    let code: &'static str = Box::leak(code.into_boxed_str());
    let mut f = form(code);
    f.push(("id_number", &idn));
    let r = c.post("/register/learner", &f).await;
    assert!(r.redirects_to("/login/learner"), "{r:?}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 1);
    // The code is used up, and the ID cannot register twice.
    let r = c.post("/register/learner", &f).await;
    assert!(r.has("该证件号码已注册"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 1);

    // Sign in with the ID number, then with the mobile.
    let r = c.sign_in("learner", &idn, "abc12345").await;
    assert!(r.redirects_to("/learner"), "{r:?}");
    let home = c.get("/learner").await;
    assert_eq!(home.status, 200);
    assert!(home.has("张晓明"));
    assert!(home.has(&domain::mask::id_number(&idn)));
    assert!(!home.has(&idn), "full ID number must not be shown");
    assert!(home.has("138****5678"));
    let mut other = t.client();
    let r = other.sign_in("learner", "13812345678", "abc12345").await;
    assert!(r.redirects_to("/learner"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in'")
            .await,
        2
    );
}

async fn sign_in_security(t: &TestApp) {
    let idn = id("44010619900101123");
    seed_learner(t, "张晓明", &idn, "13812345678", "abc12345").await;
    let mut c = t.client();
    // Wrong captcha; and a captcha works only once.
    let page = c.get("/login/learner").await;
    let (cid, answer) = c.captcha_for(&page).await;
    let wrong = (answer.parse::<i64>().unwrap() + 1).to_string();
    let r = c
        .post(
            "/login/learner",
            &[
                ("login", &idn),
                ("password", "abc12345"),
                ("captcha_id", &cid),
                ("captcha", &wrong),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("验证码错误"));
    assert!(r.has(&format!("value=\"{idn}\"")), "typed account is kept");
    let r = c
        .post(
            "/login/learner",
            &[
                ("login", &idn),
                ("password", "abc12345"),
                ("captcha_id", &cid),
                ("captcha", &answer),
            ],
        )
        .await;
    assert!(r.has("验证码已过期"), "a captcha is single use");
    // Unknown account: same message as a wrong password.
    let r = c.sign_in("learner", &id("44010619900101124"), "abc12345").await;
    assert!(r.has("账号或密码错误"));
    // Five wrong passwords lock the account, even against the right one.
    for i in 1..=4 {
        let r = c.sign_in("learner", &idn, "wrong1234").await;
        assert!(r.has(&format!("还可尝试{}次", 5 - i)), "{}", r.body);
    }
    let r = c.sign_in("learner", &idn, "wrong1234").await;
    assert!(r.has("账号已锁定"));
    let r = c.sign_in("learner", &idn, "abc12345").await;
    assert!(r.has("账号已锁定"));
    assert!(c.get("/learner").await.redirects_to("/login/learner"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'account_locked'")
            .await,
        1
    );
    // The operator's reset unlocks it.
    let pw = app::admin::reset_password(&t.app, domain::role::Role::Learner, &idn)
        .await
        .unwrap();
    assert!(c.sign_in("learner", &idn, &pw).await.redirects_to("/learner"));
}

async fn sessions_and_csrf(t: &TestApp) {
    let idn = id("44010619900101123");
    seed_learner(t, "张晓明", &idn, "13812345678", "abc12345").await;
    let mut c = t.client();
    c.get("/login/learner").await;
    let before = c.cookie.clone().expect("anonymous session for the CSRF token");
    let csrf_before = c.csrf.clone();
    assert!(c.sign_in("learner", &idn, "abc12345").await.redirects_to("/learner"));
    let after = c.cookie.clone().unwrap();
    assert_ne!(before, after, "session id rotates on sign-in");
    // The old cookie is not signed in.
    let mut planted = t.client();
    planted.cookie = Some(before);
    assert!(planted.get("/learner").await.redirects_to("/login/learner"));
    // A forged cookie is nobody.
    let mut forged = t.client();
    forged.cookie = Some("cb_session=AAAAAAAAAAAAAAAAAAAAAA".into());
    assert!(forged.get("/learner").await.redirects_to("/login/learner"));
    // Forms without a valid CSRF token are refused; the pre-sign-in token is dead.
    assert_eq!(c.get("/learner").await.status, 200);
    let r = c.post_raw("/logout", "").await;
    assert_eq!(r.status, 403);
    assert!(r.has("页面已过期"));
    let r = c.post_raw("/logout", &format!("_csrf={csrf_before}")).await;
    assert_eq!(r.status, 403);
    // Sign out, then the cookie we held is useless.
    let held = c.cookie.clone();
    assert!(c.post("/logout", &[]).await.redirects_to("/"));
    let mut replay = t.client();
    replay.cookie = held;
    assert!(replay.get("/learner").await.redirects_to("/login/learner"));
    // Session rows keep only a hash of the cookie.
    let raw = after.trim_start_matches("cb_session=").to_string();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = $1")
        .bind(&raw)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

async fn preimported_learner_must_complete(t: &TestApp) {
    let idn = id("44010219950505005");
    app::learners::pre_import(&t.app, "李嘉民", &idn, None).await.unwrap();
    let initial = &idn[12..];
    let mut c = t.client();
    // Anonymous visitors cannot ask for completion codes.
    c.get("/login/learner").await;
    assert_eq!(c.sms("13900001111", "complete_account").await.status, 403);
    assert!(c.sign_in("learner", &idn, initial).await.redirects_to("/learner"));
    // Nothing else is reachable before completing the account.
    assert!(c.get("/learner").await.redirects_to("/learner/complete"));
    let page = c.get("/learner/complete").await;
    assert_eq!(page.status, 200);
    assert!(page.has("为了确保账户安全，使用系统前请先完善账户信息"));
    assert_eq!(c.sms("13900001111", "complete_account").await.status, 200);
    let code = t.sms_code("13900001111").await;
    let r = c
        .post(
            "/learner/complete",
            &[
                ("name", "李嘉民"),
                ("valid_from", "2020-05-01"),
                ("valid_to", "2019-01-01"),
                ("mobile", "13900001111"),
                ("sms_code", &code),
                ("password", "new12345"),
                ("confirm", "new12345"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("证件有效期结束时间须晚于开始时间"));
    assert!(r.has("value=\"13900001111\""));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'active'").await,
        0
    );
    let r = c
        .post(
            "/learner/complete",
            &[
                ("name", "李嘉民"),
                ("valid_from", "2020-05-01"),
                ("valid_to", "20"),
                ("mobile", "13900001111"),
                ("sms_code", &code),
                ("password", "new12345"),
                ("confirm", "new12345"),
            ],
        )
        .await;
    assert!(r.redirects_to("/learner"), "{r:?}");
    let home = c.get("/learner").await;
    assert!(home.has("2020-05-01 至 2040-05-01"), "{}", home.body);
    // The initial password is gone.
    let mut again = t.client();
    assert!(again.sign_in("learner", &idn, initial).await.has("账号或密码错误"));
    assert!(
        again
            .sign_in("learner", "13900001111", "new12345")
            .await
            .redirects_to("/learner")
    );
    // Self-registration of a pre-imported ID activates it instead of duplicating.
    let other = id("44010219960606006");
    app::learners::pre_import(&t.app, "王芳", &other, None).await.unwrap();
    let mut r = t.client();
    r.get("/register/learner").await;
    r.sms("13900002222", "register").await;
    let code = t.sms_code("13900002222").await;
    let form = [
        ("name", "王芳"),
        ("id_number", other.as_str()),
        ("mobile", "13900002222"),
        ("sms_code", &code),
        ("password", "abc12345"),
        ("confirm", "abc12345"),
        ("agree", "1"),
    ];
    assert!(r.post("/register/learner", &form).await.redirects_to("/login/learner"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 2);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'active'").await,
        2
    );
    complete_as_a_browser_does(t).await;
}

async fn forgot_password(t: &TestApp) {
    let idn = id("44010619900101123");
    seed_learner(t, "张晓明", &idn, "13812345678", "abc12345").await;
    let mut c = t.client();
    c.get("/password/forgot").await;
    // An unbound number is answered like a bound one, and nothing is delivered to it
    // (the answer used to say 未绑定: see tests/enumeration.rs).
    let r = c.sms("13899999999", "reset_password").await;
    assert_eq!(r.status, 200);
    assert!(
        store::outbox::latest_to(&t.app.db.pool, "13899999999")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(c.sms("13812345678", "reset_password").await.status, 200);
    let code = t.sms_code("13812345678").await;
    // Five wrong codes exhaust it.
    let bad = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let r = c
            .post(
                "/password/forgot",
                &[
                    ("mobile", "13812345678"),
                    ("sms_code", bad),
                    ("password", "new12345"),
                    ("confirm", "new12345"),
                ],
            )
            .await;
        assert!(r.has("短信验证码不正确"));
    }
    let r = c
        .post(
            "/password/forgot",
            &[
                ("mobile", "13812345678"),
                ("sms_code", &code),
                ("password", "new12345"),
                ("confirm", "new12345"),
            ],
        )
        .await;
    assert!(r.has("错误次数过多"), "{}", r.body);
    sqlx::query("UPDATE sms_codes SET created_at = created_at - 120")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(c.sms("13812345678", "reset_password").await.status, 200);
    let code = t.sms_code("13812345678").await;
    let r = c
        .post(
            "/password/forgot",
            &[
                ("mobile", "13812345678"),
                ("sms_code", &code),
                ("password", "new12345"),
                ("confirm", "new12345"),
            ],
        )
        .await;
    assert!(r.redirects_to("/login/learner"), "{r:?}");
    assert!(c.sign_in("learner", &idn, "new12345").await.redirects_to("/learner"));
}

/// What a browser sends when a period is chosen: the empty date field and the radio
/// button, each under its own name (both were once `valid_to`, which the form refused
/// with 422 "表单内容无法识别" — every imported learner's first step).
async fn complete_as_a_browser_does(t: &TestApp) {
    let idn = common::id("44010219870303007");
    app::learners::pre_import(&t.app, "陈晓", &idn, None).await.unwrap();
    let mut c = t.client();
    c.sign_in("learner", &idn, &domain::id_card::initial_password(&idn))
        .await;
    let page = c.get("/learner/complete").await;
    assert!(
        page.has("name=\"valid_period\""),
        "the radio buttons have their own name"
    );
    c.sms("13611118888", "complete_account").await;
    let code = t.sms_code("13611118888").await;
    let body = serde_urlencoded::to_string([
        ("_csrf", c.csrf.as_str()),
        ("name", "陈晓"),
        ("valid_from", "2021-03-01"),
        ("valid_to", ""),
        ("valid_period", "10"),
        ("mobile", "13611118888"),
        ("sms_code", &code),
        ("password", "new12345"),
        ("confirm", "new12345"),
    ])
    .unwrap();
    let r = c.post_raw("/learner/complete", &body).await;
    assert!(r.redirects_to("/learner"), "{}", r.excerpt(1500, 1500));
    assert!(c.get("/learner").await.has("2021-03-01 至 2031-03-01"));
}
