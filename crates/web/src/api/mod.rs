//! `/api/v1`: the JSON API for institution systems. It calls the same `app` use
//! cases and queries as the pages, through the same role and scope checks; errors are
//! RFC 9457 problem documents; POSTs honour `Idempotency-Key`. The OpenAPI 3.1 document
//! is generated from the handlers (utoipa) and served with an interactive page.

pub mod auth;
mod conversion;
mod credentials;
mod docs;
mod exports;
pub mod extract;
mod holdings;
mod idempotency;
mod imports;
mod learners;
mod outcomes;
pub mod problem;
mod public;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "学分银行接口 creditbank API",
        description = "机构系统（教务系统、培训平台）与学分银行对接的接口。使用机构主账号在“机构账户 → 接口密钥”中创建的密钥，\
            以 `Authorization: Bearer cbk_…` 调用；已登录的浏览器会话也可调用（写操作须带 `X-CSRF-Token`）。\
            错误为 RFC 9457 problem+json，含稳定的 `code`；所有 POST 接受 `Idempotency-Key`。列表按游标分页。",
        version = "1.0.0"
    ),
    modifiers(&Security),
    tags(
        (name = "账户", description = "调用者"),
        (name = "机构成果", description = "机构的成果名录"),
        (name = "学员账户", description = "机构预导入的学员账户"),
        (name = "学员成果", description = "为学员存储、查询、撤回成果"),
        (name = "导入", description = "上传 xlsx 批量导入及其进度、记录"),
        (name = "导出", description = "按列表的筛选条件导出 xlsx"),
        (name = "转换规则", description = "机构的转换规则"),
        (name = "转换申请", description = "转换申请的审核与记录"),
        (name = "消息", description = "我的消息"),
        (name = "部门", description = "综合管理部门"),
        (name = "公开", description = "无需登录"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cbk_<prefix>_<secret>")
                    .description(Some("机构接口密钥"))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "cb_session",
                "已登录的浏览器会话（写操作另须 X-CSRF-Token 请求头）",
            ))),
        );
    }
}

/// The answer of a DELETE.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub id: i64,
    pub deleted: bool,
}

/// A time as RFC 3339 in Beijing time.
pub fn beijing(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .and_then(|d| chrono::FixedOffset::east_opt(8 * 3600).map(|o| d.with_timezone(&o).to_rfc3339()))
        .unwrap_or_default()
}

/// The documented routes and their OpenAPI document.
pub fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public::routes())
        .merge(credentials::routes())
        .merge(outcomes::routes())
        .merge(learners::routes())
        .merge(holdings::routes())
        .merge(imports::routes())
        .merge(conversion::routes())
        .merge(exports::routes())
        .split_for_parts()
}

/// The whole API: documented routes, the document, the documentation page, and a
/// problem document for anything else under `/api`.
pub fn routes(state: AppState) -> Router<AppState> {
    let (api, doc) = documented();
    let doc = Arc::new(doc);
    api.merge(docs::routes(doc))
        .route_layer(axum::middleware::from_fn_with_state(state, idempotency::layer))
        // Uploads are limited to 10 MB by the import checks; the multipart reader's
        // own limit (axum's 2 MB default) must not cut them off first.
        .layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024))
        .route("/api", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "接口不存在")
}
