//! The portal's decisions as pure functions: what each API answer leads to, and how things read.
//!
//! Components only render what these functions return, so every branch here has a native unit
//! test (`cargo test -p sealpost-portal`) and nothing here touches the DOM, the network or a clock.

use sealpost_shared::birthday::{parse_birthday, BirthdayField, FieldError};
use sealpost_shared::chrono::{Datelike, NaiveDate};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::token::MAX_TOKEN_LEN;
use sealpost_shared::wire::{ApiError, Challenge, OpenLinkResponse, SmsSent, VerifiedResponse};

use crate::api::ApiFailure;
use sealpost_frontkit::format::format_size;

/// A page that ends a journey (nothing more to do here but read, or retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// `/open` without a fragment: the person came here some other way.
    NoLink,
    /// The link is forged, malformed or unknown.
    LinkInvalid,
    /// The practice unshared the documents.
    AccessRevoked,
    /// The practice's access duration has passed; no new link was sent.
    AccessEnded,
    /// Too many wrong answers.
    LockedOut,
    /// The check is an SMS code, but the practice has no mobile number for this person.
    NoMobile,
    /// The session cookie is missing or has ended.
    SessionEnded,
    /// No usable answer from the API; the person may retry.
    Network,
    /// Any other refusal; `message` comes from the API and is written for people.
    Problem { message: String },
    /// The person signed out.
    SignedOut,
    /// No such page in the portal.
    NotFound,
    /// A consultation note that is not (or no longer) shared with this person.
    NoteUnavailable,
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
        Stop::AccessEnded => (
            "This link has expired",
            format!(
                "Access to these documents online has ended, so we have not sent a new link. \
                 Contact {practice} if you need them."
            ),
        ),
        Stop::LockedOut => (
            "Too many attempts",
            format!(
                "The details were entered wrongly too many times, so these documents are \
                 locked. To see them, contact {practice}."
            ),
        ),
        Stop::NoMobile => (
            "We cannot text you a code",
            format!("We do not have your mobile number. To see your documents, contact {practice}."),
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
        Stop::SignedOut => (
            "You have signed out",
            "To see your documents again, open the link in your email.".to_owned(),
        ),
        Stop::NoteUnavailable => (
            "This note is not available",
            format!(
                "It may have been withdrawn, or the address may be wrong. \
                 Go back to your documents, or contact {practice} if you need it."
            ),
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
    /// Offer to text a code to this (masked) number, then ask for it.
    SmsCode {
        masked_mobile: String,
    },
    /// A contact confirms with one button (the magic link alone).
    ConfirmMagicLink,
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
            ErrorCode::AccessEnded => Stop::AccessEnded,
            ErrorCode::LockedOut => Stop::LockedOut,
            ErrorCode::SessionRequired => Stop::SessionEnded,
            ErrorCode::NoMobileOnFile => Stop::NoMobile,
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
            challenge,
        }) => {
            let step = match challenge {
                Challenge::Birthday { attempts_left: 0 }
                | Challenge::SmsCode {
                    attempts_left: 0, ..
                } => OpenStep::Stopped(Stop::LockedOut),
                Challenge::Birthday { attempts_left } => OpenStep::Birthday {
                    attempts_left: *attempts_left,
                },
                Challenge::SmsCode { masked_mobile, .. } => OpenStep::SmsCode {
                    masked_mobile: masked_mobile.clone(),
                },
                Challenge::ConfirmMagicLink => OpenStep::ConfirmMagicLink,
            };
            (step, Some(practice_name.clone()))
        }
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

/// The sentence of the page shown when an expired link was renewed.
pub fn renewed_text(masked_email: &str) -> String {
    format!("We have emailed you a new link to {masked_email}.")
}

/// One line of the error summary: a message that links to the control it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryItem {
    /// The `id` of the control the link moves focus to.
    pub target: &'static str,
    pub message: String,
}

/// The problems with the date-of-birth form, shown in the error summary and beside the fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormErrors {
    /// Each is a summary link to its field and a message above the inputs. A `Date` error
    /// concerns the whole date: it links to the day and marks all three inputs.
    pub errors: Vec<FieldError>,
    /// A sentence after the list, such as how many attempts are left.
    pub note: Option<String>,
    /// Inputs in error besides those the messages name (one message for several missing
    /// parts: "Date of birth must include a day and a year" marks both).
    pub also_marks: Vec<BirthdayField>,
}

impl FormErrors {
    pub fn from_fields(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::default()
        }
    }

    fn whole_date(message: impl Into<String>) -> Self {
        Self::from_fields(vec![FieldError {
            field: BirthdayField::Date,
            message: message.into(),
        }])
    }

    /// Whether the input for `field` (day, month or year) is in error.
    pub fn marks(&self, field: BirthdayField) -> bool {
        self.also_marks.contains(&field)
            || self
                .errors
                .iter()
                .any(|e| e.field == field || e.field == BirthdayField::Date)
    }
}

impl FormErrors {
    /// The error summary's lines, each linking to its input.
    pub fn summary_items(&self) -> Vec<SummaryItem> {
        self.errors
            .iter()
            .map(|error| SummaryItem {
                target: field_id(error.field),
                message: error.message.clone(),
            })
            .collect()
    }

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

/// The oldest a date of birth may be (shared::birthday refuses more than this many years).
const OLDEST_YEARS: i32 = 130;

/// The date-of-birth form's own check before anything is sent, worded as GOV.UK's date input
/// pattern asks: one message for what is missing ("Enter your date of birth", or "Date of birth
/// must include a day and a year", marking each missing input), otherwise
/// `shared::birthday::parse_birthday`'s, with a year too far back saying which years are allowed.
pub fn check_birthday_form(
    day: &str,
    month: &str,
    year: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FormErrors> {
    let parts = [
        (BirthdayField::Day, day, "a day"),
        (BirthdayField::Month, month, "a month"),
        (BirthdayField::Year, year, "a year"),
    ];
    let missing: Vec<_> = parts
        .iter()
        .filter(|(_, typed, _)| typed.trim().is_empty())
        .collect();
    if missing.len() == parts.len() {
        return Err(FormErrors::whole_date("Enter your date of birth"));
    }
    if let Some((first, _, _)) = missing.first() {
        let names: Vec<&str> = missing.iter().map(|(_, _, name)| *name).collect();
        return Err(FormErrors {
            also_marks: missing.iter().map(|(field, _, _)| *field).collect(),
            ..FormErrors::from_fields(vec![FieldError {
                field: *first,
                message: format!("Date of birth must include {}", names.join(" and ")),
            }])
        });
    }
    parse_birthday(day, month, year, today).map_err(|errors| {
        let earliest = today.year() - OLDEST_YEARS;
        let too_old = year
            .trim()
            .parse::<i32>()
            .is_ok_and(|y| (1000..earliest).contains(&y));
        if too_old {
            FormErrors::from_fields(vec![FieldError {
                field: BirthdayField::Year,
                message: format!("Year of birth must be {earliest} or later"),
            }])
        } else {
            FormErrors::from_fields(errors)
        }
    })
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

/// "You have 2 attempts left" / "You have 1 attempt left. …": the last one says what happens
/// after it (shared::lockout: the first lock is 15 minutes, later ones longer).
pub fn attempts_left_text(attempts_left: u32) -> String {
    if attempts_left == 1 {
        return "You have 1 attempt left. If it is wrong too, you will have to wait at least \
                15 minutes before you can try again."
            .to_owned();
    }
    format!("You have {attempts_left} attempts left")
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
        | ErrorCode::AccessEnded
        | ErrorCode::LockedOut
        | ErrorCode::SessionRequired => {
            VerifyOutcome::Stopped(stop_for(&ApiFailure::Api(error.clone())))
        }
        _ => VerifyOutcome::Stopped(Stop::Problem {
            message: error.message.clone(),
        }),
    }
}

// ---------------------------------------------------------------- SMS code and magic link

/// The `id` of the code input.
pub const CODE_INPUT_ID: &str = "sms-code";
/// The `id` of the button that asks for a code (first "Text me a code", then "Send a new code").
pub const SEND_BUTTON_ID: &str = "send-code";
/// The `id` of the magic-link confirmation button.
pub const CONFIRM_BUTTON_ID: &str = "show-documents";
/// How many digits an SMS code has.
pub const CODE_LENGTH: usize = 6;
/// How long to wait before asking again when the API does not say.
pub const DEFAULT_RESEND_WAIT: u64 = 60;

const NO_CONNECTION: &str = "We could not connect. Check your internet connection and try again";

/// A problem shown in the error summary of the SMS or magic-link page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    /// The control the summary links to; the code input also shows the message beside it.
    pub target: &'static str,
    pub message: String,
    /// A sentence after the list, such as how many attempts are left.
    pub note: Option<String>,
}

impl PageError {
    fn new(target: &'static str, message: impl Into<String>) -> Self {
        Self {
            target,
            message: message.into(),
            note: None,
        }
    }

    pub fn summary_items(&self) -> Vec<SummaryItem> {
        vec![SummaryItem {
            target: self.target,
            message: self.message.clone(),
        }]
    }

    /// Whether the code input shows this message and is marked as in error.
    pub fn marks_code(&self) -> bool {
        self.target == CODE_INPUT_ID
    }
}

/// A message from the API, in the summary's style (no full stop at the end).
fn summary_message(message: &str) -> String {
    message.trim().trim_end_matches('.').to_owned()
}

/// The code as typed, made canonical: spaces and hyphens (as people copy them from a message)
/// are dropped. `Err` is the message to show.
pub fn normalise_code(typed: &str) -> Result<String, PageError> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.is_empty() {
        Err(PageError::new(
            CODE_INPUT_ID,
            "Enter the code from the text message",
        ))
    } else if code.len() != CODE_LENGTH || !code.bytes().all(|b| b.is_ascii_digit()) {
        Err(PageError::new(
            CODE_INPUT_ID,
            "Enter the 6 numbers from the text message",
        ))
    } else {
        Ok(code)
    }
}

/// The digits at the end of a masked number ("•••• •••• 456" → "456"), for screen readers,
/// which would otherwise read out each dot.
pub fn mobile_ending(masked_mobile: &str) -> String {
    let tail = masked_mobile
        .trim_end()
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or_default();
    tail.to_owned()
}

/// Whole seconds from `now_ms` until `deadline_ms` (milliseconds, as `Date.now()`), rounded up.
pub fn seconds_until(deadline_ms: f64, now_ms: f64) -> u64 {
    let left = (deadline_ms - now_ms) / 1000.0;
    if left.is_nan() || left <= 0.0 {
        0
    } else {
        // Saturating: the cast clamps anything huge to u64::MAX.
        left.ceil() as u64
    }
}

/// The resend button's text: how long the wait still is, or nothing once it is over.
pub fn resend_label(seconds_left: u64) -> String {
    match seconds_left {
        0 => "Send a new code".to_owned(),
        1 => "Send a new code in 1 second".to_owned(),
        n => format!("Send a new code in {n} seconds"),
    }
}

/// What asking for a code leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// A code is on its way: ask for it. Another may be asked for after `wait_seconds`.
    Sent {
        masked_mobile: String,
        wait_seconds: u64,
    },
    /// A code was sent a moment ago (this page, or another tab): ask for it, say why no new
    /// one was sent, and count down until one may be.
    TooSoon {
        wait_seconds: u64,
        error: PageError,
    },
    /// Nothing was sent: say why and stay.
    Retry(PageError),
    Stopped(Stop),
}

pub fn send_outcome(result: &Result<SmsSent, ApiFailure>) -> SendOutcome {
    let error = match result {
        Ok(sent) => {
            return SendOutcome::Sent {
                masked_mobile: sent.masked_mobile.clone(),
                wait_seconds: sent.retry_after_seconds,
            }
        }
        Err(ApiFailure::Network) => {
            return SendOutcome::Retry(PageError::new(SEND_BUTTON_ID, NO_CONNECTION))
        }
        Err(ApiFailure::Api(error)) => error,
    };
    match error.code {
        ErrorCode::RateLimited => SendOutcome::TooSoon {
            wait_seconds: error.retry_after_seconds.unwrap_or(DEFAULT_RESEND_WAIT),
            error: PageError::new(
                SEND_BUTTON_ID,
                "We sent you a code a moment ago. Enter that code, or ask for a new one when \
                 the wait is over",
            ),
        },
        ErrorCode::SmsUnavailable | ErrorCode::Internal => SendOutcome::Retry(PageError::new(
            SEND_BUTTON_ID,
            summary_message(&error.message),
        )),
        _ => SendOutcome::Stopped(stop_for(&ApiFailure::Api(error.clone()))),
    }
}

/// What entering a code, or confirming a magic link, leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Verified: the session cookie is set; show the documents.
    Verified {
        practice_name: String,
    },
    /// Stay on the page and show this problem.
    Retry(PageError),
    Stopped(Stop),
}

pub fn code_outcome(result: &Result<VerifiedResponse, ApiFailure>) -> CheckOutcome {
    let error = match result {
        Ok(verified) => {
            return CheckOutcome::Verified {
                practice_name: verified.practice_name.clone(),
            }
        }
        Err(ApiFailure::Network) => {
            return CheckOutcome::Retry(PageError::new(CODE_INPUT_ID, NO_CONNECTION))
        }
        Err(ApiFailure::Api(error)) => error,
    };
    match error.code {
        ErrorCode::WrongCode => match error.attempts_left {
            Some(0) => CheckOutcome::Stopped(Stop::LockedOut),
            attempts_left => CheckOutcome::Retry(PageError {
                note: attempts_left.map(attempts_left_text),
                ..PageError::new(
                    CODE_INPUT_ID,
                    "The code does not match. Check the text message and try again",
                )
            }),
        },
        ErrorCode::CodeExpired => CheckOutcome::Retry(PageError::new(
            SEND_BUTTON_ID,
            "This code has expired. Ask for a new code",
        )),
        ErrorCode::NoCodeRequested => CheckOutcome::Retry(PageError::new(
            SEND_BUTTON_ID,
            "We have no code for this link. Ask for a new code",
        )),
        ErrorCode::InvalidFields | ErrorCode::BadRequest | ErrorCode::RateLimited => {
            CheckOutcome::Retry(PageError::new(
                CODE_INPUT_ID,
                summary_message(&error.message),
            ))
        }
        _ => CheckOutcome::Stopped(stop_for(&ApiFailure::Api(error.clone()))),
    }
}

/// What pressing "Show my documents" on the magic-link page leads to.
pub fn confirm_outcome(result: &Result<VerifiedResponse, ApiFailure>) -> CheckOutcome {
    match result {
        Ok(verified) => CheckOutcome::Verified {
            practice_name: verified.practice_name.clone(),
        },
        Err(ApiFailure::Network) => {
            CheckOutcome::Retry(PageError::new(CONFIRM_BUTTON_ID, NO_CONNECTION))
        }
        Err(ApiFailure::Api(error)) => match error.code {
            ErrorCode::RateLimited | ErrorCode::Internal => CheckOutcome::Retry(PageError::new(
                CONFIRM_BUTTON_ID,
                summary_message(&error.message),
            )),
            _ => CheckOutcome::Stopped(stop_for(&ApiFailure::Api(error.clone()))),
        },
    }
}

/// The magic-link page's heading.
pub fn confirm_heading(practice: Option<&str>) -> String {
    format!(
        "View your documents from {}",
        practice.unwrap_or("your practice")
    )
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

/// The line under a document's title: "PDF, 12 KB" or "12 KB". The number and its unit are
/// joined by a no-break space, so a narrow screen never wraps "80" away from "KB".
pub fn document_details(content_type: &str, size: u64) -> String {
    let size = format_size(size);
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

/// The portal page where a structured consultation note is read.
pub fn note_path(id: &str) -> String {
    format!("/documents/{id}/note")
}

/// What a failure to fetch a note's sections leads to: an unknown or unshared note is "not
/// available"; everything else as on any page.
pub fn note_stop(failure: &ApiFailure) -> Stop {
    match failure {
        ApiFailure::Api(error) if error.code == ErrorCode::NotFound => Stop::NoteUnavailable,
        _ => stop_for(failure),
    }
}

/// A section's text as paragraphs: split on blank lines, each trimmed; single line breaks stay
/// inside their paragraph (the page shows them with `white-space: pre-line`).
pub fn note_paragraphs(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join("\n"));
    }
    paragraphs
}

/// Files above this size download with a progress bar; smaller ones are a plain link.
pub const PROGRESS_ABOVE: u64 = 1024 * 1024;
/// Files above this size are a plain link again: the progress download holds the whole file in
/// memory before saving it, which a phone may not have to spare.
pub const PROGRESS_UP_TO: u64 = 100 * 1024 * 1024;

/// Whether "Download" fetches the file itself to show progress.
pub fn downloads_with_progress(size: u64) -> bool {
    size > PROGRESS_ABOVE && size <= PROGRESS_UP_TO
}

/// How much has arrived, in whole per cent (0–100), rounded down so 100 means done.
pub fn percent(received: u64, total: u64) -> u32 {
    if total == 0 {
        return 0;
    }
    let per_cent = u128::from(received.min(total)) * 100 / u128::from(total);
    u32::try_from(per_cent).unwrap_or(100)
}

/// The file name the edge chose (`attachment; filename="Blood_test.pdf"`), if it gave a
/// plain one; otherwise `fallback`. Path separators are never taken from the header.
pub fn download_name(disposition: Option<&str>, fallback: &str) -> String {
    let named = disposition.and_then(|header| {
        header.split(';').find_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            if !key.trim().eq_ignore_ascii_case("filename") {
                return None;
            }
            let value = value.trim().trim_matches('"');
            let safe = !value.is_empty()
                && !value.contains(['/', '\\', '"'])
                && !value.chars().any(char::is_control);
            safe.then(|| value.to_owned())
        })
    });
    named.unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use sealpost_frontkit::format::{format_date, iso_date};
    use sealpost_frontkit::title::{page_title, SEALPOST};

    fn api(code: ErrorCode) -> ApiFailure {
        ApiFailure::Api(ApiError::new(code))
    }

    fn form(day: &str, month: &str, year: &str) -> Result<NaiveDate, FormErrors> {
        check_birthday_form(
            day,
            month,
            year,
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        )
    }

    /// index.html's pre-painted pages (boot.js shows them before the app) say what the app says.
    #[test]
    fn the_prepainted_pages_say_what_the_app_says() {
        let html = include_str!("../index.html");
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for stop in [
            Stop::NoLink,
            Stop::LinkInvalid,
            Stop::AccessRevoked,
            Stop::AccessEnded,
            Stop::LockedOut,
            Stop::NoMobile,
        ] {
            let (heading, sentence) = stop_text(&stop, None);
            assert!(text.contains(&format!("{heading} {sentence}")), "{stop:?}");
        }
        assert!(text.contains(&confirm_heading(None)));
        assert!(text.contains("What is your date of birth? For example, 27 3 2007"));
    }

    #[test]
    fn an_empty_birthday_form_gets_one_message() {
        let errors = form("", " ", "").unwrap_err();
        assert_eq!(errors.summary_items().len(), 1);
        assert_eq!(errors.errors[0].message, "Enter your date of birth");
        assert_eq!(errors.summary_items()[0].target, "dob-day");
        for field in [
            BirthdayField::Day,
            BirthdayField::Month,
            BirthdayField::Year,
        ] {
            assert!(errors.marks(field));
        }
    }

    #[test]
    fn missing_parts_are_named_in_one_message_and_marked() {
        let errors = form("", "3", "").unwrap_err();
        assert_eq!(errors.errors.len(), 1);
        assert_eq!(
            errors.errors[0].message,
            "Date of birth must include a day and a year"
        );
        assert!(errors.marks(BirthdayField::Day) && errors.marks(BirthdayField::Year));
        assert!(!errors.marks(BirthdayField::Month));
        let errors = form("7", "3", "").unwrap_err();
        assert_eq!(
            errors.errors[0].message,
            "Date of birth must include a year"
        );
        assert_eq!(errors.summary_items()[0].target, "dob-year");
        // Missing comes first: an invalid month beside a missing day is said after.
        let errors = form("", "13", "1984").unwrap_err();
        assert_eq!(errors.errors[0].message, "Date of birth must include a day");
    }

    #[test]
    fn a_year_too_far_back_says_which_years_are_allowed() {
        let errors = form("7", "3", "1884").unwrap_err();
        assert_eq!(
            errors.errors[0].message,
            "Year of birth must be 1896 or later"
        );
        assert_eq!(errors.summary_items()[0].target, "dob-year");
        assert_eq!(
            form("7", "3", "1984"),
            Ok(NaiveDate::from_ymd_opt(1984, 3, 7).unwrap())
        );
        assert_eq!(
            form("31", "2", "1984").unwrap_err().errors[0].message,
            "Date of birth must be a real date"
        );
    }

    #[test]
    fn sizes_never_wrap_away_from_their_units() {
        assert_eq!(
            document_details("application/pdf", 80 * 1024),
            "PDF, 80\u{a0}KB"
        );
        assert_eq!(document_details("text/x-unknown", 732), "732\u{a0}bytes");
    }

    #[test]
    fn notes_read_as_paragraphs() {
        assert_eq!(note_path("note-1"), "/documents/note-1/note");
        assert_eq!(
            note_paragraphs("First line\nsame paragraph\n\n  \nSecond.  \n\n"),
            ["First line\nsame paragraph", "Second."]
        );
        assert_eq!(note_paragraphs("\r\nOne\r\n\r\nTwo"), ["One", "Two"]);
        assert!(note_paragraphs("  \n\n").is_empty());
    }

    #[test]
    fn note_failures() {
        assert_eq!(note_stop(&api(ErrorCode::NotFound)), Stop::NoteUnavailable);
        assert_eq!(
            note_stop(&api(ErrorCode::SessionRequired)),
            Stop::SessionEnded
        );
        assert_eq!(note_stop(&ApiFailure::Network), Stop::Network);
        assert!(!Stop::NoteUnavailable.can_retry());
        let (heading, text) = stop_text(&Stop::NoteUnavailable, Some("Riverside Surgery"));
        assert_eq!(heading, "This note is not available");
        assert!(text.contains("contact Riverside Surgery"), "{text}");
    }

    #[test]
    fn large_files_download_with_progress() {
        assert!(!downloads_with_progress(0));
        assert!(!downloads_with_progress(PROGRESS_ABOVE));
        assert!(downloads_with_progress(PROGRESS_ABOVE + 1));
        assert!(downloads_with_progress(5 * 1024 * 1024));
        assert!(downloads_with_progress(PROGRESS_UP_TO));
        assert!(!downloads_with_progress(PROGRESS_UP_TO + 1));
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(0, 10), 0);
        assert_eq!(percent(999, 1000), 99);
        assert_eq!(percent(1000, 1000), 100);
        assert_eq!(percent(2000, 1000), 100);
        assert_eq!(percent(u64::MAX / 2, u64::MAX), 49);
    }

    #[test]
    fn download_names_come_from_the_edge_when_safe() {
        let header = Some(r#"attachment; filename="Blood_test.pdf""#);
        assert_eq!(download_name(header, "x"), "Blood_test.pdf");
        assert_eq!(
            download_name(Some("attachment; FILENAME=a.png"), "x"),
            "a.png"
        );
        assert_eq!(download_name(None, "Scan"), "Scan");
        assert_eq!(download_name(Some("attachment"), "Scan"), "Scan");
        assert_eq!(
            download_name(Some(r#"attachment; filename="../x""#), "Scan"),
            "Scan"
        );
        assert_eq!(
            download_name(Some(r#"attachment; filename="""#), "Scan"),
            "Scan"
        );
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
        // Past the practice's access duration: no new link, contact the practice.
        assert_eq!(
            open_outcome(&Err(api(ErrorCode::AccessEnded))).0,
            OpenStep::Stopped(Stop::AccessEnded)
        );
        assert!(stop_text(&Stop::AccessEnded, Some("Riverside Surgery"))
            .1
            .contains("Contact Riverside Surgery"));
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
        assert_eq!(
            attempts_left_text(1),
            "You have 1 attempt left. If it is wrong too, you will have to wait at least 15 \
             minutes before you can try again."
        );
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
        assert_eq!(
            document_details("application/pdf", 12 * 1024),
            "PDF, 12\u{a0}KB"
        );
        assert_eq!(
            document_details("Image/JPEG; q=1", 532),
            "JPEG image, 532\u{a0}bytes"
        );
        assert_eq!(
            document_details("application/x-thing", 532),
            "532\u{a0}bytes"
        );
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
            page_title("Your documents", false, SEALPOST),
            "Your documents – Sealpost"
        );
        assert_eq!(
            page_title("What is your date of birth?", true, SEALPOST),
            "Error: What is your date of birth? – Sealpost"
        );
    }

    #[test]
    fn open_link_leads_to_the_practice_check() {
        let sms = Ok(OpenLinkResponse::Challenge {
            practice_name: "R".into(),
            challenge: Challenge::SmsCode {
                masked_mobile: "•••• •••• 456".into(),
                attempts_left: 5,
            },
        });
        assert_eq!(
            open_outcome(&sms).0,
            OpenStep::SmsCode {
                masked_mobile: "•••• •••• 456".into()
            }
        );
        let locked = Ok(OpenLinkResponse::Challenge {
            practice_name: "R".into(),
            challenge: Challenge::SmsCode {
                masked_mobile: "•••• •••• 456".into(),
                attempts_left: 0,
            },
        });
        assert_eq!(open_outcome(&locked).0, OpenStep::Stopped(Stop::LockedOut));
        let magic = Ok(OpenLinkResponse::Challenge {
            practice_name: "R".into(),
            challenge: Challenge::ConfirmMagicLink,
        });
        assert_eq!(open_outcome(&magic).0, OpenStep::ConfirmMagicLink);
        assert_eq!(
            open_outcome(&Err(api(ErrorCode::NoMobileOnFile))).0,
            OpenStep::Stopped(Stop::NoMobile)
        );
        assert!(!Stop::NoMobile.can_retry());
        assert_eq!(
            renewed_text("s•••@example.com"),
            "We have emailed you a new link to s•••@example.com."
        );
    }

    #[test]
    fn codes_are_six_digits_typed_with_or_without_spaces() {
        assert_eq!(normalise_code(" 123 456 ").unwrap(), "123456");
        assert_eq!(normalise_code("123-456").unwrap(), "123456");
        let empty = normalise_code("  ").unwrap_err();
        assert_eq!(empty.message, "Enter the code from the text message");
        assert!(empty.marks_code());
        for bad in ["12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(
                normalise_code(bad).unwrap_err().message,
                "Enter the 6 numbers from the text message",
                "{bad}"
            );
        }
    }

    #[test]
    fn masked_numbers_are_read_as_their_last_digits() {
        assert_eq!(mobile_ending("•••• •••• 456"), "456");
        assert_eq!(mobile_ending("•••• •••• 12 "), "12");
        assert_eq!(mobile_ending("•••"), "");
    }

    #[test]
    fn the_resend_button_counts_down() {
        assert_eq!(seconds_until(61_000.0, 1_000.0), 60);
        assert_eq!(seconds_until(61_000.0, 1_001.0), 60, "rounded up");
        assert_eq!(seconds_until(61_000.0, 60_500.0), 1);
        assert_eq!(seconds_until(61_000.0, 61_000.0), 0);
        assert_eq!(seconds_until(61_000.0, 90_000.0), 0);
        assert_eq!(seconds_until(f64::NAN, 0.0), 0);
        assert_eq!(resend_label(0), "Send a new code");
        assert_eq!(resend_label(1), "Send a new code in 1 second");
        assert_eq!(resend_label(42), "Send a new code in 42 seconds");
    }

    #[test]
    fn asking_for_a_code() {
        let sent = Ok(SmsSent {
            masked_mobile: "•••• •••• 456".into(),
            retry_after_seconds: 60,
        });
        assert_eq!(
            send_outcome(&sent),
            SendOutcome::Sent {
                masked_mobile: "•••• •••• 456".into(),
                wait_seconds: 60
            }
        );
        let soon = ApiFailure::Api(
            ApiError::new(ErrorCode::RateLimited)
                .with_message("A code was sent recently. You can ask for another in 42 seconds.")
                .with_retry_after(42),
        );
        let SendOutcome::TooSoon {
            wait_seconds,
            error,
        } = send_outcome(&Err(soon))
        else {
            panic!("expected to wait");
        };
        assert_eq!(wait_seconds, 42);
        assert_eq!(error.target, SEND_BUTTON_ID);
        // The wait is the typed field; a number in the message is words for people only.
        let unsaid = ApiFailure::Api(
            ApiError::new(ErrorCode::RateLimited).with_message("Wait 5 seconds, then 7 more."),
        );
        assert!(matches!(
            send_outcome(&Err(unsaid)),
            SendOutcome::TooSoon {
                wait_seconds: DEFAULT_RESEND_WAIT,
                ..
            }
        ));
        let SendOutcome::Retry(error) = send_outcome(&Err(api(ErrorCode::SmsUnavailable))) else {
            panic!("expected to stay");
        };
        assert_eq!(
            error.message,
            "We could not send the text message. Please try again"
        );
        assert!(matches!(
            send_outcome(&Err(ApiFailure::Network)),
            SendOutcome::Retry(_)
        ));
        assert_eq!(
            send_outcome(&Err(api(ErrorCode::LockedOut))),
            SendOutcome::Stopped(Stop::LockedOut)
        );
        assert_eq!(
            send_outcome(&Err(api(ErrorCode::NoMobileOnFile))),
            SendOutcome::Stopped(Stop::NoMobile)
        );
    }

    #[test]
    fn entering_a_code() {
        let ok = Ok(VerifiedResponse {
            practice_name: "R".into(),
        });
        assert_eq!(
            code_outcome(&ok),
            CheckOutcome::Verified {
                practice_name: "R".into()
            }
        );
        let wrong = ApiFailure::Api(ApiError::new(ErrorCode::WrongCode).with_attempts_left(4));
        let CheckOutcome::Retry(error) = code_outcome(&Err(wrong)) else {
            panic!("expected the form again");
        };
        assert!(error.marks_code());
        assert_eq!(error.note.as_deref(), Some("You have 4 attempts left"));
        let last = ApiFailure::Api(ApiError::new(ErrorCode::WrongCode).with_attempts_left(0));
        assert_eq!(
            code_outcome(&Err(last)),
            CheckOutcome::Stopped(Stop::LockedOut)
        );
        let CheckOutcome::Retry(expired) = code_outcome(&Err(api(ErrorCode::CodeExpired))) else {
            panic!("expected the form again");
        };
        assert_eq!(expired.message, "This code has expired. Ask for a new code");
        assert_eq!(expired.target, SEND_BUTTON_ID);
        assert!(!expired.marks_code());
        let CheckOutcome::Retry(none) = code_outcome(&Err(api(ErrorCode::NoCodeRequested))) else {
            panic!("expected the form again");
        };
        assert_eq!(none.target, SEND_BUTTON_ID);
        let invalid = ApiFailure::Api(
            ApiError::new(ErrorCode::InvalidFields)
                .with_message("Enter the 6 digits from the text message."),
        );
        let CheckOutcome::Retry(invalid) = code_outcome(&Err(invalid)) else {
            panic!("expected the form again");
        };
        assert_eq!(invalid.message, "Enter the 6 digits from the text message");
        assert_eq!(
            code_outcome(&Err(api(ErrorCode::LockedOut))),
            CheckOutcome::Stopped(Stop::LockedOut)
        );
        assert_eq!(
            code_outcome(&Err(api(ErrorCode::AccessRevoked))),
            CheckOutcome::Stopped(Stop::AccessRevoked)
        );
        assert!(matches!(
            code_outcome(&Err(ApiFailure::Network)),
            CheckOutcome::Retry(_)
        ));
    }

    #[test]
    fn confirming_a_magic_link() {
        let ok = Ok(VerifiedResponse {
            practice_name: "R".into(),
        });
        assert!(matches!(
            confirm_outcome(&ok),
            CheckOutcome::Verified { .. }
        ));
        let CheckOutcome::Retry(error) = confirm_outcome(&Err(ApiFailure::Network)) else {
            panic!("expected the page again");
        };
        assert_eq!(error.target, CONFIRM_BUTTON_ID);
        assert_eq!(
            confirm_outcome(&Err(api(ErrorCode::AccessRevoked))),
            CheckOutcome::Stopped(Stop::AccessRevoked)
        );
        assert_eq!(
            confirm_heading(Some("Riverside Surgery")),
            "View your documents from Riverside Surgery"
        );
        assert_eq!(
            confirm_heading(None),
            "View your documents from your practice"
        );
    }

    #[test]
    fn birthday_errors_link_to_their_inputs() {
        let errors = FormErrors::from_fields(vec![FieldError {
            field: BirthdayField::Date,
            message: "The date of birth does not match our records".into(),
        }]);
        assert_eq!(
            errors.summary_items(),
            vec![SummaryItem {
                target: "dob-day",
                message: "The date of birth does not match our records".into()
            }]
        );
    }
}
