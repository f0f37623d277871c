//! 机构账户中心: the account and its sub-users, outcomes, learners, imports, conversion
//! methods and rules, conversion reviews.

pub mod account;
pub mod api_keys;
pub mod conversions;
pub mod imports;
pub mod learner_outcomes;
pub mod learners;
pub mod methods;
pub mod outcomes;
pub mod performance;
pub mod rules;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(learner_outcomes::routes())
        .merge(conversions::routes())
        .merge(performance::routes())
        .merge(rules::routes())
        .merge(methods::routes())
        .merge(account::routes())
        .merge(api_keys::routes())
        .merge(outcomes::routes())
        .merge(learners::routes())
        .merge(imports::routes())
}
