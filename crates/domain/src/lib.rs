//! The bank's rules: pure values and validation, no I/O.
//!
//! Every value that comes from a person or a file is parsed into a newtype here, so the
//! rest of the code can only hold values that are known to be valid. Errors carry a
//! Chinese message meant to be shown next to the field.

pub mod account;
pub mod bank;
pub mod conversion;
pub mod credits;
pub mod error;
pub mod id_card;
pub mod ids;
pub mod institution;
pub mod lifecycle;
pub mod mask;
pub mod mobile;
pub mod name;
pub mod normalize;
pub mod opinion;
pub mod outcome;
pub mod password;
pub mod role;
pub mod taxonomy;
pub mod text;
pub mod time;

pub use error::FieldError;
