//! 业绩类成果转换申请 (Guangdong learner manual, 五): the learner's 业绩类 outcomes with
//! where each conversion stands, the 成果选择 of a target (项目名称 / 成果名称 /
//! 资历机构名称), the request and its review record.

use app::auth::Principal;
use app::queries::CatalogFilter;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::ids::{CatalogOutcomeId, HoldingId, PerformanceId};

use crate::AppState;
use crate::kit::conversion::Shown;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, LearnerAuth};
use crate::kit::forms::{self, Pager};
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learner/performance", get(list).post(apply))
        .route("/learner/performance/apply", get(choose))
        .route("/learner/performance/{id}", get(detail))
}

const PATH: &str = "/learner/performance";

fn me(a: &LearnerAuth) -> Principal {
    Principal::Learner(a.learner.clone())
}

struct Row {
    id: HoldingId,
    name: String,
    category: String,
    subtype: String,
    source: &'static str,
    state: &'static str,
    added: String,
    request: Option<PerformanceId>,
    may_apply: bool,
}

#[derive(Template)]
#[template(path = "learner/performance.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<Row>,
    name: String,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    name: String,
}

async fn list(State(s): State<AppState>, a: LearnerAuth, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let found = app::conversion::performance::candidates(&s.app, &a.learner).await?;
    let rows = found
        .into_iter()
        .filter(|c| q.name.trim().is_empty() || c.outcome.name.contains(q.name.trim()))
        .map(|c| Row {
            state: c.state(),
            may_apply: c.may_apply(),
            request: c.request.map(|(id, _)| id),
            id: c.outcome.id,
            category: c.outcome.type_name.clone(),
            subtype: c.outcome.subtype_name.clone(),
            source: app::holdings::source_label(&c.outcome.source),
            added: datetime(c.outcome.created_at).chars().take(10).collect(),
            name: c.outcome.name,
        })
        .collect();
    let ctx = PageCtx::new("业绩类成果转换申请", &a.session, Some(&me(&a)), PATH).await?;
    Ok(page(&ListPage {
        ctx,
        rows,
        name: q.name,
    }))
}

/// The 成果选择 dialog of the manual as a page: search, pick one, confirm.
#[derive(serde::Deserialize, Default)]
struct ChooseQuery {
    #[serde(default)]
    outcome: HoldingId,
    #[serde(default)]
    major: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    page: i64,
}

struct Choice {
    id: CatalogOutcomeId,
    major: String,
    name: String,
    institution: String,
    credits: String,
}

#[derive(Template)]
#[template(path = "learner/performance_apply.html")]
struct ChoosePage {
    ctx: PageCtx,
    outcome: HoldingId,
    outcome_name: String,
    q: ChooseQuery,
    choices: Vec<Choice>,
    pager: Pager,
    target: CatalogOutcomeId,
    errors: FormErrors,
}

async fn choose_page(
    s: &AppState,
    a: &LearnerAuth,
    q: ChooseQuery,
    target: CatalogOutcomeId,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let c = app::conversion::performance::candidates(&s.app, &a.learner)
        .await?
        .into_iter()
        .find(|c| c.outcome.id == q.outcome)
        .ok_or_else(|| WebError(app::AppError::not_found()))?;
    let f = CatalogFilter {
        recognition: Some(domain::lifecycle::CatalogRecognition::Recognised),
        major: Some(q.major.clone()),
        name: Some(q.name.clone()),
        institution: Some(q.institution.clone()),
        ..Default::default()
    };
    let found = app::queries::catalog::search(&s.app, &f, q.page.max(1), forms::PER_PAGE).await?;
    let choices = found
        .rows
        .into_iter()
        .map(|o| Choice {
            major: serde_json::from_str::<std::collections::BTreeMap<String, serde_json::Value>>(&o.fields)
                .ok()
                .and_then(|m| m.get("major").and_then(|v| v.as_str()).map(str::to_string))
                .unwrap_or_else(|| "-".into()),
            credits: o
                .credits
                .map(|c| domain::credits::Credits(c).to_string())
                .unwrap_or_else(|| "-".into()),
            id: o.id,
            name: o.name,
            institution: o.institution_name,
        })
        .collect();
    let outcome = q.outcome.to_string();
    let pager = Pager::new(
        found.total,
        q.page,
        "/learner/performance/apply",
        &[
            ("outcome", &outcome),
            ("major", &q.major),
            ("name", &q.name),
            ("institution", &q.institution),
        ],
    );
    let ctx = PageCtx::new("成果选择", &a.session, Some(&me(a)), PATH).await?;
    Ok(render(
        status,
        &ChoosePage {
            ctx,
            outcome: c.outcome.id,
            outcome_name: c.outcome.name,
            q,
            choices,
            pager,
            target,
            errors,
        },
    ))
}

async fn choose(State(s): State<AppState>, a: LearnerAuth, Query(q): Query<ChooseQuery>) -> Result<Response, WebError> {
    choose_page(
        &s,
        &a,
        q,
        CatalogOutcomeId::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(serde::Deserialize)]
struct ApplyForm {
    #[serde(default)]
    outcome: HoldingId,
    #[serde(default)]
    target: String,
    #[serde(default)]
    major: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    institution: String,
}

async fn apply(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ApplyForm>,
) -> Result<Response, WebError> {
    let target = forms::opt_id(&f.target);
    let result = match target {
        Some(t) => app::conversion::performance::apply(&s.app, &a.learner, f.outcome, t, &me(&a).actor(&ip)).await,
        None => Err(app::AppError::field("target", "请选择拟转换的目标成果")),
    };
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "提交成功").await?;
            Ok(Redirect::to(PATH).into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let q = ChooseQuery {
                outcome: f.outcome,
                major: f.major,
                name: f.name,
                institution: f.institution,
                page: 1,
            };
            choose_page(
                &s,
                &a,
                q,
                target.unwrap_or_default(),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn detail(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(id): Path<PerformanceId>,
) -> Result<Response, WebError> {
    crate::kit::performance::detail(&s, &me(&a), &a.session, PATH, id, String::new(), Shown::ok()).await
}
