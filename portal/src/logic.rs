//! The portal's decisions as pure functions: what each API answer leads to, and how things read.
//!
//! Components only render what these functions return, so every branch here has a native unit
//! test (`cargo test -p sealpost-portal`) and nothing here touches the DOM, the network or a clock.

use sealpost_shared::birthday::{BirthdayField, FieldError};
use sealpost_shared::chrono::{Datelike, NaiveDate};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::token::MAX_TOKEN_LEN;
use sealpost_shared::wire::{ApiError, Challenge, OpenLinkResponse, VerifiedResponse};

use crate::api::ApiFailure;

/// A page that ends a journey (nothing more to do here but read, or retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// `/open` without a fragment: the person came here some other way.
    NoLink,
    /// The link is forged, malformed or unknown.
    LinkInvalid,
    /// The practice unshared the documents.
    AccessRevoked,
    /// Too many wrong answers.
    LockedOut,
    /// The session cookie is missing or has ended.
    SessionEnded,
    /// No usable answer from the API; the person may retry.
    Network,
    /// Any other refusal; `message` comes from the API and is written for people.
    Problem { message: String },
    /// The practice asks for a check this portal does not offer.
    UnsupportedCheck,
    /// The person signed out.
    SignedOut,
    /// No such page in the portal.
    NotFound,
}

impl Stop {
    /// Whether the page offers a Retry button (only where trying again can help).
    pub fn can_retry(&self) -> bool {
        matches!(self, Self::Network | Self::Problem { .. })
    }
}

/// The heading and the sentence of a page that ends a journey. `practice` is the practice's
/// name when an answer told us; otherwise the text says "your practice".
pub fn stop_text(stop: &Stop, practice: Option<&str>) -> (&'static str, String) {
    let practice = practice.unwrap_or("your practice");
    match stop {
        Stop::NoLink => (
            "Open the link in your email",
            "To see your documents, open the link in the most recent email from your practice."
                .to_owned(),
        ),
        Stop::LinkInvalid => (
            "This link is not valid",
            format!(
                "Use the link in the most recent email from {practice}. \
                 If it still does not work, contact {practice}."
            ),
        ),
        Stop::AccessRevoked => (
            "This practice has withdrawn access",
            format!("You can no longer see these documents online. Contact {practice} if you need them."),
        ),
        Stop::LockedOut => (
            "Too many attempts",
            format!(
                "The date of birth was entered wrongly too many times, so these documents are \
                 locked. To see them, contact {practice}."
            ),
        ),
        Stop::SessionEnded => (
            "Your session has ended",
            "To see your documents, open the link in your email again.".to_owned(),
        ),
        Stop::Network => (
            "We could not connect",
            "Check your internet connection, then try again.".to_owned(),
        ),
        Stop::Problem { message } => ("Sorry, there is a problem", message.clone()),
        Stop::UnsupportedCheck => (
            "You cannot open these documents here",
            format!("Contact {practice} to get your documents another way."),
        ),
        Stop::SignedOut => (
            "You have signed out",
            "To see your documents again, open the link in your email.".to_owned(),
        ),
        Stop::NotFound => (
            "Page not found",
            "If you typed the web address, check it is correct. \
             To see your documents, open the link in your email."
                .to_owned(),
        ),
    }
}

/// What the `/open` page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenStep {
    /// Waiting for `POST /api/v1/portal/open`.
    Opening,
    /// Ask for the date of birth.
    Birthday {
        attempts_left: u32,
    },
    /// The link expired; a new one was emailed.
    Renewed {
        masked_email: String,
    },
    Stopped(Stop),
}

/// What the URL fragment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FragmentToken {
    Missing,
    /// Longer than any token the edge would accept: refused here without a request.
    TooLong,
    Token(String),
}

/// Reads the link token from `location.hash` (with or without its leading `#`).
pub fn token_from_fragment(hash: &str) -> FragmentToken {
    let token = hash.strip_prefix('#').unwrap_or(hash).trim();
    if token.is_empty() {
        FragmentToken::Missing
    } else if token.len() > MAX_TOKEN_LEN {
        FragmentToken::TooLong
    } else {
        FragmentToken::Token(token.to_owned())
    }
}

/// The page for an API failure that ends a journey.
pub fn stop_for(failure: &ApiFailure) -> Stop {
    match failure {
        ApiFailure::Network => Stop::Network,
        ApiFailure::Api(error) => match error.code {
            ErrorCode::LinkInvalid => Stop::LinkInvalid,
            ErrorCode::AccessRevoked => Stop::AccessRevoked,
            ErrorCode::LockedOut => Stop::LockedOut,
            ErrorCode::SessionRequired => Stop::SessionEnded,
            _ => Stop::Problem {
                message: error.message.clone(),
            },
        },
    }
}

/// The practice name an answer carries, if any, for the header.
pub fn practice_in_failure(failure: &ApiFailure) -> Option<String> {
    match failure {
        ApiFailure::Api(ApiError {
            practice_name: Some(name),
            ..
        }) => Some(name.clone()),
        _ => None,
    }
}

/// What opening a link leads to, and the practice name to show.
pub fn open_outcome(result: &Result<OpenLinkResponse, ApiFailure>) -> (OpenStep, Option<String>) {
    match result {
        Ok(OpenLinkResponse::Challenge {
            practice_name,
            challenge: Challenge::Birthday { attempts_left },
        }) => {
            let step = if *attempts_left == 0 {
                OpenStep::Stopped(Stop::LockedOut)
            } else {
                OpenStep::Birthday {
                    attempts_left: *attempts_left,
                }
            };
            (step, Some(practice_name.clone()))
        }
        // Checks this portal does not offer yet (SMS code, magic-link confirmation): say so
        // rather than show a form that cannot succeed.
        #[allow(unreachable_patterns)]
        Ok(OpenLinkResponse::Challenge { practice_name, .. }) => (
            OpenStep::Stopped(Stop::UnsupportedCheck),
            Some(practice_name.clone()),
        ),
        Ok(OpenLinkResponse::Renewed {
            practice_name,
            masked_email,
        }) => (
            OpenStep::Renewed {
                masked_email: masked_email.clone(),
            },
            Some(practice_name.clone()),
        ),
        Err(failure) => (
            OpenStep::Stopped(stop_for(failure)),
            practice_in_failure(failure),
        ),
    }
}

/// The problems with the date-of-birth form, shown in the error summary and beside the fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormErrors {
    /// Each is a summary link to its field and a message above the inputs. A `Date` error
    /// concerns the whole date: it links to the day and marks all three inputs.
    pub errors: Vec<FieldError>,
    /// A sentence after the list, such as how many attempts are left.
    pub note: Option<String>,
}

impl FormErrors {
    pub fn from_fields(errors: Vec<FieldError>) -> Self {
        Self { errors, note: None }
    }

    fn whole_date(message: impl Into<String>) -> Self {
        Self::from_fields(vec![FieldError {
            field: BirthdayField::Date,
            message: message.into(),
        }])
    }

    /// Whether the input for `field` (day, month or year) is in error.
    pub fn marks(&self, field: BirthdayField) -> bool {
        self.errors
            .iter()
            .any(|e| e.field == field || e.field == BirthdayField::Date)
    }
}

impl FormErrors {
    /// The fieldset's `aria-describedby`: the hint, then each message shown above the inputs.
    pub fn described_by(errors: Option<&FormErrors>) -> String {
        let mut ids = String::from("dob-hint");
        for error in errors.map(|e| e.errors.as_slice()).unwrap_or_default() {
            ids.push(' ');
            ids.push_str(error_id(error.field));
        }
        ids
    }
}

/// The id of the input a summary link for `field` points at.
pub fn field_id(field: BirthdayField) -> &'static str {
    match field {
        BirthdayField::Day | BirthdayField::Date => "dob-day",
        BirthdayField::Month => "dob-month",
        BirthdayField::Year => "dob-year",
    }
}

/// The id of the message shown above the inputs for `field`.
pub fn error_id(field: BirthdayField) -> &'static str {
    match field {
        BirthdayField::Day => "dob-day-error",
        BirthdayField::Month => "dob-month-error",
        BirthdayField::Year => "dob-year-error",
        BirthdayField::Date => "dob-date-error",
    }
}

/// "You have 2 attempts left" / "You have 1 attempt left".
pub fn attempts_left_text(attempts_left: u32) -> String {
    let noun = if attempts_left == 1 {
        "attempt"
    } else {
        "attempts"
    };
    format!("You have {attempts_left} {noun} left")
}

/// What a date-of-birth answer leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// Verified: the session cookie is set; show the documents.
    Verified {
        practice_name: String,
    },
    /// Stay on the form and show these problems.
    Retry(FormErrors),
    Stopped(Stop),
}

pub fn verify_outcome(result: &Result<VerifiedResponse, ApiFailure>) -> VerifyOutcome {
    let error = match result {
        Ok(verified) => {
            return VerifyOutcome::Verified {
                practice_name: verified.practice_name.clone(),
            }
        }
        Err(ApiFailure::Network) => {
            return VerifyOutcome::Retry(FormErrors::whole_date(
                "We could not connect. Check your internet connection and try again",
            ))
        }
        Err(ApiFailure::Api(error)) => error,
    };
    match error.code {
        ErrorCode::WrongBirthday => match error.attempts_left {
            Some(0) => VerifyOutcome::Stopped(Stop::LockedOut),
            attempts_left => VerifyOutcome::Retry(FormErrors {
                note: attempts_left.map(attempts_left_text),
                ..FormErrors::whole_date("The date of birth does not match our records")
            }),
        },
        ErrorCode::InvalidFields if !error.fields.is_empty() => {
            VerifyOutcome::Retry(FormErrors::from_fields(error.fields.clone()))
        }
        ErrorCode::InvalidFields | ErrorCode::BadRequest | ErrorCode::RateLimited => {
            VerifyOutcome::Retry(FormErrors::whole_date(error.message.trim_end_matches('.')))
        }
        ErrorCode::LinkInvalid
        | ErrorCode::AccessRevoked
        | ErrorCode::LockedOut
        | ErrorCode::SessionRequired => {
            VerifyOutcome::Stopped(stop_for(&ApiFailure::Api(error.clone())))
        }
        _ => VerifyOutcome::Stopped(Stop::Problem {
            message: error.message.clone(),
        }),
    }
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

/// A date as GOV.UK writes it: "7 March 2026" (no leading zero, full month name).
pub fn format_date(date: NaiveDate) -> String {
    let month = MONTHS
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{} {} {}", date.day(), month, date.year())
}

/// A date for `<time datetime>`: "2026-03-07".
pub fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A short name for a file type that people know ("PDF"), or `None` to say nothing.
pub fn file_type_label(content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/pdf" => Some("PDF"),
        "image/jpeg" => Some("JPEG image"),
        "image/png" => Some("PNG image"),
        "image/gif" => Some("GIF image"),
        "image/webp" => Some("WebP image"),
        "image/heic" => Some("HEIC image"),
        "text/plain" => Some("Text"),
        _ => None,
    }
}

/// The line under a document's title: "PDF, 12 KB" or "12 KB".
pub fn document_details(content_type: &str, size: u64) -> String {
    let size = sealpost_shared::wire::format_size(size);
    match file_type_label(content_type) {
        Some(label) => format!("{label}, {size}"),
        None => size,
    }
}

/// Where a document's bytes are: shown in a new tab, or downloaded.
pub fn content_url(id: &str, download: bool) -> String {
    let suffix = if download {
        "?disposition=attachment"
    } else {
        ""
    };
    format!("/api/v1/portal/documents/{id}/content{suffix}")
}

/// The `<title>`: what the page is, then the service; prefixed "Error: " while the form has errors.
pub fn page_title(heading: &str, has_errors: bool) -> String {
    let prefix = if has_errors { "Error: " } else { "" };
    format!("{prefix}{heading} – Sealpost")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn api(code: ErrorCode) -> ApiFailure {
        ApiFailure::Api(ApiError::new(code))
    }

    #[test]
    fn fragment_token_is_read_without_the_hash() {
        assert_eq!(token_from_fragment(""), FragmentToken::Missing);
        assert_eq!(token_from_fragment("#"), FragmentToken::Missing);
        assert_eq!(token_from_fragment("#  "), FragmentToken::Missing);
        assert_eq!(
            token_from_fragment("#abc.def"),
            FragmentToken::Token("abc.def".into())
        );
        assert_eq!(
            token_from_fragment("abc"),
            FragmentToken::Token("abc".into())
        );
        let long = format!("#{}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert_eq!(token_from_fragment(&long), FragmentToken::TooLong);
    }

    #[test]
    fn open_link_outcomes() {
        let challenge = Ok(OpenLinkResponse::Challenge {
            practice_name: "Riverside Surgery".into(),
            challenge: Challenge::Birthday { attempts_left: 3 },
        });
        assert_eq!(
            open_outcome(&challenge),
            (
                OpenStep::Birthday { attempts_left: 3 },
                Some("Riverside Surgery".into())
            )
        );
        let renewed = Ok(OpenLinkResponse::Renewed {
            practice_name: "Riverside Surgery".into(),
            masked_email: "j•••@example.com".into(),
        });
        assert_eq!(
            open_outcome(&renewed).0,
            OpenStep::Renewed {
                masked_email: "j•••@example.com".into()
            }
        );
        assert_eq!(
            open_outcome(&Err(api(ErrorCode::LinkInvalid))).0,
            OpenStep::Stopped(Stop::LinkInvalid)
        );
        assert_eq!(
            open_outcome(&Err(api(ErrorCode::AccessRevoked))).0,
            OpenStep::Stopped(Stop::AccessRevoked)
        );
        let locked = ApiFailure::Api(
            ApiError::new(ErrorCode::LockedOut).with_practice_name("Riverside Surgery"),
        );
        assert_eq!(
            open_outcome(&Err(locked)),
            (
                OpenStep::Stopped(Stop::LockedOut),
                Some("Riverside Surgery".into())
            )
        );
        assert_eq!(
            open_outcome(&Err(ApiFailure::Network)).0,
            OpenStep::Stopped(Stop::Network)
        );
        let zero = Ok(OpenLinkResponse::Challenge {
            practice_name: "R".into(),
            challenge: Challenge::Birthday { attempts_left: 0 },
        });
        assert_eq!(open_outcome(&zero).0, OpenStep::Stopped(Stop::LockedOut));
    }

    #[test]
    fn only_transient_stops_offer_retry() {
        assert!(Stop::Network.can_retry());
        assert!(!Stop::LinkInvalid.can_retry());
        assert!(!Stop::LockedOut.can_retry());
        assert_eq!(
            stop_for(&api(ErrorCode::SessionRequired)),
            Stop::SessionEnded
        );
        assert!(stop_for(&api(ErrorCode::Internal)).can_retry());
    }

    #[test]
    fn wrong_birthday_says_how_many_attempts_are_left() {
        let failure =
            ApiFailure::Api(ApiError::new(ErrorCode::WrongBirthday).with_attempts_left(2));
        let VerifyOutcome::Retry(errors) = verify_outcome(&Err(failure)) else {
            panic!("expected the form again");
        };
        assert_eq!(
            errors.errors[0].message,
            "The date of birth does not match our records"
        );
        assert_eq!(errors.errors[0].field, BirthdayField::Date);
        assert_eq!(errors.note.as_deref(), Some("You have 2 attempts left"));
        assert!(errors.marks(BirthdayField::Day) && errors.marks(BirthdayField::Year));
        assert_eq!(attempts_left_text(1), "You have 1 attempt left");
    }

    #[test]
    fn verify_outcomes() {
        let ok = Ok(VerifiedResponse {
            practice_name: "Riverside Surgery".into(),
        });
        assert_eq!(
            verify_outcome(&ok),
            VerifyOutcome::Verified {
                practice_name: "Riverside Surgery".into()
            }
        );
        assert_eq!(
            verify_outcome(&Err(api(ErrorCode::LockedOut))),
            VerifyOutcome::Stopped(Stop::LockedOut)
        );
        let zero = ApiFailure::Api(ApiError::new(ErrorCode::WrongBirthday).with_attempts_left(0));
        assert_eq!(
            verify_outcome(&Err(zero)),
            VerifyOutcome::Stopped(Stop::LockedOut)
        );
        let fields = ApiFailure::Api(ApiError::new(ErrorCode::InvalidFields).with_fields(vec![
            FieldError {
                field: BirthdayField::Month,
                message: "Month must be a number from 1 to 12".into(),
            },
        ]));
        let VerifyOutcome::Retry(errors) = verify_outcome(&Err(fields)) else {
            panic!("expected the form again");
        };
        assert!(errors.marks(BirthdayField::Month));
        assert!(!errors.marks(BirthdayField::Day));
        assert!(matches!(
            verify_outcome(&Err(ApiFailure::Network)),
            VerifyOutcome::Retry(_)
        ));
        assert_eq!(
            verify_outcome(&Err(api(ErrorCode::LinkInvalid))),
            VerifyOutcome::Stopped(Stop::LinkInvalid)
        );
    }

    #[test]
    fn field_ids_match_the_inputs() {
        assert_eq!(field_id(BirthdayField::Day), "dob-day");
        assert_eq!(field_id(BirthdayField::Month), "dob-month");
        assert_eq!(field_id(BirthdayField::Year), "dob-year");
        assert_eq!(field_id(BirthdayField::Date), "dob-day");
    }

    #[test]
    fn dates_read_the_gov_uk_way() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(format_date(date), "7 March 2026");
        let date = NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
        assert_eq!(format_date(date), "31 December 1999");
        assert_eq!(iso_date(date), "1999-12-31");
    }

    #[test]
    fn document_details_and_urls() {
        assert_eq!(document_details("application/pdf", 12 * 1024), "PDF, 12 KB");
        assert_eq!(
            document_details("Image/JPEG; q=1", 532),
            "JPEG image, 532 bytes"
        );
        assert_eq!(document_details("application/x-thing", 532), "532 bytes");
        assert_eq!(
            content_url("doc-1", false),
            "/api/v1/portal/documents/doc-1/content"
        );
        assert_eq!(
            content_url("doc-1", true),
            "/api/v1/portal/documents/doc-1/content?disposition=attachment"
        );
    }

    #[test]
    fn stop_pages_name_the_practice_when_known() {
        let (heading, text) = stop_text(&Stop::LockedOut, Some("Riverside Surgery"));
        assert_eq!(heading, "Too many attempts");
        assert!(text.contains("contact Riverside Surgery"));
        let (_, text) = stop_text(&Stop::LockedOut, None);
        assert!(text.contains("contact your practice"));
        assert_eq!(
            stop_text(&Stop::LinkInvalid, None).0,
            "This link is not valid"
        );
        assert_eq!(
            stop_text(&Stop::AccessRevoked, None).0,
            "This practice has withdrawn access"
        );
        assert_eq!(stop_text(&Stop::Network, None).0, "We could not connect");
        assert_eq!(
            stop_text(&Stop::SessionEnded, None).0,
            "Your session has ended"
        );
        assert_eq!(stop_text(&Stop::NotFound, None).0, "Page not found");
        assert_eq!(stop_text(&Stop::SignedOut, None).0, "You have signed out");
        assert_eq!(
            stop_text(&Stop::NoLink, None).0,
            "Open the link in your email"
        );
    }

    #[test]
    fn fieldset_is_described_by_hint_and_errors() {
        assert_eq!(FormErrors::described_by(None), "dob-hint");
        let errors = FormErrors::from_fields(vec![FieldError {
            field: BirthdayField::Year,
            message: "Year must include 4 numbers".into(),
        }]);
        assert_eq!(
            FormErrors::described_by(Some(&errors)),
            "dob-hint dob-year-error"
        );
    }

    #[test]
    fn titles() {
        assert_eq!(
            page_title("Your documents", false),
            "Your documents – Sealpost"
        );
        assert_eq!(
            page_title("What is your date of birth?", true),
            "Error: What is your date of birth? – Sealpost"
        );
    }
}
