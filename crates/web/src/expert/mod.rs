//! 专家: final reviews of recognition and conversion applications.

pub mod conversions;
pub mod home;
pub mod performance;
pub mod reviews;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(reviews::routes())
        .merge(conversions::routes())
        .merge(performance::routes())
        .merge(home::routes())
}
