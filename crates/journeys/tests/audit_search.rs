//! Issue 13: the centre searches the audit log (who, role, action, object, address,
//! dates); a province may not, since the log names no province.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_bank, seed_learner};

both!(the_centre_searches_the_audit_log);

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
