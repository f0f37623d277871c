//! 转换申请终审 (E-01): the expert's final review of the two-stage chain.

use app::auth::Principal;
use app::conversion::Reviewer;
use app::queries::ApplicationFilter;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::AppState;
use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, ExpertAuth};
use crate::kit::views::{PageCtx, flash};

pub fn routes() -> Router<AppState> {
    Router::new().route("/expert/conversions", get(expert_review).post(expert_decide))
}

fn expert_filter() -> ApplicationFilter {
    ApplicationFilter {
        statuses: vec!["initial_passed"],
        ..Default::default()
    }
}

async fn expert_review(State(s): State<AppState>, a: ExpertAuth) -> Result<Response, WebError> {
    let ctx = PageCtx::new(
        "转换申请终审",
        &a.session,
        Some(&Principal::Expert(a.user.clone())),
        "/expert/conversions",
    )
    .await?;
    two_stage_page(
        &s,
        &Principal::Expert(a.user.clone()),
        ctx,
        FINAL,
        &expert_filter(),
        String::new(),
        Shown::ok(),
    )
    .await
}

async fn expert_decide(
    State(s): State<AppState>,
    a: ExpertAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &Principal::Expert(a.user.clone()), &expert_filter(), &pairs).await?;
    let who = Principal::Expert(a.user.clone());
    match app::conversion::review(
        &s.app,
        Reviewer::Expert,
        &ids,
        f.decision == "pass",
        &f.opinion,
        &who.actor(&ip),
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已终审{n}条申请")).await?;
            Ok(Redirect::to("/expert/conversions").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let ctx = PageCtx::new("转换申请终审", &a.session, Some(&who), "/expert/conversions").await?;
            two_stage_page(&s, &who, ctx, FINAL, &expert_filter(), f.opinion, Shown::from(&e)).await
        }
    }
}
