//! What several signed-in roles have, each in its own space: 我的消息, 问题反馈 and the
//! account's settings.
//! The same handlers serve `/learner/…`, `/institution/…`, `/department/…` and
//! `/expert/…`; the `SignedIn` extractor applies the space's own checks.

pub mod applications;
pub mod feedback;
pub mod messages;
pub mod settings;

use axum::Router;

use crate::AppState;

/// The spaces, as the first segment of their URLs.
pub const SPACES: [&str; 4] = ["learner", "institution", "department", "expert"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(applications::routes())
        .merge(feedback::routes())
        .merge(messages::routes())
        .merge(settings::routes())
}
