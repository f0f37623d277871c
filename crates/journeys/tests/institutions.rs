//! Institution registration, approval by the department, sub-users and the scope of
//! each role, through the real router on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_institution, seed_learner};

both!(
    registration_wizard_and_approval,
    sub_users_get_only_what_they_are_given,
    roles_cannot_open_each_others_pages,
    api_errors_are_problem_json
);

const PROFILE: [(&str, &str); 10] = [
    ("name", "广东开放大学"),
    ("supervisor", "广东省教育厅"),
    ("school_type", "开放大学"),
    ("legal_rep", "陈明"),
    ("contact_name", "刘芳"),
    ("contact_mobile", "13912345678"),
    ("contact_email", "xfyh@example.edu.cn"),
    ("post_code", "510091"),
    ("address", "广州市越秀区东风西路"),
    ("business_scope", "学历教育、非学历培训"),
];

async fn registration_wizard_and_approval(t: &TestApp) {
    let bank = seed_bank(t).await;
    let dep = bank.guangdong.to_string();
    let mut c = t.client();
    let page = c.get("/register/institution").await;
    assert!(page.has("广东省教育厅"));
    // The directory lists the department's unregistered schools.
    let dir = c
        .get(&format!(
            "/register/institution/directory?department_id={dep}&kind=school"
        ))
        .await;
    assert!(dir.has("4144051234"));
    // Step 1 with mistakes: nothing is created, input is kept.
    let r = c
        .post(
            "/register/institution",
            &[
                ("kind", "school"),
                ("department_id", &dep),
                ("code", "41440512"),
                ("mobile", "13900000001"),
                ("password", "abc"),
                ("confirm", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("学校代码须为10位数字"));
    assert!(r.has("密码须为8-16位字符"));
    assert!(r.has("请阅读并同意"));
    assert!(r.has("value=\"13900000001\""));
    // A school of another department.
    let sd = bank.shandong.to_string();
    let r = c
        .post(
            "/register/institution",
            &[
                ("kind", "school"),
                ("department_id", &sd),
                ("directory_code", "4144051234"),
                ("mobile", "13900000001"),
                ("password", "abc12345"),
                ("confirm", "abc12345"),
                ("agree", "1"),
                ("sms_code", "000000"),
            ],
        )
        .await;
    assert!(r.has("不属于所选的行政教育部门"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institutions").await, 0);
    assert_eq!(c.sms("13900000001", "institution_register").await.status, 200);
    let code = t.sms_code("13900000001").await;
    let r = c
        .post(
            "/register/institution",
            &[
                ("kind", "school"),
                ("department_id", &dep),
                ("directory_code", "4144051234"),
                ("mobile", "13900000001"),
                ("sms_code", &code),
                ("password", "abc12345"),
                ("confirm", "abc12345"),
                ("agree", "1"),
            ],
        )
        .await;
    assert!(r.redirects_to("/register/institution/registrant"), "{r:?}");
    // Not approved yet: the institution space is closed, the wizard continues.
    assert!(c.get("/institution").await.redirects_to("/register/institution/status"));
    assert!(
        c.get("/register/institution/status")
            .await
            .redirects_to("/register/institution/registrant")
    );
    // Step 2: registrant identity.
    c.get("/register/institution/registrant").await;
    let r = c
        .post(
            "/register/institution/registrant",
            &[
                ("id_type", "resident"),
                ("name", "陈明"),
                ("id_number", "440104198002020031"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = c
        .post(
            "/register/institution/registrant",
            &[
                ("id_type", "resident"),
                ("name", "陈明"),
                ("id_number", &id("44010419800202003")),
            ],
        )
        .await;
    assert!(r.redirects_to("/register/institution/info"));
    // Step 3: a draft keeps partial information; submit needs the required fields.
    let info = c.get("/register/institution/info").await;
    assert!(info.has("value=\"广东开放大学\""), "name comes from the directory");
    let r = c
        .post(
            "/register/institution/info",
            &[("action", "save"), ("name", "广东开放大学"), ("legal_rep", "陈明")],
        )
        .await;
    assert!(r.redirects_to("/register/institution/info"));
    let info = c.get("/register/institution/info").await;
    assert!(info.has("已保存") && info.has("value=\"陈明\""));
    let r = c
        .post(
            "/register/institution/info",
            &[
                ("action", "submit"),
                ("name", "广东开放大学"),
                ("legal_rep", "陈明"),
                ("contact_email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("请填写联系人") && r.has("请输入正确的电子邮件地址") && r.has("请填写经营范围"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institutions WHERE status = 'pending'")
            .await,
        0
    );
    let mut form: Vec<(&str, &str)> = PROFILE.to_vec();
    form.push(("action", "submit"));
    assert!(
        c.post("/register/institution/info", &form)
            .await
            .redirects_to("/register/institution/status")
    );
    let done = c.get("/register/institution/status").await;
    assert!(done.has("4144051234") && done.has("待审核"), "{}", done.body);
    // Submitted information can no longer be edited.
    assert_eq!(c.get("/register/institution/info").await.status, 409);
    assert!(c.get("/institution").await.redirects_to("/register/institution/status"));
    let inst: i64 = t.scalar("SELECT id FROM institutions").await;

    // Another province's department cannot see or decide it.
    let mut sd_staff = t.client();
    assert!(
        sd_staff
            .sign_in("department", "sd_edu", "Pass1234")
            .await
            .redirects_to("/department")
    );
    assert_eq!(
        sd_staff.get(&format!("/department/institutions/{inst}")).await.status,
        404
    );
    assert!(
        !sd_staff
            .get("/department/institutions/pending")
            .await
            .has("广东开放大学")
    );
    let r = sd_staff
        .post(
            &format!("/department/institutions/{inst}/decision"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 404);
    // Guangdong rejects (a reason is required), the institution fixes and resubmits.
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    let list = gd.get("/department/institutions/pending").await;
    assert!(list.has("广东开放大学"));
    gd.get(&format!("/department/institutions/{inst}")).await;
    let r = gd
        .post(
            &format!("/department/institutions/{inst}/decision"),
            &[("decision", "reject"), ("reason", "")],
        )
        .await;
    assert!(r.has("请填写驳回原因"));
    let r = gd
        .post(
            &format!("/department/institutions/{inst}/decision"),
            &[("decision", "reject"), ("reason", "请补充统一社会信用代码")],
        )
        .await;
    assert!(r.redirects_to("/department/institutions/pending"));
    assert!(
        c.get("/register/institution/status")
            .await
            .redirects_to("/register/institution/info")
    );
    let info = c.get("/register/institution/info").await;
    assert!(info.has("请补充统一社会信用代码"));
    let mut form: Vec<(&str, &str)> = PROFILE.to_vec();
    form.push(("uscc", "91350100M000100Y43"));
    form.push(("action", "submit"));
    assert!(
        c.post("/register/institution/info", &form)
            .await
            .redirects_to("/register/institution/status")
    );
    // The centre (above Guangdong) sees it too; Guangdong approves; a second decision loses.
    let mut center = t.client();
    center.sign_in("department", "center_admin", "Pass1234").await;
    assert!(center.get("/department/institutions/pending").await.has("广东开放大学"));
    gd.get(&format!("/department/institutions/{inst}")).await;
    assert!(
        gd.post(
            &format!("/department/institutions/{inst}/decision"),
            &[("decision", "approve")]
        )
        .await
        .redirects_to("/department/institutions/pending")
    );
    center.get(&format!("/department/institutions/{inst}")).await;
    let late = center
        .post(
            &format!("/department/institutions/{inst}/decision"),
            &[("decision", "reject"), ("reason", "晚了")],
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(late.has("已被审核"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institutions WHERE status = 'approved'")
            .await,
        1
    );
    let sms = store::outbox::latest_to(&t.app.db.pool, "13900000001")
        .await
        .unwrap()
        .unwrap();
    assert!(sms.body.contains("审核通过"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('institution_approved', 'institution_rejected')")
            .await,
        2
    );
    // Now the institution space opens, and the account is the school code.
    let home = c.get("/institution").await;
    assert_eq!(home.status, 200);
    assert!(home.has("机构账户中心") && home.has("4144051234"));
    let mut fresh = t.client();
    assert!(
        fresh
            .sign_in("institution", "4144051234", "abc12345")
            .await
            .redirects_to("/institution")
    );
}

async fn sub_users_get_only_what_they_are_given(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let mut primary = t.client();
    assert!(
        primary
            .sign_in("institution", "4144051234", "Pass1234")
            .await
            .redirects_to("/institution")
    );
    let page = primary.get("/institution/users").await;
    assert!(page.has("还没有子用户"));
    // Bad input keeps what was typed.
    let r = primary
        .post(
            "/institution/users",
            &[("account", "x"), ("name", "林晓"), ("mobile", "123")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("登录账号须为4-32位") && r.has("请至少选择一项菜单权限") && r.has("value=\"林晓\""));
    let r = primary
        .post(
            "/institution/users",
            &[("account", "gdou_staff"), ("name", "林晓"), ("area", "outcomes")],
        )
        .await;
    assert!(r.redirects_to("/institution/users"));
    let page = primary.get("/institution/users").await;
    let start = page.body.find("class=\"secret\">").unwrap() + "class=\"secret\">".len();
    let initial = page.body[start..start + 10].to_string();
    assert!(page.has("成果及学员管理"));
    // The initial password is shown once only.
    assert!(!primary.get("/institution/users").await.has(&initial));
    let sub_id: i64 = t
        .scalar("SELECT id FROM institution_users WHERE account = 'gdou_staff'")
        .await;

    // The sub-user must set a password, then sees only what it was given.
    let mut sub = t.client();
    assert!(
        sub.sign_in("institution", "gdou_staff", &initial)
            .await
            .redirects_to("/institution")
    );
    assert!(sub.get("/institution").await.redirects_to("/institution/password"));
    sub.get("/institution/password").await;
    let r = sub
        .post(
            "/institution/password",
            &[("password", &initial), ("confirm", &initial)],
        )
        .await;
    assert!(r.has("新密码不能与初始密码相同"));
    assert!(
        sub.post(
            "/institution/password",
            &[("password", "sub12345"), ("confirm", "sub12345")]
        )
        .await
        .redirects_to("/institution")
    );
    let home = sub.get("/institution").await;
    assert_eq!(home.status, 200);
    assert!(!home.has("/institution/profile"), "no menu entry for an area not given");
    assert_eq!(sub.get("/institution/profile").await.status, 403);
    assert_eq!(sub.get("/institution/users").await.status, 403);
    let r = sub
        .post(
            "/institution/users",
            &[("account", "sneaky"), ("name", "某人"), ("area", "profile")],
        )
        .await;
    assert_eq!(r.status, 403);

    // Given the profile area, it can open it.
    primary.get(&format!("/institution/users/{sub_id}/edit")).await;
    let r = primary
        .post(
            &format!("/institution/users/{sub_id}/edit"),
            &[("name", "林晓"), ("area", "outcomes"), ("area", "profile")],
        )
        .await;
    assert!(r.redirects_to("/institution/users"));
    assert_eq!(sub.get("/institution/profile").await.status, 200);
    let r = sub.post("/institution/profile", &[("name", "广东开放大学")]).await;
    assert_eq!(r.status, 422, "the profile must stay complete");

    // Disabling ends its session at once and refuses sign-in.
    primary.get("/institution/users").await;
    assert!(
        primary
            .post(&format!("/institution/users/{sub_id}/disable"), &[])
            .await
            .redirects_to("/institution/users")
    );
    assert!(sub.get("/institution").await.redirects_to("/login/institution"));
    let r = sub.sign_in("institution", "gdou_staff", "sub12345").await;
    assert_eq!(r.status, 403);
    assert!(r.has("已停用"));
    primary.post(&format!("/institution/users/{sub_id}/enable"), &[]).await;
    assert!(
        sub.sign_in("institution", "gdou_staff", "sub12345")
            .await
            .redirects_to("/institution")
    );

    // Another institution cannot touch it.
    let mut other = t.client();
    other.sign_in("institution", "4137051201", "Pass1234").await;
    other.get("/institution/users").await;
    for action in ["disable", "reset", "delete"] {
        assert_eq!(
            other
                .post(&format!("/institution/users/{sub_id}/{action}"), &[])
                .await
                .status,
            404
        );
    }
    assert_eq!(
        other.get(&format!("/institution/users/{sub_id}/edit")).await.status,
        404
    );
    // Reset and delete by its own primary.
    assert!(
        primary
            .post(&format!("/institution/users/{sub_id}/reset"), &[])
            .await
            .redirects_to("/institution/users")
    );
    assert!(primary.get("/institution/users").await.has("首次登录须修改密码"));
    assert!(
        primary
            .post(&format!("/institution/users/{sub_id}/delete"), &[])
            .await
            .redirects_to("/institution/users")
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institution_users WHERE account = 'gdou_staff'")
            .await,
        0
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'sub_user_%'")
            .await,
        6
    );
}

async fn roles_cannot_open_each_others_pages(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13812345678", "abc12345").await;
    let pages = [
        "/learner",
        "/institution",
        "/institution/users",
        "/department",
        "/department/institutions",
        "/expert",
    ];
    let mut anon = t.client();
    for p in pages {
        let r = anon.get(p).await;
        assert!(
            r.status == 303 && r.location.as_deref().is_some_and(|l| l.starts_with("/login/")),
            "{p}: {r:?}"
        );
    }
    let accounts = [
        ("learner", "13812345678", "abc12345", "/learner"),
        ("institution", "4144051234", "Pass1234", "/institution"),
        ("department", "gd_edu", "Pass1234", "/department"),
        ("expert", "expert01", "Pass1234", "/expert"),
    ];
    for (role, login, pw, home) in accounts {
        let mut c = t.client();
        assert!(c.sign_in(role, login, pw).await.redirects_to(home), "{role}");
        assert_eq!(c.get(home).await.status, 200, "{role} home");
        for p in pages.iter().filter(|p| !p.starts_with(home)) {
            assert_eq!(c.get(p).await.status, 403, "{role} must not open {p}");
        }
        // Accounts of one role do not sign in on another's page.
        let other = if role == "expert" { "department" } else { "expert" };
        assert!(c.sign_in(other, login, pw).await.has("账号或密码错误"));
    }
}

async fn api_errors_are_problem_json(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let mut c = t.client();
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.content_type, "application/problem+json");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], 401);
    assert_eq!(v["detail"], "请先登录");
    assert_eq!(c.get("/api/v1/nothing").await.status, 404);
    c.sign_in("department", "gd_edu", "Pass1234").await;
    let r = c.get("/api/v1/department/institutions").await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["广东开放大学"]);
    let mut learner = t.client();
    seed_learner(t, "张晓明", &id("44010619900101123"), "13812345678", "abc12345").await;
    learner.sign_in("learner", "13812345678", "abc12345").await;
    assert_eq!(learner.get("/api/v1/department/institutions").await.status, 403);
    let me: serde_json::Value = serde_json::from_str(&learner.get("/api/v1/me").await.body).unwrap();
    assert_eq!(me["role"], "learner");
    // HTML pages get an HTML 404.
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.has("您访问的内容不存在"));
}
