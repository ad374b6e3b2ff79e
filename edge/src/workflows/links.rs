//! Issuing a link and reading what is on file for a recipient: shared by sharing, renewal
//! and the portal's checks.

use sealpost_shared::ids::{LinkId, RecipientId};
use sealpost_shared::time::Now;
use sealpost_shared::token::{issue_link, LinkClaims, LINK_LIFETIME};

use super::Practice;
use crate::http::AppError;
use crate::store::db::{NewMail, RecipientRow};
use crate::{mail, random};

/// The scope of practice contacts (they belong to no patient).
pub const PRACTICE: &str = "practice";

/// One link email: who it is for and from, and which share it delivers.
pub struct LinkMail<'a> {
    pub practice_name: &'a str,
    pub patient_id: &'a str,
    pub recipient_id: &'a str,
    /// The address on file.
    pub to: &'a str,
    pub from: &'a str,
    pub share_id: Option<&'a str>,
    pub label: &'a str,
    /// When the access began (carried over by renewals); `None`: now, a new share.
    pub access_from: Option<Now>,
    /// The share's one reminder to a recipient who has not opened it (`workflows::reminders`).
    pub reminder: bool,
}

/// Issues a new link for the recipient and queues the email to the address on file; returns
/// the email's job id. A share's first link to a recipient is remembered for its reminder.
pub fn send_link(ctx: &Practice<'_>, m: &LinkMail<'_>) -> Result<String, AppError> {
    let (practice_name, patient_id, recipient_id) = (m.practice_name, m.patient_id, m.recipient_id);
    let link_id = random::id()?;
    let claims = LinkClaims {
        recipient: RecipientId::try_from(recipient_id.to_owned())
            .map_err(|_| AppError::internal("stored recipient id invalid"))?,
        link: LinkId::try_from(link_id.clone())
            .map_err(|_| AppError::internal("generated link id invalid"))?,
        access_from: m.access_from,
        practice: Some(ctx.practice.clone()),
    };
    let token = issue_link(&ctx.cfg.keys, &claims, ctx.now)
        .map_err(|e| AppError::internal(format!("cannot issue link: {e:?}")))?;
    // Every link is recorded: opening it is checked against this row (issued by us, to this
    // recipient, not revoked).
    ctx.db.insert_link(
        &link_id,
        recipient_id,
        m.share_id,
        ctx.now_secs(),
        (ctx.now + LINK_LIFETIME).timestamp(),
    )?;
    // The token travels in the fragment: browsers never send it to any server.
    let link = format!("{}/open#{token}", ctx.cfg.portal_origin);
    let (subject, text) = if m.reminder {
        mail::reminder_email(practice_name, &link)
    } else {
        mail::link_email(practice_name, &link)
    };
    let job_id = random::id()?;
    ctx.db.insert_mail(
        &NewMail {
            id: &job_id,
            share_id: m.share_id,
            recipient_id: Some(recipient_id),
            recipient_label: m.label,
            attachments: None,
            patient_id,
            to: m.to,
            from_email: m.from,
            from_name: practice_name,
            subject: &subject,
            body: &text,
        },
        ctx.now_secs(),
    )?;
    if m.reminder {
        ctx.db.mark_reminder_mail(&job_id)?;
    } else if let Some(share_id) = m.share_id {
        ctx.db
            .remember_for_reminder(share_id, recipient_id, ctx.now_secs())?;
    }
    Ok(job_id)
}

/// A recipient's email and mobile as on file now: the patient's own, or the contact's.
pub struct OnFile {
    pub email: Option<String>,
    pub mobile: Option<String>,
}

pub fn on_file(ctx: &Practice<'_>, recipient: &RecipientRow) -> Result<OnFile, AppError> {
    match (
        recipient.contact_scope.as_deref(),
        recipient.contact_id.as_deref(),
    ) {
        (Some(scope), Some(id)) => {
            // Practice contacts belong to no patient; relationships to this one.
            let owner = if scope == PRACTICE {
                ""
            } else {
                recipient.patient_id.as_str()
            };
            let contact = ctx.db.contact(scope, owner, id)?;
            Ok(OnFile {
                email: contact.as_ref().and_then(|c| c.email.clone()),
                mobile: contact.and_then(|c| c.mobile),
            })
        }
        _ => {
            let patient = ctx.db.patient(&recipient.patient_id)?;
            Ok(OnFile {
                email: patient
                    .as_ref()
                    .and_then(|p| p.email_on_file().map(str::to_owned)),
                mobile: patient.and_then(|p| p.mobile),
            })
        }
    }
}
