//! The web face of the bank: server-rendered Chinese pages per role, and a JSON API
//! under `/api` with RFC 9457 errors. Handlers take an extractor that says who may call
//! them, call a use case in `app`, and render.

mod account;
mod api;
mod department;
mod expert;
mod institution;
mod kit;
mod learner;
mod public;

use std::net::SocketAddr;
use std::time::Duration;

use app::App;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use kit::error::WebError;

/// The API's OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(api::documented().1).unwrap_or_default()
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// Requests are at most this large: a 10 MB upload with the rest of its form.
const REQUEST_LIMIT: usize = 12 * 1024 * 1024;

/// The request limit answers with plain text; people get a page and programs a problem
/// document instead.
async fn too_large_as_page(
    req_path: axum::extract::OriginalUri,
    res: axum::response::Response,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if res.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE
        || res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes().starts_with(b"application/problem+json") || v.as_bytes().starts_with(b"text/html")
        })
    {
        return res;
    }
    let message = "上传的内容过大：文件不能超过10MB，更大的文件请用 creditbank import 导入";
    if req_path.path().starts_with("/api") {
        api::problem::Problem::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
            .into_response()
    } else {
        let mut r = WebError(app::AppError::field("file", message)).into_response();
        *r.status_mut() = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
        r
    }
}

/// Sessions idle for this long expire.
const SESSION_IDLE: time::Duration = time::Duration::hours(2);

/// The whole router: pages, API, static files, with sessions and security headers.
pub fn router(app: App) -> Router {
    let secure = app.config.secure_cookies;
    let sessions = SessionManagerLayer::new(app.session_store())
        .with_name("cb_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));
    let state = AppState { app };
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let shed = tower::ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(kit::error::overloaded))
        .load_shed()
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            state.app.config.max_in_flight.max(1),
        ));
    let probes = public::health::routes().with_state(state.clone());
    Router::new()
        .merge(public::routes())
        .merge(account::routes())
        .merge(learner::routes())
        .merge(institution::routes())
        .merge(department::routes())
        .merge(expert::routes())
        .merge(api::routes(state.clone()))
        .fallback(kit::error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), kit::viewer::layer))
        .with_state(state)
        .layer(sessions)
        // Past `max_in_flight` a request is answered 503 at once; the probes are not
        // counted, so a busy process is not taken out of the balancer for being busy.
        .layer(shed)
        .merge(probes)
        // Uploads (10 MB files) must not be cut off by the multipart reader's own 2 MB
        // default; the request limit below is the one that holds.
        .layer(axum::extract::DefaultBodyLimit::max(REQUEST_LIMIT))
        .layer(RequestBodyLimitLayer::new(REQUEST_LIMIT))
        .layer(axum::middleware::map_response(too_large_as_page))
        // Pages show personal data: no shared or back-button cache keeps them (static
        // files set their own).
        .layer(header(header::CACHE_CONTROL, "no-store"))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}

/// Serves on a bound listener until Ctrl-C, with a background task that purges expired
/// codes and sessions, and a job worker unless the configuration leaves jobs to
/// `creditbank worker` processes.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    if app.config.serve_runs_jobs {
        tokio::spawn(app::jobs::worker(app.clone()));
    }
    let housekeeping = app.clone();
    tokio::spawn(async move {
        loop {
            housekeeping.housekeeping().await;
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    });
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
