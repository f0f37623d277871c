//! The demo bank loads on both databases, twice without duplicating, and its accounts
//! sign in to working pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;

both!(demo_bank_loads_and_works);

async fn demo_bank_loads_and_works(t: &TestApp) {
    let accounts = app::demo::load(&t.app).await.unwrap();
    let again = app::demo::load(&t.app).await.unwrap();
    assert_eq!(accounts.len(), again.len());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institutions").await, 3);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM conversion_rules WHERE status = 'published'")
            .await,
        1
    );
    for a in accounts
        .iter()
        .filter(|a| a.note.contains("已激活") || a.role != "个人用户")
    {
        let role = match a.role {
            "个人用户" => "learner",
            "机构用户" => "institution",
            "专家用户" => "expert",
            _ => "department",
        };
        let mut c = t.client();
        let r = c.sign_in(role, &a.login, &a.password).await;
        assert_eq!(r.status, 303, "{} {}", a.role, a.login);
        let home = c.get(r.location.as_deref().unwrap()).await;
        assert!(
            home.status == 200 || home.status == 303,
            "{} {} {}",
            a.role,
            a.login,
            home.status
        );
    }
    // The demo learner has a rule to apply for and credits already.
    let learner = store::learners::by_id_number(&t.app.db.pool, &app::demo::learner_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app::conversion::matches(&t.app, learner.id).await.unwrap().len(), 1);
    assert_eq!(
        store::ledger::balance(&t.app.db.pool, learner.id).await.unwrap(),
        12_400
    );
}
