//! What anyone may open: the portal (news, pages, directory, framework, standards,
//! 在线解答) and sign-in, registration, the catalog, public rules,
//! certificate verification, files (each file checks who may see it) and health probes.

pub mod activation;
pub mod catalog;
pub mod certificates;
pub mod credentials;
pub mod files;
pub mod health;
pub mod info;
pub mod portal;
pub mod questions;
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
        .merge(credentials::routes())
        .merge(info::routes())
        .merge(activation::routes())
        .merge(questions::routes())
}
