//! Outcomes, recognition and the credit ledger on both databases: every lifecycle
//! transition, allowed and refused, and the scope of each role.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::AppError;
use common::{TestApp, actor, balance, id, seed_bank, seed_institution, seed_learner, subtype, vals};
use domain::ids::LearnerId;

both!(
    catalog_recognition_credits_holders,
    learner_outcome_lifecycle,
    withdrawal_is_all_or_nothing
);

const DIPLOMA: [(&str, &str); 6] = [
    ("level", "本科"),
    ("major", "经济统计学"),
    ("conclusion", "毕业"),
    ("years", "4"),
    ("min_credits", "160"),
    ("intro", "经济统计学专业本科毕业证书"),
];

async fn catalog_recognition_credits_holders(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let a = actor("institution", 1);
    let diploma = subtype(t, "higher_diploma").await;
    // Bad input names each field; nothing stored.
    let err = app::catalog::create(&t.app, gd, diploma, "", &vals(&[("level", "大专"), ("years", "x")]), &a)
        .await
        .unwrap_err();
    let AppError::Invalid(errors) = err else {
        panic!("expected field errors")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_ref()).collect();
    for f in ["name", "f_level", "f_years", "f_major", "f_conclusion", "f_intro"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 0);
    // Restricted and synced subtypes.
    let x = subtype(t, "x_cert").await;
    assert!(
        matches!(app::catalog::create(&t.app, gd, x, "X证书", &vals(&[("grade", "中级")]), &a).await, Err(AppError::Forbidden(m)) if m.contains("同步"))
    );
    let mohrss = subtype(t, "mohrss_cert").await;
    let cert = vals(&[("grade", "三级"), ("occupation", "电工")]);
    assert!(
        matches!(app::catalog::create(&t.app, gd, mohrss, "电工三级", &cert, &a).await, Err(AppError::Forbidden(m)) if m.contains("授权"))
    );
    // Authorisation is the department's, within its scope.
    let sd_scope = vec![bank.shandong];
    assert!(matches!(
        app::taxonomy::authorise(&t.app, &sd_scope, &actor("department", 1), gd, mohrss, true).await,
        Err(AppError::NotFound(_))
    ));
    app::taxonomy::authorise(&t.app, &[bank.guangdong], &actor("department", 1), gd, mohrss, true)
        .await
        .unwrap();
    app::catalog::create(&t.app, gd, mohrss, "电工三级", &cert, &a)
        .await
        .unwrap();

    let o = app::catalog::create(&t.app, gd, diploma, "经济统计学毕业证书(本科)", &vals(&DIPLOMA), &a)
        .await
        .unwrap();
    assert!(
        app::catalog::create(&t.app, gd, diploma, "经济统计学毕业证书(本科)", &vals(&DIPLOMA), &a)
            .await
            .is_err(),
        "same name twice"
    );
    // Two learners hold it before it is recognised.
    let store_form = |name: &str, idn: &str, no: &str| app::holdings::StoreForLearnerForm {
        learner_name: name.into(),
        id_type: String::new(),
        id_number: idn.into(),
        number: no.into(),
        issued_on: "2023-07-01".into(),
        score: String::new(),
    };
    let h1 = app::holdings::institution_store(
        &t.app,
        gd,
        o,
        &store_form("张晓明", &id("44010619900101123"), "GD001"),
        &a,
    )
    .await
    .unwrap();
    app::holdings::institution_store(
        &t.app,
        gd,
        o,
        &store_form("李嘉民", &id("44010219950505005"), "GD002"),
        &a,
    )
    .await
    .unwrap();
    // The same learner twice, a name that does not match the ID, a future date.
    assert!(
        app::holdings::institution_store(
            &t.app,
            gd,
            o,
            &store_form("张晓明", &id("44010619900101123"), "GD003"),
            &a
        )
        .await
        .is_err()
    );
    assert!(
        app::holdings::institution_store(
            &t.app,
            gd,
            o,
            &store_form("王五", &id("44010619900101123"), "GD004"),
            &a
        )
        .await
        .is_err()
    );
    let mut future = store_form("赵六", &id("44010619920101123"), "GD005");
    future.issued_on = "2099-01-01".into();
    assert!(
        matches!(app::holdings::institution_store(&t.app, gd, o, &future, &a).await, Err(AppError::Invalid(e)) if e.iter().any(|e| e.message.contains("不能晚于今天")))
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 2);
    // New learners were pre-imported (未激活).
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'inactive'")
            .await,
        2
    );
    let learner1: LearnerId = t
        .id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {h1}"))
        .await;
    assert_eq!(balance(t, learner1).await, 0);
    // Another institution cannot store or delete it.
    let sd = seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    assert!(matches!(
        app::holdings::institution_store(&t.app, sd, o, &store_form("钱七", &id("44010619930101123"), "X"), &a).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app::catalog::delete(&t.app, sd, &[o], &a).await,
        Err(AppError::NotFound(_))
    ));
    // Recognition: out of scope refused; in scope credits both holders at once.
    assert!(matches!(
        app::catalog::recognise(&t.app, &[bank.shandong], &actor("department", 1), o, true, "4").await,
        Err(AppError::NotFound(_))
    ));
    app::catalog::request_recognition(&t.app, gd, o, &a).await.unwrap();
    assert!(app::catalog::request_recognition(&t.app, gd, o, &a).await.is_err());
    assert!(matches!(
        app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), o, true, "abc").await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), o, true, "4.5")
            .await
            .unwrap(),
        2
    );
    assert!(
        app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), o, true, "4.5")
            .await
            .is_err(),
        "twice"
    );
    assert_eq!(balance(t, learner1).await, 450);
    // A later holder takes the credits automatically.
    let h3 = app::holdings::institution_store(
        &t.app,
        gd,
        o,
        &store_form("孙八", &id("44010619940101123"), "GD006"),
        &a,
    )
    .await
    .unwrap();
    let learner3: LearnerId = t
        .id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {h3}"))
        .await;
    assert_eq!(balance(t, learner3).await, 450);
    // Recognised outcomes cannot be deleted; unrecognised ones can, holders keep theirs.
    assert!(matches!(
        app::catalog::delete(&t.app, gd, &[o], &a).await,
        Err(AppError::Conflict(_))
    ));
    let course = subtype(t, "higher_course").await;
    let c = app::catalog::create(
        &t.app,
        gd,
        course,
        "高等数学",
        &vals(&[("course_code", "MATH101"), ("orig_credits", "4")]),
        &a,
    )
    .await
    .unwrap();
    let h4 = app::holdings::institution_store(&t.app, gd, c, &store_form("张晓明", &id("44010619900101123"), "C1"), &a)
        .await
        .unwrap();
    app::catalog::delete(&t.app, gd, &[c], &a).await.unwrap();
    let kept = store::holdings::by_id(&t.app.db.pool, h4).await.unwrap().unwrap();
    assert_eq!((kept.name.as_str(), kept.institution_outcome_id), ("高等数学", None));
    // The public catalog finds it by a Chinese substring.
    let page = store::catalog::list(
        &t.app.db,
        &store::catalog::Filter {
            name: Some("统计学毕业".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert_eq!(page.total, 1);
    let page = store::catalog::list(
        &t.app.db,
        &store::catalog::Filter {
            name: Some("统计".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert_eq!(page.total, 1, "two-character queries work too");
    for hostile in ["统计\"学 OR *", "%_\\", "AND NOT 统计学", "\"\""] {
        let f = store::catalog::Filter {
            name: Some(hostile.into()),
            ..Default::default()
        };
        assert_eq!(
            store::catalog::list(&t.app.db, &f, 1, 10).await.unwrap().total,
            0,
            "{hostile}"
        );
    }
}

async fn learner_outcome_lifecycle(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let learner_id = seed_learner(t, "张晓明", &id("44010619900101123"), "13812345678", "abc12345").await;
    let learner = store::learners::by_id(&t.app.db.pool, learner_id)
        .await
        .unwrap()
        .unwrap();
    let la = actor("learner", learner_id);
    let diploma = subtype(t, "higher_diploma").await;
    let o = app::catalog::create(
        &t.app,
        gd,
        diploma,
        "经济统计学毕业证书(本科)",
        &vals(&DIPLOMA),
        &actor("institution", 1),
    )
    .await
    .unwrap();
    app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), o, true, "4")
        .await
        .unwrap();
    // Picked from the catalog: fields come from it.
    let form = app::holdings::HoldingForm {
        subtype_id: diploma,
        institution_outcome_id: Some(o),
        number: "GD001".into(),
        issued_on: "2023-07-01".into(),
        ..Default::default()
    };
    let h = app::holdings::learner_create(&t.app, &learner, &form, &la)
        .await
        .unwrap();
    let held = store::holdings::by_id(&t.app.db.pool, h).await.unwrap().unwrap();
    assert_eq!(
        (held.status.code(), held.source.as_str(), held.issuer.as_str()),
        ("registered", "personal", "广东开放大学")
    );
    assert!(held.fields.contains("经济统计学"));
    assert!(
        app::holdings::learner_create(&t.app, &learner, &form, &la)
            .await
            .is_err(),
        "duplicate outcome for the same learner"
    );
    // Edit while 登记; someone else cannot.
    let other_id = seed_learner(t, "李四", &id("44010619910101123"), "13812345679", "abc12345").await;
    let other = store::learners::by_id(&t.app.db.pool, other_id).await.unwrap().unwrap();
    let edit = app::holdings::HoldingForm {
        number: "GD001-A".into(),
        ..form.clone()
    };
    assert!(matches!(
        app::holdings::learner_update(&t.app, &other, h, &edit, &la).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app::holdings::learner_delete(&t.app, &other, h, &la).await,
        Err(AppError::NotFound(_))
    ));
    app::holdings::learner_update(&t.app, &learner, h, &edit, &la)
        .await
        .unwrap();
    // Submit; now read-only; the department stores it and credits follow automatically.
    app::holdings::learner_submit(&t.app, &learner, &[h], &la)
        .await
        .unwrap();
    assert!(matches!(
        app::holdings::learner_update(&t.app, &learner, h, &edit, &la).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        app::holdings::learner_delete(&t.app, &learner, h, &la).await,
        Err(AppError::Conflict(_))
    ));
    assert!(
        app::holdings::learner_submit(&t.app, &learner, &[h], &la)
            .await
            .is_err()
    );
    assert!(matches!(
        app::holdings::bank_store(&t.app, &[bank.shandong], &actor("department", 3), h, true, "").await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        app::holdings::bank_store(&t.app, &[bank.guangdong], &actor("department", 2), h, false, "")
            .await
            .is_err(),
        "a reason is needed to return"
    );
    app::holdings::bank_store(&t.app, &[bank.guangdong], &actor("department", 2), h, true, "")
        .await
        .unwrap();
    assert!(
        app::holdings::bank_store(&t.app, &[bank.guangdong], &actor("department", 2), h, true, "")
            .await
            .is_err(),
        "twice"
    );
    let held = store::holdings::by_id(&t.app.db.pool, h).await.unwrap().unwrap();
    assert_eq!(
        (held.status.code(), held.stored_by.as_deref(), held.credits),
        ("stored", Some("bank"), Some(400))
    );
    assert_eq!(app::holdings::status_label(&held), "学分银行存储");
    assert_eq!(balance(t, learner_id).await, 400);
    // A manual entry with bad values.
    let course = subtype(t, "higher_course").await;
    let bad = app::holdings::HoldingForm {
        subtype_id: course,
        name: "<script>".into(),
        issuer: String::new(),
        issued_on: "2099-01-01".into(),
        score: "120".into(),
        ..Default::default()
    };
    let AppError::Invalid(errors) = app::holdings::learner_create(&t.app, &learner, &bad, &la)
        .await
        .unwrap_err()
    else {
        panic!()
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_ref()).collect();
    for f in [
        "name",
        "issuer",
        "issued_on",
        "score",
        "number",
        "f_course_code",
        "f_orig_credits",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // Messages reached the learner.
    assert!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM messages WHERE recipient_role = 'learner' AND recipient_id = {learner_id}"
        ))
        .await
            >= 2
    );
}

async fn withdrawal_is_all_or_nothing(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let sd = seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let a = actor("institution", 1);
    let diploma = subtype(t, "higher_diploma").await;
    let o = app::catalog::create(&t.app, gd, diploma, "经济统计学毕业证书(本科)", &vals(&DIPLOMA), &a)
        .await
        .unwrap();
    app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), o, true, "4")
        .await
        .unwrap();
    let so = app::catalog::create(&t.app, sd, diploma, "会计学毕业证书(本科)", &vals(&DIPLOMA), &a)
        .await
        .unwrap();
    let form = |idn: &str| app::holdings::StoreForLearnerForm {
        learner_name: "张晓明".into(),
        id_type: String::new(),
        id_number: idn.into(),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: String::new(),
    };
    let idn = id("44010619900101123");
    let h1 = app::holdings::institution_store(&t.app, gd, o, &form(&idn), &a)
        .await
        .unwrap();
    let h2 = app::holdings::institution_store(&t.app, sd, so, &form(&idn), &a)
        .await
        .unwrap();
    let learner: LearnerId = t
        .id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {h1}"))
        .await;
    assert_eq!(balance(t, learner).await, 400);
    // One outcome of another institution in the batch: nothing is withdrawn.
    assert!(matches!(
        app::holdings::withdraw(&t.app, gd, &[h1, h2], "发证信息有误", None, &a).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learner_outcomes WHERE status = 'withdrawn'")
            .await,
        0
    );
    assert!(matches!(
        app::holdings::withdraw(&t.app, gd, &[h1], "", None, &a).await,
        Err(AppError::Invalid(_))
    ));
    let doc = app::files::check_and_put(&t.app, "file", "撤回说明.pdf", b"%PDF-1.4 doc", app::files::Accept::Pdf)
        .await
        .unwrap();
    let files = t.scalar("SELECT COUNT(*) FROM files").await;
    app::holdings::withdraw(&t.app, gd, &[h1], "发证信息有误", Some(&doc), &a)
        .await
        .unwrap();
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM files").await,
        files + 1,
        "the document's row comes with the withdrawal"
    );
    assert!(
        app::holdings::withdraw(&t.app, gd, &[h1], "再次撤回", Some(&doc), &a)
            .await
            .is_err()
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM files").await,
        files + 1,
        "a refused withdrawal keeps no file"
    );
    // The credits are reversed by a new ledger entry, not by deleting the old one.
    assert_eq!(balance(t, learner).await, 0);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM credit_ledger WHERE learner_id = {learner}"
        ))
        .await,
        2
    );
    // Withdrawn, it can be stored again.
    app::holdings::institution_store(&t.app, gd, o, &form(&idn), &a)
        .await
        .unwrap();
    assert_eq!(balance(t, learner).await, 400);
}
