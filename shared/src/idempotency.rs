//! Idempotent clinic API writes: a clinic system that retries a `POST`, `PUT` or `DELETE` after
//! a timeout sends the same `Idempotency-Key` header, and the practice answers the retry with
//! the first answer, doing nothing else (no email, no audit, no stored bytes).
//!
//! A key belongs to one caller of one practice (an API key, or a staff member), so two callers'
//! keys never collide. The practice keeps, per (caller, key): the request's [`fingerprint`]
//! (method, path with query, body), when it was first seen, and once it finished its answer
//! (status, content type, body). Each new request asks [`decide`]:
//!
//! ```text
//!                    no record, or older than 24 h
//!   (request) ──────────────────────────────────────────► Proceed ── reserve, run, keep answer
//!       │      record, another fingerprint ─────────────► Mismatch (422, nothing done)
//!       │      record with its answer ──────────────────► Replay (the first answer, nothing done)
//!       │      record still running, < 10 min old ──────► InProgress (409, nothing done)
//!       └───── record still running, ≥ 10 min old ──────► Proceed (the first never finished)
//! ```
//!
//! Which answers are kept ([`keeps_answer`]): successes, and server errors (effects may have
//! happened before the failure, so a retry must not do them again). A client error (4xx) means
//! the request was refused before anything was done: the reservation is dropped, and the client
//! may correct the request and send it again under the same key.

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::time::Now;

/// How long a key is remembered (from its first use): a repeat within this window is a retry.
pub const KEY_LIFETIME: Duration = Duration::hours(24);

/// How long a first request may run before a repeat stops waiting for it: longer than any
/// request runs, so only a request whose Durable Object restarted mid-way is given up on.
pub const PENDING_LIFETIME: Duration = Duration::minutes(10);

/// The longest key accepted (UUIDs, ULIDs and the clinic's own "invoice-123-share" all fit).
pub const MAX_KEY_LEN: usize = 255;

/// The response header that marks a replayed answer.
pub const REPLAYED_HEADER: &str = "Idempotency-Replayed";

/// The request header.
pub const KEY_HEADER: &str = "Idempotency-Key";

/// A key as sent: 1 to [`MAX_KEY_LEN`] visible ASCII characters (no spaces or control
/// characters, so it can never break a log line or a header).
pub fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What identifies a request for its key: the SHA-256 (hex) of its method, target (path and
/// query) and body, each length-prefixed so no two different requests share the input.
/// An upload's body stays in the Worker, so its caller passes what describes the bytes
/// (content type and declared length) as `body`.
pub fn fingerprint(method: &str, target: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), target.as_bytes(), body] {
        hash.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        hash.update(part);
    }
    crate::hex::encode(&hash.finalize())
}

/// What the practice holds for a (caller, key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub fingerprint: &'a str,
    pub created_at: Now,
    /// `false` while the first request is still running.
    pub answered: bool,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A new request (or the key's 24 hours are over): reserve the key, do the work, keep the
    /// answer.
    Proceed,
    /// A retry of a finished request: answer what was answered then, and nothing else.
    Replay,
    /// The key was used for a different request: refuse (422), nothing done.
    Mismatch,
    /// The first request is still running: refuse (409), nothing done.
    InProgress,
}

pub fn decide(record: Option<&Record<'_>>, fingerprint: &str, now: Now) -> Decision {
    let Some(record) = record else {
        return Decision::Proceed;
    };
    if now >= record.created_at + KEY_LIFETIME {
        return Decision::Proceed;
    }
    if record.fingerprint != fingerprint {
        return Decision::Mismatch;
    }
    if record.answered {
        return Decision::Replay;
    }
    if now >= record.created_at + PENDING_LIFETIME {
        return Decision::Proceed;
    }
    Decision::InProgress
}

/// Whether an answer with this status is kept for replays (see the module doc).
pub fn keeps_answer(status: u16) -> bool {
    !(400..500).contains(&status)
}

/// Records created before this instant are past their lifetime and may be deleted.
pub fn expired_before(now: Now) -> Now {
    now - KEY_LIFETIME
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_unix_seconds;

    fn record(fingerprint: &str, created_at: i64, answered: bool) -> Record<'_> {
        Record {
            fingerprint,
            created_at: from_unix_seconds(created_at),
            answered,
        }
    }

    const T0: i64 = 1_700_000_000;
    const DAY: i64 = 24 * 3600;

    #[test]
    fn a_new_key_proceeds() {
        assert_eq!(decide(None, "f", from_unix_seconds(T0)), Decision::Proceed);
    }

    #[test]
    fn a_repeat_within_24_hours_replays_and_after_is_new() {
        let r = record("f", T0, true);
        let at = |t| decide(Some(&r), "f", from_unix_seconds(t));
        assert_eq!(at(T0), Decision::Replay);
        assert_eq!(at(T0 + DAY - 1), Decision::Replay);
        assert_eq!(at(T0 + DAY), Decision::Proceed);
    }

    #[test]
    fn another_request_under_the_same_key_is_refused_until_the_key_expires() {
        let r = record("f", T0, true);
        assert_eq!(
            decide(Some(&r), "g", from_unix_seconds(T0 + 5)),
            Decision::Mismatch
        );
        // Even while the first is running.
        let running = record("f", T0, false);
        assert_eq!(
            decide(Some(&running), "g", from_unix_seconds(T0 + 5)),
            Decision::Mismatch
        );
        assert_eq!(
            decide(Some(&r), "g", from_unix_seconds(T0 + DAY)),
            Decision::Proceed
        );
    }

    #[test]
    fn a_running_first_request_blocks_repeats_until_presumed_dead() {
        let r = record("f", T0, false);
        let at = |t| decide(Some(&r), "f", from_unix_seconds(t));
        assert_eq!(at(T0), Decision::InProgress);
        assert_eq!(at(T0 + 599), Decision::InProgress);
        assert_eq!(at(T0 + 600), Decision::Proceed);
    }

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(valid_key("a"));
        assert!(valid_key("3f2c1a7e-4b1d-4a3e-9a57-0c1b2d3e4f50"));
        assert!(valid_key("invoice/123:share#2"));
        assert!(valid_key(&"k".repeat(MAX_KEY_LEN)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(MAX_KEY_LEN + 1)));
        assert!(!valid_key("has space"));
        assert!(!valid_key("tab\there"));
        assert!(!valid_key("line\nbreak"));
        assert!(!valid_key("é"));
    }

    #[test]
    fn fingerprints_differ_by_method_target_and_body_and_cannot_be_shifted() {
        let f = fingerprint("POST", "/api/v1/clinic/shares", b"{}");
        assert_eq!(f.len(), 64);
        assert_eq!(f, fingerprint("POST", "/api/v1/clinic/shares", b"{}"));
        assert_ne!(f, fingerprint("PUT", "/api/v1/clinic/shares", b"{}"));
        assert_ne!(f, fingerprint("POST", "/api/v1/clinic/shares?x=1", b"{}"));
        assert_ne!(f, fingerprint("POST", "/api/v1/clinic/shares", b"{ }"));
        // Moving bytes between parts changes the fingerprint (parts are length-prefixed).
        assert_ne!(
            fingerprint("PO", "ST/a", b""),
            fingerprint("POST", "/a", b"")
        );
        // Known answer: SHA-256 of the length-prefixed parts.
        assert_eq!(
            fingerprint("", "", b""),
            // python3: hashlib.sha256(bytes(24)).hexdigest()
            "9d908ecfb6b256def8b49a7c504e6c889c4b0e41fe6ce3e01863dd7b61a20aa0"
        );
    }

    #[test]
    fn client_errors_are_not_kept_successes_and_server_errors_are() {
        assert!(keeps_answer(200));
        assert!(keeps_answer(201));
        assert!(keeps_answer(500));
        assert!(keeps_answer(502));
        assert!(!keeps_answer(400));
        assert!(!keeps_answer(404));
        assert!(!keeps_answer(409));
        assert!(!keeps_answer(422));
    }

    #[test]
    fn records_expire_after_the_key_lifetime() {
        assert_eq!(
            expired_before(from_unix_seconds(T0 + DAY)),
            from_unix_seconds(T0)
        );
    }
}
