//! Every decision the console makes, as pure functions tested natively. Components only render
//! what these return.

pub mod practice;
pub mod receipts;
pub mod team;

use std::collections::{BTreeMap, BTreeSet};

use sealpost_frontkit::title::ServiceName;
use sealpost_shared::chrono::NaiveDate;
use sealpost_shared::history::{AuditEvent, DeliveryStatus};
use sealpost_shared::ids::{DocumentId, PatientId};
use sealpost_shared::recipients::{Ineligible, RecipientRef};
use sealpost_shared::sender::choose_sender;
use sealpost_shared::text::percent_encode;
use sealpost_shared::wire::{
    ContactEntry, DocumentKind, PracticeSettings, ShareMethod, ShareRequest, StaffDocument,
};

/// How many documents the patient's file lists before "More documents".
pub const FIRST_DOCUMENTS: usize = 5;

/// Every kind, in the order the type filter offers them.
pub const KINDS: [DocumentKind; 8] = [
    DocumentKind::ConsultationNote,
    DocumentKind::Letter,
    DocumentKind::Lab,
    DocumentKind::Prescription,
    DocumentKind::Invoice,
    DocumentKind::CreditNote,
    DocumentKind::Form,
    DocumentKind::Other,
];

/// The wire name of a kind (`credit_note`), for form values.
pub fn kind_value(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "invoice",
        DocumentKind::CreditNote => "credit_note",
        DocumentKind::ConsultationNote => "consultation_note",
        DocumentKind::Prescription => "prescription",
        DocumentKind::Letter => "letter",
        DocumentKind::Lab => "lab",
        DocumentKind::Form => "form",
        DocumentKind::Other => "other",
    }
}

/// The kind named by a form value; `None` for "all types" or anything unknown.
pub fn kind_from_value(value: &str) -> Option<DocumentKind> {
    KINDS.into_iter().find(|k| kind_value(*k) == value)
}

/// What staff typed and chose in the document filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    pub kind: Option<DocumentKind>,
    /// Matched case-insensitively against the title.
    pub name: String,
    /// Only documents dated on or after this day.
    pub from: Option<NaiveDate>,
}

impl DocumentFilter {
    pub fn is_active(&self) -> bool {
        self.kind.is_some() || !self.name.trim().is_empty() || self.from.is_some()
    }

    pub fn matches(&self, doc: &StaffDocument) -> bool {
        let name = self.name.trim().to_lowercase();
        self.kind.is_none_or(|k| k == doc.kind)
            && (name.is_empty() || doc.title.to_lowercase().contains(&name))
            && self.from.is_none_or(|from| doc.date >= from)
    }
}

/// The documents to list, in the edge's order (most recently viewed by staff first, then
/// newest): those the filter keeps, only the first [`FIRST_DOCUMENTS`] unless `show_all`.
/// Ticked documents stay listed even beyond the first five, so a selection is never hidden.
/// Returns the documents and how many more there are.
pub fn visible_documents<'a>(
    docs: &'a [StaffDocument],
    filter: &DocumentFilter,
    show_all: bool,
    ticked: &BTreeSet<DocumentId>,
) -> (Vec<&'a StaffDocument>, usize) {
    let matching: Vec<&StaffDocument> = docs.iter().filter(|d| filter.matches(d)).collect();
    if show_all || matching.len() <= FIRST_DOCUMENTS {
        return (matching, 0);
    }
    let mut shown = Vec::new();
    let mut hidden = 0;
    for (i, doc) in matching.into_iter().enumerate() {
        if i < FIRST_DOCUMENTS || ticked.contains(&doc.id) {
            shown.push(doc);
        } else {
            hidden += 1;
        }
    }
    (shown, hidden)
}

/// The sender address a share of the ticked documents goes from, as the edge will choose it.
pub fn sender_for(
    docs: &[StaffDocument],
    ticked: &BTreeSet<DocumentId>,
    settings: &PracticeSettings,
) -> String {
    let kinds: Vec<DocumentKind> = docs
        .iter()
        .filter(|d| ticked.contains(&d.id))
        .map(|d| d.kind)
        .collect();
    choose_sender(&kinds, &settings.senders).as_str().to_owned()
}

/// Whether consultation-note sections may be chosen: only when the patient alone receives the
/// share by secure link (contacts never get part of a note; attachments carry whole files).
pub fn sections_offered(recipients: &BTreeSet<RecipientKey>, method: ShareMethod) -> bool {
    method == ShareMethod::SecureLink
        && recipients.len() == 1
        && recipients.contains(&RecipientKey::Patient)
}

/// A recipient as a set member (the wire [`RecipientRef`] is not `Ord`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecipientKey {
    Patient,
    Relationship(String),
    PracticeContact(String),
}

impl RecipientKey {
    pub fn to_ref(&self) -> Option<RecipientRef> {
        use sealpost_shared::ids::ContactId;
        Some(match self {
            Self::Patient => RecipientRef::Patient,
            Self::Relationship(id) => RecipientRef::Relationship {
                id: ContactId::try_from(id.clone()).ok()?,
            },
            Self::PracticeContact(id) => RecipientRef::PracticeContact {
                id: ContactId::try_from(id.clone()).ok()?,
            },
        })
    }

    /// A stable form value / element id suffix: `patient`, `rel-<id>`, `pc-<id>`.
    pub fn value(&self) -> String {
        match self {
            Self::Patient => "patient".to_owned(),
            Self::Relationship(id) => format!("rel-{id}"),
            Self::PracticeContact(id) => format!("pc-{id}"),
        }
    }

    pub fn from_value(value: &str) -> Option<Self> {
        if value == "patient" {
            Some(Self::Patient)
        } else if let Some(id) = value.strip_prefix("rel-") {
            Some(Self::Relationship(id.to_owned()))
        } else {
            value
                .strip_prefix("pc-")
                .map(|id| Self::PracticeContact(id.to_owned()))
        }
    }
}

/// The recipient a delivery in the sharing history went to, from the edge's label
/// (`patient`, `relationship <id>`, `practice contact <id>`), for "Share again".
pub fn recipient_from_label(label: &str) -> Option<RecipientKey> {
    if label == "patient" {
        Some(RecipientKey::Patient)
    } else if let Some(id) = label.strip_prefix("relationship ") {
        Some(RecipientKey::Relationship(id.to_owned()))
    } else {
        label
            .strip_prefix("practice contact ")
            .map(|id| RecipientKey::PracticeContact(id.to_owned()))
    }
}

/// Why a contact cannot be chosen, shown beside its disabled checkbox.
pub fn ineligible_reason(contact: &ContactEntry) -> Option<&'static str> {
    match (contact.eligible, contact.ineligible_reason) {
        (true, _) => None,
        (false, Some(reason)) => Some(reason_text(reason)),
        (false, None) => Some(reason_text(Ineligible::NoValidEmail)),
    }
}

/// Why a recipient is shown disabled in the share panel, as the edge decided it.
pub fn reason_text(reason: Ineligible) -> &'static str {
    match reason {
        Ineligible::NoEmail => "Cannot be chosen: no email address on file",
        Ineligible::NoValidEmail => "Cannot be chosen: the email address on file is not valid",
        Ineligible::NoMobile => {
            "Cannot be chosen: no mobile number on file, and this practice checks them with an SMS code"
        }
        Ineligible::NotRelated => "Cannot be chosen: not on the patient's contact list",
        Ineligible::UnknownContact => "Cannot be chosen: not one of the practice's contacts",
    }
}

/// How a contact is named in the share panel, the unshare dialog and the history:
/// `Amy Doe (daughter) · emergency contact`.
pub fn contact_label(c: &ContactEntry) -> String {
    let mut label = c.name.clone();
    if let Some(relation) = c.relation.as_deref().filter(|r| !r.is_empty()) {
        label.push_str(&format!(" ({relation})"));
    }
    if c.emergency {
        label.push_str(" · emergency contact");
    }
    label
}

/// One problem with the share form, linked to the control it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub target: String,
    pub message: String,
}

/// What staff chose in the share panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareChoice<'a> {
    pub patient_id: &'a PatientId,
    pub docs: &'a [StaffDocument],
    pub ticked: &'a BTreeSet<DocumentId>,
    pub recipients: &'a BTreeSet<RecipientKey>,
    pub method: ShareMethod,
    /// Sections ticked per consultation note (when sections are offered).
    pub sections: &'a BTreeMap<DocumentId, BTreeSet<String>>,
}

/// The share request for what staff chose, or the problems to fix first. A note keeps all its
/// sections unless staff untick some (and sections are offered); then only the ticked ones go.
pub fn build_share(choice: &ShareChoice<'_>) -> Result<ShareRequest, Vec<Problem>> {
    let mut problems = Vec::new();
    let chosen: Vec<&StaffDocument> = choice
        .docs
        .iter()
        .filter(|d| choice.ticked.contains(&d.id))
        .collect();
    if chosen.is_empty() {
        problems.push(Problem {
            target: "documents".to_owned(),
            message: "Choose at least one document to share".to_owned(),
        });
    }
    if choice.recipients.is_empty() {
        problems.push(Problem {
            target: "recipients".to_owned(),
            message: "Choose at least one recipient".to_owned(),
        });
    }
    let mut sections = BTreeMap::new();
    if sections_offered(choice.recipients, choice.method) {
        for doc in chosen.iter().filter(|d| !d.sections.is_empty()) {
            let Some(ticked) = choice.sections.get(&doc.id) else {
                continue; // untouched: the whole note
            };
            if ticked.is_empty() {
                problems.push(Problem {
                    target: format!("sections-{}", doc.id),
                    message: format!("Choose at least one section of {}", doc.title),
                });
            } else if doc.sections.iter().any(|s| !ticked.contains(s)) {
                // In note order, so the patient reads them as written.
                let in_order = doc
                    .sections
                    .iter()
                    .filter(|s| ticked.contains(*s))
                    .cloned()
                    .collect();
                sections.insert(doc.id.clone(), in_order);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ShareRequest {
        patient_id: choice.patient_id.clone(),
        document_ids: chosen.iter().map(|d| d.id.clone()).collect(),
        method: choice.method,
        staff: String::new(),
        recipients: choice
            .recipients
            .iter()
            .filter_map(RecipientKey::to_ref)
            .collect(),
        sections,
    })
}

pub use sealpost_frontkit::format::{format_date, format_size, format_time, iso_date};

/// How a document previews: images inline, PDFs in a new tab, notes and others by link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewKind {
    Image,
    Pdf,
    Other,
}

pub fn preview_kind(content_type: &str) -> PreviewKind {
    let ct = content_type.to_ascii_lowercase();
    if ct.starts_with("image/") {
        PreviewKind::Image
    } else if ct.starts_with("application/pdf") {
        PreviewKind::Pdf
    } else {
        PreviewKind::Other
    }
}

/// A method's name for people.
pub fn method_label(method: ShareMethod) -> &'static str {
    match method {
        ShareMethod::SecureLink => "Secure link",
        ShareMethod::Attachment => "Email attachment",
    }
}

/// A delivery status for people. An email that failed for now stays `Pending` (it is retried);
/// one refused for good is `Failed`. Attempts and the last error are shown beside this.
pub fn delivery_label(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Sent => "Email sent",
        DeliveryStatus::Pending => "Waiting to send",
        DeliveryStatus::Outbox => "In the development outbox",
        DeliveryStatus::Failed => "Not sent",
    }
}

/// An audit event for people. No wildcard: a new event must be given words here.
pub fn event_label(event: &AuditEvent) -> &'static str {
    match event {
        AuditEvent::Shared => "Shared",
        AuditEvent::EmailSent => "Email sent",
        AuditEvent::EmailFailed => "Email failed",
        AuditEvent::EmailDelivered => "Email delivered",
        AuditEvent::EmailBounced => "Email bounced",
        AuditEvent::SmsSent => "Code texted",
        AuditEvent::SmsFailed => "Text message failed",
        AuditEvent::LinkOpened => "Link opened",
        AuditEvent::Verified => "Recipient verified",
        AuditEvent::VerificationFailed => "Verification failed",
        AuditEvent::LockedOut => "Recipient locked out",
        AuditEvent::Viewed => "Document viewed",
        AuditEvent::Downloaded => "Document downloaded",
        AuditEvent::LinkRenewed => "New link sent",
        AuditEvent::ReminderSent => "Reminder sent",
        AuditEvent::LinkRevoked => "Link revoked",
        AuditEvent::Unshared => "Access revoked",
        AuditEvent::AccessRestored => "Access restored",
        AuditEvent::StaffViewed => "Previewed by staff",
        AuditEvent::DocumentReplaced => "Document replaced",
        AuditEvent::DocumentDeleted => "Document deleted",
        AuditEvent::AddressChanged => "Contact details changed",
        AuditEvent::ContactDeleted => "Contact removed",
        AuditEvent::PatientErased => "Patient erased",
        AuditEvent::SettingsChanged => "Settings changed",
        AuditEvent::StaffRoleSet => "Staff role set",
        AuditEvent::StaffRemoved => "Staff member removed",
        AuditEvent::ApiKeyCreated => "API key created",
        AuditEvent::ApiKeyRevoked => "API key revoked",
        AuditEvent::PracticeCreated => "Practice created",
        AuditEvent::PracticeAdopted => "Practice adopted",
        AuditEvent::PracticeSuspended => "Practice suspended",
        AuditEvent::PracticeResumed => "Practice resumed",
        // Written by another version of Sealpost: shown, but generically.
        AuditEvent::Unrecognised(_) => "Other event",
    }
}

/// What every console page's `<title>` ends with ("Settings – Sealpost clinic console"),
/// provided as context by [`crate::app::App`] for `sealpost_frontkit`'s page heading.
pub const SERVICE: ServiceName = ServiceName("Sealpost clinic console");

/// The console path of a patient's file.
pub fn patient_path(id: &str) -> String {
    format!("/console/patients/{}", encode_segment(id))
}

/// The console path of the pop-out preview.
pub fn preview_path(patient: &str, doc: &str) -> String {
    format!(
        "/console/preview/{}/{}",
        encode_segment(patient),
        encode_segment(doc)
    )
}

/// The API path of a document's inline preview.
/// The browser loads it by itself (an `<img>`, a new tab), without the console's
/// `sealpost-practice` header, so the practice being worked in rides in the query.
pub fn content_path(patient: &str, doc: &str, practice: Option<&str>) -> String {
    let path = format!(
        "/api/v1/clinic/patients/{}/documents/{}/content",
        encode_segment(patient),
        encode_segment(doc)
    );
    match practice {
        Some(practice) => format!("{path}?practice={}", encode_segment(practice)),
        None => path,
    }
}

/// Percent-encodes everything but the characters ids are made of, so a value stays one segment.
pub fn encode_segment(raw: &str) -> String {
    percent_encode(raw, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use sealpost_shared::checks::CheckSettings;
    use sealpost_shared::recipients::EmailAddress;
    use sealpost_shared::sender::SenderAddresses;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn doc(id: &str, kind: DocumentKind, title: &str, day: &str) -> StaffDocument {
        StaffDocument {
            id: DocumentId::try_from(id.to_owned()).unwrap(),
            kind,
            title: title.to_owned(),
            date: date(day),
            size: 1000,
            content_type: "application/pdf".to_owned(),
            sections: Vec::new(),
            section_titles: BTreeMap::new(),
            last_viewed_at: None,
        }
    }

    fn note(id: &str) -> StaffDocument {
        StaffDocument {
            sections: vec!["history".into(), "exam".into(), "plan".into()],
            content_type: "application/json".into(),
            ..doc(
                id,
                DocumentKind::ConsultationNote,
                "Consultation",
                "2026-01-01",
            )
        }
    }

    fn did(id: &str) -> DocumentId {
        DocumentId::try_from(id.to_owned()).unwrap()
    }

    fn settings() -> PracticeSettings {
        let e = |s: &str| EmailAddress::try_from(s).unwrap();
        PracticeSettings {
            practice_name: "Riverside".into(),
            sharing_enabled: true,
            checks: CheckSettings::default(),
            senders: SenderAddresses {
                general: e("practice@r.example"),
                invoice: Some(e("accounts@r.example")),
                consultation: None,
                prescription: None,
                letter: Some(e("letters@r.example")),
                lab: None,
            },
            access_days: None,
            reminder_after_days: None,
        }
    }

    fn many() -> Vec<StaffDocument> {
        (1..=8)
            .map(|i| {
                doc(
                    &format!("d{i}"),
                    if i % 2 == 0 {
                        DocumentKind::Letter
                    } else {
                        DocumentKind::Invoice
                    },
                    &format!("Paper {i}"),
                    &format!("2026-0{i}-01"),
                )
            })
            .collect()
    }

    #[test]
    fn the_first_five_then_more_documents_and_ticked_ones_stay_visible() {
        let docs = many();
        let none = BTreeSet::new();
        let (shown, hidden) = visible_documents(&docs, &DocumentFilter::default(), false, &none);
        assert_eq!(shown.len(), 5);
        assert_eq!(hidden, 3);
        assert_eq!(shown[0].id.as_str(), "d1", "the edge's order is kept");
        let (shown, hidden) = visible_documents(&docs, &DocumentFilter::default(), true, &none);
        assert_eq!((shown.len(), hidden), (8, 0));
        let ticked = BTreeSet::from([did("d8")]);
        let (shown, hidden) = visible_documents(&docs, &DocumentFilter::default(), false, &ticked);
        assert_eq!((shown.len(), hidden), (6, 2));
        assert!(shown.iter().any(|d| d.id.as_str() == "d8"));
    }

    #[test]
    fn the_filter_matches_type_name_and_date() {
        let docs = many();
        let none = BTreeSet::new();
        let by_kind = DocumentFilter {
            kind: Some(DocumentKind::Letter),
            ..Default::default()
        };
        let (shown, _) = visible_documents(&docs, &by_kind, true, &none);
        assert!(shown.iter().all(|d| d.kind == DocumentKind::Letter));
        assert_eq!(shown.len(), 4);
        let by_name = DocumentFilter {
            name: "  PAPER 7 ".into(),
            ..Default::default()
        };
        assert_eq!(visible_documents(&docs, &by_name, false, &none).0.len(), 1);
        let by_date = DocumentFilter {
            from: Some(date("2026-06-01")),
            ..Default::default()
        };
        assert_eq!(visible_documents(&docs, &by_date, false, &none).0.len(), 3);
        assert!(by_date.is_active());
        assert!(!DocumentFilter::default().is_active());
    }

    #[test]
    fn kinds_round_trip_through_form_values() {
        for kind in KINDS {
            assert_eq!(kind_from_value(kind_value(kind)), Some(kind));
            let wire = serde_json::to_string(&kind).unwrap();
            assert_eq!(wire, format!("\"{}\"", kind_value(kind)));
        }
        assert_eq!(kind_from_value(""), None);
    }

    #[test]
    fn the_sender_follows_the_ticked_kinds() {
        let docs = vec![
            doc("inv", DocumentKind::Invoice, "I", "2026-01-01"),
            doc("cn", DocumentKind::CreditNote, "C", "2026-01-01"),
            doc("let", DocumentKind::Letter, "L", "2026-01-01"),
            doc("lab", DocumentKind::Lab, "Lab", "2026-01-01"),
        ];
        let s = settings();
        let pick = |ids: &[&str]| sender_for(&docs, &ids.iter().map(|i| did(i)).collect(), &s);
        assert_eq!(pick(&["inv", "cn"]), "accounts@r.example");
        assert_eq!(pick(&["let"]), "letters@r.example");
        assert_eq!(
            pick(&["lab"]),
            "practice@r.example",
            "no lab address: general"
        );
        assert_eq!(
            pick(&["inv", "let"]),
            "practice@r.example",
            "mixed: general"
        );
        assert_eq!(pick(&[]), "practice@r.example");
    }

    #[test]
    fn sections_are_offered_to_the_patient_alone_by_secure_link() {
        let patient = BTreeSet::from([RecipientKey::Patient]);
        let with_contact = BTreeSet::from([
            RecipientKey::Patient,
            RecipientKey::Relationship("c1".into()),
        ]);
        let contact = BTreeSet::from([RecipientKey::PracticeContact("c2".into())]);
        assert!(sections_offered(&patient, ShareMethod::SecureLink));
        assert!(!sections_offered(&patient, ShareMethod::Attachment));
        assert!(!sections_offered(&with_contact, ShareMethod::SecureLink));
        assert!(!sections_offered(&contact, ShareMethod::SecureLink));
        assert!(!sections_offered(&BTreeSet::new(), ShareMethod::SecureLink));
    }

    #[test]
    fn a_share_needs_documents_and_recipients() {
        let pid = PatientId::try_from("p1".to_owned()).unwrap();
        let docs = many();
        let empty = BTreeSet::new();
        let no_sections = BTreeMap::new();
        let problems = build_share(&ShareChoice {
            patient_id: &pid,
            docs: &docs,
            ticked: &empty,
            recipients: &BTreeSet::new(),
            method: ShareMethod::SecureLink,
            sections: &no_sections,
        })
        .unwrap_err();
        let targets: Vec<&str> = problems.iter().map(|p| p.target.as_str()).collect();
        assert_eq!(targets, ["documents", "recipients"]);
    }

    #[test]
    fn the_request_carries_recipients_by_id_and_only_partial_notes_name_sections() {
        let pid = PatientId::try_from("p1".to_owned()).unwrap();
        let docs = vec![
            note("n1"),
            note("n2"),
            doc("l", DocumentKind::Letter, "L", "2026-01-01"),
        ];
        let ticked = BTreeSet::from([did("n1"), did("n2"), did("l")]);
        let patient = BTreeSet::from([RecipientKey::Patient]);
        let sections = BTreeMap::from([
            (
                did("n1"),
                BTreeSet::from(["plan".to_owned(), "history".to_owned()]),
            ),
            (
                did("n2"),
                BTreeSet::from(["plan".into(), "history".into(), "exam".into()]),
            ),
        ]);
        let choice = ShareChoice {
            patient_id: &pid,
            docs: &docs,
            ticked: &ticked,
            recipients: &patient,
            method: ShareMethod::SecureLink,
            sections: &sections,
        };
        let request = build_share(&choice).unwrap();
        assert_eq!(request.recipients, vec![RecipientRef::Patient]);
        assert_eq!(
            request.sections,
            BTreeMap::from([(did("n1"), vec!["history".to_owned(), "plan".to_owned()])]),
            "n1 in note order; n2 whole, so not named"
        );
        // With a contact too, no sections are sent at all: the whole note goes.
        let both = BTreeSet::from([
            RecipientKey::Patient,
            RecipientKey::PracticeContact("spec".into()),
        ]);
        let request = build_share(&ShareChoice {
            recipients: &both,
            ..choice.clone()
        })
        .unwrap();
        assert!(request.sections.is_empty());
        let json = serde_json::to_value(&request.recipients).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"type":"patient"},{"type":"practice_contact","id":"spec"}])
        );
        // Unticking every section is a problem, named after the note.
        let none = BTreeMap::from([(did("n1"), BTreeSet::new())]);
        let problems = build_share(&ShareChoice {
            sections: &none,
            ..choice
        })
        .unwrap_err();
        assert_eq!(problems[0].target, "sections-n1");
    }

    #[test]
    fn recipient_keys_round_trip() {
        for key in [
            RecipientKey::Patient,
            RecipientKey::Relationship("a-1".into()),
            RecipientKey::PracticeContact("b_2".into()),
        ] {
            assert_eq!(RecipientKey::from_value(&key.value()), Some(key));
        }
        assert_eq!(RecipientKey::from_value("someone@example.com"), None);
    }

    #[test]
    fn history_labels_name_recipients() {
        assert_eq!(recipient_from_label("patient"), Some(RecipientKey::Patient));
        assert_eq!(
            recipient_from_label("relationship c-1"),
            Some(RecipientKey::Relationship("c-1".into()))
        );
        assert_eq!(
            recipient_from_label("practice contact s"),
            Some(RecipientKey::PracticeContact("s".into()))
        );
        assert_eq!(recipient_from_label("a@b.example"), None);
    }

    #[test]
    fn ineligible_contacts_say_why() {
        let mut c = ContactEntry {
            id: sealpost_shared::ids::ContactId::try_from("c".to_owned()).unwrap(),
            name: "Sam".into(),
            email: None,
            relation: None,
            emergency: false,
            eligible: false,
            ineligible_reason: Some(Ineligible::NoEmail),
            email_bounced: false,
        };
        assert_eq!(
            ineligible_reason(&c),
            Some("Cannot be chosen: no email address on file")
        );
        c.ineligible_reason = Some(Ineligible::NoValidEmail);
        assert!(ineligible_reason(&c).unwrap().contains("not valid"));
        c.ineligible_reason = Some(Ineligible::NoMobile);
        assert!(ineligible_reason(&c).unwrap().contains("no mobile number"));
        c.eligible = true;
        c.ineligible_reason = None;
        assert_eq!(ineligible_reason(&c), None);
    }

    #[test]
    fn formats() {
        assert_eq!(format_date(date("1984-03-07")), "7 March 1984");
        assert_eq!(format_time(0), "1 January 1970, 00:00 UTC");
        assert_eq!(format_size(500), "500\u{a0}bytes");
        assert_eq!(format_size(1500), "2\u{a0}KB");
        assert_eq!(format_size(3 * 1024 * 1024 + 512 * 1024), "3.5\u{a0}MB");
        assert_eq!(preview_kind("image/png"), PreviewKind::Image);
        assert_eq!(preview_kind("application/pdf"), PreviewKind::Pdf);
        assert_eq!(preview_kind("application/json"), PreviewKind::Other);
        assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(preview_path("p 1", "d"), "/console/preview/p%201/d");
        assert_eq!(
            sealpost_frontkit::title::page_title("Settings", false, SERVICE),
            "Settings – Sealpost clinic console"
        );
    }

    #[test]
    fn history_from_the_wire_is_read_into_labels() {
        // As the edge sends it (edge/src/store/db/shares.rs pins these bytes), with an event
        // this version does not know.
        let shares: Vec<sealpost_shared::history::ShareEntry> = serde_json::from_str(
            r#"[{"id":"s1","staff":"staff:a","method":"attachment","created_at":10,"documents":["d1"],"deliveries":[{"recipient_label":"patient","to_email":"ann@example.org","status":"outbox","attempts":0,"last_error":null}]}]"#,
        )
        .unwrap();
        assert_eq!(method_label(shares[0].method), "Email attachment");
        assert_eq!(
            delivery_label(shares[0].deliveries[0].status),
            "In the development outbox"
        );
        let history: Vec<sealpost_shared::history::AuditEntry> = serde_json::from_str(
            r#"[{"at":1,"actor":"recipient","event":"link_opened","detail":"r1"},{"at":2,"actor":"system","event":"from_a_newer_worker","detail":""}]"#,
        )
        .unwrap();
        let labels: Vec<&str> = history.iter().map(|e| event_label(&e.event)).collect();
        assert_eq!(labels, ["Link opened", "Other event"]);
        assert_eq!(event_label(&AuditEvent::ReminderSent), "Reminder sent");
        // A delivery from a version before reminders reads as no reminder.
        assert!(!shares[0].deliveries[0].reminder);
    }

    #[test]
    fn every_event_has_its_own_words() {
        let mut labels: Vec<&str> = AuditEvent::KNOWN.iter().map(event_label).collect();
        assert!(labels.iter().all(|l| *l != "Other event"));
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), AuditEvent::KNOWN.len());
        assert_eq!(delivery_label(DeliveryStatus::Pending), "Waiting to send");
    }
}
