//! X证书同步记录: the centre sees each run of the certificate feed — when, why, what it
//! fetched, stored, updated, revoked and refused — and the refused records' reasons.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::ids::SyncRunId;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::DepartmentAuth;
use crate::kit::views::{PageCtx, datetime, page};

pub fn routes() -> Router<AppState> {
    Router::new().route("/department/sync", get(runs))
}

struct RunRow {
    id: SyncRunId,
    started: String,
    trigger: &'static str,
    status: &'static str,
    counts: String,
    error: String,
}

#[derive(Template)]
#[template(path = "department/sync.html")]
struct RunsPage {
    ctx: PageCtx,
    configured: bool,
    rows: Vec<RunRow>,
    /// The run whose refused records are shown, and them.
    shown: Option<SyncRunId>,
    rejections: Vec<app::xcert::Rejection>,
}

#[derive(serde::Deserialize, Default)]
struct RunQuery {
    #[serde(default)]
    run: Option<SyncRunId>,
}

async fn runs(State(s): State<AppState>, a: DepartmentAuth, Query(q): Query<RunQuery>) -> Result<Response, WebError> {
    let p = a.principal();
    let rows = app::xcert::recent(&s.app, &p)
        .await?
        .into_iter()
        .map(|r| RunRow {
            id: r.id,
            started: datetime(r.started_at),
            trigger: if r.trigger == "manual" { "手动" } else { "定时" },
            status: r.status.label(),
            counts: format!(
                "获取 {} · 新增 {} · 更新 {} · 撤销 {} · 拒绝 {}",
                r.fetched, r.stored, r.updated, r.revoked, r.rejected
            ),
            error: r.error.unwrap_or_default(),
        })
        .collect();
    let rejections = match q.run {
        Some(run) => app::xcert::rejections(&s.app, &p, run).await?,
        None => Vec::new(),
    };
    Ok(page(&RunsPage {
        ctx: PageCtx::new("X证书同步记录", &a.session, Some(&p), "/department/sync").await?,
        configured: !s.app.config.xcert.feed_url.trim().is_empty(),
        rows,
        shown: q.run,
        rejections,
    }))
}
