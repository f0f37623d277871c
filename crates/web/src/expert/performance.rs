//! 业绩类成果转换终审 (Guangdong): experts decide the requests their target institution
//! passed; a pass grants the target outcome and its credits.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::ids::PerformanceId;

use crate::AppState;
use crate::kit::conversion::Shown;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, ExpertAuth};
use crate::kit::performance::{FINAL, decide, detail, queue};
use crate::kit::reviews::Decision;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/expert/performance", get(list).post(post))
        .route("/expert/performance/{id}", get(one))
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: i64,
}

async fn list(State(s): State<AppState>, a: ExpertAuth, Query(q): Query<PageQuery>) -> Result<Response, WebError> {
    let who = a.principal();
    queue(&s, &who, &a.session, &FINAL, q.page.max(1), String::new(), Shown::ok()).await
}

async fn post(
    State(s): State<AppState>,
    a: ExpertAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    decide(&s, &a.principal(), &a.session, &FINAL, &ip, f, &pairs).await
}

async fn one(State(s): State<AppState>, a: ExpertAuth, Path(id): Path<PerformanceId>) -> Result<Response, WebError> {
    let who = a.principal();
    detail(&s, &who, &a.session, FINAL.path, id, String::new(), Shown::ok()).await
}
