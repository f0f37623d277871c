//! Extractors that say who may call a handler. Each loads the signed-in account fresh
//! from the database and refuses (redirect to sign-in, or 403) anyone else, so a handler
//! that takes `DepartmentAuth` can only run for a department and knows its scope.

use domain::ids::DepartmentId;
use std::net::SocketAddr;

use app::auth::{Principal, SessionUser};
use app::queries::{Department, Institution, InstitutionUser, Learner, StaffUser};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use domain::institution::InstitutionStatus;
use domain::role::{Area, Role};
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::csrf;
use crate::kit::error::WebError;

pub const USER_KEY: &str = "user";

/// The client's address: the socket peer, or what a trusted proxy says it forwarded
/// (`Config::client_ip`). Sign-in, SMS and verification limits count by it.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".into());
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(ClientIp(state.app.config.client_ip(&peer, forwarded)))
    }
}

pub async fn session(parts: &mut Parts, state: &AppState) -> Result<Session, Response> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|e| e.into_response())
}

/// Whoever is signed in, if anyone. A session whose account has gone or been disabled
/// is ended.
pub async fn principal(session: &Session, state: &AppState) -> Result<Option<Principal>, WebError> {
    let Some(user) = session.get::<SessionUser>(USER_KEY).await.map_err(csrf::internal)? else {
        return Ok(None);
    };
    let p = app::auth::load(&state.app, user).await?;
    match &p {
        None => session.flush().await.map_err(csrf::internal)?,
        Some(who) => crate::kit::viewer::set(
            who.clone(),
            app::queries::messages::unread(&state.app, who).await?,
            csrf::token(session).await?,
        ),
    }
    Ok(p)
}

/// Signs in: a new session id (so a planted id is useless), then the user and a new
/// CSRF token.
pub async fn sign_in(session: &Session, user: SessionUser) -> Result<(), WebError> {
    session.cycle_id().await.map_err(csrf::internal)?;
    session.insert(USER_KEY, user).await.map_err(csrf::internal)?;
    csrf::rotate(session).await
}

/// After the caller changed its own password (which ends every session of the account),
/// signs this session in again under the account's new epoch.
pub async fn carry_on(state: &AppState, session: &Session, who: &Principal) -> Result<(), WebError> {
    let fresh = app::auth::reload(&state.app, who).await?;
    sign_in(session, fresh.session_user()).await
}

fn to_login(role: Role) -> Response {
    Redirect::to(&format!("/login/{}", role.code())).into_response()
}

fn wrong_role() -> Response {
    WebError(app::AppError::forbidden()).into_response()
}

/// Loads the principal for a role-specific extractor: not signed in → sign-in page of
/// that role; signed in as someone else → 403.
async fn require(parts: &mut Parts, state: &AppState, role: Role) -> Result<(Session, Principal), Response> {
    let session = session(parts, state).await?;
    match principal(&session, state).await.map_err(IntoResponse::into_response)? {
        None => Err(to_login(role)),
        Some(p) if p.role() != role => Err(wrong_role()),
        Some(p) => Ok((session, p)),
    }
}

/// An active learner. A pre-imported learner who has not completed the account is sent
/// to complete it first (L-03).
pub struct LearnerAuth {
    pub session: Session,
    pub learner: Learner,
}

impl FromRequestParts<AppState> for LearnerAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match require(parts, state, Role::Learner).await? {
            (_, Principal::Learner(l)) if !l.is_active() => Err(Redirect::to("/learner/complete").into_response()),
            (session, Principal::Learner(learner)) => Ok(Self { session, learner }),
            _ => Err(wrong_role()),
        }
    }
}

/// Any learner, including one who must still complete the account.
pub struct AnyLearner {
    pub session: Session,
    pub learner: Learner,
}

impl FromRequestParts<AppState> for AnyLearner {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match require(parts, state, Role::Learner).await? {
            (session, Principal::Learner(learner)) => Ok(Self { session, learner }),
            _ => Err(wrong_role()),
        }
    }
}

/// A user of an approved institution that has set its own password.
pub struct InstitutionAuth {
    pub session: Session,
    pub user: InstitutionUser,
    pub institution: Institution,
}

impl InstitutionAuth {
    /// The caller as the use cases and queries of `app` take it.
    pub fn principal(&self) -> Principal {
        Principal::Institution {
            user: self.user.clone(),
            institution: self.institution.clone(),
        }
    }

    /// Refuses a sub-user that was not given this area.
    pub fn require(&self, area: Area) -> Result<(), WebError> {
        Ok(app::institutions::require(&self.user, area)?)
    }

    pub fn require_primary(&self) -> Result<(), WebError> {
        if self.user.is_primary == 1 {
            Ok(())
        } else {
            Err(WebError(app::AppError::Forbidden(
                "只有机构主账号可以管理子用户".into(),
            )))
        }
    }
}

impl FromRequestParts<AppState> for InstitutionAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let AnyInstitutionUser {
            session,
            user,
            institution,
        } = AnyInstitutionUser::from_request_parts(parts, state).await?;
        if institution.status != InstitutionStatus::Approved {
            return Err(Redirect::to("/register/institution/status").into_response());
        }
        if user.must_change_password != 0 {
            return Err(Redirect::to("/institution/password").into_response());
        }
        Ok(Self {
            session,
            user,
            institution,
        })
    }
}

/// Any institution user, whatever the registration state: the registration wizard and
/// the forced change of an initial password use this.
pub struct AnyInstitutionUser {
    pub session: Session,
    pub user: InstitutionUser,
    pub institution: Institution,
}

impl FromRequestParts<AppState> for AnyInstitutionUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match require(parts, state, Role::Institution).await? {
            (session, Principal::Institution { user, institution }) => Ok(Self {
                session,
                user,
                institution,
            }),
            _ => Err(wrong_role()),
        }
    }
}

pub struct DepartmentAuth {
    pub session: Session,
    pub user: StaffUser,
    pub department: Department,
    /// The department and those below it: the institutions it may see.
    pub scope: Vec<DepartmentId>,
}

impl DepartmentAuth {
    /// The caller as the use cases take it.
    pub fn principal(&self) -> Principal {
        Principal::Department {
            user: self.user.clone(),
            department: self.department.clone(),
            scope: self.scope.clone(),
        }
    }
}

impl FromRequestParts<AppState> for DepartmentAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match require(parts, state, Role::Department).await? {
            (
                session,
                Principal::Department {
                    user,
                    department,
                    scope,
                },
            ) => Ok(Self {
                session,
                user,
                department,
                scope,
            }),
            _ => Err(wrong_role()),
        }
    }
}

pub struct ExpertAuth {
    pub session: Session,
    pub user: StaffUser,
}

impl ExpertAuth {
    pub fn principal(&self) -> Principal {
        Principal::Expert(self.user.clone())
    }
}

impl FromRequestParts<AppState> for ExpertAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match require(parts, state, Role::Expert).await? {
            (session, Principal::Expert(user)) => Ok(Self { session, user }),
            _ => Err(wrong_role()),
        }
    }
}

/// Whoever may use the space the URL names (`/learner/…`, `/institution/…`,
/// `/department/…`, `/expert/…`), with that space's own checks: pages that every role
/// has in its own space (messages, settings) take this.
pub struct SignedIn {
    pub session: Session,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let space = parts.uri.path().trim_start_matches('/').split('/').next().unwrap_or("");
        Ok(match space {
            "learner" => {
                let a = LearnerAuth::from_request_parts(parts, state).await?;
                Self {
                    session: a.session,
                    principal: Principal::Learner(a.learner),
                }
            }
            "institution" => {
                let a = InstitutionAuth::from_request_parts(parts, state).await?;
                Self {
                    session: a.session,
                    principal: Principal::Institution {
                        user: a.user,
                        institution: a.institution,
                    },
                }
            }
            "department" => {
                let a = DepartmentAuth::from_request_parts(parts, state).await?;
                Self {
                    session: a.session,
                    principal: Principal::Department {
                        user: a.user,
                        department: a.department,
                        scope: a.scope,
                    },
                }
            }
            "expert" => {
                let a = ExpertAuth::from_request_parts(parts, state).await?;
                Self {
                    session: a.session,
                    principal: Principal::Expert(a.user),
                }
            }
            _ => return Err(WebError(app::AppError::not_found()).into_response()),
        })
    }
}

/// An urlencoded form whose `_csrf` field (or `X-CSRF-Token` header) matches the
/// session's token. Also keeps the raw pairs for repeated fields such as checkboxes.
pub struct CsrfForm<T>(pub T, pub Vec<(String, String)>);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session = session(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1024 * 1024)
            .await
            .map_err(|_| WebError(app::AppError::field("form", "提交的内容过大")).into_response())?;
        let header = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let given = match header {
            Some(h) => h,
            None => serde_urlencoded::from_bytes::<CsrfField>(&bytes)
                .map(|f| f.csrf)
                .unwrap_or_default(),
        };
        csrf::verify(&session, &given)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|e| WebError(app::AppError::field("form", format!("表单内容无法识别：{e}"))).into_response())?;
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default();
        Ok(CsrfForm(form, pairs))
    }
}
