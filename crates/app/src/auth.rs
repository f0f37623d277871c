//! Signing in, and loading who is signed in on every request.

use domain::bank::LearnerSignIn;
use domain::ids::{DepartmentId, InstitutionUserId, LearnerId, StaffUserId};
use domain::lifecycle::LearnerStatus;
use domain::role::Role;
use serde::{Deserialize, Serialize};
use store::audit::Actor;
use store::directory::Department;
use store::institutions::{Institution, InstitutionUser};
use store::learners::Learner;
use store::lockout::{self, AccountTable};
use store::now;
use store::staff::StaffUser;

use crate::{App, AppError, AppResult, captcha, password};

/// Wrong passwords one client may give for one account before that client is locked
/// out of it (a client cannot lock anyone else out).
pub const MAX_FAILURES: i64 = 5;
/// Wrong passwords from all clients together before the account itself is locked
/// (guessing spread over many addresses).
pub const MAX_ACCOUNT_FAILURES: i64 = 50;
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Sign-in attempts allowed per IP address in `IP_WINDOW_SECONDS`.
pub const IP_ATTEMPTS: i64 = 30;
pub const IP_WINDOW_SECONDS: i64 = 10 * 60;

/// What the session remembers: the role, the account id and the account's session
/// epoch at sign-in. Everything else is loaded fresh on each request, so disabling an
/// account takes effect at once, and a password change (which moves the epoch on) ends
/// every session signed in before it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionUser {
    pub role: Role,
    pub id: i64,
    #[serde(default)]
    pub epoch: i64,
}

pub struct SignIn<'a> {
    pub role: Role,
    pub login: &'a str,
    pub password: &'a str,
    pub captcha_id: &'a str,
    pub captcha: &'a str,
    pub ip: &'a str,
}

/// An account found for a sign-in: its table, id, hash and lock state.
struct Candidate {
    table: AccountTable,
    /// Learners: the ID number, against which an initial password is checked.
    id_number: Option<String>,
    id: i64,
    name: String,
    hash: String,
    locked_until: Option<i64>,
    disabled: bool,
    epoch: i64,
    /// Why a learner with the right password may not sign in yet (e-mail not
    /// confirmed, account under review, not activated).
    refusal: Option<String>,
}

/// The learner a sign-in name points to, by the bank's rule: ID number or mobile (NCB);
/// `S` + ID number or the registered e-mail (OUCN); the user name (Guangdong), or the
/// ID number of a pre-imported account that has none yet.
async fn learner_by_login(app: &App, login: &str) -> AppResult<Option<Learner>> {
    let pool = &app.db.pool;
    let upper = login.to_ascii_uppercase();
    Ok(match app.bank.learner_sign_in() {
        LearnerSignIn::IdOrMobile => match store::learners::by_id_number(pool, &upper).await? {
            Some(l) => Some(l),
            None => store::learners::by_mobile(pool, login).await?,
        },
        LearnerSignIn::SIdOrEmail if login.contains('@') => {
            store::learners::by_email(pool, &login.to_lowercase()).await?
        }
        LearnerSignIn::SIdOrEmail => {
            let id = upper.strip_prefix('S').filter(|r| r.len() >= 15).unwrap_or(&upper);
            store::learners::by_id_number(pool, id).await?
        }
        LearnerSignIn::UserName => match store::learners::by_username(pool, &login.to_ascii_lowercase()).await? {
            Some(l) => Some(l),
            None => store::learners::by_id_number(pool, &upper)
                .await?
                .filter(|l| l.username.is_none()),
        },
    })
}

fn learner_refusal(app: &App, l: &Learner) -> Option<String> {
    match l.status {
        LearnerStatus::Unconfirmed => Some("请先登录您的邮箱，打开验证邮件中的链接完成邮箱验证".into()),
        LearnerStatus::Review => Some(format!(
            "账户正在审核中，审核通过后即可登录（{}个工作日内完成）",
            crate::activation::REVIEW_DAYS
        )),
        LearnerStatus::Inactive if app.bank.reviews_learner_accounts() && l.reviewed_at.is_none() => {
            Some("账户尚未激活，请在登录页点击“国开学生账户激活”完成激活".into())
        }
        _ => None,
    }
}

async fn find(app: &App, role: Role, login: &str) -> AppResult<Option<Candidate>> {
    let login = domain::normalize::half_width(login);
    let pool = &app.db.pool;
    Ok(match role {
        Role::Learner => learner_by_login(app, login.trim()).await?.map(|l| Candidate {
            refusal: learner_refusal(app, &l),
            table: AccountTable::Learners,
            id_number: Some(l.id_number),
            id: l.id.get(),
            name: l.name,
            hash: l.password_hash,
            locked_until: l.locked_until,
            disabled: false,
            epoch: l.session_epoch,
        }),
        Role::Institution => store::institutions::user_by_account(pool, &login)
            .await?
            .map(|u| Candidate {
                table: AccountTable::InstitutionUsers,
                id_number: None,
                id: u.id.get(),
                name: u.name,
                hash: u.password_hash,
                locked_until: u.locked_until,
                disabled: u.disabled != 0,
                epoch: u.session_epoch,
                refusal: None,
            }),
        Role::Expert | Role::Department => {
            store::staff::by_account(pool, role.code(), &login)
                .await?
                .map(|s| Candidate {
                    table: AccountTable::StaffUsers,
                    id_number: None,
                    id: s.id.get(),
                    name: s.name,
                    hash: s.password_hash,
                    locked_until: s.locked_until,
                    disabled: s.disabled != 0,
                    epoch: s.session_epoch,
                    refusal: None,
                })
        }
    })
}

/// Checks the captcha, the per-IP limit, the lock and the password. Five wrong
/// passwords lock the account for 15 minutes.
pub async fn sign_in(app: &App, req: SignIn<'_>) -> AppResult<SessionUser> {
    let t = now();
    let pool = &app.db.pool;
    let hits = store::rate_limit::hit(pool, &format!("signin:{}", req.ip), IP_WINDOW_SECONDS, t).await?;
    if hits > IP_ATTEMPTS {
        return Err(AppError::TooManyRequests("登录尝试过于频繁，请10分钟后再试".into()));
    }
    if req.login.trim().is_empty() {
        return Err(AppError::field("login", "请输入账号"));
    }
    if req.password.is_empty() {
        return Err(AppError::field("password", "请输入密码"));
    }
    captcha::check(&app.db, req.captcha_id, req.captcha).await?;
    let actor = Actor {
        role: Some(req.role.code().into()),
        ip: Some(req.ip.into()),
        ..Default::default()
    };
    let Some(c) = find(app, req.role, req.login).await? else {
        password::dummy_verify(req.password);
        store::audit::record(
            pool,
            &actor,
            "sign_in_failed",
            Some(req.login.trim()),
            Some("账号不存在"),
            t,
        )
        .await?;
        // The same answers as for an account that exists, counted the same way, so the
        // sign-in page does not tell which accounts exist.
        let key = format!(
            "signin:miss:{}:{}",
            domain::normalize::half_width(req.login.trim()).to_ascii_uppercase(),
            req.ip
        );
        let n = store::rate_limit::hit(pool, &key, LOCK_SECONDS, t).await?;
        if n >= MAX_FAILURES {
            return Err(AppError::field(
                "password",
                "密码错误次数过多，账号已锁定，请15分钟后再试",
            ));
        }
        return Err(AppError::field(
            "password",
            format!("账号或密码错误，还可尝试{}次", MAX_FAILURES - n),
        ));
    };
    let actor = Actor {
        id: Some(c.id),
        name: Some(c.name.clone()),
        ..actor
    };
    let locked = |minutes: i64| {
        AppError::field(
            "password",
            format!("密码错误次数过多，账号已锁定，请{minutes}分钟后再试"),
        )
    };
    if let Some(until) = c.locked_until.filter(|u| *u > t) {
        return Err(locked((until - t + 59) / 60));
    }
    // This client's failures on this account, in the account's current epoch (a new
    // password starts a new count).
    let client_key = format!("signin:fail:{}:{}:{}:{}", c.table.name(), c.id, c.epoch, req.ip);
    if store::rate_limit::current(pool, &client_key, LOCK_SECONDS, t).await? >= MAX_FAILURES {
        return Err(locked(LOCK_SECONDS / 60));
    }
    if !password::verify_account(req.password, &c.hash, c.id_number.as_deref()) {
        let n = store::rate_limit::hit(pool, &client_key, LOCK_SECONDS, t).await?;
        let all = lockout::record_failure(pool, c.table, c.id, MAX_ACCOUNT_FAILURES, t + LOCK_SECONDS).await?;
        store::audit::record(
            pool,
            &actor,
            "sign_in_failed",
            Some(req.login.trim()),
            Some("密码错误"),
            t,
        )
        .await?;
        if n >= MAX_FAILURES || all >= MAX_ACCOUNT_FAILURES {
            let whom = if all >= MAX_ACCOUNT_FAILURES {
                "全部客户端"
            } else {
                "本客户端"
            };
            store::audit::record(pool, &actor, "account_locked", Some(req.login.trim()), Some(whom), t).await?;
            return Err(locked(LOCK_SECONDS / 60));
        }
        return Err(AppError::field(
            "password",
            format!("账号或密码错误，还可尝试{}次", MAX_FAILURES - n),
        ));
    }
    if c.disabled {
        store::audit::record(
            pool,
            &actor,
            "sign_in_failed",
            Some(req.login.trim()),
            Some("账号已停用"),
            t,
        )
        .await?;
        return Err(AppError::Forbidden("该账号已停用，请联系管理员".into()));
    }
    if let Some(why) = c.refusal {
        return Err(AppError::Forbidden(why));
    }
    lockout::reset(pool, c.table, c.id).await?;
    store::rate_limit::clear(pool, &client_key).await?;
    store::audit::record(pool, &actor, "sign_in", Some(req.login.trim()), None, t).await?;
    Ok(SessionUser {
        role: req.role,
        id: c.id,
        epoch: c.epoch,
    })
}

/// The signed-in account with what it may see. Built once per request, so the size
/// difference between variants costs nothing worth boxing for.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Principal {
    Learner(Learner),
    Institution {
        user: InstitutionUser,
        institution: Institution,
    },
    Expert(StaffUser),
    Department {
        user: StaffUser,
        department: Department,
        scope: Vec<DepartmentId>,
    },
}

/// The bank's management centre (the root department) alone maintains what is the same
/// for the whole bank: portal content, the framework and standards, the taxonomy.
/// Returns the staff user's id.
pub fn require_centre(who: &Principal, what: &str) -> AppResult<StaffUserId> {
    match who {
        Principal::Department { user, department, .. } if department.parent_id.is_none() => Ok(user.id),
        Principal::Department { .. } => Err(AppError::Forbidden(format!("{what}由学分银行管理中心维护"))),
        _ => Err(AppError::forbidden()),
    }
}

impl Principal {
    pub fn role(&self) -> Role {
        match self {
            Principal::Learner(_) => Role::Learner,
            Principal::Institution { .. } => Role::Institution,
            Principal::Expert(_) => Role::Expert,
            Principal::Department { .. } => Role::Department,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Principal::Learner(l) => &l.name,
            Principal::Institution { user, .. } => &user.name,
            Principal::Expert(s) | Principal::Department { user: s, .. } => &s.name,
        }
    }

    /// What a session of this account remembers now (after the account's own password
    /// change, the session that made it carries on under the new epoch).
    pub fn session_user(&self) -> SessionUser {
        let (id, epoch) = match self {
            Principal::Learner(l) => (l.id.get(), l.session_epoch),
            Principal::Institution { user, .. } => (user.id.get(), user.session_epoch),
            Principal::Expert(s) | Principal::Department { user: s, .. } => (s.id.get(), s.session_epoch),
        };
        SessionUser {
            role: self.role(),
            id,
            epoch,
        }
    }

    fn epoch(&self) -> i64 {
        self.session_user().epoch
    }

    pub fn actor(&self, ip: &str) -> Actor {
        let id = self.session_user().id;
        Actor {
            role: Some(self.role().code().into()),
            id: Some(id),
            name: Some(self.name().into()),
            ip: Some(ip.into()),
        }
    }
}

/// Loads the account behind a session; `None` when it no longer exists, is disabled,
/// or its password changed after the session signed in.
pub async fn load(app: &App, s: SessionUser) -> AppResult<Option<Principal>> {
    Ok(account(app, s.role, s.id).await?.filter(|p| p.epoch() == s.epoch))
}

/// Reloads the caller after a change to its own account (the session that changed the
/// password carries on: the caller signs it in again with `session_user`).
pub async fn reload(app: &App, who: &Principal) -> AppResult<Principal> {
    let s = who.session_user();
    account(app, s.role, s.id).await?.ok_or_else(AppError::not_found)
}

/// Loads an account with what it may see, whatever session asks (API keys and the
/// operator's commands name the account directly).
pub async fn account(app: &App, role: Role, id: impl Into<i64>) -> AppResult<Option<Principal>> {
    let s = SessionUser {
        role,
        id: id.into(),
        epoch: 0,
    };
    let pool = &app.db.pool;
    Ok(match s.role {
        Role::Learner => store::learners::by_id(pool, LearnerId::new(s.id))
            .await?
            .map(Principal::Learner),
        Role::Institution => {
            let Some(user) = store::institutions::user_by_id(pool, InstitutionUserId::new(s.id))
                .await?
                .filter(|u| u.disabled == 0)
            else {
                return Ok(None);
            };
            store::institutions::by_id(pool, user.institution_id)
                .await?
                .map(|institution| Principal::Institution { user, institution })
        }
        Role::Expert => store::staff::by_id(pool, StaffUserId::new(s.id))
            .await?
            .filter(|u| u.role == "expert" && u.disabled == 0)
            .map(Principal::Expert),
        Role::Department => {
            let Some(user) = store::staff::by_id(pool, StaffUserId::new(s.id))
                .await?
                .filter(|u| u.role == "department" && u.disabled == 0)
            else {
                return Ok(None);
            };
            let Some(dep_id) = user.department_id else {
                return Ok(None);
            };
            let all = store::directory::departments(pool).await?;
            let Some(department) = all.iter().find(|d| d.id == dep_id).cloned() else {
                return Ok(None);
            };
            let scope = store::directory::subtree(&all, dep_id);
            Some(Principal::Department {
                user,
                department,
                scope,
            })
        }
    })
}

/// Records a sign-out (the session itself is ended by the caller).
pub async fn sign_out(app: &App, who: &Principal, ip: &str) -> AppResult<()> {
    store::audit::record(&app.db.pool, &who.actor(ip), "sign_out", None, None, now()).await?;
    Ok(())
}
