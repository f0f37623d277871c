//! 机构成果导入 (I-03): templates per subtype, the import form and its result, and the
//! import records of the last year.

use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::role::Area;

use crate::AppState;
use crate::error::WebError;
use crate::extract::{ClientIp, InstitutionAuth};
use crate::forms::CsrfMultipart;
use crate::views::{FormErrors, PageCtx, datetime, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/outcomes/import", get(import_page).post(import))
        .route("/institution/outcomes/template/{subtype}", get(template))
        .route("/institution/imports", get(records))
}

fn inst(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

#[derive(Template)]
#[template(path = "institution/import.html")]
struct ImportPage {
    ctx: PageCtx,
    subtypes: Vec<(i64, String)>,
    selected: Option<i64>,
    errors: FormErrors,
    result: Option<(usize, Vec<(usize, String)>)>,
}

/// Subtypes this institution may import (not synced, authorised when restricted).
async fn storable(s: &AppState, a: &InstitutionAuth) -> Result<Vec<(i64, String)>, WebError> {
    let mut out = Vec::new();
    for st in store::taxonomy::subtypes(&s.app.db.pool).await? {
        if app::taxonomy::may_store(&s.app, a.institution.id, &st).await?.is_ok() {
            out.push((st.id, format!("{}-{}", st.type_name, st.name)));
        }
    }
    Ok(out)
}

async fn show(
    s: &AppState,
    a: &InstitutionAuth,
    selected: Option<i64>,
    errors: FormErrors,
    result: Option<(usize, Vec<(usize, String)>)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let subtypes = storable(s, a).await?;
    let ctx = PageCtx::new("批量导入", &a.session, Some(&inst(a)), "/institution/outcomes").await?;
    Ok(render(
        status,
        &ImportPage {
            ctx,
            subtypes,
            selected,
            errors,
            result,
        },
    ))
}

#[derive(serde::Deserialize, Default)]
struct ImportQuery {
    #[serde(default)]
    subtype: Option<i64>,
}

async fn import_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<ImportQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    show(&s, &a, q.subtype, FormErrors::default(), None, StatusCode::OK).await
}

async fn import(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let subtype = form.text("subtype").parse::<i64>().ok();
    let result = async {
        let subtype = subtype.ok_or_else(|| app::AppError::field("subtype", "请选择成果类型"))?;
        let (_, name, bytes) = form
            .file("file")
            .ok_or_else(|| app::AppError::field("file", "请选择要导入的文件"))?;
        app::import::catalog(&s.app, a.institution.id, subtype, name, bytes, &inst(&a).actor(&ip)).await
    }
    .await;
    match result {
        Ok(sum) => {
            let shown: Vec<(usize, String)> = sum.rejected.into_iter().take(200).collect();
            show(
                &s,
                &a,
                subtype,
                FormErrors::default(),
                Some((sum.imported, shown)),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ (app::AppError::Invalid(_) | app::AppError::Forbidden(_) | app::AppError::Conflict(_))) => {
            show(&s, &a, subtype, FormErrors::from_error(&e), None, form_status(&e)).await
        }
        Err(e) => Err(WebError(e)),
    }
}

async fn template(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(subtype): Path<i64>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let (name, bytes) = app::import::template(&s.app, subtype).await?;
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "institution/imports.html")]
struct RecordsPage {
    ctx: PageCtx,
    /// Each record with its time in Beijing time.
    rows: Vec<(store::imports::ImportRecord, String)>,
}

async fn records(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let year_ago = store::now() - 365 * 86_400;
    let rows = store::imports::of_institution(&s.app.db.pool, a.institution.id, year_ago)
        .await?
        .into_iter()
        .map(|r| {
            let at = datetime(r.created_at);
            (r, at)
        })
        .collect();
    let ctx = PageCtx::new("导入记录", &a.session, Some(&inst(&a)), "/institution/outcomes").await?;
    Ok(page(&RecordsPage { ctx, rows }))
}
