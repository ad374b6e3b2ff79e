//! SendGrid's Event Webhook: which of its events matter, which practice and job each is about,
//! whether a signed batch is fresh, and how an event changes what the history shows.
//!
//! Every message the edge sends carries `custom_args` with the practice's id and the job's id
//! (`sealpost_practice`, `sealpost_job`: opaque ids, nothing personal); SendGrid copies them
//! into each event about the message, so an event finds its practice's Durable Object and its
//! job without any lookup of shared state. Events without them (another application sending
//! through the same account) are ignored, as are kinds the history does not show (processed,
//! open, click, unsubscribes: open and click tracking are off anyway).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::history::ProviderOutcome;
use crate::mail_queue::safe_text;
use crate::tenancy::PracticeId;
use crate::time::Now;

/// The `custom_args` key naming the practice.
pub const ARG_PRACTICE: &str = "sealpost_practice";
/// The `custom_args` key naming the job.
pub const ARG_JOB: &str = "sealpost_job";

/// The largest batch accepted. SendGrid posts a batch every 30 s or once it reaches 768 KB.
pub const MAX_EVENTS_BODY: u64 = 1024 * 1024;

/// How far the signed timestamp may be from now, either way: a captured batch cannot be
/// replayed later (and replaying it within the window changes nothing: events are recorded
/// once by their id).
pub const MAX_SIGNATURE_AGE: Duration = Duration::minutes(10);

/// One event for one practice, as the Worker hands it to the practice's Durable Object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailEvent {
    /// SendGrid's `sg_event_id`: an event is recorded once however often it is posted.
    pub event_id: String,
    pub job_id: String,
    pub outcome: ProviderOutcome,
    /// When it happened (the event's `timestamp`, Unix seconds).
    pub at: i64,
    /// The receiving server's reason, made safe ([`safe_text`]).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Why a batch was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsRefused {
    /// The timestamp header is missing, unreadable, or outside [`MAX_SIGNATURE_AGE`].
    Stale,
    /// The body is not a JSON array of objects.
    Malformed,
}

/// Whether the signed timestamp header is within [`MAX_SIGNATURE_AGE`] of `now`.
pub fn fresh_timestamp(header: &str, now: Now) -> Result<(), EventsRefused> {
    let at: i64 = header.trim().parse().map_err(|_| EventsRefused::Stale)?;
    let age = now.timestamp().saturating_sub(at).saturating_abs();
    if age > MAX_SIGNATURE_AGE.num_seconds() {
        return Err(EventsRefused::Stale);
    }
    Ok(())
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    event: String,
    #[serde(default)]
    sg_event_id: Option<String>,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    response: Option<String>,
    #[serde(default)]
    sealpost_practice: Option<String>,
    #[serde(default)]
    sealpost_job: Option<String>,
}

/// An id we issued (random ids, letters, digits, `-`, `_`), or an event id as SendGrid
/// writes them: anything else is not ours and is not stored.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/'))
}

/// The events of a batch the history shows, each with its practice. Events of other kinds or
/// without our `custom_args` are left out.
pub fn sendgrid_events(body: &[u8]) -> Result<Vec<(PracticeId, MailEvent)>, EventsRefused> {
    let raw: Vec<Raw> = serde_json::from_slice(body).map_err(|_| EventsRefused::Malformed)?;
    Ok(raw
        .into_iter()
        .filter_map(|e| {
            let outcome = match e.event.as_str() {
                "delivered" => ProviderOutcome::Delivered,
                "deferred" => ProviderOutcome::Deferred,
                "bounce" => ProviderOutcome::Bounced,
                "dropped" => ProviderOutcome::Dropped,
                _ => return None,
            };
            let practice = PracticeId::try_from(e.sealpost_practice?).ok()?;
            let job_id = e.sealpost_job.filter(|j| plain_id(j))?;
            let event_id = e.sg_event_id.filter(|j| plain_id(j))?;
            let reason = match outcome {
                ProviderOutcome::Delivered => None,
                ProviderOutcome::Deferred => e.response.or(e.reason),
                ProviderOutcome::Bounced | ProviderOutcome::Dropped => e.reason.or(e.response),
            }
            .map(|r| safe_text(&r))
            .filter(|r| !r.is_empty());
            Some((
                practice,
                MailEvent {
                    event_id,
                    job_id,
                    outcome,
                    at: e.timestamp.unwrap_or(0),
                    reason,
                },
            ))
        })
        .collect())
}

/// Whether an event replaces what a job shows now (`current`: its outcome and when).
/// Delivered, bounced and dropped are final words: a deferral never replaces one, and a later
/// final word replaces an earlier one (a message delivered and later bounced back by the
/// receiving server). Events arrive out of order: an older one never replaces a newer one.
pub fn replaces(current: Option<(ProviderOutcome, i64)>, event: ProviderOutcome, at: i64) -> bool {
    match current {
        None => true,
        Some((ProviderOutcome::Deferred, since)) => {
            event != ProviderOutcome::Deferred || at >= since
        }
        Some((_, since)) => event != ProviderOutcome::Deferred && at >= since,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use chrono::{TimeZone, Utc};

    use super::*;
    use ProviderOutcome::*;

    #[test]
    fn a_timestamp_within_ten_minutes_either_way_is_fresh() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        assert_eq!(fresh_timestamp("1800000000", now), Ok(()));
        assert_eq!(fresh_timestamp(" 1799999400 ", now), Ok(()));
        assert_eq!(fresh_timestamp("1800000600", now), Ok(()));
        for stale in [
            "1799999399",
            "1800000601",
            "",
            "abc",
            "-9223372036854775808",
        ] {
            assert_eq!(
                fresh_timestamp(stale, now),
                Err(EventsRefused::Stale),
                "{stale}"
            );
        }
    }

    #[test]
    fn only_our_events_of_the_kinds_shown_are_kept() {
        let body = br#"[
            {"event":"delivered","sg_event_id":"e1","timestamp":10,"sealpost_practice":"north","sealpost_job":"j1","response":"250 OK"},
            {"event":"bounce","sg_event_id":"e2","timestamp":11,"sealpost_practice":"north","sealpost_job":"j2","reason":"550 5.1.1 <ann@example.org>: user unknown","type":"bounce"},
            {"event":"deferred","sg_event_id":"e3","timestamp":12,"sealpost_practice":"south","sealpost_job":"j3","response":"421 try later"},
            {"event":"dropped","sg_event_id":"e4","timestamp":13,"sealpost_practice":"north","sealpost_job":"j4","reason":"Bounced Address"},
            {"event":"processed","sg_event_id":"e5","timestamp":9,"sealpost_practice":"north","sealpost_job":"j1"},
            {"event":"open","sg_event_id":"e6","timestamp":14,"sealpost_practice":"north","sealpost_job":"j1"},
            {"event":"delivered","sg_event_id":"e7","timestamp":15},
            {"event":"delivered","sg_event_id":"e8","timestamp":15,"sealpost_practice":"North Surgery!","sealpost_job":"j1"},
            {"event":"delivered","sg_event_id":"e9","timestamp":15,"sealpost_practice":"north","sealpost_job":"j 1"}
        ]"#;
        let events = sendgrid_events(body).unwrap();
        let summary: Vec<(&str, &str, ProviderOutcome, Option<&str>)> = events
            .iter()
            .map(|(p, e)| {
                (
                    p.as_str(),
                    e.job_id.as_str(),
                    e.outcome,
                    e.reason.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("north", "j1", Delivered, None),
                (
                    "north",
                    "j2",
                    Bounced,
                    Some("550 5.1.1 [address] user unknown")
                ),
                ("south", "j3", Deferred, Some("421 try later")),
                ("north", "j4", Dropped, Some("Bounced Address")),
            ]
        );
        assert_eq!(events[0].1.event_id, "e1");
        assert_eq!(events[0].1.at, 10);
    }

    #[test]
    fn anything_but_an_array_of_objects_is_malformed() {
        for body in [&b"{}"[..], b"not json", b"[1]", b""] {
            assert_eq!(sendgrid_events(body), Err(EventsRefused::Malformed));
        }
        assert_eq!(sendgrid_events(b"[]"), Ok(vec![]));
    }

    #[test]
    fn final_words_win_over_deferrals_and_newer_over_older() {
        assert!(replaces(None, Deferred, 5));
        assert!(replaces(Some((Deferred, 5)), Deferred, 6));
        assert!(!replaces(Some((Deferred, 5)), Deferred, 4));
        assert!(
            replaces(Some((Deferred, 5)), Delivered, 4),
            "a final word, even earlier"
        );
        assert!(!replaces(Some((Delivered, 5)), Deferred, 9));
        assert!(
            replaces(Some((Delivered, 5)), Bounced, 9),
            "bounced back later"
        );
        assert!(!replaces(Some((Bounced, 9)), Delivered, 5), "older");
    }
}
