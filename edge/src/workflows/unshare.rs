//! Unsharing: all of a patient's access (every recipient, link and session, from the very next
//! request), one recipient's, or one document. Revocation is per recipient; a later share
//! restores only whom it addresses (`link_policy::recipient_access`).

use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::PatientId;
use sealpost_shared::webhook::{AccessRevoked, Event, RevokedScope};
use sealpost_shared::wire::{ApiError, UnshareRequest};
use serde::Serialize;

use super::recipients::{describe, recipient_row};
use super::webhooks::enqueue;
use super::{not_found, Practice};
use crate::http::AppError;

/// What was revoked (the answer's `revoked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Revoked {
    Patient,
    Recipient,
    Document,
}

/// An `access.revoked` of `scope` for the patient, naming nothing more yet.
pub fn revoked_event(patient: &str, scope: RevokedScope) -> AccessRevoked {
    AccessRevoked {
        patient_id: patient.to_owned(),
        scope,
        recipient: None,
        document_id: None,
        link_id: None,
    }
}

/// Revokes what `body` names, for `staff` (the audit's actor).
pub fn unshare(
    ctx: &Practice<'_>,
    patient: &PatientId,
    body: &UnshareRequest,
    staff: &str,
) -> Result<Revoked, AppError> {
    if ctx.db.patient(patient.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    let now = ctx.now_secs();
    let (revoked, detail, event) = match (&body.recipient, &body.document_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(ErrorCode::InvalidFields)
                .with_message("give a recipient or a document, not both")
                .into())
        }
        (None, None) => {
            ctx.db.revoke_patient(patient.as_str(), now)?;
            (
                Revoked::Patient,
                "all access revoked".to_owned(),
                revoked_event(patient.as_str(), RevokedScope::Patient),
            )
        }
        (Some(reference), None) => {
            let row = recipient_row(ctx, patient.as_str(), reference)?;
            ctx.db.revoke_recipient(&row.id, now)?;
            (
                Revoked::Recipient,
                format!("access of {} revoked", describe(reference)),
                AccessRevoked {
                    recipient: Some(reference.clone()),
                    ..revoked_event(patient.as_str(), RevokedScope::Recipient)
                },
            )
        }
        (None, Some(document)) => {
            match ctx.db.document(document.as_str())? {
                Some(doc) if doc.patient_id == patient.as_str() => {}
                _ => {
                    return Err(not_found(format!(
                        "No document {document} for this patient."
                    )))
                }
            }
            ctx.db.withdraw_document(document.as_str())?;
            (
                Revoked::Document,
                format!("document {document} withdrawn"),
                AccessRevoked {
                    document_id: Some(document.as_str().to_owned()),
                    ..revoked_event(patient.as_str(), RevokedScope::Document)
                },
            )
        }
    };
    ctx.db
        .audit(now, patient.as_str(), staff, AuditEvent::Unshared, &detail)?;
    enqueue(ctx, Event::AccessRevoked(event))?;
    Ok(revoked)
}
