//! Verifiable credentials on the web: the bank's DID document, its status lists, the
//! learner's download of an outcome's Open Badges credential, and a credential's own
//! address (its `id`), which shows what verifying it finds.

use app::auth::Principal;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::ids::HoldingId;
use serde_json::Value;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, LearnerAuth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/did.json", get(did_document))
        .route("/did.json", get(did_document))
        .route("/credentials/status/{list}", get(status_list))
        .route("/credentials/{number}", get(super::certificates::credential))
        .route("/learner/outcomes/{id}/credential", get(download))
        .route("/learner/credentials/clr", get(download_clr))
        .route("/ctdl/rules", get(ctdl_rules))
        .route("/ctdl/rules/{id}", get(ctdl_rule))
        .route("/ctdl/catalog", get(ctdl_outcomes))
        .route("/ctdl/catalog/{id}", get(ctdl_outcome))
}

/// `?before=` the last id of the previous page; anything else is the first page.
#[derive(serde::Deserialize, Default)]
struct Cursor {
    #[serde(default)]
    before: String,
}

impl Cursor {
    fn id<T: std::str::FromStr>(&self) -> Option<T> {
        self.before.trim().parse().ok()
    }
}

fn ld(doc: &Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        doc.to_string(),
    )
        .into_response()
}

fn id_of<T: std::str::FromStr>(raw: &str) -> Result<T, WebError> {
    raw.parse().map_err(|_| WebError(app::AppError::not_found()))
}

async fn ctdl_rules(State(s): State<AppState>, Query(c): Query<Cursor>) -> Result<Response, WebError> {
    Ok(ld(&app::credentials::ctdl::rules(&s.app, c.id()).await?))
}

async fn ctdl_rule(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, WebError> {
    Ok(ld(&app::credentials::ctdl::rule(&s.app, id_of(&id)?).await?))
}

async fn ctdl_outcomes(State(s): State<AppState>, Query(c): Query<Cursor>) -> Result<Response, WebError> {
    Ok(ld(&app::credentials::ctdl::outcomes(&s.app, c.id()).await?))
}

async fn ctdl_outcome(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, WebError> {
    Ok(ld(&app::credentials::ctdl::outcome(&s.app, id_of(&id)?).await?))
}

/// JSON-LD documents: cacheable for a minute so a burst of verifiers costs one signature.
fn json_ld(doc: &Value, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, cache),
        ],
        doc.to_string(),
    )
        .into_response()
}

async fn did_document(State(s): State<AppState>) -> Result<Response, WebError> {
    Ok(json_ld(
        &app::credentials::did_document(&s.app).await?,
        "public, max-age=300",
    ))
}

async fn status_list(State(s): State<AppState>, Path(list): Path<String>) -> Result<Response, WebError> {
    let list = list
        .parse::<i64>()
        .map_err(|_| app::AppError::NotFound("没有这个状态列表".into()))?;
    Ok(json_ld(
        &app::credentials::status_list(&s.app, list).await?,
        "public, max-age=60",
    ))
}

async fn download(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<HoldingId>,
) -> Result<Response, WebError> {
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    let doc = app::credentials::of_holding(&s.app, &a.learner, id, &actor).await?;
    let number = doc["id"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or("credential");
    attachment(&doc, &format!("{number}.json"))
}

/// CLR 2.0: everything the learner holds, in one signed credential.
async fn download_clr(State(s): State<AppState>, a: LearnerAuth, ClientIp(ip): ClientIp) -> Result<Response, WebError> {
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    match app::credentials::clr_of(&s.app, &a.learner, &actor).await {
        Ok(doc) => attachment(&doc, "clr.json"),
        Err(e @ app::AppError::Conflict(_)) => {
            crate::kit::views::flash(&a.session, "error", e.to_string()).await?;
            Ok(axum::response::Redirect::to("/learner/certificates").into_response())
        }
        Err(e) => Err(WebError(e)),
    }
}

/// A credential as a JSON download.
fn attachment(doc: &Value, file_name: &str) -> Result<Response, WebError> {
    let body = serde_json::to_string_pretty(doc).map_err(|e| app::AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
