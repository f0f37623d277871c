//! The outcome pages of every role through the real router, on SQLite and PostgreSQL:
//! what each may see and do, uploads checked by content, and protected downloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_institution, seed_learner, subtype};
use domain::ids::FileId;

both!(outcome_pages_end_to_end, scope_of_outcome_pages);

const DIPLOMA: [(&str, &str); 7] = [
    ("name", "经济统计学毕业证书(本科)"),
    ("f_level", "本科"),
    ("f_major", "经济统计学"),
    ("f_conclusion", "毕业"),
    ("f_years", "4"),
    ("f_min_credits", "160"),
    ("f_intro", "经济统计学专业本科毕业证书"),
];

async fn outcome_pages_end_to_end(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let learner_idn = id("44010619900101123");
    seed_learner(t, "张晓明", &learner_idn, "13812345678", "abc12345").await;
    let diploma = subtype(t, "higher_diploma").await;

    // The institution adds a catalog outcome: errors keep what was typed.
    let mut inst = t.client();
    inst.sign_in("institution", "4144051234", "Pass1234").await;
    let choose = inst.get("/institution/outcomes/new").await;
    assert!(
        choose.has("普通高等教育学历证书")
            && choose.has("需学分银行授权后才能存储")
            && choose.has("由证书平台定期同步")
    );
    assert_eq!(
        inst.get(&format!(
            "/institution/outcomes/new/{}",
            subtype(t, "mohrss_cert").await
        ))
        .await
        .status,
        403
    );
    let form = inst.get(&format!("/institution/outcomes/new/{diploma}")).await;
    assert!(form.has("毕业结论") && form.has("最低毕业学分"));
    let r = inst
        .post(
            &format!("/institution/outcomes/new/{diploma}"),
            &[
                ("name", "经济统计学毕业证书(本科)"),
                ("f_level", "大专"),
                ("f_years", "四年"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("层次须为以下之一") && r.has("学制(年)须为不小于0的数字") && r.has("请选择毕业结论"));
    assert!(r.has("value=\"四年\""));
    let r = inst
        .post(&format!("/institution/outcomes/new/{diploma}"), &DIPLOMA)
        .await;
    assert!(r.status == 303, "{r:?}");
    let o: i64 = t.scalar("SELECT id FROM institution_outcomes").await;
    let list = inst.get("/institution/outcomes").await;
    assert!(list.has("经济统计学毕业证书(本科)") && list.has("未认定"));
    // Store it for a learner who has no account yet, then for the registered learner.
    inst.get(&format!("/institution/outcomes/{o}/store")).await;
    let new_idn = id("44010219950505005");
    let r = inst
        .post(
            &format!("/institution/outcomes/{o}/store"),
            &[
                ("learner_name", "李嘉民"),
                ("id_number", &new_idn),
                ("number", "GD001"),
                ("issued_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("颁证日期不能晚于今天") && r.has("value=\"李嘉民\""));
    let r = inst
        .post(
            &format!("/institution/outcomes/{o}/store"),
            &[
                ("learner_name", "李嘉民"),
                ("id_number", &new_idn),
                ("number", "GD001"),
                ("issued_on", "2023-07-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    inst.post(
        &format!("/institution/outcomes/{o}/store"),
        &[
            ("learner_name", "张晓明"),
            ("id_number", &learner_idn),
            ("number", "GD002"),
            ("issued_on", "2023-07-01"),
            ("score", "88"),
        ],
    )
    .await;
    let holdings = inst.get("/institution/learner-outcomes").await;
    assert!(
        holdings.has("李嘉民") && holdings.has(&domain::mask::id_number(&new_idn)) && !holdings.has(&new_idn),
        "IDs are masked in lists"
    );
    assert!(holdings.has("机构存储"));
    let home = inst.get("/institution").await;
    assert!(home.has("账户概况"));
    // Recognition: requested by the institution, granted by its department.
    inst.get(&format!("/institution/outcomes/{o}")).await;
    assert_eq!(
        inst.post(&format!("/institution/outcomes/{o}/recognition"), &[])
            .await
            .status,
        303
    );
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    let page = gd.get("/department/catalog?recognition=recognising").await;
    assert!(page.has("经济统计学毕业证书(本科)"));
    gd.post(
        &format!("/department/catalog/{o}"),
        &[("decision", "pass"), ("credits", "abc")],
    )
    .await;
    assert!(gd.get("/department/catalog").await.has("学分银行学分须为不小于0的数字"));
    gd.post(
        &format!("/department/catalog/{o}"),
        &[("decision", "pass"), ("credits", "120")],
    )
    .await;
    assert!(gd.get("/department/catalog").await.has("2名已存储该成果的学员获得学分"));

    // The learner sees the outcome and its credits.
    let mut me = t.client();
    me.sign_in("learner", &learner_idn, "abc12345").await;
    let home = me.get("/learner").await;
    assert!(home.has("<b>120</b>总学分"), "{}", home.body);
    let mine = me.get("/learner/outcomes").await;
    assert!(mine.has("经济统计学毕业证书(本科)") && mine.has("机构创建") && mine.has("120"));
    // Registers a course picked from the catalog search, submits it.
    let course = subtype(t, "higher_course").await;
    inst.get(&format!("/institution/outcomes/new/{course}")).await;
    inst.post(
        &format!("/institution/outcomes/new/{course}"),
        &[
            ("name", "高等数学"),
            ("f_course_code", "MATH101"),
            ("f_orig_credits", "4"),
        ],
    )
    .await;
    let math: i64 = t
        .scalar("SELECT id FROM institution_outcomes WHERE name = '高等数学'")
        .await;
    let search = me
        .get(&format!("/learner/outcomes/new/{course}?q=%E6%95%B0%E5%AD%A6"))
        .await;
    assert!(
        search.has(&format!("?pick={math}")),
        "two-character search finds 高等数学"
    );
    let inst_id: i64 = t.scalar("SELECT id FROM institutions WHERE code = '4144051234'").await;
    let by_inst = me
        .get(&format!(
            "/learner/outcomes/new/{diploma}?inst={inst_id}&major=%E7%BB%9F%E8%AE%A1"
        ))
        .await;
    assert!(by_inst.has(&format!("?pick={o}")), "search by institution and major");
    let none = me
        .get(&format!("/learner/outcomes/new/{diploma}?major=%E6%B3%95%E5%AD%A6"))
        .await;
    assert!(!none.has("?pick=") && none.has("没有找到符合条件的成果"));
    let picked = me.get(&format!("/learner/outcomes/new/{course}?pick={math}")).await;
    assert!(picked.has("value=\"MATH101\"") && picked.has("已选择名录成果"));
    let r = me
        .post(
            &format!("/learner/outcomes/new/{course}"),
            &[
                ("institution_outcome_id", &math.to_string()),
                ("number", "M-1"),
                ("issued_on", "2023-01-10"),
                ("score", "95"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{r:?}");
    let h: i64 = t
        .scalar("SELECT id FROM learner_outcomes WHERE name = '高等数学'")
        .await;
    let r = me
        .post(
            &format!("/learner/outcomes/new/{course}"),
            &[
                ("institution_outcome_id", &math.to_string()),
                ("number", "M-2"),
                ("issued_on", "2023-01-10"),
            ],
        )
        .await;
    assert!(r.has("不能重复登记"));
    me.get("/learner/outcomes").await;
    me.post(
        "/learner/outcomes/action",
        &[("action", "submit"), ("id", &h.to_string())],
    )
    .await;
    assert!(me.get(&format!("/learner/outcomes/{h}")).await.has("待存储"));
    assert_eq!(me.get(&format!("/learner/outcomes/{h}/edit")).await.status, 409);
    // The department stores it ("review all" when none is ticked).
    assert!(gd.get("/department/storage").await.has("高等数学"));
    gd.post("/department/storage", &[("decision", "pass")]).await;
    assert!(me.get(&format!("/learner/outcomes/{h}")).await.has("学分银行存储"));

    // An informal outcome: evidence checked by content, then two reviews.
    let comp = subtype(t, "competition").await;
    me.get(&format!("/learner/outcomes/new/{comp}")).await;
    let r = me
        .post(
            &format!("/learner/outcomes/new/{comp}"),
            &[
                ("name", "技能大赛一等奖"),
                ("issuer", "广东省教育厅"),
                ("issued_on", "2024-06-01"),
                ("f_organiser", "广东省教育厅"),
                ("f_award_level", "省部级"),
                ("f_contest", "技能大赛"),
                ("f_held_on", "2024-05-20"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{r:?}");
    let award: i64 = t
        .scalar("SELECT id FROM learner_outcomes WHERE name = '技能大赛一等奖'")
        .await;
    me.get(&format!("/learner/outcomes/{award}")).await;
    let r = me
        .post_multipart(
            &format!("/learner/outcomes/{award}/files"),
            &[],
            &[("file", "award.png", b"MZ\x90\x00 an executable")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("不是jpg、png、gif、pdf格式"));
    let big = vec![b'%'; 11 * 1024 * 1024];
    let r = me
        .post_multipart(
            &format!("/learner/outcomes/{award}/files"),
            &[],
            &[("file", "big.pdf", &big)],
        )
        .await;
    assert!(r.has("超过10MB"), "{}", r.status);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM files").await, 0);
    let r = me
        .post_multipart(
            &format!("/learner/outcomes/{award}/files"),
            &[],
            &[("file", "获奖证书.pdf", b"%PDF-1.4 certificate")],
        )
        .await;
    assert_eq!(r.status, 303);
    let file: FileId = t.id("SELECT id FROM files").await;
    let r = me.get(&format!("/files/{file}")).await;
    assert_eq!((r.status, r.content_type.as_str()), (200, "application/pdf"));
    me.get("/learner/recognition").await;
    me.post("/learner/recognition", &[("id", &award.to_string())]).await;
    assert!(me.get("/learner/recognition").await.has("已申请认定"));
    gd.get("/department/recognition").await;
    let r = gd.post("/department/recognition", &[("decision", "fail")]).await;
    assert!(r.has("请填写审核意见"));
    gd.post(
        "/department/recognition",
        &[("decision", "pass"), ("opinion", "材料齐全")],
    )
    .await;
    let mut expert = t.client();
    expert.sign_in("expert", "expert01", "Pass1234").await;
    assert!(expert.get("/expert").await.has("<b>1</b>待终审"));
    expert.get("/expert/recognition").await;
    let r = expert
        .post("/expert/recognition", &[("decision", "pass"), ("credits", "")])
        .await;
    assert!(r.has("请输入认定学分"));
    assert_eq!(expert.get(&format!("/files/{file}")).await.status, 200);
    expert
        .post(
            "/expert/recognition",
            &[("decision", "pass"), ("credits", "3"), ("opinion", "同意")],
        )
        .await;
    let detail = me.get(&format!("/learner/outcomes/{award}")).await;
    assert!(detail.has("已认定") && detail.has("终审") && detail.has("同意"));
    assert!(me.get("/learner").await.has("<b>123</b>总学分"));
    let credits = me.get("/learner/credits").await;
    assert!(credits.has("成果认定：技能大赛一等奖"));
    let msgs = me.get("/learner/messages").await;
    assert!(msgs.has("学分入账") && msgs.has("未读"));

    // Batch withdrawal by the institution with a PDF reason document.
    inst.get("/institution/learner-outcomes").await;
    let theirs: i64 = t.scalar(&format!("SELECT lo.id FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id WHERE l.id_number = '{learner_idn}' AND lo.name = '经济统计学毕业证书(本科)'")).await;
    let r = inst
        .post_multipart(
            "/institution/learner-outcomes/withdraw",
            &[("id", &theirs.to_string())],
            &[],
        )
        .await;
    assert!(r.has("请填写撤回原因"));
    let r = inst
        .post_multipart(
            "/institution/learner-outcomes/withdraw",
            &[("id", &theirs.to_string()), ("reason", "证书编号有误")],
            &[("file", "x.pdf", b"<html>not a pdf")],
        )
        .await;
    assert!(r.has("不是PDF格式"));
    let r = inst
        .post_multipart(
            "/institution/learner-outcomes/withdraw",
            &[("id", &theirs.to_string()), ("reason", "证书编号有误")],
            &[("file", "撤回说明.pdf", b"%PDF-1.4 reason")],
        )
        .await;
    assert_eq!(r.status, 303, "{r:?}");
    assert!(me.get("/learner").await.has("<b>3</b>总学分"));
    assert!(me.get(&format!("/learner/outcomes/{theirs}")).await.has("证书编号有误"));

    // The public catalog: anyone can search it.
    let mut anon = t.client();
    let r = anon.get("/catalog?q=%E7%BB%9F%E8%AE%A1").await;
    assert!(r.has("经济统计学毕业证书(本科)") && !r.has("高等数学"));
    assert_eq!(anon.get(&format!("/files/{file}")).await.status, 401);
}

async fn scope_of_outcome_pages(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let a = store::audit::Actor {
        role: Some("institution".into()),
        id: Some(1),
        ..Default::default()
    };
    let diploma = subtype(t, "higher_diploma").await;
    let vals: std::collections::BTreeMap<String, String> = DIPLOMA
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f_").map(|k| (k.to_string(), v.to_string())))
        .collect();
    let o = app::catalog::create(&t.app, gd, diploma, "经济统计学毕业证书(本科)", &vals, &a)
        .await
        .unwrap();
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "张晓明".into(),
        id_type: String::new(),
        id_number: id("44010619900101123"),
        number: "N".into(),
        issued_on: "2023-07-01".into(),
        score: String::new(),
    };
    let h = app::holdings::institution_store(&t.app, gd, o, &form, &a)
        .await
        .unwrap();
    // Another institution: 404 on everything of Guangdong's.
    let mut sd = t.client();
    sd.sign_in("institution", "4137051201", "Pass1234").await;
    for p in [
        format!("/institution/outcomes/{o}"),
        format!("/institution/outcomes/{o}/store"),
        format!("/institution/learner-outcomes/{h}"),
    ] {
        assert_eq!(sd.get(&p).await.status, 404, "{p}");
    }
    assert!(!sd.get("/institution/learner-outcomes").await.has("张晓明"));
    sd.get("/institution/outcomes").await;
    assert_eq!(
        sd.post("/institution/outcomes/delete", &[("id", &o.to_string())])
            .await
            .status,
        404
    );
    assert_eq!(
        sd.post_multipart(
            "/institution/learner-outcomes/withdraw",
            &[("id", &h.to_string()), ("reason", "x")],
            &[]
        )
        .await
        .status,
        404
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 1);
    // The centre adds a subtype (the taxonomy is bank-wide); bad input keeps what was typed.
    let mut cd = t.client();
    cd.sign_in("department", "center_admin", "Pass1234").await;
    cd.get("/department/taxonomy").await;
    let r = cd
        .post(
            "/department/taxonomy",
            &[("type_id", "1"), ("code", "Bad Code"), ("name", "微专业证书")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("子类型代码须为") && r.has("value=\"微专业证书\""));
    let r = cd
        .post(
            "/department/taxonomy",
            &[
                ("type_id", "1"),
                ("code", "micro_major"),
                ("name", "微专业证书"),
                ("restricted", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let new_sub = subtype(t, "micro_major").await;
    // The list pages' subtype filter, read a moment ago (and kept for a while), offers the
    // new subtype at once: adding it cleared what was kept.
    let option = format!("<option value=\"{new_sub}\">微专业证书</option>");
    assert!(sd.get("/institution/outcomes").await.has(&option));
    cd.get(&format!("/department/taxonomy/{new_sub}")).await;
    let r = cd
        .post(
            &format!("/department/taxonomy/{new_sub}/fields"),
            &[("key", "grade"), ("label", "等级"), ("kind", "select"), ("options", "")],
        )
        .await;
    assert!(r.has("下拉选择字段须填写可选值"));
    cd.post(
        &format!("/department/taxonomy/{new_sub}/fields"),
        &[
            ("key", "grade"),
            ("label", "等级"),
            ("kind", "select"),
            ("options", "初级/高级"),
            ("required", "1"),
        ],
    )
    .await;
    let mut gdd = t.client();
    gdd.sign_in("department", "gd_edu", "Pass1234").await;
    let mut gdi = t.client();
    gdi.sign_in("institution", "4144051234", "Pass1234").await;
    assert_eq!(
        gdi.get(&format!("/institution/outcomes/new/{new_sub}")).await.status,
        403,
        "restricted until authorised"
    );
    gdd.get("/department/authorisations").await;
    gdd.post(
        "/department/authorisations",
        &[
            ("institution", &gd.to_string()),
            ("subtype", &new_sub.to_string()),
            ("grant", "1"),
        ],
    )
    .await;
    let form = gdi.get(&format!("/institution/outcomes/new/{new_sub}")).await;
    assert!(form.has("初级") && form.has("高级"));
    // Shandong's department cannot recognise it.
    let mut sdd = t.client();
    sdd.sign_in("department", "sd_edu", "Pass1234").await;
    assert!(!sdd.get("/department/catalog").await.has("经济统计学"));
    assert_eq!(
        sdd.post(
            &format!("/department/catalog/{o}"),
            &[("decision", "pass"), ("credits", "5")]
        )
        .await
        .status,
        404
    );
    assert_eq!(sdd.get(&format!("/department/outcomes/{h}")).await.status, 404);
    // A sub-user without the outcomes area.
    let mut primary = t.client();
    primary.sign_in("institution", "4144051234", "Pass1234").await;
    primary.get("/institution/users").await;
    primary
        .post(
            "/institution/users",
            &[("account", "gd_profile"), ("name", "林晓"), ("area", "profile")],
        )
        .await;
    let page = primary.get("/institution/users").await;
    let start = page.body.find("class=\"secret\">").unwrap() + "class=\"secret\">".len();
    let initial = page.body[start..start + 10].to_string();
    let mut sub = t.client();
    sub.sign_in("institution", "gd_profile", &initial).await;
    sub.get("/institution/password").await;
    sub.post(
        "/institution/password",
        &[("password", "sub12345"), ("confirm", "sub12345")],
    )
    .await;
    assert_eq!(sub.get("/institution/outcomes").await.status, 403);
    assert_eq!(sub.get(&format!("/institution/learner-outcomes/{h}")).await.status, 403);
    // Another learner cannot open this learner's outcome.
    seed_learner(t, "李四", &id("44010619910101123"), "13812345679", "abc12345").await;
    let mut other = t.client();
    other.sign_in("learner", "13812345679", "abc12345").await;
    assert_eq!(other.get(&format!("/learner/outcomes/{h}")).await.status, 404);
    assert_eq!(other.get(&format!("/learner/outcomes/{h}/edit")).await.status, 404);
    other.get("/learner/outcomes").await;
    other
        .post(
            "/learner/outcomes/action",
            &[("action", "submit"), ("id", &h.to_string())],
        )
        .await;
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM learner_outcomes WHERE id = {h} AND status = 'stored'"
        ))
        .await,
        1
    );
}
