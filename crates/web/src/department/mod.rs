//! 综合管理部门: institution registrations, the taxonomy, recognition and storage reviews,
//! the bank's own imports, conversion reviews and rules in its scope; the management
//! centre also keeps the portal, the qualifications framework and industry standards.

pub mod accounts;
pub mod audit;
pub mod conversions;
pub mod framework;
pub mod imports;
pub mod institutions;
pub mod portal;
pub mod reviews;
pub mod statistics;
pub mod sync;
pub mod taxonomy;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(accounts::routes())
        .merge(audit::routes())
        .merge(conversions::routes())
        .merge(framework::routes())
        .merge(portal::routes())
        .merge(institutions::routes())
        .merge(imports::routes())
        .merge(reviews::routes())
        .merge(statistics::routes())
        .merge(sync::routes())
        .merge(taxonomy::routes())
}
