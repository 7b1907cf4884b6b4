//! Dates: stored as UTC milliseconds, shown as ISO dates (`2026-11-24`) everywhere, so the
//! server-rendered page and the hydrated one agree whatever the browser's time zone.

/// `YYYY-MM-DD` (UTC) for a timestamp in milliseconds since the Unix epoch.
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Milliseconds since the epoch at the start of a UTC calendar day.
pub fn date_to_ms(year: i64, month: u32, day: u32) -> i64 {
    days_from_civil(year, month, day) * 86_400_000
}

/// Reads a date as a form sends it (`2026-11-24`, what `<input type="date">` gives) into
/// milliseconds at the start of that UTC day.
pub fn parse_date(text: &str) -> Result<i64, crate::RuleViolation> {
    let invalid = || crate::RuleViolation::new("Enter a date as YYYY-MM-DD");
    let text = text.trim();
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !text.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        return Err(invalid());
    }
    let (year, month, day): (i64, u32, u32) = (
        y.parse().map_err(|_| invalid())?,
        m.parse().map_err(|_| invalid())?,
        d.parse().map_err(|_| invalid())?,
    );
    let ms = date_to_ms(year, month, day);
    // Rejects 2026-02-30 and month 13: the date must read back as typed.
    if !(1..=12).contains(&month) || day == 0 || format_date(ms) != text {
        return Err(crate::RuleViolation::new(format!("{text} is not a date")));
    }
    Ok(ms)
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds) for a timestamp in milliseconds: how the API
/// writes times.
pub fn format_timestamp(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let within = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(ms),
        within / 3600,
        within % 3600 / 60,
        within % 60
    )
}

/// `YYYY-MM-DD HH:MM UTC`: a moment as pages show it where the time of day matters (when a
/// message was sent).
pub fn format_minute(ms: i64) -> String {
    let within = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        format_date(ms),
        within / 3600,
        within % 3600 / 60
    )
}

/// Reads an RFC 3339 time in UTC as the API takes it (`2026-11-24T13:05:00Z`, optionally
/// with milliseconds: `…:00.250Z`) into milliseconds since the epoch.
pub fn parse_timestamp(text: &str) -> Result<i64, crate::RuleViolation> {
    let invalid =
        || crate::RuleViolation::new("Give the time in UTC as RFC 3339, e.g. 2026-11-24T13:05:00Z");
    let text = text.trim();
    let rest = text.strip_suffix('Z').ok_or_else(invalid)?;
    let (date, clock) = rest.split_once('T').ok_or_else(invalid)?;
    let day = parse_date(date).map_err(|_| invalid())?;
    let (clock, millis) = match clock.split_once('.') {
        Some((c, f)) if (1..=3).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            (c, format!("{f:0<3}").parse::<i64>().map_err(|_| invalid())?)
        }
        Some(_) => return Err(invalid()),
        None => (clock, 0),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return Err(invalid());
    };
    let number = |t: &str, max: i64| -> Result<i64, crate::RuleViolation> {
        if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let n: i64 = t.parse().map_err(|_| invalid())?;
        if n > max { Err(invalid()) } else { Ok(n) }
    };
    let (h, m, s) = (number(h, 23)?, number(m, 59)?, number(s, 59)?);
    Ok(day + ((h * 60 + m) * 60 + s) * 1000 + millis)
}

/// Days of history a replay (the offer simulator) or a dry run (triggers) looks back over,
/// as typed: 1 to 365, empty for the usual 30; `None` for anything else.
pub fn lookback_days(text: Option<&str>) -> Option<i64> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Some(30),
        Some(t) => t.parse::<i64>().ok().filter(|d| (1..=365).contains(d)),
    }
}

/// The same moment `months` calendar months later (UTC); a day past the end of the target
/// month falls back to its last day (Jan 31 + 1 month = Feb 28 or 29).
pub fn add_months(ms: i64, months: u32) -> i64 {
    let days = ms.div_euclid(86_400_000);
    let within_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let index = year * 12 + i64::from(month - 1) + i64::from(months);
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    let next_first = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    let last_day = (next_first - days_from_civil(year, month, 1)) as u32;
    days_from_civil(year, month, day.min(last_day)) * 86_400_000 + within_day
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_lookback_is_one_to_365_days_and_30_when_empty() {
        assert_eq!(lookback_days(None), Some(30));
        assert_eq!(lookback_days(Some(" ")), Some(30));
        assert_eq!(lookback_days(Some(" 7 ")), Some(7));
        assert_eq!(lookback_days(Some("365")), Some(365));
        for bad in ["0", "366", "-1", "x", "1.5"] {
            assert_eq!(lookback_days(Some(bad)), None, "{bad}");
        }
    }
    #[test]
    fn dates_parse_as_typed_only() {
        assert_eq!(
            super::parse_date("2026-11-24"),
            Ok(super::date_to_ms(2026, 11, 24))
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-11-24",
            "2026/11/24",
            "",
            "2026-1-05",
            "+026-11-24",
        ] {
            assert!(super::parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn months_are_calendar_months() {
        use super::{add_months, date_to_ms};
        assert_eq!(
            add_months(date_to_ms(2026, 1, 31), 1),
            date_to_ms(2026, 2, 28)
        );
        assert_eq!(
            add_months(date_to_ms(2028, 1, 31), 1),
            date_to_ms(2028, 2, 29)
        );
        assert_eq!(
            add_months(date_to_ms(2026, 11, 24) + 5, 14),
            date_to_ms(2028, 1, 24) + 5
        );
        assert_eq!(
            add_months(date_to_ms(2026, 5, 1), 0),
            date_to_ms(2026, 5, 1)
        );
    }

    proptest::proptest! {
        #[test]
        fn months_never_go_backwards(days in -50_000i64..50_000, months in 0u32..600) {
            let ms = days * 86_400_000;
            let later = super::add_months(ms, months);
            proptest::prop_assert!(later >= ms);
            proptest::prop_assert!(later - ms <= i64::from(months) * 31 * 86_400_000);
        }

        #[test]
        fn every_day_reads_back(days in -100_000i64..200_000) {
            let ms = days * 86_400_000;
            proptest::prop_assert_eq!(super::parse_date(&super::format_date(ms)), Ok(ms));
        }
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_795_996_800_000), "2026-11-30");
        assert_eq!(format_date(-1), "1969-12-31");
        assert_eq!(date_to_ms(2024, 2, 29), 1_709_164_800_000);
        assert_eq!(format_date(date_to_ms(2000, 3, 1)), "2000-03-01");
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn api_timestamps_are_utc_rfc3339() {
        let ms = super::date_to_ms(2026, 11, 24) + (13 * 3600 + 5 * 60) * 1000;
        assert_eq!(super::parse_timestamp("2026-11-24T13:05:00Z"), Ok(ms));
        assert_eq!(
            super::parse_timestamp("2026-11-24T13:05:00.25Z"),
            Ok(ms + 250)
        );
        assert_eq!(super::format_timestamp(ms + 999), "2026-11-24T13:05:00Z");
        assert_eq!(super::format_minute(ms + 59_999), "2026-11-24 13:05 UTC");
        for bad in [
            "2026-11-24T13:05:00",
            "2026-11-24 13:05:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T13:5:00Z",
            "2026-11-24T13:05:00+01:00",
            "2026-11-24T13:05:00.1234Z",
            "2026-02-30T00:00:00Z",
        ] {
            assert!(super::parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn timestamps_read_back_as_written(seconds in -2_000_000_000i64..8_000_000_000) {
            let ms = seconds * 1000;
            proptest::prop_assert_eq!(super::parse_timestamp(&super::format_timestamp(ms)), Ok(ms));
        }
    }
}
