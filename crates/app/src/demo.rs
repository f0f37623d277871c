//! The demo bank loaded by `creditbank serve --demo`: departments, an institution
//! directory, one institution of each state, an expert, an active learner and a
//! pre-imported learner who has not completed the account.

use domain::id_card::check_char;
use domain::institution::uscc_check;
use domain::role::{Area, Areas, Role};
use store::institutions::{NewUser, Profile};
use store::learners::{ACTIVE, NewLearner};
use store::now;

use crate::admin::{self, NewStaffAccount};
use crate::{App, AppResult, learners, password};

pub const PASSWORD: &str = "Demo1234";
const CENTER: &str = "学分银行管理中心";
const GUANGDONG: &str = "广东省教育厅";
const SHANDONG: &str = "山东省教育厅";

/// A demo account to print.
pub struct DemoAccount {
    pub role: &'static str,
    pub login: String,
    pub password: String,
    pub note: &'static str,
}

fn resident_id(first17: &str) -> String {
    let c = check_char(first17.as_bytes()).map(char::from).unwrap_or('0');
    format!("{first17}{c}")
}

fn org_code(first17: &str) -> String {
    let c = uscc_check(first17.as_bytes()).map(char::from).unwrap_or('0');
    format!("{first17}{c}")
}

pub const SCHOOL_CODE: &str = "4144051234";
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

/// Loads the demo bank once; later runs find it and only return the accounts.
pub async fn load(app: &App) -> AppResult<Vec<DemoAccount>> {
    let pool = &app.db.pool;
    if store::directory::department_by_name(pool, CENTER).await?.is_none() {
        seed(app).await?;
    }
    let imported = imported_learner_id();
    let initial = imported[imported.len() - 6..].to_string();
    let acc = |role, login: &str, password: &str, note| DemoAccount {
        role,
        login: login.into(),
        password: password.into(),
        note,
    };
    Ok(vec![
        acc(
            "个人用户",
            &learner_id(),
            PASSWORD,
            "张晓明，已激活（也可用手机号 13800138000 登录）",
        ),
        acc(
            "个人用户",
            &imported,
            &initial,
            "李嘉民，机构预导入、未完善账户（初始密码为身份证号后六位）",
        ),
        acc("机构用户", SCHOOL_CODE, PASSWORD, "广东开放大学主账号"),
        acc(
            "机构用户",
            SUB_USER,
            PASSWORD,
            "广东开放大学子用户，仅有“成果及学员管理”权限",
        ),
        acc(
            "机构用户",
            &pending_org_code(),
            PASSWORD,
            "广州市职业技能培训中心，注册待审核",
        ),
        acc("专家用户", "expert01", PASSWORD, "专业认定委员会专家"),
        acc("综合管理部门", "gd_edu", PASSWORD, "广东省教育厅，只看到本省机构"),
        acc(
            "综合管理部门",
            "center_admin",
            PASSWORD,
            "学分银行管理中心，看到全部机构",
        ),
    ])
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
    let profile = |name: &str, kind: &str| Profile {
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
    store::institutions::save_profile(pool, school, &profile("广东开放大学", "开放大学"), "pending", Some(t)).await?;
    store::institutions::decide(pool, school, "approved", None, 1, t).await?;
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
    store::institutions::save_profile(pool, org, &p, "pending", Some(t)).await?;
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
            status: ACTIVE,
            card_no: &learners::new_card_no(),
            created_by_institution: Some(school),
            now: t,
        },
    )
    .await?;
    learners::pre_import(app, "李嘉民", &imported_learner_id(), Some(school)).await?;
    Ok(())
}
