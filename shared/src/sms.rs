//! SMS one-time codes (NIST SP 800-63B-4 §3.1.3, OWASP ASVS 5 §6.5/6.6).
//!
//! - A code is 6 digits drawn from 8 CSPRNG bytes the adapter passes in ([`code_from_random`]).
//! - Only its keyed hash is stored: `code_hash = hex(HMAC-SHA256(key, link_id ":" code))`, so a
//!   leaked store does not reveal live codes (a plain hash of 10^6 values would be reversed in
//!   milliseconds) and a code is bound to the link that asked for it.
//! - A code lives [`CODE_LIFETIME`] (10 minutes) and is single use ([`mark_used`]).
//! - Wrong guesses feed the recipient's [`AttemptState`] under [`SMS_POLICY`], the shared lockout
//!   state machine of `lockout.rs`. **Issuing a new code never resets that state**: the counter
//!   belongs to the recipient, not to the code, so asking for fresh codes buys no extra guesses.
//! - Sending is rate-limited per recipient ([`may_send_code`]): one per minute, five per hour.
//!
//! How an adapter uses it, per attempt:
//!
//! ```text
//!   check = check_code(stored challenge, entered, link of the token, key, attempts, now)
//!   attempts := attempts_after(&check, &attempts, now)      // counts only Wrong; Accepted clears
//!   if check == Accepted { challenge := mark_used(challenge); start a new session }
//! ```
//!
//! The order of the checks in [`check_code`]: a locked counter refuses without judging anything;
//! then no code / another link's code / already used / expired; then a malformed entry (not a
//! guess, not counted); only then the constant-time hash comparison.

use chrono::Duration;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::ids::LinkId;
use crate::lockout::{AttemptState, AttemptStatus, LockoutPolicy};
use crate::time::Now;

/// Digits in a code (NIST: at least 6).
pub const CODE_DIGITS: usize = 6;

/// 10^CODE_DIGITS: the number of possible codes.
const CODE_SPACE: u64 = 1_000_000;

/// A code is accepted for this long after it was issued (NIST/ASVS: at most 10 minutes).
pub const CODE_LIFETIME: Duration = Duration::minutes(10);

/// The HMAC key for code hashes must be at least this long (256 bits).
pub const MIN_KEY_LEN: usize = 32;

/// Entered text longer than this is refused as malformed before it is looked at.
pub const MAX_ENTERED_LEN: usize = 32;

/// Five wrong codes lock the recipient's SMS check for 15 minutes, doubling per lock up to a
/// day. With 5 guesses per lock against 10^6 codes, the chance of guessing any one code is
/// 5 · 10^-6 per lock; the growing lock bounds a year-long attack at well under 1 %.
pub const SMS_POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 5,
    base_lock: Duration::minutes(15),
    max_lock: Duration::hours(24),
};

/// At most one code is sent per recipient in this interval.
pub const SEND_MIN_INTERVAL: Duration = Duration::seconds(60);

/// The rolling window for [`SEND_MAX_PER_WINDOW`].
pub const SEND_WINDOW: Duration = Duration::hours(1);

/// At most this many codes per recipient per [`SEND_WINDOW`] (SMS costs money and pesters).
pub const SEND_MAX_PER_WINDOW: usize = 5;

/// The daily window for [`SEND_MAX_PER_DAY`].
pub const SEND_DAY: Duration = Duration::hours(24);

/// At most this many codes per recipient in any 24 hours: the hourly limit alone would allow
/// 120 texts a day to one phone (cost, and a way to harass someone through us).
pub const SEND_MAX_PER_DAY: usize = 10;

/// Every rolling limit on sending codes: (window, most sends within it).
const SEND_LIMITS: [(Duration, usize); 2] = [
    (SEND_WINDOW, SEND_MAX_PER_WINDOW),
    (SEND_DAY, SEND_MAX_PER_DAY),
];

/// A one-time code in clear, only between drawing it and handing it to the SMS provider.
/// Redacted in `Debug`, zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct OtpCode(String);

impl OtpCode {
    /// The digits, for the SMS text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpCode(<redacted>)")
    }
}

/// Turns 8 random bytes (from a CSPRNG, drawn by the adapter) into a zero-padded 6-digit code.
///
/// The bytes are read as a big-endian `u64` and reduced mod 10^6. Reduction is biased only
/// because 2^64 is not a multiple of 10^6: the first 2^64 mod 10^6 = 551 616 codes are each one
/// value in 2^64 / 10^6 ≈ 1.8 · 10^13 more likely, a relative bias below 5.5 · 10^-14, far
/// beneath anything an attacker with five guesses could use.
pub fn code_from_random(bytes: [u8; 8]) -> OtpCode {
    let value = u64::from_be_bytes(bytes) % CODE_SPACE;
    OtpCode(format!("{value:06}"))
}

/// The stored form of a code: `hex(HMAC-SHA256(key, link_id ":" code))`. `None` when the key is
/// shorter than [`MIN_KEY_LEN`] (a configuration error).
pub fn code_hash(key: &[u8], link: &LinkId, code: &str) -> Option<String> {
    if key.len() < MIN_KEY_LEN {
        return None;
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(link.as_str().as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    Some(crate::hex::encode(&mac.finalize().into_bytes()))
}

/// A code that was sent, as stored (hashed), bound to the link that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsChallenge {
    pub code_hash: String,
    pub link: LinkId,
    pub issued_at: Now,
    pub used: bool,
}

/// The stored challenge for a freshly drawn code. It replaces any earlier challenge of the
/// recipient, but the recipient's [`AttemptState`] is left exactly as it was.
/// `None` when the key is shorter than [`MIN_KEY_LEN`].
pub fn issue_code(key: &[u8], link: &LinkId, code: &OtpCode, now: Now) -> Option<SmsChallenge> {
    Some(SmsChallenge {
        code_hash: code_hash(key, link, code.expose())?,
        link: link.clone(),
        issued_at: now,
        used: false,
    })
}

/// The challenge after its code was accepted: it can never be accepted again.
pub fn mark_used(challenge: &SmsChallenge) -> SmsChallenge {
    SmsChallenge {
        used: true,
        ..challenge.clone()
    }
}

/// The verdict on one entered code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsCheck {
    /// The code is right: start a session and [`mark_used`] the challenge.
    Accepted,
    /// The code is wrong; `attempts_left` more may be judged before a lock (0: this one locked).
    Wrong { attempts_left: u32 },
    /// The code is older than [`CODE_LIFETIME`]: ask for a new one. Not counted as a failure.
    Expired,
    /// No code was sent for this recipient. Not counted.
    NoCode,
    /// The code was already used. Not counted.
    AlreadyUsed,
    /// The code was asked for through another link. Not counted.
    WrongLink,
    /// Too many wrong codes: nothing is judged until `until`.
    Locked { until: Now },
    /// Not six digits (spaces are ignored). Not a guess, so not counted.
    Malformed,
    /// The key is shorter than [`MIN_KEY_LEN`]: a configuration error (map to `Internal`).
    BadKey,
}

/// Normalises what was typed: ASCII whitespace removed, then exactly six ASCII digits.
fn normalise(entered: &str) -> Option<String> {
    if entered.len() > MAX_ENTERED_LEN {
        return None;
    }
    let digits: String = entered
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Judges an entered code. `challenge` is the recipient's stored challenge, `link` the link of
/// the token presented with the code, `attempts` the recipient's SMS failure counter.
pub fn check_code(
    challenge: Option<&SmsChallenge>,
    entered: &str,
    link: &LinkId,
    key: &[u8],
    attempts: &AttemptState,
    now: Now,
) -> SmsCheck {
    if let AttemptStatus::Locked { until } = SMS_POLICY.status(attempts, now) {
        return SmsCheck::Locked { until };
    }
    let Some(challenge) = challenge else {
        return SmsCheck::NoCode;
    };
    if &challenge.link != link {
        return SmsCheck::WrongLink;
    }
    if challenge.used {
        return SmsCheck::AlreadyUsed;
    }
    if now.signed_duration_since(challenge.issued_at) >= CODE_LIFETIME {
        return SmsCheck::Expired;
    }
    let Some(code) = normalise(entered) else {
        return SmsCheck::Malformed;
    };
    let Some(candidate) = code_hash(key, link, &code) else {
        return SmsCheck::BadKey;
    };
    if bool::from(candidate.as_bytes().ct_eq(challenge.code_hash.as_bytes())) {
        return SmsCheck::Accepted;
    }
    let after = SMS_POLICY.after_failure(attempts, now);
    match SMS_POLICY.status(&after, now) {
        AttemptStatus::Open { attempts_left } => SmsCheck::Wrong { attempts_left },
        AttemptStatus::Locked { .. } => SmsCheck::Wrong { attempts_left: 0 },
    }
}

/// The recipient's failure counter after `check`: a wrong code is a failure, an accepted code
/// clears the counter, and nothing else (expired, malformed, locked…) changes it.
pub fn attempts_after(check: &SmsCheck, attempts: &AttemptState, now: Now) -> AttemptState {
    match check {
        SmsCheck::Wrong { .. } => SMS_POLICY.after_failure(attempts, now),
        SmsCheck::Accepted => SMS_POLICY.after_success(),
        _ => *attempts,
    }
}

/// How long to wait before another code may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendWait {
    pub retry_after_seconds: u64,
}

/// Whether a code may be sent to the recipient at `now`, given when earlier codes were sent
/// (the adapter may pass its whole log: entries older than a day are ignored). Sends dated in
/// the future (clock trouble) count as recent.
pub fn may_send_code(previous_sends: &[Now], now: Now) -> Result<(), SendWait> {
    let mut ready = now;
    if let Some(latest) = previous_sends.iter().max() {
        ready = ready.max(*latest + SEND_MIN_INTERVAL);
    }
    for (window, max) in SEND_LIMITS {
        let mut recent: Vec<Now> = previous_sends
            .iter()
            .copied()
            .filter(|t| now.signed_duration_since(*t) < window)
            .collect();
        recent.sort_unstable();
        if recent.len() >= max {
            // Sending is possible once all but max - 1 recent sends have aged out.
            if let Some(oldest_to_expire) = recent.get(recent.len() - max) {
                ready = ready.max(*oldest_to_expire + window);
            }
        }
    }
    if ready <= now {
        return Ok(());
    }
    let millis = ready.signed_duration_since(now).num_milliseconds();
    let seconds = u64::try_from(millis)
        .unwrap_or(u64::MAX)
        .div_ceil(1000)
        .max(1);
    Err(SendWait {
        retry_after_seconds: seconds,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    const KEY: [u8; 32] = [b'k'; 32];

    fn t0() -> Now {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    fn link(id: &str) -> LinkId {
        LinkId::try_from(id.to_string()).unwrap()
    }

    fn challenge(code: &str) -> SmsChallenge {
        issue_code(&KEY, &link("l1"), &OtpCode(code.to_string()), t0()).unwrap()
    }

    fn check(
        c: Option<&SmsChallenge>,
        entered: &str,
        attempts: &AttemptState,
        now: Now,
    ) -> SmsCheck {
        check_code(c, entered, &link("l1"), &KEY, attempts, now)
    }

    #[test]
    fn codes_from_random_known_answers() {
        assert_eq!(code_from_random([0; 8]).expose(), "000000");
        assert_eq!(
            code_from_random([0, 0, 0, 0, 0, 0, 0, 42]).expose(),
            "000042"
        );
        // 0x0102030405060708 = 72623859790382856 → ...382856
        assert_eq!(
            code_from_random([1, 2, 3, 4, 5, 6, 7, 8]).expose(),
            "382856"
        );
        // u64::MAX = 18446744073709551615
        assert_eq!(code_from_random([0xff; 8]).expose(), "551615");
    }

    #[test]
    fn code_is_redacted_in_debug() {
        let code = code_from_random([1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(!format!("{code:?}").contains("382856"));
    }

    #[test]
    fn code_hash_known_answers() {
        // python3: hmac.new(b'k'*32, b'l1:123456', hashlib.sha256).hexdigest()
        assert_eq!(
            code_hash(&KEY, &link("l1"), "123456").unwrap(),
            "8f13f3a2bc6ca5843b5be15f1a247ea6edb968990111ec7fcabf6880eb4ae5ac"
        );
        let key: Vec<u8> = (0u8..32).collect();
        assert_eq!(
            code_hash(&key, &link("link-7"), "000042").unwrap(),
            "df18a14b825e99d4f24a2ff57715272c4f2eb2c73e71c17aef29194da23fc86b"
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(code_hash(&[1; 31], &link("l1"), "123456"), None);
        assert_eq!(
            issue_code(&[1; 31], &link("l1"), &OtpCode("1".into()), t0()),
            None
        );
        let c = challenge("123456");
        let result = check_code(
            Some(&c),
            "123456",
            &link("l1"),
            &[1; 31],
            &AttemptState::default(),
            t0(),
        );
        assert_eq!(result, SmsCheck::BadKey);
    }

    #[test]
    fn right_code_is_accepted_once() {
        let c = challenge("123456");
        let s = AttemptState::default();
        assert_eq!(check(Some(&c), "123456", &s, t0()), SmsCheck::Accepted);
        assert_eq!(check(Some(&c), " 123 456\n", &s, t0()), SmsCheck::Accepted);
        let used = mark_used(&c);
        assert_eq!(
            check(Some(&used), "123456", &s, t0()),
            SmsCheck::AlreadyUsed
        );
    }

    #[test]
    fn code_expires_after_ten_minutes() {
        let c = challenge("123456");
        let s = AttemptState::default();
        let last = t0() + CODE_LIFETIME - Duration::seconds(1);
        assert_eq!(check(Some(&c), "123456", &s, last), SmsCheck::Accepted);
        assert_eq!(
            check(Some(&c), "123456", &s, t0() + CODE_LIFETIME),
            SmsCheck::Expired
        );
    }

    #[test]
    fn code_is_bound_to_the_link_that_asked() {
        let c = challenge("123456");
        let result = check_code(
            Some(&c),
            "123456",
            &link("l2"),
            &KEY,
            &AttemptState::default(),
            t0(),
        );
        assert_eq!(result, SmsCheck::WrongLink);
        // Even a hash copied onto another link's challenge does not verify there.
        let moved = SmsChallenge {
            link: link("l2"),
            ..c
        };
        let result = check_code(
            Some(&moved),
            "123456",
            &link("l2"),
            &KEY,
            &AttemptState::default(),
            t0(),
        );
        assert_eq!(result, SmsCheck::Wrong { attempts_left: 4 });
    }

    #[test]
    fn missing_and_malformed() {
        let s = AttemptState::default();
        assert_eq!(check(None, "123456", &s, t0()), SmsCheck::NoCode);
        let c = challenge("123456");
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            &"1".repeat(40),
        ] {
            assert_eq!(
                check(Some(&c), bad, &s, t0()),
                SmsCheck::Malformed,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn five_wrong_codes_lock_and_lock_refuses_even_the_right_code() {
        let c = challenge("123456");
        let mut s = AttemptState::default();
        for left in (0..5).rev() {
            let result = check(Some(&c), "000000", &s, t0());
            assert_eq!(
                result,
                SmsCheck::Wrong {
                    attempts_left: left
                }
            );
            s = attempts_after(&result, &s, t0());
        }
        let until = t0() + Duration::minutes(15);
        assert_eq!(
            check(Some(&c), "123456", &s, t0()),
            SmsCheck::Locked { until }
        );
        assert_eq!(attempts_after(&SmsCheck::Locked { until }, &s, t0()), s);
    }

    #[test]
    fn only_wrong_codes_count_and_acceptance_clears() {
        let s = SMS_POLICY.after_failure(&AttemptState::default(), t0());
        for neutral in [
            SmsCheck::Expired,
            SmsCheck::NoCode,
            SmsCheck::AlreadyUsed,
            SmsCheck::WrongLink,
            SmsCheck::Malformed,
            SmsCheck::BadKey,
        ] {
            assert_eq!(attempts_after(&neutral, &s, t0()), s);
        }
        assert_eq!(
            attempts_after(&SmsCheck::Accepted, &s, t0()),
            AttemptState::default()
        );
    }

    #[test]
    fn a_new_code_does_not_reset_the_failure_count() {
        let first = challenge("111111");
        let mut s = AttemptState::default();
        for _ in 0..4 {
            let result = check(Some(&first), "999999", &s, t0());
            s = attempts_after(&result, &s, t0());
        }
        let later = t0() + Duration::minutes(2);
        let second = issue_code(&KEY, &link("l1"), &OtpCode("222222".into()), later).unwrap();
        let result = check(Some(&second), "999999", &s, later);
        assert_eq!(result, SmsCheck::Wrong { attempts_left: 0 });
        s = attempts_after(&result, &s, later);
        assert!(matches!(
            check(Some(&second), "222222", &s, later),
            SmsCheck::Locked { .. }
        ));
    }

    #[test]
    fn sending_is_limited_to_one_a_minute() {
        assert_eq!(may_send_code(&[], t0()), Ok(()));
        let sent = [t0()];
        assert_eq!(
            may_send_code(&sent, t0() + Duration::seconds(20)),
            Err(SendWait {
                retry_after_seconds: 40
            })
        );
        assert_eq!(
            may_send_code(&sent, t0() + Duration::milliseconds(59_500)),
            Err(SendWait {
                retry_after_seconds: 1
            })
        );
        assert_eq!(may_send_code(&sent, t0() + SEND_MIN_INTERVAL), Ok(()));
    }

    #[test]
    fn sending_is_limited_to_five_an_hour() {
        let sent: Vec<Now> = (0..5).map(|i| t0() + Duration::minutes(5 * i)).collect();
        let now = t0() + Duration::minutes(30);
        assert_eq!(
            may_send_code(&sent, now),
            Err(SendWait {
                retry_after_seconds: 30 * 60
            })
        );
        assert_eq!(may_send_code(&sent, t0() + SEND_WINDOW), Ok(()));
        // Old sends are ignored.
        let old = [t0() - Duration::hours(2); 4];
        assert_eq!(may_send_code(&old, t0()), Ok(()));
        let older = [t0() - Duration::hours(25); 40];
        assert_eq!(may_send_code(&older, t0()), Ok(()));
    }

    #[test]
    fn sending_is_limited_to_ten_a_day() {
        // Five an hour, two hours apart: the hourly limit never bites, the daily one does.
        let sent: Vec<Now> = (0..10)
            .map(|i| t0() + Duration::hours(2 * (i / 5)) + Duration::minutes(2 * (i % 5)))
            .collect();
        let now = t0() + Duration::hours(5);
        let wait = may_send_code(&sent, now).unwrap_err();
        // The first send ages out of the day 19 hours later.
        assert_eq!(wait.retry_after_seconds, 19 * 3600);
        assert_eq!(may_send_code(&sent, t0() + SEND_DAY), Ok(()));
        assert_eq!(may_send_code(sent.get(..9).unwrap(), now), Ok(()));
    }

    #[test]
    fn challenge_json_shape() {
        let json = serde_json::to_value(challenge("123456")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code_hash": "8f13f3a2bc6ca5843b5be15f1a247ea6edb968990111ec7fcabf6880eb4ae5ac",
                "link": "l1",
                "issued_at": "2026-11-25T12:00:00Z",
                "used": false
            })
        );
    }

    proptest! {
        #[test]
        fn codes_are_always_six_ascii_digits(bytes in any::<[u8; 8]>()) {
            let code = code_from_random(bytes);
            prop_assert_eq!(code.expose().len(), 6);
            prop_assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
        }

        #[test]
        fn only_the_issued_code_is_accepted(bytes in any::<[u8; 8]>(), entered in "[0-9]{6}") {
            let code = code_from_random(bytes);
            let c = issue_code(&KEY, &link("l1"), &code, t0()).unwrap();
            let result = check(Some(&c), &entered, &AttemptState::default(), t0());
            prop_assert_eq!(result == SmsCheck::Accepted, entered == code.expose());
        }

        /// Whatever the request pattern, sends granted by `may_send_code` are never closer than
        /// a minute and never more than five in an hour, and a refusal's wait is honest.
        #[test]
        fn send_limits_hold(waits in proptest::collection::vec(0i64..1200, 1..200)) {
            let mut sent: Vec<Now> = Vec::new();
            let mut now = t0();
            for wait in waits {
                now += Duration::seconds(wait);
                match may_send_code(&sent, now) {
                    Ok(()) => sent.push(now),
                    Err(SendWait { retry_after_seconds }) => {
                        prop_assert!(retry_after_seconds >= 1);
                        let then = now + Duration::seconds(i64::try_from(retry_after_seconds).unwrap());
                        prop_assert_eq!(may_send_code(&sent, then), Ok(()));
                    }
                }
            }
            for (i, start) in sent.iter().enumerate() {
                let in_hour = sent.iter().skip(i).filter(|t| **t - *start < SEND_WINDOW).count();
                prop_assert!(in_hour <= SEND_MAX_PER_WINDOW);
                let in_day = sent.iter().skip(i).filter(|t| **t - *start < SEND_DAY).count();
                prop_assert!(in_day <= SEND_MAX_PER_DAY);
                if let Some(next) = sent.get(i + 1) {
                    prop_assert!(*next - *start >= SEND_MIN_INTERVAL);
                }
            }
        }
    }
}
