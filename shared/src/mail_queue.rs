//! The mail queue's decisions: what a send attempt's answer means for the job, and the
//! streaming base64 the attachment emails are built with.
//!
//! A job's life (`mail_jobs.status`, the claim in `claim_id`/`next_attempt_at`):
//!
//! ```text
//!             claim (same Durable Object turn as the read, before any await):
//!             claim_id = fresh, next_attempt_at = now + CLAIM_LEASE
//!  pending ─────────────────────────────────────────────▶ pending, claimed
//!     ▲                                                     │
//!     │ Retry { at } (5xx, 408, 429, unreachable)           │ the attempt's answer,
//!     │ claim cleared, next_attempt_at = at                 │ applied only while the
//!     └─────────────────────────────────────────────────────┤ claim is still ours
//!                                                           │
//!       Sent (2xx) ─▶ sent          Failed (other 4xx, or ──┘
//!                                   retried past GIVE_UP_AFTER) ─▶ failed
//! ```
//!
//! A claimed job is not due until its lease ends, so a second delivery (a share, an opening
//! and the alarm can all run while one send awaits the provider) skips it. A sender that
//! crashed mid-send leaves the claim behind: the lease ends and the job is due again.

use chrono::Duration;

use crate::time::Now;

/// How long a claim keeps other deliveries off a job. Longer than any one send can take
/// (a Worker's subrequest gives up well within it), so a live claim is never taken over; a
/// crashed one frees the job after it.
pub const CLAIM_LEASE: Duration = Duration::minutes(5);

/// The first wait after a transient failure; each further failure doubles it.
pub const FIRST_BACKOFF: Duration = Duration::seconds(10);

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::hours(1);

/// How long after it was queued a job that keeps failing transiently is given up: a link
/// lives 24 h, so an email days late serves nobody, and the clinic is told instead.
pub const GIVE_UP_AFTER: Duration = Duration::hours(72);

/// The longest provider reason kept.
const REASON_MAX_CHARS: usize = 200;

/// What one attempt to hand a job to the provider got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx: the provider accepted the message.
    Accepted,
    /// Any other HTTP status, with the provider's reason already made safe
    /// ([`provider_reason`]).
    Answered { status: u16, reason: String },
    /// No answer: the connection failed or the request could not be built.
    Unreachable { reason: String },
}

/// What to do with the job after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Delivered to the provider: the job is done.
    Sent,
    /// A transient failure: try again at `at`; `reason` is shown meanwhile.
    Retry { at: Now, reason: String },
    /// A permanent failure (or one retried for too long): never sent again; `reason` is
    /// shown in the sharing history.
    Failed { reason: String },
}

/// Whether an HTTP status is worth trying again: server errors, timeouts and rate limits.
/// Every other refusal (bad request, unauthorised, forbidden, payload too large …) would be
/// refused the same way again.
pub fn transient_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// The wait before the attempt after `failures` transient failures (1 for the first):
/// [`FIRST_BACKOFF`] doubling each time, capped at [`MAX_BACKOFF`].
pub fn backoff(failures: i64) -> Duration {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let seconds = FIRST_BACKOFF
        .num_seconds()
        .saturating_mul(2_i64.saturating_pow(doublings));
    Duration::seconds(seconds.min(MAX_BACKOFF.num_seconds()))
}

/// Decides a job's next state from one attempt. `failures_before`: the transient failures
/// recorded so far; `queued_at`: when the job was queued.
pub fn after_attempt(
    attempt: &Attempt,
    failures_before: i64,
    queued_at: Now,
    now: Now,
) -> AfterAttempt {
    let reason = match attempt {
        Attempt::Accepted => return AfterAttempt::Sent,
        Attempt::Answered { status, reason } if !transient_status(*status) => {
            return AfterAttempt::Failed {
                reason: format!("refused by the provider ({status}): {reason}"),
            };
        }
        Attempt::Answered { status, reason } => format!("provider answered {status}: {reason}"),
        Attempt::Unreachable { reason } => format!("provider unreachable: {reason}"),
    };
    let failures = failures_before.saturating_add(1);
    let at = now + backoff(failures);
    if at - queued_at > GIVE_UP_AFTER {
        return AfterAttempt::Failed {
            reason: format!("gave up after {failures} attempts; last: {reason}"),
        };
    }
    AfterAttempt::Retry { at, reason }
}

/// The provider's reason for a refusal, safe to store and show: the `message`s of a SendGrid
/// error body (`{"errors":[{"message":…}]}`), or nothing for any other body. Personal data
/// never survives: any word with an `@` (an address) or a digit run long enough to be a
/// phone number is replaced, control characters are dropped, and the text is bounded.
pub fn provider_reason(body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<Message>,
    }
    #[derive(serde::Deserialize)]
    struct Message {
        #[serde(default)]
        message: Option<String>,
    }
    let messages: Vec<String> = serde_json::from_str::<Errors>(body)
        .map(|e| e.errors.into_iter().filter_map(|m| m.message).collect())
        .unwrap_or_default();
    if messages.is_empty() {
        return "no reason given".to_owned();
    }
    safe_text(&messages.join("; "))
}

/// Text from a provider or a receiving mail server, safe to store and show: any word with an
/// `@` (an address) or with six digits or more (a phone number) is replaced, control
/// characters are dropped, and the text is bounded.
pub fn safe_text(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            let digits = word.chars().filter(char::is_ascii_digit).count();
            if word.contains('@') {
                "[address]".to_owned()
            } else if digits >= 6 {
                "[number]".to_owned()
            } else {
                word.chars().filter(|c| !c.is_control()).collect()
            }
        })
        .collect();
    let text = words.join(" ");
    if text.chars().count() > REASON_MAX_CHARS {
        let mut cut: String = text.chars().take(REASON_MAX_CHARS).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The length of `n` bytes in padded standard base64.
pub fn base64_len(n: u64) -> u64 {
    n.div_ceil(3).saturating_mul(4)
}

/// Standard base64 over a stream of chunks of any size: the output, concatenated, is the
/// encoding of the input concatenated. Holds at most two bytes between chunks, so a document
/// is encoded piece by piece as it is read, never whole.
#[derive(Debug, Default)]
pub struct Base64Stream {
    carry: Vec<u8>,
}

impl Base64Stream {
    /// Encodes what can be encoded of `chunk` (whole groups of three bytes) and keeps the rest.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        use base64::{engine::general_purpose::STANDARD, Engine};
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(chunk);
        let whole = input.len() - input.len() % 3;
        let (now, later) = input.split_at(whole);
        self.carry = later.to_vec();
        STANDARD.encode(now).into_bytes()
    }

    /// The last, padded group.
    pub fn finish(self) -> Vec<u8> {
        use base64::{engine::general_purpose::STANDARD, Engine};
        STANDARD.encode(&self.carry).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    use super::*;

    fn t(seconds: i64) -> Now {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    fn answered(status: u16) -> Attempt {
        Attempt::Answered {
            status,
            reason: "why".into(),
        }
    }

    #[test]
    fn accepted_is_sent() {
        assert_eq!(
            after_attempt(&Attempt::Accepted, 3, t(0), t(100)),
            AfterAttempt::Sent
        );
    }

    #[test]
    fn a_refusal_other_than_a_timeout_or_rate_limit_is_final() {
        for status in [400, 401, 403, 404, 413, 422] {
            assert_eq!(
                after_attempt(&answered(status), 0, t(0), t(0)),
                AfterAttempt::Failed {
                    reason: format!("refused by the provider ({status}): why")
                },
                "{status}"
            );
        }
    }

    #[test]
    fn server_errors_timeouts_rate_limits_and_silence_back_off() {
        for attempt in [
            answered(500),
            answered(503),
            answered(429),
            answered(408),
            Attempt::Unreachable {
                reason: "reset".into(),
            },
        ] {
            let AfterAttempt::Retry { at, .. } = after_attempt(&attempt, 0, t(0), t(5)) else {
                panic!("{attempt:?} should be retried");
            };
            assert_eq!(
                at,
                t(15),
                "{attempt:?}: ten seconds after the first failure"
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=12).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(
            waits,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]
        );
        assert_eq!(backoff(i64::MAX), MAX_BACKOFF);
        assert_eq!(backoff(-4), FIRST_BACKOFF);
    }

    #[test]
    fn transient_failures_stop_after_three_days_with_the_last_reason() {
        let queued = t(0);
        let hours = |h: i64| t(h * 3600);
        assert!(matches!(
            after_attempt(&answered(503), 40, queued, hours(70)),
            AfterAttempt::Retry { .. }
        ));
        assert_eq!(
            after_attempt(&answered(503), 71, queued, hours(72)),
            AfterAttempt::Failed {
                reason: "gave up after 72 attempts; last: provider answered 503: why".into()
            }
        );
    }

    #[test]
    fn the_provider_reason_keeps_no_address_or_number() {
        let body = r#"{"errors":[{"message":"The to email ann@example.org is invalid","field":"to"},{"message":"Call 07700900123\u0007 now"}]}"#;
        assert_eq!(
            provider_reason(body),
            "The to email [address] is invalid; Call [number] now"
        );
        assert_eq!(provider_reason("<html>oops</html>"), "no reason given");
        assert_eq!(provider_reason(r#"{"errors":[]}"#), "no reason given");
        let long = format!(r#"{{"errors":[{{"message":"{}"}}]}}"#, "a ".repeat(500));
        assert_eq!(provider_reason(&long).chars().count(), REASON_MAX_CHARS + 1);
    }

    #[test]
    fn base64_len_matches_the_encoder() {
        use base64::{engine::general_purpose::STANDARD, Engine};
        for n in 0..20_u64 {
            assert_eq!(
                base64_len(n),
                STANDARD.encode(vec![0_u8; n as usize]).len() as u64
            );
        }
    }

    proptest! {
        #[test]
        fn base64_in_chunks_equals_base64_whole(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            cuts in proptest::collection::vec(0_usize..300, 0..8),
        ) {
            use base64::{engine::general_purpose::STANDARD, Engine};
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut stream = Base64Stream::default();
            let mut out = Vec::new();
            let mut from = 0;
            for cut in cuts.into_iter().chain([data.len()]) {
                out.extend(stream.push(&data[from..cut]));
                from = cut;
            }
            out.extend(stream.finish());
            prop_assert_eq!(String::from_utf8(out).unwrap(), STANDARD.encode(&data));
        }
    }
}
