//! 国开学生账户激活 (OUCN): look up by ID number, confirm the facts, give an e-mail
//! address, open the link sent to it; then the bank reviews the account.

use app::AppError;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm};
use crate::kit::views::{FormErrors, PageCtx, form_status, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activate", get(start).post(lookup))
        .route("/activate/email", post(request))
        .route("/activate/resend", post(resend))
        .route("/activate/confirm", get(confirm))
}

#[derive(serde::Deserialize, Default)]
struct ActivateForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    agree: Option<String>,
}

#[derive(Template)]
#[template(path = "public/activate.html")]
struct ActivatePage {
    ctx: PageCtx,
    /// `lookup` (ID number), `email` (facts shown, address asked), `done` (a message).
    step: &'static str,
    form: ActivateForm,
    found: Option<app::activation::Found>,
    message: String,
    errors: FormErrors,
}

/// What one step of the page shows, beside the layout.
struct View {
    step: &'static str,
    form: ActivateForm,
    found: Option<app::activation::Found>,
    message: String,
    errors: FormErrors,
    status: StatusCode,
}

impl View {
    fn at(step: &'static str, form: ActivateForm) -> Self {
        Self {
            step,
            form,
            found: None,
            message: String::new(),
            errors: FormErrors::default(),
            status: StatusCode::OK,
        }
    }

    /// The same step again with the error next to its field.
    fn refused(step: &'static str, form: ActivateForm, e: &AppError) -> Self {
        Self {
            errors: FormErrors::from_error(e),
            status: form_status(e),
            ..Self::at(step, form)
        }
    }

    fn done(message: String) -> Self {
        Self {
            message,
            ..Self::at("done", ActivateForm::default())
        }
    }
}

async fn show(s: &AppState, session: &Session, v: View) -> Result<Response, WebError> {
    if !s.app.bank.reviews_learner_accounts() {
        return Err(WebError(AppError::not_found()));
    }
    Ok(render(
        v.status,
        &ActivatePage {
            ctx: PageCtx::form("国开学生账户激活", session, None, "").await?,
            step: v.step,
            form: v.form,
            found: v.found,
            message: v.message,
            errors: v.errors,
        },
    ))
}

async fn start(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    show(&s, &session, View::at("lookup", ActivateForm::default())).await
}

async fn lookup(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ActivateForm>,
) -> Result<Response, WebError> {
    if f.agree.is_none() {
        let e = AppError::field("agree", "请阅读并同意用户注册协议");
        return show(&s, &session, View::refused("lookup", f, &e)).await;
    }
    match app::activation::lookup(&s.app, &f.id_number, &ip).await {
        Ok(found) => {
            let v = View {
                found: Some(found),
                ..View::at("email", f)
            };
            show(&s, &session, v).await
        }
        Err(e) => show(&s, &session, View::refused("lookup", f, &e)).await,
    }
}

async fn request(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ActivateForm>,
) -> Result<Response, WebError> {
    match app::activation::request(&s.app, &f.id_number, &f.email, &ip).await {
        Ok(email) => {
            let message = format!(
                "验证邮件已发送至{}。请在24小时内登录邮箱，打开邮件中的链接完成验证；验证后学分银行将在{}个工作日内审核您的账户。",
                domain::mask::email(&email),
                app::activation::REVIEW_DAYS
            );
            show(&s, &session, View::done(message)).await
        }
        Err(e) => {
            // The facts stay on screen with the error next to the address.
            let found = app::activation::lookup(&s.app, &f.id_number, &ip).await.ok();
            let step = if found.is_some() { "email" } else { "lookup" };
            let v = View {
                found,
                ..View::refused(step, f, &e)
            };
            show(&s, &session, v).await
        }
    }
}

async fn resend(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ActivateForm>,
) -> Result<Response, WebError> {
    match app::activation::resend(&s.app, &f.id_number, &ip).await {
        Ok(masked) => {
            let message = format!("新的验证邮件已发送至{masked}，请在24小时内完成验证。");
            show(&s, &session, View::done(message)).await
        }
        Err(e) => show(&s, &session, View::refused("lookup", f, &e)).await,
    }
}

#[derive(serde::Deserialize)]
struct ConfirmQuery {
    #[serde(default)]
    token: String,
}

async fn confirm(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Query(q): Query<ConfirmQuery>,
) -> Result<Response, WebError> {
    match app::activation::confirm(&s.app, &q.token, &ip).await {
        Ok(_) => {
            let message = format!(
                "邮箱验证成功！学分银行将在{}个工作日内审核您的账户，审核结果会发送到您的邮箱，审核通过后即可登录。",
                app::activation::REVIEW_DAYS
            );
            show(&s, &session, View::done(message)).await
        }
        // An expired or used link says so, and offers a new one by ID number.
        Err(e) => {
            let v = View {
                message: e.to_string(),
                status: form_status(&e),
                ..View::at("resend", ActivateForm::default())
            };
            show(&s, &session, v).await
        }
    }
}
