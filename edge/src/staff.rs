//! Who is calling the clinic API, and whether their role allows what they ask.
//!
//! - The clinic system: `Authorization: Bearer <CLINIC_API_KEY>`; acts as admin and names the
//!   staff member in each request body.
//! - Staff in the console, in production: Cloudflare Access in front of `/console` and
//!   `/api/v1/clinic` adds `Cf-Access-Jwt-Assertion`; we verify it (`shared::access`) against
//!   the team's JWKS and look the email up in `STAFF_ROLES`. Staff without a role get nothing.
//! - Local development only (`DEV_MODE` on a loopback origin, see `config`): a clearly marked
//!   dev identity with the admin role, when no Access token is present.

use std::cell::RefCell;
use std::collections::BTreeMap;

use sealpost_shared::access::{verify_access, AccessKeys, AccessPolicy};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::staff::{permits, role_of, Action, Role};
use sealpost_shared::wire::ApiError;
use worker::{Fetch, Request};

use crate::http::AppError;
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
}

impl Caller {
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

thread_local! {
    /// The team's JWKS, fetched at most every ten minutes (keys rotate rarely).
    static JWKS_CACHE: RefCell<Option<(i64, String)>> = const { RefCell::new(None) };
}
const JWKS_TTL_SECONDS: i64 = 600;

async fn jwks(ctx: &Ctx) -> Result<String, AppError> {
    let access = ctx
        .cfg
        .access
        .as_ref()
        .ok_or_else(|| AppError::internal("Access is not configured"))?;
    if let Some(inline) = &access.jwks_inline {
        return Ok(inline.clone());
    }
    let now = ctx.now_secs();
    if let Some(cached) = JWKS_CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(at, _)| now - at < JWKS_TTL_SECONDS)
            .map(|(_, j)| j.clone())
    }) {
        return Ok(cached);
    }
    let url = format!("{}/cdn-cgi/access/certs", access.issuer);
    let mut response = Fetch::Url(
        url.parse()
            .map_err(|_| AppError::internal("ACCESS_TEAM_DOMAIN is not a URL"))?,
    )
    .send()
    .await?;
    let text = response.text().await?;
    JWKS_CACHE.with(|c| *c.borrow_mut() = Some((now, text.clone())));
    Ok(text)
}

/// Identifies the caller of a clinic API request.
pub async fn identify(ctx: &Ctx, req: &Request) -> Result<Caller, AppError> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    if let Some(key) = header.strip_prefix("Bearer ") {
        if !key.is_empty() && ctx.cfg.clinic_api_key.ct_eq(key) {
            return Ok(Caller {
                email: None,
                role: Role::Admin,
                dev_identity: false,
            });
        }
        return Err(AppError::code(ErrorCode::Unauthorized));
    }
    if let Some(token) = req.headers().get("cf-access-jwt-assertion")? {
        let access = ctx
            .cfg
            .access
            .as_ref()
            .ok_or_else(|| AppError::code(ErrorCode::Unauthorized))?;
        let keys = AccessKeys::from_jwks(&jwks(ctx).await?)
            .ok_or_else(|| AppError::internal("the Access JWKS has no usable keys"))?;
        let policy = AccessPolicy {
            issuer: &access.issuer,
            audience: &access.audience,
        };
        let email = verify_access(&token, &keys, &policy, ctx.now).map_err(|why| {
            worker::console_log!("Access token refused: {why:?}");
            AppError::code(ErrorCode::Unauthorized)
        })?;
        let role =
            role_of(&access.roles, &email).ok_or_else(|| {
                AppError::from(ApiError::new(ErrorCode::Forbidden).with_message(
                    "You have no role in Sealpost. Ask your practice's administrator.",
                ))
            })?;
        return Ok(Caller {
            email: Some(email),
            role,
            dev_identity: false,
        });
    }
    if ctx.cfg.dev_mode && crate::http::is_loopback_request(req) {
        return Ok(Caller {
            email: Some(DEV_EMAIL.to_owned()),
            role: Role::Admin,
            dev_identity: true,
        });
    }
    Err(AppError::code(ErrorCode::Unauthorized))
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

/// Parses `STAFF_ROLES`: a JSON object of email → "viewer" | "sharer" | "admin".
pub fn parse_roles(json: &str) -> Option<BTreeMap<String, Role>> {
    serde_json::from_str(json).ok()
}
