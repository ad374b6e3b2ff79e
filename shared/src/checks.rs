//! Which check a recipient must pass, per practice setting.
//!
//! Patients prove themselves by date of birth or an SMS code; contacts (who are not asked for a
//! date of birth they may not know) by an SMS code or by the magic link alone, confirmed by a
//! human on an interstitial page so that mail scanners fetching the link open nothing. The
//! defaults are the stronger or more usual choice: birthday for patients (no phone number
//! needed), SMS code for contacts.

use serde::{Deserialize, Serialize};

use crate::recipients::RecipientKind;

/// How patients are verified.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatientCheck {
    #[default]
    Birthday,
    SmsCode,
}

/// How contacts are verified.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactCheck {
    #[default]
    SmsCode,
    MagicLink,
}

/// A practice's verification settings.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    #[serde(default)]
    pub patient: PatientCheck,
    #[serde(default)]
    pub contact: ContactCheck,
}

/// The check the portal presents after a link is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    /// Enter the date of birth.
    Birthday,
    /// Ask for a code by SMS, then enter it.
    SmsCode,
    /// Press "show my documents" on an interstitial page (a human confirms; GET changes nothing).
    ConfirmMagicLink,
}

/// The check for a recipient of `kind` under `settings`.
pub fn challenge_for(kind: RecipientKind, settings: &CheckSettings) -> ChallengeKind {
    match (kind, settings.patient, settings.contact) {
        (RecipientKind::Patient, PatientCheck::Birthday, _) => ChallengeKind::Birthday,
        (RecipientKind::Patient, PatientCheck::SmsCode, _) => ChallengeKind::SmsCode,
        (RecipientKind::Contact, _, ContactCheck::SmsCode) => ChallengeKind::SmsCode,
        (RecipientKind::Contact, _, ContactCheck::MagicLink) => ChallengeKind::ConfirmMagicLink,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_combination() {
        use ChallengeKind as C;
        let table = [
            (
                RecipientKind::Patient,
                PatientCheck::Birthday,
                ContactCheck::SmsCode,
                C::Birthday,
            ),
            (
                RecipientKind::Patient,
                PatientCheck::Birthday,
                ContactCheck::MagicLink,
                C::Birthday,
            ),
            (
                RecipientKind::Patient,
                PatientCheck::SmsCode,
                ContactCheck::SmsCode,
                C::SmsCode,
            ),
            (
                RecipientKind::Patient,
                PatientCheck::SmsCode,
                ContactCheck::MagicLink,
                C::SmsCode,
            ),
            (
                RecipientKind::Contact,
                PatientCheck::Birthday,
                ContactCheck::SmsCode,
                C::SmsCode,
            ),
            (
                RecipientKind::Contact,
                PatientCheck::SmsCode,
                ContactCheck::SmsCode,
                C::SmsCode,
            ),
            (
                RecipientKind::Contact,
                PatientCheck::Birthday,
                ContactCheck::MagicLink,
                C::ConfirmMagicLink,
            ),
            (
                RecipientKind::Contact,
                PatientCheck::SmsCode,
                ContactCheck::MagicLink,
                C::ConfirmMagicLink,
            ),
        ];
        for (kind, patient, contact, expected) in table {
            let settings = CheckSettings { patient, contact };
            assert_eq!(
                challenge_for(kind, &settings),
                expected,
                "{kind:?} {settings:?}"
            );
        }
    }

    #[test]
    fn contacts_are_never_asked_for_a_birthday() {
        for patient in [PatientCheck::Birthday, PatientCheck::SmsCode] {
            for contact in [ContactCheck::SmsCode, ContactCheck::MagicLink] {
                let settings = CheckSettings { patient, contact };
                assert_ne!(
                    challenge_for(RecipientKind::Contact, &settings),
                    ChallengeKind::Birthday
                );
            }
        }
    }

    #[test]
    fn settings_json() {
        assert_eq!(
            serde_json::from_str::<CheckSettings>("{}").unwrap(),
            CheckSettings {
                patient: PatientCheck::Birthday,
                contact: ContactCheck::SmsCode
            }
        );
        assert!(serde_json::from_str::<CheckSettings>(r#"{"patient":"password"}"#).is_err());
        assert!(serde_json::from_str::<CheckSettings>(r#"{"contact":"birthday"}"#).is_err());
        insta::assert_json_snapshot!("check_settings_default", CheckSettings::default());
        insta::assert_json_snapshot!(
            "check_settings_sms_and_magic_link",
            CheckSettings {
                patient: PatientCheck::SmsCode,
                contact: ContactCheck::MagicLink
            }
        );
        insta::assert_json_snapshot!(
            "challenge_kinds",
            [
                ChallengeKind::Birthday,
                ChallengeKind::SmsCode,
                ChallengeKind::ConfirmMagicLink
            ]
        );
    }
}
