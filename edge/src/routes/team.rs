//! The practice's own staff and clinic API keys, managed by its administrators in the console
//! or through the clinic API (no environment variable, no redeploy).
//!
//! - `GET /api/v1/clinic/staff`, `PUT`/`DELETE /api/v1/clinic/staff/{email}`
//! - `GET`/`POST /api/v1/clinic/api-keys`, `DELETE /api/v1/clinic/api-keys/{id}`
//!
//! The directory is told about staff changes after they are written, so the console's practice
//! picker follows; it is never what grants access (the `staff` table here is).

use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::recipients::EmailAddress;
use sealpost_shared::staff::{
    ApiKeyList, CreatedApiKey, NewApiKey, StaffList, StaffMember, StaffUpsert,
};
use sealpost_shared::text::required_text;
use sealpost_shared::wire::ApiError;
use worker::{Method, Request, Response};

use crate::http::{json_ok, json_response, read_json, AppError};
use crate::internal::StaffMembership;
use crate::staff::Caller;
use crate::store::{lifecycle, Ctx};

fn staff_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_ascii_lowercase();
    EmailAddress::try_from(email.as_str()).map_err(|_| {
        AppError::from(
            ApiError::new(ErrorCode::InvalidFields)
                .with_message("Staff are named by their email address."),
        )
    })?;
    Ok(email)
}

pub fn list_staff(ctx: &Ctx) -> Result<Response, AppError> {
    json_ok(&StaffList {
        staff: ctx.db.staff()?,
    })
}

async fn tell_directory(ctx: &Ctx, method: Method, email: &str) {
    let membership = StaffMembership {
        email: email.to_owned(),
        practice: ctx.practice.clone(),
    };
    if let Err(err) = crate::directory::record_membership(&ctx.env, method, &membership).await {
        // The staff table is the authority; the picker catches up on the next change.
        let _ = err.into_response();
    }
}

pub async fn put_staff(
    ctx: &Ctx,
    req: &mut Request,
    raw_email: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let email = staff_email(raw_email)?;
    let body: StaffUpsert = read_json(req).await?;
    let actor = caller.actor(&body.staff)?;
    let member = StaffMember {
        email: email.clone(),
        role: body.role,
        added_at: ctx.now_secs(),
        added_by: actor.clone(),
    };
    ctx.db.put_staff(&member)?;
    // An existing member keeps when and by whom they were added: answer what is stored.
    let member = ctx
        .db
        .staff()?
        .into_iter()
        .find(|m| m.email == email)
        .unwrap_or(member);
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &actor,
        AuditEvent::StaffRoleSet,
        &role_name(&member),
    )?;
    tell_directory(ctx, Method::Put, &email).await;
    json_ok(&member)
}

/// The audit holds no email (people can be erased): a staff change names the role only.
fn role_name(member: &StaffMember) -> String {
    format!("{:?}", member.role).to_ascii_lowercase()
}

pub async fn delete_staff(
    ctx: &Ctx,
    raw_email: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let email = staff_email(raw_email)?;
    if ctx.db.staff_role(&email)?.is_none() {
        return Err(AppError::code(ErrorCode::NotFound));
    }
    if caller.email.as_deref() == Some(email.as_str()) {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_message("You cannot remove yourself; ask another administrator.")
            .into());
    }
    ctx.db.delete_staff(&email)?;
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &caller.actor("clinic system")?,
        AuditEvent::StaffRemoved,
        "",
    )?;
    tell_directory(ctx, Method::Delete, &email).await;
    Ok(json_response(&serde_json::json!({ "removed": true }), 200))
}

pub fn list_keys(ctx: &Ctx) -> Result<Response, AppError> {
    json_ok(&ApiKeyList {
        keys: ctx.db.api_keys()?,
    })
}

pub async fn create_key(
    ctx: &Ctx,
    req: &mut Request,
    caller: &Caller,
) -> Result<Response, AppError> {
    let body: NewApiKey = read_json(req).await?;
    let name = required_text("name", &body.name, 80).map_err(|problem| {
        AppError::from(ApiError::new(ErrorCode::InvalidFields).with_problems(vec![problem]))
    })?;
    let actor = caller.actor(&body.staff)?;
    let (entry, key) = lifecycle::create_api_key(ctx, &name, &actor)?;
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &actor,
        AuditEvent::ApiKeyCreated,
        &entry.id,
    )?;
    Ok(json_response(&CreatedApiKey { entry, key }, 201))
}

pub fn revoke_key(ctx: &Ctx, id: &str, caller: &Caller) -> Result<Response, AppError> {
    if !ctx.db.revoke_api_key(id, ctx.now_secs())? {
        return Err(AppError::code(ErrorCode::NotFound));
    }
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &caller.actor("clinic system")?,
        AuditEvent::ApiKeyRevoked,
        id,
    )?;
    json_ok(&serde_json::json!({ "revoked": true }))
}
