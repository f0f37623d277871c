//! The management centre's side of the portal: 工作动态 (write, publish, withdraw,
//! delete), 业务介绍 / 关于我们, and answering 在线解答. Every use case checks that the
//! caller is the centre; a provincial department gets a refusal.

use app::portal::NewsForm;
use app::portal::questions::{AnswerForm, List};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{NewsId, QuestionId};
use domain::lifecycle::QuestionStatus;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::forms::Pager;
use crate::kit::views::{Code, FormErrors, PageCtx, codes, datetime, flash, flash_outcome, form_status, page, render};
use crate::public::questions::{QuestionRow, rows};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/news", get(news_list))
        .route("/department/news/new", get(new_page).post(create))
        .route("/department/news/{id}", get(edit_page).post(update))
        .route("/department/news/{id}/action", post(action))
        .route("/department/pages/{slug}", get(page_form).post(save_page))
        .route("/department/questions", get(queue))
        .route("/department/questions/{id}", get(question).post(answer))
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: i64,
}

struct NewsRow {
    id: NewsId,
    title: String,
    status: &'static str,
    status_code: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "department/news.html")]
struct NewsListPage {
    ctx: PageCtx,
    q: String,
    rows: Vec<NewsRow>,
    pager: Pager,
}

async fn news_list(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let p = a.principal();
    let result = app::queries::portal::all_news(&s.app, &p, &q.q, q.page.max(1)).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|n| NewsRow {
            id: n.id,
            title: n.title,
            status: n.status.label(),
            status_code: n.status.code().into(),
            updated: datetime(n.updated_at),
        })
        .collect();
    Ok(page(&NewsListPage {
        ctx: PageCtx::new("工作动态管理", &a.session, Some(&p), "/department/news").await?,
        pager: Pager::new(result.total, q.page, "/department/news", &[("q", &q.q)]),
        rows,
        q: q.q,
    }))
}

#[derive(Template)]
#[template(path = "department/news_edit.html")]
struct EditPage {
    ctx: PageCtx,
    /// `None`: a new item.
    id: Option<NewsId>,
    status: &'static str,
    form: NewsForm,
    errors: FormErrors,
}

async fn edit_form(
    a: &DepartmentAuth,
    id: Option<NewsId>,
    status: &'static str,
    form: NewsForm,
    errors: FormErrors,
    code: StatusCode,
) -> Result<Response, WebError> {
    let p = a.principal();
    app::portal::centre_staff(&p)?;
    let title = if id.is_some() { "编辑动态" } else { "新建动态" };
    Ok(render(
        code,
        &EditPage {
            ctx: PageCtx::new(title, &a.session, Some(&p), "/department/news").await?,
            id,
            status,
            form,
            errors,
        },
    ))
}

async fn new_page(a: DepartmentAuth) -> Result<Response, WebError> {
    edit_form(&a, None, "", NewsForm::default(), FormErrors::default(), StatusCode::OK).await
}

async fn create(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<NewsForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    match app::portal::create_news(&s.app, &p, &f, &p.actor(&ip)).await {
        Ok(id) => {
            flash(&a.session, "ok", "已保存为未发布的动态，确认无误后请点击“发布”").await?;
            Ok(Redirect::to(&format!("/department/news/{id}")).into_response())
        }
        Err(e) => edit_form(&a, None, "", f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn edit_page(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<NewsId>) -> Result<Response, WebError> {
    let p = a.principal();
    let n = app::queries::portal::news(&s.app, Some(&p), id).await?;
    let form = NewsForm {
        title: n.title,
        body: n.body,
    };
    let status = n.status.label();
    edit_form(&a, Some(id), status, form, FormErrors::default(), StatusCode::OK).await
}

async fn update(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<NewsId>,
    CsrfForm(f, _): CsrfForm<NewsForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    match app::portal::update_news(&s.app, &p, id, &f, &p.actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "已保存").await?;
            Ok(Redirect::to(&format!("/department/news/{id}")).into_response())
        }
        Err(e) => {
            let status = app::queries::portal::news(&s.app, Some(&p), id)
                .await
                .map(|n| n.status.label())?;
            edit_form(&a, Some(id), status, f, FormErrors::from_error(&e), form_status(&e)).await
        }
    }
}

#[derive(serde::Deserialize)]
struct ActionForm {
    #[serde(default)]
    op: String,
}

async fn action(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<NewsId>,
    CsrfForm(f, _): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    let r = app::portal::news_action(&s.app, &p, id, &f.op, &p.actor(&ip)).await;
    flash_outcome(&a.session, r, "/department/news").await
}

#[derive(Template)]
#[template(path = "department/page_edit.html")]
struct PageEdit {
    ctx: PageCtx,
    slug: String,
    title: &'static str,
    body: String,
    errors: FormErrors,
}

async fn page_edit(
    s: &AppState,
    a: &DepartmentAuth,
    slug: &str,
    body: Option<String>,
    errors: FormErrors,
    code: StatusCode,
) -> Result<Response, WebError> {
    let p = a.principal();
    app::portal::centre_staff(&p)?;
    let title = app::portal::page_title(slug).ok_or_else(|| WebError(app::AppError::not_found()))?;
    let body = match body {
        Some(b) => b,
        None => app::queries::portal::portal_page(&s.app, slug)
            .await?
            .map(|p| p.body)
            .unwrap_or_default(),
    };
    let active = format!("/department/pages/{slug}");
    Ok(render(
        code,
        &PageEdit {
            ctx: PageCtx::new(title, &a.session, Some(&p), &active).await?,
            slug: slug.to_string(),
            title,
            body,
            errors,
        },
    ))
}

async fn page_form(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    page_edit(&s, &a, &slug, None, FormErrors::default(), StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct PageForm {
    #[serde(default)]
    body: String,
}

async fn save_page(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    CsrfForm(f, _): CsrfForm<PageForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    match app::portal::save_page(&s.app, &p, &slug, &f.body, &p.actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "已保存并发布").await?;
            Ok(Redirect::to(&format!("/{slug}")).into_response())
        }
        Err(e) => page_edit(&s, &a, &slug, Some(f.body), FormErrors::from_error(&e), form_status(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "department/questions.html")]
struct QueuePage {
    ctx: PageCtx,
    status: String,
    tabs: Vec<Code>,
    rows: Vec<QuestionRow>,
    pager: Pager,
}

async fn queue(State(s): State<AppState>, a: DepartmentAuth, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let p = a.principal();
    let status = ["open", "answered", "published"]
        .into_iter()
        .find(|s| *s == q.status)
        .unwrap_or_default()
        .to_string();
    let result =
        app::portal::questions::list(&s.app, Some(&p), List::Queue(status.clone()), &q.q, q.page.max(1)).await?;
    Ok(page(&QueuePage {
        ctx: PageCtx::new("在线解答管理", &a.session, Some(&p), "/department/questions").await?,
        tabs: codes(&[
            ("open", "待解答"),
            ("answered", "已解答"),
            ("published", "已公开"),
            ("", "全部"),
        ]),
        pager: Pager::new(result.total, q.page, "/department/questions", &[("status", &status)]),
        rows: rows(result.rows),
        status,
    }))
}

#[derive(Template)]
#[template(path = "department/question.html")]
struct AnswerPage {
    ctx: PageCtx,
    q: app::queries::portal::Question,
    status: &'static str,
    asked: String,
    form: AnswerForm,
    errors: FormErrors,
}

async fn answer_page(
    s: &AppState,
    a: &DepartmentAuth,
    id: QuestionId,
    form: Option<AnswerForm>,
    errors: FormErrors,
    code: StatusCode,
) -> Result<Response, WebError> {
    let p = a.principal();
    app::portal::centre_staff(&p)?;
    let q = app::portal::questions::question(&s.app, id).await?;
    let form = form.unwrap_or_else(|| AnswerForm {
        answer: q.answer.clone().unwrap_or_default(),
        publish: (q.status != QuestionStatus::Answered).then(|| "1".to_string()),
    });
    Ok(render(
        code,
        &AnswerPage {
            ctx: PageCtx::new("解答问题", &a.session, Some(&p), "/department/questions").await?,
            status: q.status.label(),
            asked: datetime(q.created_at),
            q,
            form,
            errors,
        },
    ))
}

async fn question(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<QuestionId>,
) -> Result<Response, WebError> {
    answer_page(&s, &a, id, None, FormErrors::default(), StatusCode::OK).await
}

async fn answer(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<QuestionId>,
    CsrfForm(f, _): CsrfForm<AnswerForm>,
) -> Result<Response, WebError> {
    let p = a.principal();
    match app::portal::questions::answer(&s.app, &p, id, &f, &p.actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "已解答，提问人会收到消息").await?;
            Ok(Redirect::to("/department/questions").into_response())
        }
        Err(e) => answer_page(&s, &a, id, Some(f), FormErrors::from_error(&e), form_status(&e)).await,
    }
}
