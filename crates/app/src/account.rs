//! 账户设置 (L-15, I-12, X-02): what any signed-in account changes about itself — its
//! password (old one, new one twice, SMS code to the bound mobile), its bound mobile
//! (password, new mobile, SMS code to the new mobile) and its avatar. A password change
//! ends every other session of the account (the session epoch moves on).

use domain::ids::FileId;
use domain::mobile::Mobile;
use domain::password::NewPassword;
use store::lockout::AccountTable;
use store::now;

use crate::auth::Principal;
use crate::error::{Checks, checked};
use crate::files::{Accept, Upload};
use crate::sms::{self, Purpose};
use crate::{App, AppError, AppResult, password};

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    pub old_password: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
    #[serde(default)]
    pub sms_code: String,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct MobileChange {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub sms_code: String,
}

struct Account<'a> {
    table: AccountTable,
    id: i64,
    hash: &'a str,
    mobile: Option<&'a str>,
}

fn account(who: &Principal) -> Account<'_> {
    match who {
        Principal::Learner(l) => Account {
            table: AccountTable::Learners,
            id: l.id.get(),
            hash: &l.password_hash,
            mobile: l.mobile.as_deref(),
        },
        Principal::Institution { user, .. } => Account {
            table: AccountTable::InstitutionUsers,
            id: user.id.get(),
            hash: &user.password_hash,
            mobile: user.mobile.as_deref(),
        },
        Principal::Expert(s) | Principal::Department { user: s, .. } => Account {
            table: AccountTable::StaffUsers,
            id: s.id.get(),
            hash: &s.password_hash,
            mobile: s.mobile.as_deref(),
        },
    }
    .bound()
}

impl Account<'_> {
    fn bound(mut self) -> Self {
        self.mobile = self.mobile.filter(|m| !m.is_empty());
        self
    }
}

/// The bound mobile, masked, as the password page says where the code goes.
pub fn bound_mobile(who: &Principal) -> Option<String> {
    account(who).mobile.map(domain::mask::mobile)
}

/// Sends the code of a change: for a password to the bound mobile, for a new mobile to
/// that mobile (which must be free). Returns the masked number it went to.
pub async fn send_code(app: &App, who: &Principal, purpose: Purpose, new_mobile: &str, ip: &str) -> AppResult<String> {
    let mobile = match purpose {
        Purpose::ChangePassword => Mobile::parse(
            account(who)
                .mobile
                .ok_or_else(|| AppError::Conflict("账号未绑定手机号，无法获取验证码".into()))?,
        )?,
        Purpose::ChangeMobile => {
            let m = Mobile::parse(new_mobile)?;
            free(app, who, &m).await?;
            m
        }
        _ => return Err(AppError::forbidden()),
    };
    sms::send_code(app, &mobile, purpose, ip).await?;
    Ok(domain::mask::mobile(mobile.as_str()))
}

/// A learner's mobile is its sign-in name, so no two learners share one.
async fn free(app: &App, who: &Principal, m: &Mobile) -> AppResult<()> {
    let a = account(who);
    if a.mobile == Some(m.as_str()) {
        return Err(AppError::field("mobile", "新手机号不能与当前绑定的手机号相同"));
    }
    if a.table == AccountTable::Learners && store::learners::by_mobile(&app.db.pool, m.as_str()).await?.is_some() {
        return Err(AppError::field("mobile", "该手机号已被其他账户使用"));
    }
    Ok(())
}

/// 修改密码. Every other session of the account ends; the caller signs its own session
/// in again (`auth::reload`).
pub async fn change_password(app: &App, who: &Principal, f: &PasswordChange, ip: &str) -> AppResult<()> {
    let a = account(who);
    let mut v = Checks::default();
    if f.old_password.is_empty() {
        v.fail("old_password", "请输入原始密码");
    } else if !password::verify(&f.old_password, a.hash) {
        v.fail("old_password", "原始密码不正确");
    }
    let pw = v.check(NewPassword::parse(&f.password, &f.confirm));
    if pw.as_ref().is_some_and(|p| p.as_str() == f.old_password) {
        v.fail("password", "新密码不能与原始密码相同");
    }
    if a.mobile.is_some() && f.sms_code.trim().is_empty() {
        v.fail("sms_code", "请输入手机验证码");
    }
    v.finish()?;
    let pw = checked(pw)?;
    if let Some(m) = a.mobile {
        sms::verify_code(&app.db, m, Purpose::ChangePassword, f.sms_code.trim()).await?;
    }
    let hash = password::hash(pw.as_str())?;
    let mut tx = app.db.begin().await?;
    store::lockout::set_password(&mut *tx, a.table, a.id, &hash).await?;
    store::audit::record(&mut *tx, &who.actor(ip), "password_changed", None, None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

/// 更换手机号.
pub async fn change_mobile(app: &App, who: &Principal, f: &MobileChange, ip: &str) -> AppResult<()> {
    let a = account(who);
    let mut v = Checks::default();
    if f.password.is_empty() {
        v.fail("password", "请输入登录密码");
    } else if !password::verify(&f.password, a.hash) {
        v.fail("password", "登录密码不正确");
    }
    let mobile = v.check(Mobile::parse(&f.mobile));
    if f.sms_code.trim().is_empty() {
        v.fail("sms_code", "请输入手机验证码");
    }
    v.finish()?;
    let mobile = checked(mobile)?;
    free(app, who, &mobile).await?;
    sms::verify_code(&app.db, mobile.as_str(), Purpose::ChangeMobile, f.sms_code.trim()).await?;
    let mut tx = app.db.begin().await?;
    store::lockout::set_mobile(&mut *tx, a.table, a.id, mobile.as_str())
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::field("mobile", "该手机号已被其他账户使用")
            } else {
                e.into()
            }
        })?;
    let detail = format!(
        "{} → {}",
        a.mobile.map(domain::mask::mobile).unwrap_or_default(),
        domain::mask::mobile(mobile.as_str())
    );
    store::audit::record(&mut *tx, &who.actor(ip), "mobile_changed", None, Some(&detail), now()).await?;
    store::commit(tx).await?;
    Ok(())
}

/// 修改头像: a jpg, png or gif, checked by its content. Staff accounts have no avatar.
pub async fn set_avatar(app: &App, who: &Principal, name: &str, bytes: &[u8], ip: &str) -> AppResult<FileId> {
    let a = account(who);
    if a.table == AccountTable::StaffUsers {
        return Err(AppError::forbidden());
    }
    let up: Upload = crate::files::check_and_put(app, "avatar", name, bytes, Accept::Image).await?;
    let mut tx = app.db.begin().await?;
    let file = crate::files::record(&mut *tx, &up, who.role().code(), a.id).await?;
    store::lockout::set_avatar(&mut *tx, a.table, a.id, file).await?;
    store::audit::record(
        &mut *tx,
        &who.actor(ip),
        "avatar_changed",
        Some(&file.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(file)
}
