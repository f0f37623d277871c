//! Whether an account exists is not told to strangers (issue 13, item 4): recovery codes
//! are answered alike for bound and unbound numbers, sign-in answers alike for existing
//! and unknown accounts, and probes are limited per client before any lookup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_learner};

both!(
    strangers_cannot_tell_who_has_an_account,
    one_client_cannot_lock_out_another,
    an_imported_account_is_not_claimed_by_its_id_number_alone
);

async fn strangers_cannot_tell_who_has_an_account(t: &TestApp) {
    seed_bank(t).await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let mut c = t.client();
    c.get("/password/forgot").await;
    // 找回密码: the same answer for a bound and an unbound number; only the bound one gets an SMS.
    let bound = c.sms("13800000001", "reset_password").await;
    let unbound = c.sms("13800000002", "reset_password").await;
    assert_eq!((bound.status, unbound.status), (200, 200), "{}", unbound.body);
    assert_eq!(bound.json()["ok"], unbound.json()["ok"]);
    assert!(
        store::outbox::latest_to(&t.app.db.pool, "13800000002")
            .await
            .unwrap()
            .is_none()
    );
    // Submitting for the unbound number fails like a wrong code, not "not bound".
    let r = c
        .post(
            "/password/forgot",
            &[
                ("mobile", "13800000002"),
                ("sms_code", "123456"),
                ("password", "Next1234"),
                ("confirm", "Next1234"),
            ],
        )
        .await;
    assert!(r.has("短信验证码不正确") && !r.has("未绑定"), "{}", r.excerpt(0, 800));

    // Sign-in: an unknown account is answered like a known one, countdown included.
    let known = c.sign_in("learner", "13800000001", "Wrong1234").await;
    let unknown = c.sign_in("learner", "13800000009", "Wrong1234").await;
    assert!(known.has("账号或密码错误，还可尝试4次"));
    assert!(
        unknown.has("账号或密码错误，还可尝试4次"),
        "{}",
        unknown.excerpt(0, 800)
    );
    for _ in 0..4 {
        c.sign_in("learner", "13800000009", "Wrong1234").await;
    }
    assert!(c.sign_in("learner", "13800000009", "Wrong1234").await.has("账号已锁定"));

    // Probes of /sms/send are limited per client before any lookup: asking again and
    // again whether a number is taken (no code is ever sent) stops being answered.
    let mut answers = Vec::new();
    for _ in 0..app::learners::SMS_PROBES_PER_HOUR {
        answers.push(c.sms("13800000001", "register").await.status);
    }
    // Two recovery probes were made above.
    assert!(answers[..answers.len() - 2].iter().all(|s| *s == 422), "{answers:?}");
    assert_eq!(answers.last(), Some(&429));
    assert!(c.sms("13800000001", "register").await.has("过于频繁"));
}

/// Signs in as a learner from `ip`, as the page does (a fresh captcha each time).
async fn attempt(t: &TestApp, login: &str, password: &str, ip: &str) -> Result<(), String> {
    let cid = app::captcha::create(&t.app.db).await.unwrap();
    let answer: String = sqlx::query_scalar("SELECT answer FROM captchas WHERE id = $1")
        .bind(&cid)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let req = app::auth::SignIn {
        role: domain::role::Role::Learner,
        login,
        password,
        captcha_id: &cid,
        captcha: &answer,
        ip,
    };
    app::auth::sign_in(&t.app, req)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Issue 13 (4): five wrong passwords lock out the client that gave them, not the
/// account; only guessing from many clients together locks the account.
async fn one_client_cannot_lock_out_another(t: &TestApp) {
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    for _ in 0..app::auth::MAX_FAILURES {
        assert!(attempt(t, "13800000001", "Wrong1234", "203.0.113.9").await.is_err());
    }
    let attacker = attempt(t, "13800000001", "Pass1234", "203.0.113.9").await;
    assert!(
        attacker.unwrap_err().contains("账号已锁定"),
        "the guessing client is locked out"
    );
    attempt(t, "13800000001", "Pass1234", "198.51.100.7")
        .await
        .expect("the owner, elsewhere, still signs in");
    // Spread over many addresses, guessing locks the account itself.
    let mut n = 0;
    'outer: for host in 1..=20 {
        for _ in 0..(app::auth::MAX_FAILURES - 1) {
            attempt(t, "13800000001", "Wrong1234", &format!("192.0.2.{host}"))
                .await
                .unwrap_err();
            n += 1;
            if n == app::auth::MAX_ACCOUNT_FAILURES {
                break 'outer;
            }
        }
    }
    let owner = attempt(t, "13800000001", "Pass1234", "198.51.100.7").await;
    assert!(owner.unwrap_err().contains("账号已锁定"));
}

/// Issue 13 (5): the ID number (and so the initial password) of a pre-imported learner
/// is not enough to claim the account: the name as imported must be typed (it is not
/// shown), and where an institution stored an outcome, the number on it too.
async fn an_imported_account_is_not_claimed_by_its_id_number_alone(t: &TestApp) {
    let bank = seed_bank(t).await;
    let school = common::seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let maths = common::course(t, school, "高等数学", "MATH101").await;
    let idn = id("44010219950505005");
    let f = app::holdings::StoreForLearnerForm {
        learner_name: "李嘉民".into(),
        id_type: String::new(),
        id_number: idn.clone(),
        number: "GDOU-S-002".into(),
        issued_on: "2024-07-01".into(),
        score: "90".into(),
    };
    app::holdings::institution_store(&t.app, school, maths, &f, &common::actor("institution", 1))
        .await
        .unwrap();
    let mut c = t.client();
    c.sign_in("learner", &idn, &domain::id_card::initial_password(&idn))
        .await;
    let page = c.get("/learner/complete").await;
    assert!(
        !page.has("李嘉民") && page.has("李*民"),
        "the name is not shown before the claim"
    );
    assert!(page.has("任一成果的证书编号"));
    c.sms("13911112222", "complete_account").await;
    let code = t.sms_code("13911112222").await;
    let form = |name: &'static str, number: &'static str| {
        vec![
            ("name", name),
            ("number", number),
            ("valid_from", "2020-05-01"),
            ("valid_period", "20"),
            ("mobile", "13911112222"),
            ("password", "Claim1234"),
            ("confirm", "Claim1234"),
        ]
    };
    let mut wrong = form("王五", "");
    wrong.push(("sms_code", &code));
    let r = c.post("/learner/complete", &wrong).await;
    assert_eq!(r.status, 422);
    assert!(r.has("姓名与院校导入的信息不一致") && r.has("请输入您任一学习成果的证书编号"));
    let mut wrong = form("李嘉民", "GDOU-X-999");
    wrong.push(("sms_code", &code));
    assert!(
        c.post("/learner/complete", &wrong)
            .await
            .has("证书编号与院校存储的成果不一致")
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'active'").await,
        0
    );
    let mut right = form("李嘉民", "gdou-s-002");
    right.push(("sms_code", &code));
    let r = c.post("/learner/complete", &right).await;
    assert!(r.redirects_to("/learner"), "{}", r.excerpt(0, 600));
}
