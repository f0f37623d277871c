//! The lifecycles of conversion: a rule (未提交 ⇄ 已发布 — withdrawing returns it to
//! 未提交, where it can be edited or deleted —, 已发布 → 下架) and an
//! application (审核中 → 转换成功/转换失败, or through 初审通过 where the bank reviews in two
//! stages). Rows hold the codes; these say which moves exist.

use crate::outcome::UnknownState;

/// A lifecycle state: stored as its code, shown as its label.
pub trait State: Copy + Sized + 'static {
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
}

macro_rules! codes {
    ($t:ident { $($v:ident => $code:literal, $label:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$($t::$v),*];
            pub const fn code(self) -> &'static str {
                match self { $($t::$v => $code),* }
            }
            pub fn label(self) -> &'static str {
                match self { $($t::$v => $label),* }
            }
            pub fn parse(code: &str) -> Result<Self, UnknownState> {
                Self::ALL.iter().copied().find(|s| s.code() == code).ok_or_else(|| UnknownState(code.into()))
            }
        }

        impl TryFrom<String> for $t {
            type Error = UnknownState;
            fn try_from(code: String) -> Result<Self, UnknownState> {
                Self::parse(&code)
            }
        }

        impl State for $t {
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn code(self) -> &'static str {
                $t::code(self)
            }
            fn label(self) -> &'static str {
                $t::label(self)
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleStatus {
    Draft,
    Published,
    Withdrawn,
    TakenDown,
}

codes!(RuleStatus {
    Draft => "draft", "未提交",
    Published => "published", "已发布",
    Withdrawn => "withdrawn", "已撤回",
    TakenDown => "taken_down", "已下架",
});

/// What may be done to a rule: its institution publishes or withdraws it; the
/// department takes a published rule down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Publish,
    Withdraw,
    TakeDown,
}

impl RuleStatus {
    /// The status after `action`, or `None` when the action is not allowed now. A
    /// published rule never changes its content: withdrawing it returns it to 未提交.
    /// Taken down is final. (`Withdrawn` is kept for rows written before that.)
    pub fn after(self, action: RuleAction) -> Option<RuleStatus> {
        use RuleStatus::*;
        match (self, action) {
            (Draft | Withdrawn, RuleAction::Publish) => Some(Published),
            (Published, RuleAction::Withdraw) => Some(Draft),
            (Published, RuleAction::TakeDown) => Some(TakenDown),
            _ => None,
        }
    }

    /// Only an unsubmitted rule may be edited or deleted.
    pub fn editable(self) -> bool {
        self == RuleStatus::Draft
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    Pending,
    InitialPassed,
    Passed,
    Failed,
}

codes!(ApplicationStatus {
    Pending => "pending", "审核中",
    InitialPassed => "initial_passed", "初审通过",
    Passed => "passed", "转换成功",
    Failed => "failed", "转换失败",
});

impl ApplicationStatus {
    pub fn is_final(self) -> bool {
        matches!(self, Self::Passed | Self::Failed)
    }
}

/// Who decides an application at which point of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The target institution decides alone (the national bank).
    Single,
    /// The department's initial review of the two-stage chain (Guangdong).
    Initial,
    /// The expert's final review of the two-stage chain.
    Final,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Single => "single",
            Stage::Initial => "initial",
            Stage::Final => "final",
        }
    }

    /// The status an application must have for this stage to decide it.
    pub fn decides(self) -> ApplicationStatus {
        match self {
            Stage::Single | Stage::Initial => ApplicationStatus::Pending,
            Stage::Final => ApplicationStatus::InitialPassed,
        }
    }

    /// The status after this stage passes or fails it.
    pub fn outcome(self, pass: bool) -> ApplicationStatus {
        match (self, pass) {
            (_, false) => ApplicationStatus::Failed,
            (Stage::Initial, true) => ApplicationStatus::InitialPassed,
            (Stage::Single | Stage::Final, true) => ApplicationStatus::Passed,
        }
    }
}

/// Registration state of an institution account (I-01, M-01): 待完善 while the
/// registrant fills it in, 待审核 once submitted, then 已通过 or 未通过 (editable again);
/// the department may stop an approved one (已停用).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InstitutionStatus {
    #[default]
    Draft,
    Pending,
    Approved,
    Rejected,
    Disabled,
}

codes!(InstitutionStatus {
    Draft => "draft", "待完善",
    Pending => "pending", "待审核",
    Approved => "approved", "已通过",
    Rejected => "rejected", "未通过",
    Disabled => "disabled", "已停用",
});

impl InstitutionStatus {
    /// The registrant may still edit and (re)submit the institution information.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected)
    }
}

/// A learner account: created 未激活 by an institution (activated at first sign-in with
/// the initial password) or active at once; OUCN's self-registration waits for the
/// e-mail link (待验证邮箱) and then the bank's review (待审核).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LearnerStatus {
    Active,
    Inactive,
    Unconfirmed,
    Review,
}

codes!(LearnerStatus {
    Active => "active", "已激活",
    Inactive => "inactive", "未激活",
    Unconfirmed => "unconfirmed", "待验证邮箱",
    Review => "review", "待审核",
});

/// An institution's published conversion method (转换办法): 未发布 → 已发布 → 已撤回.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodStatus {
    Draft,
    Published,
    Withdrawn,
}

codes!(MethodStatus {
    Draft => "draft", "未发布",
    Published => "published", "已发布",
    Withdrawn => "withdrawn", "已撤回",
});

/// An institution (catalog) outcome's recognition by the bank: 未认定 → 认定中 → 已认定.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogRecognition {
    Unrecognised,
    Recognising,
    Recognised,
}

codes!(CatalogRecognition {
    Unrecognised => "unrecognised", "未认定",
    Recognising => "recognising", "认定中",
    Recognised => "recognised", "已认定",
});

/// A news item of the portal (工作动态): 未发布 ⇄ 已发布 → 已撤回 (publishable again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NewsStatus {
    Draft,
    Published,
    Withdrawn,
}

codes!(NewsStatus {
    Draft => "draft", "未发布",
    Published => "published", "已发布",
    Withdrawn => "withdrawn", "已撤回",
});

/// A question of 在线解答: 待解答 → 已解答 (seen by its asker) or 已公开 (by everyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionStatus {
    Open,
    Answered,
    Published,
}

codes!(QuestionStatus {
    Open => "open", "待解答",
    Answered => "answered", "已解答",
    Published => "published", "已公开",
});

/// A learner's feedback on an outcome (成果反馈): 未解决 → 已解决 or 驳回.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedbackStatus {
    Open,
    Resolved,
    Rejected,
}

codes!(FeedbackStatus {
    Open => "open", "未解决",
    Resolved => "resolved", "已解决",
    Rejected => "rejected", "驳回",
});

/// A background job (an import, an export): 排队中 → 进行中 → 已完成 or 失败; a running
/// job whose lease ran out is queued work again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

codes!(JobStatus {
    Queued => "queued", "排队中",
    Running => "running", "进行中",
    Done => "done", "已完成",
    Failed => "failed", "失败",
});

impl JobStatus {
    /// Still to finish: the progress page keeps reloading.
    pub fn pending(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// A run of the X证书 synchronisation: 进行中 → 完成 or 失败.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncStatus {
    Running,
    Done,
    Failed,
}

codes!(SyncStatus {
    Running => "running", "进行中",
    Done => "done", "完成",
    Failed => "failed", "失败",
});

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule_action() -> impl Strategy<Value = RuleAction> {
        proptest::sample::select(vec![RuleAction::Publish, RuleAction::Withdraw, RuleAction::TakeDown])
    }

    fn stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(vec![Stage::Single, Stage::Initial, Stage::Final])
    }

    proptest! {
        #[test]
        fn taken_down_is_final_and_only_published_rules_come_down(actions in proptest::collection::vec(rule_action(), 0..30)) {
            let mut at = RuleStatus::Draft;
            for a in actions {
                if let Some(next) = at.after(a) {
                    if next == RuleStatus::TakenDown {
                        prop_assert_eq!(at, RuleStatus::Published);
                    }
                    at = next;
                }
            }
            // Whatever was done, only a draft is editable, and a withdrawn rule is one.
            prop_assert_eq!(at.editable(), at == RuleStatus::Draft);
            if at == RuleStatus::TakenDown {
                for a in [RuleAction::Publish, RuleAction::Withdraw, RuleAction::TakeDown] {
                    prop_assert_eq!(at.after(a), None);
                }
            }
        }

        #[test]
        fn decisions_only_move_forward(stages in proptest::collection::vec((stage(), any::<bool>()), 0..10)) {
            let mut at = ApplicationStatus::Pending;
            for (s, pass) in stages {
                if at == s.decides() {
                    let next = s.outcome(pass);
                    prop_assert!(next != at);
                    // Only a single or final review grants; the initial one never does.
                    if next == ApplicationStatus::Passed {
                        prop_assert!(s != Stage::Initial);
                    }
                    at = next;
                }
            }
            if at.is_final() {
                for s in [Stage::Single, Stage::Initial, Stage::Final] {
                    prop_assert!(at != s.decides(), "a decided application is never decided again");
                }
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in RuleStatus::ALL {
            assert_eq!(RuleStatus::parse(s.code()), Ok(*s));
        }
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.code()), Ok(*s));
        }
        for s in InstitutionStatus::ALL {
            assert_eq!(InstitutionStatus::parse(s.code()), Ok(*s));
        }
        for s in LearnerStatus::ALL {
            assert_eq!(LearnerStatus::parse(s.code()), Ok(*s));
        }
        for s in MethodStatus::ALL {
            assert_eq!(MethodStatus::parse(s.code()), Ok(*s));
        }
        for s in CatalogRecognition::ALL {
            assert_eq!(CatalogRecognition::parse(s.code()), Ok(*s));
        }
        for s in NewsStatus::ALL {
            assert_eq!(NewsStatus::parse(s.code()), Ok(*s));
        }
        for s in QuestionStatus::ALL {
            assert_eq!(QuestionStatus::parse(s.code()), Ok(*s));
        }
        for s in FeedbackStatus::ALL {
            assert_eq!(FeedbackStatus::parse(s.code()), Ok(*s));
        }
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.code()), Ok(*s));
        }
        for s in SyncStatus::ALL {
            assert_eq!(SyncStatus::parse(s.code()), Ok(*s));
        }
        assert!(RuleStatus::parse("archived").is_err());
        assert_eq!(
            RuleStatus::Published.after(RuleAction::Withdraw),
            Some(RuleStatus::Draft)
        );
    }
}
