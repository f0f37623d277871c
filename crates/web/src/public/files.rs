//! Serving uploaded files, only to those who may see an outcome they belong to, with
//! headers that keep the browser from treating them as anything but what they are.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::ids::FileId;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract;

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/{id}", get(download))
}

async fn download(State(s): State<AppState>, session: Session, Path(id): Path<FileId>) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let file = app::queries::files::readable(&s.app, who.as_ref(), id).await?;
    serve(&s, &file).await
}

async fn serve(s: &AppState, file: &app::queries::StoredFile) -> Result<Response, WebError> {
    let bytes = app::queries::files::bytes(&s.app, file).await?;
    // The name was cleaned on upload; percent-encode it for the header.
    let encoded = crate::kit::views::header_file_name(&file.original_name);
    Ok((
        [
            (header::CONTENT_TYPE, file.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
