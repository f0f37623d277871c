//! The taxonomy as the pages show it: types, subtypes, their fields, and which
//! restricted subtypes an institution was authorised for.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::{App, AppError, AppResult};
use domain::ids::{FieldId, InstitutionId, SubtypeId};

use super::{FieldRow, OutcomeType, Subtype};

/// Types and subtypes as the filters of list pages show them.
pub type Labels = Arc<(Vec<OutcomeType>, Vec<Subtype>)>;

/// The filters' types and subtypes, read again at most every `CHOICES_FOR`: four busy list
/// pages show them on every view, and they change a few times a year. A subtype added
/// through this process clears them at once; other processes on the same database see it
/// within `CHOICES_FOR`.
#[derive(Default)]
pub struct Choices(Mutex<Option<(Instant, Labels)>>);

const CHOICES_FOR: Duration = Duration::from_secs(10);

impl Choices {
    fn fresh(&self) -> Option<Labels> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(at, _)| at.elapsed() < CHOICES_FOR)
            .map(|(_, labels)| labels.clone())
    }

    fn keep(&self, labels: Labels) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), labels));
    }

    pub(crate) fn forget(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// The types and subtypes of the list pages' filters (see `Choices`).
pub async fn choices(app: &App) -> AppResult<Labels> {
    if let Some(labels) = app.choices.fresh() {
        return Ok(labels);
    }
    let labels = Arc::new((types(app).await?, subtypes(app).await?));
    app.choices.keep(labels.clone());
    Ok(labels)
}

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
