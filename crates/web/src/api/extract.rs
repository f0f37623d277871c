//! Request parts as the API reads them: every rejection is a problem document, never
//! axum's plain-text default.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use domain::ids::RawId;
use serde::de::DeserializeOwned;

use super::problem::Problem;

/// JSON bodies are at most this large; imports are uploaded as multipart.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// Bodies that carry a document (base64) may be as large as any request.
pub const DOCUMENT_LIMIT: usize = 12 * 1024 * 1024;

/// A JSON request body of at most `LIMIT` bytes, read but not yet judged: the handler
/// takes it (`body.take()?`) after it has checked who is calling, so a caller who may
/// not use an endpoint is refused as such whatever it sent.
pub struct Body<T, const LIMIT: usize = JSON_LIMIT>(Result<T, Problem>);

impl<T, const LIMIT: usize> Body<T, LIMIT> {
    pub fn take(self) -> Result<T, Problem> {
        self.0
    }
}

impl<S: Send + Sync, T: DeserializeOwned, const LIMIT: usize> FromRequest<S> for Body<T, LIMIT> {
    type Rejection = Problem;
    async fn from_request(req: Request, _: &S) -> Result<Self, Problem> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.ends_with("+json")
            });
        if !json {
            return Ok(Body(Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求内容须为 JSON（Content-Type: application/json）",
            ))));
        }
        // Too large is refused at once: the rest of the body is never read.
        let bytes = axum::body::to_bytes(req.into_body(), LIMIT).await.map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("请求内容不能超过{}KB", LIMIT / 1024),
            )
        })?;
        Ok(Body(parse(&bytes)))
    }
}

/// Parses a JSON body: broken JSON is 400, JSON that does not fit the schema (a wrong
/// type, a missing or unknown field) is 422 naming the field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => {
                let msg = e.to_string();
                let field = msg
                    .split('`')
                    .nth(1)
                    .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
                    .unwrap_or("body")
                    .to_string();
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    format!("请求内容不符合接口定义：{msg}"),
                )
                .with_field(field, msg)
            }
            _ => Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("请求内容不是有效的 JSON：{e}"),
            ),
        }
    })
}

/// Query parameters.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::from_request_parts(parts, s)
            .await
            .map(|q| Params(q.0))
            .map_err(|e: QueryRejection| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("查询参数有误：{}", e.body_text()),
                )
            })
    }
}

/// The id in the path, of the record type the route names (`Id<RuleId>`); anything that
/// is not an id is "not found".
pub struct Id<T>(pub T);

impl<S: Send + Sync, T: RawId> FromRequestParts<S> for Id<T> {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Problem> {
        axum::extract::Path::<i64>::from_request_parts(parts, s)
            .await
            .map(|p| Id(T::from_raw(p.0)))
            .map_err(|_: PathRejection| Problem::new(StatusCode::NOT_FOUND, "not_found", "资源不存在"))
    }
}

/// Cursor pagination: `?cursor=…&limit=…`. The cursor is the id of the last row of the
/// previous page; rows come newest first.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
    /// Rows per page, 1-200 (default 50).
    pub limit: Option<i64>,
}

impl PageQuery {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }

    /// The id rows must be below, from the cursor.
    pub fn before<T: RawId>(&self) -> Result<Option<T>, Problem> {
        match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(c) => c
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(|id| Some(T::from_raw(id)))
                .ok_or_else(|| {
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_cursor",
                        "cursor 无效，请使用上一页返回的 next_cursor",
                    )
                }),
        }
    }
}

/// The cursor of the page after `rows` (ids, newest first), if it was full.
pub fn next_cursor<T: RawId>(ids: impl Iterator<Item = T>, count: usize, limit: i64) -> Option<String> {
    if (count as i64) < limit {
        return None;
    }
    ids.last().map(|id| id.into().to_string())
}
