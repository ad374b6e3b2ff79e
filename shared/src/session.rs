//! Portal sessions: a random secret in a `__Host-` cookie, its SHA-256 in the store.
//!
//! - The secret is 32 random bytes (256 bits; the bar is 128) drawn by the adapter, sent as
//!   base64url without padding (43 characters). The store keeps only [`session_key`], the hex
//!   SHA-256 of that text, so a leaked store cannot be replayed as cookies. A slow hash is not
//!   needed: the secret has full entropy.
//! - A session is bound to one recipient and patient and to the patient's `access_epoch`, which
//!   unsharing increments: every session of the patient then reads [`SessionCheck::Revoked`].
//! - It ends after [`SESSION_IDLE`] without requests or [`SESSION_ABSOLUTE`] after creation,
//!   whichever comes first. Each verification creates a new session (never reuse one). The
//!   cookie is set once, when the session is created, with `Max-Age` = [`SESSION_ABSOLUTE`];
//!   the idle limit is enforced by [`check_session`] against the stored `last_seen`, not by the
//!   browser.
//!
//! ```text
//!   no record ─────────────────────────────► Missing
//!   record.access_epoch ≠ current ─────────► Revoked
//!   now - created_at ≥ 12 h ───────────────► Expired
//!   now - last_seen ≥ 30 min ──────────────► IdleExpired
//!   otherwise ─────────────────────────────► Valid   (adapter stores last_seen = now)
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{PatientId, RecipientId};
use crate::secret::SecretString;
use crate::tenancy::PracticeId;
use crate::time::Now;

/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::minutes(30);

/// A session ends this long after it was created, however active.
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);

/// The cookie's name. `__Host-` makes the browser insist on `Secure`, `Path=/` and no `Domain`,
/// so no sibling subdomain can set or shadow it.
pub const SESSION_COOKIE_NAME: &str = "__Host-sealpost_session";

/// The attributes every session cookie carries.
pub const SESSION_COOKIE_ATTRIBUTES: &str = "Path=/; Secure; HttpOnly; SameSite=Strict";

/// Random bytes in a session secret.
pub const SESSION_SECRET_BYTES: usize = 32;

/// The length of the secret's text form: base64url of 32 bytes, unpadded.
pub const SESSION_SECRET_LEN: usize = 43;

/// `Cookie` headers longer than this are ignored unread (browsers cap a cookie at 4 KB; the
/// whole header is rarely near 8 KB).
pub const MAX_COOKIE_HEADER_LEN: usize = 8192;

/// A session's secret as the cookie carries it. Redacted in `Debug`, zeroized on drop.
#[derive(Clone, Debug)]
pub struct SessionSecret(SecretString);

impl SessionSecret {
    /// The text for the cookie.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// Encodes 32 CSPRNG bytes (drawn by the adapter) as a session secret.
pub fn session_secret_from_random(bytes: [u8; SESSION_SECRET_BYTES]) -> SessionSecret {
    SessionSecret(SecretString::new(URL_SAFE_NO_PAD.encode(bytes)))
}

/// What the store keys the session by: hex SHA-256 of the secret's text.
pub fn session_key(secret: &SessionSecret) -> String {
    crate::hex::encode(&Sha256::digest(secret.expose().as_bytes()))
}

/// The `Set-Cookie` value for a new session, living `max_age_seconds` in the browser (the
/// session's absolute limit, [`SESSION_ABSOLUTE`], in seconds).
pub fn session_cookie(
    practice: &PracticeId,
    secret: &SessionSecret,
    max_age_seconds: u64,
) -> String {
    format!(
        "{SESSION_COOKIE_NAME}={practice}.{}; {SESSION_COOKIE_ATTRIBUTES}; Max-Age={max_age_seconds}",
        secret.expose()
    )
}

/// The `Set-Cookie` value that deletes the session cookie.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE_NAME}=; {SESSION_COOKIE_ATTRIBUTES}; Max-Age=0")
}

/// The session cookie's value: the practice (so the Worker knows where the session lives,
/// without a lookup) and the secret. Cookies from before practices existed carry the secret
/// alone; they belong to the upgraded first practice (`practice` is `None`).
#[derive(Debug)]
pub struct SessionCookie {
    pub practice: Option<PracticeId>,
    pub secret: SessionSecret,
}

/// Finds our session cookie in a `Cookie` request header. `None` when the header is too long,
/// the cookie is absent, appears more than once (ambiguous: refuse rather than guess), its
/// practice is not a practice id, or its secret is not exactly 43 characters of canonical
/// base64url for 32 bytes.
pub fn session_from_cookie_header(header: &str) -> Option<SessionCookie> {
    if header.len() > MAX_COOKIE_HEADER_LEN {
        return None;
    }
    let mut found = header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE_NAME)
        .map(|(_, value)| value);
    let value = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let (practice, value) = match value.split_once('.') {
        Some((practice, secret)) => (Some(PracticeId::try_from(practice).ok()?), secret),
        None => (None, value),
    };
    if value.len() != SESSION_SECRET_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
    (bytes.len() == SESSION_SECRET_BYTES).then(|| SessionCookie {
        practice,
        secret: SessionSecret(SecretString::new(value)),
    })
}

/// A session as the store keeps it (keyed by [`session_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub recipient: RecipientId,
    pub patient: PatientId,
    /// The patient's access epoch when the session began; unsharing increments the current one.
    pub access_epoch: u64,
    pub created_at: Now,
    pub last_seen: Now,
}

/// The verdict on a presented session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    Valid,
    /// No such session (never existed, deleted, or no cookie).
    Missing,
    /// No request for [`SESSION_IDLE`].
    IdleExpired,
    /// Older than [`SESSION_ABSOLUTE`].
    Expired,
    /// The practice unshared since the session began.
    Revoked,
}

/// A new session record for a recipient who just passed a check.
pub fn new_session(
    recipient: RecipientId,
    patient: PatientId,
    access_epoch: u64,
    now: Now,
) -> SessionRecord {
    SessionRecord {
        recipient,
        patient,
        access_epoch,
        created_at: now,
        last_seen: now,
    }
}

/// Judges a session at `now` against the patient's current access epoch.
pub fn check_session(record: Option<&SessionRecord>, current_epoch: u64, now: Now) -> SessionCheck {
    let Some(record) = record else {
        return SessionCheck::Missing;
    };
    if record.access_epoch != current_epoch {
        return SessionCheck::Revoked;
    }
    if now.signed_duration_since(record.created_at) >= SESSION_ABSOLUTE {
        return SessionCheck::Expired;
    }
    if now.signed_duration_since(record.last_seen) >= SESSION_IDLE {
        return SessionCheck::IdleExpired;
    }
    SessionCheck::Valid
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn t0() -> Now {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    fn record() -> SessionRecord {
        new_session(
            RecipientId::try_from("r1".to_string()).unwrap(),
            PatientId::try_from("p1".to_string()).unwrap(),
            3,
            t0(),
        )
    }

    fn counting_bytes() -> [u8; 32] {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap();
        }
        bytes
    }

    #[test]
    fn secret_and_key_known_answers() {
        let secret = session_secret_from_random(counting_bytes());
        assert_eq!(
            secret.expose(),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
        );
        // python3: hashlib.sha256(b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").hexdigest()
        assert_eq!(
            session_key(&secret),
            "ea866a757e4c38babfa8127cbe9a409d3e1f93a00ff1488ff735fcf917afffd0"
        );
        assert!(!format!("{secret:?}").contains("AAEC"));
    }

    fn riverside() -> PracticeId {
        PracticeId::try_from("riverside").unwrap()
    }

    #[test]
    fn cookie_strings_are_exact() {
        let secret = session_secret_from_random(counting_bytes());
        assert_eq!(
            session_cookie(&riverside(), &secret, 1800),
            "__Host-sealpost_session=riverside.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1800"
        );
        assert_eq!(
            clear_session_cookie(),
            "__Host-sealpost_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
        );
    }

    #[test]
    fn cookie_header_parsing() {
        let value = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        let found = |h: &str| session_from_cookie_header(h).map(|c| c.secret.expose().to_string());
        assert_eq!(
            found(&format!("__Host-sealpost_session={value}")).as_deref(),
            Some(value)
        );
        assert_eq!(
            found(&format!("a=b;  __Host-sealpost_session={value} ; c=d")).as_deref(),
            Some(value)
        );
        // Other names, the prefix-less name, duplicates, bad values, over-long headers.
        assert_eq!(found(&format!("sealpost_session={value}")), None);
        assert_eq!(found(&format!("__host-sealpost_session={value}")), None);
        assert_eq!(
            found(&format!(
                "__Host-sealpost_session={value}; __Host-sealpost_session={value}"
            )),
            None
        );
        assert_eq!(found("__Host-sealpost_session="), None);
        assert_eq!(found(&format!("__Host-sealpost_session={value}A")), None);
        // The practice before the secret; a cookie from before practices names none.
        let named =
            session_from_cookie_header(&format!("__Host-sealpost_session=riverside.{value}"));
        assert_eq!(named.and_then(|c| c.practice), Some(riverside()));
        let legacy = session_from_cookie_header(&format!("__Host-sealpost_session={value}"));
        assert!(legacy.is_some_and(|c| c.practice.is_none()));
        assert_eq!(
            found(&format!("__Host-sealpost_session=River.{value}")),
            None
        );
        assert_eq!(found(&format!("__Host-sealpost_session=.{value}")), None);
        assert_eq!(
            found(&format!("__Host-sealpost_session={}", &value[..42])),
            None
        );
        assert_eq!(
            found("__Host-sealpost_session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+"),
            None
        );
        // Non-canonical: the last character carries bits that 32 bytes do not have.
        assert_eq!(
            found("__Host-sealpost_session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9"),
            None
        );
        let long = format!(
            "x={}; __Host-sealpost_session={value}",
            "y".repeat(MAX_COOKIE_HEADER_LEN)
        );
        assert_eq!(found(&long), None);
        assert_eq!(found(""), None);
    }

    #[test]
    fn session_lifetimes() {
        let r = record();
        assert_eq!(check_session(None, 3, t0()), SessionCheck::Missing);
        assert_eq!(check_session(Some(&r), 3, t0()), SessionCheck::Valid);
        let idle_edge = t0() + SESSION_IDLE;
        assert_eq!(
            check_session(Some(&r), 3, idle_edge - Duration::seconds(1)),
            SessionCheck::Valid
        );
        assert_eq!(
            check_session(Some(&r), 3, idle_edge),
            SessionCheck::IdleExpired
        );
        // Kept busy, it still ends after 12 hours.
        let mut busy = r.clone();
        let mut now = t0();
        while now < t0() + SESSION_ABSOLUTE - Duration::minutes(10) {
            now += Duration::minutes(10);
            assert_eq!(check_session(Some(&busy), 3, now), SessionCheck::Valid);
            busy.last_seen = now;
        }
        assert_eq!(
            check_session(Some(&busy), 3, t0() + SESSION_ABSOLUTE),
            SessionCheck::Expired
        );
    }

    #[test]
    fn unsharing_revokes_every_session() {
        let r = record();
        assert_eq!(check_session(Some(&r), 4, t0()), SessionCheck::Revoked);
        assert_eq!(check_session(Some(&r), 2, t0()), SessionCheck::Revoked);
        // Revocation wins over expiry: the portal can say access was withdrawn.
        assert_eq!(
            check_session(Some(&r), 4, t0() + Duration::days(1)),
            SessionCheck::Revoked
        );
    }

    proptest! {
        #[test]
        fn cookie_parser_never_panics_and_only_returns_well_formed_secrets(header in ".{0,200}") {
            if let Some(cookie) = session_from_cookie_header(&header) {
                prop_assert_eq!(cookie.secret.expose().len(), SESSION_SECRET_LEN);
            }
        }

        #[test]
        fn every_secret_round_trips_through_the_cookie(bytes in any::<[u8; 32]>(), other in "[a-z]{1,8}=[a-z0-9]{0,8}") {
            let secret = session_secret_from_random(bytes);
            let cookie = session_cookie(&riverside(), &secret, 60);
            let (pair, _) = cookie.split_once(';').unwrap();
            let header = format!("{other}; {pair}");
            let parsed = session_from_cookie_header(&header).unwrap();
            prop_assert_eq!(parsed.practice, Some(riverside()));
            prop_assert_eq!(parsed.secret.expose(), secret.expose());
            prop_assert_eq!(session_key(&parsed.secret), session_key(&secret));
        }
    }
}
