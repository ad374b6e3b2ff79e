//! The JSON that crosses the wire between clinic, edge and portal. Shapes here are the contract;
//! `tests` snapshot them so a change is a visible, reviewed decision.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::birthday::FieldError;
use crate::checks::CheckSettings;
use crate::error::ErrorCode;
use crate::ids::{DocumentId, PatientId, ShareId};
use crate::recipients::{EmailAddress, RecipientRef};
use crate::sender::SenderAddresses;

/// The kinds of document a practice shares. The kind decides the sender address.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
    ConsultationNote,
    Prescription,
    Letter,
    Lab,
    Form,
    Other,
}

impl DocumentKind {
    /// A short en-GB label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Invoice => "Invoice",
            Self::CreditNote => "Credit note",
            Self::ConsultationNote => "Consultation note",
            Self::Prescription => "Prescription",
            Self::Letter => "Letter",
            Self::Lab => "Lab result",
            Self::Form => "Form",
            Self::Other => "Document",
        }
    }
}

// ---------------------------------------------------------------- clinic API

/// `PUT /api/v1/clinic/patients/{id}`: create or update a patient.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientUpsert {
    pub name: String,
    pub date_of_birth: NaiveDate,
    /// Absent for someone without email (a child): they cannot be a recipient themselves, but
    /// their relationships can.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
}

/// A patient as the clinic API returns it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub id: PatientId,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub email: Option<String>,
    pub mobile: Option<String>,
}

/// Metadata sent with `PUT /api/v1/clinic/patients/{id}/documents/{doc}` (as query parameters,
/// since the body is the document itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentUpload {
    pub kind: DocumentKind,
    pub title: String,
    pub date: NaiveDate,
}

/// One section of a structured consultation note.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteSection {
    /// The clinic system's identifier of the section ("history", "plan"); shares name these.
    pub id: String,
    pub title: String,
    pub text: String,
}

/// A structured consultation note, uploaded as `application/json` with kind
/// `consultation_note`, so that chosen sections can be shared with the patient.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsultationNote {
    pub sections: Vec<NoteSection>,
}

impl ConsultationNote {
    /// Why the note cannot be stored: no sections, a bad or repeated id, an empty title.
    pub fn problem(&self) -> Option<String> {
        if self.sections.is_empty() {
            return Some("a consultation note needs at least one section".to_owned());
        }
        let mut seen = std::collections::BTreeSet::new();
        for section in &self.sections {
            if !crate::ids::is_valid_id(&section.id) {
                return Some(format!("section id {:?} is not a valid id", section.id));
            }
            if !seen.insert(section.id.as_str()) {
                return Some(format!("section id {} appears twice", section.id));
            }
            if section.title.trim().is_empty() {
                return Some(format!("section {} needs a title", section.id));
            }
        }
        None
    }

    /// Each section's id and title, in note order: what is kept beside the stored note so staff
    /// can choose sections by title without the note being read. Titles longer than
    /// [`MAX_HEADING_CHARS`] are cut there (with `…`): they name a section in a list.
    pub fn headings(&self) -> Vec<SectionHeading> {
        self.sections
            .iter()
            .map(|s| SectionHeading {
                id: s.id.clone(),
                title: shorten(s.title.trim(), MAX_HEADING_CHARS),
            })
            .collect()
    }

    /// The sections named in `chosen` (all of them when `chosen` is `None`), in note order.
    pub fn select(&self, chosen: Option<&[String]>) -> Vec<NoteSection> {
        self.sections
            .iter()
            .filter(|s| chosen.is_none_or(|c| c.contains(&s.id)))
            .cloned()
            .collect()
    }
}

/// How many characters of a section's title a [`SectionHeading`] keeps.
pub const MAX_HEADING_CHARS: usize = 80;

/// `text` if it has at most `max` characters; otherwise its first `max - 1` and `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// A section of a consultation note without its text: its id and its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionHeading {
    pub id: String,
    pub title: String,
}

/// `GET /api/v1/portal/documents/{id}/sections`: what the patient may read of a note.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedNote {
    pub practice_name: String,
    pub title: String,
    #[serde(with = "crate::date")]
    #[cfg_attr(test, schemars(with = "NaiveDate"))]
    pub date: NaiveDate,
    pub sections: Vec<NoteSection>,
}

/// `PUT /api/v1/clinic/patients/{id}/documents/{doc}/external`: registers a document that
/// stays on the clinic's HTTP origin (`ORIGIN_BASE_URL`) at `origin_path`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalDocument {
    pub kind: DocumentKind,
    pub title: String,
    pub date: NaiveDate,
    pub size: u64,
    pub content_type: String,
    pub origin_path: String,
}

/// A registered document as the clinic API returns it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub patient_id: PatientId,
    pub kind: DocumentKind,
    pub title: String,
    pub date: NaiveDate,
    pub size: u64,
    pub content_type: String,
}

/// How a share reaches the recipient.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareMethod {
    /// An email with a link to the portal; nothing confidential in the email.
    SecureLink,
    /// The documents attached to a plain email (the practice's choice; no portal access).
    Attachment,
}

impl ShareMethod {
    /// The value stored in `shares.method` and sent on the wire (the same as serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SecureLink => "secure_link",
            Self::Attachment => "attachment",
        }
    }
}

fn patient_only() -> Vec<RecipientRef> {
    vec![RecipientRef::Patient]
}

/// `POST /api/v1/clinic/shares`: share documents of one patient with chosen recipients.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub patient_id: PatientId,
    pub document_ids: Vec<DocumentId>,
    pub method: ShareMethod,
    /// The staff member who shares, for the audit (the clinic system must name one; staff
    /// signed in through Access are recorded by their verified email instead).
    #[serde(default)]
    pub staff: String,
    /// Who receives it, by id only (default: the patient).
    #[serde(default = "patient_only")]
    pub recipients: Vec<RecipientRef>,
    /// Consultation notes shared in part: document id → the sections shared (patient only).
    #[serde(default)]
    pub sections: BTreeMap<DocumentId, Vec<String>>,
}

/// The answer to a share: what was recorded, how many emails were queued and already
/// accepted by the provider, and the sender address chosen by document type.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareResponse {
    pub share_id: ShareId,
    pub emails_queued: u32,
    pub emails_sent: u32,
    pub sender: EmailAddress,
}

/// `GET|PUT /api/v1/clinic/settings`: the practice's settings.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeSettings {
    pub practice_name: String,
    pub sharing_enabled: bool,
    #[serde(default)]
    pub checks: CheckSettings,
    pub senders: SenderAddresses,
    /// How many days access lasts from the share that granted it; `None` (the default) means
    /// until the practice revokes it, renewing expired links for as long as that holds.
    #[serde(default)]
    pub access_days: Option<u32>,
    /// Days after which one reminder email goes to a recipient who has not opened a secure
    /// link share (1–30); null (the default): no reminders. At most one per share and
    /// recipient, ever; shown in the share's deliveries as a reminder.
    #[serde(default)]
    pub reminder_after_days: Option<u32>,
}

/// `PUT /api/v1/clinic/patients/{id}/relationships/{contact}` (a relationship or emergency
/// contact of the patient) and `PUT /api/v1/clinic/contacts/{contact}` (a practice contact).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactUpsert {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
    /// For relationships: how they relate to the patient ("daughter", "carer").
    #[serde(default)]
    pub relation: Option<String>,
    /// For relationships: on the emergency-contact list.
    #[serde(default)]
    pub emergency: bool,
}

/// `POST /api/v1/clinic/patients/{id}/unshare`: with neither field, every link and session of
/// the patient is revoked; with `recipient`, only that recipient's; with `document_id`, only
/// that document is withdrawn from every share.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnshareRequest {
    #[serde(default)]
    pub staff: String,
    #[serde(default)]
    pub recipient: Option<RecipientRef>,
    #[serde(default)]
    pub document_id: Option<DocumentId>,
}

// ---------------------------------------------------------------- clinic console

/// A patient in search results.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub id: PatientId,
    pub name: String,
    pub date_of_birth: NaiveDate,
    /// Whether the patient's access is currently revoked (unshared).
    pub revoked: bool,
}

/// A relationship, emergency contact or practice contact, as staff see it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEntry {
    pub id: crate::ids::ContactId,
    pub name: String,
    pub email: Option<String>,
    pub relation: Option<String>,
    pub emergency: bool,
    /// May be chosen as a recipient: a valid email and whatever the practice's check needs.
    pub eligible: bool,
    /// Why not, when not eligible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ineligible_reason: Option<crate::recipients::Ineligible>,
    /// Mail to the email on file bounced or was dropped (the provider's events): check it.
    #[serde(default)]
    pub email_bounced: bool,
}

/// `GET /api/v1/clinic/patients/{id}`: the patient's file for the share panel.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientFile {
    pub patient: Patient,
    pub revoked: bool,
    pub email_valid: bool,
    /// Why the patient cannot be a recipient (no email, or no mobile when checked by SMS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ineligible_reason: Option<crate::recipients::Ineligible>,
    pub relationships: Vec<ContactEntry>,
    pub practice_contacts: Vec<ContactEntry>,
    /// Mail to the patient's email on file bounced or was dropped: check it.
    #[serde(default)]
    pub email_bounced: bool,
}

/// `GET /api/v1/clinic/patients/{id}/documents`: a document as staff see it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDocument {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub date: NaiveDate,
    pub size: u64,
    pub content_type: String,
    /// Section ids of a structured consultation note, in note order (empty for files).
    pub sections: Vec<String>,
    /// The sections' titles by id, so staff choose sections by title. Notes stored before
    /// titles were kept have none (staff see those sections by id, [`Self::section_title`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub section_titles: BTreeMap<String, String>,
    /// When staff last previewed it (Unix seconds), for "most recently viewed first".
    pub last_viewed_at: Option<i64>,
}

impl StaffDocument {
    /// What to call section `id` for staff: its title, or the id when no title was kept.
    pub fn section_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.section_titles.get(id).map_or(id, String::as_str)
    }
}

/// `GET /api/v1/clinic/patients/{id}/links`: one emailed link and its state.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEntry {
    pub id: crate::ids::LinkId,
    pub recipient: RecipientRef,
    /// The share it delivered; `None` for a renewal.
    pub share_id: Option<String>,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds: after this the link only earns a fresh one (while access lasts).
    pub expires_at: i64,
    /// Unix seconds; set when revoked one by one, by an unshare or by a change of address.
    pub revoked_at: Option<i64>,
}

// ---------------------------------------------------------------- portal API

/// `POST /api/v1/portal/open`, `/sms/send` and `/verify/magic-link`: the token taken from the
/// URL fragment.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenLinkRequest {
    pub token: String,
}

/// The check a recipient must pass.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Challenge {
    /// Enter the date of birth (patients).
    Birthday { attempts_left: u32 },
    /// Ask for a code by SMS to the masked number, then enter it.
    SmsCode {
        masked_mobile: String,
        attempts_left: u32,
    },
    /// Press one button to see the documents (contacts, magic link alone): a human confirms,
    /// so a mail scanner fetching the link opens nothing.
    ConfirmMagicLink,
}

/// `POST /api/v1/portal/sms/send`: a human asked for a code.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsSent {
    pub masked_mobile: String,
    /// How long until another code may be asked for.
    pub retry_after_seconds: u64,
}

/// `POST /api/v1/portal/verify/sms`: the link token and the code as typed.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsVerifyRequest {
    pub token: String,
    pub code: String,
}

/// What opening a link leads to.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OpenLinkResponse {
    /// The link is good: prove who you are.
    Challenge {
        practice_name: String,
        challenge: Challenge,
    },
    /// The link expired; a new one went to the address on file, shown masked.
    Renewed {
        practice_name: String,
        masked_email: String,
    },
}

/// `POST /api/v1/portal/verify/birthday`: the link token and the three fields as typed.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthdayVerifyRequest {
    pub token: String,
    pub day: String,
    pub month: String,
    pub year: String,
}

/// A successful check; the session cookie comes with it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedResponse {
    pub practice_name: String,
}

/// One document as the portal lists it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalDocument {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    #[serde(with = "crate::date")]
    #[cfg_attr(test, schemars(with = "NaiveDate"))]
    pub date: NaiveDate,
    pub size: u64,
    pub content_type: String,
    /// A structured note: read it at `/documents/{id}/sections`, not as a file.
    #[serde(default)]
    pub note: bool,
}

/// `GET /api/v1/portal/documents`: newest first.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentList {
    pub practice_name: String,
    pub documents: Vec<PortalDocument>,
}

// ---------------------------------------------------------------- errors

/// Every error body. `code` is stable; `message` is for people; the rest appear when relevant.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice_name: Option<String>,
    /// Clinic API fields that were refused, each with why (`invalid_fields`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
    /// Recipients who cannot receive a share, each with why (`recipient_not_eligible`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<RecipientProblem>,
    /// `rate_limited`: whole seconds until asking again can succeed. Clients wait this long
    /// instead of reading a number out of `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// One refused field of a clinic API request: its name as in the request, and why.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// One recipient a share cannot go to, and the missing or wrong detail.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientProblem {
    pub recipient: RecipientRef,
    pub reason: crate::recipients::Ineligible,
    /// The reason in words, for staff.
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.message().to_owned(),
            fields: Vec::new(),
            attempts_left: None,
            practice_name: None,
            problems: Vec::new(),
            recipients: Vec::new(),
            retry_after_seconds: None,
        }
    }

    /// `invalid_fields` for clinic API fields.
    pub fn with_problems(mut self, problems: Vec<FieldProblem>) -> Self {
        self.problems = problems;
        self
    }

    pub fn with_recipients(mut self, recipients: Vec<RecipientProblem>) -> Self {
        self.recipients = recipients;
        self
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    pub fn with_attempts_left(mut self, attempts_left: u32) -> Self {
        self.attempts_left = Some(attempts_left);
        self
    }

    pub fn with_practice_name(mut self, practice_name: impl Into<String>) -> Self {
        self.practice_name = Some(practice_name.into());
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }
}

/// Masks an email address for display: `jane@example.com` → `j•••@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

/// Masks a phone number for display, keeping only the last three digits: `•••• •••• 123`.
pub fn mask_mobile(mobile: &str) -> String {
    let digits: Vec<char> = mobile.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits.iter().skip(digits.len().saturating_sub(3)).collect();
    format!("•••• •••• {tail}")
}

/// Human-readable size in en-GB style: `532 bytes`, `12 KB`, `3.4 MB`.
pub fn format_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{}.{} MB", bytes / MB, (bytes % MB) * 10 / MB)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::birthday::BirthdayField;

    #[test]
    fn masks_emails_without_revealing_the_local_part() {
        assert_eq!(mask_email("jane@example.com"), "j•••@example.com");
        assert_eq!(mask_email("nonsense"), "•••");
        assert_eq!(mask_mobile("+44 7700 900123"), "•••• •••• 123");
        assert_eq!(mask_mobile("12"), "•••• •••• 12");
    }

    #[test]
    fn staff_see_sections_by_title_or_else_by_id() {
        let json = r#"{"id":"n1","kind":"consultation_note","title":"Consultation","date":"2026-11-20","size":10,"content_type":"application/json","sections":["history","plan"],"last_viewed_at":null}"#;
        let mut doc: StaffDocument = serde_json::from_str(json).unwrap();
        assert!(
            doc.section_titles.is_empty(),
            "an answer without titles still reads"
        );
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            json,
            "and writes back unchanged"
        );
        doc.section_titles.insert("plan".into(), "Plan".into());
        assert_eq!(doc.section_title("plan"), "Plan");
        assert_eq!(doc.section_title("history"), "history");
        let with_titles = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            with_titles["section_titles"],
            serde_json::json!({"plan": "Plan"})
        );
    }

    #[test]
    fn headings_keep_ids_and_short_titles_in_note_order() {
        let long = "x".repeat(MAX_HEADING_CHARS + 5);
        let note = ConsultationNote {
            sections: vec![
                NoteSection {
                    id: "history".into(),
                    title: " History ".into(),
                    text: "t".into(),
                },
                NoteSection {
                    id: "plan".into(),
                    title: long,
                    text: "t".into(),
                },
            ],
        };
        let headings = note.headings();
        assert_eq!(headings.len(), 2);
        assert_eq!(
            headings[0],
            SectionHeading {
                id: "history".into(),
                title: "History".into()
            }
        );
        assert_eq!(headings[1].id, "plan");
        assert_eq!(headings[1].title.chars().count(), MAX_HEADING_CHARS);
        assert!(headings[1].title.ends_with('…'));
    }

    #[test]
    fn notes_select_chosen_sections_in_note_order() {
        let section = |id: &str| NoteSection {
            id: id.into(),
            title: id.into(),
            text: "t".into(),
        };
        let note = ConsultationNote {
            sections: vec![section("history"), section("exam"), section("plan")],
        };
        assert_eq!(note.problem(), None);
        let chosen = ["plan".to_owned(), "history".to_owned()];
        let ids: Vec<String> = note
            .select(Some(&chosen))
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["history", "plan"]);
        assert_eq!(note.select(None).len(), 3);
        let twice = ConsultationNote {
            sections: vec![section("a"), section("a")],
        };
        assert!(twice.problem().is_some());
        assert!(ConsultationNote { sections: vec![] }.problem().is_some());
        assert!(ConsultationNote {
            sections: vec![section("a b")]
        }
        .problem()
        .is_some());
    }

    #[test]
    fn portal_dates_are_plain_iso_dates() {
        let json = r#"{"practice_name":"P","title":"T","date":"2026-11-20","sections":[]}"#;
        let note: SharedNote = serde_json::from_str(json).unwrap();
        assert_eq!(note.date, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        assert_eq!(serde_json::to_string(&note).unwrap(), json);
        let document = PortalDocument {
            id: DocumentId::try_from("doc-1".to_owned()).unwrap(),
            kind: DocumentKind::Letter,
            title: "Letter".into(),
            date: note.date,
            size: 12,
            content_type: "application/pdf".into(),
            note: false,
        };
        let json = serde_json::to_string(&document).unwrap();
        assert!(json.contains(r#""date":"2026-11-20""#), "{json}");
        assert_eq!(
            serde_json::from_str::<PortalDocument>(&json).unwrap(),
            document
        );
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(format_size(532), "532 bytes");
        assert_eq!(format_size(12 * 1024), "12 KB");
        assert_eq!(format_size(3 * 1024 * 1024 + 400 * 1024), "3.3 MB");
    }

    #[test]
    fn wire_json_snapshots() {
        let challenge = OpenLinkResponse::Challenge {
            practice_name: "Riverside Surgery".into(),
            challenge: Challenge::Birthday { attempts_left: 3 },
        };
        insta::assert_json_snapshot!("open_challenge", challenge);
        let renewed = OpenLinkResponse::Renewed {
            practice_name: "Riverside Surgery".into(),
            masked_email: mask_email("jane@example.com"),
        };
        insta::assert_json_snapshot!("open_renewed", renewed);
        let error = ApiError::new(ErrorCode::InvalidFields).with_fields(vec![FieldError {
            field: BirthdayField::Day,
            message: "Date of birth must include a day".into(),
        }]);
        insta::assert_json_snapshot!("error_invalid_fields", error);
        let error = ApiError::new(ErrorCode::WrongBirthday).with_attempts_left(2);
        insta::assert_json_snapshot!("error_wrong_birthday", error);
        let error = ApiError::new(ErrorCode::RateLimited)
            .with_message("A code was sent recently. You can ask for another in 42 seconds.")
            .with_retry_after(42);
        insta::assert_json_snapshot!("error_rate_limited", error);
    }

    #[test]
    fn share_method_wire_names_are_pinned() {
        for (method, name) in [
            (ShareMethod::SecureLink, "secure_link"),
            (ShareMethod::Attachment, "attachment"),
        ] {
            assert_eq!(method.as_str(), name);
            assert_eq!(serde_json::to_value(method).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<ShareMethod>(name.into()).unwrap(),
                method
            );
        }
    }

    #[test]
    fn errors_without_a_wait_are_unchanged_on_the_wire() {
        // `retry_after_seconds` is only ever added: other errors serialise as before.
        assert_eq!(
            serde_json::to_string(&ApiError::new(ErrorCode::NotFound)).unwrap(),
            r#"{"code":"not_found","message":"Not found."}"#
        );
    }
}
