//! 综合管理部门: institution registrations, the taxonomy, recognition and storage reviews,
//! the bank's own imports, conversion reviews and rules in its scope.

pub mod conversions;
pub mod imports;
pub mod institutions;
pub mod reviews;
pub mod taxonomy;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(conversions::routes())
        .merge(institutions::routes())
        .merge(imports::routes())
        .merge(reviews::routes())
        .merge(taxonomy::routes())
}
