//! `Idempotency-Key` on POST: the first answer to a (caller, key) is kept for a day; a
//! retry with the same key and the same request gets that answer again and changes
//! nothing; the same key with another request is refused. A request that failed with a
//! server error before committing anything is forgotten, so its retry runs again; one
//! that committed and then failed (its answer lost) is never run again.

use app::api_keys::Claim;
use app::auth::Principal;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::problem::Problem;
use crate::AppState;
use crate::kit::extract;

/// Requests (imports included) are at most this large.
const REQUEST_LIMIT: usize = 12 * 1024 * 1024;
/// Answers kept are at most this large.
const ANSWER_LIMIT: usize = 4 * 1024 * 1024;

/// Who a key belongs to, so that two callers' keys never collide: the API key's prefix,
/// or the signed-in account.
async fn caller_of(state: &AppState, auth: Option<String>, session: Option<Session>) -> Option<String> {
    if let Some(auth) = auth {
        let token = auth.strip_prefix("Bearer ")?.trim();
        let c = app::api_keys::authenticate(&state.app, token).await.ok()?;
        return Some(format!("key:{}", c.key.prefix));
    }
    let p = extract::principal(&session?, state).await.ok()??;
    let id = match &p {
        Principal::Learner(l) => l.id.get(),
        Principal::Institution { user, .. } => user.id.get(),
        Principal::Department { user, .. } | Principal::Expert(user) => user.id.get(),
    };
    Some(format!("{}:{id}", p.role().code()))
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string).unwrap_or_default())
    else {
        return next.run(req).await;
    };
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default().to_string());
    let session = req.extensions().get::<Session>().cloned();
    let Some(caller) = caller_of(&state, auth, session).await else {
        // Not signed in: the handler answers 401.
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_LIMIT).await else {
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "请求内容过大").into_response();
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update(b"\n");
    h.update(parts.uri.to_string());
    h.update(b"\n");
    if let Some(ct) = parts.headers.get(header::CONTENT_TYPE) {
        h.update(ct.as_bytes());
    }
    h.update(b"\n");
    h.update(&bytes);
    let sha = hex::encode(h.finalize());
    match app::api_keys::claim_idempotency(&state.app, &caller, &key, &sha).await {
        Err(e) => Problem::from(e).into_response(),
        Ok(Claim::Mismatch) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "该 Idempotency-Key 已用于另一个请求，请为新请求使用新的值",
        )
        .with_field("Idempotency-Key", "已用于另一个请求")
        .into_response(),
        Ok(Claim::InFlight) => Problem::new(
            StatusCode::CONFLICT,
            "idempotency_in_flight",
            "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
        )
        .retry_after(1)
        .into_response(),
        Ok(Claim::Committed) => Problem::new(
            StatusCode::CONFLICT,
            "idempotency_committed",
            "使用该 Idempotency-Key 的请求此前已处理成功，但当时的应答未能送达；请查询结果，不要重复提交",
        )
        .into_response(),
        Ok(Claim::Answered { status, body }) => replay(status, body),
        Ok(Claim::New) => {
            let run = next.run(Request::from_parts(parts, Body::from(bytes)));
            let res = app::api_keys::idempotent(&caller, &key, run).await;
            keep(&state, &caller, &key, res).await
        }
    }
}

fn replay(status: i64, body: String) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let ct = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

async fn keep(state: &AppState, caller: &str, key: &str, res: Response) -> Response {
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ANSWER_LIMIT).await else {
        let _ = app::api_keys::release_idempotency(&state.app, caller, key).await;
        return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "系统繁忙，请稍后再试").into_response();
    };
    let kept = if parts.status.is_server_error() {
        app::api_keys::release_idempotency(&state.app, caller, key).await
    } else {
        app::api_keys::keep_answer(
            &state.app,
            caller,
            key,
            parts.status.as_u16(),
            &String::from_utf8_lossy(&bytes),
        )
        .await
    };
    if let Err(e) = kept {
        tracing::warn!(error = %e, "idempotency answer not kept");
    }
    Response::from_parts(parts, Body::from(bytes))
}
