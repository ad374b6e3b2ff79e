//! Sharing: documents of one patient to one or more of their recipients, by secure link or
//! as attachments. Load → decide (`recipients::eligible_recipient`, `consultation`,
//! `attachments::may_attach`, `sender::choose_sender`) → write; delivery is the caller's.

use sealpost_shared::attachments::{may_attach, Attachable};
use sealpost_shared::consultation::{may_share_sections, SectionsRefused};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::{ContactId, DocumentId, PatientId};
use sealpost_shared::recipients::{
    eligible_recipient, ContactView, EmailAddress, PatientContactView, RecipientRef,
    ResolvedRecipient,
};
use sealpost_shared::sender::choose_sender;
use sealpost_shared::webhook::{Event, ShareCreated};
use sealpost_shared::wire::{ApiError, RecipientProblem, ShareMethod, ShareRequest};

use super::links::{send_link, LinkMail, PRACTICE};
use super::recipients::{describe, recipient_row, RELATIONSHIP};
use super::{invalid, not_found, Practice};
use crate::http::AppError;
use crate::staff::Caller;
use crate::store::db::{Attachment, ContactRow, DocumentRow, NewMail, PatientRow};
use crate::{mail, origin, random, settings};

/// What a share recorded.
#[derive(Debug)]
pub struct Shared {
    pub share_id: String,
    pub emails_queued: u32,
    pub sender: EmailAddress,
}

/// Records the share, grants access to each recipient and queues one email each, from the
/// sender address chosen by document type. Everything is checked (documents, sections, every
/// recipient's eligibility) before anything is written; nothing is sent here.
pub fn share(ctx: &Practice<'_>, body: &ShareRequest, caller: &Caller) -> Result<Shared, AppError> {
    let now = ctx.now_secs();
    let settings = settings::load(ctx.db, ctx.cfg)?;
    if !settings.sharing_enabled {
        return Err(AppError::code(ErrorCode::SharingDisabled));
    }
    if body.document_ids.is_empty() {
        return Err(invalid("choose at least one document"));
    }
    if body.recipients.is_empty() {
        return Err(invalid("choose at least one recipient"));
    }
    let actor = caller.actor(&body.staff)?;
    let staff = actor.as_str();
    let patient = ctx
        .db
        .patient(body.patient_id.as_str())?
        .ok_or_else(|| not_found("No patient with this id."))?;
    let mut kinds = Vec::new();
    let mut rows = Vec::new();
    for id in &body.document_ids {
        match ctx.db.document(id.as_str())? {
            Some(doc) if doc.patient_id == patient.id => {
                kinds.push(doc.typed()?.1);
                rows.push(doc.clone());
                if let Some(chosen) = body.sections.get(id) {
                    let available: Vec<String> = doc.section_ids().ok_or_else(|| {
                        invalid(format!("document {id} has no sections to choose"))
                    })?;
                    if let Some(missing) = chosen.iter().find(|c| !available.contains(c)) {
                        return Err(invalid(format!("document {id} has no section {missing}")));
                    }
                }
            }
            _ => return Err(not_found(format!("No document {id} for this patient."))),
        }
    }
    for id in body.sections.keys() {
        if !body.document_ids.contains(id) {
            return Err(invalid(format!(
                "sections name document {id}, which is not shared"
            )));
        }
    }

    // Every recipient must be eligible, and able to pass the practice's check, before anything
    // is recorded; every ineligible recipient is named in one answer.
    let view = patient_view(&patient, &body.patient_id);
    let relationships = contact_views(ctx.db.contacts(RELATIONSHIP, &patient.id)?);
    let practice_contacts = contact_views(ctx.db.contacts(PRACTICE, "")?);
    let mut refused = Vec::new();
    let mut eligible = Vec::new();
    for reference in &body.recipients {
        match eligible_recipient(
            reference,
            &view,
            &relationships,
            &practice_contacts,
            &settings.checks,
        ) {
            Ok(recipient) => eligible.push(recipient),
            Err(reason) => refused.push(RecipientProblem {
                recipient: reference.clone(),
                reason,
                message: reason.to_string(),
            }),
        }
    }
    if let Some(first) = refused.first() {
        return Err(ApiError::new(ErrorCode::RecipientNotEligible)
            .with_message(format!("Recipient not eligible: {}.", first.message))
            .with_recipients(refused)
            .into());
    }
    let mut resolved = Vec::new();
    for recipient in eligible {
        if !body.sections.is_empty() {
            for sections in body.sections.values() {
                may_share_sections(recipient.kind, sections).map_err(|why| {
                    invalid(match why {
                        SectionsRefused::NotForContacts => {
                            "consultation sections are shared with the patient only".to_owned()
                        }
                        SectionsRefused::Empty => "choose at least one section".to_owned(),
                        SectionsRefused::Duplicate { section } => {
                            format!("section {section} is chosen twice")
                        }
                    })
                })?;
            }
        }
        if !resolved
            .iter()
            .any(|r: &ResolvedRecipient| r.reference == recipient.reference)
        {
            resolved.push(recipient);
        }
    }
    let sender = choose_sender(&kinds, &settings.senders).clone();
    let method = body.method;
    let attachments = match body.method {
        ShareMethod::SecureLink => None,
        ShareMethod::Attachment => Some(plan_attachments(&rows, !body.sections.is_empty())?),
    };

    // Record everything before any email leaves: a provider outage cannot lose the share.
    let share_id = random::id()?;
    ctx.db
        .insert_share(&share_id, &patient.id, staff, method, now)?;
    // Revocation is per recipient: only the recipients this share is addressed to regain
    // access (below); the patient's "unshared" mark clears only if the patient is one of them.
    let to_patient = resolved
        .iter()
        .any(|r| r.reference == RecipientRef::Patient);
    if patient.revoked != 0 && to_patient {
        ctx.db.restore_access(&patient.id)?;
    }
    let docs: Vec<&str> = body.document_ids.iter().map(DocumentId::as_str).collect();
    for id in &docs {
        ctx.db.add_share_document(&share_id, id)?;
    }
    for recipient in &resolved {
        let row = recipient_row(ctx, &patient.id, &recipient.reference)?;
        if row.revoked != 0 {
            ctx.db.restore_recipient(&row.id)?;
            ctx.db.audit(
                now,
                &patient.id,
                staff,
                AuditEvent::AccessRestored,
                &describe(&recipient.reference),
            )?;
        }
        for id in body.document_ids.iter().filter(|_| attachments.is_none()) {
            let sections = match body.sections.get(id) {
                Some(list) => Some(
                    serde_json::to_string(list)
                        .map_err(|_| AppError::internal("sections not serialisable"))?,
                ),
                None => None,
            };
            ctx.db
                .grant(&row.id, id.as_str(), &share_id, sections.as_deref(), now)?;
        }
        ctx.db.audit(
            now,
            &patient.id,
            staff,
            AuditEvent::Shared,
            &format!(
                "{} to {}: {}",
                method.as_str(),
                describe(&recipient.reference),
                docs.join(",")
            ),
        )?;
        let mail = LinkMail {
            practice_name: &settings.practice_name,
            patient_id: &patient.id,
            recipient_id: &row.id,
            to: recipient.email.as_str(),
            from: sender.as_str(),
            share_id: Some(&share_id),
            label: &describe(&recipient.reference),
            access_from: None,
            reminder: false,
        };
        match &attachments {
            None => drop(send_link(ctx, &mail)?),
            Some(list) => send_attachments(ctx, &mail, list)?,
        }
    }
    super::webhooks::enqueue(
        ctx,
        Event::ShareCreated(ShareCreated {
            patient_id: patient.id.clone(),
            share_id: share_id.clone(),
            method,
            document_ids: docs.iter().map(|d| (*d).to_owned()).collect(),
            recipients: resolved.iter().map(|r| r.reference.clone()).collect(),
        }),
    )?;
    Ok(Shared {
        share_id,
        emails_queued: u32::try_from(resolved.len()).unwrap_or(u32::MAX),
        sender,
    })
}

fn contact_views(rows: Vec<ContactRow>) -> Vec<ContactView> {
    rows.into_iter()
        .filter_map(|c| {
            Some(ContactView {
                id: ContactId::try_from(c.id).ok()?,
                email: c.email,
                mobile: c.mobile,
            })
        })
        .collect()
}

fn patient_view(row: &PatientRow, id: &PatientId) -> PatientContactView {
    PatientContactView {
        id: id.clone(),
        email: row.email_on_file().map(str::to_owned),
        mobile: row.mobile.clone(),
    }
}

/// Checks the documents against the attachment rule and lists what to attach. Files are
/// named by number and type, never by title.
fn plan_attachments(rows: &[DocumentRow], with_sections: bool) -> Result<String, AppError> {
    let docs: Vec<Attachable> = rows
        .iter()
        .map(|d| Attachable {
            size: u64::try_from(d.size).unwrap_or(u64::MAX),
            structured_note: d.sections.is_some(),
            in_bucket: !d.storage_key.starts_with("http:"),
        })
        .collect();
    may_attach(&docs, with_sections).map_err(|why| invalid(why.to_string()))?;
    let list: Vec<Attachment> = rows
        .iter()
        .enumerate()
        .map(|(n, d)| Attachment {
            storage_key: d.storage_key.clone(),
            filename: format!("document-{}.{}", n + 1, origin::extension(&d.content_type)),
            content_type: d.content_type.clone(),
        })
        .collect();
    serde_json::to_string(&list).map_err(|_| AppError::internal("attachments not serialisable"))
}

/// Queues a plain email with the documents attached (read from the bucket when it is sent).
fn send_attachments(
    ctx: &Practice<'_>,
    m: &LinkMail<'_>,
    attachments: &str,
) -> Result<(), AppError> {
    let (subject, text) = mail::attachment_email(m.practice_name);
    ctx.db.insert_mail(
        &NewMail {
            id: &random::id()?,
            share_id: m.share_id,
            recipient_id: Some(m.recipient_id),
            recipient_label: m.label,
            attachments: Some(attachments),
            patient_id: m.patient_id,
            to: m.to,
            from_email: m.from,
            from_name: m.practice_name,
            subject: &subject,
            body: &text,
        },
        ctx.now_secs(),
    )
}
