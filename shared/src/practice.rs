//! The practice's settings as decisions: what may be saved, what changed, how long access lasts.

use chrono::Duration;

use crate::text::{collect, required_text};
use crate::wire::{FieldProblem, PracticeSettings};

/// The longest access duration a practice may set (peers use 28–30 days).
pub const MAX_ACCESS_DAYS: u32 = 365;

/// The longest wait before a reminder a practice may set.
pub const MAX_REMINDER_DAYS: u32 = 30;

/// The longest practice name: it is the sender name and part of every subject.
pub const MAX_PRACTICE_NAME: usize = 120;

/// Every problem with settings a clinic wants to save (empty: they may be saved).
pub fn settings_problems(settings: &PracticeSettings) -> Vec<FieldProblem> {
    let mut problems =
        collect([
            required_text("practice_name", &settings.practice_name, MAX_PRACTICE_NAME).map(drop),
        ]);
    if let Some(days) = settings.access_days {
        if !(1..=MAX_ACCESS_DAYS).contains(&days) {
            problems.push(FieldProblem {
                field: "access_days".to_owned(),
                message: format!(
                    "access_days must be 1 to {MAX_ACCESS_DAYS}, or null for no limit"
                ),
            });
        }
    }
    if let Some(days) = settings.reminder_after_days {
        if !(1..=MAX_REMINDER_DAYS).contains(&days) {
            problems.push(FieldProblem {
                field: "reminder_after_days".to_owned(),
                message: format!(
                    "reminder_after_days must be 1 to {MAX_REMINDER_DAYS}, or null for no reminders"
                ),
            });
        }
    }
    problems
}

/// The names of the settings that differ, for the audit (names only, never values).
pub fn changed_settings(before: &PracticeSettings, after: &PracticeSettings) -> Vec<&'static str> {
    let s = &before.senders;
    let t = &after.senders;
    [
        ("practice_name", before.practice_name != after.practice_name),
        (
            "sharing_enabled",
            before.sharing_enabled != after.sharing_enabled,
        ),
        (
            "checks.patient",
            before.checks.patient != after.checks.patient,
        ),
        (
            "checks.contact",
            before.checks.contact != after.checks.contact,
        ),
        ("senders.general", s.general != t.general),
        ("senders.invoice", s.invoice != t.invoice),
        ("senders.consultation", s.consultation != t.consultation),
        ("senders.prescription", s.prescription != t.prescription),
        ("senders.letter", s.letter != t.letter),
        ("senders.lab", s.lab != t.lab),
        ("access_days", before.access_days != after.access_days),
        (
            "reminder_after_days",
            before.reminder_after_days != after.reminder_after_days,
        ),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

/// The access duration the link policy applies (`None`: until revoked).
pub fn access_duration(settings: &PracticeSettings) -> Option<Duration> {
    settings.access_days.map(|d| Duration::days(i64::from(d)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::checks::{CheckSettings, ContactCheck};
    use crate::recipients::EmailAddress;
    use crate::sender::SenderAddresses;

    fn settings() -> PracticeSettings {
        PracticeSettings {
            practice_name: "Riverside Surgery".into(),
            sharing_enabled: true,
            checks: CheckSettings::default(),
            senders: SenderAddresses::general_only(
                EmailAddress::try_from("hello@clinic.example").unwrap(),
            ),
            access_days: None,
            reminder_after_days: None,
        }
    }

    #[test]
    fn a_practice_name_cannot_inject_headers() {
        let bad = PracticeSettings {
            practice_name: "Clinic\r\nBcc: x@evil.example".into(),
            ..settings()
        };
        let problems = settings_problems(&bad);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems.first().unwrap().field, "practice_name");
        assert!(settings_problems(&settings()).is_empty());
    }

    #[test]
    fn access_days_are_bounded_or_off() {
        for (days, ok) in [
            (None, true),
            (Some(1), true),
            (Some(30), true),
            (Some(0), false),
            (Some(366), false),
        ] {
            let s = PracticeSettings {
                access_days: days,
                ..settings()
            };
            assert_eq!(settings_problems(&s).is_empty(), ok, "{days:?}");
        }
        assert_eq!(access_duration(&settings()), None);
        let s = PracticeSettings {
            access_days: Some(30),
            ..settings()
        };
        assert_eq!(access_duration(&s), Some(Duration::days(30)));
    }

    #[test]
    fn reminder_days_are_bounded_or_off() {
        for (days, ok) in [
            (None, true),
            (Some(1), true),
            (Some(30), true),
            (Some(0), false),
            (Some(31), false),
        ] {
            let s = PracticeSettings {
                reminder_after_days: days,
                ..settings()
            };
            let problems = settings_problems(&s);
            assert_eq!(problems.is_empty(), ok, "{days:?}");
            if !ok {
                assert_eq!(problems.first().unwrap().field, "reminder_after_days");
                assert!(problems.first().unwrap().message.contains("1 to 30"));
            }
        }
        let mut after = settings();
        after.reminder_after_days = Some(3);
        assert_eq!(
            changed_settings(&settings(), &after),
            ["reminder_after_days"]
        );
    }

    #[test]
    fn the_audit_names_what_changed() {
        let before = settings();
        assert!(changed_settings(&before, &before).is_empty());
        let mut after = settings();
        after.practice_name = "Riverside".into();
        after.checks.contact = ContactCheck::MagicLink;
        after.senders.invoice = Some(EmailAddress::try_from("accounts@clinic.example").unwrap());
        after.access_days = Some(28);
        assert_eq!(
            changed_settings(&before, &after),
            [
                "practice_name",
                "checks.contact",
                "senders.invoice",
                "access_days"
            ]
        );
    }
}
