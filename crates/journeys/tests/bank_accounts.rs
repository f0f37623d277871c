//! Learner accounts as each bank keeps them: OUCN's activation of pre-imported students
//! and self-registration, both confirmed by e-mail and reviewed by the bank before the
//! account works; Guangdong's registration with a user name and personal facts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, TestApp, id, seed_bank, seed_institution};

both!(other_banks_have_no_activation);
both_as!(Oucn; oucn_students_activate_confirm_and_wait_for_review, oucn_registration_is_confirmed_and_reviewed);
both_as!(Guangdong; guangdong_registers_with_a_user_name);

/// The confirmation link in the latest e-mail to `to`, as a path.
async fn link_to(t: &TestApp, to: &str) -> String {
    let m = store::outbox::latest_to(&t.app.db.pool, to)
        .await
        .unwrap()
        .expect("an e-mail was sent");
    let at = m.body.find("/activate/confirm?token=").expect("a link");
    m.body[at..].split_whitespace().next().unwrap().to_string()
}

async fn other_banks_have_no_activation(t: &TestApp) {
    assert_eq!(t.client().get("/activate").await.status, 404);
}

async fn sign_in_says(c: &mut Client<'_>, login: &str, password: &str, text: &str) {
    let r = c.sign_in("learner", login, password).await;
    assert!(r.has(text), "signing in as {login} should say {text}: {}", r.body);
}

async fn oucn_students_activate_confirm_and_wait_for_review(t: &TestApp) {
    let bank = seed_bank(t).await;
    let school = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let student = id("44010619950505005");
    let initial = domain::id_card::initial_password(&student);
    app::learners::pre_import(&t.app, "李嘉民", &student, Some(school))
        .await
        .unwrap();
    // Not activated yet: the right password does not open it.
    let mut c = t.client();
    sign_in_says(&mut c, &format!("S{student}"), &initial, "国开学生账户激活").await;

    let mut a = t.client();
    a.get("/activate").await;
    let r = a.post("/activate", &[("id_number", &student)]).await;
    assert!(r.has("请阅读并同意"));
    let r = a
        .post("/activate", &[("agree", "1"), ("id_number", &id("11010519491231002"))])
        .await;
    assert!(
        r.has("未查询到您的信息") && r.has("注册"),
        "the guide's answer for an unknown ID"
    );
    let r = a.post("/activate", &[("agree", "1"), ("id_number", &student)]).await;
    assert!(
        r.has("李*民") && r.has("广东开放大学") && !r.has(&format!("<dd>{student}")),
        "masked facts to confirm"
    );
    let r = a
        .post("/activate/email", &[("id_number", &student), ("email", "not-an-email")])
        .await;
    assert!(r.has("请输入正确的电子邮件地址") && r.has("李*民"));
    let r = a
        .post(
            "/activate/email",
            &[("id_number", &student), ("email", "Li.JiaMin@Example.cn")],
        )
        .await;
    assert!(r.has("验证邮件已发送至l***@example.cn"), "{}", r.body);
    sign_in_says(&mut c, &format!("S{student}"), &initial, "请先登录您的邮箱").await;
    // An expired link says so and a new one can be sent.
    sqlx::query("UPDATE email_confirmations SET expires_at = 0")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let old = link_to(t, "li.jiamin@example.cn").await;
    let r = a.get(&old).await;
    assert!(r.has("验证链接已过期") && r.has("重新发送验证邮件"));
    a.post("/activate/resend", &[("id_number", &student)]).await;
    let fresh = link_to(t, "li.jiamin@example.cn").await;
    assert_ne!(fresh, old);
    let r = a.get(&fresh).await;
    assert!(r.has("邮箱验证成功"), "{}", r.body);
    assert!(a.get(&fresh).await.has("已使用过"), "a link works once");
    sign_in_says(&mut c, "li.jiamin@example.cn", &initial, "账户正在审核中").await;
    assert!(
        t.scalar("SELECT COUNT(*) FROM messages WHERE recipient_role = 'department' AND title = '学习者账户待审核'")
            .await
            == 1
    );

    // The centre reviews it; a province does not see a student of the centre's queue
    // unless its institution opened the account (this one did).
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    let desk = centre.get("/department").await;
    assert!(
        desk.has("<a class=\"stat\" href=\"/department/learners/review\"><b>1</b>学员账户审核"),
        "the 工作台 has the accounts' queue"
    );
    let q = centre.get("/department/learners/review").await;
    assert!(q.has("李嘉民") && q.has("剩余2个工作日") && q.has("在籍学生激活"));
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    assert!(!sd.get("/department/learners/review").await.has("李嘉民"));
    let lid = t
        .scalar(&format!("SELECT id FROM learners WHERE id_number = '{student}'"))
        .await;
    sd.post(&format!("/department/learners/{lid}/review"), &[("decision", "pass")])
        .await;
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'review'").await,
        1,
        "not its student"
    );
    centre.get("/department/learners/review").await;
    centre
        .post(&format!("/department/learners/{lid}/review"), &[("decision", "pass")])
        .await;
    let m = store::outbox::latest_to(&t.app.db.pool, "li.jiamin@example.cn")
        .await
        .unwrap()
        .unwrap();
    assert!(m.body.contains("已审核通过"));
    // Now S + ID number and the initial password open it, and the account is completed.
    let r = c.sign_in("learner", &format!("s{student}"), &initial).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(c.get("/learner").await.redirects_to("/learner/complete"));
}

async fn oucn_registration_is_confirmed_and_reviewed(t: &TestApp) {
    seed_bank(t).await;
    let me = id("44010619900101123");
    let mut c = t.client();
    c.get("/register/learner").await;
    c.sms("13800000001", "register").await;
    let code = t.sms_code("13800000001").await;
    let fields = |email: &'static str| {
        vec![
            ("name", "张晓明"),
            ("id_type", "resident"),
            ("mobile", "13800000001"),
            ("password", "Pass1234"),
            ("confirm", "Pass1234"),
            ("agree", "1"),
            ("email", email),
        ]
    };
    let mut f = fields("");
    f.push(("id_number", &me));
    f.push(("sms_code", &code));
    let r = c.post("/register/learner", &f).await;
    assert!(r.has("请输入电子邮箱"), "OUCN asks for the e-mail");
    let mut f = fields("zhang@example.cn");
    f.push(("id_number", &me));
    f.push(("sms_code", &code));
    let r = c.post("/register/learner", &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut l = t.client();
    sign_in_says(&mut l, "zhang@example.cn", "Pass1234", "请先登录您的邮箱").await;
    let link = link_to(t, "zhang@example.cn").await;
    assert!(t.client().get(&link).await.has("邮箱验证成功"));
    sign_in_says(&mut l, "zhang@example.cn", "Pass1234", "账户正在审核中").await;
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    let lid = t
        .scalar(&format!("SELECT id FROM learners WHERE id_number = '{me}'"))
        .await;
    centre.get("/department/learners/review").await;
    let r = centre
        .post(&format!("/department/learners/{lid}/review"), &[("decision", "fail")])
        .await;
    assert!(r.redirects_to("/department/learners/review"));
    assert!(centre.get("/department/learners/review").await.has("请填写不通过原因"));
    centre
        .post(&format!("/department/learners/{lid}/review"), &[("decision", "pass")])
        .await;
    let r = l.sign_in("learner", "zhang@example.cn", "Pass1234").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(l.get("/learner").await.has("个人中心"));
    let mut again = t.client();
    assert_eq!(
        again.sign_in("learner", &format!("S{me}"), "Pass1234").await.status,
        303
    );
}

async fn guangdong_registers_with_a_user_name(t: &TestApp) {
    seed_bank(t).await;
    let me = id("44010619900101123");
    let mut c = t.client();
    let form = c.get("/register/learner").await;
    assert!(form.has("用户名") && form.has("民族") && form.has("汉族") && form.has("联系地址"));
    c.sms("13800000001", "register").await;
    let code = t.sms_code("13800000001").await;
    let base: Vec<(&str, &str)> = vec![
        ("name", "张晓明"),
        ("id_type", "resident"),
        ("id_number", &me),
        ("mobile", "13800000001"),
        ("sms_code", &code),
        ("password", "Pass1234"),
        ("confirm", "Pass1234"),
        ("agree", "1"),
        ("nationality", "中国"),
        ("ethnicity", "汉族"),
        ("gender", "男"),
        ("email", "zxm@example.cn"),
        ("province", "广东省"),
        ("address", "广州市天河区1号"),
    ];
    let mut bad = base.clone();
    bad.extend([("username", "张三abc"), ("birth_date", "1991-01-01")]);
    let r = c.post("/register/learner", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.has("用户名只能由英文字母与数字组成") && r.has("出生日期与证件号码不一致"));
    assert!(
        r.has("广州市天河区1号") && r.has("zxm@example.cn"),
        "what was typed is kept"
    );
    let mut good = base.clone();
    good.extend([("username", "ZhangXM01"), ("birth_date", "1990-01-01")]);
    let r = c.post("/register/learner", &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let row: (String, String, String, String) =
        sqlx::query_as("SELECT username, ethnicity, birth_date, address FROM learners WHERE id_number = $1")
            .bind(&me)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        row,
        (
            "zhangxm01".into(),
            "汉族".into(),
            "1990-01-01".into(),
            "广东省 广州市天河区1号".into()
        )
    );
    // Signed in with the user name; the ID number is not a sign-in name once there is one.
    let mut l = t.client();
    assert_eq!(l.sign_in("learner", "zhangxm01", "Pass1234").await.status, 303);
    let mut other = t.client();
    assert_ne!(other.sign_in("learner", &me, "Pass1234").await.status, 303);
    // A second registration cannot take the user name or the e-mail.
    let mut c2 = t.client();
    c2.get("/register/learner").await;
    c2.sms("13800000002", "register").await;
    let code2 = t.sms_code("13800000002").await;
    let other_id = id("44010619920202123");
    let mut dup: Vec<(&str, &str)> = base
        .iter()
        .map(|(k, v)| match *k {
            "id_number" => (*k, other_id.as_str()),
            "mobile" => (*k, "13800000002"),
            "sms_code" => (*k, code2.as_str()),
            _ => (*k, *v),
        })
        .collect();
    dup.extend([("username", "zhangxm01"), ("birth_date", "1992-02-02")]);
    let r = c2.post("/register/learner", &dup).await;
    assert!(
        r.has("该用户名已被注册") && r.has("该邮箱已被其他账户使用"),
        "{}",
        r.body
    );
}
