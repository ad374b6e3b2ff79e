//! What the clinic API reports of the past: the audit (`GET /patients/{id}/history` and the
//! practice's own `GET /audit`) and the sharing history (`GET /patients/{id}/shares`).
//!
//! These are contracts between the edge, which writes the values (the database keeps the same
//! text), and the clinic console, which reads them: both sides use these types, so neither
//! parses the other's strings. The wire strings are pinned in the tests below; renaming a
//! variant must not change them.

use serde::{Deserialize, Serialize};

use crate::wire::ShareMethod;

/// One kind of audit record.
///
/// Invariant: the edge writes only the named variants. [`AuditEvent::Unrecognised`] exists
/// because the audit is append-only and kept for good: a row written by an older Worker, or by
/// a newer one before a rollback, must not make a patient's whole history unreadable. The
/// console shows such a row generically ("Other event").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    // A recipient, through the portal.
    /// A recipient opened an emailed link (detail: the recipient id).
    LinkOpened,
    /// A recipient passed the check (detail: the factor, `birthday`, `sms_code` or `magic_link`).
    Verified,
    /// A recipient failed the check (detail: the factor).
    VerificationFailed,
    /// Too many failures locked the recipient out (detail: the factor).
    LockedOut,
    /// A recipient opened a document in the browser (detail: the document id).
    Viewed,
    /// A recipient downloaded a document (detail: the document id).
    Downloaded,

    // The system, on its own.
    /// An expired link was replaced by a new one, emailed.
    LinkRenewed,
    /// A share's recipient who had not opened its link after the practice's
    /// `reminder_after_days` was emailed a reminder with a new link (detail: the share id and
    /// the recipient id).
    ReminderSent,
    /// The provider accepted an email (detail: who it was for).
    EmailSent,
    /// An email could not be sent (detail: who it was for and why).
    EmailFailed,
    /// The provider reported the email delivered to the receiving server (detail: who it was
    /// for).
    EmailDelivered,
    /// The provider reported the email bounced or dropped (detail: who it was for, which, and
    /// the reason made safe).
    EmailBounced,
    /// An SMS code was sent (detail: the recipient id).
    SmsSent,
    /// An SMS code could not be sent (detail: why).
    SmsFailed,

    // Staff or the clinic system, about one patient.
    /// Documents were shared (detail: method, recipient and document ids).
    Shared,
    /// Access was revoked: the patient's, a recipient's, or a document withdrawn.
    Unshared,
    /// Sharing again restored a revoked recipient's access.
    AccessRestored,
    /// Staff previewed a document (detail: the document id).
    StaffViewed,
    /// One emailed link was revoked (detail: the link id).
    LinkRevoked,
    DocumentReplaced,
    DocumentDeleted,
    /// A patient's or contact's email or mobile changed.
    AddressChanged,
    ContactDeleted,
    PatientErased,

    // The practice (recorded with the empty patient id).
    SettingsChanged,
    StaffRoleSet,
    StaffRemoved,
    ApiKeyCreated,
    ApiKeyRevoked,
    PracticeCreated,
    PracticeAdopted,
    PracticeSuspended,
    PracticeResumed,

    /// A name this version does not know, kept as written. Only reading a row makes one.
    #[serde(untagged)]
    Unrecognised(UnrecognisedEvent),
}

/// The name of an audit event this version does not know. It has no public constructor: the
/// edge cannot write one, it can only read one back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnrecognisedEvent(String);

impl UnrecognisedEvent {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AuditEvent {
    /// Every event the edge writes, in declaration order.
    pub const KNOWN: [AuditEvent; 33] = [
        Self::LinkOpened,
        Self::Verified,
        Self::VerificationFailed,
        Self::LockedOut,
        Self::Viewed,
        Self::Downloaded,
        Self::LinkRenewed,
        Self::ReminderSent,
        Self::EmailSent,
        Self::EmailFailed,
        Self::EmailDelivered,
        Self::EmailBounced,
        Self::SmsSent,
        Self::SmsFailed,
        Self::Shared,
        Self::Unshared,
        Self::AccessRestored,
        Self::StaffViewed,
        Self::LinkRevoked,
        Self::DocumentReplaced,
        Self::DocumentDeleted,
        Self::AddressChanged,
        Self::ContactDeleted,
        Self::PatientErased,
        Self::SettingsChanged,
        Self::StaffRoleSet,
        Self::StaffRemoved,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::PracticeCreated,
        Self::PracticeAdopted,
        Self::PracticeSuspended,
        Self::PracticeResumed,
    ];

    /// The name stored in the audit table and sent on the wire (the same as serde's).
    pub fn as_str(&self) -> &str {
        match self {
            Self::LinkOpened => "link_opened",
            Self::Verified => "verified",
            Self::VerificationFailed => "verification_failed",
            Self::LockedOut => "locked_out",
            Self::Viewed => "viewed",
            Self::Downloaded => "downloaded",
            Self::LinkRenewed => "link_renewed",
            Self::ReminderSent => "reminder_sent",
            Self::EmailSent => "email_sent",
            Self::EmailFailed => "email_failed",
            Self::EmailDelivered => "email_delivered",
            Self::EmailBounced => "email_bounced",
            Self::SmsSent => "sms_sent",
            Self::SmsFailed => "sms_failed",
            Self::Shared => "shared",
            Self::Unshared => "unshared",
            Self::AccessRestored => "access_restored",
            Self::StaffViewed => "staff_viewed",
            Self::LinkRevoked => "link_revoked",
            Self::DocumentReplaced => "document_replaced",
            Self::DocumentDeleted => "document_deleted",
            Self::AddressChanged => "address_changed",
            Self::ContactDeleted => "contact_deleted",
            Self::PatientErased => "patient_erased",
            Self::SettingsChanged => "settings_changed",
            Self::StaffRoleSet => "staff_role_set",
            Self::StaffRemoved => "staff_removed",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::PracticeCreated => "practice_created",
            Self::PracticeAdopted => "practice_adopted",
            Self::PracticeSuspended => "practice_suspended",
            Self::PracticeResumed => "practice_resumed",
            Self::Unrecognised(name) => name.as_str(),
        }
    }
}

/// How far an email of a share got. The database refuses any other value (a `CHECK` on
/// `mail_jobs.status`), so there is no fallback.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Queued, being sent, or failed for now and waiting to be tried again (`attempts`,
    /// `last_error`).
    Pending,
    /// The email provider accepted it.
    Sent,
    /// No provider is configured (development): kept in the dev outbox instead of sent.
    Outbox,
    /// Never to be sent: the provider refused it for good, or it failed for too long
    /// (`last_error` says which, in the provider's words made safe).
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [Self::Pending, Self::Sent, Self::Outbox, Self::Failed];

    /// The value stored in `mail_jobs.status` and sent on the wire (the same as serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Outbox => "outbox",
            Self::Failed => "failed",
        }
    }
}

/// One audit record in `GET /patients/{id}/history` (oldest first) or `GET /audit`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    /// `recipient`, `system`, `operator`, `staff:{email}` or the name the clinic system gave.
    pub actor: String,
    pub event: AuditEvent,
    #[serde(default)]
    pub detail: String,
}

/// What the mail provider reported about an email after accepting it (SendGrid's Event
/// Webhook): the last word, by precedence ([`crate::mail_events::replaces`]).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderOutcome {
    /// The receiving server accepted it.
    Delivered,
    /// The receiving server asked to try later; the provider keeps trying.
    Deferred,
    /// The receiving server refused it: the address does not work.
    Bounced,
    /// The provider did not send it (a previous bounce, an invalid address, a spam report).
    Dropped,
}

impl ProviderOutcome {
    pub const ALL: [ProviderOutcome; 4] = [
        Self::Delivered,
        Self::Deferred,
        Self::Bounced,
        Self::Dropped,
    ];

    /// The value stored in `mail_jobs.outcome` and sent on the wire (the same as serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Deferred => "deferred",
            Self::Bounced => "bounced",
            Self::Dropped => "dropped",
        }
    }

    /// The address did not take the email: the clinic should check it.
    pub fn flags_address(self) -> bool {
        matches!(self, Self::Bounced | Self::Dropped)
    }
}

/// What one recipient did with one document of a share (first times, Unix seconds).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReceipt {
    pub document_id: String,
    #[serde(default)]
    pub viewed_at: Option<i64>,
    #[serde(default)]
    pub downloaded_at: Option<i64>,
}

/// The evidence for one recipient of a share, tied to that recipient (and each document),
/// never inferred from what happened nearby in time: when the email was handed to the
/// provider, what the provider said happened to it, and when the recipient first opened the
/// link, passed the check and viewed or downloaded each document.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadReceipt {
    /// When the provider accepted the email.
    #[serde(default)]
    pub emailed_at: Option<i64>,
    #[serde(default)]
    pub outcome: Option<ProviderOutcome>,
    #[serde(default)]
    pub outcome_at: Option<i64>,
    /// The receiving server's reason for a bounce, deferral or drop, made safe (no address).
    #[serde(default)]
    pub outcome_reason: Option<String>,
    /// A bounce or drop was reported for this address and it is still the one this email
    /// went to: the clinic should check the recipient's address.
    #[serde(default)]
    pub address_bounced: bool,
    #[serde(default)]
    pub opened_at: Option<i64>,
    #[serde(default)]
    pub verified_at: Option<i64>,
    /// One per document of the share the recipient did something with.
    #[serde(default)]
    pub documents: Vec<DocumentReceipt>,
}

/// One email of a share, as the sharing history reports it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Who it is for, in ids ("patient", "relationship ann").
    #[serde(default)]
    pub recipient_label: Option<String>,
    pub to_email: String,
    pub status: DeliveryStatus,
    #[serde(default)]
    pub attempts: i64,
    #[serde(default)]
    pub last_error: Option<String>,
    /// The read receipt of this email's recipient.
    #[serde(default)]
    pub receipt: ReadReceipt,
    /// This email is the share's one reminder to a recipient who had not opened its link
    /// (the practice's `reminder_after_days`), carrying a new link.
    #[serde(default)]
    pub reminder: bool,
}

/// One share in `GET /patients/{id}/shares`, newest first: who shared what, when and how,
/// and how each email fared.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEntry {
    pub id: String,
    pub staff: String,
    pub method: ShareMethod,
    pub created_at: i64,
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    /// The wire name of every event, written out: a renamed variant fails here, and a new
    /// variant fails to compile until it is added (the match has no wildcard).
    fn pinned(event: &AuditEvent) -> &'static str {
        match event {
            AuditEvent::LinkOpened => "link_opened",
            AuditEvent::Verified => "verified",
            AuditEvent::VerificationFailed => "verification_failed",
            AuditEvent::LockedOut => "locked_out",
            AuditEvent::Viewed => "viewed",
            AuditEvent::Downloaded => "downloaded",
            AuditEvent::LinkRenewed => "link_renewed",
            AuditEvent::ReminderSent => "reminder_sent",
            AuditEvent::EmailSent => "email_sent",
            AuditEvent::EmailFailed => "email_failed",
            AuditEvent::EmailDelivered => "email_delivered",
            AuditEvent::EmailBounced => "email_bounced",
            AuditEvent::SmsSent => "sms_sent",
            AuditEvent::SmsFailed => "sms_failed",
            AuditEvent::Shared => "shared",
            AuditEvent::Unshared => "unshared",
            AuditEvent::AccessRestored => "access_restored",
            AuditEvent::StaffViewed => "staff_viewed",
            AuditEvent::LinkRevoked => "link_revoked",
            AuditEvent::DocumentReplaced => "document_replaced",
            AuditEvent::DocumentDeleted => "document_deleted",
            AuditEvent::AddressChanged => "address_changed",
            AuditEvent::ContactDeleted => "contact_deleted",
            AuditEvent::PatientErased => "patient_erased",
            AuditEvent::SettingsChanged => "settings_changed",
            AuditEvent::StaffRoleSet => "staff_role_set",
            AuditEvent::StaffRemoved => "staff_removed",
            AuditEvent::ApiKeyCreated => "api_key_created",
            AuditEvent::ApiKeyRevoked => "api_key_revoked",
            AuditEvent::PracticeCreated => "practice_created",
            AuditEvent::PracticeAdopted => "practice_adopted",
            AuditEvent::PracticeSuspended => "practice_suspended",
            AuditEvent::PracticeResumed => "practice_resumed",
            AuditEvent::Unrecognised(_) => unreachable!("not written by the edge"),
        }
    }

    #[test]
    fn audit_event_wire_names_are_pinned() {
        let names: Vec<&str> = AuditEvent::KNOWN.iter().map(pinned).collect();
        insta::assert_json_snapshot!("audit_events", names);
        for event in AuditEvent::KNOWN {
            let name = pinned(&event);
            assert_eq!(event.as_str(), name);
            assert_eq!(serde_json::to_value(&event).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<AuditEvent>(name.into()).unwrap(),
                event
            );
        }
        // No two variants share a name.
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn an_unknown_audit_event_is_read_and_written_back_unchanged() {
        let event: AuditEvent = serde_json::from_str(r#""settings""#).unwrap();
        let AuditEvent::Unrecognised(name) = &event else {
            panic!("{event:?} should be unrecognised");
        };
        assert_eq!(name.as_str(), "settings");
        assert_eq!(event.as_str(), "settings");
        assert_eq!(serde_json::to_string(&event).unwrap(), r#""settings""#);
        // Only strings: anything else is still refused.
        assert!(serde_json::from_str::<AuditEvent>("3").is_err());
    }

    #[test]
    fn delivery_status_wire_names_are_pinned() {
        for (status, name) in DeliveryStatus::ALL
            .into_iter()
            .zip(["pending", "sent", "outbox", "failed"])
        {
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<DeliveryStatus>(name.into()).unwrap(),
                status
            );
        }
        assert!(serde_json::from_str::<DeliveryStatus>(r#""lost""#).is_err());
    }

    #[test]
    fn provider_outcome_wire_names_are_pinned() {
        for (outcome, name) in
            ProviderOutcome::ALL
                .into_iter()
                .zip(["delivered", "deferred", "bounced", "dropped"])
        {
            assert_eq!(outcome.as_str(), name);
            assert_eq!(serde_json::to_value(outcome).unwrap(), name);
        }
        // A row from before read receipts reads with an empty one.
        let old = r#"{"to_email":"a@example.org","status":"sent"}"#;
        assert_eq!(
            serde_json::from_str::<Delivery>(old).unwrap().receipt,
            ReadReceipt::default()
        );
    }

    #[test]
    fn history_rows_on_the_wire() {
        let share = ShareEntry {
            id: "s1".into(),
            staff: "staff:a".into(),
            method: ShareMethod::SecureLink,
            created_at: 10,
            documents: vec!["d1".into()],
            deliveries: vec![Delivery {
                recipient_label: Some("patient".into()),
                to_email: "ann@example.org".into(),
                status: DeliveryStatus::Pending,
                attempts: 1,
                last_error: Some("mailbox full".into()),
                receipt: ReadReceipt {
                    emailed_at: Some(11),
                    outcome: Some(ProviderOutcome::Bounced),
                    outcome_at: Some(12),
                    outcome_reason: Some("550 [address]: no such user".into()),
                    address_bounced: true,
                    opened_at: None,
                    verified_at: None,
                    documents: vec![DocumentReceipt {
                        document_id: "d1".into(),
                        viewed_at: Some(13),
                        downloaded_at: None,
                    }],
                },
                reminder: true,
            }],
        };
        let json = r#"{"id":"s1","staff":"staff:a","method":"secure_link","created_at":10,"documents":["d1"],"deliveries":[{"recipient_label":"patient","to_email":"ann@example.org","status":"pending","attempts":1,"last_error":"mailbox full","receipt":{"emailed_at":11,"outcome":"bounced","outcome_at":12,"outcome_reason":"550 [address]: no such user","address_bounced":true,"opened_at":null,"verified_at":null,"documents":[{"document_id":"d1","viewed_at":13,"downloaded_at":null}]},"reminder":true}]}"#;
        assert_eq!(serde_json::to_string(&share).unwrap(), json);
        assert_eq!(serde_json::from_str::<ShareEntry>(json).unwrap(), share);

        let entry = AuditEntry {
            at: 5,
            actor: "recipient".into(),
            event: AuditEvent::LinkOpened,
            detail: "r1".into(),
        };
        let json = r#"{"at":5,"actor":"recipient","event":"link_opened","detail":"r1"}"#;
        assert_eq!(serde_json::to_string(&entry).unwrap(), json);
        assert_eq!(serde_json::from_str::<AuditEntry>(json).unwrap(), entry);
    }
}
