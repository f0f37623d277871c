//! 学员账户导入 by the bank itself (L-03): the management department imports learner
//! accounts (未激活, initial password the last six characters of the ID number) that no
//! institution created, follows the job and downloads its import records.

use app::import::Owner;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use domain::ids::JobId;

use crate::AppState;
use crate::institution::imports::{JobPage, queue_upload, with_times};
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, DepartmentAuth};
use crate::kit::forms::CsrfMultipart;
use crate::kit::views::{PageCtx, page, xlsx_download};

const HOME: &str = "/department/learners/import";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(HOME, get(import_page).post(import))
        .route("/department/learners/template", get(template))
        .route("/department/jobs/{id}", get(job))
}

#[derive(Template)]
#[template(path = "department/learner_import.html")]
struct ImportPage {
    ctx: PageCtx,
    /// The bank's imports of the last year by this department and those below it.
    rows: Vec<crate::institution::imports::RecordLine>,
}

async fn import_page(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let rows = with_times(app::queries::imports::records_of_departments(&s.app, &a.scope).await?);
    let ctx = PageCtx::new("学员账户导入", &a.session, Some(&a.principal()), HOME).await?;
    Ok(page(&ImportPage { ctx, rows }))
}

async fn import(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let owner = Owner::Bank {
        department: a.department.id,
    };
    queue_upload(
        &s,
        &a.session,
        &form,
        (app::jobs::LEARNERS, owner, None),
        &a.principal().actor(&ip),
        ("/department/jobs", HOME),
    )
    .await
}

async fn template(_: DepartmentAuth) -> Result<Response, WebError> {
    Ok(xlsx_download(
        "学员信息导入模板.xlsx",
        app::import::learners_template()?,
    ))
}

/// The progress of one of the bank's import jobs (this department's or one below it).
async fn job(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<JobId>) -> Result<Response, WebError> {
    let job = app::queries::imports::job_of_departments(&s.app, &a.scope, id).await?;
    let ctx = PageCtx::new("导入进度", &a.session, Some(&a.principal()), HOME).await?;
    Ok(page(&JobPage::new(ctx, job, HOME, HOME)))
}
