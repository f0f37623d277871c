//! Reads. Every list or detail a page or an endpoint shows comes from a function here
//! that takes who is asking and returns only what that caller may see, so the pages,
//! the API and the exports share one scope check. The row types are re-exported so
//! that the faces never name the store.

pub mod audit;
pub mod catalog;
pub mod conversion;
pub mod dashboard;
pub mod feedback;
pub mod files;
pub mod holdings;
pub mod imports;
pub mod institutions;
pub mod learner;
pub mod messages;
pub mod portal;
pub mod taxonomy;

pub use store::audit::Actor;
pub use store::catalog::{CatalogOutcome, Filter as CatalogFilter};
pub use store::certificates::Certificate;
pub use store::conversion::Batch as ConversionBatch;
pub use store::conversion::{Application, ApplicationFilter, Method, PublishedMethod, Rule, RuleFilter, Target};
pub use store::directory::{Department, DirectoryEntry};
pub use store::feedback::Filter as FeedbackFilter;
pub use store::files::StoredFile;
pub use store::holdings::{Filter as HoldingFilter, Holding, Review};
pub use store::imports::ImportRecord;
pub use store::institutions::{Institution, InstitutionUser};
pub use store::jobs::Job;
pub use store::learners::{Filter as LearnerFilter, Learner};
pub use store::ledger::Entry as LedgerEntry;
pub use store::messages::Message;
pub use store::outbox::OutboxMessage;
pub use store::performance::{Filter as PerformanceFilter, Request as PerformanceRequest};
pub use store::staff::StaffUser;
pub use store::taxonomy::{FieldRow, OutcomeType, Subtype};
pub use store::{COUNT_CAP, Page};

/// The current time in unix seconds, as the store records it.
pub fn now() -> i64 {
    store::now()
}
