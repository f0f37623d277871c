//! Credits, hours and scores are decimals with at most two places, kept as integer
//! hundredths so sums are exact on both databases.

use crate::FieldError;
use crate::normalize::half_width;

/// Hundredths of a unit: `Credits(250)` is 2.5 credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Credits(pub i64);

impl Credits {
    /// Parses `3`, `2.5`, `0.25`; at most two decimal places, below 1 000 000.
    pub fn parse_decimal(input: &str) -> Option<i64> {
        let s = half_width(input);
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        if int.is_empty()
            || int.len() > 6
            || frac.len() > 2
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = int.parse().ok()?;
        let cents: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<2}").parse().ok()?
        };
        Some(whole * 100 + cents)
    }

    pub fn parse(field: &'static str, label: &str, input: &str) -> Result<Self, FieldError> {
        if half_width(input).is_empty() {
            return Err(FieldError::new(field, format!("请输入{label}")));
        }
        Self::parse_decimal(input)
            .map(Credits)
            .ok_or_else(|| FieldError::new(field, format!("{label}须为不小于0的数字，最多两位小数")))
    }
}

impl std::fmt::Display for Credits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.abs();
        match v % 100 {
            0 => write!(f, "{sign}{}", v / 100),
            c if c % 10 == 0 => write!(f, "{sign}{}.{}", v / 100, c / 10),
            c => write!(f, "{sign}{}.{c:02}", v / 100),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_show() {
        assert_eq!(Credits::parse_decimal("3"), Some(300));
        assert_eq!(Credits::parse_decimal("2.5"), Some(250));
        assert_eq!(Credits::parse_decimal("０.２５"), Some(25));
        assert_eq!(Credits::parse_decimal("-1"), None);
        assert_eq!(Credits::parse_decimal("1.234"), None);
        assert_eq!(Credits::parse_decimal("abc"), None);
        assert_eq!(Credits(250).to_string(), "2.5");
        assert_eq!(Credits(205).to_string(), "2.05");
        assert_eq!(Credits(-300).to_string(), "-3");
    }
}
