//! The public portal (P-01, P-04) and the framework (M-02): the management centre
//! writes news and pages, answers questions and keeps the framework levels and industry
//! standards; everyone reads what was published; a provincial department edits none
//! of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, course, id, seed_bank, seed_institution, seed_learner};

both!(
    news_are_written_published_and_withdrawn_by_the_centre,
    questions_are_answered_publicly_or_privately,
    framework_levels_standards_and_placed_outcomes,
    the_directory_lists_approved_institutions
);

async fn news_are_written_published_and_withdrawn_by_the_centre(t: &TestApp) {
    seed_bank(t).await;
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    centre.get("/department/news/new").await;
    // A rejected form keeps what was typed and names the field.
    let r = centre
        .post("/department/news/new", &[("title", " "), ("body", "正文保留")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("请填写标题") && r.has("正文保留"));
    let r = centre
        .post(
            "/department/news/new",
            &[
                ("title", "关于开展2026年学习成果认定工作的通知"),
                ("body", "## 工作安排\n\n**各机构**请于月底前完成。<script>alert(1)</script><a href=\"javascript:x()\">链接</a>"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let edit = r.location.clone().unwrap();
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    // A draft is the centre's alone.
    assert_eq!(t.client().get(&format!("/news/{id}")).await.status, 404);
    assert!(!t.client().get("/news").await.has("学习成果认定工作的通知"));
    centre.get("/department/news").await;
    let r = centre
        .post(&format!("/department/news/{id}/action"), &[("op", "publish")])
        .await;
    assert_eq!(r.status, 303);
    let public = t.client().get(&format!("/news/{id}")).await;
    assert_eq!(public.status, 200);
    assert!(public.has("<h2>工作安排</h2>") && public.has("<strong>各机构</strong>"));
    assert!(
        !public.has("<script>alert") && !public.has("javascript:"),
        "{}",
        public.body
    );
    assert!(
        t.client().get("/").await.has("学习成果认定工作的通知"),
        "the home page shows the latest news"
    );
    assert!(t.client().get("/news?q=认定工作").await.has("学习成果认定工作的通知"));
    // Published news is withdrawn before it can be deleted.
    centre.get("/department/news").await;
    centre
        .post(&format!("/department/news/{id}/action"), &[("op", "delete")])
        .await;
    assert_eq!(t.client().get(&format!("/news/{id}")).await.status, 200);
    centre
        .post(&format!("/department/news/{id}/action"), &[("op", "withdraw")])
        .await;
    assert_eq!(t.client().get(&format!("/news/{id}")).await.status, 404);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('news_created', 'news_publish', 'news_withdraw')")
            .await,
        3
    );
    // A provincial department sees no portal menu and is refused.
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    let home = gd.get("/department").await;
    assert!(!home.has("/department/news"));
    assert_eq!(gd.get("/department/news/new").await.status, 403);
    let r = gd
        .post("/department/news/new", &[("title", "省厅通知"), ("body", "内容")])
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM news").await, 1);
    // 业务介绍 / 关于我们.
    assert!(t.client().get("/about").await.has("管理中心尚未发布本页内容"));
    centre.get("/department/pages/about").await;
    let r = centre
        .post("/department/pages/about", &[("body", "本行由**管理中心**运营。")])
        .await;
    assert_eq!(r.status, 303);
    assert!(t.client().get("/about").await.has("<strong>管理中心</strong>"));
    assert_eq!(
        gd.post("/department/pages/about", &[("body", "改写")]).await.status,
        403
    );
}

async fn questions_are_answered_publicly_or_privately(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    seed_learner(t, "李四", &id("44010619900101124"), "13800000002", "Pass1234").await;
    // Anonymous visitors read, they do not ask.
    assert_eq!(t.client().get("/qa/ask").await.status, 401);
    let mut l = t.client();
    l.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    l.get("/qa/ask").await;
    let r = l.post("/qa/ask", &[("title", "学分如何转换？"), ("body", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("请填写问题描述") && r.has("学分如何转换？"));
    let r = l
        .post(
            "/qa/ask",
            &[("title", "学分如何转换？"), ("body", "我有一门课程，\n想转换为学分。")],
        )
        .await;
    assert_eq!(r.status, 303);
    let public_q: i64 = r.location.unwrap().rsplit('/').next().unwrap().parse().unwrap();
    l.get("/qa/ask").await;
    let r = l
        .post("/qa/ask", &[("title", "我的证件号填错了"), ("body", "请帮我看看。")])
        .await;
    let private_q: i64 = r.location.unwrap().rsplit('/').next().unwrap().parse().unwrap();
    // The centre is told; the question is not public yet.
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM messages WHERE recipient_role = 'department' AND recipient_id = {} AND title = '收到在线提问'",
            bank.center
        ))
        .await,
        2
    );
    assert_eq!(t.client().get(&format!("/qa/{public_q}")).await.status, 404);
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    assert!(
        centre
            .get("/department/questions?status=open")
            .await
            .has("学分如何转换？")
    );
    centre.get(&format!("/department/questions/{public_q}")).await;
    let r = centre
        .post(&format!("/department/questions/{public_q}"), &[("answer", " ")])
        .await;
    assert_eq!(r.status, 422);
    centre
        .post(
            &format!("/department/questions/{public_q}"),
            &[("answer", "请在“成果转换”中选择可用的转换规则申请。"), ("publish", "1")],
        )
        .await;
    centre.get(&format!("/department/questions/{private_q}")).await;
    centre
        .post(
            &format!("/department/questions/{private_q}"),
            &[("answer", "请在账户设置中提交更正。")],
        )
        .await;
    // Published: anyone reads and finds it; private: the asker only.
    let anyone = t.client().get(&format!("/qa/{public_q}")).await;
    assert!(anyone.has("选择可用的转换规则申请"));
    assert!(t.client().get("/qa?q=转换规则").await.has("学分如何转换？"));
    assert!(!t.client().get("/qa").await.has("我的证件号填错了"));
    assert_eq!(t.client().get(&format!("/qa/{private_q}")).await.status, 404);
    let mut other = t.client();
    other.sign_in("learner", &id("44010619900101124"), "Pass1234").await;
    assert_eq!(other.get(&format!("/qa/{private_q}")).await.status, 404);
    assert!(l.get(&format!("/qa/{private_q}")).await.has("请在账户设置中提交更正"));
    assert!(l.get("/qa/mine").await.has("我的证件号填错了"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM messages WHERE recipient_role = 'learner' AND title = '提问已解答'")
            .await,
        2
    );
    // A provincial department does not answer for the bank.
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    assert_eq!(gd.get(&format!("/department/questions/{private_q}")).await.status, 403);
}

async fn framework_levels_standards_and_placed_outcomes(t: &TestApp) {
    let bank = seed_bank(t).await;
    let school = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let maths = course(t, school, "高等数学", "MATH101").await;
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    centre.get("/department/framework").await;
    let bad = centre
        .post(
            "/department/framework",
            &[
                ("level", "0"),
                ("name", "一级"),
                ("knowledge", "基础知识"),
                ("skills", ""),
                ("competence", "c"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("等级须为1到20的整数") && bad.has("请填写技能描述") && bad.has("基础知识"));
    for (n, name) in [("1", "一级"), ("4", "四级")] {
        let r = centre
            .post(
                "/department/framework",
                &[
                    ("level", n),
                    ("name", name),
                    ("knowledge", "掌握专业基础理论知识"),
                    ("skills", "能完成常规任务"),
                    ("competence", "在指导下\n独立工作"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let level4 = t.scalar("SELECT id FROM framework_levels WHERE level = 4").await;
    let public = t.client().get("/framework").await;
    assert!(public.has("掌握专业基础理论知识") && public.has("第4级"));
    // A standard with its PDF, public and searchable.
    centre.get("/department/standards").await;
    let r = centre
        .post_multipart(
            "/department/standards",
            &[
                ("code", "HY-2026-01"),
                ("name", "电子商务运营规范"),
                ("industry", "电子商务"),
                ("level_id", &level4.to_string()),
            ],
            &[("file", "规范.pdf", b"%PDF-1.4 standard")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let dup = centre
        .post_multipart(
            "/department/standards",
            &[("code", "HY-2026-01"), ("name", "重复"), ("industry", "电子商务")],
            &[],
        )
        .await;
    assert!(dup.has("标准编号HY-2026-01已存在"));
    let found = t.client().get("/standards?q=电子商务").await;
    assert!(found.has("电子商务运营规范") && found.has("第4级"));
    let file = t.scalar("SELECT file_id FROM industry_standards").await;
    assert_eq!(
        t.client().get(&format!("/files/{file}")).await.status,
        200,
        "a standard's file is public"
    );
    // The department over the school places its course on a level; another does not.
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    sd.get(&format!("/catalog/{maths}")).await;
    sd.post(
        &format!("/department/catalog/{maths}/level"),
        &[("level_id", &level4.to_string())],
    )
    .await;
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institution_outcomes WHERE framework_level_id IS NOT NULL")
            .await,
        0
    );
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    let item = gd.get(&format!("/catalog/{maths}")).await;
    assert!(item.has("对应等级"));
    gd.post(
        &format!("/department/catalog/{maths}/level"),
        &[("level_id", &level4.to_string())],
    )
    .await;
    assert!(t.client().get(&format!("/framework/{level4}")).await.has("高等数学"));
    assert!(t.client().get(&format!("/catalog/{maths}")).await.has("第4级 四级"));
    // A level in use stays.
    centre.get("/department/framework").await;
    centre
        .post(&format!("/department/framework/{level4}/delete"), &[])
        .await;
    assert_eq!(t.scalar("SELECT COUNT(*) FROM framework_levels").await, 2);
    assert!(centre.get("/department/framework").await.has("不能删除"));
    // Provincial departments do not edit the framework.
    assert_eq!(gd.get("/department/framework").await.status, 403);
}

async fn the_directory_lists_approved_institutions(t: &TestApp) {
    let bank = seed_bank(t).await;
    let open = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let pending = seed_institution(t, "4144051235", "待审核学院", bank.guangdong, "13900000002").await;
    sqlx::query("UPDATE institutions SET status = 'pending' WHERE id = $1")
        .bind(pending)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    course(t, open, "高等数学", "MATH101").await;
    let list = t.client().get("/institutions?q=开放").await;
    assert!(list.has("广东开放大学") && !list.has("待审核学院"));
    assert!(!t.client().get("/institutions").await.has("待审核学院"));
    let page = t.client().get(&format!("/institutions/{open}")).await;
    assert!(page.has("高等数学") && page.has("机构成果（共 1 项）"));
    assert_eq!(t.client().get(&format!("/institutions/{pending}")).await.status, 404);
}
