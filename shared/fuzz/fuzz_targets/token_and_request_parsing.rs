//! Arbitrary bytes against every parser that sees untrusted input: link tokens, the portal and
//! clinic request bodies, the date-of-birth fields, the session cookie header and the new wire
//! types. Besides "never panics", it asserts the parsers' output invariants.
#![no_main]

use std::sync::OnceLock;

use chrono::{NaiveDate, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use sealpost_shared::birthday::parse_birthday;
use sealpost_shared::checks::CheckSettings;
use sealpost_shared::recipients::{EmailAddress, RecipientRef, MAX_EMAIL_LEN};
use sealpost_shared::sender::SenderAddresses;
use sealpost_shared::session::{session_from_cookie_header, session_key, SESSION_SECRET_LEN};
use sealpost_shared::time::Now;
use sealpost_shared::token::{verify_signed, KeyRing, NamedKey};
use sealpost_shared::wire::{BirthdayVerifyRequest, OpenLinkRequest, ShareRequest};

fn now() -> Now {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn ring() -> &'static Option<KeyRing> {
    static RING: OnceLock<Option<KeyRing>> = OnceLock::new();
    RING.get_or_init(|| {
        let signing = NamedKey::from_seed("k1", &[7; 32])?;
        let retired = NamedKey::from_seed("k0", &[9; 32])?.public_key();
        KeyRing::new("https://sealpost.test", signing).with_retired("k0", retired.as_ref())
    })
}

fuzz_target!(|data: &[u8]| {
    // Request bodies arrive as bytes; serde_json must refuse invalid UTF-8 itself.
    let _ = serde_json::from_slice::<OpenLinkRequest>(data);
    let _ = serde_json::from_slice::<BirthdayVerifyRequest>(data);
    let _ = serde_json::from_slice::<ShareRequest>(data);
    let _ = serde_json::from_slice::<RecipientRef>(data);
    let _ = serde_json::from_slice::<CheckSettings>(data);
    let _ = serde_json::from_slice::<SenderAddresses>(data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Some(ring) = ring() {
        if let Ok(signed) = verify_signed(ring, text, now()) {
            // Only a token we signed can get here; the fuzzer must never forge one.
            assert!(signed.claims.recipient.as_str().len() <= 64);
        }
    }

    let mut fields = text.splitn(3, '/');
    let (day, month, year) = (
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
    );
    if let Some(today) = NaiveDate::from_ymd_opt(2026, 11, 25) {
        if let Ok(date) = parse_birthday(day, month, year, today) {
            assert!(date < today);
        }
    }

    if let Some(cookie) = session_from_cookie_header(text) {
        assert_eq!(cookie.secret.expose().len(), SESSION_SECRET_LEN);
        assert_eq!(session_key(&cookie.secret).len(), 64);
    }

    if let Ok(address) = EmailAddress::try_from(text) {
        assert!(address.as_str().len() <= MAX_EMAIL_LEN);
        assert!(address.as_str().bytes().all(|b| b.is_ascii_graphic()));
    }
});
