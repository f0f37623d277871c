//! 统计分析 (M-03): charts of the department's scope, each with its numbers as a table,
//! and the whole as an .xlsx workbook.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, DepartmentAuth};
use crate::kit::views::{PageCtx, page, xlsx_download};
use crate::public::portal::asset;

const ECHARTS: &str = include_str!("../../static/vendor/echarts/echarts.min.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/statistics", get(dashboard))
        .route("/department/statistics/export", get(export))
        .route(
            "/static/vendor/echarts.min.js",
            get(|| asset("text/javascript; charset=utf-8", ECHARTS)),
        )
        .route(
            "/static/statistics.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../static/statistics.js"),
                )
            }),
        )
}

#[derive(Template)]
#[template(path = "department/statistics.html")]
struct DashboardPage {
    ctx: PageCtx,
    scope_label: String,
    /// When the numbers were counted, Beijing time.
    counted_at: String,
    tables: Vec<app::statistics::Table>,
    /// The tables as JSON for the charts, `<` escaped so it cannot close the script.
    data: String,
}

async fn dashboard(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let p = a.principal();
    let stats = app::statistics::dashboard(&s.app, &p).await?;
    let data = serde_json::to_string(&stats.tables)
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c");
    Ok(page(&DashboardPage {
        ctx: PageCtx::new("统计分析", &a.session, Some(&p), "/department/statistics").await?,
        scope_label: stats.scope_label,
        counted_at: domain::time::beijing(stats.computed_at),
        tables: stats.tables,
        data,
    }))
}

async fn export(State(s): State<AppState>, a: DepartmentAuth, ClientIp(ip): ClientIp) -> Result<Response, WebError> {
    let p = a.principal();
    let bytes = app::statistics::export(&s.app, &p, &p.actor(&ip)).await?;
    let name = format!("统计分析_{}.xlsx", domain::time::today().format("%Y%m%d"));
    Ok(xlsx_download(&name, bytes))
}
