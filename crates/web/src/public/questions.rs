//! 在线解答 (P-04): the published answers, searchable by anyone; signed-in users ask
//! and follow their own questions.

use app::AppError;
use app::portal::questions::{AskForm, List};
use app::queries::portal::Question;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::ids::QuestionId;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{self, ClientIp, CsrfForm};
use crate::kit::forms::Pager;
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/qa", get(published))
        .route("/qa/mine", get(mine))
        .route("/qa/ask", get(ask_page).post(ask))
        .route("/qa/{id}", get(detail))
}

pub struct QuestionRow {
    pub id: QuestionId,
    pub title: String,
    pub asker: String,
    pub asked: String,
    pub status: &'static str,
}

pub fn rows(list: Vec<Question>) -> Vec<QuestionRow> {
    list.into_iter()
        .map(|q| QuestionRow {
            id: q.id,
            status: q.status.label(),
            asker: q.asker_name,
            asked: datetime(q.created_at),
            title: q.title,
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

#[derive(Template)]
#[template(path = "public/questions.html")]
struct ListPage {
    ctx: PageCtx,
    mine: bool,
    signed_in: bool,
    q: String,
    rows: Vec<QuestionRow>,
    pager: Pager,
}

async fn list(s: &AppState, session: &Session, mine: bool, q: ListQuery) -> Result<Response, WebError> {
    let who = extract::principal(session, s).await?;
    if mine && who.is_none() {
        return Err(WebError(AppError::Unauthenticated));
    }
    let which = if mine { List::Mine } else { List::Published };
    let result = app::portal::questions::list(&s.app, who.as_ref(), which, &q.q, q.page.max(1)).await?;
    let path = if mine { "/qa/mine" } else { "/qa" };
    Ok(page(&ListPage {
        ctx: PageCtx::new(if mine { "我的提问" } else { "在线解答" }, session, who.as_ref(), "/qa").await?,
        mine,
        signed_in: who.is_some(),
        pager: Pager::new(result.total, q.page, path, &[("q", &q.q)]),
        rows: rows(result.rows),
        q: q.q,
    }))
}

async fn published(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    list(&s, &session, false, q).await
}

async fn mine(State(s): State<AppState>, session: Session, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    list(&s, &session, true, q).await
}

#[derive(Template)]
#[template(path = "public/question_ask.html")]
struct AskPage {
    ctx: PageCtx,
    form: AskForm,
    errors: FormErrors,
}

async fn ask_form(
    s: &AppState,
    session: &Session,
    form: AskForm,
    errors: FormErrors,
    status: axum::http::StatusCode,
) -> Result<Response, WebError> {
    let who = extract::principal(session, s)
        .await?
        .ok_or(WebError(AppError::Unauthenticated))?;
    Ok(render(
        status,
        &AskPage {
            ctx: PageCtx::new("我要提问", session, Some(&who), "/qa").await?,
            form,
            errors,
        },
    ))
}

async fn ask_page(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    ask_form(
        &s,
        &session,
        AskForm::default(),
        FormErrors::default(),
        axum::http::StatusCode::OK,
    )
    .await
}

async fn ask(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<AskForm>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s)
        .await?
        .ok_or(WebError(AppError::Unauthenticated))?;
    match app::portal::questions::ask(&s.app, &who, &f, &who.actor(&ip)).await {
        Ok(id) => {
            flash(&session, "ok", "提问已提交，管理中心解答后会通过“我的消息”通知您").await?;
            Ok(Redirect::to(&format!("/qa/{id}")).into_response())
        }
        Err(e) => ask_form(&s, &session, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "public/question.html")]
struct DetailPage {
    ctx: PageCtx,
    q: Question,
    status: &'static str,
    asked: String,
    answered: String,
    answer_link: String,
}

async fn detail(State(s): State<AppState>, session: Session, Path(id): Path<QuestionId>) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let q = app::portal::questions::visible(&s.app, who.as_ref(), id).await?;
    let answer_link = if who.as_ref().is_some_and(app::portal::may_edit) {
        format!("/department/questions/{id}")
    } else {
        String::new()
    };
    Ok(page(&DetailPage {
        ctx: PageCtx::new(&q.title, &session, who.as_ref(), "/qa").await?,
        status: q.status.label(),
        asked: datetime(q.created_at),
        answered: q.answered_at.map(datetime).unwrap_or_default(),
        answer_link,
        q,
    }))
}
