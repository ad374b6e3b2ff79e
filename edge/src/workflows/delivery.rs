//! Evidence of delivery: the provider's events about each email, and what each recipient did
//! with each share, recorded against that recipient (and document) for the read receipts of
//! the sharing history.

use sealpost_shared::history::{AuditEvent, ProviderOutcome};
use sealpost_shared::mail_events::{replaces, MailEvent};
use sealpost_shared::webhook::{EmailEvent, Event};

use super::recipients::reference_of_label;
use super::{webhooks, Practice};
use crate::http::AppError;
use crate::store::db::Receipt;

/// Records a batch of the provider's events for this practice. Each event is recorded once
/// (by its id); the job shows the event if it replaces what it shows (`replaces`); a bounce or
/// drop flags the address on the recipient's record, and a later delivery to the same address
/// clears the flag. Events about jobs this practice does not have are ignored. Returns how many
/// events were new.
pub fn record_events(ctx: &Practice<'_>, events: &[MailEvent]) -> Result<u32, AppError> {
    let mut recorded = 0;
    for event in events {
        let Some(job) = ctx.db.mail_outcome(&event.job_id)? else {
            continue;
        };
        if !ctx
            .db
            .record_mail_event(&event.event_id, &job.id, event.outcome, event.at)?
        {
            continue;
        }
        recorded += 1;
        if replaces(job.current(), event.outcome, event.at) {
            ctx.db
                .set_mail_outcome(&job.id, event.outcome, event.at, event.reason.as_deref())?;
        }
        let who = job.recipient_label.as_deref().unwrap_or("recipient");
        let now = ctx.now_secs();
        // The clinic's webhook hears what the provider said, once per provider event, in the
        // same turn as the record (ids only, like every webhook).
        let email = || EmailEvent {
            patient_id: job.patient_id.clone(),
            email_id: job.id.clone(),
            share_id: job.share_id.clone(),
            recipient: job.recipient_label.as_deref().and_then(reference_of_label),
        };
        match event.outcome {
            ProviderOutcome::Bounced | ProviderOutcome::Dropped => {
                if let Some(recipient) = &job.recipient_id {
                    ctx.db.flag_bounced(recipient, &job.to_email, event.at)?;
                }
                // Ids and the reason made safe only: never the address.
                let detail = match &event.reason {
                    Some(reason) => format!("{who}: {}: {reason}", event.outcome.as_str()),
                    None => format!("{who}: {}", event.outcome.as_str()),
                };
                ctx.db.audit(
                    now,
                    &job.patient_id,
                    "system",
                    AuditEvent::EmailBounced,
                    &detail,
                )?;
                webhooks::enqueue(ctx, Event::EmailBounced(email()))?;
            }
            ProviderOutcome::Delivered => {
                if let Some(recipient) = &job.recipient_id {
                    ctx.db.clear_bounced(recipient, &job.to_email, event.at)?;
                }
                ctx.db.audit(
                    now,
                    &job.patient_id,
                    "system",
                    AuditEvent::EmailDelivered,
                    who,
                )?;
                webhooks::enqueue(ctx, Event::EmailDelivered(email()))?;
            }
            ProviderOutcome::Deferred => {}
        }
    }
    Ok(recorded)
}

/// Records what a recipient did for their read receipt, against the share it belongs to: the
/// link's share (`link_share`), or for a document the share that granted it, or else the
/// recipient's latest share (a renewed link names none).
pub fn record_receipt(
    ctx: &Practice<'_>,
    recipient_id: &str,
    link_share: Option<&str>,
    document_id: Option<&str>,
    what: Receipt,
) -> Result<(), AppError> {
    let share = match (link_share, document_id) {
        (Some(share), _) => Some(share.to_owned()),
        (None, Some(doc)) => ctx.db.grant_share(recipient_id, doc)?,
        (None, None) => None,
    };
    let share = match share {
        Some(share) => Some(share),
        None => ctx.db.latest_share_of(recipient_id)?,
    };
    if let Some(share) = share {
        ctx.db
            .record_receipt(&share, recipient_id, document_id, what, ctx.now_secs())?;
    }
    Ok(())
}
