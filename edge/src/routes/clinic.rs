//! The clinic API: directory, documents, shares and history. Callers authenticate with the
//! clinic API key (a Worker secret) as a bearer token.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::ids::{DocumentId, LinkId, PatientId, RecipientId};
use sealpost_shared::token::{issue_link, LinkClaims};
use sealpost_shared::wire::{
    ApiError, Document, DocumentKind, DocumentUpload, Patient, PatientUpsert, ShareMethod,
    ShareRequest, ShareResponse,
};
use worker::{Request, Response};

use crate::http::{json_ok, json_response, read_json, AppError};
use crate::mail;
use crate::origin;
use crate::random;
use crate::store::db::{NewMail, PatientRow};
use crate::store::Ctx;

/// Largest document accepted through the API (Workers accept request bodies up to 100 MB on
/// every plan; R2 streams them without buffering).
const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// Checks `Authorization: Bearer <CLINIC_API_KEY>` in constant time.
pub fn authorize(ctx: &Ctx, req: &Request) -> Result<(), AppError> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let presented = header.strip_prefix("Bearer ").unwrap_or_default();
    if presented.is_empty() || !ctx.cfg.clinic_api_key.ct_eq(presented) {
        return Err(AppError::code(ErrorCode::Unauthorized));
    }
    Ok(())
}

fn invalid(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::InvalidFields)
        .with_message(message)
        .into()
}

fn not_found(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::NotFound)
        .with_message(message)
        .into()
}

fn patient_id(raw: &str) -> Result<PatientId, AppError> {
    PatientId::try_from(raw.to_owned()).map_err(|e| invalid(format!("patient id: {e}")))
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
        email: row.email.clone(),
        mobile: row.mobile.clone(),
    })
}

/// `PUT /api/v1/clinic/patients/{id}`
pub async fn upsert_patient(
    ctx: &Ctx,
    req: &mut Request,
    raw_id: &str,
) -> Result<Response, AppError> {
    let id = patient_id(raw_id)?;
    let body: PatientUpsert = read_json(req).await?;
    if body.name.trim().is_empty() {
        return Err(invalid("name must not be empty"));
    }
    if !body.email.contains('@') || body.email.contains(char::is_whitespace) {
        return Err(invalid("email is not a valid address"));
    }
    let dob = body.date_of_birth.format("%Y-%m-%d").to_string();
    ctx.db.upsert_patient(
        id.as_str(),
        body.name.trim(),
        &dob,
        body.email.trim(),
        body.mobile.as_deref(),
        &random::id()?,
        ctx.now_secs(),
    )?;
    let row = ctx
        .db
        .patient(id.as_str())?
        .ok_or_else(|| AppError::internal("patient vanished after upsert"))?;
    json_ok(&patient_json(&row)?)
}

/// `PUT /api/v1/clinic/patients/{patient}/documents/{doc}?kind=&title=&date=` with the
/// document as the body. The body streams into R2.
pub async fn upload_document(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    raw_doc: &str,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let doc = DocumentId::try_from(raw_doc.to_owned())
        .map_err(|e| invalid(format!("document id: {e}")))?;
    let meta: DocumentUpload = req
        .query()
        .map_err(|_| invalid("query must give kind, title and date (YYYY-MM-DD)"))?;
    if meta.title.trim().is_empty() || meta.title.len() > 200 {
        return Err(invalid("title must be 1 to 200 characters"));
    }
    if ctx.db.patient(patient.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    let content_type = req
        .headers()
        .get("content-type")?
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let size: u64 = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid("send the document with a Content-Length"))?;
    if size == 0 || size > MAX_UPLOAD_BYTES {
        return Err(invalid(format!(
            "documents must be 1 byte to {MAX_UPLOAD_BYTES} bytes"
        )));
    }
    let stream = req
        .inner()
        .body()
        .ok_or_else(|| invalid("the document body is empty"))?;
    let key = origin::storage_key(patient.as_str(), doc.as_str());
    origin::bucket(&ctx.env)?
        .put(key.clone(), worker::Data::ReadableStream(stream))
        .execute()
        .await
        .map_err(|e| AppError::internal(format!("R2 put failed: {e}")))?;
    let now = clock_secs();
    ctx.db.upsert_document(
        doc.as_str(),
        patient.as_str(),
        &kind_name(meta.kind),
        meta.title.trim(),
        &meta.date.format("%Y-%m-%d").to_string(),
        i64::try_from(size).unwrap_or(i64::MAX),
        &content_type,
        &key,
        now,
    )?;
    let document = Document {
        id: doc,
        patient_id: patient,
        kind: meta.kind,
        title: meta.title.trim().to_owned(),
        date: meta.date,
        size,
        content_type,
    };
    Ok(json_response(&document, 201))
}

/// After an `await`, the request's `now` may be stale; writes that follow use a fresh reading.
fn clock_secs() -> i64 {
    crate::store::clock().timestamp()
}

/// `POST /api/v1/clinic/shares`: records the share, grants access, emails a fresh link.
pub async fn share(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: ShareRequest = read_json(req).await?;
    let now = ctx.now_secs();
    if body.document_ids.is_empty() {
        return Err(invalid("choose at least one document"));
    }
    if body.staff.trim().is_empty() {
        return Err(invalid("staff must name who is sharing"));
    }
    let patient = ctx
        .db
        .patient(body.patient_id.as_str())?
        .ok_or_else(|| not_found("No patient with this id."))?;
    for id in &body.document_ids {
        match ctx.db.document(id.as_str())? {
            Some(doc) if doc.patient_id == patient.id => {}
            _ => return Err(not_found(format!("No document {id} for this patient."))),
        }
    }
    let recipient = ctx
        .db
        .patient_recipient(&patient.id)?
        .ok_or_else(|| AppError::internal("patient has no recipient entry"))?;
    let method = match body.method {
        ShareMethod::SecureLink => "secure_link",
    };

    // Record everything before any email leaves: a provider outage cannot lose the share.
    let share_id = random::id()?;
    ctx.db
        .insert_share(&share_id, &patient.id, body.staff.trim(), method, now)?;
    for id in &body.document_ids {
        ctx.db.grant(&recipient.id, id.as_str(), &share_id, now)?;
    }
    if patient.revoked != 0 {
        ctx.db.restore_access(&patient.id)?;
        ctx.db
            .audit(now, &patient.id, body.staff.trim(), "access_restored", "shared again")?;
    }
    let docs: Vec<&str> = body.document_ids.iter().map(DocumentId::as_str).collect();
    ctx.db.audit(
        now,
        &patient.id,
        body.staff.trim(),
        "shared",
        &format!("{method} to patient: {}", docs.join(",")),
    )?;
    let link_id = random::id()?;
    send_link(ctx, &patient, &recipient.id, &link_id)?;
    let sent = mail::deliver_due(ctx).await?;
    let response = ShareResponse {
        share_id: share_id
            .try_into()
            .map_err(|_| AppError::internal("generated share id invalid"))?,
        emails_sent: sent,
    };
    Ok(json_response(&response, 201))
}

/// Issues a new link for `recipient_id` and queues the email to the address on file.
pub fn send_link(
    ctx: &Ctx,
    patient: &PatientRow,
    recipient_id: &str,
    link_id: &str,
) -> Result<(), AppError> {
    let claims = LinkClaims {
        recipient: RecipientId::try_from(recipient_id.to_owned())
            .map_err(|_| AppError::internal("stored recipient id invalid"))?,
        link: LinkId::try_from(link_id.to_owned())
            .map_err(|_| AppError::internal("generated link id invalid"))?,
    };
    let token = issue_link(&ctx.cfg.keys, &claims, ctx.now)
        .map_err(|e| AppError::internal(format!("cannot issue link: {e:?}")))?;
    ctx.db.insert_link(link_id, recipient_id, ctx.now_secs())?;
    // The token travels in the fragment: browsers never send it to any server.
    let link = format!("{}/open#{token}", ctx.cfg.portal_origin);
    let (subject, text) = mail::link_email(&ctx.cfg.practice_name, &link);
    mail::queue(
        ctx,
        &NewMail {
            id: &random::id()?,
            patient_id: &patient.id,
            to: &patient.email,
            from_email: &ctx.cfg.mail.from,
            from_name: &ctx.cfg.practice_name,
            subject: &subject,
            body: &text,
        },
    )
}

/// `GET /api/v1/clinic/patients/{id}/history`: the patient's audit, oldest first.
pub fn history(ctx: &Ctx, raw_id: &str) -> Result<Response, AppError> {
    let id = patient_id(raw_id)?;
    if ctx.db.patient(id.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    json_ok(&ctx.db.audit_for(id.as_str())?)
}
