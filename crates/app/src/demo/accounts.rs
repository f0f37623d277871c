//! The demo accounts `serve --demo` prints, each signed in the bank's own way.

use domain::bank::LearnerSignIn;

use super::*;

/// A demo account to print.
pub struct DemoAccount {
    pub role: &'static str,
    pub login: String,
    pub password: String,
    pub note: &'static str,
}

/// Loads the demo bank once; later runs find it and only return the accounts.
pub async fn load(app: &App) -> AppResult<Vec<DemoAccount>> {
    let pool = &app.db.pool;
    if store::directory::department_by_name(pool, CENTER).await?.is_none() {
        seed(app).await?;
    }
    let imported = imported_learner_id();
    let initial = domain::id_card::initial_password(&imported);
    let acc = |role, login: &str, password: &str, note| DemoAccount {
        role,
        login: login.into(),
        password: password.into(),
        note,
    };
    // Each bank signs its learners in its own way (domain::bank::LearnerSignIn).
    let (me, me_note, imported_login, imported_note) = match app.bank.learner_sign_in() {
        LearnerSignIn::IdOrMobile => (
            learner_id(),
            "张晓明，已激活（也可用手机号 13800138000 登录）",
            imported.clone(),
            "李嘉民，机构预导入、未完善账户（初始密码为身份证号后六位；完善时核对姓名和证书编号 GDOU-S-002）",
        ),
        LearnerSignIn::SIdOrEmail => (
            format!("S{}", learner_id()),
            "张晓明，已激活（用户名为S+身份证号，也可用邮箱 zhangxm@example.cn 登录）",
            imported.clone(),
            "李嘉民，在籍学生、尚未激活：在登录页点击“国开学生账户激活”，输入此身份证号激活",
        ),
        LearnerSignIn::UserName => (
            DEMO_USERNAME.to_string(),
            "张晓明，已激活（用户名登录）",
            imported.clone(),
            "李嘉民，机构预导入、未完善账户（以身份证号和初始密码首次登录；核对姓名和证书编号 GDOU-S-002）",
        ),
    };
    Ok(vec![
        acc("个人用户", &me, PASSWORD, me_note),
        acc("个人用户", &imported_login, &initial, imported_note),
        acc(
            "机构用户",
            SCHOOL_CODE,
            PASSWORD,
            if app.bank.performance_conversion() {
                "广东开放大学主账号，初审业绩类成果转换申请"
            } else {
                "广东开放大学主账号"
            },
        ),
        acc(
            "机构用户",
            TARGET_CODE,
            PASSWORD,
            "广州番禺职业技术学院主账号，发布了转换规则（另有一条未提交的草稿），审核转换申请",
        ),
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
