//! The date-of-birth check: parsing three form fields, and a constant-time comparison.
//!
//! Parsing follows the GOV.UK "date input" pattern: each field is checked on its own so that
//! the error summary can point at the field in error, then the whole date must be real and in
//! the past. Date of birth is a weak factor; `lockout::BIRTHDAY_POLICY` limits guessing.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// Which of the three fields an error belongs to (`Date` for the date as a whole).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BirthdayField {
    Day,
    Month,
    Year,
    Date,
}

/// One problem with what was typed, phrased for the person who typed it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: BirthdayField,
    pub message: String,
}

fn error(field: BirthdayField, message: &str) -> FieldError {
    FieldError {
        field,
        message: message.to_owned(),
    }
}

fn parse_number(text: &str, max_digits: usize) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses day, month and year as typed. `today` bounds the date (a birth date is in the past).
/// Returns every field error at once so the form can show them together.
pub fn parse_birthday(
    day: &str,
    month: &str,
    year: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Vec<FieldError>> {
    let mut errors = Vec::new();
    let d = parse_number(day, 2).filter(|d| (1..=31).contains(d));
    let m = parse_number(month, 2).filter(|m| (1..=12).contains(m));
    let y = parse_number(year, 4).filter(|y| *y >= 1000);
    if day.trim().is_empty() {
        errors.push(error(
            BirthdayField::Day,
            "Date of birth must include a day",
        ));
    } else if d.is_none() {
        errors.push(error(
            BirthdayField::Day,
            "Day must be a number from 1 to 31",
        ));
    }
    if month.trim().is_empty() {
        errors.push(error(
            BirthdayField::Month,
            "Date of birth must include a month",
        ));
    } else if m.is_none() {
        errors.push(error(
            BirthdayField::Month,
            "Month must be a number from 1 to 12",
        ));
    }
    if year.trim().is_empty() {
        errors.push(error(
            BirthdayField::Year,
            "Date of birth must include a year",
        ));
    } else if y.is_none() {
        errors.push(error(BirthdayField::Year, "Year must include 4 numbers"));
    }
    let (Some(d), Some(m), Some(y)) = (d, m, y) else {
        return Err(errors);
    };
    let Some(date) = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
    else {
        return Err(vec![error(
            BirthdayField::Date,
            "Date of birth must be a real date",
        )]);
    };
    if date >= today {
        return Err(vec![error(
            BirthdayField::Date,
            "Date of birth must be in the past",
        )]);
    }
    if today.year() - date.year() > 130 {
        return Err(vec![error(BirthdayField::Year, "Check the year of birth")]);
    }
    Ok(date)
}

/// Compares two dates in constant time (no early exit on the first differing digit).
pub fn birthday_matches(entered: NaiveDate, on_file: NaiveDate) -> bool {
    let a = entered.format("%Y%m%d").to_string();
    let b = on_file.format("%Y%m%d").to_string();
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn real_past_dates_parse() {
        assert_eq!(
            parse_birthday("7", "03", "1984", today()),
            Ok(NaiveDate::from_ymd_opt(1984, 3, 7).unwrap())
        );
        assert_eq!(
            parse_birthday(" 29 ", "2", "2000", today()),
            Ok(NaiveDate::from_ymd_opt(2000, 2, 29).unwrap())
        );
    }

    #[test]
    fn each_missing_field_is_named() {
        let errors = parse_birthday("", "", "", today()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                BirthdayField::Day,
                BirthdayField::Month,
                BirthdayField::Year
            ]
        );
    }

    #[test]
    fn impossible_and_future_dates_are_refused() {
        let err = parse_birthday("30", "2", "1990", today()).unwrap_err();
        assert_eq!(err[0].field, BirthdayField::Date);
        assert_eq!(err[0].message, "Date of birth must be a real date");
        let err = parse_birthday("1", "1", "2030", today()).unwrap_err();
        assert_eq!(err[0].message, "Date of birth must be in the past");
        let err = parse_birthday("1", "13", "1990", today()).unwrap_err();
        assert_eq!(err[0].field, BirthdayField::Month);
        let err = parse_birthday("1", "1", "90", today()).unwrap_err();
        assert_eq!(err[0].field, BirthdayField::Year);
        let err = parse_birthday("-1", "1", "1990", today()).unwrap_err();
        assert_eq!(err[0].field, BirthdayField::Day);
    }

    #[test]
    fn comparison_matches_exactly() {
        let a = NaiveDate::from_ymd_opt(1984, 3, 7).unwrap();
        let b = NaiveDate::from_ymd_opt(1984, 7, 3).unwrap();
        assert!(birthday_matches(a, a));
        assert!(!birthday_matches(a, b));
    }

    proptest! {
        #[test]
        fn parser_never_panics_and_only_accepts_real_past_dates(d in ".{0,6}", m in ".{0,6}", y in ".{0,8}") {
            if let Ok(date) = parse_birthday(&d, &m, &y, today()) {
                prop_assert!(date < today());
            }
        }

        #[test]
        fn every_real_past_date_round_trips(days in 1i64..40000) {
            let date = today() - chrono::Duration::days(days);
            let parsed = parse_birthday(
                &date.day().to_string(), &date.month().to_string(), &date.year().to_string(), today());
            prop_assert_eq!(parsed, Ok(date));
        }
    }
}
