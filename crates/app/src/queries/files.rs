//! Who may download an uploaded or generated file: documents of published methods and
//! rules and of industry standards are public; anything else only to someone who may see what it belongs to.

use domain::ids::FileId;
use domain::role::Area;

use crate::auth::Principal;
use crate::institutions::may;
use crate::{App, AppError, AppResult};

use super::StoredFile;

/// The file, if this caller (or an anonymous visitor, `None`) may download it.
/// Anything else is "not found" (signed in) or "sign in first" (anonymous).
pub async fn readable(app: &App, who: Option<&Principal>, id: FileId) -> AppResult<StoredFile> {
    let pool = &app.db.pool;
    let file = store::files::by_id(pool, id).await?.ok_or_else(AppError::not_found)?;
    if store::files::public_or_owned_by(pool, id, None).await? || store::framework::is_standard_file(pool, id).await? {
        return Ok(file);
    }
    let Some(who) = who else {
        return Err(AppError::Unauthenticated);
    };
    let own_avatar = match who {
        Principal::Learner(l) => l.avatar_file_id,
        Principal::Institution { user, .. } => user.avatar_file_id,
        _ => None,
    };
    if own_avatar == Some(id) || super::feedback::may_see_file(app, who, id).await? {
        return Ok(file);
    }
    let allowed = match who {
        // A draft rule or method is the business of those who manage rules.
        Principal::Institution { user, institution } => {
            (may(user, Area::Rules) && store::files::public_or_owned_by(pool, id, Some(institution.id)).await?)
                || (may(user, Area::Outcomes) && store::imports::file_of_institution(pool, id, institution.id).await?)
        }
        Principal::Learner(l) => store::certificates::file_of_learner(pool, id, l.id).await?,
        Principal::Department { scope, .. } => store::imports::file_of_departments(pool, id, scope).await?,
        Principal::Expert(_) => false,
    };
    if allowed {
        return Ok(file);
    }
    for application in store::conversion::applications_of_file(pool, id).await? {
        if let Some(a) = store::conversion::application(pool, application).await?
            && super::conversion::may_see(app, who, &a).await?
        {
            return Ok(file);
        }
    }
    for outcome in store::files::outcomes_of_file(pool, id).await? {
        if let Some(h) = store::holdings::by_id(pool, outcome).await?
            && super::holdings::may_see(app, who, &h).await?
        {
            return Ok(file);
        }
    }
    Err(AppError::not_found())
}

/// The bytes of a file the caller was allowed to read.
pub async fn bytes(app: &App, file: &StoredFile) -> AppResult<Vec<u8>> {
    app.files.get(&file.storage_key).await.map_err(AppError::Internal)
}
