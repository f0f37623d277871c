//! One error, rendered twice: an HTML page for browsers, problem+json under `/api`.

use app::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::kit::views::PageCtx;

/// An error shown as an HTML page.
#[derive(Debug)]
pub struct WebError(pub AppError);

impl<E: Into<AppError>> From<E> for WebError {
    fn from(e: E) -> Self {
        WebError(e.into())
    }
}

/// When to try again after a 503 (the database restarting takes a few seconds).
pub const RETRY_SECONDS: u32 = 5;

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Template)]
#[template(path = "kit/error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        if status.is_server_error() {
            tracing::error!(error = ?self.0, "request failed");
        }
        let page = ErrorPage {
            ctx: PageCtx::bare(match status {
                StatusCode::NOT_FOUND => "页面不存在",
                StatusCode::FORBIDDEN => "无权访问",
                _ => "出错了",
            }),
            status: status.as_u16(),
            message: self.0.to_string(),
        };
        let mut r = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.0.to_string()).into_response(),
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, RETRY_SECONDS.into());
        }
        r
    }
}

/// The fallback: an unknown path, shown with the header of whoever is signed in.
pub async fn not_found(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    session: tower_sessions::Session,
) -> WebError {
    if let Err(e) = crate::kit::extract::principal(&session, &s).await {
        return e;
    }
    WebError(AppError::not_found())
}

/// An error rendered as RFC 9457 problem details.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        crate::api::problem::Problem::from(self.0).into_response()
    }
}

/// A request beyond `max_in_flight`: refused at once with 503 and `Retry-After`, a
/// problem document for the API and a short page for browsers.
pub async fn overloaded(uri: axum::http::Uri, _: tower::BoxError) -> Response {
    const DETAIL: &str = "服务器繁忙，请稍后重试";
    if uri.path().starts_with("/api/") {
        return crate::api::problem::Problem::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", DETAIL)
            .retry_after(RETRY_SECONDS.into())
            .into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (axum::http::header::RETRY_AFTER, RETRY_SECONDS.to_string()),
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
        ],
        format!("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{DETAIL}</title><p>{DETAIL}。</p></html>"),
    )
        .into_response()
}
