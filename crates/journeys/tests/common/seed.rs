//! The data journeys start from: departments, institutions, learners, catalog outcomes,
//! a published method, import files.

use super::*;
use domain::ids::{CatalogOutcomeId, DepartmentId, InstitutionId, JobId, LearnerId};

/// Creates an active learner directly.
pub async fn seed_learner(t: &TestApp, name: &str, id_number: &str, mobile: &str, password: &str) -> LearnerId {
    let hash = app::password::hash(password).unwrap();
    store::learners::insert(
        &t.app.db.pool,
        &store::learners::NewLearner {
            name,
            id_type: "resident",
            id_number,
            mobile: Some(mobile),
            password_hash: &hash,
            status: domain::lifecycle::LearnerStatus::Active,
            card_no: &app::learners::new_card_no(),
            created_by_institution: None,
            now: store::now(),
        },
    )
    .await
    .unwrap()
}

pub struct Bank {
    pub center: DepartmentId,
    pub guangdong: DepartmentId,
    pub shandong: DepartmentId,
}

/// Departments (a centre over two provinces), their staff, an expert and a directory.
pub async fn seed_bank(t: &TestApp) -> Bank {
    use app::admin::{NewStaffAccount, create_department, create_staff};
    use domain::role::Role;
    let center = create_department(&t.app, "学分银行管理中心", None).await.unwrap();
    let guangdong = create_department(&t.app, "广东省教育厅", Some("学分银行管理中心"))
        .await
        .unwrap();
    let shandong = create_department(&t.app, "山东省教育厅", Some("学分银行管理中心"))
        .await
        .unwrap();
    for (role, account, dep) in [
        (Role::Department, "center_admin", Some("学分银行管理中心")),
        (Role::Department, "gd_edu", Some("广东省教育厅")),
        (Role::Department, "sd_edu", Some("山东省教育厅")),
        (Role::Expert, "expert01", None),
    ] {
        create_staff(
            &t.app,
            &NewStaffAccount {
                role,
                account,
                name: "测试人员",
                department: dep,
                committee: None,
                password: Some("Pass1234"),
            },
        )
        .await
        .unwrap();
    }
    store::directory::insert_entry(
        &t.app.db.pool,
        &store::directory::DirectoryEntry {
            code: "4144051234".into(),
            kind: "school".into(),
            name: "广东开放大学".into(),
            department_id: guangdong,
        },
    )
    .await
    .unwrap();
    Bank {
        center,
        guangdong,
        shandong,
    }
}

/// An approved institution with a primary account (password `Pass1234`).
pub async fn seed_institution(
    t: &TestApp,
    code: &str,
    name: &str,
    department: DepartmentId,
    mobile: &str,
) -> InstitutionId {
    let pool = &t.app.db.pool;
    let now = store::now();
    let inst = store::institutions::insert(pool, "school", code, name, department, now)
        .await
        .unwrap();
    sqlx::query("UPDATE institutions SET status = 'approved' WHERE id = $1")
        .bind(inst)
        .execute(pool)
        .await
        .unwrap();
    let hash = app::password::hash("Pass1234").unwrap();
    store::institutions::insert_user(
        pool,
        &store::institutions::NewUser {
            institution_id: inst,
            account: code,
            name,
            mobile: Some(mobile),
            is_primary: true,
            areas: &domain::role::Areas::all().to_list(),
            password_hash: &hash,
            must_change_password: false,
            now,
        },
    )
    .await
    .unwrap();
    inst
}

/// An actor of a role for calling use cases directly.
pub fn actor(role: &str, id: impl Into<i64>) -> store::audit::Actor {
    store::audit::Actor {
        role: Some(role.into()),
        id: Some(id.into()),
        name: Some("测试".into()),
        ip: None,
    }
}

/// A learner's credit balance in hundredths.
pub async fn balance(t: &TestApp, learner: LearnerId) -> i64 {
    store::ledger::balance(&t.app.db.pool, learner).await.unwrap()
}

/// Posts an import like the page does, runs the queued job as the worker would, and
/// returns the job page (or the refusal when the file never reached the queue).
pub async fn import(
    t: &TestApp,
    c: &mut Client<'_>,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Resp {
    let r = c.post_multipart(path, fields, files).await;
    let Some(job) = r
        .location
        .clone()
        .filter(|l| l.starts_with("/institution/jobs/") || l.starts_with("/department/jobs/"))
    else {
        return r;
    };
    while app::jobs::run_once(&t.app).await.unwrap() {}
    c.get(&job).await
}

/// A spreadsheet with these headers and rows, written as Excel writes one.
pub fn sheet(headers: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    app::import::rows_xlsx(headers, &rows).unwrap()
}

/// The headers of the course template (普通高等教育学历课程).
pub const HEAD: [&str; 7] = [
    "*成果名称",
    "*课程代码",
    "层次",
    "专业",
    "原始学时",
    "*原始学分",
    "成果简介",
];

/// A course (高等学历课程) in an institution's catalog.
pub async fn course(t: &TestApp, institution: InstitutionId, name: &str, code: &str) -> CatalogOutcomeId {
    let subtype = subtype(t, "higher_course").await;
    app::catalog::create(
        &t.app,
        institution,
        subtype,
        name,
        &vals(&[("course_code", code), ("orig_credits", "3")]),
        &actor("institution", 1),
    )
    .await
    .unwrap()
}

/// A checked PDF upload, waiting for its use case.
pub async fn pdf_upload(t: &TestApp, name: &str) -> app::files::Upload {
    app::files::check_and_put(&t.app, "file", name, b"%PDF-1.4 doc", app::files::Accept::Pdf)
        .await
        .unwrap()
}

/// The institution's conversion method, published (the pledge accepted): what a rule needs.
pub async fn published_method(t: &TestApp, institution: InstitutionId) {
    let a = actor("institution", 1);
    let m = app::conversion::create_method(
        &t.app,
        institution,
        "转换办法",
        Some(&pdf_upload(t, "办法.pdf").await),
        &a,
    )
    .await
    .unwrap();
    app::conversion::accept_pledge(&t.app, institution, &a).await.unwrap();
    app::conversion::act_on_method(&t.app, institution, m, app::conversion::MethodAction::Publish, &a)
        .await
        .unwrap();
}

/// A school with one catalog outcome (高等数学): (bank, school, outcome, the school's actor).
pub async fn holdings_setup(t: &TestApp) -> (Bank, InstitutionId, CatalogOutcomeId, store::audit::Actor) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let vals = vals(&[("course_code", "M1"), ("orig_credits", "2")]);
    let actor = store::audit::Actor {
        role: Some("institution".into()),
        id: Some(1),
        name: Some("广东开放大学".into()),
        ip: None,
    };
    let o = app::catalog::create(&t.app, gd, course, "高等数学", &vals, &actor)
        .await
        .unwrap();
    (bank, gd, o, actor)
}

/// Queues a learner-outcome import of `file` for catalog outcome `o` of institution `gd`.
pub async fn queue_holdings(
    app: &app::App,
    gd: InstitutionId,
    o: CatalogOutcomeId,
    file: &[u8],
    actor: &store::audit::Actor,
) -> JobId {
    let owner = app::import::Owner::Institution(gd);
    app::jobs::enqueue_import(app, app::jobs::HOLDINGS, owner, Some(o.get()), "学员.xlsx", file, actor)
        .await
        .unwrap()
}

/// A learner-outcome file of `n` rows (valid, distinct learners; n ≤ 12 000), under a title row
/// like the one a merged cell puts above the header.
pub fn holdings_file(n: usize) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = vec![
        ["*学员姓名", "*身份证号", "*个人成果编号", "*颁证日期", "成绩"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
    ];
    for i in 0..n {
        rows.push(vec![
            "王芳".into(),
            super::id(&format!("4401061990{:02}01{:03}", 1 + i / 1000, i % 1000)),
            format!("N{i}"),
            "2023-07-01".into(),
            "88".into(),
        ]);
    }
    app::import::rows_xlsx(&["学员成果导入（带*为必填项）"], &rows).unwrap()
}
