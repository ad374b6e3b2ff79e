//! Documents: upload (carried by the Worker), registration on the practice's own origin,
//! deletion, the patient's list and the staff preview.

use sealpost_shared::documents::{claim_document_id, DocumentClaim};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::{DocumentId, PatientId};
use sealpost_shared::page::{page_of, List, PageRequest};
use sealpost_shared::tenancy::document_storage_key;
use sealpost_shared::text::required_text;
use sealpost_shared::time::from_unix_seconds;
use sealpost_shared::wire::{
    ApiError, Document, DocumentKind, DocumentUpload, ExternalDocument, StaffDocument,
};
use worker::{Request, Response};

use crate::http::{json_ok, json_response, read_json, AppError};
use crate::internal;
use crate::origin;
use crate::origin::{Stored, UploadOrder};
use crate::routes::idempotency::{upload_answer, upload_check, UploadKey};
use crate::routes::paging;
use crate::staff::Caller;
use crate::store::db::DocumentRow;
use crate::store::Ctx;

use super::*;

/// Largest document accepted through the API (Workers accept request bodies up to 100 MB on
/// every plan; R2 streams them without buffering).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// A structured consultation note is text: 1 MB is generous.
pub(super) const MAX_NOTE_BYTES: u64 = 1024 * 1024;

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
    let doc = document_id(raw_doc)?;
    let meta: DocumentUpload = req
        .query()
        .map_err(|_| invalid("query must give kind, title and date (YYYY-MM-DD)"))?;
    let title = required_text("title", &meta.title, MAX_TITLE).map_err(refuse_one)?;
    // A retry under the same key gets the first answer at either step; in the first, that
    // answer carries no upload order, so the Worker never reads or stores the body.
    let idempotency = UploadKey::of(req, caller)?;
    if let Some(key) = &idempotency {
        if let Some(replay) = upload_check(ctx, key, crate::store::clock())? {
            return Ok(replay);
        }
    }
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
        Some(headings) => Some(
            serde_json::to_string(headings)
                .map_err(|_| AppError::internal("section headings not serialisable"))?,
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
    if let Some(key) = &idempotency {
        // Kept in the same turn as the document's record (no await since the check above).
        let body = serde_json::to_string(&document)
            .map_err(|_| AppError::internal("document not serialisable"))?;
        upload_answer(ctx, key, from_unix_seconds(now), 201, &body)?;
    }
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
    let doc = document_id(raw_doc)?;
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

/// Whether `patient` may store a document under `doc`, refusing with `document_id_taken`.
pub(super) fn claim_for(
    ctx: &Ctx,
    doc: &DocumentId,
    patient: &PatientId,
) -> Result<DocumentClaim, AppError> {
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
pub(super) fn audit_replacement(
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

/// The patient's document, or 404: another patient's id is as unknown as a missing one.
fn patient_document(
    ctx: &Ctx,
    raw_patient: &str,
    raw_doc: &str,
) -> Result<(PatientId, DocumentRow), AppError> {
    let patient = patient_id(raw_patient)?;
    match ctx.db.document(raw_doc)? {
        Some(doc) if doc.patient_id == patient.as_str() => Ok((patient, doc)),
        _ => Err(not_found("No such document for this patient.")),
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
    let (patient, doc) = patient_document(ctx, raw_patient, raw_doc)?;
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

/// `GET /api/v1/clinic/patients/{id}/documents?limit=&cursor=`: the live documents, newest
/// first (by when first stored, then id), a page at a time, each with when staff last
/// previewed it (the console puts the recently previewed first).
pub fn patient_documents(ctx: &Ctx, req: &Request, raw_id: &str) -> Result<Response, AppError> {
    let page: PageRequest<(i64, String)> = paging::request(req, List::Documents)?;
    let id = known_patient(ctx, raw_id)?;
    let after = page.after.as_ref().map(|(at, doc)| (*at, doc.as_str()));
    let rows = ctx.db.staff_documents(id.as_str(), after, page.fetch())?;
    let page = page_of(List::Documents, rows, page.limit, |r| {
        (r.created_at, r.doc.id.clone())
    });
    json_ok(&page.try_map(|row| {
        let d = row.doc;
        let (id, kind, date) = d.typed()?;
        let sections = d.note_sections().unwrap_or_default();
        Ok::<_, AppError>(StaffDocument {
            id,
            kind,
            title: d.title.clone(),
            date,
            size: d.size_bytes(),
            content_type: d.content_type.clone(),
            section_titles: sections
                .iter()
                .filter_map(|(id, title)| Some((id.clone(), title.clone()?)))
                .collect(),
            sections: sections.into_iter().map(|(id, _)| id).collect(),
            last_viewed_at: row.last_viewed_at,
        })
    })?)
}

/// `GET /api/v1/clinic/patients/{patient}/documents/{doc}/content`: staff preview (inline,
/// streamed like the portal's), recorded so the list can show recently viewed first.
pub async fn preview_document(
    ctx: &Ctx,
    raw_patient: &str,
    raw_doc: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let (patient, doc) = patient_document(ctx, raw_patient, raw_doc)?;
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
