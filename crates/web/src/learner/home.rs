//! The learner's personal centre (L-04) and the forced completion of a pre-imported
//! account (L-03).

use app::auth::Principal;
use app::learners::CompleteForm;
use app::sms::Purpose;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::credits::Credits;
use domain::id_card::IdType;
use domain::ids::HoldingId;
use domain::mask;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{AnyLearner, ClientIp, CsrfForm, LearnerAuth};
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learner", get(home))
        .route("/learner/complete", get(complete_page).post(complete))
        .route("/learner/credits", get(credits))
}

#[derive(Template)]
#[template(path = "learner/home.html")]
struct Home {
    ctx: PageCtx,
    name: String,
    masked_id: String,
    masked_mobile: String,
    card_no: String,
    id_type: &'static str,
    validity: String,
    opened: String,
    total_credits: String,
    unread: i64,
    outcome_total: i64,
    registered: i64,
    stored: i64,
    converted: i64,
}

async fn home(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let l = a.learner.clone();
    let o = app::queries::learner::overview(&s.app, &l).await?;
    let ctx = PageCtx::new("个人中心", &a.session, Some(&Principal::Learner(a.learner)), "/learner").await?;
    let validity = match (&l.id_valid_from, &l.id_valid_to) {
        (Some(f), Some(t)) => format!("{f} 至 {t}"),
        (Some(f), None) => format!("{f} 起长期有效"),
        _ => "未填写".into(),
    };
    Ok(page(&Home {
        ctx,
        masked_id: mask::id_number(&l.id_number),
        masked_mobile: l.mobile.as_deref().map(mask::mobile).unwrap_or_else(|| "未绑定".into()),
        card_no: l.card_no,
        id_type: IdType::from_code(&l.id_type).map(|t| t.label()).unwrap_or("其他证件"),
        validity,
        opened: datetime(l.activated_at.unwrap_or(l.created_at)),
        name: l.name,
        total_credits: Credits(o.total_credits).to_string(),
        unread: o.unread,
        outcome_total: o.outcome_total,
        registered: o.registered,
        stored: o.stored,
        converted: o.converted,
    }))
}

#[derive(Template)]
#[template(path = "learner/complete.html")]
struct Complete {
    ctx: PageCtx,
    masked_id: String,
    /// Whether the learner is asked for an outcome's number.
    asks_number: bool,
    form: CompleteForm,
    errors: FormErrors,
    periods: Vec<crate::kit::views::Code>,
    sms_purpose: &'static str,
}

const PERIODS: [(&str, &str); 4] = [("5", "5年"), ("10", "10年"), ("20", "20年"), ("long", "长期有效")];

async fn complete_form(
    s: &AppState,
    a: &AnyLearner,
    form: CompleteForm,
    errors: FormErrors,
    status: axum::http::StatusCode,
) -> Result<Response, WebError> {
    let ctx = PageCtx::new(
        "完善账户信息",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/complete",
    )
    .await?;
    Ok(render(
        status,
        &Complete {
            ctx,
            masked_id: mask::id_number(&a.learner.id_number),
            asks_number: app::learners::completion_asks_number(&s.app, &a.learner).await?,
            form,
            errors,
            periods: crate::kit::views::codes(&PERIODS),
            sms_purpose: Purpose::CompleteAccount.code(),
        },
    ))
}

async fn complete_page(State(s): State<AppState>, a: AnyLearner) -> Result<Response, WebError> {
    if a.learner.is_active() {
        return Ok(Redirect::to("/learner").into_response());
    }
    complete_form(
        &s,
        &a,
        CompleteForm::default(),
        FormErrors::default(),
        axum::http::StatusCode::OK,
    )
    .await
}

async fn complete(
    State(s): State<AppState>,
    a: AnyLearner,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<CompleteForm>,
) -> Result<Response, WebError> {
    match app::learners::complete(&s.app, &a.learner, &f, &ip).await {
        Ok(()) => {
            crate::kit::extract::carry_on(&s, &a.session, &Principal::Learner(a.learner.clone())).await?;
            flash(
                &a.session,
                "ok",
                format!("账户信息已完善，欢迎使用{}", s.app.bank.name()),
            )
            .await?;
            Ok(Redirect::to("/learner").into_response())
        }
        Err(e) => {
            let form = CompleteForm {
                password: String::new(),
                confirm: String::new(),
                sms_code: String::new(),
                ..f
            };
            complete_form(&s, &a, form, FormErrors::from_error(&e), form_status(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "learner/credits.html")]
struct CreditsPage {
    ctx: PageCtx,
    total: String,
    rows: Vec<LedgerRow>,
}

struct LedgerRow {
    at: String,
    reason: String,
    amount: String,
    outcome_id: Option<HoldingId>,
}

/// 我的成就: the ledger behind the total.
async fn credits(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let (balance, entries) = app::queries::learner::ledger(&s.app, &a.learner).await?;
    let total = Credits(balance).to_string();
    let rows = entries
        .into_iter()
        .map(|e| LedgerRow {
            at: datetime(e.created_at),
            reason: e.reason,
            amount: Credits(e.amount).to_string(),
            outcome_id: e.learner_outcome_id,
        })
        .collect();
    let ctx = PageCtx::new("学分明细", &a.session, Some(&Principal::Learner(a.learner)), "/learner").await?;
    Ok(page(&CreditsPage { ctx, total, rows }))
}
