//! Everyday service (L-09, L-14, I-06, I-11): messages reach every role and stay in
//! their box; problem reports go to whoever created the outcome and come back answered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::import::Owner;
use common::{TestApp, actor, id, seed_bank, seed_institution, seed_learner, sheet, subtype};
use domain::ids::FileId;

both!(
    messages_reach_every_role_and_stay_in_their_box,
    feedback_goes_to_the_creator_and_back,
    error_pages_keep_the_signed_in_header
);

const PDF: &[u8] = b"%PDF-1.4 feedback";

/// The header of a signed-in page shows this many unread messages.
fn unread_badge(n: i64) -> String {
    format!("消息 <span class=\"badge\">{n}</span>")
}

async fn messages_reach_every_role_and_stay_in_their_box(t: &TestApp) {
    let bank = seed_bank(t).await;
    let x = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let course = subtype(t, "higher_course").await;
    let a = actor("institution", 1);
    // A catalog import with a wrong header fails: the outcomes area hears of it.
    let bad = sheet(&["名称"], &[vec!["高等数学"]]);
    let job = app::jobs::enqueue_import(
        &t.app,
        app::jobs::CATALOG,
        Owner::Institution(x),
        Some(course.get()),
        "坏表.xlsx",
        &bad,
        &a,
    )
    .await
    .unwrap();
    while app::jobs::run_once(&t.app).await.unwrap() {}
    // A learner import of the department fails too: its own box hears of it.
    let djob = app::jobs::enqueue_import(
        &t.app,
        app::jobs::LEARNERS,
        Owner::Bank {
            department: bank.guangdong,
        },
        None,
        "学员.xlsx",
        &bad,
        &actor("department", 2),
    )
    .await
    .unwrap();
    while app::jobs::run_once(&t.app).await.unwrap() {}
    // A published rule taken down: the rules area hears of it, with the reason as text.
    let o = common::course(t, x, "高等数学", "M1").await;
    let target = common::course(t, x, "工程数学", "M2").await;
    common::published_method(t, x).await;
    let doc = common::pdf_upload(t, "规则.pdf").await;
    let form = app::conversion::RuleForm {
        name: "课程互认".into(),
        kind: "学历→学历".into(),
        sources: vec![o],
        targets: vec![target],
        ratio: "1:1".into(),
        explanation: "说明".into(),
        document: Some(doc),
        ..Default::default()
    };
    let rule = app::conversion::create_rule(&t.app, x, &form, &a).await.unwrap();
    app::conversion::act_on_rule(&t.app, x, rule, app::conversion::RuleAction::Publish, &a)
        .await
        .unwrap();
    app::conversion::take_down(
        &t.app,
        &[bank.guangdong],
        rule,
        "依据不足，见附件",
        &actor("department", 2),
    )
    .await
    .unwrap();

    // The primary account sees both, with the count in every page's header.
    let mut primary = t.client();
    primary.sign_in("institution", "4144051235", "Pass1234").await;
    assert!(primary.get("/institution").await.has(&unread_badge(2)));
    let list = primary.get("/institution/messages").await;
    assert!(list.has("导入失败") && list.has("转换规则被下架") && list.has("依据不足"));
    assert!(list.has(&format!("href=\"/institution/jobs/{job}\">处理</a>")));
    assert!(list.has(&format!("href=\"/institution/rules/{rule}\">处理</a>")));
    assert!(list.has("未读（2）"));

    // A sub-user with outcomes and messages sees the import only.
    let pu = store::institutions::user_by_account(&t.app.db.pool, "4144051235")
        .await
        .unwrap()
        .unwrap();
    let sub = app::institutions::SubUserForm {
        account: "x_outcomes".into(),
        name: "王芳".into(),
        mobile: String::new(),
        areas: "outcomes,messages".into(),
    };
    let initial = app::institutions::add_sub_user(&t.app, &pu, &sub, &a).await.unwrap();
    let su = store::institutions::user_by_account(&t.app.db.pool, "x_outcomes")
        .await
        .unwrap()
        .unwrap();
    app::institutions::change_initial_password(&t.app.db, &su, "Sub12345", "Sub12345", &a)
        .await
        .unwrap();
    assert_ne!(initial, "Sub12345");
    let mut staff = t.client();
    staff.sign_in("institution", "x_outcomes", "Sub12345").await;
    let theirs = staff.get("/institution/messages").await;
    assert!(
        theirs.has("导入失败") && !theirs.has("转换规则被下架"),
        "{}",
        theirs.excerpt(0, 3000)
    );
    assert!(staff.get("/institution").await.has(&unread_badge(1)));
    let taken: i64 = t.scalar("SELECT id FROM messages WHERE title = '转换规则被下架'").await;
    assert_eq!(staff.get(&format!("/institution/messages/{taken}")).await.status, 404);
    // Opening marks read for the institution: the primary's count drops too.
    let failed: i64 = t
        .scalar("SELECT id FROM messages WHERE title = '导入失败' AND recipient_role = 'institution'")
        .await;
    let opened = staff.get(&format!("/institution/messages/{failed}")).await;
    assert!(opened.has("坏表.xlsx") && opened.has(">处理</a>"));
    assert!(primary.get("/institution").await.has(&unread_badge(1)));

    // Another role's box: 404, not a peek.
    let mut learner = t.client();
    learner.sign_in("learner", "13800000001", "Pass1234").await;
    assert_eq!(learner.get(&format!("/learner/messages/{taken}")).await.status, 404);
    assert_eq!(learner.get("/institution/messages").await.status, 403);
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    let dep = gd.get("/department/messages").await;
    assert!(dep.has("导入失败") && dep.has(&format!("/department/jobs/{djob}")));
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    assert!(sd.get("/department/messages").await.has("暂无消息"));
    let mut expert = t.client();
    expert.sign_in("expert", "expert01", "Pass1234").await;
    assert!(expert.get("/expert/messages").await.has("暂无消息"));

    // 全部标为已读.
    primary.get("/institution/messages").await;
    let r = primary.post("/institution/messages/read-all", &[]).await;
    assert!(r.redirects_to("/institution/messages"));
    let after = primary.get("/institution/messages").await;
    assert!(after.has("已将1条消息标为已读") && !after.has("class=\"badge\""));
    // The API reads the same box.
    let api = app::admin::create_api_key(&t.app, "4144051235", "教务系统", &["read".into()])
        .await
        .unwrap();
    let j = t.api(&api).get("/api/v1/messages?limit=1").await.json();
    assert_eq!(j["total"], 2);
    assert_eq!(j["unread"], 0);
    assert_eq!(j["items"].as_array().unwrap().len(), 1);
    assert!(j["next_cursor"].is_string());
}

async fn feedback_goes_to_the_creator_and_back(t: &TestApp) {
    let bank = seed_bank(t).await;
    let x = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let idn = id("44010619900101123");
    seed_learner(t, "张晓明", &idn, "13800000001", "Pass1234").await;
    let a = actor("institution", 1);
    let o = common::course(t, x, "高等数学", "M1").await;
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "张晓明".into(),
        id_type: String::new(),
        id_number: idn.clone(),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: "85".into(),
    };
    let holding = app::holdings::institution_store(&t.app, x, o, &form, &a).await.unwrap();

    let mut me = t.client();
    me.sign_in("learner", "13800000001", "Pass1234").await;
    assert!(me.get(&format!("/learner/outcomes/{holding}")).await.has("问题反馈"));
    me.get(&format!("/learner/outcomes/{holding}/feedback")).await;
    // Refused: no problem chosen, a file that is not a PDF; what was typed stays.
    let r = me
        .post_multipart(
            &format!("/learner/outcomes/{holding}/feedback"),
            &[("content", "应为2023-06-30")],
            &[("file", "证明.pdf", b"GIF89a not a pdf")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("请选择反馈问题") && r.has("应为2023-06-30"));
    let r = me
        .post_multipart(
            &format!("/learner/outcomes/{holding}/feedback"),
            &[("problem", "issued_on"), ("content", "<script>alert(1)</script>")],
            &[("file", "证明.pdf", PDF)],
        )
        .await;
    assert!(r.has("不能包含"));
    let r = me
        .post_multipart(
            &format!("/learner/outcomes/{holding}/feedback"),
            &[("problem", "issued_on"), ("content", "应为2023-06-30")],
            &[("file", "证明.pdf", PDF)],
        )
        .await;
    let fid: i64 = t.scalar("SELECT id FROM feedback").await;
    assert!(r.redirects_to(&format!("/learner/feedback/{fid}")));
    let again = me
        .post_multipart(
            &format!("/learner/outcomes/{holding}/feedback"),
            &[("problem", "issued_on")],
            &[("file", "证明.pdf", PDF)],
        )
        .await;
    assert!(again.has("您已反馈过“发证日期有误”"));
    let mine = me.get("/learner/feedback").await;
    assert!(mine.has("高等数学") && mine.has("发证日期有误") && mine.has("未解决"));
    let file: FileId = t.id("SELECT file_id FROM feedback").await;
    assert_eq!(me.get(&format!("/files/{file}")).await.status, 200);

    // The creating institution is told and answers; another institution sees nothing.
    let mut inst = t.client();
    inst.sign_in("institution", "4144051235", "Pass1234").await;
    let msgs = inst.get("/institution/messages").await;
    assert!(msgs.has("收到问题反馈") && msgs.has(&format!("/institution/feedback/{fid}")));
    let list = inst.get("/institution/feedback?status=open").await;
    assert!(
        list.has("张晓明") && list.has("发证日期有误") && !list.has(&idn),
        "the ID number is masked"
    );
    assert_eq!(inst.get(&format!("/files/{file}")).await.status, 200);
    let mut other = t.client();
    other.sign_in("institution", "4144051234", "Pass1234").await;
    assert_eq!(other.get(&format!("/institution/feedback/{fid}")).await.status, 404);
    assert_eq!(other.get(&format!("/files/{file}")).await.status, 404);
    assert!(!other.get("/institution/feedback").await.has("张晓明"));
    let r = other
        .post(&format!("/institution/feedback/{fid}"), &[("decision", "resolved")])
        .await;
    assert_eq!(r.status, 404);
    // A refusal needs a reason, and the typed reply survives a refused form.
    inst.get(&format!("/institution/feedback/{fid}")).await;
    let r = inst
        .post(&format!("/institution/feedback/{fid}"), &[("decision", "rejected")])
        .await;
    assert!(r.has("请填写回复内容"));
    let r = inst
        .post(
            &format!("/institution/feedback/{fid}"),
            &[("decision", "resolved"), ("reply", "已更正发证日期")],
        )
        .await;
    assert!(r.redirects_to(&format!("/institution/feedback/{fid}")));
    let done = inst.get(&format!("/institution/feedback/{fid}")).await;
    assert!(done.has("已解决") && done.has("已更正发证日期") && !done.has("去处理"));
    let r = inst
        .post(
            &format!("/institution/feedback/{fid}"),
            &[("decision", "rejected"), ("reply", "再驳回")],
        )
        .await;
    assert!(r.has("该反馈已处理"));

    // The learner is told and sees the answer; a personal outcome has no 问题反馈.
    let detail = me.get(&format!("/learner/feedback/{fid}")).await;
    assert!(detail.has("已解决") && detail.has("已更正发证日期") && detail.has("广州番禺职业技术学院"));
    assert!(me.get("/learner/messages").await.has("问题反馈已处理"));
    assert_eq!(
        me.post(&format!("/learner/feedback/{fid}"), &[("decision", "resolved")])
            .await
            .status,
        404
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'feedback_%'")
            .await,
        2
    );
}

/// A refusal or a missing page must not look like the end of the session.
async fn error_pages_keep_the_signed_in_header(t: &TestApp) {
    seed_bank(t).await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let mut me = t.client();
    me.sign_in("learner", "13800000001", "Pass1234").await;
    for path in ["/learner/outcomes/999999", "/no/such/page", "/department"] {
        let r = me.get(path).await;
        assert!(r.status == 404 || r.status == 403, "{path}: {}", r.status);
        assert!(
            r.has("个人用户：张晓明") && r.has("退出登录") && r.has("href=\"/learner/messages\""),
            "{path}"
        );
        assert!(!r.has("个人注册"), "{path} shows the signed-out header");
    }
    // Signing out from an error page works (the page carries the session's token).
    let r = me.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(me.post("/logout", &[]).await.status < 400);
    assert!(me.get("/learner").await.redirects_to("/login/learner"));
    let anon = t.client().get("/no/such/page").await;
    assert!(anon.has("个人注册"));
}
