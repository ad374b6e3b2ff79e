//! The clinic's view of emailed links: list a patient's links and revoke one.
//!
//! Every link is recorded when issued (`workflows::links::send_link`) and checked against that record
//! each time it is opened, so revoking one here ends it for good: it earns no renewal either.

use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::{ContactId, LinkId};
use sealpost_shared::page::{page_of, List, Page, PageRequest};
use sealpost_shared::recipients::RecipientRef;
use sealpost_shared::token::LINK_LIFETIME;
use sealpost_shared::webhook::{AccessRevoked, Event, RevokedScope};
use sealpost_shared::wire::LinkEntry;
use worker::{Request, Response};

use super::clinic::{known_patient, not_found, patient_id, PRACTICE};
use super::paging;
use crate::http::{json_ok, AppError};
use crate::staff::Caller;
use crate::store::db::PatientLinkRow;
use crate::store::Ctx;
use crate::workflows::unshare::revoked_event;
use crate::workflows::{webhooks, Practice};

fn entry(row: PatientLinkRow) -> Option<LinkEntry> {
    let recipient = match (
        row.kind.as_str(),
        row.contact_scope.as_deref(),
        row.contact_id,
    ) {
        ("patient", _, _) => RecipientRef::Patient,
        (_, Some(PRACTICE), Some(id)) => RecipientRef::PracticeContact {
            id: ContactId::try_from(id).ok()?,
        },
        (_, Some(_), Some(id)) => RecipientRef::Relationship {
            id: ContactId::try_from(id).ok()?,
        },
        _ => return None,
    };
    Some(LinkEntry {
        id: LinkId::try_from(row.id).ok()?,
        recipient,
        share_id: row.share_id,
        issued_at: row.issued_at,
        // Links recorded before expiry was stored lived the standard lifetime.
        expires_at: row
            .expires_at
            .unwrap_or(row.issued_at + LINK_LIFETIME.num_seconds()),
        revoked_at: row.revoked_at,
    })
}

/// `GET /api/v1/clinic/patients/{patient}/links?limit=&cursor=`: every link sent for the
/// patient, newest first, a page at a time.
pub fn list(ctx: &Ctx, req: &Request, raw_patient: &str) -> Result<Response, AppError> {
    let page: PageRequest<(i64, i64)> = paging::request(req, List::Links)?;
    let patient = known_patient(ctx, raw_patient)?;
    let rows = ctx
        .db
        .links_of_patient(patient.as_str(), page.after, page.fetch())?;
    let page = page_of(List::Links, rows, page.limit, |r| (r.issued_at, r.row));
    json_ok(&Page {
        items: page
            .items
            .into_iter()
            .filter_map(entry)
            .collect::<Vec<LinkEntry>>(),
        next: page.next,
    })
}

/// `DELETE /api/v1/clinic/patients/{patient}/links/{link}`: revokes one link. Other links of
/// the same recipient, and their access, are untouched.
pub fn revoke(
    ctx: &Ctx,
    raw_patient: &str,
    raw_link: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let unknown = || not_found("No such link for this patient.");
    let link = ctx.db.link(raw_link)?.ok_or_else(unknown)?;
    // The link must belong to one of this patient's recipients.
    let recipient = ctx.db.recipient(&link.recipient_id)?.ok_or_else(unknown)?;
    if recipient.patient_id != patient.as_str() {
        return Err(unknown());
    }
    let now = ctx.now_secs();
    ctx.db.revoke_link(&link.id, now)?;
    ctx.db.audit(
        now,
        patient.as_str(),
        &caller.actor("clinic system")?,
        AuditEvent::LinkRevoked,
        &link.id,
    )?;
    webhooks::enqueue(
        &Practice::from(ctx),
        Event::AccessRevoked(AccessRevoked {
            recipient: webhooks::reference_of(&recipient),
            link_id: Some(link.id.clone()),
            ..revoked_event(patient.as_str(), RevokedScope::Link)
        }),
    )?;
    json_ok(&serde_json::json!({ "revoked": "link", "link_id": link.id }))
}
