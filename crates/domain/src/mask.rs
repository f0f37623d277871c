//! Masking of personal data in lists and exports.

/// `371083200009087654` → `371083*****7654`; short values keep only their last character.
pub fn id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 11 {
        return match chars.last() {
            Some(last) if chars.len() > 1 => format!("{}{last}", "*".repeat(chars.len() - 1)),
            _ => s.to_string(),
        };
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}*****{tail}")
}

/// `18912347876` → `189****7876`.
pub fn mobile(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_spec() {
        assert_eq!(id_number("371083200009087654"), "371083*****7654");
        assert_eq!(mobile("18912347876"), "189****7876");
        assert_eq!(id_number("E1234567"), "*******7");
    }
}
