//! Serving uploaded files, only to those who may see an outcome they belong to, with
//! headers that keep the browser from treating them as anything but what they are.

use app::auth::Principal;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract;

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/{id}", get(download))
}

fn not_found() -> WebError {
    WebError(app::AppError::not_found())
}

/// Whether this principal may see this learner outcome.
async fn may_see(s: &AppState, who: &Principal, outcome: i64) -> Result<bool, WebError> {
    let Some(h) = store::holdings::by_id(&s.app.db.pool, outcome).await? else {
        return Ok(false);
    };
    Ok(match who {
        Principal::Learner(l) => h.learner_id == l.id,
        Principal::Institution { user, institution } => {
            h.issuer_institution_id == Some(institution.id)
                && app::institutions::may(user, domain::role::Area::Outcomes)
        }
        Principal::Department { scope, .. } => app::holdings::in_scope(&s.app, scope, h.id).await.is_ok(),
        Principal::Expert(_) => h.recognition != "none",
    })
}

/// The learner who applied, the target institution, a department over it, or an expert.
async fn may_see_application(s: &AppState, who: &Principal, application: i64) -> Result<bool, WebError> {
    let Some(a) = store::conversion::application(&s.app.db.pool, application).await? else {
        return Ok(false);
    };
    Ok(match who {
        Principal::Learner(l) => a.learner_id == l.id,
        Principal::Institution { user, institution } => {
            a.target_institution_id == institution.id && app::institutions::may(user, domain::role::Area::Conversion)
        }
        Principal::Department { scope, .. } => store::institutions::by_id(&s.app.db.pool, a.target_institution_id)
            .await?
            .is_some_and(|i| scope.contains(&i.department_id)),
        Principal::Expert(_) => true,
    })
}

fn institution_of(who: &Principal) -> Option<i64> {
    match who {
        Principal::Institution { institution, .. } => Some(institution.id),
        _ => None,
    }
}

async fn download(State(s): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, WebError> {
    let file = store::files::by_id(&s.app.db.pool, id).await?.ok_or_else(not_found)?;
    // Documents of published methods and rules are public; everything else needs a
    // signed-in account that may see what the file belongs to.
    let who = match extract::principal(&session, &s).await? {
        Some(w) => w,
        None if store::files::public_or_owned_by(&s.app.db.pool, id, None).await? => return serve(&s, &file).await,
        None => return Err(WebError(app::AppError::Unauthenticated)),
    };
    let mut allowed = store::files::public_or_owned_by(&s.app.db.pool, id, institution_of(&who)).await?
        || matches!(&who, Principal::Learner(l) if store::certificates::file_of_learner(&s.app.db.pool, id, l.id).await?)
        || matches!(&who, Principal::Institution { user, institution } if app::institutions::may(user, domain::role::Area::Outcomes)
            && store::imports::file_of_institution(&s.app.db.pool, id, institution.id).await?)
        || matches!(&who, Principal::Department { scope, .. }
            if store::imports::file_of_departments(&s.app.db.pool, id, scope).await?);
    for application in store::conversion::applications_of_file(&s.app.db.pool, id).await? {
        if may_see_application(&s, &who, application).await? {
            allowed = true;
        }
    }
    for outcome in store::files::outcomes_of_file(&s.app.db.pool, id).await? {
        if may_see(&s, &who, outcome).await? {
            allowed = true;
            break;
        }
    }
    if !allowed {
        return Err(not_found());
    }
    serve(&s, &file).await
}

async fn serve(s: &AppState, file: &store::files::StoredFile) -> Result<Response, WebError> {
    let bytes = s
        .app
        .files
        .get(&file.storage_key)
        .await
        .map_err(|e| WebError(app::AppError::Internal(e)))?;
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
