//! Who may sign in, and what an institution sub-user may be given.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Learner,
    Institution,
    Expert,
    Department,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Learner, Role::Institution, Role::Expert, Role::Department];

    pub fn code(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Institution => "institution",
            Role::Expert => "expert",
            Role::Department => "department",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "个人用户",
            Role::Institution => "机构用户",
            Role::Expert => "专家用户",
            Role::Department => "综合管理部门",
        }
    }

    /// Where this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Learner => "/learner",
            Role::Institution => "/institution",
            Role::Expert => "/expert",
            Role::Department => "/department",
        }
    }
}

/// The menu areas of the institution space (院校空间). A primary account has all of them;
/// a sub-user has those its primary account gives it. User management itself is
/// reserved to the primary account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// 成果及学员管理
    Outcomes,
    /// 转换办法与规则
    Rules,
    /// 成果转换管理
    Conversion,
    /// 我的消息
    Messages,
    /// 账户管理 → 机构信息
    Profile,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::Outcomes,
        Area::Rules,
        Area::Conversion,
        Area::Messages,
        Area::Profile,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Area::Outcomes => "outcomes",
            Area::Rules => "rules",
            Area::Conversion => "conversion",
            Area::Messages => "messages",
            Area::Profile => "profile",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Area::Outcomes => "成果及学员管理",
            Area::Rules => "转换办法与规则",
            Area::Conversion => "成果转换管理",
            Area::Messages => "我的消息",
            Area::Profile => "机构信息",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }
}

/// A set of areas, stored as a comma-separated list of codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Areas(Vec<Area>);

impl Areas {
    pub fn all() -> Self {
        Self(Area::ALL.to_vec())
    }
    pub fn parse_list(s: &str) -> Self {
        Self(
            Area::ALL
                .into_iter()
                .filter(|a| s.split(',').any(|x| x.trim() == a.code()))
                .collect(),
        )
    }
    pub fn from_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Self {
        let codes: Vec<&str> = codes.into_iter().collect();
        Self(Area::ALL.into_iter().filter(|a| codes.contains(&a.code())).collect())
    }
    pub fn contains(&self, a: Area) -> bool {
        self.0.contains(&a)
    }
    pub fn to_list(&self) -> String {
        self.0.iter().map(|a| a.code()).collect::<Vec<_>>().join(",")
    }
    pub fn labels(&self) -> String {
        self.0.iter().map(|a| a.label()).collect::<Vec<_>>().join("、")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_round_trip() {
        let a = Areas::from_codes(["rules", "bogus", "outcomes"]);
        assert_eq!(a.to_list(), "outcomes,rules");
        assert_eq!(Areas::parse_list(&a.to_list()), a);
        assert!(!a.contains(Area::Messages));
    }
}
