//! The one list of failures a client can see, with their stable wire codes and HTTP statuses.
//!
//! Every adapter maps its errors into [`ErrorCode`] and renders [`crate::wire::ApiError`];
//! [`ErrorCode::http_status`] is the only place that decides a status code.

use serde::{Deserialize, Serialize};

/// A stable, documented error code. The wire form (snake_case) never changes meaning.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body is not the JSON this route expects.
    BadRequest,
    /// One or more fields are invalid; `fields` in the body says which.
    InvalidFields,
    /// The clinic API key is missing or wrong.
    Unauthorized,
    /// The link is forged, malformed, for another purpose, or unknown. No new link is sent.
    LinkInvalid,
    /// The practice has withdrawn access to these documents.
    AccessRevoked,
    /// Too many failed checks: the recipient must wait or contact the practice.
    LockedOut,
    /// The date of birth did not match.
    WrongBirthday,
    /// The SMS code did not match.
    WrongCode,
    /// The SMS code has expired or was already used: ask for a new one.
    CodeExpired,
    /// No SMS code was asked for on this link yet.
    NoCodeRequested,
    /// No mobile number is on file for this recipient: the practice must add one.
    NoMobileOnFile,
    /// The SMS provider did not accept the message; nothing was lost, try again.
    SmsUnavailable,
    /// No session cookie, or the session has ended.
    SessionRequired,
    /// The thing asked for does not exist (or is not visible to the caller).
    NotFound,
    /// The caller is known but their role does not allow this.
    Forbidden,
    /// Sharing is switched off for this practice.
    SharingDisabled,
    /// The request is well formed but conflicts with the current state.
    Conflict,
    /// Too many requests; try again later.
    RateLimited,
    /// The requested byte range lies outside the document.
    RangeNotSatisfiable,
    /// The document store did not answer correctly.
    OriginUnavailable,
    /// A route that only exists in local development was asked for in production.
    DevOnly,
    /// The HTTP method is not allowed on this route.
    MethodNotAllowed,
    /// The document id already belongs to another patient; ids are never re-pointed.
    DocumentIdTaken,
    /// The practice's access duration has passed: no new link is sent; contact the practice.
    AccessEnded,
    /// One or more recipients cannot receive the share; `recipients` in the body says who and why.
    RecipientNotEligible,
    /// The request body is larger than this route accepts (judged by `Content-Length`, unread).
    BodyTooLarge,
    /// The deployment is missing a required setting; the message names it.
    NotConfigured,
    /// The practice is suspended by the operator: nothing is shown or sent; its data is kept.
    PracticeSuspended,
    /// The staff member belongs to several practices: choose one (the `sealpost-practice`
    /// header; `GET /api/v1/staff/practices` lists them).
    PracticeRequired,
    /// The `Idempotency-Key` header is empty, too long or has characters outside visible ASCII.
    IdempotencyKeyInvalid,
    /// This `Idempotency-Key` was used by the same caller in the last 24 hours for a different
    /// request (another method, path or body): nothing was done.
    IdempotencyKeyReused,
    /// The first request with this `Idempotency-Key` is still running: try again shortly.
    IdempotencyInProgress,
    /// A list's `cursor` is not one this list gave out (or is damaged).
    InvalidCursor,
    /// A list's `limit` is not a whole number from 1 to the documented maximum.
    InvalidLimit,
    /// Something failed inside Sealpost. Details are in the server log, never in the response.
    Internal,
}

impl ErrorCode {
    /// The HTTP status for this code. This is the only mapping from errors to statuses.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest | Self::InvalidFields => 400,
            Self::IdempotencyKeyInvalid | Self::InvalidCursor | Self::InvalidLimit => 400,
            Self::IdempotencyKeyReused => 422,
            Self::IdempotencyInProgress => 409,
            Self::Unauthorized | Self::SessionRequired => 401,
            Self::WrongBirthday | Self::WrongCode => 401,
            Self::CodeExpired | Self::NoCodeRequested => 400,
            Self::NoMobileOnFile => 409,
            Self::SmsUnavailable => 502,
            Self::AccessRevoked | Self::SharingDisabled | Self::DevOnly | Self::Forbidden => 403,
            Self::LinkInvalid | Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::DocumentIdTaken => 409,
            Self::AccessEnded => 410,
            Self::RecipientNotEligible => 422,
            Self::BodyTooLarge => 413,
            Self::NotConfigured => 503,
            Self::Conflict | Self::PracticeRequired => 409,
            Self::PracticeSuspended => 403,
            Self::LockedOut | Self::RateLimited => 429,
            Self::RangeNotSatisfiable => 416,
            Self::OriginUnavailable => 502,
            Self::Internal => 500,
        }
    }

    /// A plain-English sentence for people; clients may show it as is.
    pub fn message(self) -> &'static str {
        match self {
            Self::BadRequest => "The request could not be read.",
            Self::InvalidFields => "Some of the details entered are not valid.",
            Self::Unauthorized => "Missing or wrong credentials.",
            Self::LinkInvalid => {
                "This link is not valid. Please use the most recent email from your practice."
            }
            Self::AccessRevoked => "This practice has withdrawn access to these documents.",
            Self::LockedOut => "Too many attempts. Please contact your practice.",
            Self::WrongBirthday => "The date of birth does not match our records.",
            Self::WrongCode => "The code does not match. Check the text message and try again.",
            Self::CodeExpired => "This code has expired. Ask for a new code.",
            Self::NoCodeRequested => "Ask for a code first.",
            Self::NoMobileOnFile => {
                "We do not have a mobile number for you. Please contact your practice."
            }
            Self::SmsUnavailable => "We could not send the text message. Please try again.",
            Self::SessionRequired => {
                "Your session has ended. Please open the link in your email again."
            }
            Self::NotFound => "Not found.",
            Self::Forbidden => "Your role does not allow this.",
            Self::SharingDisabled => "Sharing is switched off for this practice.",
            Self::Conflict => "This conflicts with the current state.",
            Self::RateLimited => "Too many requests. Please wait a moment and try again.",
            Self::RangeNotSatisfiable => "The requested range lies outside the document.",
            Self::OriginUnavailable => "The document could not be fetched. Please try again.",
            Self::DevOnly => "This page exists only in local development.",
            Self::MethodNotAllowed => "This method is not allowed here.",
            Self::DocumentIdTaken => "This document id already belongs to another patient.",
            Self::AccessEnded => {
                "Access to these documents has ended. Please contact your practice."
            }
            Self::RecipientNotEligible => "Some recipients cannot receive this share.",
            Self::BodyTooLarge => "The request body is too large.",
            Self::NotConfigured => "Sealpost is not fully configured yet.",
            Self::PracticeSuspended => {
                "This practice's secure documents are unavailable. Please contact your practice."
            }
            Self::PracticeRequired => "Choose the practice you are working in.",
            Self::IdempotencyKeyInvalid => {
                "The Idempotency-Key header must be 1 to 255 visible ASCII characters."
            }
            Self::IdempotencyKeyReused => {
                "This Idempotency-Key was already used for a different request. Use a new key."
            }
            Self::IdempotencyInProgress => {
                "The first request with this Idempotency-Key is still running. Try again shortly."
            }
            Self::InvalidCursor => {
                "The cursor is not valid for this list. Start again without a cursor."
            }
            Self::InvalidLimit => "The limit must be a whole number from 1 to 200.",
            Self::Internal => "Something went wrong on our side. Please try again.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_are_stable_snake_case() {
        let json = serde_json::to_string(&ErrorCode::WrongBirthday).unwrap_or_default();
        assert_eq!(json, "\"wrong_birthday\"");
        let json = serde_json::to_string(&ErrorCode::LinkInvalid).unwrap_or_default();
        assert_eq!(json, "\"link_invalid\"");
    }

    #[test]
    fn client_errors_are_4xx_and_server_errors_5xx() {
        assert_eq!(ErrorCode::BadRequest.http_status(), 400);
        assert_eq!(ErrorCode::LockedOut.http_status(), 429);
        assert_eq!(ErrorCode::Internal.http_status(), 500);
        assert_eq!(ErrorCode::AccessRevoked.http_status(), 403);
        assert_eq!(ErrorCode::DocumentIdTaken.http_status(), 409);
        assert_eq!(ErrorCode::AccessEnded.http_status(), 410);
        assert_eq!(ErrorCode::BodyTooLarge.http_status(), 413);
        assert_eq!(ErrorCode::RecipientNotEligible.http_status(), 422);
        assert_eq!(ErrorCode::NotConfigured.http_status(), 503);
    }
}
