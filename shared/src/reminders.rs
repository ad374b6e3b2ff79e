//! Reminders (issue 14, point 7): one email to a recipient who has not opened a secure link
//! share after the practice's `reminder_after_days`. Each share and recipient is remembered
//! once, when its first link is sent, as waiting; the practice's alarm asks [`decide`] about
//! the waiting ones whose time may have come, and each answer is final: a reminder is sent
//! (and never another for that share and recipient) or none ever will be.

use chrono::Duration;

use crate::practice::access_duration;
use crate::time::Now;
use crate::wire::PracticeSettings;

/// How long after it fell due a reminder may still go: a practice turning reminders on does
/// not email everyone who ignored a share months ago, and a practice back from a suspension
/// does not send stale ones.
pub const REMINDER_WINDOW: Duration = Duration::days(7);

/// How many waiting reminders one alarm looks at (the rest at the next, at once).
pub const REMINDER_BATCH: i64 = 50;

/// What is known of one share's recipient who has not been reminded yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// When the share's first link was sent to this recipient.
    pub sent_at: Now,
    /// When the share was made (the start of access, for `access_days`).
    pub shared_at: Now,
    /// The recipient opened a link of this share.
    pub opened: bool,
    /// The recipient's access to this share was taken back: unshared (the recipient or the
    /// patient), a link of this share revoked, every document withdrawn, the patient erased.
    pub withdrawn: bool,
    /// An email address is on file for the recipient now.
    pub has_address: bool,
}

/// Why a waiting recipient will never be reminded of a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReminder {
    Opened,
    Withdrawn,
    /// The practice's access duration ended: the link would be refused.
    AccessEnded,
    NoAddress,
    /// More than [`REMINDER_WINDOW`] past due (reminders were off, or the practice suspended).
    TooLate,
}

/// What to do about one waiting recipient now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Reminders are off: nothing, and the recipient keeps waiting.
    Off,
    /// Not yet: due then.
    NotYet { due_at: Now },
    /// Send the one reminder now.
    Send,
    /// Never.
    Never(NoReminder),
}

/// When a reminder of a link sent at `sent_at` falls due (`None`: reminders are off).
pub fn due_at(settings: &PracticeSettings, sent_at: Now) -> Option<Now> {
    settings
        .reminder_after_days
        .map(|days| sent_at + Duration::days(i64::from(days)))
}

/// The latest first-sent time whose reminder is due by `now` (`None`: reminders are off):
/// the store loads the waiting recipients sent at or before it.
pub fn sent_by(settings: &PracticeSettings, now: Now) -> Option<Now> {
    settings
        .reminder_after_days
        .map(|days| now - Duration::days(i64::from(days)))
}

/// The decision for one waiting recipient at `now`.
pub fn decide(settings: &PracticeSettings, waiting: &Waiting, now: Now) -> Reminder {
    let Some(due) = due_at(settings, waiting.sent_at) else {
        return Reminder::Off;
    };
    if waiting.opened {
        return Reminder::Never(NoReminder::Opened);
    }
    if waiting.withdrawn {
        return Reminder::Never(NoReminder::Withdrawn);
    }
    if access_duration(settings).is_some_and(|d| now >= waiting.shared_at + d) {
        return Reminder::Never(NoReminder::AccessEnded);
    }
    if now < due {
        return Reminder::NotYet { due_at: due };
    }
    if now >= due + REMINDER_WINDOW {
        return Reminder::Never(NoReminder::TooLate);
    }
    if !waiting.has_address {
        return Reminder::Never(NoReminder::NoAddress);
    }
    Reminder::Send
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::checks::CheckSettings;
    use crate::recipients::EmailAddress;
    use crate::sender::SenderAddresses;
    use crate::time::from_unix_seconds;

    const DAY: i64 = 86_400;

    fn settings(days: Option<u32>) -> PracticeSettings {
        PracticeSettings {
            practice_name: "Riverside Surgery".into(),
            sharing_enabled: true,
            checks: CheckSettings::default(),
            senders: SenderAddresses::general_only(
                EmailAddress::try_from("hello@clinic.example").unwrap(),
            ),
            access_days: None,
            reminder_after_days: days,
        }
    }

    fn t(secs: i64) -> Now {
        from_unix_seconds(1_800_000_000 + secs)
    }

    fn waiting() -> Waiting {
        Waiting {
            sent_at: t(0),
            shared_at: t(0),
            opened: false,
            withdrawn: false,
            has_address: true,
        }
    }

    #[test]
    fn due_after_the_days_and_not_a_second_before() {
        let s = settings(Some(2));
        assert_eq!(
            decide(&s, &waiting(), t(2 * DAY - 1)),
            Reminder::NotYet { due_at: t(2 * DAY) }
        );
        assert_eq!(decide(&s, &waiting(), t(2 * DAY)), Reminder::Send);
        assert_eq!(decide(&s, &waiting(), t(3 * DAY)), Reminder::Send);
        assert_eq!(sent_by(&s, t(2 * DAY)), Some(t(0)));
        assert_eq!(due_at(&s, t(0)), Some(t(2 * DAY)));
    }

    #[test]
    fn off_by_default_sends_nothing_and_keeps_waiting() {
        let s = settings(None);
        for at in [t(0), t(DAY), t(100 * DAY)] {
            assert_eq!(decide(&s, &waiting(), at), Reminder::Off);
        }
        assert_eq!(sent_by(&s, t(DAY)), None);
        assert_eq!(due_at(&s, t(0)), None);
    }

    #[test]
    fn an_opened_link_is_never_reminded() {
        let w = Waiting {
            opened: true,
            ..waiting()
        };
        for at in [t(0), t(DAY), t(5 * DAY)] {
            assert_eq!(
                decide(&settings(Some(1)), &w, at),
                Reminder::Never(NoReminder::Opened)
            );
        }
    }

    #[test]
    fn withdrawn_access_is_never_reminded() {
        let w = Waiting {
            withdrawn: true,
            ..waiting()
        };
        assert_eq!(
            decide(&settings(Some(1)), &w, t(DAY)),
            Reminder::Never(NoReminder::Withdrawn)
        );
    }

    #[test]
    fn ended_access_is_never_reminded() {
        let s = PracticeSettings {
            access_days: Some(2),
            ..settings(Some(1))
        };
        assert_eq!(decide(&s, &waiting(), t(DAY)), Reminder::Send);
        assert_eq!(
            decide(&s, &waiting(), t(2 * DAY)),
            Reminder::Never(NoReminder::AccessEnded)
        );
    }

    #[test]
    fn no_address_on_file_is_never_reminded() {
        let w = Waiting {
            has_address: false,
            ..waiting()
        };
        assert_eq!(
            decide(&settings(Some(1)), &w, t(DAY)),
            Reminder::Never(NoReminder::NoAddress)
        );
    }

    #[test]
    fn long_past_due_is_never_reminded() {
        let s = settings(Some(1));
        let last = t(DAY) + REMINDER_WINDOW - Duration::seconds(1);
        assert_eq!(decide(&s, &waiting(), last), Reminder::Send);
        assert_eq!(
            decide(&s, &waiting(), t(DAY) + REMINDER_WINDOW),
            Reminder::Never(NoReminder::TooLate)
        );
    }
}
