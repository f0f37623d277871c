//! One conversion application in each space that may see it: what it uses, what it
//! grants, its materials and review history — and, for whoever decides it at this
//! stage of the chain, the pass/fail buttons.

use app::auth::Principal;
use app::conversion::Reviewer;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::ids::ApplicationId;
use domain::role::Area;

use crate::AppState;
use crate::account::SPACES;
use crate::kit::conversion::{AppRow, Decision, app_row};
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, SignedIn};
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, render};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for space in SPACES {
        r = r.route(&format!("/{space}/conversions/{{id}}"), get(detail).post(decide));
    }
    r
}

/// The caller as a reviewer of applications, if it is one.
fn reviewer(who: &Principal) -> Option<Reviewer<'_>> {
    match who {
        Principal::Institution { user, institution } if app::institutions::may(user, Area::Conversion) => {
            Some(Reviewer::Institution(institution.id))
        }
        Principal::Department { scope, .. } => Some(Reviewer::Department(scope)),
        Principal::Expert(_) => Some(Reviewer::Expert),
        _ => None,
    }
}

fn here(who: &Principal, id: ApplicationId) -> String {
    format!("/{}/conversions/{id}", who.role().code())
}

/// Where the list of this caller's applications is.
fn list_of(who: &Principal) -> &'static str {
    match who {
        Principal::Learner(_) => "/learner/conversions",
        Principal::Institution { .. } => "/institution/conversions/review",
        Principal::Department { .. } => "/department/conversions",
        Principal::Expert(_) => "/expert/conversions",
    }
}

#[derive(Template)]
#[template(path = "account/application.html")]
struct DetailPage {
    ctx: PageCtx,
    a: AppRow,
    sources: Vec<String>,
    targets: Vec<String>,
    back: &'static str,
    /// This page's own address (the decision posts here).
    action: String,
    can_decide: bool,
    opinion: String,
    errors: FormErrors,
}

async fn page(
    s: &AppState,
    a: &SignedIn,
    id: ApplicationId,
    opinion: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let who = &a.principal;
    let d = app::queries::conversion::application(&s.app, who, id).await?;
    let can_decide = match reviewer(who) {
        Some(r) => app::conversion::may_decide(&s.app, &r, &d.row.application).await?,
        None => false,
    };
    let full_id = matches!(who, Principal::Learner(_));
    let back = list_of(who);
    Ok(render(
        status,
        &DetailPage {
            ctx: PageCtx::new("转换申请详情", &a.session, Some(who), back).await?,
            a: app_row(d.row, full_id),
            sources: d.sources,
            targets: d.targets,
            back,
            action: here(who, id),
            can_decide,
            opinion,
            errors,
        },
    ))
}

async fn detail(State(s): State<AppState>, a: SignedIn, Path(id): Path<ApplicationId>) -> Result<Response, WebError> {
    page(&s, &a, id, String::new(), FormErrors::default(), StatusCode::OK).await
}

async fn decide(
    State(s): State<AppState>,
    a: SignedIn,
    ClientIp(ip): ClientIp,
    Path(id): Path<ApplicationId>,
    CsrfForm(f, _): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let who = &a.principal;
    let Some(r) = reviewer(who) else {
        return Err(WebError(app::AppError::not_found()));
    };
    let result = app::conversion::review(&s.app, r, &[id], f.decision == "pass", &f.opinion, &who.actor(&ip)).await;
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "已审核该转换申请").await?;
            Ok(Redirect::to(&here(who, id)).into_response())
        }
        Err(e @ app::AppError::NotFound(_)) => Err(WebError(e)),
        Err(e) => page(&s, &a, id, f.opinion, FormErrors::from_error(&e), form_status(&e)).await,
    }
}
