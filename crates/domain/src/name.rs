use crate::{FieldError, normalize::half_width};

/// A person's name as written on an ID: Chinese characters, letters, spaces and the
/// middle dot used in transliterated minority and foreign names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 30;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = half_width(input);
        if s.is_empty() {
            return Err(FieldError::new("name", "请输入姓名"));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("name", "姓名不能超过30个字"));
        }
        let ok = s
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '·' || c == '•' || c == '.' || c == '-');
        if !ok {
            return Err(FieldError::new("name", "姓名只能包含汉字、字母、空格和间隔号“·”"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text label such as an institution name: no markup, bounded length.
pub fn parse_label(field: &'static str, label: &str, input: &str, max: usize) -> Result<String, FieldError> {
    let s = half_width(input);
    if s.is_empty() {
        return Err(FieldError::new(field, format!("请输入{label}")));
    }
    optional_text(field, label, &s, max).map(|v| v.unwrap_or_default())
}

/// Optional free text: trimmed, bounded, no markup characters that could be mistaken for HTML.
pub fn optional_text(field: &'static str, label: &str, input: &str, max: usize) -> Result<Option<String>, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, format!("{label}不能超过{max}个字")));
    }
    if s.contains('<') || s.contains('>') {
        return Err(FieldError::new(field, format!("{label}不能包含“<”或“>”")));
    }
    Ok(Some(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(PersonName::parse("张三").is_ok());
        assert!(PersonName::parse("阿依古丽·买买提").is_ok());
        assert!(PersonName::parse("<script>").is_err());
        assert!(PersonName::parse("张三1").is_err());
        assert!(PersonName::parse("").is_err());
        assert!(PersonName::parse(&"张".repeat(31)).is_err());
    }

    #[test]
    fn labels() {
        assert!(parse_label("n", "名称", "<b>x</b>", 50).is_err());
        assert!(parse_label("n", "名称", "", 50).is_err());
        assert_eq!(
            parse_label("n", "名称", " 广东开放大学 ", 50).ok().as_deref(),
            Some("广东开放大学")
        );
        assert!(optional_text("n", "简介", &"字".repeat(11), 10).is_err());
    }
}
