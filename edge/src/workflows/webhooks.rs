//! The clinic's webhook queue. [`enqueue`] is the one way an event enters it: called in the
//! same synchronous run as the change it reports (no `await` between), so the event is
//! recorded exactly when the change is, and never for a change that was not made. When the
//! practice has no webhook, nothing is queued.
//!
//! Delivery (`crate::webhook`, from the Durable Object's alarm) is claim → send → record:
//!
//! ```text
//!            enqueue                claim_due (attempts+1,            record(Delivered)
//!   (none) ─────────▶ pending ───── next_attempt_at = lease) ──send──▶ delivered
//!                       ▲                                       │
//!                       └──── record(Failed), after_failure = At(t) ┘
//!                                         └─ GiveUp (a day passed, or no webhook) ─▶ failed
//! ```
//!
//! The claim moves the delivery's next attempt a lease ahead before anything is sent, so a
//! second alarm (or a request's wake-up) never sends it again meanwhile; if the Durable Object
//! dies mid-send, the lease runs out and the delivery is retried under the same event id.

use sealpost_shared::recipients::RecipientRef;
use sealpost_shared::webhook::{
    after_failure, DocumentEvent, Event, Payload, Retry, EVENT_ID_PREFIX, LEASE_SECONDS,
};

use super::Practice;
use crate::http::AppError;
use crate::random;
use crate::store::db::{ClaimedDelivery, RecipientRow};

/// How many deliveries one alarm attempts; the rest are due at once and wake it again.
pub const BATCH: i64 = 20;

/// Queues `event` for the practice's webhook, if it has one. Returns the event id.
pub fn enqueue(ctx: &Practice<'_>, event: Event) -> Result<Option<String>, AppError> {
    if !crate::practice_webhook::configured(ctx.db)? {
        return Ok(None);
    }
    let id = format!("{EVENT_ID_PREFIX}{}", random::id()?);
    let event_type = event.event_type();
    let payload = Payload {
        id: id.clone(),
        event,
        created_at: ctx.now_secs(),
        practice: ctx.practice.as_str().to_owned(),
    };
    let body = serde_json::to_string(&payload)
        .map_err(|_| AppError::internal("webhook payload not serialisable"))?;
    ctx.db
        .insert_webhook(&id, event_type.as_str(), &body, ctx.now_secs())?;
    ctx.db.mark_webhook_queued();
    Ok(Some(id))
}

/// Claims the deliveries due now for one attempt each.
pub fn claim_due(ctx: &Practice<'_>) -> Result<Vec<ClaimedDelivery>, AppError> {
    let now = ctx.now_secs();
    ctx.db.claim_due_webhooks(now, now + LEASE_SECONDS, BATCH)
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// It answered otherwise (`status`), or not at all (`None`); `error` says how, briefly.
    Failed { status: Option<u16>, error: String },
    /// There is no webhook any more: give up at once.
    NoWebhook,
}

/// Records an attempt of a claimed delivery: delivered, retried later, or given up.
pub fn record(
    ctx: &Practice<'_>,
    delivery: &ClaimedDelivery,
    outcome: &Outcome,
) -> Result<(), AppError> {
    let now = ctx.now_secs();
    match outcome {
        Outcome::Delivered { status } => {
            ctx.db
                .webhook_delivered(&delivery.id, i64::from(*status), now)
        }
        Outcome::Failed { status, error } => {
            let next = match after_failure(delivery.created_at, delivery.attempts, now) {
                Retry::At(at) => Some(at),
                Retry::GiveUp => None,
            };
            ctx.db
                .webhook_attempt_failed(&delivery.id, status.map(i64::from), error, next)
        }
        Outcome::NoWebhook => {
            ctx.db
                .webhook_attempt_failed(&delivery.id, None, "no webhook configured", None)
        }
    }
}

/// `document.viewed` or `document.downloaded` by the session's recipient.
pub fn document_event(
    ctx: &Practice<'_>,
    patient_id: &str,
    recipient_id: &str,
    document_id: &str,
    downloaded: bool,
) -> Result<(), AppError> {
    if !crate::practice_webhook::configured(ctx.db)? {
        return Ok(());
    }
    let Some(recipient) = ctx
        .db
        .recipient(recipient_id)?
        .as_ref()
        .and_then(reference_of)
    else {
        return Ok(());
    };
    let data = DocumentEvent {
        patient_id: patient_id.to_owned(),
        recipient,
        document_id: document_id.to_owned(),
    };
    enqueue(
        ctx,
        if downloaded {
            Event::DocumentDownloaded(data)
        } else {
            Event::DocumentViewed(data)
        },
    )?;
    Ok(())
}

/// A stored recipient as the clinic names it (the webhook's `recipient`).
pub fn reference_of(row: &RecipientRow) -> Option<RecipientRef> {
    use sealpost_shared::ids::ContactId;
    let contact = || ContactId::try_from(row.contact_id.clone()?).ok();
    match (row.kind.as_str(), row.contact_scope.as_deref()) {
        ("patient", _) => Some(RecipientRef::Patient),
        ("contact", Some(super::recipients::RELATIONSHIP)) => {
            Some(RecipientRef::Relationship { id: contact()? })
        }
        ("contact", Some(super::links::PRACTICE)) => {
            Some(RecipientRef::PracticeContact { id: contact()? })
        }
        _ => None,
    }
}
