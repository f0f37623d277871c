use crate::{FieldError, normalize::half_width};

/// A login account name for staff, experts and institution sub-users:
/// 4-32 letters, digits or underscores, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = half_width(input);
        if s.is_empty() {
            return Err(FieldError::new("account", "请输入登录账号"));
        }
        let n = s.len();
        let ok = s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !ok || !(4..=32).contains(&n) {
            return Err(FieldError::new("account", "登录账号须为4-32位字母、数字或下划线"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert!(AccountName::parse("gdjyt_01").is_ok());
        assert!(AccountName::parse("_abc").is_err());
        assert!(AccountName::parse("ab").is_err());
        assert!(AccountName::parse("张三abc").is_err());
    }
}
