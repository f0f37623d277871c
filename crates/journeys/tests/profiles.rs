//! Bank profiles: one engine, three banks. The profile of a new database sets the name
//! on every page and message, the taxonomy, the review chain and the learner menu; a
//! database keeps the profile it was created with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::conversion::Chain;
use common::{Profile, TestApp, id, seed_learner};

both!(the_national_bank_is_the_default);
both_as!(Guangdong; guangdong_bank_has_its_name_taxonomy_chain_and_menu, guangdong_demo);
both_as!(Oucn; oucn_bank_has_its_name_and_taxonomy, a_database_keeps_its_profile, oucn_demo);

async fn guangdong_demo(t: &TestApp) {
    the_demo_loads(t).await;
}

async fn oucn_demo(t: &TestApp) {
    the_demo_loads(t).await;
}

async fn subtype_exists(t: &TestApp, code: &str) -> bool {
    store::taxonomy::subtype_by_code(&t.app.db.pool, code)
        .await
        .unwrap()
        .is_some()
}

async fn the_national_bank_is_the_default(t: &TestApp) {
    assert_eq!(t.app.bank, Profile::Ncb);
    let home = t.client().get("/").await;
    assert!(home.has("- 职业教育国家学分银行</title>"));
    assert!(!home.has("Credit Bank"), "no English brand on user pages");
    assert!(subtype_exists(t, "x_cert").await);
    assert_eq!(app::conversion::chain(&t.app).await.unwrap(), Chain::Single);
}

async fn guangdong_bank_has_its_name_taxonomy_chain_and_menu(t: &TestApp) {
    assert_eq!(t.app.bank, Profile::Guangdong);
    let home = t.client().get("/").await;
    assert!(home.has("广东终身教育学分银行"));
    assert!(!home.has("职业教育国家学分银行") && !home.has("Credit Bank"));
    assert!(subtype_exists(t, "perf_competition").await && !subtype_exists(t, "x_cert").await);
    assert_eq!(app::conversion::chain(&t.app).await.unwrap(), Chain::TwoStage);
    // SMS carry the bank's short name as signature.
    let mut c = t.client();
    c.get("/password/forgot").await;
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    c.sms("13800000001", "reset_password").await;
    let sms = store::outbox::latest_to(&t.app.db.pool, "13800000001")
        .await
        .unwrap()
        .unwrap();
    assert!(sms.body.starts_with("【广东学分银行】"), "{}", sms.body);
    // The learner space has Guangdong's menu.
    let mut l = t.client();
    l.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    let me = l.get("/learner").await;
    for entry in ["我的信息", "规则查询", "成果添加", "认定成果申请", "转换成果申请"] {
        assert!(me.has(&format!(">{entry}</a>")), "menu lacks {entry}");
    }
    assert!(
        me.has("<small>广东终身教育学分银行</small>"),
        "the 学银卡 names the bank"
    );
}

async fn oucn_bank_has_its_name_and_taxonomy(t: &TestApp) {
    assert_eq!(t.app.bank, Profile::Oucn);
    let home = t.client().get("/").await;
    assert!(home.has("国家开放大学学分银行"));
    for code in [
        "graduation",
        "course_completion",
        "national_exam",
        "training_project",
        "competition",
    ] {
        assert!(subtype_exists(t, code).await, "{code}");
    }
    let agreement = t.client().get("/agreement").await;
    assert!(agreement.has("国开学分银行用户注册协议"));
}

async fn a_database_keeps_its_profile(t: &TestApp) {
    let config = |profile: &str| app::Config {
        database_url: t.app.config.database_url.clone(),
        files_dir: t.app.config.files_dir.clone(),
        profile: profile.into(),
        ..app::Config::default()
    };
    let types = t.scalar("SELECT COUNT(*) FROM outcome_types").await;
    let again = app::App::open(t.app.db.clone(), config("guangdong")).await.unwrap();
    assert_eq!(again.bank, Profile::Oucn, "an existing database keeps its own profile");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM outcome_types").await,
        types,
        "no second taxonomy"
    );
    let err = app::App::open(t.app.db.clone(), config("shanghai"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("ncb, oucn, guangdong"), "{err}");
}

async fn the_demo_loads(t: &TestApp) {
    let accounts = app::demo::load(&t.app).await.unwrap();
    assert!(accounts.len() >= 8);
    // The demo's outcomes exist in this bank's own taxonomy, and its portal is filled.
    assert!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await >= 4);
    assert!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await >= 4);
    let home = t.client().get("/").await;
    assert!(home.has(&format!("{}学习成果认定与转换工作启动", t.app.bank.short_name())));
    assert!(t.client().get("/framework").await.has("第4级"));
    // The printed learner account signs in the bank's own way.
    let me = &accounts[0];
    let mut c = t.client();
    assert_eq!(
        c.sign_in("learner", &me.login, &me.password).await.status,
        303,
        "{}",
        me.login
    );
    let login = c.get("/login/learner").await;
    assert!(login.has(t.app.bank.learner_account_label()));
}
