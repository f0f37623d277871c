//! Opinions and reasons that reviewers and institutions write (审核意见, 驳回原因, 撤回原因,
//! 下架原因): one parser, so every place refuses the same things with the same words.

use crate::{FieldError, normalize::half_width};

/// Reviewed text: half-width, trimmed, at most [`Opinion::MAX_CHARS`] characters, no
/// angle brackets (it is shown in pages, PDFs and SMS messages).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Opinion(String);

impl Opinion {
    pub const MAX_CHARS: usize = 500;

    /// Parses the text of form field `field`, called `label` in messages. An empty text
    /// is refused when `required`.
    pub fn parse(field: &'static str, label: &str, input: &str, required: bool) -> Result<Self, FieldError> {
        let s = half_width(input);
        if required && s.is_empty() {
            return Err(FieldError::new(field, format!("请填写{label}")));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("{label}不能超过{}个字", Self::MAX_CHARS),
            ));
        }
        if s.contains(['<', '>']) {
            return Err(FieldError::new(field, format!("{label}不能包含“<”或“>”")));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Opinion;
    use proptest::prelude::*;

    #[test]
    fn refuses_what_every_review_refuses() {
        assert_eq!(
            Opinion::parse("opinion", "审核意见", "  ", true).unwrap_err().message,
            "请填写审核意见"
        );
        assert!(Opinion::parse("opinion", "审核意见", "", false).unwrap().is_empty());
        let long = "字".repeat(501);
        assert_eq!(
            Opinion::parse("reason", "撤回原因", &long, true).unwrap_err().message,
            "撤回原因不能超过500个字"
        );
        assert!(Opinion::parse("reason", "驳回原因", "<script>", true).is_err());
        assert_eq!(
            Opinion::parse("opinion", "审核意见", "　同意１ ", true)
                .unwrap()
                .as_str(),
            "同意1"
        );
    }

    proptest! {
        #[test]
        fn accepted_text_is_bounded_and_markup_free(s in "\\PC{0,600}") {
            if let Ok(o) = Opinion::parse("opinion", "审核意见", &s, false) {
                prop_assert!(o.as_str().chars().count() <= Opinion::MAX_CHARS);
                prop_assert!(!o.as_str().contains(['<', '>']));
            }
        }
    }
}
