//! The taxonomy as the pages show it: types, subtypes, their fields, and which
//! restricted subtypes an institution was authorised for.

use crate::{App, AppError, AppResult};
use domain::ids::{FieldId, InstitutionId, SubtypeId};

use super::{FieldRow, OutcomeType, Subtype};

pub async fn types(app: &App) -> AppResult<Vec<OutcomeType>> {
    Ok(store::taxonomy::types(&app.db.pool).await?)
}

pub async fn subtypes(app: &App) -> AppResult<Vec<Subtype>> {
    Ok(store::taxonomy::subtypes(&app.db.pool).await?)
}

pub async fn fields(app: &App, subtype_id: SubtypeId) -> AppResult<Vec<FieldRow>> {
    Ok(store::taxonomy::fields(&app.db.pool, subtype_id).await?)
}

pub async fn field(app: &App, id: FieldId) -> AppResult<FieldRow> {
    store::taxonomy::field(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Restricted subtypes this institution may store.
pub async fn authorised(app: &App, institution_id: InstitutionId) -> AppResult<Vec<SubtypeId>> {
    Ok(store::taxonomy::authorised(&app.db.pool, institution_id).await?)
}

/// The name of the bank whose preset the taxonomy started from.
pub fn preset_label(app: &App) -> String {
    app.bank.name().to_string()
}
