//! Email: a job queue in the practice database, delivered through a SendGrid v3
//! `mail/send`-compatible API. A share is recorded before any mail is sent, and a job stays
//! pending (retried by the Durable Object alarm, with backoff) until the provider accepts it,
//! so a provider outage never loses a share.
//!
//! With no `MAIL_API_BASE` configured, which `config` allows only in local development, jobs
//! go to the dev outbox.

use sealpost_shared::history::{AuditEvent, DeliveryStatus};
use sealpost_shared::webhook::{EmailEvent, Event};
use serde_json::json;
use worker::{Fetch, Headers, Method, Request, RequestInit};

use crate::http::AppError;
use crate::store::db::{Attachment, MailJobRow};
use crate::store::Ctx;
use crate::workflows::recipients::reference_of_label;

/// Backoff after the n-th failure: 10 s, 20 s, 40 s … capped at an hour.
fn backoff_seconds(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 9)).unwrap_or(9);
    (10_i64 * 2_i64.pow(exp)).min(3600)
}

/// Delivers every due job; failures are rescheduled and an alarm is set for the next try.
/// Returns how many were delivered now.
pub async fn deliver_due(ctx: &Ctx) -> Result<u32, AppError> {
    let mut delivered = 0;
    for job in ctx.db.due_mail(ctx.now_secs())? {
        if ctx.cfg.mail.api_base.is_empty() {
            ctx.db
                .mail_delivered(&job.id, DeliveryStatus::Outbox, true)?;
            delivered += 1;
            continue;
        }
        match send(ctx, &job).await {
            Ok(()) => {
                ctx.db
                    .mail_delivered(&job.id, DeliveryStatus::Sent, ctx.cfg.dev_mode)?;
                ctx.db.audit(
                    ctx.now_secs(),
                    &job.patient_id,
                    "system",
                    AuditEvent::EmailSent,
                    // Ids only: the audit is append-only, so it must never hold an address.
                    job.recipient_label.as_deref().unwrap_or("recipient"),
                )?;
                delivered += 1;
            }
            Err(reason) => {
                // The clinic hears once, at the first failure (this queue retries for ever;
                // the reworked queue reports when it gives up).
                if job.attempts == 0 {
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
                let next = ctx.now_secs() + backoff_seconds(job.attempts);
                ctx.db.mail_failed(&job.id, &reason, next)?;
                ctx.db.audit(
                    ctx.now_secs(),
                    &job.patient_id,
                    "system",
                    AuditEvent::EmailFailed,
                    &format!(
                        "{}: {reason}",
                        job.recipient_label.as_deref().unwrap_or("recipient")
                    ),
                )?;
            }
        }
    }
    // One alarm serves mail and webhooks: set it for whichever is due first.
    crate::store::reschedule(ctx).await?;
    Ok(delivered)
}

/// One SendGrid v3 `POST /v3/mail/send`. Returns a short reason on failure (no secrets).
async fn send(ctx: &Ctx, job: &MailJobRow) -> Result<(), String> {
    let mut body = json!({
        "personalizations": [{ "to": [{ "email": job.to_email }] }],
        "from": { "email": job.from_email, "name": job.from_name },
        "subject": job.subject,
        "content": [{ "type": "text/plain", "value": job.body.clone().unwrap_or_default() }],
        "tracking_settings": {
            // Click tracking would rewrite our link through the provider's servers.
            "click_tracking": { "enable": false, "enable_text": false },
            "open_tracking": { "enable": false }
        }
    });
    if let Some(list) = &job.attachments {
        let loaded = serde_json::Value::Array(load_attachments(ctx, list).await?);
        if let Some(object) = body.as_object_mut() {
            object.insert("attachments".to_owned(), loaded);
        }
    }
    let headers = Headers::new();
    let auth = format!("Bearer {}", ctx.cfg.mail.api_key.expose());
    headers
        .set("authorization", &auth)
        .and_then(|_| headers.set("content-type", "application/json"))
        .map_err(|_| "cannot build headers".to_owned())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.to_string().into()));
    let url = format!("{}/v3/mail/send", ctx.cfg.mail.api_base);
    let request = Request::new_with_init(&url, &init).map_err(|e| e.to_string())?;
    match Fetch::Request(request).send().await {
        Ok(response) if (200..300).contains(&response.status_code()) => Ok(()),
        Ok(response) => Err(format!("provider answered {}", response.status_code())),
        Err(err) => Err(format!("provider unreachable: {err}")),
    }
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

/// Reads the attachments of a job from the bucket, base64-encoded for the provider.
async fn load_attachments(ctx: &Ctx, json: &str) -> Result<Vec<serde_json::Value>, String> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let list: Vec<Attachment> =
        serde_json::from_str(json).map_err(|_| "attachment list unreadable".to_owned())?;
    let bucket = crate::origin::bucket(&ctx.env).map_err(|_| "bucket unavailable".to_owned())?;
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let object = bucket
            .get(a.storage_key.clone())
            .execute()
            .await
            .map_err(|e| format!("bucket read failed: {e}"))?
            .ok_or_else(|| "an attached document no longer exists".to_owned())?;
        let bytes = object
            .body()
            .ok_or_else(|| "attached document has no body".to_owned())?
            .bytes()
            .await
            .map_err(|e| format!("bucket read failed: {e}"))?;
        out.push(json!({
            "content": STANDARD.encode(bytes),
            "filename": a.filename,
            "type": a.content_type,
            "disposition": "attachment",
        }));
    }
    Ok(out)
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
