/// Turns full-width ASCII (common in Chinese input methods and spreadsheets) into
/// half-width, the ideographic space into a plain space, and trims the result.
pub fn half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// True when the text holds characters that would be markup if echoed unescaped.
pub fn has_markup(input: &str) -> bool {
    input.chars().any(|c| matches!(c, '<' | '>' | '&' | '"' | '\'' | '`'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_spaces() {
        assert_eq!(half_width("\u{3000}１３８００１３８０００ "), "13800138000");
        assert_eq!(half_width("ＡＢｃ"), "ABc");
    }
}
