//! The portal's reading pages (P-01, P-04): 工作动态, 业务介绍, 关于我们, the directory of
//! approved institutions, 资历框架等级标准 and 行业标准.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::ids::{CatalogOutcomeId, FileId, InstitutionId, LevelId, NewsId, RuleId};
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract;
use crate::kit::forms::{PER_PAGE, Pager, opt_id};
use crate::kit::views::{Fact, Link, PageCtx, datetime, facts, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/news", get(news_list))
        .route("/news/{id}", get(news_item))
        .route("/business", get(|s, session| portal_page(s, session, "business")))
        .route("/about", get(|s, session| portal_page(s, session, "about")))
        .route("/institutions", get(directory))
        .route("/institutions/{id}", get(institution))
        .route("/framework", get(framework))
        .route("/framework/{id}", get(framework_level))
        .route("/standards", get(standards))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub page: i64,
}

pub struct NewsRow {
    pub id: NewsId,
    pub title: String,
    pub date: String,
}

fn news_rows(rows: Vec<app::queries::portal::News>) -> Vec<NewsRow> {
    rows.into_iter()
        .map(|n| NewsRow {
            id: n.id,
            title: n.title,
            date: datetime(n.published_at.unwrap_or(n.updated_at))
                .chars()
                .take(10)
                .collect(),
        })
        .collect()
}

/// The latest published news, for the home page.
pub async fn latest_news(s: &AppState, n: i64) -> Result<Vec<NewsRow>, WebError> {
    Ok(news_rows(
        app::queries::portal::published_news(&s.app, "", 1, n).await?.rows,
    ))
}

#[derive(Template)]
#[template(path = "public/news.html")]
struct NewsListPage {
    ctx: PageCtx,
    q: String,
    rows: Vec<NewsRow>,
    pager: Pager,
}

async fn news_list(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let result = app::queries::portal::published_news(&s.app, &q.q, q.page.max(1), PER_PAGE).await?;
    Ok(page(&NewsListPage {
        ctx: PageCtx::new("工作动态", &session, who.as_ref(), "").await?,
        pager: Pager::new(result.total, q.page, "/news", &[("q", &q.q)]),
        rows: news_rows(result.rows),
        q: q.q,
    }))
}

#[derive(Template)]
#[template(path = "public/rich_page.html")]
struct RichPage {
    ctx: PageCtx,
    heading: String,
    meta: String,
    /// Sanitised when it was saved (`domain::text::rich`).
    html: String,
    empty: &'static str,
    edit: String,
    /// Where the page's 返回 link leads, and what it says.
    back: Link,
}

async fn news_item(State(s): State<AppState>, session: Session, Path(id): Path<NewsId>) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let n = app::queries::portal::news(&s.app, who.as_ref(), id).await?;
    let status = n.status.label();
    let meta = match n.published_at {
        Some(t) if n.status == domain::lifecycle::NewsStatus::Published => format!("发布时间：{}", datetime(t)),
        _ => format!("状态：{status}（仅管理中心可见）"),
    };
    let edit = if who.as_ref().is_some_and(app::portal::may_edit) {
        format!("/department/news/{id}")
    } else {
        String::new()
    };
    Ok(page(&RichPage {
        ctx: PageCtx::new(&n.title, &session, who.as_ref(), "").await?,
        heading: n.title,
        meta,
        html: n.body_html,
        empty: "",
        edit,
        back: Link {
            href: "/news",
            label: "返回工作动态",
        },
    }))
}

async fn portal_page(State(s): State<AppState>, session: Session, slug: &'static str) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let title = app::portal::page_title(slug).unwrap_or_default();
    let p = app::queries::portal::portal_page(&s.app, slug).await?;
    let edit = if who.as_ref().is_some_and(app::portal::may_edit) {
        format!("/department/pages/{slug}")
    } else {
        String::new()
    };
    Ok(page(&RichPage {
        ctx: PageCtx::new(title, &session, who.as_ref(), "").await?,
        heading: title.to_string(),
        meta: p
            .as_ref()
            .map(|p| format!("更新时间：{}", datetime(p.updated_at)))
            .unwrap_or_default(),
        html: p.map(|p| p.body_html).unwrap_or_default(),
        empty: "管理中心尚未发布本页内容。",
        edit,
        back: Link {
            href: "/",
            label: "返回首页",
        },
    }))
}

struct InstitutionRow {
    id: InstitutionId,
    name: String,
    kind: &'static str,
    code: String,
    school_type: String,
}

#[derive(Template)]
#[template(path = "public/institutions.html")]
struct DirectoryPage {
    ctx: PageCtx,
    q: ListQuery,
    rows: Vec<InstitutionRow>,
    pager: Pager,
}

fn kind_label(kind: &str) -> &'static str {
    if kind == "school" { "院校" } else { "非院校机构" }
}

async fn directory(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let kind = ["school", "organisation"].into_iter().find(|k| *k == q.kind);
    let result = app::queries::portal::directory(&s.app, &q.q, kind, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|i| InstitutionRow {
            id: i.id,
            kind: kind_label(&i.kind),
            name: i.name,
            code: i.code,
            school_type: i.school_type.unwrap_or_default(),
        })
        .collect();
    Ok(page(&DirectoryPage {
        ctx: PageCtx::new("机构名录", &session, who.as_ref(), "").await?,
        pager: Pager::new(result.total, q.page, "/institutions", &[("q", &q.q), ("kind", &q.kind)]),
        rows,
        q,
    }))
}

/// A line of a list that links to a record by its id (an outcome, a rule, a method's file).
struct NamedRow<T> {
    id: T,
    name: String,
    note: String,
}

#[derive(Template)]
#[template(path = "public/institution.html")]
struct InstitutionPage {
    ctx: PageCtx,
    id: InstitutionId,
    name: String,
    facts: Vec<Fact>,
    intro: String,
    outcomes: Vec<NamedRow<CatalogOutcomeId>>,
    outcome_total: i64,
    rules: Vec<NamedRow<RuleId>>,
    methods: Vec<NamedRow<FileId>>,
}

async fn institution(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<InstitutionId>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let i = app::queries::portal::listed_institution(&s.app, id).await?;
    let f = app::queries::CatalogFilter {
        institution_id: Some(i.id),
        ..Default::default()
    };
    let outcomes = app::queries::catalog::search(&s.app, &f, 1, 10).await?;
    let rules = app::queries::conversion::rules(&s.app, app::queries::conversion::RuleList::PublishedBy(i.id), 1, 10)
        .await?
        .rows;
    let methods = app::queries::conversion::methods_of(&s.app, i.id)
        .await?
        .into_iter()
        .filter(|m| m.status == domain::lifecycle::MethodStatus::Published)
        .map(|m| NamedRow {
            id: m.file_id,
            name: m.title,
            note: m.published_at.map(datetime).unwrap_or_default(),
        })
        .collect();
    let opt = |v: Option<String>| v.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "-".into());
    let facts = facts([
        ("机构类型", kind_label(&i.kind).to_string()),
        ("机构代码", i.code.clone()),
        ("办学类型", opt(i.school_type.clone())),
        ("主管单位", opt(i.supervisor.clone())),
        ("通讯地址", opt(i.address.clone())),
        ("邮政编码", opt(i.post_code.clone())),
    ]);
    Ok(page(&InstitutionPage {
        ctx: PageCtx::new(&i.name, &session, who.as_ref(), "").await?,
        id: i.id,
        facts,
        intro: i.intro.clone().unwrap_or_default(),
        outcome_total: outcomes.total,
        outcomes: outcomes
            .rows
            .into_iter()
            .map(|o| NamedRow {
                id: o.id,
                name: o.name,
                note: o.subtype_name,
            })
            .collect(),
        rules: rules
            .into_iter()
            .map(|r| NamedRow {
                id: r.id,
                name: r.name,
                note: r.code,
            })
            .collect(),
        methods,
        name: i.name,
    }))
}

#[derive(Template)]
#[template(path = "public/framework.html")]
struct FrameworkPage {
    ctx: PageCtx,
    levels: Vec<app::queries::portal::Level>,
}

async fn framework(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    Ok(page(&FrameworkPage {
        ctx: PageCtx::new("资历框架等级标准", &session, who.as_ref(), "/framework").await?,
        levels: app::queries::portal::levels(&s.app).await?,
    }))
}

#[derive(Template)]
#[template(path = "public/framework_level.html")]
struct LevelPage {
    ctx: PageCtx,
    l: app::queries::portal::Level,
    outcomes: Vec<NamedRow<CatalogOutcomeId>>,
    outcome_total: i64,
    standards: Vec<app::queries::portal::Standard>,
}

async fn framework_level(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<LevelId>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let l = app::queries::portal::level(&s.app, id).await?;
    let f = app::queries::CatalogFilter {
        framework_level_id: Some(l.id),
        ..Default::default()
    };
    let outcomes = app::queries::catalog::search(&s.app, &f, 1, 50).await?;
    let standards = app::queries::portal::standards(&s.app, "", Some(l.id), 1, 100)
        .await?
        .rows;
    Ok(page(&LevelPage {
        ctx: PageCtx::new(
            &format!("第{}级 {}", l.level, l.name),
            &session,
            who.as_ref(),
            "/framework",
        )
        .await?,
        outcome_total: outcomes.total,
        outcomes: outcomes
            .rows
            .into_iter()
            .map(|o| NamedRow {
                id: o.id,
                name: o.name,
                note: o.institution_name,
            })
            .collect(),
        standards,
        l,
    }))
}

#[derive(Template)]
#[template(path = "public/standards.html")]
struct StandardsPage {
    ctx: PageCtx,
    q: ListQuery,
    levels: Vec<app::queries::portal::Level>,
    rows: Vec<app::queries::portal::Standard>,
    pager: Pager,
}

async fn standards(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let result = app::queries::portal::standards(&s.app, &q.q, opt_id(&q.level), q.page.max(1), PER_PAGE).await?;
    Ok(page(&StandardsPage {
        ctx: PageCtx::new("行业标准查询", &session, who.as_ref(), "/standards").await?,
        levels: app::queries::portal::levels(&s.app).await?,
        pager: Pager::new(result.total, q.page, "/standards", &[("q", &q.q), ("level", &q.level)]),
        rows: result.rows,
        q,
    }))
}
