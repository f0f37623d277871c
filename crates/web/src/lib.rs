//! The web face of the bank: server-rendered Chinese pages per role, and a JSON API
//! under `/api` with RFC 9457 errors. Handlers take an extractor that says who may call
//! them, call a use case in `app`, and render.

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
    Router::new()
        .merge(public::routes())
        .merge(learner::routes())
        .merge(institution::routes())
        .merge(department::routes())
        .merge(expert::routes())
        .merge(api::routes(state.clone()))
        .fallback(kit::error::not_found)
        .with_state(state)
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(12 * 1024 * 1024))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}

/// Serves on a bound listener until Ctrl-C, with a background task that purges expired
/// codes and sessions.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    tokio::spawn(app::jobs::worker(app.clone()));
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
