//! 成果认定终审 (E-01): the expert's final review of recognition applications, with the
//! credits to grant.

use app::auth::Principal;
use app::queries::holdings::Queue;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::ids::HoldingId;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, ExpertAuth};
use crate::kit::forms::{self};
use crate::kit::reviews::*;
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/expert/recognition", get(final_list).post(final_decide))
        .route("/expert/outcomes/{id}", get(expert_detail))
}

fn expert(a: &ExpertAuth) -> Principal {
    Principal::Expert(a.user.clone())
}

async fn final_list(State(s): State<AppState>, a: ExpertAuth) -> Result<Response, WebError> {
    let rows = queue_rows(&s, &expert(&a), Queue::Final).await?;
    let ctx = PageCtx::new("成果认定终审", &a.session, Some(&expert(&a)), "/expert/recognition").await?;
    review_page(&s, ctx, Queue::Final, rows, None, FormErrors::default(), StatusCode::OK).await
}

async fn final_decide(
    State(s): State<AppState>,
    a: ExpertAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &expert(&a), Queue::Final, &pairs).await?;
    match app::recognition::final_review(
        &s.app,
        &expert(&a).actor(&ip),
        &ids,
        f.decision == "pass",
        &f.credits,
        &f.opinion,
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已终审{n}项申请")).await?;
            Ok(Redirect::to("/expert/recognition").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let rows = queue_rows(&s, &expert(&a), Queue::Final).await?;
            let ctx = PageCtx::new("成果认定终审", &a.session, Some(&expert(&a)), "/expert/recognition").await?;
            review_page(
                &s,
                ctx,
                Queue::Final,
                rows,
                Some(&f),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

/// Experts see outcomes that went through recognition.
async fn expert_detail(
    State(s): State<AppState>,
    a: ExpertAuth,
    Path(id): Path<HoldingId>,
) -> Result<Response, WebError> {
    let h = app::queries::holdings::get(&s.app, &expert(&a), id).await?;
    let v = forms::holding_view(&s.app, &h, false).await?;
    let ctx = PageCtx::new("成果详情", &a.session, Some(&expert(&a)), "/expert/recognition").await?;
    Ok(page(&DetailPage {
        ctx,
        back: "/expert/recognition",
        base: v.base,
        extra: v.extra,
        files: v.files,
        reviews: v.reviews,
    }))
}
