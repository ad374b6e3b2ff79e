//! What happens when someone opens an emailed link: a pure decision, the adapter does the effects.
//!
//! ```text
//!  verify_signed(token) ──Err(e)──────────────────────────────► Reject(Invalid(e))   (no new link)
//!        │ Ok(signed link)
//!        ▼
//!  recipient access ──Unknown─────────────────────────────────► Reject(Unknown)      (no new link)
//!        │          ──Revoked (expired or not)────────────────► Reject(Revoked)      (no new link)
//!        │          ──Ended (past the practice's duration)────► Reject(AccessEnded)  (no new link)
//!        │ Active
//!        ▼
//!  expired? ──no──────────────────────────────────────────────► Challenge { claims }
//!        │ yes
//!        ▼
//!  renewal rate limit ──room left─────────────────────────────► Renew { send_email: true }
//!                     ──limit reached─────────────────────────► Renew { send_email: false }
//! ```
//!
//! Only a genuine link (our signature, our `typ`/`aud`/`iss`) to a recipient who still has access
//! ever earns a fresh link, and the fresh link always goes to the address on file, never to
//! whoever clicked. The answer to the person who clicked is the same whether or not an email was
//! actually sent, so the rate limit cannot be probed and a scanner replaying an old link cannot
//! flood the inbox. After the adapter sends the email it stores [`record_renewal`]'s log, in
//! strongly consistent storage (a Durable Object or D1, never KV).
//!
//! The access itself comes from [`recipient_access`], which judges the link against its record
//! (issued by us, to this recipient, not revoked one by one), the recipient (exists, not
//! revoked, still has documents) and the practice's access duration, counted from the share
//! that began this chain of links (the signed `access_from`, carried over by every renewal).
//!
//! `Err(TokenError::Expired)` from `verify_signed` means the token has *no* `exp` claim (a genuine
//! expired token comes back `Ok` and is judged here), so it is rejected like any other invalid
//! token: without claims there is no one to renew for.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::ids::RecipientId;
use crate::time::Now;
use crate::token::{LinkClaims, SignedLink, TokenError};

/// At most one renewal email per recipient in this interval, so double clicks and a scanner
/// following the link in the same minute produce one email, not several.
pub const RENEWAL_MIN_INTERVAL: Duration = Duration::minutes(2);

/// The rolling window over which [`RENEWAL_MAX_PER_WINDOW`] applies. An email sent at `t`
/// counts against the limit while `now - t < RENEWAL_WINDOW`.
pub const RENEWAL_WINDOW: Duration = Duration::hours(24);

/// At most this many renewal emails per recipient in any [`RENEWAL_WINDOW`]. A person needs one
/// or two; more means a loop or an attacker using us to spam the recipient.
pub const RENEWAL_MAX_PER_WINDOW: usize = 5;

/// Whether the recipient named by a genuine link may still see anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientAccess {
    /// The recipient exists and the patient's documents are shared with them.
    Active,
    /// The practice unshared (revoked every link and session of the patient).
    Revoked,
    /// No such recipient, no record of this link, or every document shared was deleted.
    Unknown,
    /// Genuine and not revoked, but older than the practice's access duration.
    Ended,
}

/// The record of an issued link, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    /// The recipient the link was sent to.
    pub recipient: RecipientId,
    /// Revoked one by one by the clinic, by an unshare, or by a change of address.
    pub revoked: bool,
}

/// The recipient a link names, as the store holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipientFacts {
    /// Unshared (the recipient alone, or the whole patient) and not shared with again.
    pub revoked: bool,
    /// How many live documents are granted to the recipient.
    pub documents: usize,
}

/// Whether a genuine link still opens anything. `record` is the link's row (`None`: we never
/// issued it), `recipient` the row of the recipient it names (`None`: deleted or never
/// existed); `access_duration` is the practice's setting (`None`: access lasts until revoked).
pub fn recipient_access(
    claims: &LinkClaims,
    record: Option<&LinkRecord>,
    recipient: Option<RecipientFacts>,
    access_duration: Option<Duration>,
    now: Now,
) -> RecipientAccess {
    let Some(record) = record.filter(|r| r.recipient == claims.recipient) else {
        return RecipientAccess::Unknown;
    };
    let Some(recipient) = recipient else {
        return RecipientAccess::Unknown;
    };
    if recipient.revoked || record.revoked {
        return RecipientAccess::Revoked;
    }
    if recipient.documents == 0 {
        return RecipientAccess::Unknown;
    }
    match (access_duration, claims.access_from) {
        (Some(limit), Some(from)) if now >= from + limit => RecipientAccess::Ended,
        _ => RecipientAccess::Active,
    }
}

/// When fresh links were emailed to one recipient (the store keeps one log per recipient).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RenewalLog {
    pub sent: Vec<Now>,
}

/// Why no link is honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Forged, malformed, for another purpose, from another deployment, or not yet valid.
    Invalid(TokenError),
    /// Genuine, but the practice has withdrawn access.
    Revoked,
    /// Genuine, but the recipient or their documents no longer exist.
    Unknown,
    /// Genuine, but the practice's access duration has passed: contact the practice.
    AccessEnded,
}

/// The decision for one opened link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkDecision {
    /// A live link: ask the recipient to prove who they are.
    Challenge { claims: LinkClaims },
    /// A genuine link that has expired: tell the portal a new link is on its way, and email one
    /// to the address on file when `send_email` (false while rate-limited: same answer, no email).
    Renew {
        claims: LinkClaims,
        send_email: bool,
    },
    /// Nothing is granted and no email is sent.
    Reject(RejectReason),
}

/// Decides what an opened link leads to. `verified` is `token::verify_signed`'s result (expiry
/// not yet judged); `access` and `renewals` are read from the store for the token's recipient.
pub fn open_link(
    verified: Result<SignedLink, TokenError>,
    access: RecipientAccess,
    renewals: &RenewalLog,
    now: Now,
) -> LinkDecision {
    let signed = match verified {
        Ok(signed) => signed,
        Err(error) => return LinkDecision::Reject(RejectReason::Invalid(error)),
    };
    match access {
        RecipientAccess::Unknown => LinkDecision::Reject(RejectReason::Unknown),
        RecipientAccess::Revoked => LinkDecision::Reject(RejectReason::Revoked),
        RecipientAccess::Ended => LinkDecision::Reject(RejectReason::AccessEnded),
        RecipientAccess::Active if signed.is_expired(now) => LinkDecision::Renew {
            claims: signed.claims,
            send_email: renewal_allowed(renewals, now),
        },
        RecipientAccess::Active => LinkDecision::Challenge {
            claims: signed.claims,
        },
    }
}

/// Whether an email sent at `sent` still counts against the limit at `now`. Entries from the
/// future (clock trouble) count too: the error falls on the side of sending fewer emails.
fn in_window(sent: Now, now: Now) -> bool {
    now.signed_duration_since(sent) < RENEWAL_WINDOW
}

/// Whether a renewal email may be sent at `now`, given the log.
pub fn renewal_allowed(renewals: &RenewalLog, now: Now) -> bool {
    let recent = renewals.sent.iter().filter(|t| in_window(**t, now)).count();
    let too_soon = renewals
        .sent
        .iter()
        .any(|t| now.signed_duration_since(*t) < RENEWAL_MIN_INTERVAL);
    recent < RENEWAL_MAX_PER_WINDOW && !too_soon
}

/// The log after a renewal email was sent at `now`: appended, entries that no longer count
/// dropped, sorted, and at most the newest [`RENEWAL_MAX_PER_WINDOW`] kept. Keeping only the
/// newest ones never changes a decision: if the limit was reached it still is, and the newest
/// entry decides the minimum interval. So the stored log stays small whatever happens.
pub fn record_renewal(log: &RenewalLog, now: Now) -> RenewalLog {
    let mut sent: Vec<Now> = log
        .sent
        .iter()
        .copied()
        .chain(std::iter::once(now))
        .filter(|t| in_window(*t, now))
        .collect();
    sent.sort_unstable();
    let excess = sent.len().saturating_sub(RENEWAL_MAX_PER_WINDOW);
    sent.drain(..excess);
    RenewalLog { sent }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ids::LinkId;
    use crate::token::LEEWAY;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn t0() -> Now {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    fn claims() -> LinkClaims {
        LinkClaims {
            recipient: RecipientId::try_from("r1".to_string()).unwrap(),
            link: LinkId::try_from("l1".to_string()).unwrap(),
            access_from: None,
            practice: None,
        }
    }

    /// A genuine link that expires at `t0`.
    fn signed() -> Result<SignedLink, TokenError> {
        Ok(SignedLink {
            claims: claims(),
            expires_at: t0(),
        })
    }

    fn expired_now() -> Now {
        t0() + LEEWAY + Duration::seconds(1)
    }

    const ALL_ERRORS: [TokenError; 11] = [
        TokenError::TooLong,
        TokenError::Malformed,
        TokenError::WrongAlgorithm,
        TokenError::WrongType,
        TokenError::UnknownKey,
        TokenError::Forged,
        TokenError::WrongAudience,
        TokenError::WrongIssuer,
        TokenError::Expired,
        TokenError::NotYetValid,
        TokenError::CannotIssue,
    ];

    const ALL_ACCESS: [RecipientAccess; 4] = [
        RecipientAccess::Active,
        RecipientAccess::Revoked,
        RecipientAccess::Unknown,
        RecipientAccess::Ended,
    ];

    fn record(recipient: &str, revoked: bool) -> LinkRecord {
        LinkRecord {
            recipient: RecipientId::try_from(recipient.to_string()).unwrap(),
            revoked,
        }
    }

    const LIVE: RecipientFacts = RecipientFacts {
        revoked: false,
        documents: 1,
    };

    #[test]
    fn a_link_is_only_honoured_against_its_own_record() {
        let c = claims();
        let access = |rec: Option<&LinkRecord>, who: Option<RecipientFacts>| {
            recipient_access(&c, rec, who, None, t0())
        };
        assert_eq!(
            access(Some(&record("r1", false)), Some(LIVE)),
            RecipientAccess::Active
        );
        // Never issued by us (a genuine signature over an id we have no record of).
        assert_eq!(access(None, Some(LIVE)), RecipientAccess::Unknown);
        // Issued to someone else.
        assert_eq!(
            access(Some(&record("r2", false)), Some(LIVE)),
            RecipientAccess::Unknown
        );
        // Revoked one by one, or by a change of address.
        assert_eq!(
            access(Some(&record("r1", true)), Some(LIVE)),
            RecipientAccess::Revoked
        );
        // The recipient was deleted, unshared, or has nothing left.
        assert_eq!(
            access(Some(&record("r1", false)), None),
            RecipientAccess::Unknown
        );
        let revoked = RecipientFacts {
            revoked: true,
            ..LIVE
        };
        assert_eq!(
            access(Some(&record("r1", false)), Some(revoked)),
            RecipientAccess::Revoked
        );
        let empty = RecipientFacts {
            documents: 0,
            ..LIVE
        };
        assert_eq!(
            access(Some(&record("r1", false)), Some(empty)),
            RecipientAccess::Unknown
        );
    }

    #[test]
    fn access_ends_after_the_practices_duration_counted_from_the_share() {
        let c = LinkClaims {
            access_from: Some(t0()),
            ..claims()
        };
        let rec = record("r1", false);
        let at = |days: Option<i64>, now: Now| {
            recipient_access(&c, Some(&rec), Some(LIVE), days.map(Duration::days), now)
        };
        // Off (the default): access lasts until revoked.
        assert_eq!(
            at(None, t0() + Duration::days(400)),
            RecipientAccess::Active
        );
        assert_eq!(
            at(Some(30), t0() + Duration::days(30) - Duration::seconds(1)),
            RecipientAccess::Active
        );
        assert_eq!(
            at(Some(30), t0() + Duration::days(30)),
            RecipientAccess::Ended
        );
        // Ended means no new link, expired or not.
        let d = open_link(
            signed(),
            RecipientAccess::Ended,
            &RenewalLog::default(),
            expired_now(),
        );
        assert_eq!(d, LinkDecision::Reject(RejectReason::AccessEnded));
        // Revocation wins over the duration.
        let revoked = record("r1", true);
        assert_eq!(
            recipient_access(
                &c,
                Some(&revoked),
                Some(LIVE),
                Some(Duration::days(1)),
                t0() + Duration::days(9)
            ),
            RecipientAccess::Revoked
        );
    }

    proptest! {
        /// Only a live record of this very recipient, a live recipient with documents and
        /// time left ever make a link active.
        #[test]
        fn active_needs_every_condition(
            same in any::<bool>(), link_revoked in any::<bool>(), exists in any::<bool>(),
            revoked in any::<bool>(), documents in 0usize..3, days in proptest::option::of(1i64..60),
            age in 0i64..90,
        ) {
            let c = LinkClaims { access_from: Some(t0()), ..claims() };
            let rec = record(if same { "r1" } else { "r9" }, link_revoked);
            let who = exists.then_some(RecipientFacts { revoked, documents });
            let now = t0() + Duration::days(age);
            let access = recipient_access(&c, Some(&rec), who, days.map(Duration::days), now);
            let in_time = days.is_none_or(|d| age < d);
            let expected = same && !link_revoked && exists && !revoked && documents > 0 && in_time;
            prop_assert_eq!(access == RecipientAccess::Active, expected);
        }
    }

    #[test]
    fn live_link_of_active_recipient_is_challenged() {
        let d = open_link(
            signed(),
            RecipientAccess::Active,
            &RenewalLog::default(),
            t0(),
        );
        assert_eq!(d, LinkDecision::Challenge { claims: claims() });
        // Still live within the leeway.
        let d = open_link(
            signed(),
            RecipientAccess::Active,
            &RenewalLog::default(),
            t0() + LEEWAY,
        );
        assert_eq!(d, LinkDecision::Challenge { claims: claims() });
    }

    #[test]
    fn expired_link_of_active_recipient_is_renewed_with_an_email() {
        let d = open_link(
            signed(),
            RecipientAccess::Active,
            &RenewalLog::default(),
            expired_now(),
        );
        assert_eq!(
            d,
            LinkDecision::Renew {
                claims: claims(),
                send_email: true
            }
        );
    }

    #[test]
    fn every_token_error_is_rejected_as_invalid_whatever_the_access() {
        for error in ALL_ERRORS {
            for access in ALL_ACCESS {
                let d = open_link(Err(error), access, &RenewalLog::default(), expired_now());
                assert_eq!(d, LinkDecision::Reject(RejectReason::Invalid(error)));
            }
        }
    }

    #[test]
    fn revoked_recipient_gets_no_new_link_expired_or_not() {
        for now in [t0(), expired_now()] {
            let d = open_link(
                signed(),
                RecipientAccess::Revoked,
                &RenewalLog::default(),
                now,
            );
            assert_eq!(d, LinkDecision::Reject(RejectReason::Revoked));
        }
    }

    #[test]
    fn unknown_recipient_gets_no_new_link_expired_or_not() {
        for now in [t0(), expired_now()] {
            let d = open_link(
                signed(),
                RecipientAccess::Unknown,
                &RenewalLog::default(),
                now,
            );
            assert_eq!(d, LinkDecision::Reject(RejectReason::Unknown));
        }
    }

    #[test]
    fn second_click_within_two_minutes_renews_without_email() {
        let now = expired_now();
        let log = record_renewal(&RenewalLog::default(), now);
        let just_before = now + RENEWAL_MIN_INTERVAL - Duration::seconds(1);
        let d = open_link(signed(), RecipientAccess::Active, &log, just_before);
        assert_eq!(
            d,
            LinkDecision::Renew {
                claims: claims(),
                send_email: false
            }
        );
        let d = open_link(
            signed(),
            RecipientAccess::Active,
            &log,
            now + RENEWAL_MIN_INTERVAL,
        );
        assert_eq!(
            d,
            LinkDecision::Renew {
                claims: claims(),
                send_email: true
            }
        );
    }

    #[test]
    fn sixth_email_in_a_day_is_refused_until_the_first_ages_out() {
        let start = expired_now();
        let mut log = RenewalLog::default();
        for i in 0..5 {
            let at = start + Duration::minutes(10 * i);
            assert!(renewal_allowed(&log, at), "email {i} should be allowed");
            log = record_renewal(&log, at);
        }
        let later = start + Duration::hours(1);
        assert!(!renewal_allowed(&log, later));
        assert!(!renewal_allowed(
            &log,
            start + RENEWAL_WINDOW - Duration::seconds(1)
        ));
        assert!(renewal_allowed(&log, start + RENEWAL_WINDOW));
    }

    #[test]
    fn emails_from_the_future_count_against_the_limit() {
        let log = RenewalLog {
            sent: vec![t0() + Duration::hours(1)],
        };
        assert!(!renewal_allowed(&log, t0()));
    }

    #[test]
    fn record_renewal_appends_prunes_and_stays_small() {
        let old = t0() - RENEWAL_WINDOW;
        let recent = t0() - Duration::hours(1);
        let log = RenewalLog {
            sent: vec![recent, old],
        };
        let log = record_renewal(&log, t0());
        assert_eq!(log.sent, vec![recent, t0()]);

        let many = RenewalLog {
            sent: (0..50).map(|i| t0() - Duration::minutes(i)).collect(),
        };
        let log = record_renewal(&many, t0());
        assert_eq!(log.sent.len(), RENEWAL_MAX_PER_WINDOW);
        assert_eq!(log.sent.last(), Some(&t0()));
        assert!(!renewal_allowed(&log, t0() + Duration::hours(1)));
    }

    #[test]
    fn renewal_log_json_is_a_list_of_times() {
        let log = RenewalLog { sent: vec![t0()] };
        let json = serde_json::to_string(&log).unwrap();
        assert_eq!(json, r#"{"sent":["2026-11-25T12:00:00Z"]}"#);
    }

    fn any_error() -> impl Strategy<Value = TokenError> {
        proptest::sample::select(ALL_ERRORS.to_vec())
    }

    proptest! {
        /// A token that fails verification, or a genuine one for a revoked or unknown recipient,
        /// never earns a challenge or a new link, whatever the time and the renewal log.
        #[test]
        fn forged_revoked_or_unknown_never_challenge_or_renew(
            error in proptest::option::of(any_error()),
            access in proptest::sample::select(ALL_ACCESS.to_vec()),
            offset in -100_000i64..200_000,
            log_offsets in proptest::collection::vec(-200_000i64..200_000, 0..8),
        ) {
            let now = t0() + Duration::seconds(offset);
            let log = RenewalLog { sent: log_offsets.iter().map(|s| t0() + Duration::seconds(*s)).collect() };
            let verified = match error { Some(e) => Err(e), None => signed() };
            let bad = error.is_some() || access != RecipientAccess::Active;
            let decision = open_link(verified, access, &log, now);
            if bad {
                prop_assert!(matches!(decision, LinkDecision::Reject(_)));
            } else {
                prop_assert!(!matches!(decision, LinkDecision::Reject(_)));
            }
        }

        /// However the clicks on an expired link fall, emails sent in any 24 h window are at most
        /// five, and no two are less than two minutes apart.
        #[test]
        fn renewal_emails_respect_both_limits(waits in proptest::collection::vec(0i64..20_000, 1..300)) {
            let mut log = RenewalLog::default();
            let mut now = expired_now();
            let mut emails: Vec<Now> = Vec::new();
            for wait in waits {
                now += Duration::seconds(wait);
                match open_link(signed(), RecipientAccess::Active, &log, now) {
                    LinkDecision::Renew { send_email: true, .. } => {
                        emails.push(now);
                        log = record_renewal(&log, now);
                    }
                    LinkDecision::Renew { send_email: false, .. } => {}
                    other => prop_assert!(false, "unexpected {:?}", other),
                }
                prop_assert!(log.sent.len() <= RENEWAL_MAX_PER_WINDOW);
            }
            for (i, start) in emails.iter().enumerate() {
                let in_day = emails[i..].iter().filter(|t| **t - *start < RENEWAL_WINDOW).count();
                prop_assert!(in_day <= RENEWAL_MAX_PER_WINDOW);
                if let Some(next) = emails.get(i + 1) {
                    prop_assert!(*next - *start >= RENEWAL_MIN_INTERVAL);
                }
            }
        }
    }
}
