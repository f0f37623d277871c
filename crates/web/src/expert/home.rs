//! The expert's home page (E-01 lands here once final reviews exist).

use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::ExpertAuth;
use crate::kit::views::{PageCtx, page};

pub fn routes() -> Router<AppState> {
    Router::new().route("/expert", get(home))
}

#[derive(Template)]
#[template(path = "expert/home.html")]
struct Home {
    ctx: PageCtx,
    name: String,
    account: String,
    committee: String,
    pending: i64,
}

async fn home(State(s): State<AppState>, a: ExpertAuth) -> Result<Response, WebError> {
    let filter = app::queries::HoldingFilter {
        recognition: vec!["initial_passed"],
        ..Default::default()
    };
    let pending = app::queries::holdings::count(&s.app, &Principal::Expert(a.user.clone()), filter).await?;
    let u = a.user.clone();
    let ctx = PageCtx::new("专家工作台", &a.session, Some(&Principal::Expert(a.user)), "/expert").await?;
    Ok(page(&Home {
        ctx,
        name: u.name,
        account: u.account,
        committee: u.committee.unwrap_or_else(|| "-".into()),
        pending,
    }))
}
