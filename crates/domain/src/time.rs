//! Times are stored as unix seconds (UTC) and shown in Beijing time (UTC+8, no DST).

/// `2026-11-26 12:00` in Beijing time.
pub fn beijing(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Beijing time is UTC+8 all year.
const BEIJING_OFFSET: i64 = 8 * 3600;

/// The calendar day in Beijing at unix time `ts`.
pub fn beijing_day(ts: i64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp(ts + BEIJING_OFFSET, 0)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// The unix time at which a Beijing calendar day starts (00:00 UTC+8).
pub fn beijing_start(day: chrono::NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp())
        .unwrap_or_default()
        - BEIJING_OFFSET
}

/// Working days (Monday to Friday, Beijing days) from the day after `since` up to and
/// including the day of `now`: how long something has waited. Public holidays are not
/// known here, so a promise in working days is kept at least as strictly as stated.
pub fn working_days_between(since: i64, now: i64) -> i64 {
    use chrono::Datelike;
    let (mut day, end) = (beijing_day(since), beijing_day(now));
    let mut n = 0;
    while day < end {
        day = day.succ_opt().unwrap_or(end);
        if day.weekday().number_from_monday() <= 5 {
            n += 1;
        }
    }
    n
}

/// Today in Beijing: certificate numbers, rule codes, ages of outcomes and ID validity
/// all count days by this clock, whatever the server's time zone.
pub fn today() -> chrono::NaiveDate {
    beijing_day(chrono::Utc::now().timestamp())
}

/// The last `n` Beijing calendar months up to the one holding `now`, oldest first:
/// (`YYYY-MM`, the unix time it starts), and the start of the month after the last.
pub fn last_months(now: i64, n: u32) -> (Vec<(String, i64)>, i64) {
    use chrono::{Datelike, Months, NaiveDate};
    let day = beijing_day(now);
    let this = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    let months: Vec<(String, i64)> = (0..n)
        .rev()
        .filter_map(|back| this.checked_sub_months(Months::new(back)))
        .map(|m| (m.format("%Y-%m").to_string(), beijing_start(m)))
        .collect();
    let end = this
        .checked_add_months(Months::new(1))
        .map(beijing_start)
        .unwrap_or(now);
    (months, end)
}

/// This year in Beijing.
pub fn this_year() -> i32 {
    use chrono::Datelike;
    today().year()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn last_months_are_beijing_calendar_months() {
        // 2026-03-01 00:30 Beijing is still February in UTC.
        let now = super::beijing_start(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()) + 1800;
        let (months, end) = super::last_months(now, 3);
        let names: Vec<&str> = months.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(names, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(
            end,
            super::beijing_start(chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
        );
        assert_eq!(months[2].1, now - 1800);
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-27 is a Friday (Beijing); the Monday after is one working day later.
        let friday = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let at = |d: chrono::NaiveDate| super::beijing_start(d) + 3600;
        assert_eq!(super::working_days_between(at(friday), at(friday)), 0);
        assert_eq!(
            super::working_days_between(at(friday), at(friday + chrono::Days::new(2))),
            0
        );
        assert_eq!(
            super::working_days_between(at(friday), at(friday + chrono::Days::new(3))),
            1
        );
        assert_eq!(
            super::working_days_between(at(friday), at(friday + chrono::Days::new(14))),
            10
        );
    }

    #[test]
    fn shifts_to_beijing() {
        assert_eq!(super::beijing(0), "1970-01-01 08:00");
    }

    #[test]
    fn a_beijing_day_starts_at_16_00_utc() {
        // 2026-12-01 15:59:59 UTC is still 1 December in Beijing; a second later it is the 2nd.
        let t = 1_796_140_799;
        assert_eq!(super::beijing_day(t).to_string(), "2026-12-01");
        assert_eq!(super::beijing_day(t + 1).to_string(), "2026-12-02");
        // 00:30 in Beijing is the previous day in UTC.
        assert_eq!(super::beijing_day(1_796_142_600).to_string(), "2026-12-02");
    }
}
