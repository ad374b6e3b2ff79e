//! Dates, times and sizes as people read them (en-GB, GOV.UK style), and dates as machines
//! read them (`<time datetime>`, date inputs). Pure, tested natively.
//!
//! Written by hand rather than with chrono's formatter, which would otherwise be carried in
//! both apps' WebAssembly only for these few strings.

use sealpost_shared::chrono::{DateTime, Datelike, NaiveDate, Timelike};

/// A size on a page: `532 bytes`, `12 KB`, `3.4 MB` (`sealpost_shared::wire::format_size`),
/// with a no-break space between the number and its unit, so a narrow screen never wraps
/// "80" away from "KB".
pub fn format_size(bytes: u64) -> String {
    sealpost_shared::wire::format_size(bytes).replace(' ', "\u{a0}")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as GOV.UK writes it: `7 March 2026` (no leading zero, the month's full name).
pub fn format_date(date: NaiveDate) -> String {
    let month = MONTHS
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{} {} {}", date.day(), month, date.year())
}

/// A date for `<time datetime>` and date inputs: `2026-03-07` (as the wire writes it).
pub fn iso_date(date: NaiveDate) -> String {
    sealpost_shared::date::format(date)
}

/// A Unix time (seconds) as `7 March 2026, 14:05 UTC`.
pub fn format_time(secs: i64) -> String {
    match DateTime::from_timestamp(secs, 0) {
        Some(t) => format!(
            "{}, {:02}:{:02} UTC",
            format_date(t.date_naive()),
            t.hour(),
            t.minute()
        ),
        None => "an unknown time".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_read_as_gov_uk_writes_them() {
        assert_eq!(format_date(date("1984-03-07")), "7 March 1984");
        assert_eq!(format_date(date("2026-12-31")), "31 December 2026");
        assert_eq!(iso_date(date("2026-03-07")), "2026-03-07");
        assert_eq!(iso_date(date("0987-01-02")), "0987-01-02");
    }

    #[test]
    fn times_are_utc_to_the_minute() {
        assert_eq!(format_time(0), "1 January 1970, 00:00 UTC");
        // 2026-03-07 14:05:59 UTC: seconds are dropped, not rounded.
        assert_eq!(format_time(1_772_892_359), "7 March 2026, 14:05 UTC");
        assert_eq!(format_time(i64::MAX), "an unknown time");
    }

    #[test]
    fn sizes_are_the_shared_ones_never_broken_across_lines() {
        assert_eq!(format_size(500), "500\u{a0}bytes");
        assert_eq!(format_size(1500), "2\u{a0}KB");
        assert_eq!(format_size(3 * 1024 * 1024 + 512 * 1024), "3.5\u{a0}MB");
        for bytes in [0, 1023, 1024, 5 * 1024 * 1024] {
            assert_eq!(
                format_size(bytes),
                sealpost_shared::wire::format_size(bytes).replace(' ', "\u{a0}")
            );
            assert!(!format_size(bytes).contains(' '));
        }
    }
}
