//! 我的消息 (L-09): the learner's messages, each linking to what it is about.

use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::LearnerAuth;
use crate::kit::views::{PageCtx, datetime, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learner/messages", get(messages))
        .route("/learner/messages/{id}", get(open_message))
}

async fn ctx(a: &LearnerAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&Principal::Learner(a.learner.clone())), active).await
}

#[derive(Template)]
#[template(path = "learner/messages.html")]
struct MessagesPage {
    ctx: PageCtx,
    unread: i64,
    base: &'static str,
    rows: Vec<MessageRow>,
}

struct MessageRow {
    id: i64,
    title: String,
    body: String,
    created: String,
    read: bool,
}

async fn messages(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let me = Principal::Learner(a.learner.clone());
    let rows = app::queries::learner::messages(&s.app, &me, 100)
        .await?
        .into_iter()
        .map(|m| MessageRow {
            created: datetime(m.created_at),
            read: m.read_at.is_some(),
            id: m.id,
            title: m.title,
            body: m.body,
        })
        .collect();
    let unread = app::queries::learner::unread(&s.app, &me).await?;
    Ok(page(&MessagesPage {
        ctx: ctx(&a, "我的消息", "/learner/messages").await?,
        unread,
        base: "/learner/messages",
        rows,
    }))
}

/// Opens a message (marks it read) and goes to what it is about.
async fn open_message(State(s): State<AppState>, a: LearnerAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let m = app::queries::learner::open_message(&s.app, &Principal::Learner(a.learner.clone()), id).await?;
    let to = m
        .link
        .filter(|l| l.starts_with("/learner/"))
        .unwrap_or_else(|| "/learner/messages".into());
    Ok(Redirect::to(&to).into_response())
}
