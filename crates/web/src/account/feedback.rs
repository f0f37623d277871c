//! 问题反馈 (L-09, I-06) in the three spaces that have it: the learner reports on an
//! outcome others created and follows its reports; the institution that created the
//! outcome — or the department, for the bank's own — lists, opens and answers them.

use app::auth::Principal;
use app::feedback::{Answer, PROBLEMS, Report, problem_label};
use app::queries::FeedbackFilter;
use app::queries::feedback::Feedback;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::ids::{FeedbackId, FileId, HoldingId};
use domain::lifecycle::FeedbackStatus;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, LearnerAuth, SignedIn};
use crate::kit::forms::CsrfMultipart;
use crate::kit::views::{Code, FormErrors, PageCtx, codes, datetime, flash, form_status, page, render, states};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new().route("/learner/outcomes/{id}/feedback", get(report_page).post(report));
    for space in ["learner", "institution", "department"] {
        r = r
            .route(&format!("/{space}/feedback"), get(list))
            .route(&format!("/{space}/feedback/{{id}}"), get(detail).post(answer));
    }
    r
}

fn base(who: &Principal) -> String {
    format!("/{}/feedback", who.role().code())
}

struct Row {
    id: FeedbackId,
    learner: String,
    id_number: String,
    outcome: String,
    issuer: String,
    problem: &'static str,
    content: String,
    created: String,
    status: &'static str,
    status_code: String,
    file: Option<(FileId, String)>,
}

fn row(f: Feedback) -> Row {
    Row {
        id: f.id,
        learner: f.learner_name,
        id_number: domain::mask::id_number(&f.learner_id_number),
        outcome: f.outcome_name,
        issuer: f.issuer,
        problem: problem_label(&f.problem),
        content: f.content,
        created: datetime(f.created_at),
        status: f.status.label(),
        status_code: f.status.code().into(),
        file: f
            .file_id
            .map(|id| (id, f.file_name.unwrap_or_else(|| "反馈文件.pdf".into()))),
    }
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    name: String,
    /// 反馈开始时间 / 反馈结束时间 (yyyy-mm-dd, Beijing days).
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "account/feedback_list.html")]
struct ListPage {
    ctx: PageCtx,
    base: String,
    learner: bool,
    q: ListQuery,
    statuses: Vec<Code>,
    rows: Vec<Row>,
}

async fn list(State(s): State<AppState>, a: SignedIn, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let who = &a.principal;
    let day = |d: &str, next: bool| {
        domain::id_card::parse_date(d).map(|d| domain::time::beijing_start(d) + if next { 86_400 } else { 0 })
    };
    let filter = FeedbackFilter {
        status: FeedbackStatus::parse(&q.status).ok(),
        issuer: Some(q.issuer.trim().to_string()),
        outcome_name: Some(q.name.trim().to_string()),
        from: day(&q.from, false),
        to: day(&q.to, true),
    };
    let rows = app::queries::feedback::list(&s.app, who, &filter)
        .await?
        .into_iter()
        .map(row)
        .collect();
    let base = base(who);
    Ok(page(&ListPage {
        ctx: PageCtx::new("问题反馈", &a.session, Some(who), &base).await?,
        learner: matches!(who, Principal::Learner(_)),
        base,
        q,
        statuses: states::<FeedbackStatus>(),
        rows,
    }))
}

struct ReplyLine {
    author: String,
    body: String,
    at: String,
}

#[derive(Template)]
#[template(path = "account/feedback.html")]
struct DetailPage {
    ctx: PageCtx,
    base: String,
    learner: bool,
    f: Row,
    replies: Vec<ReplyLine>,
    /// The answering side sees 去处理 while the report is open.
    can_answer: bool,
    answer: Answer,
    errors: FormErrors,
}

async fn detail_page(
    s: &AppState,
    a: &SignedIn,
    id: FeedbackId,
    answer: Answer,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let who = &a.principal;
    let (f, replies) = app::queries::feedback::detail(&s.app, who, id).await?;
    let learner = matches!(who, Principal::Learner(_));
    let base = base(who);
    Ok(render(
        status,
        &DetailPage {
            ctx: PageCtx::new("问题反馈详情", &a.session, Some(who), &base).await?,
            base,
            can_answer: !learner && f.status == FeedbackStatus::Open,
            learner,
            f: row(f),
            replies: replies
                .into_iter()
                .map(|r| ReplyLine {
                    author: r.author_name,
                    body: r.body,
                    at: datetime(r.created_at),
                })
                .collect(),
            answer,
            errors,
        },
    ))
}

async fn detail(State(s): State<AppState>, a: SignedIn, Path(id): Path<FeedbackId>) -> Result<Response, WebError> {
    detail_page(&s, &a, id, Answer::default(), FormErrors::default(), StatusCode::OK).await
}

async fn answer(
    State(s): State<AppState>,
    a: SignedIn,
    ClientIp(ip): ClientIp,
    Path(id): Path<FeedbackId>,
    CsrfForm(f, _): CsrfForm<Answer>,
) -> Result<Response, WebError> {
    match app::feedback::answer(&s.app, &a.principal, id, &f, &a.principal.actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "反馈已处理，学员会收到消息").await?;
            Ok(Redirect::to(&format!("{}/{id}", base(&a.principal))).into_response())
        }
        Err(e @ app::AppError::NotFound(_)) => Err(WebError(e)),
        Err(e) => detail_page(&s, &a, id, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "learner/feedback_new.html")]
struct ReportPage {
    ctx: PageCtx,
    id: HoldingId,
    outcome: String,
    issuer: String,
    problems: Vec<Code>,
    form: Report,
    errors: FormErrors,
}

async fn report_form(
    s: &AppState,
    a: &LearnerAuth,
    id: HoldingId,
    form: Report,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let who = Principal::Learner(a.learner.clone());
    let h = app::queries::holdings::get(&s.app, &who, id).await?;
    Ok(render(
        status,
        &ReportPage {
            ctx: PageCtx::new("问题反馈", &a.session, Some(&who), "/learner/outcomes").await?,
            id,
            outcome: h.name,
            issuer: h.issuer,
            problems: codes(&PROBLEMS),
            form,
            errors,
        },
    ))
}

async fn report_page(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(id): Path<HoldingId>,
) -> Result<Response, WebError> {
    report_form(&s, &a, id, Report::default(), FormErrors::default(), StatusCode::OK).await
}

async fn report(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<HoldingId>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let f = Report {
        problem: form.text("problem"),
        content: form.text("content"),
    };
    let file = form
        .file("file")
        .map(|(_, name, bytes)| (name.as_str(), bytes.as_slice()));
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    match app::feedback::report(&s.app, &a.learner, id, &f, file, &actor).await {
        Ok(fid) => {
            flash(&a.session, "ok", "问题反馈已提交，处理结果会通过消息通知您").await?;
            Ok(Redirect::to(&format!("/learner/feedback/{fid}")).into_response())
        }
        Err(e @ app::AppError::NotFound(_)) => Err(WebError(e)),
        Err(e) => report_form(&s, &a, id, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}
