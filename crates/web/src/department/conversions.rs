//! The department's side of conversion (M-03): the initial review of the two-stage chain
//! and the published rules of its scope, which it may take down (下架).

use app::conversion::Reviewer;
use app::queries::ApplicationFilter;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::RuleId;

use crate::AppState;
use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::forms::PER_PAGE;
use crate::kit::views::{PageCtx, flash, flash_outcome, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/conversions", get(dept_review).post(dept_decide))
        .route("/department/rules", get(dept_rules))
        .route("/department/rules/{id}", get(dept_rule))
        .route("/department/rules/{id}/take-down", post(take_down))
}

fn dept_filter(a: &DepartmentAuth) -> ApplicationFilter {
    ApplicationFilter {
        departments: Some(a.scope.clone()),
        statuses: vec!["pending"],
        ..Default::default()
    }
}

async fn dept_review(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let ctx = PageCtx::new(
        "转换申请初审",
        &a.session,
        Some(&a.principal()),
        "/department/conversions",
    )
    .await?;
    two_stage_page(
        &s,
        &a.principal(),
        ctx,
        INITIAL,
        &dept_filter(&a),
        String::new(),
        Shown::ok(),
    )
    .await
}

async fn dept_decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &a.principal(), &dept_filter(&a), &pairs).await?;
    match app::conversion::review(
        &s.app,
        Reviewer::Department(&a.scope),
        &ids,
        f.decision == "pass",
        &f.opinion,
        &a.principal().actor(&ip),
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已初审{n}条申请")).await?;
            Ok(Redirect::to("/department/conversions").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let ctx = PageCtx::new(
                "转换申请初审",
                &a.session,
                Some(&a.principal()),
                "/department/conversions",
            )
            .await?;
            two_stage_page(
                &s,
                &a.principal(),
                ctx,
                INITIAL,
                &dept_filter(&a),
                f.opinion,
                Shown::from(&e),
            )
            .await
        }
    }
}

async fn dept_rules(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<RuleQuery>,
) -> Result<Response, WebError> {
    let list = app::queries::conversion::RuleList::Departments(&a.scope);
    let result = app::queries::conversion::rules_matching(&s.app, list, &q.search(), q.page.max(1), PER_PAGE).await?;
    let ctx = PageCtx::new("转换规则管理", &a.session, Some(&a.principal()), "/department/rules").await?;
    Ok(page(&rules_page(ctx, "/department/rules", "department", q, result)))
}

async fn dept_rule(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<RuleId>) -> Result<Response, WebError> {
    let rule = app::queries::conversion::rule(&s.app, Some(&a.principal()), id).await?;
    let can_take_down = rule.status == domain::lifecycle::RuleStatus::Published;
    let ctx = PageCtx::new("转换规则", &a.session, Some(&a.principal()), "/department/rules").await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own: false,
            can_take_down,
            can_apply: false,
            back: "/department/rules",
        },
    )
    .await
}

#[derive(serde::Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn take_down(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<RuleId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ReasonForm>,
) -> Result<Response, WebError> {
    let result = app::conversion::take_down(&s.app, &a.scope, id, &f.reason, &a.principal().actor(&ip))
        .await
        .map(|()| "规则已下架".to_string());
    flash_outcome(&a.session, result, &format!("/department/rules/{id}")).await
}
