//! Public pages: home, sign-in of the four roles, captcha, SMS codes, sign-out, password
//! recovery and (demo only) the outbox.

use app::AppError;
use app::auth::SignIn;
use app::learners::ResetForm;
use app::sms::Purpose;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use domain::mobile::Mobile;
use domain::role::Role;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::csrf;
use crate::kit::error::{ApiError, WebError};
use crate::kit::extract::{self, ClientIp, CsrfForm};
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login/{role}", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/captcha/new", post(new_captcha))
        .route("/captcha/{file}", get(captcha_image))
        .route("/sms/send", post(send_sms))
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/dev/outbox", get(outbox))
        .route("/agreement", get(agreement))
        .route("/pledge", get(pledge))
        .route(
            "/static/app.css",
            get(|| asset("text/css; charset=utf-8", include_str!("../../static/app.css"))),
        )
        .route(
            "/static/app.js",
            get(|| asset("text/javascript; charset=utf-8", include_str!("../../static/app.js"))),
        )
        .route(
            "/static/favicon.svg",
            get(|| asset("image/svg+xml", include_str!("../../static/favicon.svg"))),
        )
        .route(
            "/favicon.ico",
            get(|| async { Redirect::permanent("/static/favicon.svg") }),
        )
}

#[derive(Template)]
#[template(path = "public/document.html")]
struct DocumentPage {
    ctx: PageCtx,
    pledge: bool,
}

async fn document(s: &AppState, session: &Session, title: &str, pledge: bool) -> Result<Response, WebError> {
    let who = extract::principal(session, s).await?;
    Ok(page(&DocumentPage {
        ctx: PageCtx::new(title, session, who.as_ref(), "").await?,
        pledge,
    }))
}

/// 《学分银行注册协议》, which registration asks to accept.
async fn agreement(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    document(&s, &session, &format!("{}用户注册协议", s.app.bank.short_name()), false).await
}

/// 信息发布安全承诺书, which an institution accepts before publishing methods.
async fn pledge(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    document(&s, &session, "信息发布安全承诺书", true).await
}

/// A file of the bank's own front end, embedded in the binary.
pub(crate) async fn asset(mime: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct Home {
    ctx: PageCtx,
    demo: bool,
    news: Vec<crate::public::info::NewsRow>,
}

async fn home(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    if let Some(p) = &who {
        return Ok(Redirect::to(p.role().home()).into_response());
    }
    Ok(page(&Home {
        ctx: PageCtx::new("首页", &session, None, "").await?,
        demo: s.app.config.demo,
        news: crate::public::info::latest_news(&s, 5).await?,
    }))
}

#[derive(Template)]
#[template(path = "public/login.html")]
struct Login {
    ctx: PageCtx,
    role: &'static str,
    heading: &'static str,
    login_label: &'static str,
    login_placeholder: String,
    login: String,
    captcha_id: String,
    errors: FormErrors,
}

fn parse_role(code: &str) -> Result<Role, WebError> {
    Role::from_code(code).ok_or_else(|| WebError(AppError::not_found()))
}

async fn login_form(
    s: &AppState,
    session: &Session,
    role: Role,
    login: String,
    errors: FormErrors,
) -> Result<Login, WebError> {
    let learner_hint = format!("请输入{}", s.app.bank.learner_account_label());
    let (heading, login_label, login_placeholder) = match role {
        Role::Learner => ("个人登录", "账号", learner_hint.as_str()),
        Role::Institution => (
            "机构登录",
            "机构账号",
            "请输入机构账号（学校代码/统一社会信用代码）或子用户账号",
        ),
        Role::Expert => ("专家登录", "专家账号", "请输入专家账号"),
        Role::Department => ("综合管理部门登录", "管理账号", "请输入管理账号"),
    };
    Ok(Login {
        ctx: PageCtx::form(heading, session, None, "").await?,
        role: role.code(),
        heading,
        login_label,
        login_placeholder: login_placeholder.to_string(),
        login,
        captcha_id: app::captcha::create(&s.app.db).await?,
        errors,
    })
}

async fn login_page(
    State(s): State<AppState>,
    session: Session,
    Path(role): Path<String>,
) -> Result<Response, WebError> {
    let role = parse_role(&role)?;
    Ok(page(
        &login_form(&s, &session, role, String::new(), FormErrors::default()).await?,
    ))
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha: String,
}

async fn login(
    State(s): State<AppState>,
    session: Session,
    Path(role): Path<String>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    let role = parse_role(&role)?;
    let req = SignIn {
        role,
        login: &f.login,
        password: &f.password,
        captcha_id: &f.captcha_id,
        captcha: &f.captcha,
        ip: &ip,
    };
    match app::auth::sign_in(&s.app, req).await {
        Ok(user) => {
            extract::sign_in(&session, user).await?;
            Ok(Redirect::to(role.home()).into_response())
        }
        Err(e) => {
            let status = form_status(&e);
            let form = login_form(&s, &session, role, f.login, FormErrors::from_error(&e)).await?;
            Ok(render(status, &form))
        }
    }
}

async fn logout(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    if let Some(p) = extract::principal(&session, &s).await? {
        app::auth::sign_out(&s.app, &p, &ip).await?;
    }
    session.flush().await.map_err(csrf::internal)?;
    Ok(Redirect::to("/").into_response())
}

async fn new_captcha(
    State(s): State<AppState>,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = app::captcha::create(&s.app.db).await?;
    Ok(Json(serde_json::json!({ "id": id })))
}

async fn captcha_image(State(s): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let id = file
        .strip_suffix(".png")
        .ok_or_else(|| WebError(AppError::not_found()))?;
    let png = app::captcha::image(&s.app.db, id).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")],
        png,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct SmsForm {
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    purpose: String,
}

/// Sends an SMS code. Anonymous visitors may ask only for registration and recovery
/// codes; completing an account needs the pre-imported learner's session.
async fn send_sms(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<SmsForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let purpose = Purpose::from_code(&f.purpose).ok_or_else(|| AppError::field("purpose", "未知的验证码用途"))?;
    // Export codes go to the signed-in institution account's own mobile.
    if purpose == Purpose::Export {
        let Some(app::auth::Principal::Institution { user, .. }) =
            extract::principal(&session, &s).await.map_err(|e| e.0)?
        else {
            return Err(AppError::forbidden().into());
        };
        let masked = app::export::send_code(&s.app, &user, &ip).await?;
        return Ok(Json(
            serde_json::json!({ "ok": true, "mobile": masked, "resend_after": app::sms::RESEND_SECONDS }),
        ));
    }
    // Codes of a signed-in account's own changes: the password's go to the bound mobile.
    if matches!(purpose, Purpose::ChangePassword | Purpose::ChangeMobile) {
        let who = extract::principal(&session, &s)
            .await
            .map_err(|e| e.0)?
            .ok_or_else(AppError::forbidden)?;
        let masked = app::account::send_code(&s.app, &who, purpose, &f.mobile, &ip).await?;
        return Ok(Json(
            serde_json::json!({ "ok": true, "mobile": masked, "resend_after": app::sms::RESEND_SECONDS }),
        ));
    }
    let allowed = match purpose {
        Purpose::Register | Purpose::ResetPassword | Purpose::InstitutionRegister => true,
        Purpose::CompleteAccount => matches!(
            extract::principal(&session, &s).await.map_err(|e| e.0)?,
            Some(app::auth::Principal::Learner(ref l)) if !l.is_active()
        ),
        _ => false,
    };
    if !allowed {
        return Err(AppError::forbidden().into());
    }
    let mobile = Mobile::parse(&f.mobile)?;
    app::learners::request_code(&s.app, &mobile, purpose, &ip).await?;
    Ok(Json(
        serde_json::json!({ "ok": true, "resend_after": app::sms::RESEND_SECONDS }),
    ))
}

#[derive(Template)]
#[template(path = "public/forgot.html")]
struct Forgot {
    ctx: PageCtx,
    form: ResetForm,
    errors: FormErrors,
    sms_purpose: &'static str,
}

async fn forgot_page(session: Session) -> Result<Response, WebError> {
    let ctx = PageCtx::form("找回密码", &session, None, "").await?;
    Ok(page(&Forgot {
        ctx,
        form: ResetForm::default(),
        errors: FormErrors::default(),
        sms_purpose: Purpose::ResetPassword.code(),
    }))
}

async fn forgot(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ResetForm>,
) -> Result<Response, WebError> {
    match app::learners::reset_password(&s.app, &f, &ip).await {
        Ok(()) => {
            flash(&session, "ok", "密码已重置，请使用新密码登录").await?;
            Ok(Redirect::to("/login/learner").into_response())
        }
        Err(e) => {
            let ctx = PageCtx::form("找回密码", &session, None, "").await?;
            let form = ResetForm {
                password: String::new(),
                confirm: String::new(),
                sms_code: String::new(),
                ..f
            };
            Ok(render(
                form_status(&e),
                &Forgot {
                    ctx,
                    form,
                    errors: FormErrors::from_error(&e),
                    sms_purpose: Purpose::ResetPassword.code(),
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "public/outbox.html")]
struct Outbox {
    ctx: PageCtx,
    rows: Vec<OutboxLine>,
}

struct OutboxLine {
    at: String,
    channel: &'static str,
    recipient: String,
    body: String,
}

/// The development outbox, only in demo mode.
async fn outbox(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    let rows = app::queries::institutions::outbox(&s.app, 50)
        .await?
        .into_iter()
        .map(|m| OutboxLine {
            at: datetime(m.created_at),
            channel: if m.channel == "sms" { "短信" } else { "邮件" },
            recipient: m.recipient,
            body: m.body,
        })
        .collect();
    let who = extract::principal(&session, &s).await?;
    Ok(page(&Outbox {
        ctx: PageCtx::new("发件箱", &session, who.as_ref(), "").await?,
        rows,
    }))
}
