//! What every page and endpoint shares: who is asking (extractors), CSRF tokens, form
//! parsing, errors and the page context of views.

pub mod conversion;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod forms;
pub mod performance;
pub mod reviews;
pub mod viewer;
pub mod views;
