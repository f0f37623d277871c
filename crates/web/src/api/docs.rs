//! The OpenAPI document and its interactive page (Swagger UI from the `swagger-ui-dist`
//! npm package, copied by `scripts/vendor.sh` and embedded: no CDN).

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

const BUNDLE: &str = include_str!("../../static/vendor/swagger-ui/swagger-ui-bundle.js");
const CSS: &str = include_str!("../../static/vendor/swagger-ui/swagger-ui.css");

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>学分银行接口文档</title>
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script>
</body>
</html>
"#;

const INIT: &str = r##"window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  persistAuthorization: false
});
"##;

/// Swagger UI styles itself with inline styles; its page (and only its page) allows
/// them. Scripts stay same-origin.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let json = serde_json::to_string(&*doc).unwrap_or_default();
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let json = json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], json) }
            }),
        )
        .route("/api/v1/docs", get(page))
        .route("/api/v1/docs/init.js", get(|| asset("text/javascript", INIT)))
        .route(
            "/api/v1/docs/swagger-ui-bundle.js",
            get(|| asset("text/javascript", BUNDLE)),
        )
        .route("/api/v1/docs/swagger-ui.css", get(|| asset("text/css", CSS)))
}

async fn page() -> Response {
    ([(header::CONTENT_SECURITY_POLICY, DOCS_CSP)], Html(PAGE)).into_response()
}

async fn asset(mime: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
