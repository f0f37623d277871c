//! What anyone may open: the portal and sign-in, registration, the catalog, public rules,
//! certificate verification, and files (each file checks who may see it).

pub mod catalog;
pub mod certificates;
pub mod files;
pub mod portal;
pub mod register;
pub mod rules;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(rules::routes())
        .merge(portal::routes())
        .merge(catalog::routes())
        .merge(register::routes())
        .merge(files::routes())
        .merge(certificates::routes())
}
