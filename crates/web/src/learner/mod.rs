//! 个人用户: the personal centre, outcomes, messages, conversion and certificates.

pub mod conversions;
pub mod home;
pub mod outcomes;
pub mod performance;
pub mod recognition;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(recognition::routes())
        .merge(conversions::routes())
        .merge(performance::routes())
        .merge(home::routes())
        .merge(outcomes::routes())
}
