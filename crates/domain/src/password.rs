use crate::FieldError;

/// A new password that meets the manuals' policy: 8-16 characters, letters and digits
/// both present, printable ASCII only.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(input: &str, confirm: &str) -> Result<Self, FieldError> {
        let n = input.chars().count();
        if input.is_empty() {
            return Err(FieldError::new("password", "请输入密码"));
        }
        if !(8..=16).contains(&n) {
            return Err(FieldError::new("password", "密码须为8-16位字符"));
        }
        if !input.chars().all(|c| c.is_ascii_graphic()) {
            return Err(FieldError::new("password", "密码只能包含字母、数字和英文符号"));
        }
        let letters = input.chars().any(|c| c.is_ascii_alphabetic());
        let digits = input.chars().any(|c| c.is_ascii_digit());
        if !(letters && digits) {
            return Err(FieldError::new("password", "密码必须同时包含字母和数字"));
        }
        if input != confirm {
            return Err(FieldError::new("confirm", "两次输入的密码不一致"));
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(NewPassword::parse("abc12345", "abc12345").is_ok());
        assert!(NewPassword::parse("abcdefgh", "abcdefgh").is_err());
        assert!(NewPassword::parse("12345678", "12345678").is_err());
        assert!(NewPassword::parse("ab1", "ab1").is_err());
        assert!(NewPassword::parse("abc12345abc123456", "abc12345abc123456").is_err());
        assert!(NewPassword::parse("abc 12345", "abc 12345").is_err());
        let e = NewPassword::parse("abc12345", "abc12346").err();
        assert_eq!(e.map(|e| e.field.into_owned()).as_deref(), Some("confirm"));
    }
}
