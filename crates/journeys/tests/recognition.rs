//! Recognition of informal outcomes on both databases: evidence checked by content, the
//! department's initial review and the expert's final one with credits, the opinions of
//! each step, and the outcome read-only while it is under review.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::AppError;
use common::{TestApp, actor, balance, id, seed_bank, seed_learner, subtype, vals};

both!(informal_recognition_two_stages, an_outcome_under_review_is_read_only);

async fn informal_recognition_two_stages(t: &TestApp) {
    let bank = seed_bank(t).await;
    let learner_id = seed_learner(t, "张晓明", &id("44010619900101123"), "13812345678", "abc12345").await;
    let learner = store::learners::by_id(&t.app.db.pool, learner_id)
        .await
        .unwrap()
        .unwrap();
    let la = actor("learner", learner_id);
    let comp = subtype(t, "competition").await;
    let form = app::holdings::HoldingForm {
        subtype_id: comp,
        name: "全国职业院校技能大赛一等奖".into(),
        issuer: "教育部".into(),
        issued_on: "2024-06-01".into(),
        fields: vals(&[
            ("organiser", "教育部"),
            ("award_level", "国家级"),
            ("contest", "全国职业院校技能大赛"),
            ("held_on", "2024-05-20"),
        ]),
        ..Default::default()
    };
    let h = app::holdings::learner_create(&t.app, &learner, &form, &la)
        .await
        .unwrap();
    // Evidence is required, and must really be an image or a PDF.
    assert!(
        matches!(app::recognition::apply(&t.app, &learner, &[h], &la).await, Err(AppError::Conflict(m)) if m.contains("材料"))
    );
    let fake = app::files::save(
        &t.app,
        "file",
        "award.png",
        b"MZ\x90\x00not a png",
        app::files::Accept::Evidence,
        "learner",
        learner_id,
    )
    .await;
    assert!(matches!(fake, Err(AppError::Invalid(e)) if e[0].message.contains("不是jpg")));
    let big = vec![b'%'; 11 * 1024 * 1024];
    assert!(
        matches!(app::files::save(&t.app, "file", "big.pdf", &big, app::files::Accept::Evidence, "learner", learner_id).await, Err(AppError::Invalid(e)) if e[0].message.contains("10MB"))
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM files").await, 0);
    let file = app::files::save(
        &t.app,
        "file",
        "award.pdf",
        b"%PDF-1.4 award",
        app::files::Accept::Evidence,
        "learner",
        learner_id,
    )
    .await
    .unwrap();
    store::files::attach(&t.app.db.pool, h, file).await.unwrap();
    app::recognition::apply(&t.app, &learner, &[h], &la).await.unwrap();
    assert!(
        app::recognition::apply(&t.app, &learner, &[h], &la).await.is_err(),
        "applying twice"
    );
    // The expert cannot act before the initial review.
    assert!(
        app::recognition::final_review(&t.app, &actor("expert", 9), &[h], true, "2", "")
            .await
            .is_err()
    );
    assert!(
        app::recognition::initial_review(&t.app, &[bank.center], &actor("department", 1), &[h], false, "")
            .await
            .is_err(),
        "a failing opinion is required"
    );
    app::recognition::initial_review(&t.app, &[bank.center], &actor("department", 1), &[h], true, "材料齐全")
        .await
        .unwrap();
    assert!(
        app::recognition::initial_review(&t.app, &[bank.center], &actor("department", 1), &[h], true, "")
            .await
            .is_err(),
        "already reviewed"
    );
    assert!(matches!(
        app::recognition::final_review(&t.app, &actor("expert", 9), &[h], true, "0", "").await,
        Err(AppError::Invalid(_))
    ));
    app::recognition::final_review(&t.app, &actor("expert", 9), &[h], true, "3", "同意认定")
        .await
        .unwrap();
    let held = store::holdings::by_id(&t.app.db.pool, h).await.unwrap().unwrap();
    assert_eq!(
        (held.recognition.code(), held.status.code(), held.credits),
        ("recognised", "stored", Some(300))
    );
    assert_eq!(balance(t, learner_id).await, 300);
    let reviews = store::holdings::reviews(&t.app.db.pool, h).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| r.stage.as_str()).collect::<Vec<_>>(),
        ["apply", "initial", "final"]
    );
    let sms = store::outbox::latest_to(&t.app.db.pool, "13812345678")
        .await
        .unwrap()
        .unwrap();
    assert!(sms.body.contains("已通过认定"));
    // A rejected application can be made again.
    let h2 = app::holdings::learner_create(
        &t.app,
        &learner,
        &app::holdings::HoldingForm {
            name: "省赛二等奖".into(),
            ..form.clone()
        },
        &la,
    )
    .await
    .unwrap();
    store::files::attach(&t.app.db.pool, h2, file).await.unwrap();
    app::recognition::apply(&t.app, &learner, &[h2], &la).await.unwrap();
    app::recognition::initial_review(
        &t.app,
        &[bank.center],
        &actor("department", 1),
        &[h2],
        false,
        "材料不清晰",
    )
    .await
    .unwrap();
    assert_eq!(
        store::holdings::by_id(&t.app.db.pool, h2)
            .await
            .unwrap()
            .unwrap()
            .recognition
            .code(),
        "rejected"
    );
    app::recognition::apply(&t.app, &learner, &[h2], &la).await.unwrap();
    assert_eq!(balance(t, learner_id).await, 300);
}

/// A 竞赛奖励 at 已申请认定 or 初审通过 cannot be changed or deleted (the expert would
/// approve a record that changed after the department saw it); once decided it can.
async fn an_outcome_under_review_is_read_only(t: &TestApp) {
    let bank = seed_bank(t).await;
    let learner_id = seed_learner(t, "张晓明", &id("44010619900101123"), "13812345678", "abc12345").await;
    let learner = store::learners::by_id(&t.app.db.pool, learner_id)
        .await
        .unwrap()
        .unwrap();
    let la = actor("learner", learner_id);
    let form = app::holdings::HoldingForm {
        subtype_id: subtype(t, "competition").await,
        name: "全国职业院校技能大赛一等奖".into(),
        issuer: "教育部".into(),
        issued_on: "2024-06-01".into(),
        fields: vals(&[
            ("organiser", "教育部"),
            ("award_level", "国家级"),
            ("contest", "全国职业院校技能大赛"),
            ("held_on", "2024-05-20"),
        ]),
        ..Default::default()
    };
    let h = app::holdings::learner_create(&t.app, &learner, &form, &la)
        .await
        .unwrap();
    app::evidence::attach(&t.app, &learner, h, "award.pdf", b"%PDF-1.4 award", &la)
        .await
        .unwrap();
    app::recognition::apply(&t.app, &learner, &[h], &la).await.unwrap();
    let changed = app::holdings::HoldingForm {
        name: "全国职业院校技能大赛特等奖".into(),
        ..form.clone()
    };
    assert!(matches!(
        app::holdings::learner_update(&t.app, &learner, h, &changed, &la).await,
        Err(AppError::Conflict(m)) if m.contains("认定审核中")
    ));
    assert!(app::holdings::learner_delete(&t.app, &learner, h, &la).await.is_err());
    let mut c = t.client();
    c.sign_in("learner", "13812345678", "abc12345").await;
    let page = c.get(&format!("/learner/outcomes/{h}")).await;
    assert!(
        !page.has(&format!("/learner/outcomes/{h}/edit")),
        "no 修改 while under review"
    );
    assert!(
        !c.get("/learner/outcomes")
            .await
            .has(&format!("/learner/outcomes/{h}/edit"))
    );
    assert_eq!(c.get(&format!("/learner/outcomes/{h}/edit")).await.status, 409);
    app::recognition::initial_review(&t.app, &[bank.center], &actor("department", 1), &[h], true, "材料齐全")
        .await
        .unwrap();
    assert!(
        app::holdings::learner_update(&t.app, &learner, h, &changed, &la)
            .await
            .is_err(),
        "初审通过: still read-only"
    );
    app::recognition::final_review(&t.app, &actor("expert", 9), &[h], false, "", "证书不清晰")
        .await
        .unwrap();
    // Decided (认定未通过): the learner may correct it and apply again.
    app::holdings::learner_update(&t.app, &learner, h, &changed, &la)
        .await
        .unwrap();
    assert!(
        c.get(&format!("/learner/outcomes/{h}"))
            .await
            .has(&format!("/learner/outcomes/{h}/edit"))
    );
}
