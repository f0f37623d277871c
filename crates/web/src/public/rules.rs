//! 转换规则 (P-02): the public catalog of published rules and conversion methods.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::ids::RuleId;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{self};
use crate::kit::forms::{PER_PAGE, Pager};
use crate::kit::views::{PageCtx, datetime, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rules", get(public_rules))
        .route("/rules/{id}", get(public_rule))
}

#[derive(serde::Deserialize, Default)]
struct PublicQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

struct RuleLine {
    id: RuleId,
    code: String,
    name: String,
    kind: String,
    institution: String,
    published: String,
}

struct MethodLine {
    title: String,
    institution: String,
    published: String,
}

#[derive(Template)]
#[template(path = "public/rules.html")]
struct PublicRulesPage {
    ctx: PageCtx,
    q: String,
    rows: Vec<RuleLine>,
    methods: Vec<MethodLine>,
    pager: Pager,
}

async fn public_rules(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<PublicQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let list = app::queries::conversion::RuleList::Public(q.q.clone());
    let result = app::queries::conversion::rules(&s.app, list, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|r| RuleLine {
            published: r.published_at.map(datetime).unwrap_or_default(),
            id: r.id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            institution: r.institution_name,
        })
        .collect();
    let methods = app::queries::conversion::published_methods(&s.app)
        .await?
        .into_iter()
        .map(|m| MethodLine {
            published: m.published_at.map(datetime).unwrap_or_default(),
            title: m.title,
            institution: m.institution_name,
        })
        .collect();
    let pager = Pager::new(result.total, q.page, "/rules", &[("q", &q.q)]);
    Ok(page(&PublicRulesPage {
        ctx: PageCtx::new("转换规则", &session, who.as_ref(), "").await?,
        q: q.q,
        rows,
        methods,
        pager,
    }))
}

async fn public_rule(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<RuleId>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let rule = app::queries::conversion::rule(&s.app, None, id).await?;
    let ctx = PageCtx::new("转换规则", &session, who.as_ref(), "").await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own: false,
            can_take_down: false,
            can_apply: false,
            back: "/rules",
        },
    )
    .await
}
