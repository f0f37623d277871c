//! The taxonomy as the pages show it: types, subtypes, their fields, and which
//! restricted subtypes an institution was authorised for.

use crate::{App, AppError, AppResult};

use super::{FieldRow, OutcomeType, Subtype};

pub async fn types(app: &App) -> AppResult<Vec<OutcomeType>> {
    Ok(store::taxonomy::types(&app.db.pool).await?)
}

pub async fn subtypes(app: &App) -> AppResult<Vec<Subtype>> {
    Ok(store::taxonomy::subtypes(&app.db.pool).await?)
}

pub async fn fields(app: &App, subtype_id: i64) -> AppResult<Vec<FieldRow>> {
    Ok(store::taxonomy::fields(&app.db.pool, subtype_id).await?)
}

pub async fn field(app: &App, id: i64) -> AppResult<FieldRow> {
    store::taxonomy::field(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Restricted subtypes this institution may store.
pub async fn authorised(app: &App, institution_id: i64) -> AppResult<Vec<i64>> {
    Ok(store::taxonomy::authorised(&app.db.pool, institution_id).await?)
}

/// The name of the preset the bank started from.
pub async fn preset_label(app: &App) -> AppResult<String> {
    let code = store::taxonomy::get_setting(&app.db.pool, "preset")
        .await?
        .unwrap_or_default();
    Ok(domain::taxonomy::PRESETS
        .iter()
        .find(|p| p.0 == code)
        .map(|p| p.1.to_string())
        .unwrap_or(code))
}
