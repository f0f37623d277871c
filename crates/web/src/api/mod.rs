//! The JSON API (X-06 grows here). Errors are RFC 9457 problem details.

use app::AppError;
use app::auth::Principal;
use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::get;
use domain::institution::InstitutionStatus;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::extract;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me", get(me))
        .route("/v1/department/institutions", get(institutions))
        .fallback(|| async { ApiError(AppError::NotFound("接口不存在".into())) })
}

async fn who(session: &Session, s: &AppState) -> Result<Principal, ApiError> {
    extract::principal(session, s)
        .await
        .map_err(|e| ApiError(e.0))?
        .ok_or(ApiError(AppError::Unauthenticated))
}

/// Who is signed in.
async fn me(State(s): State<AppState>, session: Session) -> Result<Json<serde_json::Value>, ApiError> {
    let p = who(&session, &s).await?;
    Ok(Json(serde_json::json!({ "role": p.role(), "name": p.name() })))
}

/// Institutions under the signed-in department.
async fn institutions(State(s): State<AppState>, session: Session) -> Result<Json<serde_json::Value>, ApiError> {
    let Principal::Department { scope, .. } = who(&session, &s).await? else {
        return Err(AppError::forbidden().into());
    };
    let rows = app::queries::institutions::in_scope(&s.app, &scope, None).await?;
    Ok(Json(serde_json::json!({
        "items": rows.iter().map(|i| serde_json::json!({
            "id": i.id, "code": i.code, "name": i.name, "kind": i.kind,
            "status": i.status, "status_label": InstitutionStatus::from_code(&i.status).label(),
            "department_id": i.department_id,
        })).collect::<Vec<_>>()
    })))
}
