//! Importing catalog outcomes from spreadsheets on both databases: templates, per-row
//! reasons, duplicates, tolerant cells, and hostile files refused before parsing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    HEAD, TestApp, holdings_file, holdings_setup, import, queue_holdings, seed_bank, seed_institution, sheet, subtype,
    vals,
};
use domain::ids::{FileId, JobId};

both!(
    import_catalog_outcomes,
    import_learner_accounts,
    export_learner_outcomes,
    import_learner_outcomes,
    files_over_the_row_limit_are_refused,
    the_import_record_names_the_outcomes_subtype,
    the_bank_imports_learner_accounts
);

async fn import_catalog_outcomes(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    // The template: headers with required marks, an instructions sheet.
    let tpl = c.get(&format!("/institution/outcomes/template/{course}")).await;
    assert_eq!(
        tpl.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let (_, bytes) = app::import::template(&t.app, course).await.unwrap();
    let rows = app::import::read_rows(&bytes).unwrap();
    assert_eq!(rows[0][0], "*成果名称");
    assert!(rows[0].contains(&"*原始学分".to_string()));
    // A file with good rows, bad rows, a duplicate, full-width digits and trailing blanks.
    let head = HEAD.to_vec();
    let file = sheet(
        &head,
        &[
            vec!["高等数学", "MATH101", "本科", "数学", "64", "4", ""],
            vec!["线性代数", "ＭＡＴＨ１０２", "本科", "", "４８", "３", ""],
            vec!["概率论", "MATH103", "大专", "", "", "3", ""],
            vec!["", "MATH104", "", "", "", "", ""],
            vec!["高等数学", "MATH105", "", "", "", "2", ""],
            vec!["<b>坏</b>", "M", "", "", "", "abc", ""],
            vec!["", "", "", "", "", "", ""],
            vec!["", "", "", "", "", "", ""],
        ],
    );
    c.get("/institution/outcomes/import").await;
    let r = import(
        t,
        &mut c,
        "/institution/outcomes/import",
        &[("subtype", &course.to_string())],
        &[("file", "课程.xlsx", &file)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body.chars().take(400).collect::<String>());
    assert!(
        r.has("成功导入符合要求数据2条；未导入不符合要求数据4条"),
        "{}",
        r.excerpt(0, 2000)
    );
    assert!(r.has("第4行") && r.has("层次须为以下之一"));
    assert!(r.has("第5行") && r.has("成果名称：请输入成果名称"));
    assert!(r.has("第6行") && r.has("与第2行重复"));
    assert!(r.has("第7行") && r.has("原始学分须为不小于0的数字"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 2);
    let fields: String = sqlx::query_scalar("SELECT fields FROM institution_outcomes WHERE name = '线性代数'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert!(
        fields.contains("\"course_code\":\"MATH102\"") && fields.contains("\"hours\":\"48\""),
        "{fields}"
    );
    // The record keeps both files; the rejected rows carry their reasons.
    let records = c.get("/institution/imports").await;
    assert!(records.has("成功导入符合要求数据2条") && records.has("课程.xlsx"));
    let rejected_file: FileId = t.id("SELECT rejected_file_id FROM imports").await;
    let f = store::files::by_id(&t.app.db.pool, rejected_file)
        .await
        .unwrap()
        .unwrap();
    let rejected = app::import::read_rows(&t.app.files.get(&f.storage_key).await.unwrap()).unwrap();
    assert_eq!(rejected.len(), 5);
    // The template's columns, the reason, then the row of the original file.
    let n = rejected[0].len();
    assert_eq!(&rejected[0][n - 2..], ["未导入原因", "原文件行号"]);
    assert!(
        rejected[1][n - 1].parse::<u32>().is_ok_and(|r| r >= 2),
        "{:?}",
        rejected[1]
    );
    assert_eq!(c.get(&format!("/files/{rejected_file}")).await.status, 200);
    // Importing the same file again imports nothing twice.
    let r = import(
        t,
        &mut c,
        "/institution/outcomes/import",
        &[("subtype", &course.to_string())],
        &[("file", "课程.xlsx", &file)],
    )
    .await;
    assert!(r.has("成功导入符合要求数据0条") && r.has("已存在同名成果"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 2);
    // A template of another subtype is refused as a whole.
    let diploma = subtype(t, "voc_diploma").await;
    let (_, other) = app::import::template(&t.app, diploma).await.unwrap();
    let r = import(
        t,
        &mut c,
        "/institution/outcomes/import",
        &[("subtype", &course.to_string())],
        &[("file", "学历.xlsx", &other)],
    )
    .await;
    assert!(r.has("导入失败") && r.has("表头与“普通高等教育学历课程”导入模板不一致"));
    assert!(
        r.has("缺少列：") && r.has("模板中没有的列："),
        "the page names the columns"
    );
    // Excel dates in a date column.
    let dip_head = [
        "*成果名称",
        "*层次",
        "学科门类",
        "专业类",
        "*专业",
        "专业代码",
        "*毕业结论",
        "*学制(年)",
        "*最低毕业学分",
        "原始学时",
        "原始学分",
        "有效期起始时间",
        "*成果简介",
    ];
    let dip = sheet(
        &dip_head,
        &[
            vec![
                "数控技术毕业证书(高职)",
                "高职",
                "",
                "",
                "数控技术",
                "",
                "毕业",
                "3",
                "120",
                "",
                "",
                "45292",
                "数控专业",
            ],
            vec![
                "机电毕业证书(高职)",
                "高职",
                "",
                "",
                "机电",
                "",
                "毕业",
                "3",
                "120",
                "",
                "",
                "2024年1月1日",
                "机电专业",
            ],
        ],
    );
    let r = import(
        t,
        &mut c,
        "/institution/outcomes/import",
        &[("subtype", &diploma.to_string())],
        &[("file", "学历.xlsx", &dip)],
    )
    .await;
    assert!(r.has("成功导入符合要求数据2条"), "{}", r.excerpt(2500, 1500));
    let n: i64 = t
        .scalar("SELECT COUNT(*) FROM institution_outcomes WHERE fields LIKE '%\"valid_from\":\"2024-01-01\"%'")
        .await;
    assert_eq!(n, 2);
    // Another institution never sees this institution's import files.
    seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let mut other = t.client();
    other.sign_in("institution", "4137051201", "Pass1234").await;
    assert_eq!(other.get(&format!("/files/{rejected_file}")).await.status, 404);
    assert!(!other.get("/institution/imports").await.has("课程.xlsx"));
}

async fn import_learner_accounts(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    let tpl = c.get("/institution/learners/template").await;
    assert!(tpl.body.starts_with("PK"));
    let good = common::id("44010619900101123");
    let other = common::id("44010619910101123");
    let bad = format!("{}0", &good[..17]);
    let bad = if bad == good { format!("{}1", &good[..17]) } else { bad };
    let file = sheet(
        &["*学员姓名", "*身份证号"],
        &[
            vec!["张晓明", &good],
            vec!["王芳", &other],
            vec!["李四", &bad],
            vec!["赵六", &good],
            vec!["<b>", &common::id("44010619920101123")],
        ],
    );
    c.get("/institution/learners").await;
    let page = import(
        t,
        &mut c,
        "/institution/learners/import",
        &[],
        &[("file", "学员.xlsx", &file)],
    )
    .await;
    assert!(
        page.has("成功导入符合要求数据2条；未导入不符合要求数据3条"),
        "{}",
        page.excerpt(1500, 800)
    );
    assert!(page.has("校验位不正确") && page.has("与第2行重复"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'inactive'")
            .await,
        2
    );
    // An imported learner signs in with the last six characters of the ID number.
    let mut l = t.client();
    assert!(l.sign_in("learner", &good, &good[12..]).await.redirects_to("/learner"));
    assert!(l.get("/learner").await.redirects_to("/learner/complete"));
    assert!(l.sign_in("learner", &other, "123456").await.has("账号或密码错误"));
}

/// Learner outcomes export: selected rows or everything matching, after an SMS code.
async fn export_learner_outcomes(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    let a = store::audit::Actor::default();
    let vals = vals(&[("course_code", "M1"), ("orig_credits", "2")]);
    let o = app::catalog::create(&t.app, gd, course, "高等数学", &vals, &a)
        .await
        .unwrap();
    let idn = common::id("44010619900101123");
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "张晓明".into(),
        id_type: String::new(),
        id_number: idn.clone(),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: "90".into(),
    };
    let h = app::holdings::institution_store(&t.app, gd, o, &form, &a)
        .await
        .unwrap();
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    c.get("/institution/learner-outcomes").await;
    let r = c
        .post_multipart(
            "/institution/learner-outcomes/export",
            &[("id", &h.to_string()), ("sms_code", "000000")],
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(c.get("/institution/learner-outcomes").await.has("请先获取短信验证码"));
    assert_eq!(c.sms("", "export").await.status, 200);
    let code = t.sms_code("13900000001").await;
    let r = c
        .post_multipart("/institution/learner-outcomes/export", &[("sms_code", &code)], &[])
        .await;
    assert!(r.body.starts_with("PK"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'").await,
        1
    );
}

/// 导入学员 for a catalog outcome: new learners get accounts, existing ones must match.
async fn import_learner_outcomes(t: &TestApp) {
    let (bank, _, o, _) = holdings_setup(t).await;
    app::catalog::recognise(&t.app, &[bank.guangdong], &store::audit::Actor::default(), o, true, "2")
        .await
        .unwrap();
    let existing = common::id("44010619900101123");
    common::seed_learner(t, "张晓明", &existing, "13812345678", "abc12345").await;
    let fresh = common::id("44010619910101123");
    let file = sheet(
        &["*学员姓名", "*身份证号", "*个人成果编号", "*颁证日期", "成绩"],
        &[
            vec!["张晓明", &existing, "N1", "2023-07-01", "90"],
            vec!["王芳", &fresh, "N2", "45292", ""],
            vec!["李四", &existing, "N3", "2023-07-01", ""],
            vec!["赵六", &common::id("44010619920101123"), "", "2099-01-01", "120"],
            vec!["王芳", &fresh, "N4", "2023-07-01", ""],
        ],
    );
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    c.get(&format!("/institution/outcomes/{o}/store")).await;
    let page = import(
        t,
        &mut c,
        &format!("/institution/outcomes/{o}/import"),
        &[],
        &[("file", "学员成果.xlsx", &file)],
    )
    .await;
    assert!(
        page.has("成功导入符合要求数据2条；未导入不符合要求数据3条"),
        "{}",
        page.excerpt(2000, 1200)
    );
    assert!(page.has("学员姓名与身份证号不一致") && page.has("请输入个人成果编号") && page.has("与第3行重复"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 2);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'inactive'")
            .await,
        1
    );
    // Recognised: both were credited in the same transaction, and are written recognised
    // with the outcome's credits (2 credits, in hundredths).
    assert_eq!(t.scalar("SELECT COUNT(*) FROM credit_ledger").await, 2);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learner_outcomes WHERE recognition = 'recognised' AND credits = 200")
            .await,
        2
    );
    // Another institution cannot import into this outcome.
    seed_institution(t, "4137051201", "山东商业职业技术学院", bank.shandong, "13900000002").await;
    let mut other = t.client();
    other.sign_in("institution", "4137051201", "Pass1234").await;
    other.get("/institution/outcomes").await;
    assert_eq!(
        other
            .post_multipart(
                &format!("/institution/outcomes/{o}/import"),
                &[],
                &[("file", "x.xlsx", &file)]
            )
            .await
            .status,
        404
    );
}

/// More data rows than the bank allows: the job fails with the reason, nothing stored.
async fn files_over_the_row_limit_are_refused(t: &TestApp) {
    let (_, gd, o, actor) = holdings_setup(t).await;
    let mut config = (*t.app.config).clone();
    config.import_max_rows = 5;
    let small = app::App {
        config: std::sync::Arc::new(config),
        ..t.app.clone()
    };
    // Runs an import of `rows` rows to its end and returns the job.
    let run = async |rows: usize| {
        let job = queue_holdings(&small, gd, o, &holdings_file(rows), &actor).await;
        assert!(app::jobs::run_once(&small).await.unwrap());
        store::jobs::by_id(&t.app.db.pool, job).await.unwrap().unwrap()
    };
    let j = run(6).await;
    assert_eq!(j.status, domain::lifecycle::JobStatus::Failed);
    assert!(
        j.error.as_deref().unwrap_or("").contains("数据超过5行"),
        "{:?}",
        j.error
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 0);
    // Five rows are within the limit.
    let j = run(5).await;
    assert_eq!(j.status, domain::lifecycle::JobStatus::Done, "{:?}", j.error);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 5);
}

/// The record of a learner-outcome import names the catalog outcome's subtype. It used
/// to hold the catalog outcome's own id in that column (a foreign key to the subtypes),
/// so the import failed at its end once catalog ids passed the subtypes': here they do.
async fn the_import_record_names_the_outcomes_subtype(t: &TestApp) {
    let bank = seed_bank(t).await;
    let gd = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await;
    // The next catalog outcome gets an id far above every subtype's.
    match t.app.db.backend {
        store::Backend::Postgres => {
            sqlx::query("SELECT setval(pg_get_serial_sequence('institution_outcomes', 'id'), 50000)")
                .execute(&t.app.db.pool)
                .await
                .unwrap();
        }
        store::Backend::Sqlite => {
            for sql in [
                "DELETE FROM sqlite_sequence WHERE name = 'institution_outcomes'",
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('institution_outcomes', 50000)",
            ] {
                sqlx::query(sql).execute(&t.app.db.pool).await.unwrap();
            }
        }
    }
    let actor = common::actor("institution", 1);
    let o = app::catalog::create(
        &t.app,
        gd,
        course,
        "高等数学",
        &vals(&[("course_code", "M1"), ("orig_credits", "2")]),
        &actor,
    )
    .await
    .unwrap();
    assert!(o.get() > 50000, "{o}");
    let job = queue_holdings(&t.app, gd, o, &holdings_file(3), &actor).await;
    assert!(app::jobs::run_once(&t.app).await.unwrap());
    let j = store::jobs::by_id(&t.app.db.pool, job).await.unwrap().unwrap();
    assert_eq!(j.status, domain::lifecycle::JobStatus::Done, "{:?}", j.error);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, 3);
    assert_eq!(t.scalar("SELECT subtype_id FROM imports").await, course.get());
}

/// L-03: the bank's management department imports learner accounts no institution
/// created; its records, job pages and files stay within its departments.
async fn the_bank_imports_learner_accounts(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let existing = common::id("44010619900101123");
    common::seed_learner(t, "张晓明", &existing, "13812345678", "abc12345").await;
    let mut c = t.client();
    c.sign_in("department", "gd_edu", "Pass1234").await;
    let form = c.get("/department/learners/import").await;
    assert!(form.has("学员账户导入") && form.has("暂无导入记录"));
    assert!(c.get("/department/learners/template").await.body.starts_with("PK"));
    let fresh = common::id("44010619910101123");
    let file = sheet(
        &["*学员姓名", "*身份证号"],
        &[
            vec!["王芳", &fresh],
            vec!["李四", &existing],
            vec!["王芳", &fresh],
            vec!["赵六", &common::id("44010619920101123")],
        ],
    );
    let page = import(
        t,
        &mut c,
        "/department/learners/import",
        &[],
        &[("file", "国开学员.xlsx", &file)],
    )
    .await;
    assert!(
        page.has("成功导入符合要求数据2条；未导入不符合要求数据2条")
            && page.has("该身份证号已有学员账户")
            && page.has("与第2行重复"),
        "{}",
        page.excerpt(1500, 900)
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learners WHERE status = 'inactive' AND created_by_institution IS NULL")
            .await,
        2
    );
    let records = c.get("/department/learners/import").await;
    assert!(records.has("国开学员.xlsx") && records.has("点击下载表格"));
    let rejected: i64 = t
        .scalar("SELECT rejected_file_id FROM imports WHERE department_id IS NOT NULL")
        .await;
    assert_eq!(c.get(&format!("/files/{rejected}")).await.status, 200);
    let job: JobId = t.id("SELECT id FROM jobs WHERE department_id IS NOT NULL").await;
    // The centre above sees it; a sibling province and institutions do not.
    let mut center = t.client();
    center.sign_in("department", "center_admin", "Pass1234").await;
    assert!(center.get("/department/learners/import").await.has("国开学员.xlsx"));
    let mut sd = t.client();
    sd.sign_in("department", "sd_edu", "Pass1234").await;
    assert!(!sd.get("/department/learners/import").await.has("国开学员.xlsx"));
    assert_eq!(sd.get(&format!("/department/jobs/{job}")).await.status, 404);
    assert_eq!(sd.get(&format!("/files/{rejected}")).await.status, 404);
    let mut school = t.client();
    school.sign_in("institution", "4144051234", "Pass1234").await;
    assert_eq!(school.get(&format!("/institution/jobs/{job}")).await.status, 404);
    assert_eq!(school.get(&format!("/files/{rejected}")).await.status, 404);
    assert!(!school.get("/institution/imports").await.has("国开学员.xlsx"));
}
