//! The bank the matrix probes: the Guangdong demo bank plus what it lacks — a second
//! learner, a department of another province, and one row of every kind an id-bearing
//! route shows (an application, a report, a certificate, a key, jobs, spare rows for the
//! routes that delete).

use domain::ids::{HoldingId, InstitutionId, LearnerId};
use std::collections::HashMap;

use super::common::{TestApp, actor, id, subtype, vals};

/// Sign-in names of the principals, in the order of `Who::ALL`.
pub const PASSWORD: &str = app::demo::PASSWORD;

/// Ids of the rows the routes are tried with, by name.
const AWARD: [(&str, &str); 3] = [
    ("employer", "山东商业职业技术学院"),
    ("done_on", "2024-05-20"),
    ("award_level", "省部级"),
];

pub struct Fixtures {
    pub ids: HashMap<&'static str, i64>,
}

impl Fixtures {
    pub fn id(&self, name: &str) -> i64 {
        *self.ids.get(name).unwrap_or_else(|| panic!("no fixture {name}"))
    }
}

/// The one value `sql` selects, as the type the caller needs (an id type or an integer).
async fn one<T>(t: &TestApp, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
{
    sqlx::query_scalar::<_, T>(sql)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Records a fixture's id under its name (the table's routes build paths from it).
fn put(ids: &mut HashMap<&'static str, i64>, name: &'static str, id: impl Into<i64>) {
    ids.insert(name, id.into());
}

async fn learner(t: &TestApp, id: impl Into<i64>) -> app::queries::Learner {
    let id = LearnerId::new(id.into());
    store::learners::by_id(&t.app.db.pool, id).await.unwrap().unwrap()
}

pub async fn build(t: &TestApp) -> Fixtures {
    let pool = &t.app.db.pool;
    app::demo::load(&t.app).await.unwrap();
    let hash = app::password::hash(PASSWORD).unwrap();
    let mut ids: HashMap<&'static str, i64> = HashMap::new();
    let school = one(t, "SELECT id FROM institutions WHERE code = '4144051234'").await;
    let target: InstitutionId = one(t, "SELECT id FROM institutions WHERE code = '4144051235'").await;
    put(&mut ids, "inst_x", school);
    put(&mut ids, "inst_y", target);
    put(
        &mut ids,
        "inst_pending",
        one::<i64>(t, "SELECT id FROM institutions WHERE status = 'pending'").await,
    );

    // A department of another province.
    app::admin::create_staff(
        &t.app,
        &app::admin::NewStaffAccount {
            role: domain::role::Role::Department,
            account: "sd_edu",
            name: "山东省教育厅",
            department: Some("山东省教育厅"),
            committee: None,
            password: Some(PASSWORD),
        },
    )
    .await
    .unwrap();

    // Learner B, with an award of its own.
    let b = super::common::seed_learner(t, "王芳", &id("37010219920303002"), "13800000009", PASSWORD).await;
    let facts = store::learner_accounts::Facts {
        username: Some("wangfang"),
        nationality: None,
        ethnicity: None,
        gender: None,
        birth_date: None,
        email: None,
        address: None,
    };
    store::learner_accounts::set_facts(pool, b, &facts).await.unwrap();
    let award = app::holdings::HoldingForm {
        subtype_id: subtype(t, "perf_competition").await,
        name: "山东省技能大赛二等奖".into(),
        issuer: "山东省人社厅".into(),
        issued_on: "2024-06-01".into(),
        fields: vals(&AWARD),
        ..Default::default()
    };
    let lb = learner(t, b).await;
    put(
        &mut ids,
        "holding_b",
        app::holdings::learner_create(&t.app, &lb, &award, &actor("learner", b))
            .await
            .unwrap(),
    );

    // Learner A's rows.
    let a = one(t, "SELECT id FROM learners WHERE name = '张晓明'").await;
    let la = learner(t, a).await;
    let me = actor("learner", a);
    put(&mut ids, "learner_a", a);
    put(
        &mut ids,
        "learner_imported",
        one::<i64>(t, "SELECT id FROM learners WHERE name = '李嘉民'").await,
    );
    put(
        &mut ids,
        "holding_a",
        one::<i64>(t, "SELECT id FROM learner_outcomes WHERE name = '大学英语'").await,
    );
    put(
        &mut ids,
        "holding_a_stored",
        one::<i64>(
            t,
            "SELECT id FROM learner_outcomes WHERE name LIKE '经济统计学毕业证书%'",
        )
        .await,
    );
    put(
        &mut ids,
        "holding_expert",
        one::<i64>(
            t,
            "SELECT id FROM learner_outcomes WHERE recognition = 'initial_passed'",
        )
        .await,
    );
    let rule = one(t, "SELECT id FROM conversion_rules WHERE status = 'published'").await;
    put(&mut ids, "rule_published", rule);
    put(
        &mut ids,
        "rule_draft",
        one::<i64>(t, "SELECT id FROM conversion_rules WHERE status = 'draft'").await,
    );
    let pdf = b"%PDF-1.4 materials";
    let application = app::conversion::apply(&t.app, &la, rule, &[("材料.pdf", pdf)], &me)
        .await
        .unwrap();
    put(&mut ids, "application_a", application.get());
    put(
        &mut ids,
        "file_application_a",
        one::<i64>(
            t,
            &format!("SELECT file_id FROM application_files WHERE application_id = {application}"),
        )
        .await,
    );
    let report = app::feedback::Report {
        problem: "number".into(),
        content: "成绩登记错误".into(),
    };
    let stored = HoldingId::new(ids["holding_a_stored"]);
    put(
        &mut ids,
        "feedback_a",
        app::feedback::report(&t.app, &la, stored, &report, Some(("反馈.pdf", pdf)), &me)
            .await
            .unwrap(),
    );
    let (number, _) = app::certificates::holdings(&t.app, &la, &[HoldingId::new(ids["holding_a_stored"])], &me)
        .await
        .unwrap();
    put(
        &mut ids,
        "file_certificate_a",
        one::<i64>(
            t,
            &format!("SELECT file_id FROM certificates WHERE number = '{number}'"),
        )
        .await,
    );
    let work = one(t, "SELECT id FROM learner_outcomes WHERE name = '广东开放大学工作9年'").await;
    put(&mut ids, "work_a", work);
    let crm = one(t, "SELECT id FROM institution_outcomes WHERE name LIKE '客户关系管理%'").await;
    put(
        &mut ids,
        "performance_a",
        app::conversion::performance::apply(&t.app, &la, work, crm, &me)
            .await
            .unwrap(),
    );
    let ask = app::portal::questions::AskForm {
        title: "如何申请转换".into(),
        body: "请问流程".into(),
    };
    let who_a = app::auth::load(
        &t.app,
        app::auth::SessionUser {
            role: domain::role::Role::Learner,
            id: a,
            epoch: 0,
        },
    )
    .await
    .unwrap()
    .unwrap();
    put(
        &mut ids,
        "question_a",
        app::portal::questions::ask(&t.app, &who_a, &ask, &me).await.unwrap(),
    );
    put(
        &mut ids,
        "question_published",
        one::<i64>(t, "SELECT id FROM questions WHERE status = 'published'").await,
    );

    // Institution X's rows.
    let x = actor("institution", 1);
    put(
        &mut ids,
        "outcome_x",
        one::<i64>(t, "SELECT id FROM institution_outcomes WHERE name = '计量经济学'").await,
    );
    put(
        &mut ids,
        "outcome_x_recognised",
        one::<i64>(
            t,
            "SELECT id FROM institution_outcomes WHERE name = '高等数学' AND institution_id = 1",
        )
        .await,
    );
    put(
        &mut ids,
        "outcome_x_recognising",
        one::<i64>(
            t,
            "SELECT id FROM institution_outcomes WHERE recognition = 'recognising'",
        )
        .await,
    );
    put(
        &mut ids,
        "outcome_x_spare",
        app::catalog::create(
            &t.app,
            school,
            subtype(t, "course").await,
            "离散数学",
            &vals(&[
                ("course_name", "离散数学"),
                ("course_code", "MATH205"),
                ("major", "计算机科学与技术"),
                ("level", "本科"),
                ("course_credits", "3"),
            ]),
            &x,
        )
        .await
        .unwrap(),
    );
    put(
        &mut ids,
        "learner_x_spare",
        app::learners::pre_import(&t.app, "赵一", &id("44010219960606006"), Some(school))
            .await
            .unwrap(),
    );
    put(
        &mut ids,
        "learner_x_spare_api",
        app::learners::pre_import(&t.app, "钱二", &id("44010219970707007"), Some(school))
            .await
            .unwrap(),
    );
    let sub2 = store::institutions::insert_user(
        pool,
        &store::institutions::NewUser {
            institution_id: school,
            account: "gdou_second",
            name: "陈二",
            mobile: None,
            is_primary: false,
            areas: &domain::role::Areas::from_codes([domain::role::Area::Outcomes.code()]).to_list(),
            password_hash: &hash,
            must_change_password: false,
            now: store::now(),
        },
    )
    .await
    .unwrap();
    put(&mut ids, "user_x_second", sub2.get());
    let review = app::learners::pre_import(&t.app, "孙三", &id("44010219980808008"), Some(school))
        .await
        .unwrap();
    sqlx::query("UPDATE learners SET status = $1 WHERE id = $2")
        .bind(domain::lifecycle::LearnerStatus::Review.code())
        .bind(review)
        .execute(pool)
        .await
        .unwrap();
    put(&mut ids, "learner_review", review.get());
    let who_x = app::auth::load(
        &t.app,
        app::auth::SessionUser {
            role: domain::role::Role::Institution,
            id: 1,
            epoch: 0,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let (key, _) = app::api_keys::create(&t.app, &who_x, "教务系统", &[], &x)
        .await
        .unwrap();
    put(&mut ids, "key_x", key.get());
    let file = super::common::sheet(
        &["*学员姓名", "*身份证号", "*个人成果编号", "*颁证日期", "成绩"],
        &[
            vec!["周四", &id("44010219990909009"), "N1", "2023-07-01", "85"],
            vec!["吴五", "123", "", "2023-07-01", ""],
        ],
    );
    let job = app::jobs::enqueue_import(
        &t.app,
        app::jobs::HOLDINGS,
        app::import::Owner::Institution(school),
        Some(ids["outcome_x_recognised"]),
        "学员.xlsx",
        &file,
        &x,
    )
    .await
    .unwrap();
    put(&mut ids, "job_x", job.get());
    // Run, so that its file belongs to an import record.
    while app::jobs::run_once(&t.app).await.unwrap() {}
    put(
        &mut ids,
        "file_job_x",
        one::<i64>(
            t,
            &format!("SELECT original_file_id FROM imports WHERE institution_id = {school}"),
        )
        .await,
    );
    let gd = one(t, "SELECT id FROM departments WHERE name = '广东省教育厅'").await;
    put(
        &mut ids,
        "job_gd",
        app::jobs::enqueue_import(
            &t.app,
            app::jobs::LEARNERS,
            app::import::Owner::Bank { department: gd },
            None,
            "学员.xlsx",
            &file,
            &actor("department", 2),
        )
        .await
        .unwrap(),
    );
    put(
        &mut ids,
        "method_y",
        one::<i64>(t, "SELECT id FROM conversion_methods").await,
    );
    put(
        &mut ids,
        "file_rule_draft",
        one::<i64>(t, "SELECT file_id FROM conversion_rules WHERE status = 'draft'").await,
    );

    // The portal and the taxonomy.
    put(&mut ids, "news", one::<i64>(t, "SELECT MIN(id) FROM news").await);
    put(
        &mut ids,
        "level",
        one::<i64>(t, "SELECT MIN(id) FROM framework_levels").await,
    );
    put(
        &mut ids,
        "level_spare",
        one::<i64>(t, "SELECT MAX(id) FROM framework_levels").await,
    );
    put(
        &mut ids,
        "standard",
        one::<i64>(t, "SELECT MIN(id) FROM industry_standards").await,
    );
    put(&mut ids, "subtype", subtype(t, "perf_competition").await);
    put(&mut ids, "subtype_course", subtype(t, "course").await);
    put(
        &mut ids,
        "field",
        one::<i64>(t, "SELECT MIN(id) FROM subtype_fields").await,
    );
    for (name, who) in [
        ("message_a", "recipient_role = 'learner' AND recipient_id = 1"),
        ("message_x", "recipient_role = 'institution'"),
        ("message_dept", "recipient_role = 'department'"),
        ("message_expert", "recipient_role = 'expert'"),
    ] {
        put(
            &mut ids,
            name,
            one::<i64>(t, &format!("SELECT MIN(id) FROM messages WHERE {who}")).await,
        );
    }
    Fixtures { ids }
}
