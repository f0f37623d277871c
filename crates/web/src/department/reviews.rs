//! 机构成果认定, 成果存储审核 and 成果认定初审 (M-01, M-03): the department recognises
//! catalog outcomes, stores learners' submitted outcomes and gives the initial review of
//! recognition applications, all within its scope.

use app::queries::CatalogFilter;
use app::queries::holdings::Queue;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::credits::Credits;
use domain::ids::{CatalogOutcomeId, HoldingId};
use domain::lifecycle::CatalogRecognition;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::forms::{self, PER_PAGE, Pager};
use crate::kit::reviews::*;
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/catalog", get(catalog))
        .route("/department/catalog/{id}", post(recognise))
        .route("/department/storage", get(storage).post(store_decide))
        .route("/department/recognition", get(initial).post(initial_decide))
        .route("/department/outcomes/{id}", get(dept_detail))
}

async fn dctx(a: &DepartmentAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&a.principal()), active).await
}

#[derive(serde::Deserialize, Default)]
struct CatalogQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    recognition: String,
    #[serde(default)]
    page: i64,
}

struct CatalogRow {
    id: CatalogOutcomeId,
    name: String,
    institution: String,
    subtype: String,
    recognition: String,
    recognition_label: &'static str,
    credits: String,
    holders: i64,
}

#[derive(Template)]
#[template(path = "department/catalog.html")]
struct CatalogPage {
    ctx: PageCtx,
    q: CatalogQuery,
    recognitions: Vec<crate::kit::views::Code>,
    rows: Vec<CatalogRow>,
    pager: Pager,
}

async fn catalog(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<CatalogQuery>,
) -> Result<Response, WebError> {
    let f = CatalogFilter {
        name: Some(q.name.clone()).filter(|n| !n.trim().is_empty()),
        recognition: CatalogRecognition::parse(&q.recognition).ok(),
        ..Default::default()
    };
    let result = app::queries::catalog::in_departments(&s.app, &a.scope, f, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|o| CatalogRow {
            recognition_label: o.recognition.label(),
            credits: o.credits.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into()),
            id: o.id,
            name: o.name,
            institution: o.institution_name,
            subtype: o.subtype_name,
            recognition: o.recognition.code().into(),
            holders: o.holders,
        })
        .collect();
    let pager = Pager::new(
        result.total,
        q.page,
        "/department/catalog",
        &[("name", &q.name), ("recognition", &q.recognition)],
    );
    Ok(page(&CatalogPage {
        ctx: dctx(&a, "机构成果认定", "/department/catalog").await?,
        q,
        recognitions: crate::kit::views::codes(&[
            ("recognising", "认定中"),
            ("unrecognised", "未认定"),
            ("recognised", "已认定"),
        ]),
        rows,
        pager,
    }))
}

async fn recognise(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<CatalogOutcomeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    match app::catalog::recognise(
        &s.app,
        &a.scope,
        &a.principal().actor(&ip),
        id,
        f.decision == "pass",
        &f.credits,
    )
    .await
    {
        Ok(n) if f.decision == "pass" => {
            flash(&a.session, "ok", format!("已认定，{n}名已存储该成果的学员获得学分")).await?
        }
        Ok(_) => flash(&a.session, "ok", "已退回认定申请").await?,
        Err(app::AppError::NotFound(m)) => return Err(WebError(app::AppError::NotFound(m))),
        Err(e) => flash(&a.session, "error", e.to_string()).await?,
    }
    Ok(Redirect::to("/department/catalog?recognition=recognising").into_response())
}

async fn storage(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let rows = queue_rows(&s, &a.principal(), Queue::Storage).await?;
    review_page(
        &s,
        dctx(&a, "学习成果存储审核", "/department/storage").await?,
        Queue::Storage,
        rows,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn initial(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let rows = queue_rows(&s, &a.principal(), Queue::Initial).await?;
    review_page(
        &s,
        dctx(&a, "成果认定初审", "/department/recognition").await?,
        Queue::Initial,
        rows,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn store_decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &a.principal(), Queue::Storage, &pairs).await?;
    let actor = a.principal().actor(&ip);
    match app::holdings::bank_store_many(&s.app, &a.scope, &actor, &ids, f.decision == "pass", &f.opinion).await {
        Ok(n) => {
            flash(&a.session, "ok", format!("已处理{n}项成果")).await?;
            Ok(Redirect::to("/department/storage").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let rows = queue_rows(&s, &a.principal(), Queue::Storage).await?;
            review_page(
                &s,
                dctx(&a, "学习成果存储审核", "/department/storage").await?,
                Queue::Storage,
                rows,
                Some(&f),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn initial_decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &a.principal(), Queue::Initial, &pairs).await?;
    match app::recognition::initial_review(
        &s.app,
        &a.scope,
        &a.principal().actor(&ip),
        &ids,
        f.decision == "pass",
        &f.opinion,
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已初审{n}项申请")).await?;
            Ok(Redirect::to("/department/recognition").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let rows = queue_rows(&s, &a.principal(), Queue::Initial).await?;
            review_page(
                &s,
                dctx(&a, "成果认定初审", "/department/recognition").await?,
                Queue::Initial,
                rows,
                Some(&f),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn dept_detail(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<HoldingId>,
) -> Result<Response, WebError> {
    let h = app::holdings::in_scope(&s.app, &a.scope, id).await?;
    let v = forms::holding_view(&s.app, &h, false).await?;
    let ctx = dctx(&a, "成果详情", "/department/storage").await?;
    Ok(page(&DetailPage {
        ctx,
        back: "/department/storage",
        base: v.base,
        extra: v.extra,
        files: v.files,
        reviews: v.reviews,
    }))
}
