//! Issue 13: the centre searches the audit log (who, role, action, object, address,
//! dates); a province may not, since the log names no province.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_institution, seed_learner};

both!(the_centre_searches_the_audit_log, a_full_id_number_shown_is_audited);

/// The one page that shows another person's ID number in full (an institution
/// correcting an account it pre-imported) leaves an audit row each time it is opened.
async fn a_full_id_number_shown_is_audited(t: &TestApp) {
    let bank = seed_bank(t).await;
    let school = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let number = id("44010219950505005");
    let learner = app::learners::pre_import(&t.app, "李嘉民", &number, Some(school))
        .await
        .unwrap();
    let mut x = t.client();
    x.sign_in("institution", "4144051234", "Pass1234").await;
    let page = x.get(&format!("/institution/learners/{learner}/edit")).await;
    assert_eq!(page.status, 200);
    assert!(page.has(&number), "the form shows the number to correct");
    let rows = t
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'personal_data_viewed' AND actor_role = 'institution'")
        .await;
    assert_eq!(rows, 1);
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    let found = centre.get("/department/audit?action=personal_data_viewed").await;
    assert!(
        found.has("查看完整个人信息") && found.has("李嘉民"),
        "{}",
        found.excerpt(2000, 1500)
    );
}

async fn the_centre_searches_the_audit_log(t: &TestApp) {
    seed_bank(t).await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let mut me = t.client();
    me.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    let mut wrong = t.client();
    wrong.sign_in("learner", &id("44010619900101123"), "Wrong999").await;

    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    let refused = sd.get("/department/audit").await;
    assert_eq!(refused.status, 403);
    assert!(refused.has("审计日志由学分银行管理中心维护"));
    assert!(
        !sd.get("/department").await.has("/department/audit"),
        "no menu entry for a province"
    );

    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    let all = centre.get("/department/audit").await;
    assert_eq!(all.status, 200);
    assert!(all.has("登录失败") && all.has("张晓明"), "{}", all.excerpt(2000, 1500));
    let failed = centre.get("/department/audit?action=sign_in_failed").await;
    assert!(
        failed.has("登录失败") && !failed.has("<td>登录</td>"),
        "{}",
        failed.excerpt(2000, 1500)
    );
    let by_role = centre.get("/department/audit?role=department&action=sign_in").await;
    assert!(by_role.has("测试人员") && !by_role.has("张晓明"));
    let today = domain::time::today().to_string();
    let dated = centre
        .get(&format!("/department/audit?actor=张晓明&from={today}&to={today}"))
        .await;
    assert!(dated.has("张晓明"));
    let earlier = centre.get("/department/audit?actor=张晓明&to=2020-01-01").await;
    assert!(earlier.has("没有符合条件的记录"));
    let bad = centre.get("/department/audit?from=昨天").await;
    assert_eq!(bad.status, 200);
    assert!(bad.has("日期格式应为"));
}
