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

/// An e-mail address, kept in lower case (it is a sign-in name at OUCN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = half_width(input).to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new(field, "请输入电子邮箱"));
        }
        let ok = s.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !host.contains('@')
        }) && s.len() <= 100
            && !s.contains(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','));
        if !ok {
            return Err(FieldError::new(
                field,
                "请输入正确的电子邮件地址，例如 name@example.com",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A learner's user name (Guangdong): 4-20 letters and digits, not all digits (so it
/// can never be mistaken for a mobile or an ID number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = half_width(input);
        if s.is_empty() {
            return Err(FieldError::new("username", "请输入用户名"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new("username", "用户名只能由英文字母与数字组成"));
        }
        if !(4..=20).contains(&s.len()) || s.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("username", "用户名须为4-20位，且不能全为数字"));
        }
        Ok(Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert!(AccountName::parse("gdjyt_01").is_ok());
        assert!(AccountName::parse("_abc").is_err());
        assert!(AccountName::parse("ab").is_err());
        assert!(AccountName::parse("张三abc").is_err());
    }

    #[test]
    fn emails_and_user_names() {
        use super::{Email, UserName};
        assert_eq!(
            Email::parse("email", " Li@Example.CN ").unwrap().as_str(),
            "li@example.cn"
        );
        for bad in ["", "li", "li@cn", "li@@x.cn", "a b@x.cn", "<a>@x.cn", "li@.cn"] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
        assert_eq!(UserName::parse("ZhangSan01").unwrap().as_str(), "zhangsan01");
        assert_eq!(
            UserName::parse("张三abc").unwrap_err().message,
            "用户名只能由英文字母与数字组成"
        );
        assert!(UserName::parse("13800138000").is_err() && UserName::parse("ab").is_err());
    }
}
