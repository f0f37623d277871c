//! 成果转换 (L-10, L-11): the rules the learner's stored outcomes meet, applying, and the
//! records of its applications.

use app::auth::Principal;
use app::queries::ApplicationFilter;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{HoldingId, RuleId};

use crate::AppState;
use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, LearnerAuth};
use crate::kit::forms::{CsrfMultipart, Pager};
use crate::kit::views::{FormErrors, PageCtx, flash, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learner/conversions/rules", get(learner_rules))
        .route("/learner/conversions/apply", post(learner_apply))
        .route("/learner/conversions", get(learner_records))
        .route("/learner/rules/{id}", get(learner_rule))
}

struct MatchRow {
    id: RuleId,
    code: String,
    name: String,
    institution: String,
    uses: String,
    gains: String,
    applied: bool,
}

#[derive(Template)]
#[template(path = "learner/conversion_rules.html")]
struct LearnerRulesPage {
    ctx: PageCtx,
    /// The stored outcome whose 转换 led here.
    for_outcome: Option<String>,
    rows: Vec<MatchRow>,
    outcomes: Vec<app::queries::conversion::OutcomeUse>,
    /// The two-stage chain asks for materials with each application.
    materials: bool,
}

#[derive(serde::Deserialize, Default)]
struct RulesQuery {
    /// 转换 on one stored outcome: only the rules that use it.
    outcome: Option<HoldingId>,
}

async fn learner_rules(
    State(s): State<AppState>,
    a: LearnerAuth,
    axum::extract::Query(q): axum::extract::Query<RulesQuery>,
) -> Result<Response, WebError> {
    let (found, outcomes) = app::queries::conversion::learner_matches(&s.app, &a.learner).await?;
    let for_outcome = match q.outcome {
        Some(id) => Some(
            app::queries::holdings::get(&s.app, &Principal::Learner(a.learner.clone()), id)
                .await?
                .name,
        ),
        None => None,
    };
    let rows = found
        .into_iter()
        .filter(|m| q.outcome.is_none_or(|id| m.holdings.contains(&id)))
        .map(|m| MatchRow {
            applied: m.applied,
            id: m.rule.id,
            code: m.rule.code,
            name: m.rule.name,
            institution: m.rule.institution_name,
            uses: m.uses.join("、"),
            gains: m.gains.join("、"),
        })
        .collect();
    let ctx = PageCtx::new(
        "成果转换",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/conversions/rules",
    )
    .await?;
    let materials = app::conversion::chain(&s.app).await? == app::conversion::Chain::TwoStage;
    Ok(page(&LearnerRulesPage {
        ctx,
        for_outcome,
        rows,
        outcomes,
        materials,
    }))
}

async fn learner_apply(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let rule: RuleId = form.text("rule").parse().map_err(|_| not_found())?;
    let result = async {
        let materials: Vec<(&str, &[u8])> = form
            .files
            .iter()
            .filter(|f| f.0 == "file")
            .map(|(_, name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        app::conversion::apply(
            &s.app,
            &a.learner,
            rule,
            &materials,
            &Principal::Learner(a.learner.clone()).actor(&ip),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "转换申请已提交，等待审核").await?;
            Ok(Redirect::to("/learner/conversions?tab=pending").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            Ok(Redirect::to("/learner/conversions/rules").into_response())
        }
    }
}

async fn learner_records(
    State(s): State<AppState>,
    a: LearnerAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let statuses: Vec<&'static str> = match q.tab.as_str() {
        "pending" => vec!["pending", "initial_passed"],
        "failed" => vec!["failed"],
        _ => vec!["passed"],
    };
    let me = Principal::Learner(a.learner.clone());
    let mut counts = Vec::new();
    for st in [vec!["passed"], vec!["pending", "initial_passed"], vec!["failed"]] {
        let f = ApplicationFilter {
            statuses: st,
            ..Default::default()
        };
        counts.push(app::queries::conversion::count_applications(&s.app, &me, f).await?);
    }
    let f = ApplicationFilter {
        statuses,
        ..Default::default()
    };
    let (rows, total) = app_rows(&s, &me, &q.narrow(f), q.page, true).await?;
    let ctx = PageCtx::new(
        "转换记录",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/conversions",
    )
    .await?;
    let current = if q.tab.is_empty() { "passed" } else { q.tab.as_str() };
    Ok(page(&AppsPage {
        ctx,
        batches: Vec::new(),
        batch: String::new(),
        heading: "转换记录",
        tabs: vec![
            tab(
                &format!("转换成功 {}", counts[0]),
                "/learner/conversions?tab=passed",
                current == "passed",
            ),
            tab(
                &format!("审核中 {}", counts[1]),
                "/learner/conversions?tab=pending",
                current == "pending",
            ),
            tab(
                &format!("转换失败 {}", counts[2]),
                "/learner/conversions?tab=failed",
                current == "failed",
            ),
        ],
        rows,
        empty: "暂无转换记录。在“成果转换”中查看可申请的规则。",
        action: "",
        reviewing: false,
        certificates: true,
        export_tab: None,
        filter: q.shown("/learner/conversions"),
        opinion: String::new(),
        errors: FormErrors::default(),
        pager: Pager::new(total, q.page, "/learner/conversions", &[("tab", &q.tab)]),
    }))
}

async fn learner_rule(State(s): State<AppState>, a: LearnerAuth, Path(id): Path<RuleId>) -> Result<Response, WebError> {
    let rule = app::queries::conversion::rule(&s.app, Some(&Principal::Learner(a.learner.clone())), id).await?;
    let can_apply = app::queries::conversion::learner_may_apply(&s.app, &a.learner, id).await?;
    let ctx = PageCtx::new(
        "转换规则",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/conversions/rules",
    )
    .await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own: false,
            can_take_down: false,
            can_apply,
            back: "/learner/conversions/rules",
        },
    )
    .await
}
