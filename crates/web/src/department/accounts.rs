//! 学员账户审核 (M-01, OUCN): accounts whose e-mail is confirmed wait here, oldest first,
//! with the working days left of the 1-2 the bank promises.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use domain::ids::LearnerId;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::forms::Pager;
use crate::kit::views::{PageCtx, datetime, flash_outcome, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/learners/review", get(queue))
        .route("/department/learners/{id}/review", post(decide))
}

struct Row {
    id: LearnerId,
    name: String,
    id_number: String,
    email: String,
    kind: &'static str,
    submitted: String,
    /// Working days left (negative: overdue).
    left: i64,
}

#[derive(Template)]
#[template(path = "department/learner_review.html")]
struct QueuePage {
    ctx: PageCtx,
    rows: Vec<Row>,
    pager: Pager,
    days: i64,
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: i64,
}

async fn queue(State(s): State<AppState>, a: DepartmentAuth, Query(q): Query<PageQuery>) -> Result<Response, WebError> {
    let p = a.principal();
    let result = app::activation::queue(&s.app, &p, q.page.max(1)).await?;
    let now = app::queries::now();
    let rows = result
        .rows
        .into_iter()
        .map(|l| {
            let since = l.submitted_at.unwrap_or(l.created_at);
            Row {
                id: l.id,
                id_number: domain::mask::id_number(&l.id_number),
                email: l.email.as_deref().map(domain::mask::email).unwrap_or_default(),
                kind: if l.mobile.is_none() {
                    "在籍学生激活"
                } else {
                    "自主注册"
                },
                submitted: datetime(since),
                left: app::activation::REVIEW_DAYS - domain::time::working_days_between(since, now),
                name: l.name,
            }
        })
        .collect();
    Ok(page(&QueuePage {
        ctx: PageCtx::new("学员账户审核", &a.session, Some(&p), "/department/learners/review").await?,
        pager: Pager::new(result.total, q.page, "/department/learners/review", &[]),
        rows,
        days: app::activation::REVIEW_DAYS,
    }))
}

#[derive(serde::Deserialize)]
struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<LearnerId>,
    CsrfForm(f, _): CsrfForm<DecideForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    let r = app::activation::decide(&s.app, &p, id, f.decision == "pass", &f.reason, &p.actor(&ip)).await;
    flash_outcome(&a.session, r, "/department/learners/review").await
}
