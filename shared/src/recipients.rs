//! Who may receive a share, and the email addresses we are willing to send to.
//!
//! A recipient is chosen *by reference* ([`RecipientRef`]): the patient, someone on that
//! patient's relationships/emergency-contact list, or a practice contact. There is no variant
//! carrying an address, so a free-typed address cannot even be written down in a share request
//! (unknown fields and unknown variants are refused when parsing). [`resolve_recipient`] then
//! requires the reference to exist where it claims to be and to have a valid email on file.

use serde::{Deserialize, Serialize};

use crate::checks::{challenge_for, ChallengeKind, CheckSettings};
use crate::ids::{ContactId, PatientId};

/// The longest address accepted (RFC 5321's path limit, less the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// The longest local part (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_LEN: usize = 64;

/// The longest domain label (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;

/// A syntactically valid email address.
///
/// The validator is deliberately conservative, accepting a strict subset of RFC 5322:
/// `local@domain`, printable ASCII only (no spaces, no control characters, no quoted local parts,
/// no comments, no IP-literal domains), local part of RFC 5322 `atext` and single dots, domain of
/// at least two dot-separated LDH labels with a non-numeric last label. Internationalised
/// domains must be stored in their `xn--` form. Rare valid addresses may be refused; the practice
/// can then correct the record. `Debug` masks the address to keep it out of logs.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// The text is not an address we accept (see [`EmailAddress`] for the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidEmail;

impl std::fmt::Display for InvalidEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a valid email address")
    }
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| valid_label(l))
        && labels
            .last()
            .is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `text` is an address [`EmailAddress`] accepts.
pub fn is_valid_email(text: &str) -> bool {
    if text.len() > MAX_EMAIL_LEN {
        return false;
    }
    match text.split_once('@') {
        Some((local, domain)) => valid_local(local) && valid_domain(domain),
        None => false,
    }
}

impl EmailAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidEmail;
    fn try_from(value: String) -> Result<Self, InvalidEmail> {
        if is_valid_email(&value) {
            Ok(Self(value))
        } else {
            Err(InvalidEmail)
        }
    }
}

impl TryFrom<&str> for EmailAddress {
    type Error = InvalidEmail;
    fn try_from(value: &str) -> Result<Self, InvalidEmail> {
        Self::try_from(value.to_owned())
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EmailAddress({})", crate::wire::mask_email(&self.0))
    }
}

/// A recipient, chosen by id. No variant carries an address.
///
/// JSON: `{"type":"patient"}`, `{"type":"relationship","id":…}`,
/// `{"type":"practice_contact","id":…}`; any other field or type is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", from = "RecipientRefWire")]
pub enum RecipientRef {
    /// The patient whose documents are shared.
    Patient,
    /// Someone on the patient's relationships/emergency-contact list.
    Relationship { id: ContactId },
    /// A contact of the practice (another clinic, a specialist…).
    PracticeContact { id: ContactId },
}

/// The parsing form of [`RecipientRef`]. Serde ignores extra fields next to the tag of a *unit*
/// variant even with `deny_unknown_fields`, so `Patient` is an empty struct variant here, which
/// makes `{"type":"patient","email":"…"}` an error instead of a silently dropped address.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum RecipientRefWire {
    Patient {},
    Relationship { id: ContactId },
    PracticeContact { id: ContactId },
}

impl From<RecipientRefWire> for RecipientRef {
    fn from(wire: RecipientRefWire) -> Self {
        match wire {
            RecipientRefWire::Patient {} => Self::Patient,
            RecipientRefWire::Relationship { id } => Self::Relationship { id },
            RecipientRefWire::PracticeContact { id } => Self::PracticeContact { id },
        }
    }
}

/// Whether the recipient is the patient or someone else: decides the check and what may be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    Patient,
    Contact,
}

impl RecipientRef {
    pub fn kind(&self) -> RecipientKind {
        match self {
            Self::Patient => RecipientKind::Patient,
            Self::Relationship { .. } | Self::PracticeContact { .. } => RecipientKind::Contact,
        }
    }
}

/// The patient as the store knows them, for resolving recipients. `email` is as stored (the
/// clinic system may hold anything there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientContactView {
    pub id: PatientId,
    pub email: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
}

/// A relationship or practice contact as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub id: ContactId,
    pub email: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
}

/// An eligible recipient with the address the email goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRecipient {
    pub reference: RecipientRef,
    pub kind: RecipientKind,
    pub email: EmailAddress,
}

/// Why a recipient may not receive the share.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    /// The id is not on this patient's relationships/emergency-contact list.
    NotRelated,
    /// The recipient's email on file is not a valid address.
    NoValidEmail,
    /// The id is not one of the practice's contacts.
    UnknownContact,
    /// No email is on file (a child, someone without email): their contacts may be shared with.
    NoEmail,
    /// The practice checks this recipient with an SMS code and no mobile is on file: they could
    /// never pass the check.
    NoMobile,
}

impl std::fmt::Display for Ineligible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotRelated => "this person is not on the patient's contact list",
            Self::NoValidEmail => "this recipient has no valid email address on file",
            Self::UnknownContact => "this is not one of the practice's contacts",
            Self::NoEmail => "this recipient has no email address on file",
            Self::NoMobile => {
                "this recipient has no mobile number on file, and the practice checks them with an SMS code"
            }
        })
    }
}

fn valid_email(stored: Option<&String>) -> Result<EmailAddress, Ineligible> {
    match stored.map(|e| e.trim()).filter(|e| !e.is_empty()) {
        None => Err(Ineligible::NoEmail),
        Some(e) => EmailAddress::try_from(e).map_err(|_| Ineligible::NoValidEmail),
    }
}

/// The email and mobile on file for a reference, each looked up only in its own list.
fn on_file<'a>(
    r: &RecipientRef,
    patient: &'a PatientContactView,
    relationships: &'a [ContactView],
    practice_contacts: &'a [ContactView],
) -> Result<(Option<&'a String>, Option<&'a String>), Ineligible> {
    let contact = |list: &'a [ContactView], id: &ContactId, missing: Ineligible| {
        list.iter()
            .find(|c| &c.id == id)
            .map(|c| (c.email.as_ref(), c.mobile.as_ref()))
            .ok_or(missing)
    };
    match r {
        RecipientRef::Patient => Ok((patient.email.as_ref(), patient.mobile.as_ref())),
        RecipientRef::Relationship { id } => contact(relationships, id, Ineligible::NotRelated),
        RecipientRef::PracticeContact { id } => {
            contact(practice_contacts, id, Ineligible::UnknownContact)
        }
    }
}

/// [`resolve_recipient`], and also whether the recipient can ever pass the practice's check
/// (see [`reachable`]). A share is refused for a recipient who would meet a dead end, before
/// anything is recorded or sent.
pub fn eligible_recipient(
    r: &RecipientRef,
    patient: &PatientContactView,
    relationships: &[ContactView],
    practice_contacts: &[ContactView],
    checks: &CheckSettings,
) -> Result<ResolvedRecipient, Ineligible> {
    let (email, mobile) = on_file(r, patient, relationships, practice_contacts)?;
    Ok(ResolvedRecipient {
        reference: r.clone(),
        kind: r.kind(),
        email: reachable(r.kind(), email, mobile, checks)?,
    })
}

/// Whether someone of `kind` with this email and mobile on file can receive a share and pass
/// the practice's check: a valid email always, and a mobile when the check is an SMS code.
/// Returns the address to send to.
pub fn reachable(
    kind: RecipientKind,
    email: Option<&String>,
    mobile: Option<&String>,
    checks: &CheckSettings,
) -> Result<EmailAddress, Ineligible> {
    let email = valid_email(email)?;
    let has_mobile = mobile.is_some_and(|m| !m.trim().is_empty());
    if challenge_for(kind, checks) == ChallengeKind::SmsCode && !has_mobile {
        return Err(Ineligible::NoMobile);
    }
    Ok(email)
}

/// Checks a recipient against the patient, the patient's `relationships` and the practice's
/// `practice_contacts`, and returns the address to send to. Each reference is looked up only in
/// its own list: a practice contact referenced as a relationship is `NotRelated`.
pub fn resolve_recipient(
    r: &RecipientRef,
    patient: &PatientContactView,
    relationships: &[ContactView],
    practice_contacts: &[ContactView],
) -> Result<ResolvedRecipient, Ineligible> {
    let (email, _) = on_file(r, patient, relationships, practice_contacts)?;
    let email = valid_email(email)?;
    Ok(ResolvedRecipient {
        reference: r.clone(),
        kind: r.kind(),
        email,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn cid(id: &str) -> ContactId {
        ContactId::try_from(id.to_string()).unwrap()
    }

    fn contact(id: &str, email: Option<&str>) -> ContactView {
        ContactView {
            id: cid(id),
            email: email.map(str::to_owned),
            mobile: None,
        }
    }

    fn patient(email: Option<&str>) -> PatientContactView {
        PatientContactView {
            id: PatientId::try_from("p1".to_string()).unwrap(),
            email: email.map(str::to_owned),
            mobile: None,
        }
    }

    #[test]
    fn sms_checked_recipients_need_a_mobile() {
        use crate::checks::{ContactCheck, PatientCheck};
        let sms = CheckSettings {
            patient: PatientCheck::SmsCode,
            contact: ContactCheck::SmsCode,
        };
        let lenient = CheckSettings {
            patient: PatientCheck::Birthday,
            contact: ContactCheck::MagicLink,
        };
        let p = patient(Some("jane@example.com"));
        let ann = contact("ann", Some("ann@example.com"));
        let daughter = RecipientRef::Relationship { id: cid("ann") };
        let rels = [ann.clone()];
        let check = |r: &RecipientRef, p: &PatientContactView, rels: &[ContactView], c| {
            eligible_recipient(r, p, rels, &[], c).map(|_| ())
        };
        assert_eq!(
            check(&RecipientRef::Patient, &p, &rels, &sms),
            Err(Ineligible::NoMobile)
        );
        assert_eq!(check(&daughter, &p, &rels, &sms), Err(Ineligible::NoMobile));
        assert_eq!(check(&RecipientRef::Patient, &p, &rels, &lenient), Ok(()));
        assert_eq!(check(&daughter, &p, &rels, &lenient), Ok(()));
        let with_mobile = ContactView {
            mobile: Some("+447700900123".into()),
            ..ann
        };
        assert_eq!(check(&daughter, &p, &[with_mobile], &sms), Ok(()));
        let blank = PatientContactView {
            mobile: Some("  ".into()),
            ..p.clone()
        };
        assert_eq!(
            check(&RecipientRef::Patient, &blank, &rels, &sms),
            Err(Ineligible::NoMobile)
        );
        // A missing email is named as such, before any mobile question.
        assert_eq!(
            check(&RecipientRef::Patient, &patient(None), &rels, &sms),
            Err(Ineligible::NoEmail)
        );
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "jane@example.com",
            "jane.doe+gp@mail.example.co.uk",
            "o'neil@example.ie",
            "x@xn--bcher-kva.example",
            "a_b-c@sub-domain.example.org",
        ] {
            assert!(EmailAddress::try_from(ok).is_ok(), "{ok}");
        }
        let longest = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(57)
        );
        assert_eq!(longest.len(), MAX_EMAIL_LEN);
        assert!(EmailAddress::try_from(longest.as_str()).is_ok());
        assert_eq!(
            EmailAddress::try_from(format!("{longest}x").as_str()),
            Err(InvalidEmail)
        );
    }

    #[test]
    fn refuses_anything_unusual() {
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@localhost",
            "jane@example",
            "jane @example.com",
            " jane@example.com",
            "jane@example.com ",
            "jane@exa mple.com",
            "jane\n@example.com",
            "jane@example.com\r\nBcc: x@y.z",
            "ja\u{0}ne@example.com",
            "jane@@example.com",
            "jane@a@example.com",
            ".jane@example.com",
            "jane.@example.com",
            "ja..ne@example.com",
            "jane@.example.com",
            "jane@example..com",
            "jane@example.com.",
            "jane@-example.com",
            "jane@example-.com",
            "jane@1.2.3.4",
            "jane@[1.2.3.4]",
            "\"jane\"@example.com",
            "jäne@example.com",
            "jane@exämple.com",
            "jane(comment)@example.com",
        ] {
            assert_eq!(EmailAddress::try_from(bad), Err(InvalidEmail), "{bad:?}");
        }
        assert!(
            EmailAddress::try_from(format!("{}@example.com", "a".repeat(65)).as_str()).is_err()
        );
        assert!(EmailAddress::try_from(format!("a@{}.com", "b".repeat(64)).as_str()).is_err());
    }

    #[test]
    fn serde_validates_and_debug_masks() {
        let e: EmailAddress = serde_json::from_str("\"jane@example.com\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"jane@example.com\"");
        assert!(serde_json::from_str::<EmailAddress>("\"not an email\"").is_err());
        assert_eq!(format!("{e:?}"), "EmailAddress(j•••@example.com)");
        assert_eq!(e.to_string(), "jane@example.com");
    }

    #[test]
    fn recipient_refs_parse_only_by_id() {
        let r: RecipientRef = serde_json::from_str(r#"{"type":"relationship","id":"c1"}"#).unwrap();
        assert_eq!(r, RecipientRef::Relationship { id: cid("c1") });
        let r: RecipientRef = serde_json::from_str(r#"{"type":"patient"}"#).unwrap();
        assert_eq!(r, RecipientRef::Patient);
        let r: RecipientRef =
            serde_json::from_str(r#"{"id":"c1","type":"practice_contact"}"#).unwrap();
        assert_eq!(r, RecipientRef::PracticeContact { id: cid("c1") });
        for free_typed in [
            r#"{"type":"email","address":"x@example.com"}"#,
            r#"{"type":"patient","email":"x@example.com"}"#,
            r#"{"type":"relationship","id":"c1","email":"x@example.com"}"#,
            r#"{"type":"practice_contact","id":"x@example.com"}"#,
            r#""x@example.com""#,
            r#"{"id":"c1"}"#,
        ] {
            assert!(
                serde_json::from_str::<RecipientRef>(free_typed).is_err(),
                "{free_typed}"
            );
        }
    }

    #[test]
    fn the_patient_with_a_valid_email_is_eligible() {
        let got = resolve_recipient(
            &RecipientRef::Patient,
            &patient(Some("jane@example.com")),
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(got.kind, RecipientKind::Patient);
        assert_eq!(got.email.as_str(), "jane@example.com");
        assert_eq!(
            resolve_recipient(&RecipientRef::Patient, &patient(None), &[], &[]),
            Err(Ineligible::NoEmail)
        );
        assert_eq!(
            resolve_recipient(&RecipientRef::Patient, &patient(Some("jane")), &[], &[]),
            Err(Ineligible::NoValidEmail)
        );
    }

    #[test]
    fn relationships_must_be_on_the_patients_list() {
        let rels = [contact("c1", Some("mum@example.com")), contact("c2", None)];
        let practice = [contact("pc1", Some("lab@example.com"))];
        let p = patient(Some("jane@example.com"));
        let got = resolve_recipient(
            &RecipientRef::Relationship { id: cid("c1") },
            &p,
            &rels,
            &practice,
        )
        .unwrap();
        assert_eq!(got.kind, RecipientKind::Contact);
        assert_eq!(got.email.as_str(), "mum@example.com");
        assert_eq!(
            resolve_recipient(
                &RecipientRef::Relationship { id: cid("c2") },
                &p,
                &rels,
                &practice
            ),
            Err(Ineligible::NoEmail)
        );
        assert_eq!(
            resolve_recipient(
                &RecipientRef::Relationship { id: cid("c9") },
                &p,
                &rels,
                &practice
            ),
            Err(Ineligible::NotRelated)
        );
        // A practice contact is not a relationship.
        assert_eq!(
            resolve_recipient(
                &RecipientRef::Relationship { id: cid("pc1") },
                &p,
                &rels,
                &practice
            ),
            Err(Ineligible::NotRelated)
        );
    }

    #[test]
    fn practice_contacts_must_exist() {
        let rels = [contact("c1", Some("mum@example.com"))];
        let practice = [
            contact("pc1", Some("lab@example.com")),
            contact("pc2", Some("bad address")),
        ];
        let p = patient(None);
        let got = resolve_recipient(
            &RecipientRef::PracticeContact { id: cid("pc1") },
            &p,
            &rels,
            &practice,
        )
        .unwrap();
        assert_eq!(got.email.as_str(), "lab@example.com");
        assert_eq!(got.kind, RecipientKind::Contact);
        assert_eq!(
            resolve_recipient(
                &RecipientRef::PracticeContact { id: cid("pc2") },
                &p,
                &rels,
                &practice
            ),
            Err(Ineligible::NoValidEmail)
        );
        assert_eq!(
            resolve_recipient(
                &RecipientRef::PracticeContact { id: cid("c1") },
                &p,
                &rels,
                &practice
            ),
            Err(Ineligible::UnknownContact)
        );
    }

    #[test]
    fn recipient_ref_json_snapshots() {
        insta::assert_json_snapshot!("recipient_patient", RecipientRef::Patient);
        insta::assert_json_snapshot!(
            "recipient_relationship",
            RecipientRef::Relationship { id: cid("c-1") }
        );
        insta::assert_json_snapshot!(
            "recipient_practice_contact",
            RecipientRef::PracticeContact { id: cid("pc-9") }
        );
        insta::assert_json_snapshot!(
            "ineligible",
            [
                Ineligible::NotRelated,
                Ineligible::NoValidEmail,
                Ineligible::UnknownContact
            ]
        );
    }

    proptest! {
        #[test]
        fn accepted_addresses_are_safe_to_put_in_a_header(text in "\\PC{0,80}") {
            if let Ok(e) = EmailAddress::try_from(text.as_str()) {
                prop_assert!(e.as_str().len() <= MAX_EMAIL_LEN);
                prop_assert!(e.as_str().bytes().all(|b| b.is_ascii_graphic()));
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert!(!e.as_str().contains(['<', '>', ',', ';', ':', '"', '\\', '(', ')', '[', ']']));
            }
        }

        #[test]
        fn generated_addresses_round_trip(local in "[a-z0-9]{1,20}(\\.[a-z0-9+_-]{1,10}){0,2}", domain in "[a-z0-9]{1,20}(\\.[a-z0-9]{1,10}){0,2}\\.[a-z]{2,6}") {
            let text = format!("{local}@{domain}");
            let e = EmailAddress::try_from(text.as_str()).unwrap();
            let json = serde_json::to_string(&e).unwrap();
            prop_assert_eq!(serde_json::from_str::<EmailAddress>(&json).unwrap(), e);
        }
    }
}
