//! The bank a deployment runs as (its profile): the national vocational bank, the Open
//! University bank or Guangdong's provincial bank. One engine serves all three; what
//! differs between them is data chosen here — the name on every page, PDF and message,
//! the taxonomy preset, how learners sign in and register, and who reviews conversions.

/// How a learner identifies itself at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnerSignIn {
    /// ID number or bound mobile (NCB).
    IdOrMobile,
    /// `S` + ID number, or the registered e-mail (OUCN).
    SIdOrEmail,
    /// A user name of letters and digits (Guangdong).
    UserName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// 职业教育国家学分银行.
    #[default]
    Ncb,
    /// 国家开放大学学分银行.
    Oucn,
    /// 广东终身教育学分银行.
    Guangdong,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Ncb, Profile::Oucn, Profile::Guangdong];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Ncb => "ncb",
            Self::Oucn => "oucn",
            Self::Guangdong => "guangdong",
        }
    }

    /// The bank's full name, shown on every page, PDF and message.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ncb => "职业教育国家学分银行",
            Self::Oucn => "国家开放大学学分银行",
            Self::Guangdong => "广东终身教育学分银行",
        }
    }

    /// The short name used in running text and the SMS signature.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Ncb => "国家学分银行",
            Self::Oucn => "国开学分银行",
            Self::Guangdong => "广东学分银行",
        }
    }

    /// The line under the name in the page header.
    pub fn tagline(self) -> &'static str {
        match self {
            Self::Ncb => "存储学习成果 兑现人生梦想",
            Self::Oucn => "学习成果认证、积累与转换",
            Self::Guangdong => "终身学习 资历互认",
        }
    }

    /// The taxonomy preset a new database of this bank starts from.
    pub fn preset(self) -> &'static str {
        self.code()
    }

    /// Whether conversions go through the department's 初审 and an expert's 终审
    /// (Guangdong) instead of the target institution alone.
    pub fn two_stage_conversion(self) -> bool {
        self == Self::Guangdong
    }

    /// Whether learners may ask to convert an informal 业绩类 outcome into a catalog
    /// outcome they pick, without a published rule (Guangdong's 业绩类成果转换申请).
    pub fn performance_conversion(self) -> bool {
        self == Self::Guangdong
    }

    pub fn learner_sign_in(self) -> LearnerSignIn {
        match self {
            Self::Ncb => LearnerSignIn::IdOrMobile,
            Self::Oucn => LearnerSignIn::SIdOrEmail,
            Self::Guangdong => LearnerSignIn::UserName,
        }
    }

    /// What the learner sign-in form asks for.
    pub fn learner_account_label(self) -> &'static str {
        match self.learner_sign_in() {
            LearnerSignIn::IdOrMobile => "身份证号或手机号",
            LearnerSignIn::SIdOrEmail => "用户名（S+身份证号）或注册邮箱",
            LearnerSignIn::UserName => "用户名",
        }
    }

    /// Whether a new learner account waits for the bank's review before it can sign
    /// in (OUCN: reviewed within 1-2 working days).
    pub fn reviews_learner_accounts(self) -> bool {
        self == Self::Oucn
    }

    /// Working days the bank gives itself for a learner account and a stored outcome.
    pub fn review_days(self) -> (i64, i64) {
        (2, 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.code()), Some(p));
            assert!(p.name().ends_with("学分银行"));
        }
        assert_eq!(Profile::parse(" oucn "), Some(Profile::Oucn));
        assert_eq!(Profile::parse("nope"), None);
    }

    #[test]
    fn only_guangdong_has_two_stage_conversion() {
        assert!(Profile::Guangdong.two_stage_conversion());
        assert!(!Profile::Ncb.two_stage_conversion());
        assert!(!Profile::Oucn.two_stage_conversion());
    }
}
