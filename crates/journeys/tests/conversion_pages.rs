//! The conversion pages through the real router on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_institution, subtype, vals};
use domain::ids::{ApplicationId, HoldingId, MethodId, RuleId};
use store::audit::Actor;

both!(conversion_through_the_pages);

async fn conversion_through_the_pages(t: &TestApp) {
    let bank = seed_bank(t).await;
    let a = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let b = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = subtype(t, "higher_course").await;
    let ia = Actor::default();
    let x = app::catalog::create(
        &t.app,
        a,
        course,
        "高等数学",
        &vals(&[("course_code", "MATH101"), ("orig_credits", "4")]),
        &ia,
    )
    .await
    .unwrap();
    let c = app::catalog::create(
        &t.app,
        b,
        course,
        "工程数学",
        &vals(&[("course_code", "ENG-M1"), ("orig_credits", "3")]),
        &ia,
    )
    .await
    .unwrap();
    app::catalog::recognise(&t.app, &[bank.guangdong], &Actor::default(), c, true, "3")
        .await
        .unwrap();
    let idn = id("44010619900101123");
    common::seed_learner(t, "张晓明", &idn, "13812345678", "abc12345").await;
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "张晓明".into(),
        id_type: String::new(),
        id_number: idn.clone(),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: "85".into(),
    };
    app::holdings::institution_store(&t.app, a, x, &form, &ia)
        .await
        .unwrap();

    let mut inst = t.client();
    inst.sign_in("institution", "4144051235", "Pass1234").await;
    // A rule before a method: sent to publish a method first.
    assert!(
        inst.get("/institution/rules/new")
            .await
            .redirects_to("/institution/methods")
    );
    let page = inst.get("/institution/methods").await;
    assert!(page.has("信息发布安全承诺书") && page.has("还没有转换办法"));
    let r = inst
        .post_multipart(
            "/institution/methods",
            &[("title", "转换办法")],
            &[("file", "办法.pdf", b"GIF89a not a pdf")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("不是PDF格式") && r.has("value=\"转换办法\""));
    assert_eq!(
        inst.post_multipart(
            "/institution/methods",
            &[("title", "转换办法")],
            &[("file", "办法.pdf", b"%PDF-1.4 method")]
        )
        .await
        .status,
        303
    );
    let method: MethodId = t.id("SELECT id FROM conversion_methods").await;
    let method_file: i64 = t.scalar("SELECT file_id FROM conversion_methods").await;
    let mut anon = t.client();
    assert_eq!(
        anon.get(&format!("/files/{method_file}")).await.status,
        401,
        "an unpublished method is not public"
    );
    inst.get("/institution/methods").await;
    inst.post(&format!("/institution/methods/{method}/publish"), &[]).await;
    assert!(inst.get("/institution/methods").await.has("请先阅读并同意"));
    inst.post("/institution/methods/pledge", &[]).await;
    inst.post(&format!("/institution/methods/{method}/publish"), &[]).await;
    assert!(inst.get("/institution/methods").await.has("已发布"));
    assert_eq!(
        anon.get(&format!("/files/{method_file}")).await.status,
        200,
        "a published method is public"
    );
    // Make a rule: the source filter keeps what was typed; errors name the fields.
    let page = inst.get("/institution/rules/new").await;
    assert!(page.has("高等数学") && page.has("工程数学"));
    let r = inst
        .post_multipart(
            "/institution/rules/new",
            &[("op", "filter"), ("source_q", "高等"), ("name", "数学转换")],
            &[],
        )
        .await;
    assert!(r.has("value=\"数学转换\"") && r.has("高等数学"));
    let r = inst
        .post_multipart(
            "/institution/rules/new",
            &[("op", "save"), ("name", "数学转换"), ("kind", "学历→学历")],
            &[],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("请至少选择一项源成果") && r.has("请至少选择一项目标成果") && r.has("请上传盖章的规则文件"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM conversion_rules").await, 0);
    let (xs, cs) = (x.to_string(), c.to_string());
    let r = inst
        .post_multipart(
            "/institution/rules/new",
            &[
                ("op", "save"),
                ("name", "高等数学转换工程数学"),
                ("kind", "学历→学历"),
                ("source", &xs),
                ("target", &cs),
                ("ratio", "1:1"),
                ("explanation", "成绩合格者可转换"),
                ("min_score", "60"),
            ],
            &[("file", "规则.pdf", b"%PDF-1.4 rule")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body.chars().take(300).collect::<String>());
    let rule: RuleId = t.id("SELECT id FROM conversion_rules").await;
    let detail = inst.get(&format!("/institution/rules/{rule}")).await;
    assert!(detail.has("未提交") && detail.has("成绩不低于60"));
    inst.post(&format!("/institution/rules/{rule}/publish"), &[]).await;
    assert!(inst.get("/institution/rules").await.has("已发布"));
    // The source institution sees it under 与我相关.
    let mut src = t.client();
    src.sign_in("institution", "4144051234", "Pass1234").await;
    assert!(
        src.get("/institution/rules?tab=related")
            .await
            .has("高等数学转换工程数学")
    );
    assert!(src.get(&format!("/institution/rules/{rule}/batch")).await.has("张晓明"));
    let found = src.get(&format!("/institution/rules/{rule}/batch?q=晓明")).await;
    assert!(found.has("张晓明") && found.has("共 1 条"));
    assert!(
        src.get(&format!("/institution/rules/{rule}/batch?q=%E7%8E%8B"))
            .await
            .has("没有符合条件的学员")
    );
    assert!(
        src.get("/institution/outcomes").await.has("tab=related\">1</a>"),
        "linked-rule count"
    );
    assert!(inst.get("/institution").await.has("<b>1</b>已发布"));
    // Public catalog of rules.
    let public = anon.get("/rules").await;
    assert!(public.has("高等数学转换工程数学") && public.has("转换办法"));
    assert_eq!(anon.get(&format!("/rules/{rule}")).await.status, 200);

    // The learner applies, once.
    let mut me = t.client();
    me.sign_in("learner", &idn, "abc12345").await;
    let mine = me.get("/learner/conversions/rules").await;
    assert!(mine.has("高等数学转换工程数学") && mine.has("工程数学"));
    // 转换 on the stored outcome lists the rules that use it.
    let source: i64 = t
        .scalar(&format!("SELECT lo.id FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id WHERE l.id_number = '{idn}' AND lo.status = 'stored' ORDER BY lo.id LIMIT 1"))
        .await;
    assert!(
        me.get("/learner/outcomes")
            .await
            .has(&format!("/learner/conversions/rules?outcome={source}\">转换</a>"))
    );
    let one = me.get(&format!("/learner/conversions/rules?outcome={source}")).await;
    assert!(one.has("高等数学转换工程数学") && one.has("<td>否</td>"));
    me.post_multipart("/learner/conversions/apply", &[("rule", &rule.to_string())], &[])
        .await;
    assert!(me.get("/learner/conversions?tab=pending").await.has("审核中 1"));
    me.post_multipart("/learner/conversions/apply", &[("rule", &rule.to_string())], &[])
        .await;
    let again = me.get("/learner/conversions/rules").await;
    assert!(again.has("请勿重复申请"));
    // 是否已申请: the rule stays listed, marked, without a second 申请转换.
    assert!(again.has("<span class=\"tag approved\">是</span>") && !again.has("value=\"申请转换\""));
    assert!(!again.has(&format!("name=\"rule\" value=\"{rule}\"")));
    assert!(inst.get("/institution/conversions/review").await.has("个人申请 1"));
    // The application's own page: the reviewer has the buttons; a refused decision
    // keeps the page; the learner sees it without them; nobody else sees it.
    let application: ApplicationId = t.id("SELECT id FROM conversion_applications").await;
    let detail = inst.get(&format!("/institution/conversions/{application}")).await;
    assert!(detail.has("高等数学转换工程数学") && detail.has("工程数学") && detail.has("value=\"pass\""));
    assert!(!detail.has(&idn), "the institution sees the ID number masked");
    let r = inst
        .post(
            &format!("/institution/conversions/{application}"),
            &[("decision", "fail")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("请填写审核意见"));
    let mine = me.get(&format!("/learner/conversions/{application}")).await;
    assert!(mine.has("审核中") && !mine.has("value=\"pass\"") && mine.has(&idn));
    assert_eq!(
        me.post(&format!("/learner/conversions/{application}"), &[("decision", "pass")])
            .await
            .status,
        404
    );
    let mut source_inst = t.client();
    source_inst.sign_in("institution", "4144051234", "Pass1234").await;
    let theirs = source_inst
        .get(&format!("/institution/conversions/{application}"))
        .await;
    assert_eq!(theirs.status, 404, "the source institution did not initiate it");
    // The target institution reviews ("review all" when none ticked).
    let review = inst.get("/institution/conversions/review").await;
    assert!(review.has("张晓明") && !review.has(&idn));
    let r = inst
        .post("/institution/conversions/review", &[("decision", "fail")])
        .await;
    assert!(r.has("请填写审核意见"));
    inst.post(
        "/institution/conversions/review",
        &[("decision", "pass"), ("opinion", "同意")],
    )
    .await;
    let records = me.get("/learner/conversions").await;
    assert!(records.has("转换成功 1") && records.has("同意"));
    let decided = inst.get(&format!("/institution/conversions/{application}")).await;
    assert!(decided.has("转换成功") && !decided.has("value=\"pass\""));
    let r = inst
        .post(
            &format!("/institution/conversions/{application}"),
            &[("decision", "pass")],
        )
        .await;
    assert!(r.has("已被审核"), "a decided application is not decided again");
    assert!(me.get("/learner/outcomes?tab=converted").await.has("工程数学"));
    assert!(me.get("/learner").await.has("<b>3</b>总学分"));
    assert!(inst.get("/institution/conversions/records").await.has("转换成功"));
    // Records filters: by initiator and by date.
    assert!(
        me.get("/learner/conversions?tab=passed&initiator=learner")
            .await
            .has("高等数学转换工程数学")
    );
    assert!(
        !me.get("/learner/conversions?tab=passed&initiator=institution")
            .await
            .has("高等数学转换工程数学")
    );
    assert!(
        !inst
            .get("/institution/conversions/records?from=2099-01-01")
            .await
            .has("高等数学转换工程数学")
    );
    // An export needs the SMS code sent to the account's own mobile.
    let r = inst
        .post(
            "/institution/conversions/export",
            &[("tab", "received"), ("sms_code", "123456")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        inst.get("/institution/conversions/records")
            .await
            .has("请先获取短信验证码")
    );
    assert_eq!(inst.sms("", "export").await.status, 200);
    let code = t.sms_code("13900000002").await;
    let r = inst
        .post(
            "/institution/conversions/export",
            &[("tab", "received"), ("sms_code", &code)],
        )
        .await;
    assert_eq!(
        r.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(r.body.starts_with("PK"), "an xlsx is a zip");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'").await,
        1
    );
    assert_eq!(
        me.sms("", "export").await.status,
        403,
        "only institution accounts export here"
    );
    // Certificates: the conversion certificate, verified online and offline.
    let application: ApplicationId = t.id("SELECT id FROM conversion_applications").await;
    me.get("/learner/conversions").await;
    let r = me
        .post(&format!("/learner/conversions/{application}/certificate"), &[])
        .await;
    let location = r.location.clone().unwrap_or_default();
    assert!(location.starts_with("/verify?number=ZH"), "{r:?}");
    let number = location.trim_start_matches("/verify?number=").to_string();
    let page = anon.get(&location).await;
    assert!(page.has("该证书真实有效") && page.has("学习成果转换证明") && page.has("高等数学") && page.has("工程数学"));
    let cert = store::certificates::by_number(&t.app.db.pool, &number)
        .await
        .unwrap()
        .unwrap();
    let file = store::files::by_id(&t.app.db.pool, cert.file_id)
        .await
        .unwrap()
        .unwrap();
    let bytes = t.app.files.get(&file.storage_key).await.unwrap();
    let key = app::certificates::public_key(&t.app).await.unwrap();
    let facts = certs::verify(&bytes, &key).unwrap();
    assert_eq!(facts.number, number);
    let mut tampered = bytes.clone();
    tampered[300] ^= 0x20;
    assert!(certs::verify(&tampered, &key).is_err(), "a tampered PDF fails offline");
    assert_eq!(
        me.get(&format!("/files/{}", cert.file_id)).await.content_type,
        "application/pdf"
    );
    let mut stranger = t.client();
    common::seed_learner(t, "路人", &id("44010619950101123"), "13812345600", "abc12345").await;
    stranger.sign_in("learner", "13812345600", "abc12345").await;
    assert_eq!(stranger.get(&format!("/files/{}", cert.file_id)).await.status, 404);
    assert!(anon.get("/verify?number=ZH000").await.has("证书编号不存在"));
    // A certificate of holdings; registered outcomes are refused.
    let held: i64 = t
        .scalar("SELECT id FROM learner_outcomes WHERE source = 'conversion'")
        .await;
    me.get("/learner/outcomes").await;
    let r = me.post("/learner/certificates", &[("id", &held.to_string())]).await;
    assert!(
        r.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/verify?number=ZM")),
        "{r:?}"
    );
    assert!(me.get("/learner/certificates").await.has("成果证明"));
    // Withdrawing the source outcome revokes the conversion certificate.
    let source: HoldingId = t.id("SELECT learner_outcome_id FROM application_sources").await;
    app::holdings::withdraw(&t.app, a, &[source], "发证信息有误", None, &Actor::default())
        .await
        .unwrap();
    assert!(anon.get(&location).await.has("该证书已失效"));
    // The source institution cannot review the target's applications.
    assert!(!src.get("/institution/conversions/review").await.has("张晓明"));
    // The department takes the rule down.
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    assert!(gd.get("/department/rules").await.has("高等数学转换工程数学"));
    gd.get(&format!("/department/rules/{rule}")).await;
    gd.post(&format!("/department/rules/{rule}/take-down"), &[("reason", "")])
        .await;
    assert!(gd.get(&format!("/department/rules/{rule}")).await.has("请填写下架原因"));
    gd.post(
        &format!("/department/rules/{rule}/take-down"),
        &[("reason", "课程调整")],
    )
    .await;
    assert!(gd.get(&format!("/department/rules/{rule}")).await.has("已下架"));
    assert_eq!(anon.get(&format!("/rules/{rule}")).await.status, 404);
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    assert_eq!(sd.get(&format!("/department/rules/{rule}")).await.status, 404);
}
