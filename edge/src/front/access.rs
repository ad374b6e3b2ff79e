//! Staff in the console, signed in through Cloudflare Access: the Worker verifies the Access
//! token (`Cf-Access-Jwt-Assertion`) against the team's keys and hands the verified email on.
//! Whether that email has a role is the practice's own decision, made in its Durable Object.

use std::cell::RefCell;

use sealpost_shared::access::{verify_access, AccessKeys, AccessPolicy};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::time::Now;
use worker::{Fetch, Request};

use crate::config::Config;
use crate::http::AppError;

thread_local! {
    /// The team's JWKS, fetched at most every ten minutes (keys rotate rarely).
    static JWKS_CACHE: RefCell<Option<(i64, String)>> = const { RefCell::new(None) };
}
const JWKS_TTL_SECONDS: i64 = 600;

async fn jwks(cfg: &Config, now: Now) -> Result<String, AppError> {
    let access = cfg
        .access
        .as_ref()
        .ok_or_else(|| AppError::internal("Access is not configured"))?;
    if let Some(inline) = &access.jwks_inline {
        return Ok(inline.clone());
    }
    let now = now.timestamp();
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

/// The verified, lower-cased email of the staff member whose Access token the request
/// carries; `None` when it carries none. A token that does not verify is 401.
pub async fn staff_email(
    cfg: &Config,
    req: &Request,
    now: Now,
) -> Result<Option<String>, AppError> {
    let Some(token) = req.headers().get("cf-access-jwt-assertion")? else {
        return Ok(None);
    };
    let access = cfg
        .access
        .as_ref()
        .ok_or_else(|| AppError::code(ErrorCode::Unauthorized))?;
    let keys = AccessKeys::from_jwks(&jwks(cfg, now).await?)
        .ok_or_else(|| AppError::internal("the Access JWKS has no usable keys"))?;
    let policy = AccessPolicy {
        issuer: &access.issuer,
        audience: &access.audience,
    };
    let email = verify_access(&token, &keys, &policy, now).map_err(|why| {
        worker::console_log!("Access token refused: {why:?}");
        AppError::code(ErrorCode::Unauthorized)
    })?;
    Ok(Some(email.trim().to_ascii_lowercase()))
}
