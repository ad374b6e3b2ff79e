//! `YYYY-MM-DD` (de)serialisation of [`NaiveDate`], for `#[serde(with = "crate::date")]`.
//!
//! Why not chrono's own serde: chrono deserialises a `NaiveDate` through its general format
//! parser, which the patient portal would then carry in its WebAssembly only to read dates like
//! `2026-11-20`. This module writes exactly what chrono writes (four-digit years, zero-padded;
//! years outside 0–9999 with a sign and at least four digits, as chrono's `Display` does) and
//! reads the same strings back, so the JSON on the wire does not change.

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

/// The date as chrono's `Display` writes it: `2026-03-07`, `+10000-01-01`, `-0001-12-31`.
pub fn format(date: NaiveDate) -> String {
    let year = date.year();
    if (0..=9999).contains(&year) {
        format!("{year:04}-{:02}-{:02}", date.month(), date.day())
    } else {
        format!("{year:+05}-{:02}-{:02}", date.month(), date.day())
    }
}

/// Reads `YYYY-MM-DD` (an optional sign and more year digits allowed, as [`format()`] writes).
/// `None` for anything else, including dates that do not exist (`2026-02-30`).
pub fn parse(text: &str) -> Option<NaiveDate> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'+') => (false, text.get(1..)?),
        Some(b'-') => (true, text.get(1..)?),
        _ => (false, text),
    };
    let mut parts = unsigned.split('-');
    let year = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    if parts.next().is_some() || year.len() < 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let number = |digits: &str| -> Option<i32> {
        if digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let year = number(year)?;
    let year = if negative { -year } else { year };
    let month = u32::try_from(number(month)?).ok()?;
    let day = u32::try_from(number(day)?).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*date))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    struct DateVisitor;
    impl Visitor<'_> for DateVisitor {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a date as YYYY-MM-DD")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<NaiveDate, E> {
            parse(text).ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
        }
    }
    deserializer.deserialize_str(DateVisitor)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ours {
        #[serde(with = "crate::date")]
        date: NaiveDate,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Chronos {
        date: NaiveDate,
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn known_dates() {
        assert_eq!(format(ymd(2026, 3, 7)), "2026-03-07");
        assert_eq!(format(ymd(5, 1, 1)), "0005-01-01");
        assert_eq!(format(ymd(10000, 1, 1)), "+10000-01-01");
        assert_eq!(format(ymd(-1, 12, 31)), "-0001-12-31");
        assert_eq!(parse("2026-11-20"), Some(ymd(2026, 11, 20)));
        assert_eq!(parse("2024-02-29"), Some(ymd(2024, 2, 29)));
        assert_eq!(parse("+10000-01-01"), Some(ymd(10000, 1, 1)));
        assert_eq!(parse("-0001-12-31"), Some(ymd(-1, 12, 31)));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "-",
            "+",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "2026-01-1",
            "26-01-01",
            "2026-01-01T00:00:00",
            "2026/01/01",
            " 2026-01-01",
            "2026-01-01 ",
            "2026-+1-01",
            "2026--01-01",
            "20x6-01-01",
            "9999999999-01-01",
            "２０２６-01-01",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_is_what_chrono_writes_and_reads() {
        let date = ymd(2026, 11, 20);
        let ours = serde_json::to_string(&Ours { date }).unwrap();
        assert_eq!(ours, r#"{"date":"2026-11-20"}"#);
        assert_eq!(ours, serde_json::to_string(&Chronos { date }).unwrap());
        let back: Ours = serde_json::from_str(&ours).unwrap();
        assert_eq!(back.date, date);
        let error = serde_json::from_str::<Ours>(r#"{"date":"2026-02-30"}"#).unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
        assert!(serde_json::from_str::<Ours>(r#"{"date":20261120}"#).is_err());
    }

    proptest! {
        /// Every date chrono can hold: our JSON equals chrono's, and each reads the other's back.
        #[test]
        fn round_trips_like_chrono(days in i32::MIN..i32::MAX) {
            let Some(date) = NaiveDate::from_num_days_from_ce_opt(days) else {
                return Ok(());
            };
            let ours = serde_json::to_string(&Ours { date }).unwrap();
            let chronos = serde_json::to_string(&Chronos { date }).unwrap();
            prop_assert_eq!(&ours, &chronos);
            prop_assert_eq!(serde_json::from_str::<Ours>(&chronos).unwrap().date, date);
            prop_assert_eq!(serde_json::from_str::<Chronos>(&ours).unwrap().date, date);
        }

        /// Dates in the range people use (years 1900–2100), drawn uniformly by day.
        #[test]
        fn round_trips_everyday_dates(days in 693_595i32..767_010) {
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            prop_assert_eq!(parse(&format(date)), Some(date));
            prop_assert_eq!(format(date), date.to_string());
        }

        /// Arbitrary text never panics and is accepted only when it is exactly a date.
        #[test]
        fn arbitrary_text_is_parsed_only_when_canonical(text in "[-+0-9]{0,12}") {
            if let Some(date) = parse(&text) {
                let canonical = format(date);
                // A '+' is only written for years above 9999; leading zeros beyond four digits
                // are accepted on input but not written.
                prop_assert_eq!(parse(&canonical), Some(date));
            }
        }
    }
}
