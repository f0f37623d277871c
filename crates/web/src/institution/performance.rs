//! 业绩类成果转换初审 (Guangdong): the target institution checks the paper originals of
//! learners asking to convert a 业绩类 outcome into one of its outcomes.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::ids::PerformanceId;
use domain::role::Area;

use crate::AppState;
use crate::kit::conversion::Shown;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::performance::{INITIAL, decide, detail, queue};
use crate::kit::reviews::Decision;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/performance", get(list).post(post))
        .route("/institution/performance/{id}", get(one))
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: i64,
}

async fn list(State(s): State<AppState>, a: InstitutionAuth, Query(q): Query<PageQuery>) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let who = a.principal();
    queue(
        &s,
        &who,
        &a.session,
        &INITIAL,
        q.page.max(1),
        String::new(),
        Shown::ok(),
    )
    .await
}

async fn post(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    decide(&s, &a.principal(), &a.session, &INITIAL, &ip, f, &pairs).await
}

async fn one(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<PerformanceId>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let who = a.principal();
    detail(&s, &who, &a.session, INITIAL.path, id, String::new(), Shown::ok()).await
}
