//! OUCN's account flows (L-03 OUCN variant, M-01): 国开学生账户激活 — a pre-imported
//! student looks up the record by ID number, confirms it, gives a real e-mail address
//! and confirms it by a link — and self-registration confirmed the same way; then the
//! bank reviews the account within 1-2 working days before it can sign in.

use domain::account::Email;
use domain::id_card::{IdNumber, IdType};
use domain::ids::LearnerId;
use domain::lifecycle::LearnerStatus;
use rand::Rng;
use sha2::{Digest, Sha256};
use store::audit::Actor;
use store::learners::Learner;
use store::now;

use crate::auth::Principal;
use crate::{App, AppError, AppResult};

/// The bank reviews a new account within this many working days.
pub const REVIEW_DAYS: i64 = 2;
/// A confirmation link works this long.
const LINK_SECONDS: i64 = 24 * 3600;
/// Look-ups one client may make per hour (each shows a masked record).
const LOOKUPS_PER_HOUR: i64 = 20;
/// Links one account may be sent per hour.
const LINKS_PER_HOUR: i64 = 5;

fn only_oucn(app: &App) -> AppResult<()> {
    if app.bank.reviews_learner_accounts() {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// What the look-up shows the student to confirm: masked, nothing to harvest.
pub struct Found {
    pub name: String,
    pub id_number: String,
    pub institution: String,
    /// `inactive` (to activate) or `unconfirmed` (a link was sent; another may be).
    pub status: LearnerStatus,
}

async fn student(app: &App, id_number: &str) -> AppResult<Learner> {
    let id = IdNumber::parse(IdType::Resident, id_number)?;
    let not_found = || {
        AppError::field(
            "id_number",
            "未查询到您的信息。如果您是新入学的学生，基本信息可能尚未同步到学分银行，请返回首页点击“注册”进行账户注册。",
        )
    };
    let l = store::learners::by_id_number(&app.db.pool, id.as_str())
        .await?
        .ok_or_else(not_found)?;
    match l.status {
        LearnerStatus::Active => Err(AppError::field(
            "id_number",
            "该账户已激活，请直接登录（用户名为S+身份证号或注册邮箱）",
        )),
        LearnerStatus::Review => Err(AppError::field(
            "id_number",
            format!("该账户已提交激活，正在审核中（{REVIEW_DAYS}个工作日内完成），请耐心等待"),
        )),
        LearnerStatus::Inactive if l.reviewed_at.is_some() => Err(AppError::field(
            "id_number",
            "该账户已审核通过，请使用S+身份证号和初始密码（身份证号后六位）登录",
        )),
        _ => Ok(l),
    }
}

/// Step 1: the record behind an ID number, masked.
pub async fn lookup(app: &App, id_number: &str, ip: &str) -> AppResult<Found> {
    only_oucn(app)?;
    let hits = store::rate_limit::hit(&app.db.pool, &format!("activate:{ip}"), 3600, now()).await?;
    if hits > LOOKUPS_PER_HOUR {
        return Err(AppError::TooManyRequests("查询过于频繁，请1小时后再试".into()));
    }
    let l = student(app, id_number).await?;
    let institution = match l.created_by_institution {
        Some(i) => store::institutions::by_id(&app.db.pool, i)
            .await?
            .map(|i| i.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Found {
        name: domain::mask::name(&l.name),
        id_number: domain::mask::id_number(&l.id_number),
        institution,
        status: l.status,
    })
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Records a new link for the account and returns it; sent after the change commits.
async fn new_link(tx: &mut store::Tx, app: &App, learner: LearnerId, email: &str, t: i64) -> AppResult<String> {
    if store::learner_accounts::recent_confirmations(&mut **tx, learner, t - 3600).await? >= LINKS_PER_HOUR {
        return Err(AppError::TooManyRequests("验证邮件发送过于频繁，请1小时后再试".into()));
    }
    let token = hex::encode(rand::thread_rng().r#gen::<[u8; 24]>());
    store::learner_accounts::insert_confirmation(&mut **tx, &token_hash(&token), learner, email, t + LINK_SECONDS, t)
        .await?;
    Ok(format!(
        "{}/activate/confirm?token={token}",
        app.config.public_url.trim_end_matches('/')
    ))
}

async fn send_link(app: &App, email: &str, link: &str) -> AppResult<()> {
    let body = format!(
        "您好！请在24小时内打开以下链接，完成{}账户的邮箱验证：\n{link}\n验证后，学分银行将在{REVIEW_DAYS}个工作日内审核您的账户。\n如非本人操作，请忽略本邮件。",
        app.bank.name()
    );
    app.email
        .send(email, &format!("{}邮箱验证", app.bank.short_name()), &body)
        .await
        .map_err(AppError::Internal)
}

/// Step 2: the student's e-mail address; a confirmation link goes to it.
pub async fn request(app: &App, id_number: &str, email: &str, ip: &str) -> AppResult<String> {
    only_oucn(app)?;
    let l = student(app, id_number).await?;
    let email = Email::parse("email", email)?;
    if crate::registration::email_taken(app, &email, Some(&l.id_number)).await? {
        return Err(AppError::field("email", crate::registration::EMAIL_TAKEN));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    store::learner_accounts::await_confirmation(&mut *tx, l.id, email.as_str()).await?;
    let link = new_link(&mut tx, app, l.id, email.as_str(), t).await?;
    store::audit::record(
        &mut *tx,
        &actor_of(&l, ip),
        "activation_requested",
        Some(&domain::mask::id_number(&l.id_number)),
        None,
        t,
    )
    .await?;
    store::commit(tx).await?;
    send_link(app, email.as_str(), &link).await?;
    Ok(email.as_str().to_string())
}

/// After self-registration at OUCN: the account waits for its e-mail confirmation.
pub(crate) async fn after_registration(app: &App, learner: LearnerId, email: &Email) -> AppResult<()> {
    let t = now();
    let mut tx = app.db.begin().await?;
    store::learner_accounts::await_confirmation(&mut *tx, learner, email.as_str()).await?;
    let link = new_link(&mut tx, app, learner, email.as_str(), t).await?;
    store::commit(tx).await?;
    send_link(app, email.as_str(), &link).await
}

fn actor_of(l: &Learner, ip: &str) -> Actor {
    Actor {
        role: Some("learner".into()),
        id: Some(l.id.get()),
        name: Some(l.name.clone()),
        ip: Some(ip.into()),
    }
}

/// Step 3: the link from the e-mail. An expired or used link says so.
pub async fn confirm(app: &App, token: &str, ip: &str) -> AppResult<String> {
    only_oucn(app)?;
    let hash = token_hash(token.trim());
    let c = store::learner_accounts::confirmation(&app.db.pool, &hash)
        .await?
        .ok_or_else(|| AppError::NotFound("验证链接无效，请检查邮件中的链接是否完整".into()))?;
    let l = store::learners::by_id(&app.db.pool, c.learner_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if c.used_at.is_some() || l.status != LearnerStatus::Unconfirmed {
        return Err(AppError::Conflict(
            "该验证链接已使用过。账户已进入审核，审核通过后即可登录。".into(),
        ));
    }
    let t = now();
    if c.expires_at < t {
        return Err(AppError::Conflict("验证链接已过期，请重新发送验证邮件".into()));
    }
    if l.email.as_deref() != Some(c.email.as_str()) {
        return Err(AppError::Conflict(
            "该链接不是最新发送的验证链接，请打开最新的验证邮件".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    if !store::learner_accounts::use_confirmation(&mut *tx, &hash, t).await? {
        return Err(AppError::Conflict("该验证链接已使用过".into()));
    }
    store::learner_accounts::submit_for_review(&mut *tx, l.id, t).await?;
    if let Some(root) = store::directory::root_department(&mut *tx).await? {
        crate::messages::to_department(
            &mut *tx,
            root,
            "学习者账户待审核",
            &format!("{}的账户已完成邮箱验证，请在{REVIEW_DAYS}个工作日内审核。", l.name),
            "/department/learners/review",
            t,
        )
        .await?;
    }
    store::audit::record(&mut *tx, &actor_of(&l, ip), "email_confirmed", Some(&c.email), None, t).await?;
    store::commit(tx).await?;
    Ok(c.email)
}

/// Sends a new link to the address of an account still waiting for its confirmation
/// (the 重新发送 of an expired link), found by ID number.
pub async fn resend(app: &App, id_number: &str, ip: &str) -> AppResult<String> {
    only_oucn(app)?;
    let l = student(app, id_number).await?;
    let email = l
        .email
        .clone()
        .filter(|_| l.status == LearnerStatus::Unconfirmed)
        .ok_or_else(|| AppError::field("id_number", "请先填写邮箱并点击“激活”"))?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let link = new_link(&mut tx, app, l.id, &email, t).await?;
    store::audit::record(&mut *tx, &actor_of(&l, ip), "activation_resent", None, None, t).await?;
    store::commit(tx).await?;
    send_link(app, &email, &link).await?;
    Ok(domain::mask::email(&email))
}

/// The department's queue of accounts to review: the centre sees all, a provincial
/// department those its institutions opened.
pub async fn queue(app: &App, who: &Principal, page: i64) -> AppResult<store::Page<Learner>> {
    let Principal::Department { department, scope, .. } = who else {
        return Err(AppError::forbidden());
    };
    let limit = department.parent_id.is_some().then_some(scope.as_slice());
    Ok(store::learner_accounts::review_queue(&app.db, limit, page, 20).await?)
}

/// 审核通过 or 不通过 (with a reason): a pre-imported student passes to 未激活 (the
/// first sign-in with the initial password completes the account), a registered
/// learner to active. The learner is told by e-mail.
pub async fn decide(
    app: &App,
    who: &Principal,
    learner: LearnerId,
    pass: bool,
    reason: &str,
    actor: &Actor,
) -> AppResult<String> {
    let Principal::Department { department, scope, .. } = who else {
        return Err(AppError::forbidden());
    };
    let l = store::learners::by_id(&app.db.pool, learner)
        .await?
        .filter(|l| l.status == LearnerStatus::Review)
        .ok_or_else(|| AppError::NotFound("该账户不在审核中".into()))?;
    if department.parent_id.is_some() {
        let ours = match l.created_by_institution {
            Some(i) => store::institutions::by_id(&app.db.pool, i)
                .await?
                .is_some_and(|i| scope.contains(&i.department_id)),
            None => false,
        };
        if !ours {
            return Err(AppError::NotFound("该账户不在审核中".into()));
        }
    }
    let reason = domain::opinion::Opinion::parse("reason", "不通过原因", reason, !pass)?.into_string();
    let t = now();
    let after = if l.mobile.is_none() {
        LearnerStatus::Inactive
    } else {
        LearnerStatus::Active
    };
    let mut tx = app.db.begin().await?;
    let status = if pass { after } else { LearnerStatus::Inactive };
    if !store::learner_accounts::end_review(&mut *tx, l.id, status, pass, t).await? {
        return Err(AppError::Conflict("该账户已审核，请刷新页面".into()));
    }
    store::audit::record(
        &mut *tx,
        actor,
        if pass {
            "learner_account_passed"
        } else {
            "learner_account_refused"
        },
        Some(&domain::mask::id_number(&l.id_number)),
        Some(&reason),
        t,
    )
    .await?;
    store::commit(tx).await?;
    if let Some(email) = &l.email {
        let body = if pass && after == LearnerStatus::Inactive {
            "您的学分银行账户已审核通过。请使用用户名（S+身份证号）或注册邮箱、初始密码（身份证号后六位）登录，并按提示完善账户信息。".to_string()
        } else if pass {
            "您的学分银行账户已审核通过，现在可以使用注册邮箱或S+身份证号登录。".to_string()
        } else {
            format!("您的学分银行账户未通过审核，原因：{reason}。请核对信息后重新激活或联系所在学校。")
        };
        app.email
            .send(email, &format!("{}账户审核结果", app.bank.short_name()), &body)
            .await
            .map_err(AppError::Internal)?;
    }
    Ok(if pass {
        format!("已通过{}的账户", l.name)
    } else {
        format!("已驳回{}的账户", l.name)
    })
}
