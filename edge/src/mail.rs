//! Email: a job queue in the practice database, delivered through a SendGrid v3
//! `mail/send`-compatible API. A share is recorded before any mail is sent, and a job stays
//! pending (retried by the Durable Object alarm, with backoff) until the provider accepts it
//! or refuses it for good, so a provider outage never loses a share.
//!
//! Each delivery first claims the jobs it will send (one synchronous run, before any await:
//! atomic in the Durable Object), so a share, an opening and the alarm delivering at the same
//! time never send one job twice; what an attempt's answer means is decided by
//! `sealpost_shared::mail_queue::after_attempt` (the states are drawn there).
//!
//! Attachments are never held whole: the request body is a stream, built piece by piece as
//! each document is read from the bucket and base64-encoded chunk by chunk, with its exact
//! length declared up front. The Durable Object serves other requests between the chunks, and
//! its memory holds a chunk, not a document.
//!
//! Every message carries `custom_args` naming the practice and the job (opaque ids, nothing
//! personal), which SendGrid copies into each event it reports about the message
//! (`crate::provider_events`).
//!
//! With no `MAIL_API_BASE` configured, which `config` allows only in local development, jobs
//! go to the dev outbox.

use futures_util::{stream, StreamExt};
use sealpost_shared::history::{AuditEvent, DeliveryStatus};
use sealpost_shared::mail_events::{ARG_JOB, ARG_PRACTICE};
use sealpost_shared::mail_queue::{
    after_attempt, base64_len, provider_reason, AfterAttempt, Attempt, Base64Stream, CLAIM_LEASE,
};
use sealpost_shared::time::from_unix_seconds;
use sealpost_shared::webhook::{EmailEvent, Event};
use serde_json::json;
use worker::{Fetch, FixedLengthStream, Headers, Method, Request, RequestInit};

use crate::http::AppError;
use crate::store::db::{Attachment, MailJobRow};
use crate::store::Ctx;
use crate::workflows::recipients::reference_of_label;

/// The most jobs one delivery sends; the alarm takes the rest.
const MAX_PER_DELIVERY: usize = 50;

/// Delivers the due jobs; failures are rescheduled and an alarm is set for the next try.
/// Returns how many were delivered now.
pub async fn deliver_due(ctx: &Ctx) -> Result<u32, AppError> {
    let claim = crate::random::id()?;
    let mut delivered = 0;
    // One job at a time, each claimed just before it is sent, so its lease runs from its own
    // send (a slow provider cannot make a later job's lease run out while it waits its turn).
    for _ in 0..MAX_PER_DELIVERY {
        let now = crate::store::clock();
        // The claim, before the await: no other delivery sees this job as due now.
        let Some(job) = ctx
            .db
            .claim_due_mail(now.timestamp(), &claim, (now + CLAIM_LEASE).timestamp(), 1)?
            .pop()
        else {
            break;
        };
        if ctx.cfg.mail.api_base.is_empty() {
            ctx.db.mail_delivered(
                &job.id,
                &claim,
                DeliveryStatus::Outbox,
                true,
                now.timestamp(),
            )?;
            delivered += 1;
            continue;
        }
        let attempt = send(ctx, &job).await;
        // The clock after the await: a slow provider must not make the backoff start early.
        let after = crate::store::clock();
        let who = job.recipient_label.as_deref().unwrap_or("recipient");
        match after_attempt(
            &attempt,
            job.attempts,
            from_unix_seconds(job.created_at),
            after,
        ) {
            AfterAttempt::Sent => {
                if ctx.db.mail_delivered(
                    &job.id,
                    &claim,
                    DeliveryStatus::Sent,
                    ctx.cfg.dev_mode,
                    after.timestamp(),
                )? {
                    // Ids only: the audit is append-only, so it must never hold an address.
                    ctx.db.audit(
                        after.timestamp(),
                        &job.patient_id,
                        "system",
                        AuditEvent::EmailSent,
                        who,
                    )?;
                    delivered += 1;
                }
            }
            AfterAttempt::Retry { at, reason } => {
                if ctx
                    .db
                    .mail_retry(&job.id, &claim, &reason, at.timestamp())?
                {
                    failed_audit(ctx, &job, after.timestamp(), &format!("{who}: {reason}"))?;
                }
            }
            AfterAttempt::Failed { reason } => {
                if ctx.db.mail_failed(&job.id, &claim, &reason)? {
                    failed_audit(ctx, &job, after.timestamp(), &format!("{who}: {reason}"))?;
                    // The clinic hears once, when the queue stops trying (refused for good, or
                    // retried too long), in the same turn as the job's `failed`.
                    crate::workflows::webhooks::enqueue(
                        &crate::workflows::Practice::from(ctx),
                        Event::EmailFailed(EmailEvent {
                            patient_id: job.patient_id.clone(),
                            email_id: job.id.clone(),
                            share_id: None,
                            recipient: job.recipient_label.as_deref().and_then(reference_of_label),
                        }),
                    )?;
                }
            }
        }
    }
    // One alarm serves mail and webhooks: set it for whichever is due first.
    crate::store::reschedule(ctx).await?;
    Ok(delivered)
}

fn failed_audit(ctx: &Ctx, job: &MailJobRow, at: i64, detail: &str) -> Result<(), AppError> {
    ctx.db.audit(
        at,
        &job.patient_id,
        "system",
        AuditEvent::EmailFailed,
        detail,
    )
}

/// One SendGrid v3 `POST /v3/mail/send`, and what came back. The provider's reason for a
/// refusal is made safe (`provider_reason`) before it is kept.
async fn send(ctx: &Ctx, job: &MailJobRow) -> Attempt {
    let unreachable = |reason: String| Attempt::Unreachable { reason };
    let request = match build_request(ctx, job).await {
        Ok(request) => request,
        Err(reason) => return unreachable(reason),
    };
    match Fetch::Request(request).send().await {
        Ok(response) if (200..300).contains(&response.status_code()) => Attempt::Accepted,
        Ok(mut response) => {
            let body = response.text().await.unwrap_or_default();
            Attempt::Answered {
                status: response.status_code(),
                reason: provider_reason(&body),
            }
        }
        Err(_) => unreachable("no answer".to_owned()),
    }
}

async fn build_request(ctx: &Ctx, job: &MailJobRow) -> Result<Request, String> {
    let message = json!({
        "personalizations": [{ "to": [{ "email": job.to_email }] }],
        "from": { "email": job.from_email, "name": job.from_name },
        "subject": job.subject,
        "content": [{ "type": "text/plain", "value": job.body.clone().unwrap_or_default() }],
        "custom_args": { ARG_PRACTICE: ctx.practice.as_str(), ARG_JOB: job.id },
        "tracking_settings": {
            // Click tracking would rewrite our link through the provider's servers.
            "click_tracking": { "enable": false, "enable_text": false },
            "open_tracking": { "enable": false }
        }
    });
    let headers = Headers::new();
    let auth = format!("Bearer {}", ctx.cfg.mail.api_key.expose());
    headers
        .set("authorization", &auth)
        .and_then(|_| headers.set("content-type", "application/json"))
        .map_err(|_| "cannot build headers".to_owned())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers);
    match &job.attachments {
        Some(list) if list != "[]" => {
            init.with_body(Some(attachment_body(ctx, &message, list).await?));
        }
        _ => {
            init.with_body(Some(message.to_string().into()));
        }
    }
    let url = format!("{}/v3/mail/send", ctx.cfg.mail.api_base);
    Request::new_with_init(&url, &init).map_err(|_| "cannot build the request".to_owned())
}

/// The body of a message with attachments, as a stream of known length: the message's JSON
/// up to its `attachments`, then each document's fields and its bytes base64-encoded as they
/// are read from the bucket, then the closing brackets.
async fn attachment_body(
    ctx: &Ctx,
    message: &serde_json::Value,
    json: &str,
) -> Result<wasm_bindgen::JsValue, String> {
    let list: Vec<Attachment> =
        serde_json::from_str(json).map_err(|_| "attachment list unreadable".to_owned())?;
    let bucket = crate::origin::bucket(&ctx.env).map_err(|_| "bucket unavailable".to_owned())?;
    let text = message.to_string();
    let open = text
        .strip_suffix('}')
        .ok_or_else(|| "message unreadable".to_owned())?;
    let mut parts: Vec<stream::LocalBoxStream<'static, worker::Result<Vec<u8>>>> = Vec::new();
    let mut length: u64 = 0;
    let piece = |bytes: Vec<u8>, length: &mut u64| {
        *length += bytes.len() as u64;
        stream::once(async move { Ok(bytes) }).boxed_local()
    };
    parts.push(piece(
        format!("{open},\"attachments\":[").into_bytes(),
        &mut length,
    ));
    for (n, a) in list.iter().enumerate() {
        let object = bucket
            .get(a.storage_key.clone())
            .execute()
            .await
            .map_err(|_| "bucket read failed".to_owned())?
            .ok_or_else(|| "an attached document no longer exists".to_owned())?;
        let size = object.size();
        let bytes = object
            .body()
            .ok_or_else(|| "attached document has no body".to_owned())?
            .stream()
            .map_err(|_| "bucket read failed".to_owned())?;
        let fields =
            json!({ "filename": a.filename, "type": a.content_type, "disposition": "attachment" })
                .to_string();
        let fields = fields
            .strip_suffix('}')
            .ok_or_else(|| "attachment unreadable".to_owned())?;
        let comma = if n == 0 { "" } else { "," };
        parts.push(piece(
            format!("{comma}{fields},\"content\":\"").into_bytes(),
            &mut length,
        ));
        length += base64_len(size);
        parts.push(base64_of(bytes));
        parts.push(piece(b"\"}".to_vec(), &mut length));
    }
    parts.push(piece(b"]}".to_vec(), &mut length));
    let body = FixedLengthStream::wrap(stream::iter(parts).flatten(), length);
    let raw = worker::worker_sys::FixedLengthStream::from(body);
    Ok(raw.readable().into())
}

/// A document's bytes as base64, chunk by chunk as they arrive.
fn base64_of(
    bytes: worker::ByteStream,
) -> stream::LocalBoxStream<'static, worker::Result<Vec<u8>>> {
    let encoder = std::rc::Rc::new(std::cell::RefCell::new(Some(Base64Stream::default())));
    let tail = encoder.clone();
    let body = bytes.map(move |chunk| {
        let chunk = chunk?;
        Ok(encoder
            .borrow_mut()
            .as_mut()
            .map(|e| e.push(&chunk))
            .unwrap_or_default())
    });
    let last = stream::once(async move {
        Ok(tail
            .borrow_mut()
            .take()
            .map(Base64Stream::finish)
            .unwrap_or_default())
    });
    body.chain(last).boxed_local()
}

/// The text of an attachment email: the practice's name and a generic sentence.
pub fn attachment_email(practice_name: &str) -> (String, String) {
    let subject = format!("Documents from {practice_name}");
    let body = format!(
        "Hello,\n\n{practice_name} has sent you the attached documents.\n\n\
         If you were not expecting this email, please delete it and let the practice know.\n"
    );
    (subject, body)
}

/// The text of a link email: the practice's name, a generic sentence and the link. Nothing
/// clinical, no document titles, no dates of birth: email is read by others and by link
/// scanners (docs/SECURITY.md, "Trust boundaries").
pub fn link_email(practice_name: &str, link: &str) -> (String, String) {
    let subject = format!("{practice_name} has shared documents with you");
    let body = format!(
        "Hello,\n\n{practice_name} has shared documents with you securely.\n\n\
         Open them here: {link}\n\n\
         For your security the link works for 24 hours. If it has expired, open it anyway and \
         we will email you a new one.\n\n\
         If you were not expecting this email, you can ignore it.\n"
    );
    (subject, body)
}

/// The text of a reminder: a link email saying it is a reminder, with a new link. Nothing
/// more than [`link_email`] says.
pub fn reminder_email(practice_name: &str, link: &str) -> (String, String) {
    let subject = format!("Reminder: {practice_name} has shared documents with you");
    let body = format!(
        "Hello,\n\n{practice_name} shared documents with you securely and they have not been \
         opened yet.\n\n\
         Open them here: {link}\n\n\
         For your security the link works for 24 hours. If it has expired, open it anyway and \
         we will email you a new one.\n\n\
         If you were not expecting this email, you can ignore it.\n"
    );
    (subject, body)
}
