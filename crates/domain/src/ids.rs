//! Typed ids of the bank's records.
//!
//! Every table's key is an `i64`, and a learner's id and an institution's id used to be
//! the same type: a call that passed one where the other belonged compiled and read
//! another tenant's rows. Each record now has its own id type, so such a call does not
//! compile. The types are transparent: the database, JSON, forms and URL paths see the
//! plain integer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What every id type is: an integer key of one table. Lets code that handles any
/// record's id (a path segment, a cursor) build the right type.
pub trait RawId: Copy + Into<i64> {
    fn from_raw(raw: i64) -> Self;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(i64);

        impl $name {
            /// The id of a key read from outside the type system (a path, a query, a test).
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The plain integer, for SQL lists, cursors and JSON documents.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl RawId for $name {
            fn from_raw(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )*};
}

ids! {
    /// An institution (学校、培训机构、证书颁发机构).
    InstitutionId;
    /// A learner's account.
    LearnerId;
    /// A management department (管理部门).
    DepartmentId;
    /// An outcome in an institution's catalog (机构成果).
    CatalogOutcomeId;
    /// An outcome a learner holds (学员成果).
    HoldingId;
    /// A conversion rule (转换规则).
    RuleId;
    /// A conversion application (转换申请).
    ApplicationId;
    /// An outcome type of the taxonomy (成果类型).
    OutcomeTypeId;
    /// An outcome subtype of the taxonomy (成果子类型).
    SubtypeId;
    /// A stored file.
    FileId;
    /// A background job.
    JobId;
    /// An import record (导入记录).
    ImportId;
    /// A user of an institution (主账号或子账号).
    InstitutionUserId;
    /// A user of the bank's staff (管理部门、专家).
    StaffUserId;
    /// A message in an inbox (消息).
    MessageId;
    /// A piece of feedback (意见反馈).
    FeedbackId;
    /// A news item of the portal (新闻公告).
    NewsId;
    /// A question of the portal (咨询).
    QuestionId;
    /// An institution's API key (接口密钥).
    ApiKeyId;
    /// A conversion method (转换办法).
    MethodId;
    /// A level of the qualifications framework (资历框架等级).
    LevelId;
    /// An industry standard (行业标准).
    StandardId;
    /// A field of a subtype's form (成果子类型字段).
    FieldId;
    /// An issued certificate (转换证明).
    CertificateId;
    /// A synchronisation run of certificate records (证书同步).
    SyncRunId;
    /// A performance conversion request (业绩转换).
    PerformanceId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_writes_as_its_integer() {
        let id: Result<LearnerId, _> = "42".parse();
        assert_eq!(id, Ok(LearnerId::new(42)));
        assert_eq!(LearnerId::new(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&LearnerId::new(42)).ok().as_deref(), Some("42"));
        assert_eq!(serde_json::from_str::<LearnerId>("42").ok(), Some(LearnerId::new(42)));
        assert!("x".parse::<LearnerId>().is_err());
    }
}
