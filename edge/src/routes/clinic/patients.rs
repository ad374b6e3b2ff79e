//! Patients: create or update, search, the patient file.

use sealpost_shared::history::AuditEvent;
use sealpost_shared::page::{page_of, List, PageRequest};
use sealpost_shared::recipients::{is_valid_email, reachable, RecipientKind};
use sealpost_shared::text::{collect, optional_text, required_text};
use sealpost_shared::wire::{Patient, PatientFile, PatientSummary, PatientUpsert};
use worker::{Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::random;
use crate::routes::paging;
use crate::settings;
use crate::staff::Caller;
use crate::store::db::PatientRow;
use crate::store::Ctx;

use super::*;

pub(super) fn patient_json(row: &PatientRow) -> Result<Patient, AppError> {
    Ok(Patient {
        id: patient_id(&row.id)?,
        name: row.name.clone(),
        date_of_birth: row
            .date_of_birth
            .parse()
            .map_err(|_| AppError::internal("stored date of birth unreadable"))?,
        email: row.email_on_file().map(str::to_owned),
        mobile: row.mobile.clone(),
    })
}

/// `PUT /api/v1/clinic/patients/{id}`
pub async fn upsert_patient(
    ctx: &Ctx,
    req: &mut Request,
    raw_id: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let id = patient_id(raw_id)?;
    let body: PatientUpsert = read_json(req).await?;
    let name = required_text("name", &body.name, MAX_NAME);
    let (email, email_check) = optional_email(body.email.as_deref());
    let mobile = optional_text("mobile", body.mobile.as_deref(), 32);
    refuse_fields(collect([
        name.clone().map(drop),
        email_check,
        mobile.clone().map(drop),
    ]))?;
    let (name, mobile) = (name.unwrap_or_default(), mobile.unwrap_or_default());
    let dob = body.date_of_birth.format("%Y-%m-%d").to_string();
    let before = ctx.db.patient(id.as_str())?;
    let now = ctx.now_secs();
    ctx.db.upsert_patient(
        id.as_str(),
        &name,
        &dob,
        email,
        mobile.as_deref(),
        &random::id()?,
        now,
    )?;
    // Links already sent went to the old address: they stop working, and renewals go to
    // the address on file now.
    if before.is_some_and(|b| b.email_on_file() != email) {
        if let Some(own) = ctx.db.patient_recipient(id.as_str())? {
            ctx.db.revoke_links_of(&own.id, now)?;
            let actor = caller.actor("clinic system")?;
            ctx.db.audit(
                now,
                id.as_str(),
                &actor,
                AuditEvent::AddressChanged,
                "patient",
            )?;
        }
    }
    let row = ctx
        .db
        .patient(id.as_str())?
        .ok_or_else(|| AppError::internal("patient vanished after upsert"))?;
    json_ok(&patient_json(&row)?)
}

#[derive(serde::Deserialize)]
pub(super) struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/clinic/patients?q=&limit=&cursor=`: patients whose name or id contains `q`
/// (every patient when it is empty), by name then id, a page at a time.
pub fn find_patients(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let search: Search = req.query().unwrap_or(Search { q: String::new() });
    let page: PageRequest<String> = paging::request(req, List::Patients)?;
    let after = page.after.as_deref().unwrap_or_default();
    let rows = ctx.db.find_patients(search.q.trim(), after, page.fetch())?;
    let page = page_of(List::Patients, rows, page.limit, |row| row.id.clone());
    json_ok(&page.try_map(|row| {
        Ok::<_, AppError>(PatientSummary {
            id: patient_id(&row.id)?,
            name: row.name.clone(),
            date_of_birth: row
                .date_of_birth
                .parse()
                .map_err(|_| AppError::internal("stored date of birth unreadable"))?,
            revoked: row.revoked != 0,
        })
    })?)
}

/// `GET /api/v1/clinic/patients/{id}`: the patient with everyone a share may go to.
pub fn patient_file(ctx: &Ctx, raw_id: &str) -> Result<Response, AppError> {
    let id = patient_id(raw_id)?;
    let row = ctx
        .db
        .patient(id.as_str())?
        .ok_or_else(|| not_found("No patient with this id."))?;
    let checks = settings::load(&ctx.db, &ctx.cfg)?.checks;
    let patient = patient_json(&row)?;
    json_ok(&PatientFile {
        email_valid: row.email_on_file().is_some_and(is_valid_email),
        ineligible_reason: reachable(
            RecipientKind::Patient,
            patient.email.as_ref(),
            patient.mobile.as_ref(),
            &checks,
        )
        .err(),
        revoked: row.revoked != 0,
        patient,
        relationships: contact_entries(
            &ctx.db,
            ctx.db.contacts(RELATIONSHIP, id.as_str())?,
            &checks,
        )?,
        practice_contacts: contact_entries(&ctx.db, ctx.db.contacts(PRACTICE, "")?, &checks)?,
        email_bounced: ctx
            .db
            .patient_bounced_email(id.as_str())?
            .is_some_and(|e| Some(e.as_str()) == row.email_on_file()),
    })
}
