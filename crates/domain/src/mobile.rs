use crate::{FieldError, normalize::half_width};

/// A mainland China mobile number: 11 digits starting with 13-19.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = half_width(input);
        let s = s.strip_prefix("+86").unwrap_or(&s).trim();
        let b = s.as_bytes();
        if s.is_empty() {
            return Err(FieldError::new("mobile", "请输入手机号码"));
        }
        if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' || b[1] < b'3' {
            return Err(FieldError::new("mobile", "请输入正确的11位手机号码"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        assert!(Mobile::parse("18912347876").is_ok());
        assert!(Mobile::parse("+86 18912347876").is_ok());
        assert!(Mobile::parse("１８９１２３４７８７６").is_ok());
        assert!(Mobile::parse("12912347876").is_err());
        assert!(Mobile::parse("1891234787").is_err());
        assert!(Mobile::parse("1891234787a").is_err());
        assert!(Mobile::parse("").is_err());
    }
}
