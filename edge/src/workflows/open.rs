//! Opening a link: the challenge to show, or (for a genuine link past its 24 hours) a fresh
//! link emailed to the address on file, or a refusal. Load → decide (`link_policy::open_link`)
//! → carry out (rows written here; mail delivery is the caller's).

use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::link_policy::{open_link, record_renewal, LinkDecision, RenewalLog};
use sealpost_shared::sender::choose_sender;
use sealpost_shared::token::SignedLink;
use sealpost_shared::webhook::{Event, LinkOpened};
use sealpost_shared::wire::{mask_email, DocumentKind, OpenLinkResponse};

use super::link_access::{access_of, challenge, holder, reject, LiveLink};
use super::links::{on_file, send_link, LinkMail};
use super::webhooks::{enqueue, reference_of};
use super::Practice;
use crate::http::AppError;
use crate::store::db::Receipt;

/// What opening decided, and what is left to carry out outside the practice's state.
#[derive(Debug)]
pub struct Opened {
    pub answer: OpenLinkResponse,
    /// A renewal was queued: deliver the mail now.
    pub deliver_mail: bool,
}

fn granted_kinds(ctx: &Practice<'_>, recipient_id: &str) -> Result<Vec<DocumentKind>, AppError> {
    ctx.db
        .documents_for(recipient_id)?
        .iter()
        .map(|d| d.typed().map(|(_, kind, _)| kind))
        .collect()
}

/// Opens the link the Worker verified.
pub fn open(ctx: &Practice<'_>, signed: SignedLink) -> Result<Opened, AppError> {
    let settings = crate::settings::load(ctx.db, ctx.cfg)?;
    let holder = holder(ctx, &signed.claims)?;
    let access = access_of(ctx, Some(&signed.claims), holder.as_ref(), &settings)?;
    let renewals = match &holder {
        Some(h) => RenewalLog {
            sent: ctx.db.renewals(&h.recipient.id)?,
        },
        None => RenewalLog::default(),
    };
    let decision = open_link(Ok(signed), access, &renewals, ctx.now);
    let (holder, decision) = match (holder, decision) {
        (_, LinkDecision::Reject(reason)) => return Err(reject(&settings.practice_name, &reason)),
        (Some(h), decision) => (h, decision),
        (None, _) => return Err(AppError::code(ErrorCode::LinkInvalid)),
    };
    let now = ctx.now_secs();
    match decision {
        LinkDecision::Challenge { claims } => {
            ctx.db.audit(
                now,
                &holder.patient.id,
                "recipient",
                AuditEvent::LinkOpened,
                &holder.recipient.id,
            )?;
            if let Some(recipient) = reference_of(&holder.recipient) {
                enqueue(
                    ctx,
                    Event::LinkOpened(LinkOpened {
                        patient_id: holder.patient.id.clone(),
                        recipient,
                        link_id: claims.link.as_str().to_owned(),
                    }),
                )?;
            }
            let share = ctx.db.link(claims.link.as_str())?.and_then(|l| l.share_id);
            super::delivery::record_receipt(
                ctx,
                &holder.recipient.id,
                share.as_deref(),
                None,
                Receipt::Opened,
            )?;
            let link = LiveLink {
                holder,
                claims,
                settings,
            };
            let challenge = challenge(ctx, &link)?;
            Ok(Opened {
                answer: OpenLinkResponse::Challenge {
                    practice_name: link.settings.practice_name.clone(),
                    challenge,
                },
                deliver_mail: false,
            })
        }
        LinkDecision::Renew { send_email, claims } => {
            // The new link goes to the address on file, never to whoever clicked.
            let to = on_file(ctx, &holder.recipient)?
                .email
                .ok_or_else(|| AppError::code(ErrorCode::LinkInvalid))?;
            if send_email {
                let log = record_renewal(&renewals, ctx.now);
                ctx.db.set_renewals(&holder.recipient.id, &log.sent)?;
                let kinds = granted_kinds(ctx, &holder.recipient.id)?;
                let from = choose_sender(&kinds, &settings.senders);
                send_link(
                    ctx,
                    &LinkMail {
                        practice_name: &settings.practice_name,
                        patient_id: &holder.patient.id,
                        recipient_id: &holder.recipient.id,
                        to: &to,
                        from: from.as_str(),
                        share_id: None,
                        label: "renewal",
                        // The access duration keeps running from the original share.
                        access_from: claims.access_from,
                        reminder: false,
                    },
                )?;
                ctx.db.audit(
                    now,
                    &holder.patient.id,
                    "system",
                    AuditEvent::LinkRenewed,
                    &holder.recipient.id,
                )?;
            }
            Ok(Opened {
                answer: OpenLinkResponse::Renewed {
                    practice_name: settings.practice_name.clone(),
                    masked_email: mask_email(&to),
                },
                deliver_mail: send_email,
            })
        }
        LinkDecision::Reject(reason) => Err(reject(&settings.practice_name, &reason)),
    }
}
