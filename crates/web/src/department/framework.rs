//! The management centre keeps the qualifications framework (levels and descriptors)
//! and the industry standards; any department places catalog outcomes of its scope on
//! a level.

use app::portal::framework::{LevelForm, StandardForm};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{CatalogOutcomeId, LevelId, StandardId};

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::forms::{CsrfMultipart, PER_PAGE, Pager};
use crate::kit::views::{FormErrors, PageCtx, flash, flash_outcome, form_status, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/framework", get(levels).post(save_level))
        .route("/department/framework/{id}/delete", post(delete_level))
        .route("/department/standards", get(standards).post(add_standard))
        .route("/department/standards/{id}/delete", post(delete_standard))
        .route("/department/catalog/{id}/level", post(place))
}

#[derive(serde::Deserialize, Default)]
struct EditQuery {
    #[serde(default)]
    edit: Option<LevelId>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

#[derive(Template)]
#[template(path = "department/framework.html")]
struct LevelsPage {
    ctx: PageCtx,
    levels: Vec<app::queries::portal::Level>,
    form: LevelForm,
    errors: FormErrors,
}

async fn levels_page(
    s: &AppState,
    a: &DepartmentAuth,
    form: LevelForm,
    errors: FormErrors,
    code: StatusCode,
) -> Result<Response, WebError> {
    let p = a.principal();
    app::portal::centre_staff(&p)?;
    Ok(render(
        code,
        &LevelsPage {
            ctx: PageCtx::new("资历框架管理", &a.session, Some(&p), "/department/framework").await?,
            levels: app::queries::portal::levels(&s.app).await?,
            form,
            errors,
        },
    ))
}

async fn levels(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let form = match q.edit {
        Some(id) => {
            let l = app::queries::portal::level(&s.app, id).await?;
            LevelForm {
                level: l.level.to_string(),
                name: l.name,
                knowledge: l.knowledge,
                skills: l.skills,
                competence: l.competence,
            }
        }
        None => LevelForm::default(),
    };
    levels_page(&s, &a, form, FormErrors::default(), StatusCode::OK).await
}

async fn save_level(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<LevelForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    match app::portal::framework::save_level(&s.app, &p, &f, &p.actor(&ip)).await {
        Ok(_) => {
            flash(&a.session, "ok", format!("已保存第{}级", f.level.trim())).await?;
            Ok(Redirect::to("/department/framework").into_response())
        }
        Err(e) => levels_page(&s, &a, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn delete_level(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<LevelId>,
    CsrfForm(_, _): CsrfForm<serde_json::Value>,
) -> Result<Response, WebError> {
    let p = a.principal();
    let r = app::portal::framework::delete_level(&s.app, &p, id, &p.actor(&ip)).await;
    flash_outcome(&a.session, r, "/department/framework").await
}

#[derive(Template)]
#[template(path = "department/standards.html")]
struct StandardsPage {
    ctx: PageCtx,
    q: String,
    levels: Vec<app::queries::portal::Level>,
    rows: Vec<app::queries::portal::Standard>,
    pager: Pager,
    form: StandardForm,
    errors: FormErrors,
}

#[allow(clippy::too_many_arguments)]
async fn standards_page(
    s: &AppState,
    a: &DepartmentAuth,
    q: &str,
    pg: i64,
    form: StandardForm,
    errors: FormErrors,
    code: StatusCode,
) -> Result<Response, WebError> {
    let p = a.principal();
    app::portal::centre_staff(&p)?;
    let result = app::queries::portal::standards(&s.app, q, None, pg.max(1), PER_PAGE).await?;
    Ok(render(
        code,
        &StandardsPage {
            ctx: PageCtx::new("行业标准管理", &a.session, Some(&p), "/department/standards").await?,
            q: q.to_string(),
            levels: app::queries::portal::levels(&s.app).await?,
            pager: Pager::new(result.total, pg, "/department/standards", &[("q", q)]),
            rows: result.rows,
            form,
            errors,
        },
    ))
}

async fn standards(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    standards_page(
        &s,
        &a,
        &q.q,
        q.page,
        StandardForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn add_standard(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let p = a.principal();
    let f = StandardForm {
        code: form.text("code"),
        name: form.text("name"),
        industry: form.text("industry"),
        level_id: form.text("level_id"),
    };
    let file = form.file("file").map(|(_, n, b)| (n.as_str(), b.as_slice()));
    match app::portal::framework::add_standard(&s.app, &p, &f, file, &p.actor(&ip)).await {
        Ok(_) => {
            flash(&a.session, "ok", format!("已添加行业标准{}", f.code.trim())).await?;
            Ok(Redirect::to("/department/standards").into_response())
        }
        Err(e) => standards_page(&s, &a, "", 1, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn delete_standard(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<StandardId>,
    CsrfForm(_, _): CsrfForm<serde_json::Value>,
) -> Result<Response, WebError> {
    let p = a.principal();
    let r = app::portal::framework::delete_standard(&s.app, &p, id, &p.actor(&ip)).await;
    flash_outcome(&a.session, r, "/department/standards").await
}

#[derive(serde::Deserialize)]
struct PlaceForm {
    #[serde(default)]
    level_id: String,
}

async fn place(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<CatalogOutcomeId>,
    CsrfForm(f, _): CsrfForm<PlaceForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    let r = app::portal::framework::place_outcome(&s.app, &p, id, &f.level_id, &p.actor(&ip))
        .await
        .map(|()| "已更新成果的资历框架等级".to_string());
    flash_outcome(&a.session, r, &format!("/catalog/{id}")).await
}
