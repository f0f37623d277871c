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

/// A name with all but its first and last characters hidden: 张*明, 李*.
pub fn name(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// An e-mail address with its user part hidden but for the first character: l***@example.cn.
pub fn email(s: &str) -> String {
    match s.split_once('@') {
        Some((user, host)) => format!("{}***@{host}", user.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
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
