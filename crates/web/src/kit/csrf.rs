//! CSRF tokens: one random token per session (started by the first page with a form
//! for anonymous visitors, at sign-in for everyone else), sent back in every form as `_csrf` (or
//! the `X-CSRF-Token` header for fetch calls), compared in constant time.

use app::AppError;
use rand::Rng;
use tower_sessions::Session;

use crate::kit::error::WebError;

const KEY: &str = "csrf";

fn fresh() -> String {
    hex::encode(rand::thread_rng().r#gen::<[u8; 32]>())
}

/// The session's token, created (and the session started) on first use.
pub async fn token(session: &Session) -> Result<String, WebError> {
    if let Some(t) = session.get::<String>(KEY).await.map_err(internal)? {
        return Ok(t);
    }
    let t = fresh();
    session.insert(KEY, &t).await.map_err(internal)?;
    Ok(t)
}

/// The session's token if it has one ("" otherwise), without starting a session.
pub async fn existing(session: &Session) -> Result<String, WebError> {
    Ok(session.get::<String>(KEY).await.map_err(internal)?.unwrap_or_default())
}

/// A new token after sign-in, so a token seen before signing in is useless after.
pub async fn rotate(session: &Session) -> Result<(), WebError> {
    session.insert(KEY, fresh()).await.map_err(internal)
}

pub async fn verify(session: &Session, given: &str) -> Result<(), WebError> {
    let expected = session.get::<String>(KEY).await.map_err(internal)?.unwrap_or_default();
    if expected.is_empty() || !app::password::same(expected.as_bytes(), given.as_bytes()) {
        return Err(WebError(AppError::Forbidden(
            "页面已过期或请求来源无效，请刷新页面后重试".into(),
        )));
    }
    Ok(())
}

pub fn internal(e: impl std::fmt::Display) -> WebError {
    WebError(AppError::Internal(anyhow::anyhow!("session: {e}")))
}
