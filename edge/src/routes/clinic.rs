//! The clinic API: directory, documents, shares and history. Callers authenticate with the
//! clinic API key (a Worker secret) as a bearer token.

use sealpost_shared::attachments::{may_attach, Attachable};
use sealpost_shared::checks::CheckSettings;
use sealpost_shared::consultation::{may_share_sections, SectionsRefused};
use sealpost_shared::documents::{claim_document_id, DocumentClaim};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::{ContactId, DocumentId, PatientId};
use sealpost_shared::practice::{changed_settings, settings_problems};
use sealpost_shared::recipients::{
    eligible_recipient, is_valid_email, reachable, ContactView, PatientContactView, RecipientKind,
    RecipientRef, ResolvedRecipient,
};
use sealpost_shared::sender::choose_sender;
use sealpost_shared::staff::StaffIdentity;
use sealpost_shared::tenancy::document_storage_key;
use sealpost_shared::text::{collect, optional_text, required_text};
use sealpost_shared::wire::{
    ApiError, ContactEntry, ContactUpsert, Document, DocumentKind, DocumentUpload,
    ExternalDocument, FieldProblem, Patient, PatientFile, PatientSummary, PatientUpsert,
    PracticeSettings, RecipientProblem, ShareMethod, ShareRequest, ShareResponse, StaffDocument,
    UnshareRequest,
};
use worker::{Request, Response};

use crate::http::{json_ok, json_response, read_json, AppError};
use crate::internal;
use crate::mail;
use crate::origin;
use crate::origin::{Stored, UploadOrder};
use crate::random;
use crate::settings;
use crate::staff::Caller;
use crate::store::db::{Attachment, ContactRow, DocumentRow, NewMail, PatientRow, RecipientRow};
use crate::store::Ctx;
use crate::workflows::links::{send_link, LinkMail};
use crate::workflows::Practice;

/// Largest document accepted through the API (Workers accept request bodies up to 100 MB on
/// every plan; R2 streams them without buffering).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// A structured consultation note is text: 1 MB is generous.
const MAX_NOTE_BYTES: u64 = 1024 * 1024;

pub(super) fn invalid(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::InvalidFields)
        .with_message(message)
        .into()
}

/// `invalid_fields` naming every refused field; `Ok` when there are none.
pub(super) fn refuse_fields(problems: Vec<FieldProblem>) -> Result<(), AppError> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(fields_error(problems))
}

/// The `invalid_fields` error for these problems, their messages joined as its message.
fn fields_error(problems: Vec<FieldProblem>) -> AppError {
    let message = problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::new(ErrorCode::InvalidFields)
        .with_message(message)
        .with_problems(problems)
        .into()
}

/// The longest person's name, relation and document title accepted.
const MAX_NAME: usize = 120;
const MAX_TITLE: usize = 200;

pub(super) fn not_found(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::NotFound)
        .with_message(message)
        .into()
}

pub(super) fn patient_id(raw: &str) -> Result<PatientId, AppError> {
    PatientId::try_from(raw.to_owned()).map_err(|e| invalid(format!("patient id: {e}")))
}

/// The patient id of a path, refused with 404 unless that patient is on file (not erased).
pub(super) fn known_patient(ctx: &Ctx, raw: &str) -> Result<PatientId, AppError> {
    let id = patient_id(raw)?;
    if ctx.db.patient(id.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    Ok(id)
}

fn kind_name(kind: DocumentKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned())
}

fn patient_json(row: &PatientRow) -> Result<Patient, AppError> {
    Ok(Patient {
        id: patient_id(&row.id)?,
        name: row.name.clone(),
        date_of_birth: row
            .date_of_birth
            .parse()
            .map_err(|_| AppError::internal("stored date of birth unreadable"))?,
        email: row.email_on_file().map(str::to_owned),
        mobile: row.mobile.clone(),
    })
}

/// `PUT /api/v1/clinic/patients/{id}`
pub async fn upsert_patient(
    ctx: &Ctx,
    req: &mut Request,
    raw_id: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let id = patient_id(raw_id)?;
    let body: PatientUpsert = read_json(req).await?;
    let name = required_text("name", &body.name, MAX_NAME);
    let (email, email_check) = optional_email(body.email.as_deref());
    let mobile = optional_text("mobile", body.mobile.as_deref(), 32);
    refuse_fields(collect([
        name.clone().map(drop),
        email_check,
        mobile.clone().map(drop),
    ]))?;
    let (name, mobile) = (name.unwrap_or_default(), mobile.unwrap_or_default());
    let dob = body.date_of_birth.format("%Y-%m-%d").to_string();
    let before = ctx.db.patient(id.as_str())?;
    let now = ctx.now_secs();
    ctx.db.upsert_patient(
        id.as_str(),
        &name,
        &dob,
        email,
        mobile.as_deref(),
        &random::id()?,
        now,
    )?;
    // Links already sent went to the old address: they stop working, and renewals go to
    // the address on file now.
    if before.is_some_and(|b| b.email_on_file() != email) {
        if let Some(own) = ctx.db.patient_recipient(id.as_str())? {
            ctx.db.revoke_links_of(&own.id, now)?;
            let actor = caller.actor("clinic system")?;
            ctx.db.audit(
                now,
                id.as_str(),
                &actor,
                AuditEvent::AddressChanged,
                "patient",
            )?;
        }
    }
    let row = ctx
        .db
        .patient(id.as_str())?
        .ok_or_else(|| AppError::internal("patient vanished after upsert"))?;
    json_ok(&patient_json(&row)?)
}

/// `PUT /api/v1/clinic/patients/{patient}/documents/{doc}?kind=&title=&date=`, in two steps
/// so the bytes never pass through this Durable Object: first (no `internal::UPLOAD` header)
/// the practice checks the caller, the patient and the id and answers an [`UploadOrder`]; the
/// Worker streams the body into R2 (or checks a structured note) and then asks again with
/// what it stored, and the practice records the document.
pub async fn upload_document(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    raw_doc: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let doc = DocumentId::try_from(raw_doc.to_owned())
        .map_err(|e| invalid(format!("document id: {e}")))?;
    let meta: DocumentUpload = req
        .query()
        .map_err(|_| invalid("query must give kind, title and date (YYYY-MM-DD)"))?;
    let title = required_text("title", &meta.title, MAX_TITLE).map_err(refuse_one)?;
    if ctx.db.patient(patient.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    let content_type = req
        .headers()
        .get("content-type")?
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let stored: Option<Stored> = match req.headers().get(internal::UPLOAD)? {
        Some(json) => Some(
            serde_json::from_str(&json)
                .map_err(|_| AppError::internal("the stored upload is unreadable"))?,
        ),
        None => None,
    };
    let Some(stored) = stored else {
        // Refused before a byte is stored: an id never moves to another patient.
        claim_for(ctx, &doc, &patient)?;
        // The Worker keeps the body and says how long it declares itself.
        let size: u64 = req
            .headers()
            .get(internal::DECLARED_LENGTH)?
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| invalid("send the document with a Content-Length"))?;
        if size == 0 || size > MAX_UPLOAD_BYTES {
            return Err(invalid(format!(
                "documents must be 1 byte to {MAX_UPLOAD_BYTES} bytes"
            )));
        }
        let note = meta.kind == DocumentKind::ConsultationNote
            && content_type.starts_with("application/json");
        if note && size > MAX_NOTE_BYTES {
            return Err(invalid(format!(
                "a structured note is at most {MAX_NOTE_BYTES} bytes"
            )));
        }
        // Under the practice's own prefix (documents stored before practices existed keep
        // the key their row records).
        return UploadOrder {
            storage_key: document_storage_key(&ctx.practice, patient.as_str(), doc.as_str()),
            note,
            size,
        }
        .into_response();
    };
    let key = document_storage_key(&ctx.practice, patient.as_str(), doc.as_str());
    let sections = match &stored.sections {
        Some(ids) => Some(
            serde_json::to_string(ids)
                .map_err(|_| AppError::internal("section ids not serialisable"))?,
        ),
        None => None,
    };
    let now = clock_secs();
    // Decided again after the upload, with no await before the write: another request may
    // have taken the id meanwhile (the upsert itself also refuses to move an id).
    let claim = claim_for(ctx, &doc, &patient)?;
    ctx.db.upsert_document(
        doc.as_str(),
        patient.as_str(),
        &kind_name(meta.kind),
        &title,
        &meta.date.format("%Y-%m-%d").to_string(),
        i64::try_from(stored.size).unwrap_or(i64::MAX),
        &content_type,
        &key,
        sections.as_deref(),
        now,
    )?;
    audit_replacement(ctx, claim, &patient, &doc, caller, now)?;
    let document = Document {
        id: doc,
        patient_id: patient,
        kind: meta.kind,
        title,
        date: meta.date,
        size: stored.size,
        content_type,
    };
    Ok(json_response(&document, 201))
}

/// `PUT /api/v1/clinic/patients/{patient}/documents/{doc}/external`: registers a document
/// that stays on the clinic's HTTP origin; the edge streams it from there on each view.
pub async fn register_external_document(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    raw_doc: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let doc = DocumentId::try_from(raw_doc.to_owned())
        .map_err(|e| invalid(format!("document id: {e}")))?;
    let body: ExternalDocument = read_json(req).await?;
    if crate::practice_origin::view(&ctx.db)?.is_none() {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_message(
                "No document origin is set for this practice (PUT /api/v1/clinic/settings/origin).",
            )
            .into());
    }
    if !origin::is_valid_origin_path(&body.origin_path) {
        return Err(invalid(
            "origin_path must be a relative path of letters, digits, '-', '_', '.' and '/'",
        ));
    }
    let title = required_text("title", &body.title, MAX_TITLE).map_err(refuse_one)?;
    if body.kind == DocumentKind::ConsultationNote
        && body.content_type.starts_with("application/json")
    {
        return Err(invalid(
            "structured consultation notes are uploaded, not registered",
        ));
    }
    if ctx.db.patient(patient.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    let claim = claim_for(ctx, &doc, &patient)?;
    let now = ctx.now_secs();
    ctx.db.upsert_document(
        doc.as_str(),
        patient.as_str(),
        &kind_name(body.kind),
        &title,
        &body.date.format("%Y-%m-%d").to_string(),
        i64::try_from(body.size).unwrap_or(i64::MAX),
        &body.content_type,
        &origin::http_storage_key(&body.origin_path),
        None,
        now,
    )?;
    audit_replacement(ctx, claim, &patient, &doc, caller, now)?;
    let document = Document {
        id: doc,
        patient_id: patient,
        kind: body.kind,
        title,
        date: body.date,
        size: body.size,
        content_type: body.content_type,
    };
    Ok(json_response(&document, 201))
}

/// An optional email as sent: blank means none; anything else must be a valid address.
fn optional_email(raw: Option<&str>) -> (Option<&str>, Result<(), FieldProblem>) {
    let email = raw.map(str::trim).filter(|e| !e.is_empty());
    let check = match email {
        Some(e) if !is_valid_email(e) => Err(FieldProblem {
            field: "email".to_owned(),
            message: "email is not a valid address".to_owned(),
        }),
        _ => Ok(()),
    };
    (email, check)
}

fn refuse_one(problem: FieldProblem) -> AppError {
    fields_error(vec![problem])
}

/// Whether `patient` may store a document under `doc`, refusing with `document_id_taken`.
fn claim_for(ctx: &Ctx, doc: &DocumentId, patient: &PatientId) -> Result<DocumentClaim, AppError> {
    let owner = ctx.db.document_owner(doc.as_str())?;
    match claim_document_id(owner.as_deref(), patient.as_str()) {
        DocumentClaim::Taken => Err(ApiError::new(ErrorCode::DocumentIdTaken)
            .with_message(format!(
                "Document id {doc} already belongs to another patient. Use a new id."
            ))
            .into()),
        claim => Ok(claim),
    }
}

/// The same patient storing a document again under its id replaces it: audited.
fn audit_replacement(
    ctx: &Ctx,
    claim: DocumentClaim,
    patient: &PatientId,
    doc: &DocumentId,
    caller: &Caller,
    now: i64,
) -> Result<(), AppError> {
    if claim == DocumentClaim::Replace {
        ctx.db.audit(
            now,
            patient.as_str(),
            &caller.actor("clinic system")?,
            AuditEvent::DocumentReplaced,
            doc.as_str(),
        )?;
    }
    Ok(())
}

/// After an `await`, the request's `now` may be stale; writes that follow use a fresh reading.
fn clock_secs() -> i64 {
    crate::store::clock().timestamp()
}

/// `POST /api/v1/clinic/shares`: records the share, grants access to each recipient and
/// emails each a fresh link from the sender address chosen by document type.
pub async fn share(ctx: &Ctx, req: &mut Request, caller: &Caller) -> Result<Response, AppError> {
    let body: ShareRequest = read_json(req).await?;
    let now = ctx.now_secs();
    let settings = settings::load(&ctx.db, &ctx.cfg)?;
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
                    let available: Vec<String> = doc
                        .sections
                        .as_deref()
                        .and_then(|json| serde_json::from_str(json).ok())
                        .ok_or_else(|| {
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
        };
        match &attachments {
            None => send_link(&Practice::from(ctx), &mail)?,
            Some(list) => send_attachments(ctx, &mail, list)?,
        }
    }
    let sent = mail::deliver_due(ctx).await?;
    let response = ShareResponse {
        share_id: share_id
            .try_into()
            .map_err(|_| AppError::internal("generated share id invalid"))?,
        emails_queued: u32::try_from(resolved.len()).unwrap_or(u32::MAX),
        emails_sent: sent,
        sender,
    };
    Ok(json_response(&response, 201))
}

pub(super) const RELATIONSHIP: &str = "relationship";
pub(super) use crate::workflows::links::PRACTICE;

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

/// How a recipient appears in the audit: a kind and an id, never an address.
pub(super) fn describe(reference: &RecipientRef) -> String {
    match reference {
        RecipientRef::Patient => "patient".to_owned(),
        RecipientRef::Relationship { id } => format!("relationship {id}"),
        RecipientRef::PracticeContact { id } => format!("practice contact {id}"),
    }
}

/// The stored recipient entry for a reference, created on first share.
pub(super) fn recipient_row(
    ctx: &Ctx,
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
fn send_attachments(ctx: &Ctx, m: &LinkMail<'_>, attachments: &str) -> Result<(), AppError> {
    let (subject, text) = mail::attachment_email(m.practice_name);
    mail::queue(
        ctx,
        &NewMail {
            id: &random::id()?,
            share_id: m.share_id,
            recipient_label: m.label,
            attachments: Some(attachments),
            patient_id: m.patient_id,
            to: m.to,
            from_email: m.from,
            from_name: m.practice_name,
            subject: &subject,
            body: &text,
        },
    )
}

/// `PUT /api/v1/clinic/patients/{id}/relationships/{contact}`
pub async fn upsert_relationship(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = known_patient(ctx, raw_patient)?;
    upsert_contact(
        ctx,
        req,
        RELATIONSHIP,
        patient.as_str(),
        raw_contact,
        caller,
    )
    .await
}

/// `PUT /api/v1/clinic/contacts/{contact}`: a practice contact.
pub async fn upsert_practice_contact(
    ctx: &Ctx,
    req: &mut Request,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    upsert_contact(ctx, req, PRACTICE, "", raw_contact, caller).await
}

async fn upsert_contact(
    ctx: &Ctx,
    req: &mut Request,
    scope: &str,
    patient_id: &str,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let id = ContactId::try_from(raw_contact.to_owned())
        .map_err(|e| invalid(format!("contact id: {e}")))?;
    let body: ContactUpsert = read_json(req).await?;
    let name = required_text("name", &body.name, MAX_NAME);
    let relation = optional_text("relation", body.relation.as_deref(), MAX_NAME);
    let mobile = optional_text("mobile", body.mobile.as_deref(), 32);
    let (email, email_check) = optional_email(body.email.as_deref());
    refuse_fields(collect([
        name.clone().map(drop),
        relation.clone().map(drop),
        mobile.clone().map(drop),
        email_check,
    ]))?;
    let before = ctx.db.contact(scope, patient_id, id.as_str())?;
    let now = ctx.now_secs();
    ctx.db.upsert_contact(
        scope,
        patient_id,
        id.as_str(),
        &name.unwrap_or_default(),
        email,
        mobile.unwrap_or_default().as_deref(),
        relation.unwrap_or_default().as_deref(),
        body.emergency,
        now,
    )?;
    // Links already sent went to the old address: they stop working. Renewals and later
    // shares go to the address on file now.
    if before.is_some_and(|b| b.email.as_deref() != email) {
        for recipient in ctx
            .db
            .recipients_of_contact(scope, patient_id, id.as_str())?
        {
            ctx.db.revoke_links_of(&recipient.id, now)?;
            ctx.db.audit(
                now,
                &recipient.patient_id,
                &caller.actor("clinic system")?,
                AuditEvent::AddressChanged,
                &format!("{scope} {id}"),
            )?;
        }
    }
    let row = ctx
        .db
        .contact(scope, patient_id, id.as_str())?
        .ok_or_else(|| AppError::internal("contact vanished after upsert"))?;
    json_ok(&row)
}

/// `GET /api/v1/clinic/settings`
pub fn get_settings(ctx: &Ctx) -> Result<Response, AppError> {
    json_ok(&settings::load(&ctx.db, &ctx.cfg)?)
}

/// `PUT /api/v1/clinic/settings`
pub async fn put_settings(
    ctx: &Ctx,
    req: &mut Request,
    caller: &Caller,
) -> Result<Response, AppError> {
    let mut body: PracticeSettings = read_json(req).await?;
    refuse_fields(settings_problems(&body))?;
    body.practice_name = body.practice_name.trim().to_owned();
    let before = settings::load(&ctx.db, &ctx.cfg)?;
    settings::save(&ctx.db, &body)?;
    let changed = changed_settings(&before, &body);
    if !changed.is_empty() {
        // Practice-wide events are audited under the empty patient id; names, not values.
        ctx.db.audit(
            ctx.now_secs(),
            "",
            &caller.actor("clinic system")?,
            AuditEvent::SettingsChanged,
            &changed.join(", "),
        )?;
    }
    json_ok(&body)
}

/// `POST /api/v1/clinic/patients/{id}/unshare`: revoke the patient's access (every link and
/// session, effective on the very next request), or one recipient's, or one document.
pub async fn unshare(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let body: UnshareRequest = read_json(req).await?;
    let actor = caller.actor(&body.staff)?;
    let staff = actor.as_str();
    if ctx.db.patient(patient.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    let now = ctx.now_secs();
    match (&body.recipient, &body.document_id) {
        (Some(_), Some(_)) => Err(invalid("give a recipient or a document, not both")),
        (None, None) => {
            ctx.db.revoke_patient(patient.as_str(), now)?;
            ctx.db.audit(
                now,
                patient.as_str(),
                staff,
                AuditEvent::Unshared,
                "all access revoked",
            )?;
            json_ok(&serde_json::json!({ "revoked": "patient" }))
        }
        (Some(reference), None) => {
            let row = recipient_row(ctx, patient.as_str(), reference)?;
            ctx.db.revoke_recipient(&row.id, now)?;
            ctx.db.audit(
                now,
                patient.as_str(),
                staff,
                AuditEvent::Unshared,
                &format!("access of {} revoked", describe(reference)),
            )?;
            json_ok(&serde_json::json!({ "revoked": "recipient" }))
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
            ctx.db.audit(
                now,
                patient.as_str(),
                staff,
                AuditEvent::Unshared,
                &format!("document {document} withdrawn"),
            )?;
            json_ok(&serde_json::json!({ "revoked": "document" }))
        }
    }
}

/// `DELETE /api/v1/clinic/patients/{patient}/documents/{doc}`: removes the document from
/// every share and from origin storage.
pub async fn delete_document(
    ctx: &Ctx,
    raw_patient: &str,
    raw_doc: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let doc = match ctx.db.document(raw_doc)? {
        Some(doc) if doc.patient_id == patient.as_str() => doc,
        _ => return Err(not_found("No such document for this patient.")),
    };
    ctx.db.delete_document(&doc.id)?;
    ctx.db.audit(
        ctx.now_secs(),
        patient.as_str(),
        &caller.actor("clinic system")?,
        AuditEvent::DocumentDeleted,
        &doc.id,
    )?;
    origin::bucket(&ctx.env)?
        .delete(doc.storage_key.clone())
        .await
        .map_err(|e| AppError::internal(format!("R2 delete failed: {e}")))?;
    json_ok(&serde_json::json!({ "deleted": doc.id }))
}

/// `GET /api/v1/clinic/patients/{id}/shares`: the sharing history, newest first: how, who
/// (staff and each recipient), when, which documents, and each email's delivery status.
pub fn shares(ctx: &Ctx, raw_id: &str) -> Result<Response, AppError> {
    let id = known_patient(ctx, raw_id)?;
    json_ok(&ctx.db.share_history(id.as_str())?)
}

/// `GET /api/v1/clinic/patients/{id}/history`: the patient's audit, oldest first.
pub fn history(ctx: &Ctx, raw_id: &str) -> Result<Response, AppError> {
    let id = known_patient(ctx, raw_id)?;
    json_ok(&ctx.db.audit_for(id.as_str())?)
}

/// `GET /api/v1/clinic/me`: who the console is signed in as.
pub fn me(ctx: &Ctx, caller: &Caller) -> Result<Response, AppError> {
    json_ok(&StaffIdentity {
        email: caller
            .email
            .clone()
            .unwrap_or_else(|| "clinic system".to_owned()),
        role: caller.role,
        dev_identity: caller.dev_identity,
        practice_name: settings::load(&ctx.db, &ctx.cfg)?.practice_name,
    })
}

#[derive(serde::Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/clinic/patients?q=`: patients whose name or id contains `q` (at most 50).
pub fn find_patients(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let search: Search = req.query().unwrap_or(Search { q: String::new() });
    let rows = ctx.db.find_patients(search.q.trim())?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(PatientSummary {
            id: patient_id(&row.id)?,
            name: row.name.clone(),
            date_of_birth: row
                .date_of_birth
                .parse()
                .map_err(|_| AppError::internal("stored date of birth unreadable"))?,
            revoked: row.revoked != 0,
        });
    }
    json_ok(&out)
}

/// Staff's view of contacts, each with whether a share may go to them and why not: the same
/// decision the share itself makes ([`reachable`], within [`eligible_recipient`]).
fn contact_entries(rows: Vec<ContactRow>, checks: &CheckSettings) -> Vec<ContactEntry> {
    rows.into_iter()
        .filter_map(|c| {
            let ineligible_reason = reachable(
                RecipientKind::Contact,
                c.email.as_ref(),
                c.mobile.as_ref(),
                checks,
            )
            .err();
            Some(ContactEntry {
                eligible: ineligible_reason.is_none(),
                ineligible_reason,
                id: ContactId::try_from(c.id).ok()?,
                name: c.name,
                email: c.email,
                relation: c.relation,
                emergency: c.emergency != 0,
            })
        })
        .collect()
}

/// `GET /api/v1/clinic/patients/{id}`: the patient with everyone a share may go to.
pub fn patient_file(ctx: &Ctx, raw_id: &str) -> Result<Response, AppError> {
    let id = patient_id(raw_id)?;
    let row = ctx
        .db
        .patient(id.as_str())?
        .ok_or_else(|| not_found("No patient with this id."))?;
    let checks = settings::load(&ctx.db, &ctx.cfg)?.checks;
    let patient = patient_json(&row)?;
    json_ok(&PatientFile {
        email_valid: row.email_on_file().is_some_and(is_valid_email),
        ineligible_reason: reachable(
            RecipientKind::Patient,
            patient.email.as_ref(),
            patient.mobile.as_ref(),
            &checks,
        )
        .err(),
        revoked: row.revoked != 0,
        patient,
        relationships: contact_entries(ctx.db.contacts(RELATIONSHIP, id.as_str())?, &checks),
        practice_contacts: contact_entries(ctx.db.contacts(PRACTICE, "")?, &checks),
    })
}

/// `GET /api/v1/clinic/patients/{id}/documents`: every live document, most recently
/// previewed by staff first, then newest.
pub fn patient_documents(ctx: &Ctx, raw_id: &str) -> Result<Response, AppError> {
    let id = known_patient(ctx, raw_id)?;
    let mut out = Vec::new();
    for (d, last_viewed_at) in ctx.db.staff_documents(id.as_str())? {
        let (id, kind, date) = d.typed()?;
        out.push(StaffDocument {
            id,
            kind,
            title: d.title.clone(),
            date,
            size: d.size_bytes(),
            content_type: d.content_type.clone(),
            sections: d
                .sections
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default(),
            last_viewed_at,
        });
    }
    json_ok(&out)
}

/// `GET /api/v1/clinic/patients/{patient}/documents/{doc}/content`: staff preview (inline,
/// streamed like the portal's), recorded so the list can show recently viewed first.
pub async fn preview_document(
    ctx: &Ctx,
    raw_patient: &str,
    raw_doc: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let doc = match ctx.db.document(raw_doc)? {
        Some(doc) if doc.patient_id == patient.as_str() => doc,
        _ => return Err(not_found("No such document for this patient.")),
    };
    ctx.db.audit(
        ctx.now_secs(),
        patient.as_str(),
        &caller.actor("clinic system")?,
        AuditEvent::StaffViewed,
        &doc.id,
    )?;
    // The Worker streams the bytes: they never pass through the practice's Durable Object.
    origin::StreamOrder::new(
        &doc,
        origin::Disposition::Inline,
        crate::practice_origin::load(&ctx.db, &ctx.cfg, &ctx.practice)?.as_ref(),
    )
    .into_response()
}

/// `GET /api/v1/clinic/contacts`: the practice's contacts.
pub fn practice_contacts(ctx: &Ctx) -> Result<Response, AppError> {
    let checks = settings::load(&ctx.db, &ctx.cfg)?.checks;
    json_ok(&contact_entries(ctx.db.contacts(PRACTICE, "")?, &checks))
}

/// `GET /api/v1/clinic/audit`: the practice's own events (settings changes), oldest first.
pub fn practice_audit(ctx: &Ctx) -> Result<Response, AppError> {
    json_ok(&ctx.db.practice_audit()?)
}
