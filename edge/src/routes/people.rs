//! Removing people: a relationship, a practice contact, or a patient (an erasure request).
//!
//! Each removal ends that person's outstanding links and sessions at once. The audit stays
//! append-only and holds only ids and events, so it keeps its meaning after the personal data
//! is gone.

use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::ContactId;
use sealpost_shared::webhook::{AccessRevoked, Event, RevokedScope};
use worker::Response;

use super::clinic::{invalid, known_patient, not_found, patient_id, PRACTICE, RELATIONSHIP};
use crate::http::{json_ok, AppError};
use crate::origin;
use crate::staff::Caller;
use crate::store::Ctx;
use crate::workflows::unshare::revoked_event;
use crate::workflows::{webhooks, Practice};

fn contact_id(raw: &str) -> Result<ContactId, AppError> {
    ContactId::try_from(raw.to_owned()).map_err(|e| invalid(format!("contact id: {e}")))
}

/// Revokes every recipient entry of a contact and removes it from the directory.
fn remove_contact(
    ctx: &Ctx,
    scope: &str,
    owner: &str,
    id: &ContactId,
    caller: &Caller,
) -> Result<(), AppError> {
    if ctx.db.contact(scope, owner, id.as_str())?.is_none() {
        return Err(not_found("No such contact."));
    }
    let now = ctx.now_secs();
    let actor = caller.actor("clinic system")?;
    for recipient in ctx.db.recipients_of_contact(scope, owner, id.as_str())? {
        ctx.db.revoke_recipient(&recipient.id, now)?;
        ctx.db.audit(
            now,
            &recipient.patient_id,
            &actor,
            AuditEvent::ContactDeleted,
            &format!("{scope} {id}"),
        )?;
        webhooks::enqueue(
            &Practice::from(ctx),
            Event::AccessRevoked(AccessRevoked {
                recipient: webhooks::reference_of(&recipient),
                ..revoked_event(&recipient.patient_id, RevokedScope::Recipient)
            }),
        )?;
    }
    ctx.db.delete_contact(scope, owner, id.as_str())
}

/// `DELETE /api/v1/clinic/patients/{patient}/relationships/{contact}`
pub fn delete_relationship(
    ctx: &Ctx,
    raw_patient: &str,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let id = contact_id(raw_contact)?;
    if ctx.db.patient(patient.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    remove_contact(ctx, RELATIONSHIP, patient.as_str(), &id, caller)?;
    json_ok(&serde_json::json!({ "deleted": "relationship", "id": id }))
}

/// `DELETE /api/v1/clinic/contacts/{contact}`: a practice contact, for every patient.
pub fn delete_practice_contact(
    ctx: &Ctx,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let id = contact_id(raw_contact)?;
    remove_contact(ctx, PRACTICE, "", &id, caller)?;
    json_ok(&serde_json::json!({ "deleted": "practice_contact", "id": id }))
}

/// `DELETE /api/v1/clinic/patients/{patient}`: erasure. Every link and session of the patient
/// and their contacts ends, the personal data is emptied, and every document is removed from
/// origin storage (documents on the clinic's own HTTP origin are the clinic's to delete).
pub async fn delete_patient(
    ctx: &Ctx,
    raw_patient: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = known_patient(ctx, raw_patient)?;
    let now = ctx.now_secs();
    let keys = ctx.db.storage_keys_of(patient.as_str())?;
    // State first, with no await in between: from here no request can reach the patient's data.
    ctx.db.erase_patient(patient.as_str(), now)?;
    ctx.db.audit(
        now,
        patient.as_str(),
        &caller.actor("clinic system")?,
        AuditEvent::PatientErased,
        patient.as_str(),
    )?;
    let bucket = origin::bucket(&ctx.env)?;
    let stored: Vec<String> = keys
        .into_iter()
        .filter(|k| !origin::is_http_storage_key(k))
        .collect();
    for key in &stored {
        bucket
            .delete(key.clone())
            .await
            .map_err(|e| AppError::internal(format!("R2 delete failed: {e}")))?;
    }
    json_ok(&serde_json::json!({
        "deleted": "patient",
        "id": patient,
        "documents_removed": stored.len(),
    }))
}
