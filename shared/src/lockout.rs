//! Failed-attempt lockout: a small state machine, one per recipient and factor.
//!
//! ```text
//!                failure, failures + 1 < max
//!              ┌─────────────────────────────┐
//!              ▼                             │
//!   ┌──────► Open { failures } ──────────────┘
//!   │          │  failure, failures + 1 == max
//!   │          ▼
//!   │        Locked { until = now + base · 2^lockouts (capped), lockouts + 1 }
//!   │          │  now ≥ until
//!   │          ▼
//!   ├────── Open { failures: 0 }   (lockouts remembered: the next lock is longer)
//!   │
//!   └── success (only possible while Open) → Open { failures: 0, lockouts: 0 }
//! ```
//!
//! While locked, attempts are refused without being judged, so a locked attacker learns nothing
//! and a wrong guess cannot extend the count. The growing lock makes slow guessing pointless:
//! with 3 tries per lock a 15-bit factor (a date of birth) needs years.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::time::Now;

/// The limits for one factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures allowed before a lock.
    pub max_failures: u32,
    /// The first lock's length; each later lock doubles it.
    pub base_lock: Duration,
    /// No lock is longer than this.
    pub max_lock: Duration,
}

/// Date of birth is a weak factor (about 15 bits): three tries, then 15 minutes, growing to a day.
pub const BIRTHDAY_POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 3,
    base_lock: Duration::minutes(15),
    max_lock: Duration::hours(24),
};

/// The stored state of one counter. `Default` is a fresh, open counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttemptState {
    pub failures: u32,
    pub lockouts: u32,
    pub locked_until: Option<Now>,
}

/// What the counter allows right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStatus {
    Open { attempts_left: u32 },
    Locked { until: Now },
}

impl LockoutPolicy {
    /// Whether an attempt may be judged at `now`.
    pub fn status(&self, state: &AttemptState, now: Now) -> AttemptStatus {
        match state.locked_until {
            Some(until) if now < until => AttemptStatus::Locked { until },
            Some(_) => AttemptStatus::Open {
                attempts_left: self.max_failures,
            },
            None => AttemptStatus::Open {
                attempts_left: self.max_failures.saturating_sub(state.failures),
            },
        }
    }

    /// The state after a judged, failed attempt at `now`. Call only when `status` was `Open`.
    pub fn after_failure(&self, state: &AttemptState, now: Now) -> AttemptState {
        // A lock that has run out starts a fresh round of attempts.
        let failures = match state.locked_until {
            Some(until) if now >= until => 0,
            _ => state.failures,
        }
        .saturating_add(1);
        if failures >= self.max_failures {
            AttemptState {
                failures: 0,
                lockouts: state.lockouts.saturating_add(1),
                locked_until: Some(now + self.lock_length(state.lockouts)),
            }
        } else {
            AttemptState {
                failures,
                lockouts: state.lockouts,
                locked_until: None,
            }
        }
    }

    /// The state after a successful attempt: everything forgiven.
    pub fn after_success(&self) -> AttemptState {
        AttemptState::default()
    }

    /// The length of the lock that follows `previous_lockouts` earlier locks.
    fn lock_length(&self, previous_lockouts: u32) -> Duration {
        let factor = 1_i32
            .checked_shl(previous_lockouts.min(16))
            .unwrap_or(i32::MAX);
        self.base_lock
            .checked_mul(factor)
            .map_or(self.max_lock, |lock| lock.min(self.max_lock))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn t0() -> Now {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn three_failures_lock_for_fifteen_minutes_then_longer() {
        let p = BIRTHDAY_POLICY;
        let mut s = AttemptState::default();
        assert_eq!(p.status(&s, t0()), AttemptStatus::Open { attempts_left: 3 });
        s = p.after_failure(&s, t0());
        assert_eq!(p.status(&s, t0()), AttemptStatus::Open { attempts_left: 2 });
        s = p.after_failure(&s, t0());
        assert_eq!(p.status(&s, t0()), AttemptStatus::Open { attempts_left: 1 });
        s = p.after_failure(&s, t0());
        let until = t0() + Duration::minutes(15);
        assert_eq!(p.status(&s, t0()), AttemptStatus::Locked { until });
        assert_eq!(
            p.status(&s, until - Duration::seconds(1)),
            AttemptStatus::Locked { until }
        );
        assert_eq!(
            p.status(&s, until),
            AttemptStatus::Open { attempts_left: 3 }
        );
        // The second lock is twice as long.
        for _ in 0..3 {
            s = p.after_failure(&s, until);
        }
        assert_eq!(
            p.status(&s, until),
            AttemptStatus::Locked {
                until: until + Duration::minutes(30)
            }
        );
    }

    #[test]
    fn success_forgives_everything() {
        let p = BIRTHDAY_POLICY;
        let s = p.after_failure(&AttemptState::default(), t0());
        assert_eq!(p.after_success(), AttemptState::default());
        assert_ne!(s, AttemptState::default());
    }

    #[test]
    fn locks_are_capped_at_a_day() {
        let p = BIRTHDAY_POLICY;
        let s = AttemptState {
            failures: 2,
            lockouts: 40,
            locked_until: None,
        };
        let s = p.after_failure(&s, t0());
        assert_eq!(s.locked_until, Some(t0() + Duration::hours(24)));
    }

    proptest! {
        /// However attempts and waits interleave, an attacker never gets more than
        /// `max_failures` judged failures inside any lock-free window, and never a judged
        /// attempt while locked.
        #[test]
        fn never_more_than_max_failures_between_locks(steps in proptest::collection::vec(0i64..2000, 1..200)) {
            let p = BIRTHDAY_POLICY;
            let mut s = AttemptState::default();
            let mut now = t0();
            let mut judged_since_lock = 0u32;
            for wait in steps {
                now += Duration::seconds(wait);
                match p.status(&s, now) {
                    AttemptStatus::Locked { until } => prop_assert!(now < until),
                    AttemptStatus::Open { attempts_left } => {
                        prop_assert!(attempts_left >= 1 && attempts_left <= p.max_failures);
                        let before = s.lockouts;
                        s = p.after_failure(&s, now);
                        judged_since_lock += 1;
                        if s.lockouts > before {
                            prop_assert!(judged_since_lock <= p.max_failures);
                            judged_since_lock = 0;
                        }
                    }
                }
            }
        }
    }
}
