//! What the stateless Worker tells a Durable Object beside the client's request, and the
//! internal routes between them.
//!
//! Invariant: only the Worker sets these headers. It removes every `x-sealpost-*` header a
//! client sent before forwarding ([`strip_client_headers`]), and Durable Objects are reachable
//! only through the Worker (and each other), so a header here is the Worker's word: the token
//! was verified, the Access identity was verified, the practice is the one the credential names.

use sealpost_shared::ids::{LinkId, RecipientId};
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::time::from_unix_seconds;
use sealpost_shared::token::{LinkClaims, SignedLink};
use serde::{Deserialize, Serialize};
use worker::Headers;

/// The practice the request is for (its Durable Object checks it is the one it holds).
pub const PRACTICE: &str = "x-sealpost-practice";
/// A staff member's email, verified by Cloudflare Access in the Worker.
pub const STAFF: &str = "x-sealpost-staff";
/// Set (to "1") for the local development identity; the Durable Object also checks dev mode.
pub const DEV_IDENTITY: &str = "x-sealpost-dev-identity";
/// A link token the Worker verified (signature, type, audience, issuer, `nbf`), as JSON.
pub const LINK: &str = "x-sealpost-link";
/// On a Durable Object's answer: the body is a [`crate::origin::StreamOrder`] (or [`crate::origin::NoteOrder`]) for the
/// Worker to carry out (document bytes never pass through a Durable Object).
pub const STREAM: &str = "x-sealpost-stream";
/// Set (to "1") when the client's request was a HEAD: it reaches the Durable Object as a GET,
/// because an answer to a HEAD loses its body on the way back, and the Worker needs the order.
pub const HEAD: &str = "x-sealpost-head";
/// The value of [`STREAM`] on a consultation note's order (a document's is "1").
pub const STREAM_NOTE: &str = "note";
/// The value of [`STREAM`] on an upload's order: the Worker stores the body, then asks again.
pub const STREAM_UPLOAD: &str = "upload";
/// On both steps of an upload: the body's declared length (the body itself stays with the
/// Worker); the first step checks it, and both fingerprint an `Idempotency-Key` with it.
pub const DECLARED_LENGTH: &str = "x-sealpost-declared-length";
/// On the second step of an upload: what the Worker stored (`origin::Stored`, JSON).
pub const UPLOAD: &str = "x-sealpost-upload";

/// `value` as JSON for a header: every non-ASCII character written as a `\uXXXX` escape. A
/// header value carries bytes, not text, so a section title such as "Patient’s account" would
/// otherwise be refused (or garbled) on the way; serde_json reads the escapes back as they were.
pub fn header_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    use std::fmt::Write;
    let json = serde_json::to_string(value)?;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            // Only inside JSON strings: escaping there keeps the JSON the same value.
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    Ok(out)
}

/// Removes every `x-sealpost-*` header: what clients send under these names is never trusted.
pub fn strip_client_headers(headers: &Headers) {
    let names: Vec<String> = headers
        .keys()
        .filter(|name| name.to_ascii_lowercase().starts_with("x-sealpost-"))
        .collect();
    for name in names {
        let _ = headers.delete(&name);
    }
}

/// A verified link as the Worker hands it on (the shared types are not wire types).
#[derive(Debug, Serialize, Deserialize)]
pub struct VerifiedLink {
    recipient: RecipientId,
    link: LinkId,
    access_from: Option<i64>,
    practice: Option<PracticeId>,
    expires_at: i64,
}

impl From<&SignedLink> for VerifiedLink {
    fn from(signed: &SignedLink) -> Self {
        Self {
            recipient: signed.claims.recipient.clone(),
            link: signed.claims.link.clone(),
            access_from: signed.claims.access_from.map(|t| t.timestamp()),
            practice: signed.claims.practice.clone(),
            expires_at: signed.expires_at.timestamp(),
        }
    }
}

impl VerifiedLink {
    pub fn into_signed(self) -> SignedLink {
        SignedLink {
            claims: LinkClaims {
                recipient: self.recipient,
                link: self.link,
                access_from: self.access_from.map(from_unix_seconds),
                practice: self.practice,
            },
            expires_at: from_unix_seconds(self.expires_at),
        }
    }
}

/// `POST /internal/practice/init`: the directory asks a practice's Durable Object to begin.
#[derive(Debug, Serialize, Deserialize)]
pub struct InitPractice {
    pub id: PracticeId,
    pub name: String,
    pub mail_from: Option<String>,
    pub adopt_existing: bool,
}

/// The practice's answer to [`InitPractice`]: its first key (shown once to the operator) and
/// the staff it holds (an adopted practice brings its `STAFF_ROLES`), for the directory.
#[derive(Debug, Serialize, Deserialize)]
pub struct PracticeBegun {
    pub api_key: String,
    pub created_at: i64,
    pub staff: Vec<String>,
}

/// `PUT`/`DELETE /internal/directory/staff`: a practice tells the directory who belongs to it.
#[derive(Debug, Serialize, Deserialize)]
pub struct StaffMembership {
    pub email: String,
    pub practice: PracticeId,
}

#[cfg(test)]
mod header_json_tests {
    #![allow(clippy::unwrap_used)]
    use super::header_json;
    use sealpost_shared::wire::SectionHeading;

    #[test]
    fn header_json_is_ascii_and_reads_back_the_same() {
        let headings = vec![
            SectionHeading {
                id: "history".into(),
                title: "Patient’s account – résumé 🩺".into(),
            },
            SectionHeading {
                id: "plan".into(),
                title: "Plan \"B\"".into(),
            },
        ];
        let json = header_json(&headings).unwrap();
        assert!(json.is_ascii(), "{json}");
        assert!(json.contains("Patient\\u2019s"));
        assert!(
            json.contains("\\ud83e\\ude7a"),
            "a surrogate pair outside the BMP"
        );
        let back: Vec<SectionHeading> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, headings);
    }
}
