//! Institution registration wizard (I-01), approval by the management department
//! (M-01) and sub-users (I-12).

use domain::account::AccountName;
use domain::id_card::{IdNumber, IdType};
use domain::ids::{DepartmentId, InstitutionId, InstitutionUserId, StaffUserId};
use domain::institution::{InstitutionCode, InstitutionKind, InstitutionStatus, parse_uscc};
use domain::mobile::Mobile;
use domain::name::{PersonName, optional_text, parse_label};
use domain::password::NewPassword;
use domain::role::{Area, Areas};
use rand::Rng;
use rand::distributions::Alphanumeric;
use store::audit::Actor;
use store::institutions::{Institution, InstitutionUser, NewUser, Profile};
use store::{Db, now};

use crate::error::{Checks, checked};
use crate::sms::{self, Purpose};
use crate::{App, AppError, AppResult, password};

mod sub_users;
pub use sub_users::*;

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub department_id: String,
    /// Picked from the directory …
    #[serde(default)]
    pub directory_code: String,
    /// … or typed (学校代码 / 统一社会信用代码).
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
    #[serde(default)]
    pub agree: Option<String>,
}

/// Step 1: creates the institution (待完善) and its primary account, whose login account
/// is the institution's code. Returns the primary user's id.
pub async fn start(app: &App, f: &StartForm, ip: &str) -> AppResult<InstitutionUserId> {
    let pool = &app.db.pool;
    let mut v = Checks::default();
    let kind = v.check(InstitutionKind::from_code(&f.kind));
    let department = match f.department_id.parse::<DepartmentId>() {
        Ok(id) => store::directory::department(pool, id).await?,
        Err(_) => None,
    };
    if department.is_none() {
        v.fail("department_id", "请选择所属行政教育部门");
    }
    let typed = if f.directory_code.trim().is_empty() {
        &f.code
    } else {
        &f.directory_code
    };
    let code = match kind {
        Some(k) if typed.trim().is_empty() => {
            v.fail(
                "code",
                if k == InstitutionKind::School {
                    "请选择学校或输入学校代码"
                } else {
                    "请输入统一社会信用代码"
                },
            );
            None
        }
        Some(k) => v.check(InstitutionCode::parse(k, typed)),
        None => None,
    };
    let mobile = v.check(Mobile::parse(&f.mobile));
    let pw = v.check(NewPassword::parse(&f.password, &f.confirm));
    if f.agree.is_none() {
        v.fail("agree", "请阅读并同意用户注册协议");
    }
    let mut name = None;
    if let (Some(code), Some(dep)) = (&code, &department) {
        if store::institutions::by_code(pool, code.as_str()).await?.is_some() {
            v.fail("code", "该机构已注册，请直接登录");
        }
        match store::directory::entry(pool, code.as_str()).await? {
            Some(e) if e.department_id != dep.id => v.fail("code", "该机构不属于所选的行政教育部门"),
            Some(e) => name = Some(e.name),
            None => {}
        }
    }
    if let Some(m) = &mobile
        && store::institutions::primary_by_mobile(pool, m.as_str())
            .await?
            .is_some()
    {
        v.fail("mobile", "该手机号已注册机构账户");
    }
    v.finish()?;
    let (kind, code, mobile, pw, dep) = (
        checked(kind)?,
        checked(code)?,
        checked(mobile)?,
        checked(pw)?,
        checked(department)?,
    );
    sms::verify_code(&app.db, mobile.as_str(), Purpose::InstitutionRegister, &f.sms_code).await?;
    let hash = password::hash(pw.as_str())?;
    let t = now();
    let display = name.unwrap_or_else(|| code.as_str().to_string());
    let mut tx = app.db.begin().await?;
    let inst = store::institutions::insert(&mut *tx, kind.code(), code.as_str(), &display, dep.id, t)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::field("code", "该机构已注册，请直接登录")
            } else {
                e.into()
            }
        })?;
    let user = store::institutions::insert_user(
        &mut *tx,
        &NewUser {
            institution_id: inst,
            account: code.as_str(),
            name: &display,
            mobile: Some(mobile.as_str()),
            is_primary: true,
            areas: &Areas::all().to_list(),
            password_hash: &hash,
            must_change_password: false,
            now: t,
        },
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::field("code", "该账号已存在")
        } else {
            e.into()
        }
    })?;
    let actor = Actor {
        role: Some("institution".into()),
        id: Some(user.get()),
        name: Some(display.clone()),
        ip: Some(ip.into()),
    };
    store::audit::record(&mut *tx, &actor, "institution_registered", Some(code.as_str()), None, t).await?;
    store::commit(tx).await?;
    Ok(user)
}

fn editable(inst: &Institution) -> AppResult<()> {
    if inst.status.editable() {
        Ok(())
    } else {
        Err(AppError::Conflict("注册信息已提交审核，不能修改".into()))
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct RegistrantForm {
    #[serde(default)]
    pub id_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
}

/// Step 2: the registrant's identity.
pub async fn save_registrant(app: &App, inst: &Institution, f: &RegistrantForm) -> AppResult<()> {
    editable(inst)?;
    let mut v = Checks::default();
    let name = v.check(PersonName::parse(&f.name));
    let t = v.check(IdType::from_code(if f.id_type.is_empty() {
        "resident"
    } else {
        &f.id_type
    }));
    let id = t.and_then(|t| v.check(IdNumber::parse(t, &f.id_number)));
    v.finish()?;
    let (name, id) = (checked(name)?, checked(id)?);
    store::institutions::set_registrant(&app.db.pool, inst.id, name.as_str(), id.kind().code(), id.as_str()).await?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub supervisor: String,
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub school_type: String,
    #[serde(default)]
    pub legal_rep: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_mobile: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub post_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub business_scope: String,
    #[serde(default)]
    pub intro: String,
}

impl ProfileForm {
    pub fn from_institution(i: &Institution) -> Self {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        Self {
            name: i.name.clone(),
            supervisor: s(&i.supervisor),
            uscc: s(&i.uscc),
            school_type: s(&i.school_type),
            legal_rep: s(&i.legal_rep),
            contact_name: s(&i.contact_name),
            contact_mobile: s(&i.contact_mobile),
            contact_email: s(&i.contact_email),
            post_code: s(&i.post_code),
            address: s(&i.address),
            business_scope: s(&i.business_scope),
            intro: s(&i.intro),
        }
    }
}

pub const SCHOOL_TYPES: [&str; 6] = ["本科", "高职（专科）", "中职", "技工院校", "开放大学", "其他"];
pub const ORG_TYPES: [&str; 4] = ["培训机构", "证书颁发机构", "行业企业", "其他"];

/// Validates the institution information. On submit the required fields (marked * in
/// the manual) must all be present; a draft keeps whatever is valid so far.
fn parse_profile(f: &ProfileForm, submit: bool) -> AppResult<Profile> {
    let mut v = Checks::default();
    let name = v.check(parse_label("name", "机构名称", &f.name, 60));
    let mut opt = |field: &'static str, label: &str, value: &str, max: usize, required: bool| {
        let r = v.check(optional_text(field, label, value, max)).flatten();
        if required && submit && r.is_none() && value.trim().is_empty() {
            v.fail(field, format!("请填写{label}"));
        }
        r
    };
    let supervisor = opt("supervisor", "主管单位", &f.supervisor, 60, false);
    let school_type = opt("school_type", "机构类型", &f.school_type, 20, true);
    let legal_rep = opt("legal_rep", "法定代表人或负责人姓名", &f.legal_rep, 30, true);
    let contact_name = opt("contact_name", "联系人", &f.contact_name, 30, true);
    let contact_mobile = opt("contact_mobile", "联系人手机号", &f.contact_mobile, 20, true);
    let contact_email = opt("contact_email", "联系人电子邮件", &f.contact_email, 100, true);
    let post_code = opt("post_code", "邮政编码", &f.post_code, 6, true);
    let address = opt("address", "通讯地址", &f.address, 200, true);
    let business_scope = opt("business_scope", "经营范围", &f.business_scope, 500, true);
    let intro = opt("intro", "简介", &f.intro, 2000, false);
    let uscc = v.check(parse_uscc(&f.uscc)).flatten();
    if let Some(m) = &contact_mobile {
        v.check(Mobile::parse(m).map_err(|e| domain::FieldError::new("contact_mobile", e.message)));
    }
    if let Some(e) = &contact_email {
        v.check(domain::account::Email::parse("contact_email", e));
    }
    if let Some(p) = &post_code
        && (p.len() != 6 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        v.fail("post_code", "邮政编码须为6位数字");
    }
    v.finish()?;
    Ok(Profile {
        name: checked(name)?,
        supervisor,
        uscc,
        school_type,
        legal_rep,
        contact_name,
        contact_mobile,
        contact_email,
        post_code,
        address,
        business_scope,
        intro,
    })
}

/// Step 3: saves the institution information as a draft, or submits it for review.
pub async fn save_profile(
    app: &App,
    inst: &Institution,
    f: &ProfileForm,
    submit: bool,
    actor: &Actor,
) -> AppResult<()> {
    editable(inst)?;
    let p = parse_profile(f, submit)?;
    if submit && inst.registrant_name.is_none() {
        return Err(AppError::Conflict("请先填写注册人信息".into()));
    }
    let t = now();
    let (status, at) = if submit {
        (InstitutionStatus::Pending, Some(t))
    } else {
        (inst.status, None)
    };
    let mut tx = app.db.begin().await?;
    store::institutions::save_profile(&mut *tx, inst.id, &p, status, at).await?;
    if submit {
        store::audit::record(&mut *tx, actor, "institution_submitted", Some(&inst.code), None, t).await?;
        crate::messages::to_department(
            &mut *tx,
            inst.department_id,
            "新的机构注册申请",
            &format!("{}（{}）提交了机构注册申请，请审核。", p.name, inst.code),
            "/department/institutions/pending",
            t,
        )
        .await?;
    }
    store::commit(tx).await?;
    Ok(())
}

/// 机构信息 of an approved institution: the profile, always validated as complete.
pub async fn update_profile(app: &App, inst: &Institution, f: &ProfileForm, actor: &Actor) -> AppResult<()> {
    let p = parse_profile(f, true)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::institutions::save_profile(&mut *tx, inst.id, &p, inst.status, None).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "institution_profile_changed",
        Some(&inst.code),
        None,
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

/// M-01: a department approves or rejects a pending registration under it. Exactly one
/// decision wins when two reviewers act at once.
pub async fn decide(
    app: &App,
    scope: &[DepartmentId],
    reviewer: &Actor,
    institution_id: InstitutionId,
    approve: bool,
    reason: &str,
) -> AppResult<()> {
    let pool = &app.db.pool;
    let inst = store::institutions::by_id(pool, institution_id)
        .await?
        .filter(|i| scope.contains(&i.department_id))
        .ok_or_else(AppError::not_found)?;
    let reason = domain::opinion::Opinion::parse("reason", "驳回原因", reason, !approve)?.into_string();
    let status = if approve {
        InstitutionStatus::Approved
    } else {
        InstitutionStatus::Rejected
    };
    let t = now();
    let mut tx = app.db.begin().await?;
    let by = StaffUserId::new(reviewer.id.unwrap_or_default());
    if !store::institutions::decide(&mut *tx, inst.id, status, (!approve).then_some(reason.as_str()), by, t).await? {
        return Err(AppError::Conflict("该注册申请已被审核，请刷新页面".into()));
    }
    let action = if approve {
        "institution_approved"
    } else {
        "institution_rejected"
    };
    store::audit::record(
        &mut *tx,
        reviewer,
        action,
        Some(&inst.code),
        (!approve).then_some(reason.as_str()),
        t,
    )
    .await?;
    let (title, body, link) = if approve {
        (
            "机构注册审核通过",
            format!("您的机构账户（{}）注册申请已审核通过。", inst.code),
            "/institution",
        )
    } else {
        (
            "机构注册审核未通过",
            format!("您的机构账户（{}）注册申请未通过审核，原因：{reason}。", inst.code),
            "/institution/profile",
        )
    };
    crate::messages::to_institution(&mut *tx, inst.id, None, title, &body, link, t).await?;
    store::commit(tx).await?;
    if let Some(mobile) = store::institutions::users_of(pool, inst.id)
        .await?
        .into_iter()
        .find(|u| u.is_primary == 1)
        .and_then(|u| u.mobile)
    {
        let text = if approve {
            format!("您的机构账户（{}）注册申请已审核通过，请登录机构空间。", inst.code)
        } else {
            format!(
                "您的机构账户（{}）注册申请未通过审核，原因：{reason}。请登录修改后重新提交。",
                inst.code
            )
        };
        if let Err(e) = app.sms.send(&mobile, &text).await {
            tracing::warn!(error = %e, "approval SMS not sent");
        }
    }
    Ok(())
}

/// A random initial password for sub-users: 10 characters with letters and digits.
pub fn initial_password() -> String {
    let mut rng = rand::thread_rng();
    loop {
        let p: String = (&mut rng).sample_iter(&Alphanumeric).take(10).map(char::from).collect();
        if p.chars().any(|c| c.is_ascii_digit()) && p.chars().any(|c| c.is_ascii_alphabetic()) {
            return p;
        }
    }
}
