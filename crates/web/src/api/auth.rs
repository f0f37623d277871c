//! Who calls the API: an institution's system with an API key (`Authorization: Bearer
//! cbk_…`), or a signed-in browser session (whose unsafe requests need the CSRF token
//! in `X-CSRF-Token`). Either way the caller becomes the same `Principal` the pages use,
//! so an endpoint applies exactly the pages' role and scope checks.

use app::api_keys::{KeyCaller, Scope};
use app::auth::Principal;
use app::queries::{Institution, InstitutionUser};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use domain::role::Area;
use tower_sessions::Session;

use super::problem::Problem;
use crate::AppState;
use crate::kit::extract::{self, ClientIp};

/// A caller of the API.
pub struct Caller {
    pub principal: Principal,
    /// The key used, or `None` for a browser session (which may do what the pages let
    /// its account do).
    pub key: Option<KeyCaller>,
    pub ip: String,
}

fn unauthenticated() -> Problem {
    app::AppError::Unauthenticated.into()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(unauthenticated)?;
            let caller = app::api_keys::authenticate(&state.app, token.trim()).await?;
            let what = format!("{} {}", parts.method, parts.uri.path());
            if let Err((e, wait)) = app::api_keys::record_use(&state.app, &caller, &what, &ip).await {
                return Err(Problem::from(e).retry_after(wait));
            }
            return Ok(Caller {
                principal: caller.principal.clone(),
                key: Some(caller),
                ip,
            });
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| unauthenticated())?;
        let principal = extract::principal(&session, state)
            .await
            .map_err(|e| Problem::from(e.0))?
            .ok_or_else(unauthenticated)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let given = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            crate::kit::csrf::verify(&session, given)
                .await
                .map_err(|e| Problem::new(StatusCode::FORBIDDEN, "csrf_failed", e.0.to_string()))?;
        }
        Ok(Caller {
            principal,
            key: None,
            ip,
        })
    }
}

impl Caller {
    /// Refuses a key without this scope.
    pub fn need(&self, scope: Scope) -> Result<(), Problem> {
        match &self.key {
            Some(k) if !k.scopes.contains(&scope) => Err(Problem::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("该接口密钥没有“{}”权限", scope.label()),
            )),
            _ => Ok(()),
        }
    }

    /// The institution user behind the call, refused unless it is an approved
    /// institution's account with this menu area (sub-users have only some).
    pub fn institution(&self, area: Area) -> Result<(&InstitutionUser, &Institution), Problem> {
        match &self.principal {
            Principal::Institution { user, institution } => {
                if institution.status != domain::institution::InstitutionStatus::Approved {
                    return Err(app::AppError::Forbidden("机构账号尚未通过审核".into()).into());
                }
                app::institutions::require(user, area)?;
                Ok((user, institution))
            }
            _ => Err(app::AppError::Forbidden("该接口只供机构账号使用".into()).into()),
        }
    }

    pub fn actor(&self) -> app::queries::Actor {
        let mut a = self.principal.actor(&self.ip);
        if let Some(k) = &self.key {
            a.name = Some(format!("{}（接口密钥 {}）", self.principal.name(), k.key.prefix));
        }
        a
    }
}
