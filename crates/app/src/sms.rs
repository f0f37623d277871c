//! SMS verification codes: 6 digits, valid 5 minutes, at least 60 s between sends to one
//! mobile, at most 5 tries each, plus per-IP and per-mobile daily limits.

use domain::mobile::Mobile;
use rand::Rng;
use sha2::{Digest, Sha256};
use store::{Db, now};

use crate::{App, AppError, AppResult};

pub const TTL_SECONDS: i64 = 300;
pub const RESEND_SECONDS: i64 = 60;
pub const MAX_TRIES: i64 = 5;
const PER_MOBILE_PER_DAY: i64 = 10;
const PER_IP_PER_HOUR: i64 = 30;

/// What a code is for; a code sent for one purpose never unlocks another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    ResetPassword,
    CompleteAccount,
    InstitutionRegister,
    ChangeMobile,
    ChangePassword,
    Export,
}

impl Purpose {
    pub const ALL: [Purpose; 7] = [
        Purpose::Register,
        Purpose::ResetPassword,
        Purpose::CompleteAccount,
        Purpose::InstitutionRegister,
        Purpose::ChangeMobile,
        Purpose::ChangePassword,
        Purpose::Export,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::ResetPassword => "reset_password",
            Purpose::CompleteAccount => "complete_account",
            Purpose::InstitutionRegister => "institution_register",
            Purpose::ChangeMobile => "change_mobile",
            Purpose::ChangePassword => "change_password",
            Purpose::Export => "export",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }

    fn action(self) -> &'static str {
        match self {
            Purpose::Register => "注册个人账户",
            Purpose::ResetPassword => "找回密码",
            Purpose::CompleteAccount => "完善账户信息",
            Purpose::InstitutionRegister => "注册机构账户",
            Purpose::ChangeMobile => "更换手机号",
            Purpose::ChangePassword => "修改密码",
            Purpose::Export => "导出数据",
        }
    }
}

fn digest(mobile: &str, purpose: Purpose, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{mobile}:{}:{code}", purpose.code()).as_bytes()))
}

/// Sends a new code, unless one was sent to this mobile less than a minute ago or a
/// limit is reached.
pub async fn send_code(app: &App, mobile: &Mobile, purpose: Purpose, ip: &str) -> AppResult<()> {
    issue(app, mobile, purpose, ip, true).await
}

/// Issues a code; `deliver` false keeps it from being sent (a recovery code for a number
/// no account has: it behaves like any other, so the answer says nothing about the number).
pub(crate) async fn issue(app: &App, mobile: &Mobile, purpose: Purpose, ip: &str, deliver: bool) -> AppResult<()> {
    let t = now();
    if let Some(last) = store::codes::latest_sms(&app.db.pool, mobile.as_str(), purpose.code()).await? {
        let wait = last.created_at + RESEND_SECONDS - t;
        if wait > 0 {
            return Err(AppError::TooManyRequests(format!("验证码已发送，请{wait}秒后再试")));
        }
    }
    let day = store::rate_limit::hit(&app.db.pool, &format!("sms:m:{}", mobile.as_str()), 86_400, t).await?;
    let hour = store::rate_limit::hit(&app.db.pool, &format!("sms:ip:{ip}"), 3_600, t).await?;
    if day > PER_MOBILE_PER_DAY || hour > PER_IP_PER_HOUR {
        return Err(AppError::TooManyRequests("今日获取验证码次数过多，请明天再试".into()));
    }
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    store::codes::insert_sms(
        &app.db.pool,
        mobile.as_str(),
        purpose.code(),
        &digest(mobile.as_str(), purpose, &code),
        t,
        TTL_SECONDS,
    )
    .await?;
    if !deliver {
        return Ok(());
    }
    let text = format!(
        "您正在{}，验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。",
        purpose.action()
    );
    app.sms.send(mobile.as_str(), &text).await.map_err(|e| {
        tracing::error!(error = %e, "SMS send failed");
        AppError::Conflict("短信发送失败，请稍后再试".into())
    })?;
    Ok(())
}

/// Checks a code and uses it up. Wrong codes count towards the limit of tries.
pub async fn verify_code(db: &Db, mobile: &str, purpose: Purpose, code: &str) -> AppResult<()> {
    let code = domain::normalize::half_width(code);
    if code.is_empty() {
        return Err(AppError::field("sms_code", "请输入短信验证码"));
    }
    let Some(last) = store::codes::latest_sms(&db.pool, mobile, purpose.code()).await? else {
        return Err(AppError::field("sms_code", "请先获取短信验证码"));
    };
    if last.consumed != 0 {
        return Err(AppError::field("sms_code", "验证码已使用，请重新获取"));
    }
    if last.expires_at <= now() {
        return Err(AppError::field("sms_code", "验证码已过期，请重新获取"));
    }
    if last.attempts >= MAX_TRIES {
        return Err(AppError::field("sms_code", "验证码错误次数过多，请重新获取"));
    }
    if last.code_hash != digest(mobile, purpose, &code) {
        store::codes::count_attempt(&db.pool, last.id).await?;
        return Err(AppError::field("sms_code", "短信验证码不正确"));
    }
    if !store::codes::consume(&db.pool, last.id).await? {
        return Err(AppError::field("sms_code", "验证码已使用，请重新获取"));
    }
    Ok(())
}
