//! The demo bank loaded by `creditbank serve --demo`: departments, an institution
//! directory, one institution of each state, an expert, an active learner and a
//! pre-imported learner who has not completed the account.

use domain::bank::Profile;
use domain::id_card::check_char;
use domain::ids::{CatalogOutcomeId, DepartmentId, InstitutionId, StaffUserId, SubtypeId};
use domain::institution::uscc_check;
use domain::lifecycle::{InstitutionStatus, LearnerStatus};
use domain::role::{Area, Areas, Role};
use store::institutions::NewUser;
use store::learners::NewLearner;
use store::now;

mod accounts;
mod portal;

pub use accounts::{DemoAccount, load};

use crate::admin::{self, NewStaffAccount};
use crate::{App, AppError, AppResult, learners, password};

pub const PASSWORD: &str = "Demo1234";
/// The demo learner's user name where the bank signs learners in by one (Guangdong).
const DEMO_USERNAME: &str = "zhangxiaoming";
const CENTER: &str = "学分银行管理中心";
const GUANGDONG: &str = "广东省教育厅";
const SHANDONG: &str = "山东省教育厅";

fn resident_id(first17: &str) -> String {
    let c = check_char(first17.as_bytes()).map(char::from).unwrap_or('0');
    format!("{first17}{c}")
}

fn org_code(first17: &str) -> String {
    let c = uscc_check(first17.as_bytes()).map(char::from).unwrap_or('0');
    format!("{first17}{c}")
}

pub const SCHOOL_CODE: &str = "4144051234";
/// The school whose rule the demo learner may apply for.
pub const TARGET_CODE: &str = "4144051235";
pub const SUB_USER: &str = "gdou_chengguo";

pub fn learner_id() -> String {
    resident_id("44010619900101123")
}

pub fn imported_learner_id() -> String {
    resident_id("44010219950505005")
}

pub fn pending_org_code() -> String {
    org_code("91440101MA59ABCD1")
}

async fn seed(app: &App) -> AppResult<()> {
    let pool = &app.db.pool;
    let t = now();
    admin::create_department(app, CENTER, None).await?;
    let gd = admin::create_department(app, GUANGDONG, Some(CENTER)).await?;
    let sd = admin::create_department(app, SHANDONG, Some(CENTER)).await?;
    for (code, name, dep) in [
        (SCHOOL_CODE, "广东开放大学", gd),
        ("4144051235", "广州番禺职业技术学院", gd),
        ("4144051236", "深圳职业技术大学", gd),
        ("4137051201", "山东商业职业技术学院", sd),
        ("4137051202", "济南职业学院", sd),
    ] {
        store::directory::insert_entry(
            pool,
            &store::directory::DirectoryEntry {
                code: code.into(),
                kind: "school".into(),
                name: name.into(),
                department_id: dep,
            },
        )
        .await?;
    }
    for (role, account, name, dep, committee) in [
        (Role::Department, "center_admin", "管理中心管理员", Some(CENTER), None),
        (
            Role::Department,
            "gd_edu",
            "广东省教育厅继续教育处",
            Some(GUANGDONG),
            None,
        ),
        (
            Role::Expert,
            "expert01",
            "王建国",
            None,
            Some("信息技术类专业认定委员会"),
        ),
    ] {
        admin::create_staff(
            app,
            &NewStaffAccount {
                role,
                account,
                name,
                department: dep,
                committee,
                password: Some(PASSWORD),
            },
        )
        .await?;
    }
    let hash = password::hash(PASSWORD)?;
    let profile = |name: &str, kind: &str| store::institutions::Profile {
        name: name.into(),
        supervisor: Some(GUANGDONG.into()),
        uscc: None,
        school_type: Some(kind.into()),
        legal_rep: Some("陈明".into()),
        contact_name: Some("刘芳".into()),
        contact_mobile: Some("13912345678".into()),
        contact_email: Some("xfyh@example.edu.cn".into()),
        post_code: Some("510091".into()),
        address: Some("广州市越秀区东风西路".into()),
        business_scope: Some("学历教育、非学历培训".into()),
        intro: Some("面向社会成员开展终身教育的新型高等学校。".into()),
    };
    // An approved school with a sub-user.
    let school = store::institutions::insert(pool, "school", SCHOOL_CODE, "广东开放大学", gd, t).await?;
    store::institutions::set_registrant(pool, school, "陈明", "resident", &resident_id("44010419800202003")).await?;
    store::institutions::save_profile(
        pool,
        school,
        &profile("广东开放大学", "开放大学"),
        InstitutionStatus::Pending,
        Some(t),
    )
    .await?;
    store::institutions::decide(pool, school, InstitutionStatus::Approved, None, StaffUserId::new(1), t).await?;
    for (account, name, mobile, primary, areas) in [
        (SCHOOL_CODE, "广东开放大学", Some("13900000001"), true, Areas::all()),
        (
            SUB_USER,
            "林晓",
            None,
            false,
            Areas::from_codes([Area::Outcomes.code()]),
        ),
    ] {
        store::institutions::insert_user(
            pool,
            &NewUser {
                institution_id: school,
                account,
                name,
                mobile,
                is_primary: primary,
                areas: &areas.to_list(),
                password_hash: &hash,
                must_change_password: false,
                now: t,
            },
        )
        .await?;
    }
    // A training organisation waiting for approval.
    let org_code = pending_org_code();
    let org = store::institutions::insert(pool, "org", &org_code, "广州市职业技能培训中心", gd, t).await?;
    store::institutions::set_registrant(pool, org, "黄伟", "resident", &resident_id("44010519850303004")).await?;
    let mut p = profile("广州市职业技能培训中心", "培训机构");
    p.uscc = Some(org_code.clone());
    store::institutions::save_profile(pool, org, &p, InstitutionStatus::Pending, Some(t)).await?;
    store::institutions::insert_user(
        pool,
        &NewUser {
            institution_id: org,
            account: &org_code,
            name: "广州市职业技能培训中心",
            mobile: Some("13900000002"),
            is_primary: true,
            areas: &Areas::all().to_list(),
            password_hash: &hash,
            must_change_password: false,
            now: t,
        },
    )
    .await?;
    // Learners.
    store::learners::insert(
        pool,
        &NewLearner {
            name: "张晓明",
            id_type: "resident",
            id_number: &learner_id(),
            mobile: Some("13800138000"),
            password_hash: &hash,
            status: LearnerStatus::Active,
            card_no: &learners::new_card_no(),
            created_by_institution: Some(school),
            now: t,
        },
    )
    .await?;
    learners::pre_import(app, "李嘉民", &imported_learner_id(), Some(school)).await?;
    if let Some(me) = store::learners::by_id_number(pool, &learner_id()).await? {
        let username = (app.bank == Profile::Guangdong).then_some(DEMO_USERNAME);
        let email = (app.bank != Profile::Ncb).then_some("zhangxm@example.cn");
        let facts = store::learner_accounts::Facts {
            username,
            nationality: None,
            ethnicity: None,
            gender: None,
            birth_date: None,
            email,
            address: None,
        };
        store::learner_accounts::set_facts(pool, me.id, &facts).await?;
    }
    seed_outcomes(app, school, gd).await?;
    portal::seed(app).await
}

fn vals(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Catalog outcomes of the school, some recognised, and the learners' holdings in each
/// state: stored with credits, registered, waiting for storage, and an informal outcome
/// waiting for the expert.
async fn seed_outcomes(app: &App, school: InstitutionId, gd: DepartmentId) -> AppResult<()> {
    use store::audit::Actor;
    let pool = &app.db.pool;
    let inst = Actor {
        role: Some("institution".into()),
        id: Some(1),
        name: Some("广东开放大学".into()),
        ip: None,
    };
    let dept = Actor {
        role: Some("department".into()),
        id: Some(2),
        name: Some("广东省教育厅继续教育处".into()),
        ip: None,
    };
    let sub = |code: &'static str| async move {
        store::taxonomy::subtype_by_code(pool, code)
            .await
            .map(|s| s.map(|s| s.id))
    };
    // Each preset names its subtypes and their fields its own way; the OUCN preset
    // shares the national bank's course and competition fields.
    let ncb = app.bank == Profile::Ncb;
    let national_fields = app.bank != Profile::Guangdong;
    let (diploma, course, informal, restricted) = match app.bank {
        Profile::Ncb => (
            sub("higher_diploma").await?,
            sub("higher_course").await?,
            sub("competition").await?,
            sub("mohrss_cert").await?,
        ),
        Profile::Oucn => (
            sub("graduation").await?,
            sub("course").await?,
            sub("competition").await?,
            sub("national_qualification").await?,
        ),
        Profile::Guangdong => (
            sub("graduation").await?,
            sub("course").await?,
            sub("perf_competition").await?,
            None,
        ),
    };
    let (Some(diploma), Some(course), Some(informal)) = (diploma, course, informal) else {
        return Ok(());
    };
    let diploma_fields = if ncb {
        vals(&[
            ("level", "本科"),
            ("discipline", "经济学"),
            ("major_class", "统计学类"),
            ("major", "经济统计学"),
            ("conclusion", "毕业"),
            ("years", "4"),
            ("min_credits", "160"),
            ("intro", "经济统计学专业本科毕业证书"),
        ])
    } else {
        vals(&[("level", "本科"), ("major", "经济统计学"), ("cert_no", "GD2023")])
    };
    let course_fields = |code: &str, credits: &str| {
        if national_fields {
            vals(&[
                ("course_code", code),
                ("level", "本科"),
                ("major", "经济统计学"),
                ("orig_credits", credits),
                ("hours", "64"),
            ])
        } else {
            vals(&[
                ("course_name", "课程"),
                ("course_code", code),
                ("major", "经济统计学"),
                ("level", "本科"),
                ("course_credits", credits),
            ])
        }
    };
    let ecommerce = |code: &str| {
        vals(&[
            ("course_name", "课程"),
            ("course_code", code),
            ("major", "电子商务（2019秋）"),
            ("level", "本科"),
            ("course_credits", "4"),
        ])
    };
    let d = crate::catalog::create(app, school, diploma, "经济统计学毕业证书(本科)", &diploma_fields, &inst).await?;
    let math = crate::catalog::create(app, school, course, "高等数学", &course_fields("MATH101", "4"), &inst).await?;
    let stats =
        crate::catalog::create(app, school, course, "统计学原理", &course_fields("STAT201", "3"), &inst).await?;
    crate::catalog::create(app, school, course, "计量经济学", &course_fields("ECON301", "3"), &inst).await?;
    crate::catalog::recognise(app, &[gd], &dept, math, true, "4").await?;
    crate::catalog::recognise(app, &[gd], &dept, d, true, "120").await?;
    crate::catalog::request_recognition(app, school, stats, &inst).await?;
    if let Some(r) = restricted {
        store::taxonomy::authorise(pool, school, r, 2, now()).await?;
    }
    let store_for = |name: &str, id: String, no: &str| crate::holdings::StoreForLearnerForm {
        learner_name: name.into(),
        id_type: String::new(),
        id_number: id,
        number: no.into(),
        issued_on: "2023-07-01".into(),
        score: "88".into(),
    };
    crate::holdings::institution_store(app, school, d, &store_for("张晓明", learner_id(), "GDOU2023001"), &inst)
        .await?;
    crate::holdings::institution_store(
        app,
        school,
        math,
        &store_for("张晓明", learner_id(), "GDOU-M-001"),
        &inst,
    )
    .await?;
    crate::holdings::institution_store(
        app,
        school,
        stats,
        &store_for("李嘉民", imported_learner_id(), "GDOU-S-002"),
        &inst,
    )
    .await?;
    let Some(learner) = store::learners::by_id_number(pool, &learner_id()).await? else {
        return Ok(());
    };
    let me = Actor {
        role: Some("learner".into()),
        id: Some(learner.id.get()),
        name: Some(learner.name.clone()),
        ip: None,
    };
    let own = crate::holdings::HoldingForm {
        subtype_id: course,
        name: "大学英语".into(),
        issuer: "广州大学".into(),
        number: "GZU-EN-01".into(),
        issued_on: "2022-01-15".into(),
        score: "90".into(),
        fields: course_fields("ENG101", "2"),
        ..Default::default()
    };
    crate::holdings::learner_create(app, &learner, &own, &me).await?;
    let waiting = crate::holdings::HoldingForm {
        name: "应用写作".into(),
        number: "GZU-W-02".into(),
        fields: course_fields("WRI102", "2"),
        ..own.clone()
    };
    let w = crate::holdings::learner_create(app, &learner, &waiting, &me).await?;
    crate::holdings::learner_submit(app, &learner, &[w], &me).await?;
    let award_fields = if national_fields {
        vals(&[
            ("organiser", "广东省教育厅"),
            ("award_level", "省部级"),
            ("contest", "广东省职业院校技能大赛"),
            ("held_on", "2024-05-20"),
        ])
    } else {
        vals(&[
            ("employer", "广东省教育厅"),
            ("done_on", "2024-05-20"),
            ("award_level", "省部级"),
        ])
    };
    let award = crate::holdings::HoldingForm {
        subtype_id: informal,
        name: "广东省职业院校技能大赛一等奖".into(),
        issuer: "广东省教育厅".into(),
        number: String::new(),
        issued_on: "2024-06-01".into(),
        score: String::new(),
        fields: award_fields,
        institution_outcome_id: None,
    };
    let a = crate::holdings::learner_create(app, &learner, &award, &me).await?;
    let png = crate::captcha::render("1+1=?", &mut rand::thread_rng())?;
    let file = crate::files::save(
        app,
        "file",
        "获奖证书.png",
        &png,
        crate::files::Accept::Evidence,
        "learner",
        learner.id,
    )
    .await?;
    store::files::attach(pool, a, file).await?;
    crate::recognition::apply(app, &learner, &[a], &me).await?;
    crate::recognition::initial_review(app, &[gd], &dept, &[a], true, "材料齐全，同意提交专家终审").await?;
    if app.bank.performance_conversion() {
        // 业绩类成果转换申请: a work record and a recognised course it could become.
        let work = crate::holdings::HoldingForm {
            subtype_id: sub("perf_work").await?.unwrap_or(informal),
            name: "广东开放大学工作9年".into(),
            issuer: "广东开放大学".into(),
            issued_on: "2020-07-07".into(),
            fields: vals(&[("employer", "广东开放大学"), ("done_on", "2020-07-07")]),
            ..award.clone()
        };
        crate::holdings::learner_create(app, &learner, &work, &me).await?;
        let crm =
            crate::catalog::create(app, school, course, "客户关系管理（本）", &ecommerce("CRM301"), &inst).await?;
        crate::catalog::recognise(app, &[gd], &dept, crm, true, "4").await?;
    }
    seed_conversion(app, gd, math, course, &course_fields).await
}

/// A second school with a published method and a rule that turns the first school's
/// 高等数学 into its own 工程数学, so the demo learner has a conversion to apply for.
async fn seed_conversion(
    app: &App,
    gd: DepartmentId,
    math: CatalogOutcomeId,
    course: SubtypeId,
    course_fields: &dyn Fn(&str, &str) -> std::collections::BTreeMap<String, String>,
) -> AppResult<()> {
    use store::audit::Actor;
    let pool = &app.db.pool;
    let t = now();
    let hash = password::hash(PASSWORD)?;
    let code = TARGET_CODE;
    let b = store::institutions::insert(pool, "school", code, "广州番禺职业技术学院", gd, t).await?;
    let profile = store::institutions::Profile {
        name: "广州番禺职业技术学院".into(),
        school_type: Some("高职（专科）".into()),
        supervisor: Some(GUANGDONG.into()),
        ..Default::default()
    };
    store::institutions::save_profile(pool, b, &profile, InstitutionStatus::Pending, Some(t)).await?;
    store::institutions::decide(pool, b, InstitutionStatus::Approved, None, StaffUserId::new(1), t).await?;
    store::institutions::insert_user(
        pool,
        &NewUser {
            institution_id: b,
            account: code,
            name: "广州番禺职业技术学院",
            mobile: Some("13900000003"),
            is_primary: true,
            areas: &Areas::all().to_list(),
            password_hash: &hash,
            must_change_password: false,
            now: t,
        },
    )
    .await?;
    let inst = Actor {
        role: Some("institution".into()),
        id: Some(b.get()),
        name: Some("广州番禺职业技术学院".into()),
        ip: None,
    };
    let dept = Actor {
        role: Some("department".into()),
        id: Some(2),
        name: Some("广东省教育厅继续教育处".into()),
        ip: None,
    };
    let target = crate::catalog::create(app, b, course, "工程数学", &course_fields("ENG-M1", "3"), &inst).await?;
    crate::catalog::recognise(app, &[gd], &dept, target, true, "3").await?;
    let pdf = |title: &str, paragraphs: &[&str]| {
        certs::document(title, paragraphs).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
    };
    let method_pdf = pdf("广州番禺职业技术学院学习成果转换办法", &METHOD_TEXT)?;
    let method_file =
        crate::files::check_and_put(app, "file", "转换办法.pdf", &method_pdf, crate::files::Accept::Pdf).await?;
    let method = crate::conversion::create_method(
        app,
        b,
        "广州番禺职业技术学院学习成果转换办法",
        Some(&method_file),
        &inst,
    )
    .await?;
    crate::conversion::accept_pledge(app, b, &inst).await?;
    crate::conversion::act_on_method(app, b, method, crate::conversion::MethodAction::Publish, &inst).await?;
    let rule_file = crate::files::check_and_put(
        app,
        "file",
        "转换规则.pdf",
        &pdf("高等数学转换工程数学", &RULE_TEXT)?,
        crate::files::Accept::Pdf,
    )
    .await?;
    let form = crate::conversion::RuleForm {
        name: "高等数学转换工程数学".into(),
        kind: "学历→学历".into(),
        sources: vec![math],
        targets: vec![target],
        ratio: "1:1".into(),
        explanation: "修完广东开放大学《高等数学》且成绩不低于60分者，可转换为本校《工程数学》。".into(),
        min_score: "60".into(),
        document: Some(rule_file),
        ..Default::default()
    };
    let draft = crate::conversion::RuleForm {
        name: "高等数学转换工程数学（2027级草稿）".into(),
        explanation: "拟自2027级起执行，尚未提交。".into(),
        document: Some(
            crate::files::check_and_put(
                app,
                "file",
                "转换规则草稿.pdf",
                &pdf("高等数学转换工程数学（2027级）", &RULE_TEXT)?,
                crate::files::Accept::Pdf,
            )
            .await?,
        ),
        ..form.clone()
    };
    let rule = crate::conversion::create_rule(app, b, &form, &inst).await?;
    crate::conversion::act_on_rule(app, b, rule, crate::conversion::RuleAction::Publish, &inst).await?;
    crate::conversion::create_rule(app, b, &draft, &inst).await?;
    Ok(())
}

/// The text of the demo institution's conversion method (转换办法), as a school would
/// publish it.
const METHOD_TEXT: [&str; 6] = [
    "第一条 为落实终身学习要求，推进学历教育与非学历教育、各类学习成果的互认与转换，依据学分银行学习成果认定、存储与转换的有关规定，结合本校实际，制定本办法。",
    "第二条 本办法适用于申请将已存入学分银行的学习成果转换为本校课程学分的学习者。转换以学分银行已存储、已认定的学习成果为依据，遵循自愿申请、公开透明、质量等效的原则。",
    "第三条 本校按专业发布转换规则，写明源成果、目标课程、转换比例及条件。源成果的学分、成绩和取得时间须满足规则要求；同一成果用于一条规则转换成功后，不再用于该规则的重复转换。",
    "第四条 学习者在学分银行平台提交转换申请，本校教务处在收到申请后十个工作日内完成审核。审核通过的，转换所得课程计入学习者学分银行账户；不通过的，说明理由。",
    "第五条 对转换结果有异议的，学习者可自收到审核结果之日起十个工作日内通过平台问题反馈提出复核申请。",
    "第六条 本办法自发布之日起施行，由本校教务处负责解释。",
];

/// The text of the demo rule's document.
const RULE_TEXT: [&str; 4] = [
    "规则名称：高等数学转换工程数学。规则类型：学历→学历。转换比例：1:1。",
    "源成果：广东开放大学“高等数学”课程（课程代码MATH101，4学分），成绩不低于60分，取得时间不超过5年。",
    "目标成果：广州番禺职业技术学院“工程数学”课程（课程代码ENG-M1，3学分）。转换成功后，学习者获得该课程学分，免修该课程。",
    "本规则经本校教学工作委员会审议通过，自发布之日起执行。",
];
