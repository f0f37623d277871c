//! The lifecycle of a learner outcome (学员成果): its storage status and, for informal
//! outcomes, its recognition (成果认定). Rows hold the codes; these enums say which moves
//! are allowed, so every use case asks the same question the same way.

use std::fmt;

/// Storage status: 登记 → 待审核 → 已存储, and 撤回 from any live state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Registered,
    Submitted,
    Stored,
    Withdrawn,
}

/// A code read from a row that no enum knows: the row is corrupt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownState(pub String);

impl fmt::Display for UnknownState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown state code {:?}", self.0)
    }
}

impl std::error::Error for UnknownState {}

impl Status {
    pub const ALL: [Status; 4] = [Self::Registered, Self::Submitted, Self::Stored, Self::Withdrawn];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Submitted => "submitted",
            Self::Stored => "stored",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Result<Self, UnknownState> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| UnknownState(code.into()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Registered => "登记",
            Self::Submitted => "待审核",
            Self::Stored => "已存储",
            Self::Withdrawn => "撤回",
        }
    }

    /// Whether a move from this status to `to` is allowed.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Registered, Submitted) | (Submitted, Stored) | (Submitted, Registered) | (Registered, Stored)
        ) || (to == Withdrawn && self != Withdrawn)
    }
}

/// Recognition of an informal outcome: 未申请 → 已申请认定 → 初审通过 → 已认定, with
/// 认定未通过 after either review (and a new application from there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recognition {
    None,
    Applied,
    InitialPassed,
    Recognised,
    Rejected,
}

impl Recognition {
    pub const ALL: [Recognition; 5] = [
        Self::None,
        Self::Applied,
        Self::InitialPassed,
        Self::Recognised,
        Self::Rejected,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Applied => "applied",
            Self::InitialPassed => "initial_passed",
            Self::Recognised => "recognised",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(code: &str) -> Result<Self, UnknownState> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| UnknownState(code.into()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "未申请",
            Self::Applied => "已申请认定",
            Self::InitialPassed => "初审通过",
            Self::Recognised => "已认定",
            Self::Rejected => "认定未通过",
        }
    }

    pub fn can_become(self, to: Recognition) -> bool {
        use Recognition::*;
        matches!(
            (self, to),
            (None, Applied)
                | (Rejected, Applied)
                | (Applied, InitialPassed)
                | (Applied, Rejected)
                | (InitialPassed, Recognised)
                | (InitialPassed, Rejected)
        )
    }

    /// A review is under way: the outcome is read-only until it is decided.
    pub fn under_review(self) -> bool {
        matches!(self, Self::Applied | Self::InitialPassed)
    }
}

impl TryFrom<String> for Status {
    type Error = UnknownState;
    fn try_from(code: String) -> Result<Self, UnknownState> {
        Self::parse(&code)
    }
}

impl TryFrom<String> for Recognition {
    type Error = UnknownState;
    fn try_from(code: String) -> Result<Self, UnknownState> {
        Self::parse(&code)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Recognition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether the learner may still change or delete the outcome: only while 登记, and
/// never while a recognition review is under way (the reviewers decide on what they
/// saw). After a decision a change is allowed, and a new review needs a new application.
pub fn learner_may_change(status: Status, recognition: Recognition) -> bool {
    status == Status::Registered && !recognition.under_review()
}

/// Whether evidence may still be added: not withdrawn, and no recognition under way or
/// granted.
pub fn evidence_allowed(status: Status, recognition: Recognition) -> bool {
    status != Status::Withdrawn && !recognition.under_review() && recognition != Recognition::Recognised
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }
    fn recognition() -> impl Strategy<Value = Recognition> {
        proptest::sample::select(Recognition::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn codes_round_trip(s in status(), r in recognition()) {
            prop_assert_eq!(Status::parse(s.code()), Ok(s));
            prop_assert_eq!(Recognition::parse(r.code()), Ok(r));
        }

        #[test]
        fn nothing_leaves_withdrawn_and_nothing_stays_put(a in status(), b in status()) {
            if a == Status::Withdrawn {
                prop_assert!(!a.can_become(b));
            }
            prop_assert!(!a.can_become(a));
        }

        #[test]
        fn recognised_is_final_and_only_reviews_lead_to_it(a in recognition(), b in recognition()) {
            prop_assert!(!Recognition::Recognised.can_become(b));
            if b == Recognition::Recognised {
                prop_assert_eq!(a.can_become(b), a == Recognition::InitialPassed);
            }
        }

        #[test]
        fn any_walk_of_allowed_moves_ends_in_a_known_state(steps in proptest::collection::vec(recognition(), 0..20)) {
            let mut at = Recognition::None;
            for to in steps {
                if at.can_become(to) {
                    at = to;
                }
            }
            prop_assert!(Recognition::ALL.contains(&at));
            prop_assert_eq!(evidence_allowed(Status::Stored, at), !at.under_review() && at != Recognition::Recognised);
        }
    }

    #[test]
    fn an_outcome_under_review_is_read_only() {
        assert!(learner_may_change(Status::Registered, Recognition::None));
        assert!(learner_may_change(Status::Registered, Recognition::Rejected));
        assert!(!learner_may_change(Status::Registered, Recognition::Applied));
        assert!(!learner_may_change(Status::Registered, Recognition::InitialPassed));
        assert!(!learner_may_change(Status::Submitted, Recognition::None));
    }

    #[test]
    fn unknown_codes_are_refused() {
        assert!(Status::parse("deleted").is_err());
        assert!(Recognition::try_from("bogus".to_string()).is_err());
        assert!(!evidence_allowed(Status::Withdrawn, Recognition::None));
    }
}
