//! Import records (导入记录) and the progress of import jobs, for the institution or the
//! bank department that owns them.

use crate::{App, AppError, AppResult};
use domain::ids::{DepartmentId, InstitutionId, JobId};

use super::{ImportRecord, Job};

/// Import records are kept for a year.
const KEPT: i64 = 365 * 86_400;

pub async fn records_of_institution(app: &App, institution_id: InstitutionId) -> AppResult<Vec<ImportRecord>> {
    let since = store::now() - KEPT;
    Ok(store::imports::of_institution(&app.db.pool, institution_id, since).await?)
}

/// The bank's own imports of a department and those below it.
pub async fn records_of_departments(app: &App, scope: &[DepartmentId]) -> AppResult<Vec<ImportRecord>> {
    let since = store::now() - KEPT;
    Ok(store::imports::of_departments(&app.db.pool, scope, since).await?)
}

pub async fn job_of_institution(app: &App, institution_id: InstitutionId, id: JobId) -> AppResult<Job> {
    store::jobs::by_id(&app.db.pool, id)
        .await?
        .filter(|j| j.institution_id == Some(institution_id))
        .ok_or_else(AppError::not_found)
}

pub async fn job_of_departments(app: &App, scope: &[DepartmentId], id: JobId) -> AppResult<Job> {
    store::jobs::by_id(&app.db.pool, id)
        .await?
        .filter(|j| j.department_id.is_some_and(|d| scope.contains(&d)))
        .ok_or_else(AppError::not_found)
}
