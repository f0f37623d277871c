//! 成果名录: catalog outcomes. The catalog is public; an institution's own list and a
//! department's review list are narrowed to their scope here.

use crate::{App, AppError, AppResult};
use domain::ids::{CatalogOutcomeId, DepartmentId, InstitutionId};

use super::{CatalogFilter, CatalogOutcome, Page};

/// Anyone's search of the whole catalog (the public catalog, a learner picking an
/// entry, an institution choosing rule sources of any institution).
pub async fn search(app: &App, f: &CatalogFilter, page: i64, per_page: i64) -> AppResult<Page<CatalogOutcome>> {
    Ok(store::catalog::list(&app.db, f, page, per_page).await?)
}

/// The outcomes of one institution.
pub async fn of_institution(
    app: &App,
    institution_id: InstitutionId,
    f: CatalogFilter,
    page: i64,
    per_page: i64,
) -> AppResult<Page<CatalogOutcome>> {
    let f = CatalogFilter {
        institution_id: Some(institution_id),
        ..f
    };
    search(app, &f, page, per_page).await
}

/// The outcomes of the institutions in a department's scope.
pub async fn in_departments(
    app: &App,
    scope: &[DepartmentId],
    f: CatalogFilter,
    page: i64,
    per_page: i64,
) -> AppResult<Page<CatalogOutcome>> {
    let f = CatalogFilter {
        departments: Some(scope.to_vec()),
        ..f
    };
    search(app, &f, page, per_page).await
}

/// One catalog entry (public).
pub async fn get(app: &App, id: CatalogOutcomeId) -> AppResult<CatalogOutcome> {
    store::catalog::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Several catalog entries by id, in the order given; ids that do not exist are skipped.
pub async fn many(app: &App, ids: &[CatalogOutcomeId]) -> AppResult<Vec<CatalogOutcome>> {
    Ok(store::catalog::by_ids(&app.db.pool, ids).await?)
}

/// One of this institution's own outcomes, or "not found".
pub async fn own(app: &App, institution_id: InstitutionId, id: CatalogOutcomeId) -> AppResult<CatalogOutcome> {
    let o = get(app, id).await?;
    if o.institution_id == institution_id {
        Ok(o)
    } else {
        Err(AppError::not_found())
    }
}
