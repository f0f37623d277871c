//! Times are stored as unix seconds (UTC) and shown in Beijing time (UTC+8, no DST).

/// `2026-11-26 12:00` in Beijing time.
pub fn beijing(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shifts_to_beijing() {
        assert_eq!(super::beijing(0), "1970-01-01 08:00");
    }
}
