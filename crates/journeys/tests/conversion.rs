//! Conversion on both databases: methods, rules, matching, applications, the national
//! single-stage chain and the Guangdong two-stage chain, grants and the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::AppError;
use app::conversion::{MethodAction, Reviewer, RuleAction, RuleForm};
use common::{TestApp, actor, id, seed_bank, seed_institution, subtype, vals};
use domain::ids::{ApplicationId, CatalogOutcomeId, DepartmentId, HoldingId, InstitutionId, LearnerId, RuleId};
use store::audit::Actor;

both!(
    single_stage_journey,
    two_stage_journey,
    rule_codes_are_unique_under_concurrency
);

struct World {
    source_inst: InstitutionId,
    target_inst: InstitutionId,
    source_course: CatalogOutcomeId,
    target_major: CatalogOutcomeId,
    target_course: CatalogOutcomeId,
    learner: LearnerId,
    holding: HoldingId,
    dept: DepartmentId,
}

async fn world(t: &TestApp) -> World {
    let bank = seed_bank(t).await;
    let a = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let b = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = subtype(t, "higher_course").await;
    let diploma = subtype(t, "voc_diploma").await;
    let ia = actor("institution", 1);
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
    let m = app::catalog::create(
        &t.app,
        b,
        diploma,
        "数控技术毕业证书(高职)",
        &vals(&[
            ("level", "高职"),
            ("major", "数控技术"),
            ("conclusion", "毕业"),
            ("years", "3"),
            ("min_credits", "120"),
            ("intro", "数控技术专业"),
        ]),
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
    app::catalog::recognise(&t.app, &[bank.guangdong], &actor("department", 1), c, true, "3")
        .await
        .unwrap();
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "张晓明".into(),
        id_type: String::new(),
        id_number: id("44010619900101123"),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: "85".into(),
    };
    let holding = app::holdings::institution_store(&t.app, a, x, &form, &ia)
        .await
        .unwrap();
    let learner: LearnerId = t
        .id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {holding}"))
        .await;
    World {
        source_inst: a,
        target_inst: b,
        source_course: x,
        target_major: m,
        target_course: c,
        learner,
        holding,
        dept: bank.guangdong,
    }
}

async fn pdf(t: &TestApp) -> app::files::Upload {
    app::files::check_and_put(&t.app, "file", "规则.pdf", b"%PDF-1.4 signed", app::files::Accept::Pdf)
        .await
        .unwrap()
}

async fn publish_method(t: &TestApp, inst: InstitutionId) {
    let a = actor("institution", 1);
    let file = pdf(t).await;
    let m = app::conversion::create_method(&t.app, inst, "转换办法", Some(&file), &a)
        .await
        .unwrap();
    assert!(
        matches!(app::conversion::act_on_method(&t.app, inst, m, MethodAction::Publish, &a).await, Err(AppError::Conflict(msg)) if msg.contains("承诺书"))
    );
    app::conversion::accept_pledge(&t.app, inst, &a).await.unwrap();
    app::conversion::act_on_method(&t.app, inst, m, MethodAction::Publish, &a)
        .await
        .unwrap();
    let second = app::conversion::create_method(&t.app, inst, "新办法", Some(&pdf(t).await), &a)
        .await
        .unwrap();
    assert!(
        app::conversion::act_on_method(&t.app, inst, second, MethodAction::Publish, &a)
            .await
            .is_err(),
        "at most one published"
    );
    assert!(
        app::conversion::act_on_method(&t.app, inst, m, MethodAction::Delete, &a)
            .await
            .is_err(),
        "published cannot be deleted"
    );
    app::conversion::act_on_method(&t.app, inst, second, MethodAction::Delete, &a)
        .await
        .unwrap();
}

async fn make_rule(t: &TestApp, w: &World) -> RuleId {
    let a = actor("institution", 2);
    let mut f = RuleForm {
        name: "高等数学转换工程数学".into(),
        kind: "学历→学历".into(),
        sources: vec![w.source_course],
        targets: vec![w.target_course],
        ratio: "1:1".into(),
        explanation: "修完高等数学且成绩合格者，可转换为工程数学".into(),
        min_score: "60".into(),
        document: Some(pdf(t).await),
        ..Default::default()
    };
    assert!(
        matches!(app::conversion::create_rule(&t.app, w.target_inst, &f, &a).await, Err(AppError::Conflict(m)) if m.contains("转换办法")),
        "a published method comes first"
    );
    publish_method(t, w.target_inst).await;
    let bad = RuleForm {
        sources: vec![],
        targets: vec![w.target_major],
        ..f.clone()
    };
    let AppError::Invalid(errors) = app::conversion::create_rule(&t.app, w.target_inst, &bad, &a)
        .await
        .unwrap_err()
    else {
        panic!()
    };
    let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.contains(&"请至少选择一项源成果") && msgs.iter().any(|m| m.contains("须至少选择一门课程")),
        "{msgs:?}"
    );
    assert!(
        app::conversion::create_rule(
            &t.app,
            w.target_inst,
            &RuleForm {
                targets: vec![w.source_course],
                ..f.clone()
            },
            &a
        )
        .await
        .is_err(),
        "targets are the publisher's own"
    );
    f.targets = vec![w.target_course];
    let r = app::conversion::create_rule(&t.app, w.target_inst, &f, &a)
        .await
        .unwrap();
    let rule = store::conversion::rule(&t.app.db.pool, r).await.unwrap().unwrap();
    assert_eq!(rule.code.len(), 12);
    assert!(rule.code.ends_with("0001"));
    assert_eq!(rule.status.code(), "draft");
    app::conversion::act_on_rule(&t.app, w.target_inst, r, RuleAction::Publish, &a)
        .await
        .unwrap();
    assert!(
        app::conversion::act_on_rule(&t.app, w.target_inst, r, RuleAction::Publish, &a)
            .await
            .is_err()
    );
    assert!(matches!(
        app::conversion::act_on_rule(&t.app, w.source_inst, r, RuleAction::Withdraw, &a).await,
        Err(AppError::NotFound(_))
    ));
    r
}

async fn learner(t: &TestApp, id: LearnerId) -> store::learners::Learner {
    store::learners::by_id(&t.app.db.pool, id).await.unwrap().unwrap()
}

async fn single_stage_journey(t: &TestApp) {
    let w = world(t).await;
    let r = make_rule(t, &w).await;
    let me = learner(t, w.learner).await;
    let la = actor("learner", w.learner);
    let found = app::conversion::matches(&t.app, w.learner).await.unwrap();
    assert_eq!(found.iter().map(|(r, _)| r.id).collect::<Vec<_>>(), vec![r]);
    assert_eq!(found[0].1.holdings, vec![w.holding]);
    // Someone without the source gets nothing.
    let other = common::seed_learner(t, "李四", &id("44010619910101123"), "13812345679", "abc12345").await;
    assert!(app::conversion::matches(&t.app, other).await.unwrap().is_empty());
    assert!(matches!(
        app::conversion::apply(&t.app, &learner(t, other).await, r, &[], &la).await,
        Err(AppError::Conflict(_))
    ));
    let application = app::conversion::apply(&t.app, &me, r, &[], &la).await.unwrap();
    assert!(
        matches!(app::conversion::apply(&t.app, &me, r, &[], &la).await, Err(AppError::Conflict(m)) if m.contains("重复申请"))
    );
    assert!(
        app::conversion::matches(&t.app, w.learner).await.unwrap().is_empty(),
        "an applied rule is not offered again"
    );
    // Only the target institution reviews; a failing decision needs an opinion.
    let ia = actor("institution", 2);
    assert!(matches!(
        app::conversion::review(
            &t.app,
            Reviewer::Institution(w.source_inst),
            &[application],
            true,
            "",
            &ia
        )
        .await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        matches!(
            app::conversion::review(&t.app, Reviewer::Department(&[w.dept]), &[application], true, "", &ia).await,
            Err(AppError::NotFound(_))
        ),
        "not in the national chain"
    );
    assert!(
        app::conversion::review(
            &t.app,
            Reviewer::Institution(w.target_inst),
            &[application],
            false,
            "",
            &ia
        )
        .await
        .is_err()
    );
    let long = "意".repeat(501);
    assert!(
        app::conversion::review(
            &t.app,
            Reviewer::Institution(w.target_inst),
            &[application],
            true,
            &long,
            &ia
        )
        .await
        .is_err()
    );
    // Two reviewers at once: exactly one decision wins.
    let both = [application];
    let (x, y) = tokio::join!(
        app::conversion::review(&t.app, Reviewer::Institution(w.target_inst), &both, true, "同意", &ia),
        app::conversion::review(
            &t.app,
            Reviewer::Institution(w.target_inst),
            &both,
            false,
            "不同意",
            &ia
        ),
    );
    assert_eq!(x.is_ok() as u8 + y.is_ok() as u8, 1, "{x:?} {y:?}");
    let a = store::conversion::application(&t.app.db.pool, application)
        .await
        .unwrap()
        .unwrap();
    let granted = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM learner_outcomes WHERE learner_id = {} AND source = 'conversion'",
            w.learner
        ))
        .await;
    if a.status.code() == "passed" {
        assert_eq!(granted, 1);
        let h: HoldingId = t
            .id(&format!(
                "SELECT id FROM learner_outcomes WHERE learner_id = {} AND source = 'conversion'",
                w.learner
            ))
            .await;
        let held = store::holdings::by_id(&t.app.db.pool, h).await.unwrap().unwrap();
        assert_eq!(
            (held.name.as_str(), held.credits, held.status.code()),
            ("工程数学", Some(300), "stored")
        );
        assert_eq!(store::ledger::balance(&t.app.db.pool, w.learner).await.unwrap(), 300);
        let sms = store::outbox::latest_to(&t.app.db.pool, "13812345678").await.unwrap();
        assert!(sms.is_none() || sms.is_some_and(|m| m.body.contains("转换")));
    } else {
        assert_eq!((a.status.code(), granted), ("failed", 0));
        assert_eq!(store::ledger::balance(&t.app.db.pool, w.learner).await.unwrap(), 0);
    }
    let reviews = store::conversion::application_reviews(&t.app.db.pool, application)
        .await
        .unwrap();
    assert_eq!(reviews.len(), 1);
    // Once passed, the rule is never offered again for the consumed outcome; a failed
    // application can be made again.
    if a.status.code() == "failed" {
        app::conversion::apply(&t.app, &me, r, &[], &la).await.unwrap();
    } else {
        assert!(app::conversion::matches(&t.app, w.learner).await.unwrap().is_empty());
    }
    // The department can take the rule down; then nobody can apply.
    app::conversion::take_down(&t.app, &[w.dept], r, "规则已过期", &actor("department", 1))
        .await
        .unwrap();
    let third = common::seed_learner(t, "王五", &id("44010619920101123"), "13812345670", "abc12345").await;
    assert!(matches!(
        app::conversion::apply(&t.app, &learner(t, third).await, r, &[], &la).await,
        Err(AppError::NotFound(_))
    ));
}

async fn two_stage_journey(t: &TestApp) {
    let w = world(t).await;
    store::taxonomy::set_setting(&t.app.db.pool, "conversion_chain", "two_stage")
        .await
        .unwrap();
    let r = make_rule(t, &w).await;
    let me = learner(t, w.learner).await;
    assert!(
        matches!(app::conversion::apply(&t.app, &me, r, &[], &actor("learner", w.learner)).await, Err(AppError::Invalid(e)) if e[0].message.contains("申请材料")),
        "the two-stage chain needs materials"
    );
    let material: (&str, &[u8]) = ("成绩单.pdf", b"%PDF-1.4 transcript");
    let application = app::conversion::apply(&t.app, &me, r, &[material], &actor("learner", w.learner))
        .await
        .unwrap();
    assert_eq!(
        store::conversion::files_of(&t.app.db.pool, application)
            .await
            .unwrap()
            .len(),
        1
    );
    // A refused application (a second one under the same rule) leaves no file behind.
    let files = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap()
    };
    let before = files().await;
    assert!(matches!(
        app::conversion::apply(&t.app, &me, r, &[material], &actor("learner", w.learner)).await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(files().await, before, "a refused application keeps no materials");
    let ia = actor("institution", 2);
    assert!(
        matches!(
            app::conversion::review(
                &t.app,
                Reviewer::Institution(w.target_inst),
                &[application],
                true,
                "",
                &ia
            )
            .await,
            Err(AppError::NotFound(_))
        ),
        "not the institution's decision in this chain"
    );
    assert!(
        app::conversion::review(&t.app, Reviewer::Expert, &[application], true, "", &actor("expert", 4))
            .await
            .is_err(),
        "final before initial"
    );
    assert!(matches!(
        app::conversion::review(
            &t.app,
            Reviewer::Department(&[DepartmentId::new(999)]),
            &[application],
            true,
            "",
            &actor("department", 3)
        )
        .await,
        Err(AppError::NotFound(_))
    ));
    app::conversion::review(
        &t.app,
        Reviewer::Department(&[w.dept]),
        &[application],
        true,
        "材料齐全",
        &actor("department", 1),
    )
    .await
    .unwrap();
    assert_eq!(
        store::ledger::balance(&t.app.db.pool, w.learner).await.unwrap(),
        0,
        "nothing granted before the final review"
    );
    app::conversion::review(
        &t.app,
        Reviewer::Expert,
        &[application],
        true,
        "同意转换",
        &actor("expert", 4),
    )
    .await
    .unwrap();
    assert_eq!(store::ledger::balance(&t.app.db.pool, w.learner).await.unwrap(), 300);
    let reviews = store::conversion::application_reviews(&t.app.db.pool, application)
        .await
        .unwrap();
    assert_eq!(
        reviews.iter().map(|r| r.stage.as_str()).collect::<Vec<_>>(),
        ["initial", "final"]
    );
    let sms = store::outbox::latest_to(&t.app.db.pool, "13812345678").await.unwrap();
    assert!(sms.is_none_or(|m| m.body.contains("转换")));
    // The source institution applies for a batch of its learners (与我相关).
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "李四".into(),
        id_type: String::new(),
        id_number: id("44010619910101123"),
        number: "N2".into(),
        issued_on: "2023-07-01".into(),
        score: "50".into(),
    };
    let low = app::holdings::institution_store(&t.app, w.source_inst, w.source_course, &form, &ia)
        .await
        .unwrap();
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "王五".into(),
        id_type: String::new(),
        id_number: id("44010619920101123"),
        number: "N3".into(),
        issued_on: "2023-07-01".into(),
        score: "90".into(),
    };
    let ok = app::holdings::institution_store(&t.app, w.source_inst, w.source_course, &form, &ia)
        .await
        .unwrap();
    let ids: Vec<LearnerId> = vec![
        t.id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {low}"))
            .await,
        t.id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {ok}"))
            .await,
    ];
    assert!(matches!(
        app::conversion::batch_apply(&t.app, InstitutionId::new(w.target_inst.get() + 100), r, &ids, &ia).await,
        Err(AppError::NotFound(_))
    ));
    let (made, skipped) = app::conversion::batch_apply(&t.app, w.source_inst, r, &ids, &ia)
        .await
        .unwrap();
    assert_eq!(
        (made, skipped),
        (1, vec!["李四".to_string()]),
        "a score below the rule's minimum is not eligible"
    );
    // 机构发起 groups the applications by batch, each opening its learners.
    let mut src = t.client();
    src.sign_in("institution", "4144051234", "Pass1234").await;
    let sent = src.get("/institution/conversions/records?tab=sent").await;
    assert!(
        sent.has("发起批次") && sent.has("查看学员") && sent.has("王五"),
        "{}",
        sent.excerpt(0, 3000)
    );
    let batch = store::conversion::batches_of(&t.app.db.pool, w.source_inst, 10)
        .await
        .unwrap();
    assert_eq!((batch.len(), batch[0].total, batch[0].pending), (1, 1, 1));
    let one = src
        .get(&format!(
            "/institution/conversions/records?tab=sent&batch={}",
            batch[0].batch
        ))
        .await;
    assert!(one.has(&format!("批次 {} 的学员", batch[0].batch)) && one.has("王五"));
    let none = src.get("/institution/conversions/records?tab=sent&batch=nope").await;
    assert!(!none.has("王五"));
    // An export walks the applications a page at a time without counting them: the same
    // rows as the counted list, across every page boundary.
    let uid: i64 = t
        .scalar(&format!(
            "SELECT id FROM institution_users WHERE institution_id = {} AND is_primary = 1",
            w.target_inst
        ))
        .await;
    let who = app::auth::account(&t.app, domain::role::Role::Institution, uid)
        .await
        .unwrap()
        .unwrap();
    let listed: Vec<ApplicationId> = app::queries::conversion::applications(&t.app, &who, Default::default(), 1, 50)
        .await
        .unwrap()
        .rows
        .iter()
        .map(|r| r.application.id)
        .collect();
    assert!(listed.len() >= 2, "{listed:?}");
    let mut walked = Vec::new();
    let mut f = app::queries::ApplicationFilter::default();
    loop {
        let page = app::queries::conversion::application_rows(&t.app, &who, f.clone(), 1)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        f.before_id = Some(last.application.id);
        walked.extend(page.iter().map(|r| r.application.id));
    }
    assert_eq!(walked, listed);
}

async fn rule_codes_are_unique_under_concurrency(t: &TestApp) {
    let w = world(t).await;
    publish_method(t, w.target_inst).await;
    let f = RuleForm {
        name: "并发规则".into(),
        kind: "学历→学历".into(),
        sources: vec![w.source_course],
        targets: vec![w.target_course],
        ratio: "1:1".into(),
        explanation: "并发创建".into(),
        document: Some(pdf(t).await),
        ..Default::default()
    };
    let a = actor("institution", 2);
    let results = futures_join(t, &f, &a, w.target_inst).await;
    let mut codes: Vec<String> = Vec::new();
    for id in results {
        codes.push(store::conversion::rule(&t.app.db.pool, id).await.unwrap().unwrap().code);
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 6, "{codes:?}");
}

async fn futures_join(t: &TestApp, f: &RuleForm, a: &Actor, inst: InstitutionId) -> Vec<RuleId> {
    let mut handles = Vec::new();
    for _ in 0..6 {
        let (app, mut f, a) = (t.app.clone(), f.clone(), a.clone());
        // Each rule comes with its own uploaded document.
        f.document = Some(pdf(t).await);
        handles.push(tokio::spawn(async move {
            app::conversion::create_rule(&app, inst, &f, &a).await
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap().unwrap());
    }
    out
}
