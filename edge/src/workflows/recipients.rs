//! Recipients as the clinic names them (`RecipientRef`) and as the practice stores them.

use sealpost_shared::recipients::RecipientRef;

use super::links::PRACTICE;
use super::Practice;
use crate::http::AppError;
use crate::random;
use crate::store::db::RecipientRow;

/// The scope of a patient's relationships and emergency contacts.
pub const RELATIONSHIP: &str = "relationship";

/// How a recipient appears in the audit: a kind and an id, never an address.
pub fn describe(reference: &RecipientRef) -> String {
    match reference {
        RecipientRef::Patient => "patient".to_owned(),
        RecipientRef::Relationship { id } => format!("relationship {id}"),
        RecipientRef::PracticeContact { id } => format!("practice contact {id}"),
    }
}

/// The reference a [`describe`] label stands for (a mail job keeps only the label); `None` for
/// labels that name no recipient ("renewal").
pub fn reference_of_label(label: &str) -> Option<RecipientRef> {
    use sealpost_shared::ids::ContactId;
    let contact = |id: &str| ContactId::try_from(id.to_owned()).ok();
    if label == "patient" {
        Some(RecipientRef::Patient)
    } else if let Some(id) = label.strip_prefix("relationship ") {
        Some(RecipientRef::Relationship { id: contact(id)? })
    } else if let Some(id) = label.strip_prefix("practice contact ") {
        Some(RecipientRef::PracticeContact { id: contact(id)? })
    } else {
        None
    }
}

/// The stored recipient entry for a reference, created on first share.
pub fn recipient_row(
    ctx: &Practice<'_>,
    patient_id: &str,
    reference: &RecipientRef,
) -> Result<RecipientRow, AppError> {
    let (scope, contact) = match reference {
        RecipientRef::Patient => {
            return ctx
                .db
                .patient_recipient(patient_id)?
                .ok_or_else(|| AppError::internal("patient has no recipient entry"));
        }
        RecipientRef::Relationship { id } => (RELATIONSHIP, id),
        RecipientRef::PracticeContact { id } => (PRACTICE, id),
    };
    ctx.db
        .contact_recipient(
            patient_id,
            scope,
            contact.as_str(),
            &random::id()?,
            ctx.now_secs(),
        )?
        .ok_or_else(|| AppError::internal("contact recipient not created"))
}
