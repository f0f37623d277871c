//! 成果转换管理 (I-09, I-10): reviewing conversion applications to the institution's rules,
//! the records of received and initiated applications, and their export.

use app::conversion::Reviewer;
use app::queries::ApplicationFilter;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::role::Area;

use crate::AppState;
use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::forms::Pager;
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/conversions/review", get(inst_review).post(inst_decide))
        .route("/institution/conversions/records", get(inst_records))
        .route("/institution/conversions/export", post(inst_export))
}

async fn inst_review_page(
    s: &AppState,
    a: &InstitutionAuth,
    q: &TabQuery,
    opinion: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let initiator = if q.tab == "batch" { "institution" } else { "learner" };
    let pending = |initiator| ApplicationFilter {
        target_institution_id: Some(a.institution.id),
        statuses: vec!["pending"],
        initiator: Some(initiator),
        ..Default::default()
    };
    let f = pending(initiator);
    let personal = app::queries::conversion::count_applications(&s.app, &inst(a), pending("learner")).await?;
    let batch = app::queries::conversion::count_applications(&s.app, &inst(a), pending("institution")).await?;
    let (rows, total) = app_rows(s, &inst(a), &f, q.page, false).await?;
    let ctx = PageCtx::new(
        "转换申请审核",
        &a.session,
        Some(&inst(a)),
        "/institution/conversions/review",
    )
    .await?;
    let single = app::conversion::chain(&s.app).await? == app::conversion::Chain::Single;
    Ok(render(
        status,
        &AppsPage {
            ctx,
            batches: Vec::new(),
            batch: String::new(),
            heading: "转换申请审核",
            tabs: vec![
                tab(
                    &format!("个人申请 {personal}"),
                    "/institution/conversions/review",
                    q.tab != "batch",
                ),
                tab(
                    &format!("机构发起 {batch}"),
                    "/institution/conversions/review?tab=batch",
                    q.tab == "batch",
                ),
            ],
            rows,
            empty: if single {
                "暂无待审核的转换申请。"
            } else {
                "本学分银行的转换申请由综合管理部门初审、专家终审。"
            },
            action: if q.tab == "batch" {
                "/institution/conversions/review?tab=batch"
            } else {
                "/institution/conversions/review"
            },
            reviewing: single,
            certificates: false,
            export_tab: Some("review"),
            filter: None,
            opinion,
            errors,
            pager: Pager::new(total, q.page, "/institution/conversions/review", &[("tab", &q.tab)]),
        },
    ))
}

async fn inst_review(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    inst_review_page(&s, &a, &q, String::new(), FormErrors::default(), StatusCode::OK).await
}

async fn inst_decide(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<TabQuery>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let initiator = if q.tab == "batch" { "institution" } else { "learner" };
    let filter = ApplicationFilter {
        target_institution_id: Some(a.institution.id),
        statuses: vec!["pending"],
        initiator: Some(initiator),
        ..Default::default()
    };
    let ids = picked(&s, &inst(&a), &filter, &pairs).await?;
    match app::conversion::review(
        &s.app,
        Reviewer::Institution(a.institution.id),
        &ids,
        f.decision == "pass",
        &f.opinion,
        &inst(&a).actor(&ip),
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已审核{n}条申请")).await?;
            Ok(Redirect::to("/institution/conversions/review").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => inst_review_page(&s, &a, &q, f.opinion, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn inst_records(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let received = ApplicationFilter {
        target_institution_id: Some(a.institution.id),
        ..Default::default()
    };
    let sent = ApplicationFilter {
        initiator_institution_id: Some(a.institution.id),
        ..Default::default()
    };
    let counts = (
        app::queries::conversion::count_applications(&s.app, &inst(&a), received.clone()).await?,
        app::queries::conversion::count_applications(&s.app, &inst(&a), sent.clone()).await?,
    );
    let f = if q.tab == "sent" { sent } else { received };
    let (rows, total) = app_rows(&s, &inst(&a), &q.narrow(f), q.page, false).await?;
    let ctx = PageCtx::new(
        "转换记录",
        &a.session,
        Some(&inst(&a)),
        "/institution/conversions/records",
    )
    .await?;
    let batches = if q.tab == "sent" {
        app::queries::conversion::batches(&s.app, &inst(&a)).await?
    } else {
        Vec::new()
    };
    Ok(page(&AppsPage {
        ctx,
        batches,
        batch: q.batch.clone(),
        heading: "转换记录",
        tabs: vec![
            tab(
                &format!("机构接收 {}", counts.0),
                "/institution/conversions/records",
                q.tab != "sent",
            ),
            tab(
                &format!("机构发起 {}", counts.1),
                "/institution/conversions/records?tab=sent",
                q.tab == "sent",
            ),
        ],
        rows,
        empty: "暂无转换记录。",
        action: "",
        reviewing: false,
        certificates: false,
        export_tab: Some(if q.tab == "sent" { "sent" } else { "received" }),
        filter: q.shown("/institution/conversions/records"),
        opinion: String::new(),
        errors: FormErrors::default(),
        pager: Pager::new(total, q.page, "/institution/conversions/records", &[("tab", &q.tab)]),
    }))
}

#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    sms_code: String,
}

/// I-09/I-10: exports the records of a tab as .xlsx after an SMS code.
async fn inst_export(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ExportForm>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let tab = app::export::RecordsTab::parse(&f.tab).unwrap_or(app::export::RecordsTab::Received);
    let gate = app::export::Gate::SmsCode(&f.sms_code);
    let written = app::export::conversion_records(&s.app, &inst(&a), tab, &gate, &ip).await;
    match written {
        Ok(bytes) => Ok(crate::kit::views::xlsx_download("转换记录.xlsx", bytes)),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            let back = if f.tab == "review" {
                "/institution/conversions/review".to_string()
            } else {
                format!("/institution/conversions/records?tab={}", f.tab)
            };
            Ok(Redirect::to(&back).into_response())
        }
    }
}
