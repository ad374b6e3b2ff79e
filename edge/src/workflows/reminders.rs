//! Reminders, run by the practice's alarm: the waiting recipients whose time may have come are
//! loaded, [`sealpost_shared::reminders::decide`] answers for each, and each answer is written
//! at once, in the same turn (no `await`): a reminder is queued (a new link, the same kind of
//! email as the share's, marked as the reminder) with a `reminder_sent` audit record, or the
//! recipient is never reminded of that share. Delivery is the caller's (`mail::deliver_due`).

use sealpost_shared::history::AuditEvent;
use sealpost_shared::reminders::{decide, due_at, sent_by, Reminder, Waiting, REMINDER_BATCH};
use sealpost_shared::time::{from_unix_seconds, Now};

use super::links::{on_file, send_link, LinkMail};
use super::Practice;
use crate::http::AppError;
use crate::settings;

/// Queues the reminders due now and settles every waiting recipient looked at; returns how
/// many reminders were queued.
pub fn queue_due(ctx: &Practice<'_>) -> Result<u32, AppError> {
    let settings = settings::load(ctx.db, ctx.cfg)?;
    let Some(by) = sent_by(&settings, ctx.now) else {
        return Ok(0);
    };
    let mut queued = 0;
    for row in ctx.db.waiting_reminders(by.timestamp(), REMINDER_BATCH)? {
        let recipient = ctx.db.recipient(&row.recipient_id)?;
        let email = match &recipient {
            Some(r) => on_file(ctx, r)?.email,
            None => None,
        };
        let waiting = Waiting {
            sent_at: from_unix_seconds(row.sent_at),
            shared_at: from_unix_seconds(row.shared_at),
            opened: row.opened != 0,
            withdrawn: row.withdrawn != 0 || recipient.is_none(),
            has_address: email.is_some(),
        };
        match (decide(&settings, &waiting, ctx.now), email) {
            (Reminder::Send, Some(to)) => {
                // Decided first: a recipient is reminded of a share at most once.
                if !ctx.db.decide_reminder(
                    &row.share_id,
                    &row.recipient_id,
                    true,
                    ctx.now_secs(),
                )? {
                    continue;
                }
                let first = ctx.db.first_mail_of(&row.share_id, &row.recipient_id)?;
                let from = first
                    .as_ref()
                    .map_or(settings.senders.general.as_str(), |m| m.from_email.as_str());
                let label = first
                    .as_ref()
                    .and_then(|m| m.recipient_label.as_deref())
                    .unwrap_or("recipient");
                send_link(
                    ctx,
                    &LinkMail {
                        practice_name: &settings.practice_name,
                        patient_id: &row.patient_id,
                        recipient_id: &row.recipient_id,
                        to: &to,
                        from,
                        share_id: Some(&row.share_id),
                        label,
                        // Access keeps running from the share's first link.
                        access_from: Some(waiting.sent_at),
                        reminder: true,
                    },
                )?;
                ctx.db.audit(
                    ctx.now_secs(),
                    &row.patient_id,
                    "system",
                    AuditEvent::ReminderSent,
                    &format!("{} {}", row.share_id, row.recipient_id),
                )?;
                queued += 1;
            }
            (Reminder::Never(_) | Reminder::Send, _) => {
                ctx.db
                    .decide_reminder(&row.share_id, &row.recipient_id, false, ctx.now_secs())?;
            }
            (Reminder::Off | Reminder::NotYet { .. }, _) => {}
        }
    }
    Ok(queued)
}

/// When the next reminder may fall due (`None`: reminders are off or nobody is waiting); the
/// alarm is set for it.
pub fn next_due(ctx: &Practice<'_>) -> Result<Option<Now>, AppError> {
    let settings = settings::load(ctx.db, ctx.cfg)?;
    Ok(ctx
        .db
        .oldest_waiting_reminder()?
        .and_then(|sent_at| due_at(&settings, from_unix_seconds(sent_at))))
}
