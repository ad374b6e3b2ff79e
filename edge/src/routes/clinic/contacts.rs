//! Contacts: a patient's relationships and emergency contacts, and the practice's contacts.

use sealpost_shared::checks::CheckSettings;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::ContactId;
use sealpost_shared::page::{page_of, List, Page, PageRequest};
use sealpost_shared::recipients::{reachable, RecipientKind};
use sealpost_shared::text::{collect, optional_text, required_text};
use sealpost_shared::wire::{ContactEntry, ContactUpsert};
use worker::{Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::routes::paging;
use crate::settings;
use crate::staff::Caller;
use crate::store::db::{ContactRow, Db};
use crate::store::Ctx;

use super::*;

/// `PUT /api/v1/clinic/patients/{id}/relationships/{contact}`
pub async fn upsert_relationship(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = known_patient(ctx, raw_patient)?;
    upsert_contact(
        ctx,
        req,
        RELATIONSHIP,
        patient.as_str(),
        raw_contact,
        caller,
    )
    .await
}

/// `PUT /api/v1/clinic/contacts/{contact}`: a practice contact.
pub async fn upsert_practice_contact(
    ctx: &Ctx,
    req: &mut Request,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    upsert_contact(ctx, req, PRACTICE, "", raw_contact, caller).await
}

pub(super) async fn upsert_contact(
    ctx: &Ctx,
    req: &mut Request,
    scope: &str,
    patient_id: &str,
    raw_contact: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let id = ContactId::try_from(raw_contact.to_owned())
        .map_err(|e| invalid(format!("contact id: {e}")))?;
    let body: ContactUpsert = read_json(req).await?;
    let name = required_text("name", &body.name, MAX_NAME);
    let relation = optional_text("relation", body.relation.as_deref(), MAX_NAME);
    let mobile = optional_text("mobile", body.mobile.as_deref(), 32);
    let (email, email_check) = optional_email(body.email.as_deref());
    refuse_fields(collect([
        name.clone().map(drop),
        relation.clone().map(drop),
        mobile.clone().map(drop),
        email_check,
    ]))?;
    let before = ctx.db.contact(scope, patient_id, id.as_str())?;
    let now = ctx.now_secs();
    ctx.db.upsert_contact(
        scope,
        patient_id,
        id.as_str(),
        &name.unwrap_or_default(),
        email,
        mobile.unwrap_or_default().as_deref(),
        relation.unwrap_or_default().as_deref(),
        body.emergency,
        now,
    )?;
    // Links already sent went to the old address: they stop working. Renewals and later
    // shares go to the address on file now.
    if before.is_some_and(|b| b.email.as_deref() != email) {
        for recipient in ctx
            .db
            .recipients_of_contact(scope, patient_id, id.as_str())?
        {
            ctx.db.revoke_links_of(&recipient.id, now)?;
            ctx.db.audit(
                now,
                &recipient.patient_id,
                &caller.actor("clinic system")?,
                AuditEvent::AddressChanged,
                &format!("{scope} {id}"),
            )?;
        }
    }
    let row = ctx
        .db
        .contact(scope, patient_id, id.as_str())?
        .ok_or_else(|| AppError::internal("contact vanished after upsert"))?;
    json_ok(&row)
}

/// Staff's view of contacts, each with whether a share may go to them and why not: the same
/// decision the share itself makes ([`reachable`], within [`eligible_recipient`]).
/// Each says whether mail to its email on file bounced.
pub(super) fn contact_entries(
    db: &Db,
    rows: Vec<ContactRow>,
    checks: &CheckSettings,
) -> Result<Vec<ContactEntry>, AppError> {
    let mut bounced = Vec::with_capacity(rows.len());
    for c in &rows {
        let emails = db.contact_bounced_emails(&c.scope, &c.patient_id, &c.id)?;
        bounced.push(c.email.as_ref().is_some_and(|e| emails.contains(e)));
    }
    Ok(rows
        .into_iter()
        .zip(bounced)
        .filter_map(|(c, email_bounced)| {
            let ineligible_reason = reachable(
                RecipientKind::Contact,
                c.email.as_ref(),
                c.mobile.as_ref(),
                checks,
            )
            .err();
            Some(ContactEntry {
                eligible: ineligible_reason.is_none(),
                ineligible_reason,
                id: ContactId::try_from(c.id).ok()?,
                name: c.name,
                email: c.email,
                relation: c.relation,
                emergency: c.emergency != 0,
                email_bounced,
            })
        })
        .collect())
}

/// `GET /api/v1/clinic/contacts?limit=&cursor=`: the practice's contacts by name then id, a
/// page at a time.
pub fn practice_contacts(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let page: PageRequest<String> = paging::request(req, List::Contacts)?;
    let checks = settings::load(&ctx.db, &ctx.cfg)?.checks;
    let after = page.after.as_deref().unwrap_or_default();
    let rows = ctx.db.contacts_page(PRACTICE, "", after, page.fetch())?;
    let page = page_of(List::Contacts, rows, page.limit, |c| c.id.clone());
    json_ok(&Page {
        items: contact_entries(&ctx.db, page.items, &checks)?,
        next: page.next,
    })
}
