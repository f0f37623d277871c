//! 账户设置 (L-15, I-12, X-02) in every space: 个人信息 (name, account, bound mobile,
//! avatar) with 更换手机号, and 修改密码. A refused form keeps what was typed (except
//! passwords and codes) and says which field is wrong.

use app::account::{MobileChange, PasswordChange};
use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::FileId;

use crate::AppState;
use crate::account::SPACES;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, SignedIn, carry_on};
use crate::kit::forms::CsrfMultipart;
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, render};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for space in SPACES {
        r = r
            .route(&format!("/{space}/settings"), get(show))
            .route(&format!("/{space}/settings/password"), post(password))
            .route(&format!("/{space}/settings/mobile"), post(mobile))
            .route(&format!("/{space}/settings/avatar"), post(avatar));
    }
    r
}

fn base(who: &Principal) -> String {
    format!("/{}/settings", who.role().code())
}

#[derive(Template)]
#[template(path = "account/settings.html")]
struct Page {
    ctx: PageCtx,
    base: String,
    /// `profile` or `password`.
    tab: &'static str,
    name: String,
    account: String,
    mobile: String,
    bound: Option<String>,
    avatar: Option<FileId>,
    has_avatar: bool,
    new_mobile: String,
    errors: FormErrors,
}

fn facts(who: &Principal) -> (String, Option<FileId>) {
    match who {
        Principal::Learner(l) => (domain::mask::id_number(&l.id_number), l.avatar_file_id),
        Principal::Institution { user, .. } => (user.account.clone(), user.avatar_file_id),
        Principal::Expert(s) | Principal::Department { user: s, .. } => (s.account.clone(), None),
    }
}

async fn render_page(
    a: &SignedIn,
    tab: &'static str,
    new_mobile: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let who = &a.principal;
    let base = base(who);
    let (account, avatar) = facts(who);
    let bound = app::account::bound_mobile(who);
    Ok(render(
        status,
        &Page {
            ctx: PageCtx::new("账户设置", &a.session, Some(who), &base).await?,
            base,
            tab,
            name: who.name().to_string(),
            account,
            mobile: bound.clone().unwrap_or_else(|| "未绑定".into()),
            bound,
            has_avatar: !matches!(who, Principal::Expert(_) | Principal::Department { .. }),
            avatar,
            new_mobile,
            errors,
        },
    ))
}

#[derive(serde::Deserialize, Default)]
struct Tab {
    #[serde(default)]
    tab: String,
}

async fn show(a: SignedIn, Query(q): Query<Tab>) -> Result<Response, WebError> {
    let tab = if q.tab == "password" { "password" } else { "profile" };
    render_page(&a, tab, String::new(), FormErrors::default(), StatusCode::OK).await
}

async fn password(
    State(s): State<AppState>,
    a: SignedIn,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<PasswordChange>,
) -> Result<Response, WebError> {
    match app::account::change_password(&s.app, &a.principal, &f, &ip).await {
        Ok(()) => {
            carry_on(&s, &a.session, &a.principal).await?;
            flash(&a.session, "ok", "密码已修改，其他设备上的登录已失效").await?;
            Ok(Redirect::to(&format!("{}?tab=password", base(&a.principal))).into_response())
        }
        Err(e) => {
            render_page(
                &a,
                "password",
                String::new(),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn mobile(
    State(s): State<AppState>,
    a: SignedIn,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<MobileChange>,
) -> Result<Response, WebError> {
    match app::account::change_mobile(&s.app, &a.principal, &f, &ip).await {
        Ok(()) => {
            flash(&a.session, "ok", "手机号已更换").await?;
            Ok(Redirect::to(&base(&a.principal)).into_response())
        }
        Err(e) => render_page(&a, "profile", f.mobile, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn avatar(
    State(s): State<AppState>,
    a: SignedIn,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let result = match form.file("avatar") {
        Some((_, name, bytes)) => app::account::set_avatar(&s.app, &a.principal, name, bytes, &ip).await,
        None => Err(app::AppError::field("avatar", "请选择头像图片")),
    };
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "头像已更换").await?;
            Ok(Redirect::to(&base(&a.principal)).into_response())
        }
        Err(e) => {
            render_page(
                &a,
                "profile",
                String::new(),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}
