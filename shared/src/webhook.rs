//! Signed webhooks to the clinic (optional): when a recipient opens a link, views or downloads.
//!
//! The signature header is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the
//! scheme Stripe made familiar: the timestamp inside the MAC stops replays of old deliveries,
//! and [`verify`] (for the clinic's side, and our tests) compares in constant time.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::history::AuditEvent;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-sealpost-signature";

/// How old a delivery may be when verified.
pub const TOLERANCE_SECONDS: i64 = 300;

/// What the clinic is told. Opaque ids only: no names, no titles.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// [`AuditEvent::LinkOpened`], [`AuditEvent::Viewed`] or [`AuditEvent::Downloaded`]: the
    /// audit record it announces, by the same name (`link_opened`, `viewed`, `downloaded`).
    pub event: AuditEvent,
    pub patient_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

fn mac(secret: &[u8], timestamp: i64, body: &str) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Some(mac.finalize().into_bytes().to_vec())
}

/// The signature header value for `body` sent at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> Option<String> {
    let tag = mac(secret, timestamp, body)?;
    Some(format!("t={timestamp},v1={}", crate::hex::encode(&tag)))
}

/// Whether `header` is a valid signature of `body`, made within the tolerance of `now_secs`.
pub fn verify(secret: &[u8], header: &str, body: &str, now_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (Some(t), Some(v)) = (timestamp, signature) else {
        return false;
    };
    if (now_secs - t).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let Some(expected) = mac(secret, t, body) else {
        return false;
    };
    crate::hex::encode(&expected)
        .as_bytes()
        .ct_eq(v.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SECRET: &[u8] = b"whsec-test-secret-0123456789abcdef";
    const BODY: &str = r#"{"event":"downloaded"}"#;

    #[test]
    fn webhook_body_is_pinned() {
        for (event, name) in [
            (AuditEvent::LinkOpened, "link_opened"),
            (AuditEvent::Viewed, "viewed"),
            (AuditEvent::Downloaded, "downloaded"),
        ] {
            let body = WebhookEvent {
                event,
                patient_id: "p1".into(),
                document_id: Some("d1".into()),
                at: 1_795_600_000,
            };
            let json = format!(
                r#"{{"event":"{name}","patient_id":"p1","document_id":"d1","at":1795600000}}"#
            );
            assert_eq!(serde_json::to_string(&body).unwrap(), json);
            assert_eq!(serde_json::from_str::<WebhookEvent>(&json).unwrap(), body);
        }
    }

    #[test]
    fn known_answer_from_python_hmac() {
        assert_eq!(
            sign(SECRET, 1_795_600_000, BODY).unwrap(),
            "t=1795600000,v1=981767867b84568c5842ed23423f8d4c9e9b40b6d4167874b5aed20015f11e2b"
        );
    }

    #[test]
    fn verify_accepts_fresh_genuine_and_refuses_the_rest() {
        let header = sign(SECRET, 1_000, BODY).unwrap();
        assert!(verify(SECRET, &header, BODY, 1_100));
        assert!(
            !verify(SECRET, &header, BODY, 1_000 + TOLERANCE_SECONDS + 1),
            "too old"
        );
        assert!(!verify(SECRET, &header, "{}", 1_100), "other body");
        assert!(
            !verify(b"another secret", &header, BODY, 1_100),
            "other secret"
        );
        assert!(!verify(SECRET, "t=1000", BODY, 1_100));
        assert!(!verify(SECRET, "garbage", BODY, 1_100));
    }
}
