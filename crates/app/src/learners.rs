//! Learner accounts: self-registration (L-01), completion of pre-imported accounts
//! (L-03) and password recovery (L-02).

use domain::id_card::{IdNumber, IdType, IdValidity};
use domain::ids::{InstitutionId, LearnerId};
use domain::lifecycle::LearnerStatus;
use domain::mobile::Mobile;
use domain::name::PersonName;
use domain::password::NewPassword;
use rand::Rng;
use store::audit::Actor;
use store::learners::{Learner, NewLearner};
use store::lockout::AccountTable;
use store::now;

use crate::error::{Checks, checked};
use crate::sms::{self, Purpose};
use crate::{App, AppError, AppResult, password};

/// A new 学银卡 number: 12 hex digits.
pub fn new_card_no() -> String {
    let bytes: [u8; 6] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_type: String,
    #[serde(default)]
    pub id_number: String,
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
    /// Guangdong: user name and personal facts; OUCN: the e-mail to confirm.
    #[serde(default)]
    pub email: String,
    #[serde(flatten)]
    pub facts: crate::registration::FactsForm,
}

/// Registers a learner. If the bank or an institution pre-imported this ID number
/// (未激活), registering activates that account, provided the name matches.
pub async fn register(app: &App, f: &RegisterForm, ip: &str) -> AppResult<LearnerId> {
    let mut v = Checks::default();
    let name = v.check(PersonName::parse(&f.name));
    let id_type = v.check(IdType::from_code(if f.id_type.is_empty() {
        "resident"
    } else {
        &f.id_type
    }));
    let id_number = id_type.and_then(|t| v.check(IdNumber::parse(t, &f.id_number)));
    let mobile = v.check(Mobile::parse(&f.mobile));
    let pw = v.check(NewPassword::parse(&f.password, &f.confirm));
    if f.agree.is_none() {
        v.fail("agree", "请阅读并同意用户注册协议");
    }
    let pool = &app.db.pool;
    let extra = crate::registration::check(app, f, id_number.as_ref(), &mut v).await?;
    let mut existing: Option<Learner> = None;
    if let (Some(id), Some(name)) = (&id_number, &name) {
        existing = store::learners::by_id_number(pool, id.as_str()).await?;
        match &existing {
            Some(l) if l.is_active() => v.fail("id_number", "该证件号码已注册，请直接登录"),
            Some(l) if l.name != name.as_str() => v.fail("name", "姓名与该证件号码的预留信息不一致"),
            _ => {}
        }
    }
    if let Some(m) = &mobile
        && let Some(other) = store::learners::by_mobile(pool, m.as_str()).await?
        && existing.as_ref().is_none_or(|l| l.id != other.id)
    {
        v.fail("mobile", "该手机号已被其他账户使用");
    }
    v.finish()?;
    let (name, id_number, mobile, pw) = (checked(name)?, checked(id_number)?, checked(mobile)?, checked(pw)?);
    sms::verify_code(&app.db, mobile.as_str(), Purpose::Register, &f.sms_code).await?;
    let hash = password::hash(pw.as_str())?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = match existing {
        Some(l) => {
            store::learners::activate(&mut *tx, l.id, mobile.as_str(), &hash, None, t).await?;
            l.id
        }
        None => store::learners::insert(
            &mut *tx,
            &NewLearner {
                name: name.as_str(),
                id_type: id_number.kind().code(),
                id_number: id_number.as_str(),
                mobile: Some(mobile.as_str()),
                password_hash: &hash,
                status: LearnerStatus::Active,
                card_no: &new_card_no(),
                created_by_institution: None,
                now: t,
            },
        )
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::field("id_number", "该证件号码或手机号已注册")
            } else {
                e.into()
            }
        })?,
    };
    let actor = Actor {
        role: Some("learner".into()),
        id: Some(id.get()),
        name: Some(name.as_str().into()),
        ip: Some(ip.into()),
    };
    store::learner_accounts::set_facts(&mut *tx, id, &extra.facts()).await?;
    store::audit::record(
        &mut *tx,
        &actor,
        "learner_registered",
        Some(&domain::mask::id_number(id_number.as_str())),
        None,
        t,
    )
    .await?;
    store::commit(tx).await?;
    if app.bank.reviews_learner_accounts()
        && let Some(email) = &extra.email
    {
        crate::activation::after_registration(app, id, email).await?;
    }
    Ok(id)
}

/// Creates a pre-imported account (未激活) whose initial password is the last six
/// characters of the ID number. Used by the bank's import and by institutions.
pub async fn pre_import(
    app: &App,
    name: &str,
    id_number: &str,
    institution: Option<InstitutionId>,
) -> AppResult<LearnerId> {
    let mut tx = app.db.begin().await?;
    let id = pre_import_in(&mut tx, name, id_number, institution).await?;
    store::commit(tx).await?;
    Ok(id)
}

/// The same inside the caller's transaction.
pub(crate) async fn pre_import_in(
    tx: &mut store::Tx,
    name: &str,
    id_number: &str,
    institution: Option<InstitutionId>,
) -> AppResult<LearnerId> {
    let mut v = Checks::default();
    let name = v.check(PersonName::parse(name));
    let id = v.check(IdNumber::resident(id_number));
    v.finish()?;
    let (name, id) = (checked(name)?, checked(id)?);
    if store::learners::by_id_number(&mut **tx, id.as_str()).await?.is_some() {
        return Err(AppError::field("id_number", "该证件号码已存在"));
    }
    let hash = password::INITIAL.to_string();
    let new = NewLearner {
        name: name.as_str(),
        id_type: id.kind().code(),
        id_number: id.as_str(),
        mobile: None,
        password_hash: &hash,
        status: LearnerStatus::Inactive,
        card_no: &new_card_no(),
        created_by_institution: institution,
        now: now(),
    };
    // Another request may have added the same person since the check above.
    store::learners::insert(&mut **tx, &new)
        .await
        .map_err(|e| match e.is_unique_violation() {
            true => AppError::field("id_number", "该证件号码已存在"),
            false => e.into(),
        })
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CompleteForm {
    /// The name as imported, typed by the learner (the page does not show it).
    #[serde(default)]
    pub name: String,
    /// The number of any outcome an institution stored for the learner, when it has one.
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub valid_from: String,
    /// A date, or `5`, `10`, `20`, `long`.
    #[serde(default)]
    pub valid_to: String,
    /// The period chosen with the radio buttons (`5`, `10`, `20`, `long`); a browser
    /// sends it beside the (empty) date field, so it has its own name.
    #[serde(default)]
    pub valid_period: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// Wrong names or numbers one pre-imported account may be given per hour at completion.
const CLAIM_ATTEMPTS: i64 = 10;

/// Whether completing this account asks for an outcome's number (it holds one).
pub async fn completion_asks_number(app: &App, learner: &Learner) -> AppResult<bool> {
    Ok(!store::holdings::recorded_numbers(&app.db.pool, learner.id)
        .await?
        .is_empty())
}

/// Knowing an ID number (and so the initial password) is not enough to claim an
/// imported account: the name as imported must be typed, and where an institution
/// stored an outcome for the learner, the number printed on it too.
async fn check_claim(app: &App, learner: &Learner, f: &CompleteForm, v: &mut Checks) -> AppResult<()> {
    let key = format!("claim:{}", learner.id);
    let t = now();
    if store::rate_limit::current(&app.db.pool, &key, 3600, t).await? >= CLAIM_ATTEMPTS {
        return Err(AppError::TooManyRequests(
            "核对信息错误次数过多，请1小时后再试，或联系所属院校".into(),
        ));
    }
    let mut wrong = false;
    let typed = domain::normalize::half_width(&f.name);
    if typed.is_empty() {
        v.fail("name", "请输入您的姓名");
    } else if typed != learner.name {
        v.fail("name", "姓名与院校导入的信息不一致");
        wrong = true;
    }
    let numbers = store::holdings::recorded_numbers(&app.db.pool, learner.id).await?;
    if !numbers.is_empty() {
        let typed = domain::normalize::half_width(&f.number).to_uppercase();
        if typed.is_empty() {
            v.fail("number", "请输入您任一学习成果的证书编号（个人成果编号）");
        } else if !numbers.iter().any(|n| n.to_uppercase() == typed) {
            v.fail("number", "证书编号与院校存储的成果不一致");
            wrong = true;
        }
    }
    if wrong {
        store::rate_limit::hit(&app.db.pool, &key, 3600, t).await?;
    }
    Ok(())
}

/// L-03: a pre-imported learner completes the account before anything else.
pub async fn complete(app: &App, learner: &Learner, f: &CompleteForm, ip: &str) -> AppResult<()> {
    if learner.is_active() {
        return Err(AppError::Conflict("账户信息已完善".into()));
    }
    let today = domain::time::today();
    let mut v = Checks::default();
    check_claim(app, learner, f, &mut v).await?;
    let valid_to = if f.valid_period.trim().is_empty() {
        &f.valid_to
    } else {
        &f.valid_period
    };
    let validity = v.check(IdValidity::parse(&f.valid_from, valid_to, today));
    let mobile = v.check(Mobile::parse(&f.mobile));
    let pw = v.check(NewPassword::parse(&f.password, &f.confirm));
    if let Some(p) = &pw
        && IdNumber::resident(&learner.id_number).is_ok_and(|id| id.initial_password() == p.as_str())
    {
        v.fail("password", "新密码不能与初始密码相同");
    }
    if let Some(m) = &mobile
        && store::learners::by_mobile(&app.db.pool, m.as_str())
            .await?
            .is_some_and(|o| o.id != learner.id)
    {
        v.fail("mobile", "该手机号已被其他账户使用");
    }
    v.finish()?;
    let (validity, mobile, pw) = (checked(validity)?, checked(mobile)?, checked(pw)?);
    sms::verify_code(&app.db, mobile.as_str(), Purpose::CompleteAccount, &f.sms_code).await?;
    let hash = password::hash(pw.as_str())?;
    let from = validity.start.to_string();
    let to = validity.end.map(|d| d.to_string());
    let t = now();
    let mut tx = app.db.begin().await?;
    store::learners::activate(
        &mut *tx,
        learner.id,
        mobile.as_str(),
        &hash,
        Some((&from, to.as_deref())),
        t,
    )
    .await?;
    let actor = Actor {
        role: Some("learner".into()),
        id: Some(learner.id.get()),
        name: Some(learner.name.clone()),
        ip: Some(ip.into()),
    };
    store::audit::record(&mut *tx, &actor, "account_completed", None, None, t).await?;
    store::commit(tx).await?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// Forgot password: a code to the bound mobile proves ownership.
pub async fn reset_password(app: &App, f: &ResetForm, ip: &str) -> AppResult<()> {
    let mut v = Checks::default();
    let mobile = v.check(Mobile::parse(&f.mobile));
    let pw = v.check(NewPassword::parse(&f.password, &f.confirm));
    v.finish()?;
    let (mobile, pw) = (checked(mobile)?, checked(pw)?);
    // The code first: whether the number is bound is told only to its holder.
    sms::verify_code(&app.db, mobile.as_str(), Purpose::ResetPassword, &f.sms_code).await?;
    let learner = store::learners::by_mobile(&app.db.pool, mobile.as_str())
        .await?
        .ok_or_else(|| AppError::field("sms_code", "短信验证码不正确"))?;
    let hash = password::hash(pw.as_str())?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::lockout::set_password(&mut *tx, AccountTable::Learners, learner.id, &hash).await?;
    let actor = Actor {
        role: Some("learner".into()),
        id: Some(learner.id.get()),
        name: Some(learner.name.clone()),
        ip: Some(ip.into()),
    };
    store::audit::record(&mut *tx, &actor, "password_reset", None, None, t).await?;
    store::commit(tx).await?;
    Ok(())
}

/// Probes of `/sms/send` one client may make per hour, counted before any lookup, so
/// that whether a number is registered cannot be asked for in bulk.
pub const SMS_PROBES_PER_HOUR: i64 = 60;

/// 获取验证码 of the public forms. Registration must say that a number is taken, but
/// only within the per-client limit; recovery never says whether a number is bound: an
/// unbound one gets a code that is never delivered, and the answer is the same.
pub async fn request_code(app: &App, mobile: &Mobile, purpose: Purpose, ip: &str) -> AppResult<()> {
    let probes = store::rate_limit::hit(&app.db.pool, &format!("sms:probe:{ip}"), 3_600, now()).await?;
    if probes > SMS_PROBES_PER_HOUR {
        return Err(AppError::TooManyRequests("获取验证码过于频繁，请1小时后再试".into()));
    }
    if purpose == Purpose::ResetPassword {
        let bound = store::learners::by_mobile(&app.db.pool, mobile.as_str())
            .await?
            .is_some();
        return sms::issue(app, mobile, purpose, ip, bound).await;
    }
    check_mobile_for(app, mobile, purpose).await?;
    sms::send_code(app, mobile, purpose, ip).await
}

/// Whether an SMS for `purpose` may go to this mobile: registration needs a free
/// number.
pub async fn check_mobile_for(app: &App, mobile: &Mobile, purpose: Purpose) -> AppResult<()> {
    let pool = &app.db.pool;
    match purpose {
        Purpose::Register if store::learners::by_mobile(pool, mobile.as_str()).await?.is_some() => {
            Err(AppError::field("mobile", "该手机号已被其他账户使用"))
        }
        Purpose::InstitutionRegister
            if store::institutions::primary_by_mobile(pool, mobile.as_str())
                .await?
                .is_some() =>
        {
            Err(AppError::field("mobile", "该手机号已注册机构账户"))
        }
        _ => Ok(()),
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LearnerAccountForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
}

/// I-05: an institution adds a learner account (未激活 until the learner signs up).
pub async fn institution_add(
    app: &App,
    institution_id: InstitutionId,
    f: &LearnerAccountForm,
    actor: &Actor,
) -> AppResult<LearnerId> {
    let mut tx = app.db.begin().await?;
    let id = pre_import_in(&mut tx, &f.name, &f.id_number, Some(institution_id)).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "learner_added_by_institution",
        Some(&id.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(id)
}

/// I-05: edit name and ID number while the account is 未激活.
pub async fn institution_edit(
    app: &App,
    institution_id: InstitutionId,
    learner_id: LearnerId,
    f: &LearnerAccountForm,
    actor: &Actor,
) -> AppResult<()> {
    let current = store::learners::by_id(&app.db.pool, learner_id)
        .await?
        .filter(|l| l.created_by_institution == Some(institution_id))
        .ok_or_else(AppError::not_found)?;
    if current.is_active() {
        return Err(AppError::Conflict("已激活的学员账户不能修改".into()));
    }
    let mut v = Checks::default();
    let name = v.check(PersonName::parse(&f.name));
    let id = v.check(IdNumber::resident(&f.id_number));
    if let Some(id) = &id
        && store::learners::by_id_number(&app.db.pool, id.as_str())
            .await?
            .is_some_and(|o| o.id != learner_id)
    {
        v.fail("id_number", "该证件号码已存在");
    }
    v.finish()?;
    let (name, id) = (checked(name)?, checked(id)?);
    let hash = password::INITIAL.to_string();
    let mut tx = app.db.begin().await?;
    if !store::learners::update_inactive(&mut *tx, learner_id, institution_id, name.as_str(), id.as_str(), &hash)
        .await?
    {
        return Err(AppError::Conflict("已激活的学员账户不能修改".into()));
    }
    store::audit::record(
        &mut *tx,
        actor,
        "learner_changed_by_institution",
        Some(&learner_id.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

/// I-05: delete an account that is 未激活 and holds no outcomes.
pub async fn institution_delete(
    app: &App,
    institution_id: InstitutionId,
    learner_id: LearnerId,
    actor: &Actor,
) -> AppResult<()> {
    let l = store::learners::by_id(&app.db.pool, learner_id)
        .await?
        .filter(|l| l.created_by_institution == Some(institution_id))
        .ok_or_else(AppError::not_found)?;
    if l.is_active() {
        return Err(AppError::Conflict("已激活的学员账户不能删除".into()));
    }
    let mut tx = app.db.begin().await?;
    if !store::learners::delete_inactive(&mut *tx, learner_id, institution_id).await? {
        return Err(AppError::Conflict(format!("学员{}已有学习成果，不能删除", l.name)));
    }
    store::audit::record(
        &mut *tx,
        actor,
        "learner_deleted_by_institution",
        Some(&learner_id.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}
