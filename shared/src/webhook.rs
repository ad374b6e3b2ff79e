//! Webhooks to the clinic: what happened to its shares, emails, links and documents, as signed
//! events it can rely on. The wire format is [Standard Webhooks](https://www.standardwebhooks.com/)
//! (the shape Svix uses), so any of its receiver libraries verifies our deliveries:
//!
//! ```text
//! POST <the practice's webhook URL>
//! content-type: application/json
//! webhook-id: evt_<22 base64url characters>       the event's id: the same on every retry
//! webhook-timestamp: <unix seconds>               when this attempt was signed
//! webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
//!
//! {"id":"evt_…","type":"document.downloaded","created_at":1795600000,"practice":"riverside",
//!  "data":{"patient_id":"p1","recipient":{"type":"patient"},"document_id":"d1"}}
//! ```
//!
//! The key is the secret after its `whsec_` prefix, base64-decoded (a secret without the prefix,
//! imported from the old deployment-wide `WEBHOOK_SECRET`, is used as its UTF-8 bytes). The id
//! and timestamp are inside the MAC, so a receiver that rejects timestamps more than
//! [`TOLERANCE_SECONDS`] away from its clock and remembers ids it has processed is safe from
//! replays ([`verify`] is that check, for receivers to mirror and for our tests).
//!
//! Payloads carry ids only (patients, recipients by reference, documents, shares, links,
//! emails): never names, addresses, dates of birth or titles. A delivery is retried with the
//! backoff of [`after_failure`] for [`RETRY_FOR_SECONDS`], then given up.

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::recipients::RecipientRef;
use crate::wire::ShareMethod;

/// The event's id (`evt_…`), the same on every attempt: receivers de-duplicate on it.
pub const ID_HEADER: &str = "webhook-id";
/// Unix seconds when this attempt was signed.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// `v1,<base64 signature>`; several, space-separated, are allowed (secret rotation).
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How far a delivery's timestamp may be from the receiver's clock (5 minutes, as Stripe and
/// Svix use): older deliveries are replays.
pub const TOLERANCE_SECONDS: i64 = 300;
/// How long a delivery is retried before it is given up: a day.
pub const RETRY_FOR_SECONDS: i64 = 24 * 3600;
/// How long a claimed delivery is held for the attempt in progress. Longer than the send
/// timeout, so a delivery is never sent twice at once; if the Durable Object dies mid-send
/// the lease runs out and it is tried again (same id: receivers de-duplicate).
pub const LEASE_SECONDS: i64 = 60;
/// How long the receiver has to answer.
pub const SEND_TIMEOUT_SECONDS: u64 = 10;
/// The prefix of a secret in Standard Webhooks form.
pub const SECRET_PREFIX: &str = "whsec_";
/// The prefix of event ids.
pub const EVENT_ID_PREFIX: &str = "evt_";

/// Delay before the next attempt after the n-th failed one (index n − 1); the last repeats
/// until [`RETRY_FOR_SECONDS`] have passed since the event. Short first steps, so a receiver
/// that was briefly down hears within seconds; about 11 attempts in the day.
const BACKOFF_SECONDS: [i64; 9] = [5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800];

/// Every event type, by its wire name.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "share.created")]
    ShareCreated,
    #[serde(rename = "email.delivered")]
    EmailDelivered,
    #[serde(rename = "email.bounced")]
    EmailBounced,
    #[serde(rename = "email.failed")]
    EmailFailed,
    #[serde(rename = "link.opened")]
    LinkOpened,
    #[serde(rename = "recipient.verified")]
    RecipientVerified,
    #[serde(rename = "document.viewed")]
    DocumentViewed,
    #[serde(rename = "document.downloaded")]
    DocumentDownloaded,
    #[serde(rename = "access.revoked")]
    AccessRevoked,
}

impl EventType {
    pub const ALL: [Self; 9] = [
        Self::ShareCreated,
        Self::EmailDelivered,
        Self::EmailBounced,
        Self::EmailFailed,
        Self::LinkOpened,
        Self::RecipientVerified,
        Self::DocumentViewed,
        Self::DocumentDownloaded,
        Self::AccessRevoked,
    ];

    /// The wire name (the same as serde's), also stored in the delivery log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShareCreated => "share.created",
            Self::EmailDelivered => "email.delivered",
            Self::EmailBounced => "email.bounced",
            Self::EmailFailed => "email.failed",
            Self::LinkOpened => "link.opened",
            Self::RecipientVerified => "recipient.verified",
            Self::DocumentViewed => "document.viewed",
            Self::DocumentDownloaded => "document.downloaded",
            Self::AccessRevoked => "access.revoked",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// `share.created`: a share was recorded (its emails are queued).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareCreated {
    pub patient_id: String,
    pub share_id: String,
    pub method: ShareMethod,
    pub document_ids: Vec<String>,
    pub recipients: Vec<RecipientRef>,
}

/// `email.delivered`, `email.bounced`, `email.failed`: one email of the practice.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailEvent {
    pub patient_id: String,
    pub email_id: String,
    /// The share it carries; none for a renewed link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_id: Option<String>,
    /// Whom it was for; none for a renewed link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientRef>,
}

/// `link.opened`: a recipient opened a live link (before proving who they are).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOpened {
    pub patient_id: String,
    pub recipient: RecipientRef,
    pub link_id: String,
}

/// How a recipient proved who they are.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    Birthday,
    SmsCode,
    MagicLink,
}

/// `recipient.verified`: a recipient passed the check and a session began.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientVerified {
    pub patient_id: String,
    pub recipient: RecipientRef,
    pub link_id: String,
    pub method: VerificationMethod,
}

/// `document.viewed`, `document.downloaded`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEvent {
    pub patient_id: String,
    pub recipient: RecipientRef,
    pub document_id: String,
}

/// What an `access.revoked` took away.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedScope {
    /// Every recipient of the patient (unshare).
    Patient,
    /// One recipient (unshare of a recipient, or the contact deleted).
    Recipient,
    /// One document, from every recipient.
    Document,
    /// One link.
    Link,
}

/// `access.revoked`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRevoked {
    pub patient_id: String,
    pub scope: RevokedScope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
}

/// An event and its data: `{"type": "…", "data": {…}}` on the wire.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    #[serde(rename = "share.created")]
    ShareCreated(ShareCreated),
    #[serde(rename = "email.delivered")]
    EmailDelivered(EmailEvent),
    #[serde(rename = "email.bounced")]
    EmailBounced(EmailEvent),
    #[serde(rename = "email.failed")]
    EmailFailed(EmailEvent),
    #[serde(rename = "link.opened")]
    LinkOpened(LinkOpened),
    #[serde(rename = "recipient.verified")]
    RecipientVerified(RecipientVerified),
    #[serde(rename = "document.viewed")]
    DocumentViewed(DocumentEvent),
    #[serde(rename = "document.downloaded")]
    DocumentDownloaded(DocumentEvent),
    #[serde(rename = "access.revoked")]
    AccessRevoked(AccessRevoked),
}

impl Event {
    pub fn event_type(&self) -> EventType {
        match self {
            Self::ShareCreated(_) => EventType::ShareCreated,
            Self::EmailDelivered(_) => EventType::EmailDelivered,
            Self::EmailBounced(_) => EventType::EmailBounced,
            Self::EmailFailed(_) => EventType::EmailFailed,
            Self::LinkOpened(_) => EventType::LinkOpened,
            Self::RecipientVerified(_) => EventType::RecipientVerified,
            Self::DocumentViewed(_) => EventType::DocumentViewed,
            Self::DocumentDownloaded(_) => EventType::DocumentDownloaded,
            Self::AccessRevoked(_) => EventType::AccessRevoked,
        }
    }
}

/// The body of a delivery.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// `evt_…`, also the `webhook-id` header.
    pub id: String,
    #[serde(flatten)]
    pub event: Event,
    /// Unix seconds when it happened (not when this attempt was made).
    pub created_at: i64,
    /// The practice's id.
    pub practice: String,
}

/// Why a delivery does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// The secret is neither `whsec_<base64>` nor usable bytes.
    BadSecret,
    /// `webhook-timestamp` is not a number.
    BadTimestamp,
    /// Signed more than [`TOLERANCE_SECONDS`] ago: a replay.
    TooOld,
    /// Signed more than [`TOLERANCE_SECONDS`] in the future.
    TooNew,
    /// No `v1` signature matches.
    BadSignature,
}

/// The HMAC key of a secret: `whsec_<base64>` decoded, or any other secret's bytes.
pub fn signing_key(secret: &str) -> Option<Vec<u8>> {
    let key = match secret.strip_prefix(SECRET_PREFIX) {
        Some(encoded) => STANDARD.decode(encoded).ok()?,
        None => secret.as_bytes().to_vec(),
    };
    (!key.is_empty()).then_some(key)
}

/// A new secret in Standard Webhooks form from 32 random bytes.
pub fn secret_from_random(random: [u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random))
}

/// Whether a secret the clinic chose is acceptable: `whsec_` and 24 to 64 bytes of base64.
pub fn secret_ok(secret: &str) -> bool {
    secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .is_some_and(|key| (24..=64).contains(&key.len()))
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &str) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Some(mac.finalize().into_bytes().to_vec())
}

/// The `webhook-signature` value for `body` of event `id` sent at `timestamp`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let tag = mac(&signing_key(secret)?, id, timestamp, body)?;
    Some(format!("v1,{}", STANDARD.encode(tag)))
}

/// What a receiver does with a delivery: `Ok` when one `v1` signature in `signature` is ours
/// for `id`, `timestamp` and `body`, and `timestamp` is within [`TOLERANCE_SECONDS`] of
/// `now_secs`. Signatures are compared in constant time.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &str,
    now_secs: i64,
) -> Result<(), VerifyError> {
    let key = signing_key(secret).ok_or(VerifyError::BadSecret)?;
    let t: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    if now_secs.saturating_sub(t) > TOLERANCE_SECONDS {
        return Err(VerifyError::TooOld);
    }
    if t.saturating_sub(now_secs) > TOLERANCE_SECONDS {
        return Err(VerifyError::TooNew);
    }
    let expected = STANDARD.encode(mac(&key, id, t, body).ok_or(VerifyError::BadSecret)?);
    let matches = signature
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|candidate| bool::from(candidate.as_bytes().ct_eq(expected.as_bytes())));
    if matches {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Try again at this time (Unix seconds).
    At(i64),
    /// The day is over: record the delivery as failed.
    GiveUp,
}

/// After the `attempts`-th failed attempt (1 for the first) of an event created at
/// `created_at`, failing at `now`: when to try again, or give up once the next attempt would
/// fall more than [`RETRY_FOR_SECONDS`] after the event.
pub fn after_failure(created_at: i64, attempts: i64, now: i64) -> Retry {
    let step = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    let delay = BACKOFF_SECONDS
        .get(step)
        .or(BACKOFF_SECONDS.last())
        .copied()
        .unwrap_or(RETRY_FOR_SECONDS);
    let at = now.saturating_add(delay);
    if at > created_at.saturating_add(RETRY_FOR_SECONDS) {
        Retry::GiveUp
    } else {
        Retry::At(at)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ids::ContactId;

    /// The Standard Webhooks specification's own test vector (its reference libraries use it).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        assert_eq!(
            sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap(),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn verify_accepts_fresh_genuine_deliveries_only() {
        let t = SPEC_TIMESTAMP.to_string();
        let ok = |now| verify(SPEC_SECRET, SPEC_ID, &t, SPEC_SIGNATURE, SPEC_BODY, now);
        assert_eq!(ok(SPEC_TIMESTAMP), Ok(()));
        assert_eq!(ok(SPEC_TIMESTAMP + TOLERANCE_SECONDS), Ok(()));
        assert_eq!(
            ok(SPEC_TIMESTAMP + TOLERANCE_SECONDS + 1),
            Err(VerifyError::TooOld),
            "a delivery replayed after five minutes"
        );
        assert_eq!(
            ok(SPEC_TIMESTAMP - TOLERANCE_SECONDS - 1),
            Err(VerifyError::TooNew)
        );
        let v = |secret, id, ts: &str, sig, body| verify(secret, id, ts, sig, body, SPEC_TIMESTAMP);
        assert_eq!(
            v(SPEC_SECRET, SPEC_ID, &t, SPEC_SIGNATURE, "{}"),
            Err(VerifyError::BadSignature),
            "another body"
        );
        assert_eq!(
            v(SPEC_SECRET, "msg_other", &t, SPEC_SIGNATURE, SPEC_BODY),
            Err(VerifyError::BadSignature),
            "another id"
        );
        let later = (SPEC_TIMESTAMP + 1).to_string();
        assert_eq!(
            v(SPEC_SECRET, SPEC_ID, &later, SPEC_SIGNATURE, SPEC_BODY),
            Err(VerifyError::BadSignature),
            "a re-dated replay"
        );
        assert_eq!(
            v(
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                SPEC_ID,
                &t,
                SPEC_SIGNATURE,
                SPEC_BODY
            ),
            Err(VerifyError::BadSignature),
            "another secret"
        );
        assert_eq!(
            v(SPEC_SECRET, SPEC_ID, "soon", SPEC_SIGNATURE, SPEC_BODY),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            v(SPEC_SECRET, SPEC_ID, &t, "v2,abc", SPEC_BODY),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            v("whsec_!!", SPEC_ID, &t, SPEC_SIGNATURE, SPEC_BODY),
            Err(VerifyError::BadSecret)
        );
        // Rotation: any one of several signatures may match.
        let both = format!("v1,bm9wZQ== {SPEC_SIGNATURE}");
        assert_eq!(v(SPEC_SECRET, SPEC_ID, &t, &both, SPEC_BODY), Ok(()));
    }

    #[test]
    fn secrets_in_standard_form_or_legacy_bytes() {
        let secret = secret_from_random([7; 32]);
        assert!(secret.starts_with("whsec_"));
        assert!(secret_ok(&secret));
        assert_eq!(signing_key(&secret).unwrap(), vec![7; 32]);
        assert!(!secret_ok("whsec_c2hvcnQ="), "too short");
        assert!(!secret_ok("plain-secret-but-long-enough-0123456789"));
        // A legacy WEBHOOK_SECRET keeps working as its bytes.
        assert_eq!(signing_key("legacy").unwrap(), b"legacy".to_vec());
        assert_eq!(signing_key(""), None);
    }

    #[test]
    fn backoff_starts_short_and_gives_up_after_a_day() {
        let created = 1_000_000;
        assert_eq!(after_failure(created, 1, created), Retry::At(created + 5));
        assert_eq!(
            after_failure(created, 2, created + 5),
            Retry::At(created + 35)
        );
        // Walk the whole schedule as the queue would.
        let mut now = created;
        let mut attempts = 0;
        let mut gaps = Vec::new();
        loop {
            attempts += 1;
            match after_failure(created, attempts, now) {
                Retry::At(at) => {
                    assert!(at > now);
                    gaps.push(at - now);
                    now = at;
                }
                Retry::GiveUp => break,
            }
        }
        assert!(gaps.windows(2).all(|w| w[0] <= w[1]), "{gaps:?}");
        assert!(now - created <= RETRY_FOR_SECONDS);
        assert!(now - created > RETRY_FOR_SECONDS - 28_800, "tried all day");
        assert_eq!(attempts, 11, "{gaps:?}");
        // Far past the day, a failure gives up at once.
        assert_eq!(
            after_failure(created, 1, created + RETRY_FOR_SECONDS),
            Retry::GiveUp
        );
    }

    #[test]
    fn event_types_round_trip_by_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
        }
        assert_eq!(EventType::parse("viewed"), None);
    }

    #[test]
    fn payloads_are_pinned_and_hold_ids_only() {
        let payloads = [
            Payload {
                id: "evt_1".into(),
                event: Event::ShareCreated(ShareCreated {
                    patient_id: "p1".into(),
                    share_id: "s1".into(),
                    method: ShareMethod::SecureLink,
                    document_ids: vec!["d1".into(), "d2".into()],
                    recipients: vec![
                        RecipientRef::Patient,
                        RecipientRef::Relationship {
                            id: ContactId::try_from("ann".to_owned()).unwrap(),
                        },
                    ],
                }),
                created_at: 1_795_600_000,
                practice: "riverside".into(),
            },
            Payload {
                id: "evt_2".into(),
                event: Event::DocumentDownloaded(DocumentEvent {
                    patient_id: "p1".into(),
                    recipient: RecipientRef::Patient,
                    document_id: "d1".into(),
                }),
                created_at: 1_795_600_001,
                practice: "riverside".into(),
            },
            Payload {
                id: "evt_3".into(),
                event: Event::AccessRevoked(AccessRevoked {
                    patient_id: "p1".into(),
                    scope: RevokedScope::Link,
                    recipient: None,
                    document_id: None,
                    link_id: Some("l1".into()),
                }),
                created_at: 1_795_600_002,
                practice: "riverside".into(),
            },
            Payload {
                id: "evt_4".into(),
                event: Event::EmailFailed(EmailEvent {
                    patient_id: "p1".into(),
                    email_id: "m1".into(),
                    share_id: None,
                    recipient: None,
                }),
                created_at: 1_795_600_003,
                practice: "riverside".into(),
            },
        ];
        let expected = [
            r#"{"id":"evt_1","type":"share.created","data":{"patient_id":"p1","share_id":"s1","method":"secure_link","document_ids":["d1","d2"],"recipients":[{"type":"patient"},{"type":"relationship","id":"ann"}]},"created_at":1795600000,"practice":"riverside"}"#,
            r#"{"id":"evt_2","type":"document.downloaded","data":{"patient_id":"p1","recipient":{"type":"patient"},"document_id":"d1"},"created_at":1795600001,"practice":"riverside"}"#,
            r#"{"id":"evt_3","type":"access.revoked","data":{"patient_id":"p1","scope":"link","link_id":"l1"},"created_at":1795600002,"practice":"riverside"}"#,
            r#"{"id":"evt_4","type":"email.failed","data":{"patient_id":"p1","email_id":"m1"},"created_at":1795600003,"practice":"riverside"}"#,
        ];
        for (payload, json) in payloads.iter().zip(expected) {
            assert_eq!(serde_json::to_string(payload).unwrap(), json);
            assert_eq!(&serde_json::from_str::<Payload>(json).unwrap(), payload);
        }
    }
}
