//! `POST /api/v1/providers/sendgrid/events`: SendGrid's Event Webhook, answered by the Worker.
//!
//! SendGrid signs each batch: ECDSA P-256 over SHA-256 of the `X-Twilio-Email-Event-Webhook-
//! Timestamp` header followed by the raw body, DER-encoded and base64 in
//! `X-Twilio-Email-Event-Webhook-Signature`, checked against the account's public key
//! (`SENDGRID_WEBHOOK_PUBLIC_KEY`). The Worker bounds the body, refuses a stale timestamp or a
//! bad signature before parsing anything, keeps the events the history shows
//! (`sealpost_shared::mail_events`), and hands each practice its own in one internal call. A
//! batch is answered 204 once every practice has recorded its events; an error makes SendGrid
//! post it again, which changes nothing already recorded (events are kept once by their id).

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD, Engine};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::mail_events::{fresh_timestamp, sendgrid_events, MailEvent, MAX_EVENTS_BODY};
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::time::Now;
use sealpost_shared::wire::ApiError;
use worker::{Env, Method, Request, Response};

use crate::config::Config;
use crate::http::{read_bounded, AppError};

pub const SIGNATURE: &str = "x-twilio-email-event-webhook-signature";
pub const TIMESTAMP: &str = "x-twilio-email-event-webhook-timestamp";
/// The practice's internal route that records a batch (reachable only from the Worker).
pub const INTERNAL_PATH: &str = "/internal/mail-events";

/// The verification key as SendGrid shows it: base64 of the DER public key (a PEM block's
/// body, with or without its header lines).
pub fn public_key(text: &str) -> Option<VerifyingKey> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD.decode(body).ok()?;
    VerifyingKey::from_public_key_der(&der).ok()
}

/// Whether `signature` (base64 DER) signs `timestamp` followed by `body` under `key`.
pub fn verify(key: &VerifyingKey, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Ok(der) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(signature) = Signature::from_der(&der) else {
        return false;
    };
    let mut signed = Vec::with_capacity(timestamp.len() + body.len());
    signed.extend_from_slice(timestamp.as_bytes());
    signed.extend_from_slice(body);
    key.verify(&signed, &signature).is_ok()
}

fn refused(message: &str) -> AppError {
    ApiError::new(ErrorCode::Unauthorized)
        .with_message(message)
        .into()
}

pub async fn sendgrid(
    mut req: Request,
    cfg: &Config,
    env: &Env,
    now: Now,
) -> Result<Response, AppError> {
    if req.method() != Method::Post {
        return Err(AppError::code(ErrorCode::MethodNotAllowed));
    }
    let Some(key) = &cfg.mail.events_key else {
        return Err(ApiError::new(ErrorCode::NotConfigured)
            .with_message("SENDGRID_WEBHOOK_PUBLIC_KEY is not set: delivery events are off.")
            .into());
    };
    let headers = req.headers();
    let (Some(signature), Some(timestamp)) = (headers.get(SIGNATURE)?, headers.get(TIMESTAMP)?)
    else {
        return Err(refused("The event batch is not signed."));
    };
    fresh_timestamp(&timestamp, now).map_err(|_| refused("The event batch is too old."))?;
    let body = read_bounded(&mut req, MAX_EVENTS_BODY).await?;
    if !verify(key, &timestamp, &body, &signature) {
        return Err(refused("The event batch's signature does not verify."));
    }
    let events = sendgrid_events(&body).map_err(|_| {
        AppError::from(
            ApiError::new(ErrorCode::BadRequest)
                .with_message("The event batch is not a JSON array of events."),
        )
    })?;
    let mut by_practice: BTreeMap<PracticeId, Vec<MailEvent>> = BTreeMap::new();
    for (practice, event) in events {
        by_practice.entry(practice).or_default().push(event);
    }
    for (practice, events) in by_practice {
        let recorded: Result<serde_json::Value, AppError> = crate::store::call_practice(
            env,
            cfg,
            &practice,
            Method::Post,
            INTERNAL_PATH,
            Some(&events),
        )
        .await;
        match recorded {
            Ok(_) => {}
            // A practice that no longer exists, or is suspended, keeps no evidence: posting the
            // batch again would not change that.
            Err(AppError::Api(e))
                if matches!(e.code, ErrorCode::NotFound | ErrorCode::PracticeSuspended) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(Response::empty()?.with_status(204))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // A key pair and a signature made with Node's crypto, as SendGrid makes them:
    // sign("sha256", Buffer.from(timestamp + body), privateKey) (DER), base64.
    const KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaPbc37iKNphX8e+neGxbOA1Sfk+/lvD7JmEsCbU2L09IKqBffDpHTEXyaUIpU1Zu+FiedIn4QOoFuLb874fyPQ==";
    const TS: &str = "1800000000";
    const BODY: &str = r#"[{"event":"delivered","sg_event_id":"e1","timestamp":1800000000,"sealpost_practice":"north","sealpost_job":"j1"}]"#;
    const SIG: &str = "MEYCIQDW04qBXLgIM1gLN/04pYG5K6dFBl9ngkKH/+X/dOrBpwIhALa9g/k0U61TaOTBCD5vozn9GkEmkO3mIXnVVzTUInnO";

    #[test]
    fn a_signature_made_as_sendgrid_makes_it_verifies() {
        let key = public_key(KEY).unwrap();
        assert!(verify(&key, TS, BODY.as_bytes(), SIG));
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{KEY}\n-----END PUBLIC KEY-----\n");
        assert!(verify(&public_key(&pem).unwrap(), TS, BODY.as_bytes(), SIG));
    }

    #[test]
    fn anything_changed_does_not_verify() {
        let key = public_key(KEY).unwrap();
        assert!(!verify(&key, "1800000001", BODY.as_bytes(), SIG));
        let other = BODY.replace("delivered", "bounce");
        assert!(!verify(&key, TS, other.as_bytes(), SIG));
        assert!(!verify(&key, TS, BODY.as_bytes(), "not base64!"));
        assert!(!verify(&key, TS, BODY.as_bytes(), "AAAA"));
        assert!(public_key("not a key").is_none());
    }
}
