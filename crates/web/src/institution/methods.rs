//! 转换办法发布 (I-07): the institution uploads, publishes and withdraws its conversion
//! method, after accepting the 信息发布安全承诺书 once.

use app::conversion::MethodAction;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{FileId, MethodId};
use domain::role::Area;

use crate::AppState;
use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::forms::{self, CsrfMultipart};
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, flash_outcome, form_status, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/methods", get(methods).post(create_method))
        .route("/institution/methods/pledge", post(pledge))
        .route("/institution/methods/{id}/edit", post(edit_method))
        .route("/institution/methods/{id}/{action}", post(method_action))
}

struct MethodRow {
    id: MethodId,
    title: String,
    file_id: FileId,
    status: &'static str,
    status_label: &'static str,
    published: String,
}

#[derive(Template)]
#[template(path = "institution/methods.html")]
struct MethodsPage {
    ctx: PageCtx,
    pledged: bool,
    rows: Vec<MethodRow>,
    title: String,
    errors: FormErrors,
}

async fn methods_page(
    s: &AppState,
    a: &InstitutionAuth,
    title: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let rows = app::queries::conversion::methods_of(&s.app, a.institution.id)
        .await?
        .into_iter()
        .map(|m| MethodRow {
            status_label: m.status.label(),
            published: m.published_at.map(datetime).unwrap_or_else(|| "-".into()),
            id: m.id,
            title: m.title,
            file_id: m.file_id,
            status: m.status.code(),
        })
        .collect();
    let pledged = app::queries::conversion::pledged(&s.app, a.institution.id).await?;
    let ctx = PageCtx::new("转换办法发布", &a.session, Some(&inst(a)), "/institution/methods").await?;
    Ok(render(
        status,
        &MethodsPage {
            ctx,
            pledged,
            rows,
            title,
            errors,
        },
    ))
}

async fn methods(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    methods_page(&s, &a, String::new(), FormErrors::default(), StatusCode::OK).await
}

async fn create_method(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let title = form.text("title");
    let result = async {
        let file = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf).await?;
        app::conversion::create_method(&s.app, a.institution.id, &title, file.as_ref(), &inst(&a).actor(&ip)).await
    }
    .await;
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "转换办法已保存，可在列表中发布").await?;
            Ok(Redirect::to("/institution/methods").into_response())
        }
        Err(e) => methods_page(&s, &a, title, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn edit_method(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<MethodId>,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let title = form.text("title");
    let result = async {
        let m = app::queries::conversion::own_method(&s.app, a.institution.id, id).await?;
        let file = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf).await?;
        app::conversion::update_method(
            &s.app,
            a.institution.id,
            m.id,
            &title,
            file.as_ref(),
            &inst(&a).actor(&ip),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => {
            flash(&a.session, "ok", "转换办法已修改").await?;
            Ok(Redirect::to("/institution/methods").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => methods_page(&s, &a, title, Shown::from(&e).errors, Shown::from(&e).status).await,
    }
}

async fn pledge(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    app::conversion::accept_pledge(&s.app, a.institution.id, &inst(&a).actor(&ip)).await?;
    flash(&a.session, "ok", "已同意《信息发布安全承诺书》").await?;
    Ok(Redirect::to("/institution/methods").into_response())
}

async fn method_action(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path((id, action)): Path<(MethodId, String)>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let action = match action.as_str() {
        "publish" => MethodAction::Publish,
        "withdraw" => MethodAction::Withdraw,
        "delete" => MethodAction::Delete,
        _ => return Err(not_found()),
    };
    let result = app::conversion::act_on_method(&s.app, a.institution.id, id, action, &inst(&a).actor(&ip))
        .await
        .map(|()| "已完成".to_string());
    flash_outcome(&a.session, result, "/institution/methods").await
}
