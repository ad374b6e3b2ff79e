//! Who is calling a practice's clinic API, and whether their role allows what they ask. The
//! practice decides, from its own records:
//!
//! - The clinic system: `Authorization: Bearer <key>`, one of the practice's clinic API keys
//!   (compared by SHA-256; revoked keys refused); acts as admin and names the staff member in
//!   each request body.
//! - Staff in the console: the Worker verified their Cloudflare Access token and passes the
//!   email on (`internal::STAFF`); their role is the practice's `staff` table's. Staff without
//!   a role get nothing.
//! - Local development only (`DEV_MODE` on a loopback origin, see `config`): a clearly marked
//!   dev identity with the admin role.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::staff::{permits, Action, Role};
use sealpost_shared::tenancy::api_key_hash;
use sealpost_shared::wire::ApiError;
use worker::Request;

use crate::http::AppError;
use crate::internal;
use crate::store::Ctx;

/// The email the dev identity goes by.
pub const DEV_EMAIL: &str = "dev-identity@localhost";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `None` for the clinic system (API key), the staff member's email otherwise.
    pub email: Option<String>,
    pub role: Role,
    pub dev_identity: bool,
    /// The clinic API key's id when the caller is the clinic system.
    pub key_id: Option<String>,
}

impl Caller {
    /// Whose idempotency keys a request's key is among: the API key's, or the staff
    /// member's, so two callers' keys never collide.
    pub fn idempotency_scope(&self) -> String {
        match (&self.key_id, &self.email) {
            (Some(id), _) => format!("key:{id}"),
            (None, Some(email)) => format!("staff:{email}"),
            (None, None) => "clinic".to_owned(),
        }
    }

    /// The name the audit records: the staff member's verified email, or for the clinic
    /// system the staff member it names in the request.
    pub fn actor(&self, named_in_body: &str) -> Result<String, AppError> {
        match &self.email {
            Some(email) => Ok(email.clone()),
            None if named_in_body.trim().is_empty() => Err(ApiError::new(ErrorCode::InvalidFields)
                .with_message("staff must name who is acting")
                .into()),
            None => Ok(named_in_body.trim().to_owned()),
        }
    }
}

/// Identifies the caller of a clinic API request.
pub fn identify(ctx: &Ctx, req: &Request) -> Result<Caller, AppError> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    if let Some(key) = header.strip_prefix("Bearer ") {
        return match ctx.db.api_key_by_hash(&api_key_hash(key))? {
            Some(entry) if !key.is_empty() => Ok(Caller {
                email: None,
                role: Role::Admin,
                dev_identity: false,
                key_id: Some(entry.id),
            }),
            _ => Err(AppError::code(ErrorCode::Unauthorized)),
        };
    }
    let Some(email) = req.headers().get(internal::STAFF)? else {
        return Err(AppError::code(ErrorCode::Unauthorized));
    };
    if req.headers().get(internal::DEV_IDENTITY)?.is_some() {
        // The Worker only says so in development; the practice checks the configuration too.
        if ctx.cfg.dev_mode && crate::http::is_loopback_request(req) {
            return Ok(Caller {
                email: Some(DEV_EMAIL.to_owned()),
                role: Role::Admin,
                dev_identity: true,
                key_id: None,
            });
        }
        return Err(AppError::code(ErrorCode::Unauthorized));
    }
    let role = ctx.db.staff_role(&email)?.ok_or_else(|| {
        AppError::from(
            ApiError::new(ErrorCode::Forbidden)
                .with_message("You have no role in this practice. Ask its administrator."),
        )
    })?;
    Ok(Caller {
        email: Some(email),
        role,
        dev_identity: false,
        key_id: None,
    })
}

/// Refuses with 403 unless the caller's role permits `action`.
pub fn require(caller: &Caller, action: Action) -> Result<(), AppError> {
    if permits(caller.role, action) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden)
            .with_message("Your role does not allow this.")
            .into())
    }
}
