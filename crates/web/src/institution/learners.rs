//! 学员账户管理 (I-05): the learners an institution created or stored outcomes for.

use app::auth::Principal;
use app::learners::LearnerAccountForm;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{HoldingId, LearnerId};
use domain::mask;
use domain::role::Area;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::forms::{PER_PAGE, Pager};
use crate::kit::views::{FormErrors, PageCtx, flash, flash_outcome, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/learners", get(list).post(add))
        .route("/institution/learners/export", post(export))
        .route("/institution/learners/import", post(import))
        .route("/institution/learners/template", get(template))
        .route("/institution/learners/{id}", get(view))
        .route("/institution/learners/{id}/edit", get(edit_page).post(edit))
        .route("/institution/learners/{id}/delete", post(delete))
}

fn principal(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    page: i64,
}

struct Row {
    id: LearnerId,
    name: String,
    id_number: String,
    mobile: String,
    active: bool,
    mine: bool,
}

#[derive(Template)]
#[template(path = "institution/learners.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    years: Vec<i32>,
    rows: Vec<Row>,
    filtered: bool,
    offset: usize,
    pager: Pager,
    action: String,
    form: LearnerAccountForm,
    errors: FormErrors,
    export_action: &'static str,
}

async fn list_page(
    s: &AppState,
    a: &InstitutionAuth,
    q: ListQuery,
    action: String,
    form: LearnerAccountForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let f = app::queries::LearnerFilter {
        name: q.name.clone(),
        id_number: q.id_number.clone(),
        year: q.year.parse().ok(),
        before_id: None,
    };
    let result = app::queries::institutions::learners(&s.app, a.institution.id, &f, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|l| Row {
            active: l.is_active(),
            mine: l.created_by_institution == Some(a.institution.id),
            id_number: mask::id_number(&l.id_number),
            mobile: l.mobile.as_deref().map(mask::mobile).unwrap_or_else(|| "-".into()),
            id: l.id,
            name: l.name,
        })
        .collect();
    let this_year: i32 = domain::time::this_year();
    let pager = Pager::new(
        result.total,
        q.page,
        "/institution/learners",
        &[("year", &q.year), ("name", &q.name), ("id_number", &q.id_number)],
    );
    let filtered = !(q.year.is_empty() && q.name.is_empty() && q.id_number.is_empty());
    let ctx = PageCtx::new("学员账户", &a.session, Some(&principal(a)), "/institution/learners").await?;
    Ok(render(
        status,
        &ListPage {
            ctx,
            offset: ((pager.page - 1) * PER_PAGE) as usize,
            q,
            years: (this_year - 9..=this_year).rev().collect(),
            rows,
            filtered,
            pager,
            action,
            form,
            errors,
            export_action: "/institution/learners/export",
        },
    ))
}

async fn list(State(s): State<AppState>, a: InstitutionAuth, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    list_page(
        &s,
        &a,
        q,
        "/institution/learners".into(),
        LearnerAccountForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn add(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<LearnerAccountForm>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    match app::learners::institution_add(&s.app, a.institution.id, &f, &principal(&a).actor(&ip)).await {
        Ok(_) => {
            flash(&a.session, "ok", "学员已增加（未激活）").await?;
            Ok(Redirect::to("/institution/learners").into_response())
        }
        Err(e) => {
            list_page(
                &s,
                &a,
                ListQuery::default(),
                "/institution/learners".into(),
                f,
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn edit_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<LearnerId>,
    ClientIp(ip): ClientIp,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let l =
        app::queries::institutions::inactive_learner(&s.app, a.institution.id, id, &principal(&a).actor(&ip)).await?;
    let form = LearnerAccountForm {
        name: l.name,
        id_number: l.id_number,
    };
    list_page(
        &s,
        &a,
        ListQuery::default(),
        format!("/institution/learners/{id}/edit"),
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn edit(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<LearnerId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<LearnerAccountForm>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    match app::learners::institution_edit(&s.app, a.institution.id, id, &f, &principal(&a).actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "学员信息已修改").await?;
            Ok(Redirect::to("/institution/learners").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            list_page(
                &s,
                &a,
                ListQuery::default(),
                format!("/institution/learners/{id}/edit"),
                f,
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn delete(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<LearnerId>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let result = app::learners::institution_delete(&s.app, a.institution.id, id, &principal(&a).actor(&ip))
        .await
        .map(|()| "学员账户已删除".to_string());
    flash_outcome(&a.session, result, "/institution/learners").await
}

#[derive(Template)]
#[template(path = "institution/learner.html")]
struct ViewPage {
    ctx: PageCtx,
    name: String,
    id_number: String,
    rows: Vec<HoldingLine>,
}

struct HoldingLine {
    id: HoldingId,
    name: String,
    subtype: String,
    issued_on: String,
    status: &'static str,
}

async fn view(State(s): State<AppState>, a: InstitutionAuth, Path(id): Path<LearnerId>) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let (l, holdings) = app::queries::institutions::learner(&s.app, a.institution.id, id).await?;
    let rows = holdings
        .iter()
        .map(|h| HoldingLine {
            id: h.id,
            name: h.name.clone(),
            subtype: h.subtype_name.clone(),
            issued_on: h.issued_on.clone().unwrap_or_default(),
            status: app::holdings::status_label(h),
        })
        .collect();
    let ctx = PageCtx::new("学员成果", &a.session, Some(&principal(&a)), "/institution/learners").await?;
    Ok(page(&ViewPage {
        ctx,
        name: l.name,
        id_number: mask::id_number(&l.id_number),
        rows,
    }))
}

async fn import(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: crate::kit::forms::CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    crate::institution::imports::queue_upload(
        &s,
        &a.session,
        &form,
        (
            app::jobs::LEARNERS,
            app::import::Owner::Institution(a.institution.id),
            None,
        ),
        &principal(&a).actor(&ip),
        ("/institution/jobs", "/institution/learners"),
    )
    .await
}

async fn template(a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    Ok(crate::kit::views::xlsx_download(
        "学员信息导入模板.xlsx",
        app::import::learners_template()?,
    ))
}

#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    sms_code: String,
}

/// I-05: exports the ticked learner accounts, or all matching the filters, masked,
/// after an SMS code.
async fn export(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<ExportForm>,
) -> Result<Response, WebError> {
    let filter = app::queries::LearnerFilter {
        name: f.name,
        id_number: f.id_number,
        year: f.year.parse().ok(),
        before_id: None,
    };
    let ids = crate::kit::forms::ids(&pairs);
    match app::export::learners(
        &s.app,
        &principal(&a),
        filter,
        &ids,
        &app::export::Gate::SmsCode(&f.sms_code),
        &ip,
    )
    .await
    {
        Ok(bytes) => Ok(crate::kit::views::xlsx_download("学员账户.xlsx", bytes)),
        Err(e) => crate::kit::views::flash_outcome(&a.session, Err(e), "/institution/learners").await,
    }
}
