//! 学员账户导入 by the bank itself (L-03): the management department imports learner
//! accounts (未激活, initial password the last six characters of the ID number) that no
//! institution created, follows the job and downloads its import records.

use app::auth::Principal;
use app::import::Owner;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::WebError;
use crate::extract::{ClientIp, DepartmentAuth};
use crate::forms::CsrfMultipart;
use crate::imports::JobPage;
use crate::views::{PageCtx, datetime, flash, page};

const HOME: &str = "/department/learners/import";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(HOME, get(import_page).post(import))
        .route("/department/learners/template", get(template))
        .route("/department/jobs/{id}", get(job))
}

fn principal(a: &DepartmentAuth) -> Principal {
    Principal::Department {
        user: a.user.clone(),
        department: a.department.clone(),
        scope: a.scope.clone(),
    }
}

#[derive(Template)]
#[template(path = "department/learner_import.html")]
struct ImportPage {
    ctx: PageCtx,
    /// The bank's imports of the last year by this department and those below it.
    rows: Vec<(store::imports::ImportRecord, String)>,
}

async fn import_page(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let year_ago = store::now() - 365 * 86_400;
    let rows = store::imports::of_departments(&s.app.db.pool, &a.scope, year_ago)
        .await?
        .into_iter()
        .map(|r| {
            let at = datetime(r.created_at);
            (r, at)
        })
        .collect();
    let ctx = PageCtx::new("学员账户导入", &a.session, Some(&principal(&a)), HOME).await?;
    Ok(page(&ImportPage { ctx, rows }))
}

async fn import(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let result = async {
        let (_, name, bytes) = form
            .file("file")
            .ok_or_else(|| app::AppError::field("file", "请选择要导入的文件"))?;
        app::jobs::enqueue_import(
            &s.app,
            app::jobs::LEARNERS,
            Owner::Bank {
                department: a.department.id,
            },
            None,
            name,
            bytes,
            &principal(&a).actor(&ip),
        )
        .await
    }
    .await;
    match result {
        Ok(job) => Ok(Redirect::to(&format!("/department/jobs/{job}")).into_response()),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            Ok(Redirect::to(HOME).into_response())
        }
    }
}

async fn template(_: DepartmentAuth) -> Result<Response, WebError> {
    let bytes = app::import::learners_template()?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename*=UTF-8''%E5%AD%A6%E5%91%98%E4%BF%A1%E6%81%AF%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"),
        ],
        bytes,
    )
        .into_response())
}

/// The progress of one of the bank's import jobs (this department's or one below it).
async fn job(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let job = store::jobs::by_id(&s.app.db.pool, id)
        .await?
        .filter(|j| j.department_id.is_some_and(|d| a.scope.contains(&d)))
        .ok_or_else(|| WebError(app::AppError::not_found()))?;
    let ctx = PageCtx::new("导入进度", &a.session, Some(&principal(&a)), HOME).await?;
    Ok(page(&JobPage::new(ctx, job, HOME, HOME)))
}
