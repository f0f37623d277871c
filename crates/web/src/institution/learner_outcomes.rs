//! 学员成果 (I-04): the learner outcomes the institution issued, their detail, batch
//! withdrawal with a reason, and the SMS-verified export.

use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{HoldingId, OutcomeTypeId};
use domain::mask;
use domain::role::Area;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, InstitutionAuth};
use crate::kit::forms::{self, CsrfMultipart, PER_PAGE, Pager};
use crate::kit::views::{Fact, FormErrors, PageCtx, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/learner-outcomes", get(holdings))
        .route("/institution/learner-outcomes/withdraw", post(withdraw))
        .route("/institution/learner-outcomes/export", post(export))
        .route("/institution/learner-outcomes/{id}", get(holding))
}

fn principal(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

async fn ctx(a: &InstitutionAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&principal(a)), active).await
}

#[derive(serde::Deserialize, Default)]
struct HoldingQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    type_: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    page: i64,
}

struct HoldingRow {
    id: HoldingId,
    name: String,
    type_name: String,
    subtype_name: String,
    learner: String,
    id_number: String,
    mobile: String,
    status: String,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "institution/learner_outcomes.html")]
struct HoldingsPage {
    ctx: PageCtx,
    q: HoldingQuery,
    years: Vec<i32>,
    types: Vec<crate::kit::views::Choice<OutcomeTypeId>>,
    rows: Vec<HoldingRow>,
    filtered: bool,
    offset: usize,
    pager: Pager,
    errors: FormErrors,
    reason: String,
    export_action: &'static str,
}

async fn holdings_page(
    s: &AppState,
    a: &InstitutionAuth,
    q: HoldingQuery,
    errors: FormErrors,
    reason: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let filter = app::queries::HoldingFilter {
        institution_outcome_id: forms::opt_id(&q.outcome),
        type_id: forms::opt_id(&q.type_),
        name: Some(q.name.clone()),
        year: q.year.parse().ok(),
        ..Default::default()
    };
    let result = app::queries::holdings::list(&s.app, &principal(a), filter, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .iter()
        .map(|h| HoldingRow {
            id: h.id,
            name: h.name.clone(),
            type_name: h.type_name.clone(),
            subtype_name: h.subtype_name.clone(),
            learner: h.learner_name.clone(),
            id_number: mask::id_number(&h.learner_id_number),
            mobile: h
                .learner_mobile
                .as_deref()
                .map(mask::mobile)
                .unwrap_or_else(|| "-".into()),
            status: h.status.code().to_string(),
            status_label: app::holdings::status_label(h),
        })
        .collect();
    let (types, _) = forms::type_choices(&s.app).await?;
    let this_year = domain::time::this_year();
    let pager = Pager::new(
        result.total,
        q.page,
        "/institution/learner-outcomes",
        &[
            ("year", &q.year),
            ("name", &q.name),
            ("type", &q.type_),
            ("outcome", &q.outcome),
        ],
    );
    let filtered = !(q.year.is_empty() && q.name.is_empty() && q.type_.is_empty() && q.outcome.is_empty());
    Ok(render(
        status,
        &HoldingsPage {
            ctx: ctx(a, "学员成果", "/institution/learner-outcomes").await?,
            offset: ((pager.page - 1) * PER_PAGE) as usize,
            q,
            years: (this_year - 9..=this_year).rev().collect(),
            types,
            rows,
            filtered,
            pager,
            errors,
            reason,
            export_action: "/institution/learner-outcomes/export",
        },
    ))
}

async fn holdings(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<HoldingQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    holdings_page(&s, &a, q, FormErrors::default(), String::new(), StatusCode::OK).await
}

async fn withdraw(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let ids = forms::ids(&form.fields);
    let reason = form.text("reason");
    let actor = principal(&a).actor(&ip);
    let result = async {
        if ids.is_empty() {
            return Err(app::AppError::field("ids", "请选择要撤回的学员成果"));
        }
        let file = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf).await?;
        app::holdings::withdraw(&s.app, a.institution.id, &ids, &reason, file.as_ref(), &actor).await
    }
    .await;
    match result {
        Ok(n) => {
            flash(&a.session, "ok", format!("已撤回{n}项学员成果")).await?;
            Ok(Redirect::to("/institution/learner-outcomes").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            holdings_page(
                &s,
                &a,
                HoldingQuery::default(),
                FormErrors::from_error(&e),
                reason,
                form_status(&e),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "institution/holding.html")]
struct HoldingPage {
    ctx: PageCtx,
    base: Vec<Fact>,
    extra: Vec<Fact>,
    files: Vec<crate::kit::forms::FileLink>,
    reviews: Vec<crate::kit::forms::ReviewLine>,
}

async fn holding(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<HoldingId>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let h = app::queries::holdings::get(&s.app, &principal(&a), id).await?;
    let v = forms::holding_view(&s.app, &h, false).await?;
    Ok(page(&HoldingPage {
        ctx: ctx(&a, "成果详情", "/institution/learner-outcomes").await?,
        base: v.base,
        extra: v.extra,
        files: v.files,
        reviews: v.reviews,
    }))
}

/// I-04: exports the ticked learner outcomes, or all matching the filters, after an SMS
/// code; ID numbers and mobiles stay masked.
async fn export(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let ids = forms::ids(&form.fields);
    let filter = app::queries::HoldingFilter {
        institution_outcome_id: forms::opt_id(&form.text("outcome")),
        type_id: forms::opt_id(&form.text("type")),
        name: Some(form.text("name")),
        year: form.text("year").parse().ok(),
        ..Default::default()
    };
    let written = app::export::learner_outcomes(
        &s.app,
        &principal(&a),
        filter,
        &ids,
        &app::export::Gate::SmsCode(&form.text("sms_code")),
        &ip,
    )
    .await;
    match written {
        Ok(bytes) => Ok(crate::kit::views::xlsx_download("学员成果.xlsx", bytes)),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            Ok(Redirect::to("/institution/learner-outcomes").into_response())
        }
    }
}
