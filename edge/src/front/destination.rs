//! Where an API request goes, decided from what it carries, without any lookup of shared state
//! (the directory is asked only for the console's practice picker and for staff who did not
//! say which practice they are working in).
//!
//! | request                                   | practice from                     |
//! |-------------------------------------------|-----------------------------------|
//! | `/api/v1/operator/…`                      | none: the directory, operator key |
//! | `/api/v1/clinic/…` with a bearer key      | the key's prefix                  |
//! | `/api/v1/clinic/…` with an Access token   | `sealpost-practice` or directory  |
//! | `/api/v1/portal/{open,verify/…,sms/send}` | the link's signed `prc` claim     |
//! | other `/api/v1/portal/…`                  | the session cookie's prefix       |
//! | `/dev/outbox?practice=…` (dev only)       | the query                         |
//! | `/api/v1/providers/sendgrid/events`       | each event's `custom_args`        |
//!
//! Credentials that name no practice (from before practices existed) go to the deployment's
//! `LEGACY_PRACTICE`, and are refused when there is none.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::secret::SecretString;
use sealpost_shared::session::{clear_session_cookie, session_from_cookie_header};
use sealpost_shared::staff::{StaffPractices, PRACTICE_HEADER};
use sealpost_shared::tenancy::{route_of_api_key, PracticeId, Route};
use sealpost_shared::text::percent_encode;
use sealpost_shared::time::Now;
use sealpost_shared::token::{accept_link, parse_link};
use sealpost_shared::wire::ApiError;
use worker::{Env, Method, Request, Response};

use super::{access, forward};
use crate::config::Config;
use crate::http::{self, AppError, MAX_JSON_BODY};
use crate::internal::{self, VerifiedLink};
use crate::staff::DEV_EMAIL;

pub enum Destination {
    /// Answered by the Worker itself.
    Answer(Response),
    /// The operator API and the staff directory.
    Directory(Request),
    /// A document upload to one practice: the Worker keeps the body (see `front::upload`).
    Upload {
        practice: PracticeId,
        original: Request,
        extra: Vec<(&'static str, String)>,
    },
    /// One practice's Durable Object. `range` and `head_only` are kept for a stream order.
    Practice {
        practice: PracticeId,
        request: Request,
        range: Option<String>,
        head_only: bool,
    },
}

pub async fn of(req: Request, cfg: &Config, env: &Env, now: Now) -> Result<Destination, AppError> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        // The portal's actions are POSTs: anything else (a mail scanner's GET) is refused
        // before any credential is looked at, and changes nothing.
        ["api", "v1", "portal", "open" | "sign-out"]
        | ["api", "v1", "portal", "verify", _]
        | ["api", "v1", "portal", "sms", "send"]
            if req.method() != Method::Post =>
        {
            Err(AppError::code(ErrorCode::MethodNotAllowed))
        }
        ["api", "v1", "operator", ..] => operator(req, cfg).await,
        ["api", "v1", "staff", "practices"] => staff_practices(req, cfg, env, now).await,
        ["api", "v1", "clinic", ..] => clinic(req, cfg, env, now).await,
        ["api", "v1", "portal", "open"]
        | ["api", "v1", "portal", "verify", _]
        | ["api", "v1", "portal", "sms", "send"] => link(req, cfg, now).await,
        ["api", "v1", "portal", ..] => session(req, cfg).await,
        ["dev", "outbox"] => outbox(req, cfg).await,
        // The mail provider's delivery events: signed by the provider, answered here.
        ["api", "v1", "providers", "sendgrid", "events"] => Ok(Destination::Answer(
            crate::provider_events::sendgrid(req, cfg, env, now).await?,
        )),
        _ => Err(AppError::code(ErrorCode::NotFound)),
    }
}

fn legacy_or(cfg: &Config, route: Route, refusal: ErrorCode) -> Result<PracticeId, AppError> {
    match route {
        Route::Practice(practice) => Ok(practice),
        Route::Legacy => cfg
            .legacy_practice
            .clone()
            .ok_or_else(|| AppError::code(refusal)),
        Route::Malformed => Err(AppError::code(refusal)),
    }
}

async fn to_practice(
    req: Request,
    practice: PracticeId,
    extra: &[(&str, String)],
    body: forward::Body,
) -> Result<Destination, AppError> {
    let range = req.headers().get("range")?;
    let head_only = req.method() == Method::Head;
    let mut headers: Vec<(&str, String)> = vec![(internal::PRACTICE, practice.to_string())];
    headers.extend(extra.iter().cloned());
    let request = forward::request(&req, &headers, body)?;
    Ok(Destination::Practice {
        practice,
        request,
        range,
        head_only,
    })
}

async fn operator(req: Request, cfg: &Config) -> Result<Destination, AppError> {
    let Some(secret) = &cfg.operator_key else {
        return Err(ApiError::new(ErrorCode::NotConfigured)
            .with_message("OPERATOR_API_KEY is not set: the operator API is off.")
            .into());
    };
    if !bearer(&req)?.is_some_and(|key| secret.ct_eq(key.expose())) {
        return Err(AppError::code(ErrorCode::Unauthorized));
    }
    Ok(Destination::Directory(forward::request(
        &req,
        &[],
        forward::Body::Stream,
    )?))
}

fn bearer(req: &Request) -> Result<Option<SecretString>, AppError> {
    Ok(req
        .headers()
        .get("authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(SecretString::new))
        .filter(|k| !k.is_empty()))
}

/// Who the console's caller is: a verified Access email, or in local development the dev
/// identity. `None` when neither.
async fn staff(req: &Request, cfg: &Config, now: Now) -> Result<Option<Staff>, AppError> {
    if let Some(email) = access::staff_email(cfg, req, now).await? {
        return Ok(Some(Staff::Email(email)));
    }
    if cfg.dev_mode && http::is_loopback_request(req) {
        return Ok(Some(Staff::DevIdentity));
    }
    Ok(None)
}

enum Staff {
    Email(String),
    DevIdentity,
}

async fn memberships(env: &Env, who: &Staff) -> Result<StaffPractices, AppError> {
    let query = match who {
        Staff::Email(email) => format!("email={}", urlencode(email)),
        Staff::DevIdentity => "all=1".to_owned(),
    };
    let stub = env
        .durable_object(crate::directory::BINDING)?
        .get_by_name(crate::directory::NAME)?;
    let mut response = stub
        .fetch_with_str(&format!(
            "https://directory.internal/internal/directory/staff?{query}"
        ))
        .await?;
    if response.status_code() != 200 {
        return Err(AppError::internal("the directory did not answer"));
    }
    Ok(response.json().await?)
}

fn urlencode(text: &str) -> String {
    percent_encode(text, |b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
}

async fn staff_practices(
    req: Request,
    cfg: &Config,
    env: &Env,
    now: Now,
) -> Result<Destination, AppError> {
    let who = staff(&req, cfg, now)
        .await?
        .ok_or_else(|| AppError::code(ErrorCode::Unauthorized))?;
    let list = memberships(env, &who).await?;
    Ok(Destination::Answer(http::json_ok(&list)?))
}

async fn clinic(req: Request, cfg: &Config, env: &Env, now: Now) -> Result<Destination, AppError> {
    if let Some(key) = bearer(&req)? {
        // The practice's own Durable Object checks the key against its stored hashes.
        let practice = legacy_or(cfg, route_of_api_key(key.expose()), ErrorCode::Unauthorized)?;
        return clinic_to(req, practice, Vec::new()).await;
    }
    let who = staff(&req, cfg, now)
        .await?
        .ok_or_else(|| AppError::code(ErrorCode::Unauthorized))?;
    // The console names the practice in a header; what the browser loads by itself (a
    // document preview in <img> or a new tab) names it in the query instead.
    let in_query = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "practice")
        .map(|(_, v)| v.into_owned());
    let chosen = req
        .headers()
        .get(PRACTICE_HEADER)?
        .or(in_query)
        .map(|p| {
            PracticeId::try_from(p.trim()).map_err(|_| {
                AppError::from(
                    ApiError::new(ErrorCode::BadRequest)
                        .with_message("The sealpost-practice header is not a practice id."),
                )
            })
        })
        .transpose()?;
    let practice =
        match chosen {
            Some(practice) => practice,
            None => {
                let mut list = memberships(env, &who).await?.practices;
                match (list.pop(), list.is_empty()) {
                    (Some(only), true) => only.id,
                    (Some(_), false) => return Err(AppError::code(ErrorCode::PracticeRequired)),
                    (None, _) => match (&who, &cfg.legacy_practice) {
                        (Staff::DevIdentity, Some(legacy)) => legacy.clone(),
                        _ => return Err(ApiError::new(ErrorCode::Forbidden)
                            .with_message(
                                "You have no role in Sealpost. Ask your practice's administrator.",
                            )
                            .into()),
                    },
                }
            }
        };
    let extra = match who {
        Staff::Email(email) => vec![(internal::STAFF, email)],
        Staff::DevIdentity => vec![
            (internal::STAFF, DEV_EMAIL.to_owned()),
            (internal::DEV_IDENTITY, "1".to_owned()),
        ],
    };
    clinic_to(req, practice, extra).await
}

/// A clinic API request for `practice`; an upload keeps its body in the Worker.
async fn clinic_to(
    req: Request,
    practice: PracticeId,
    mut extra: Vec<(&'static str, String)>,
) -> Result<Destination, AppError> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if req.method() == Method::Put
        && matches!(
            segments.as_slice(),
            ["api", "v1", "clinic", "patients", _, "documents", _]
        )
    {
        extra.push((internal::PRACTICE, practice.to_string()));
        return Ok(Destination::Upload {
            practice,
            original: req,
            extra,
        });
    }
    to_practice(req, practice, &extra, forward::Body::Stream).await
}

/// The link token's routes: the body `{token, …}` is read here (bounded), the token verified
/// once, and the request goes to the practice the link's signed claim names. A token that does
/// not verify gets its answer here: no practice is asked, nothing is read or written.
async fn link(mut req: Request, cfg: &Config, now: Now) -> Result<Destination, AppError> {
    #[derive(serde::Deserialize)]
    struct Token {
        token: String,
    }
    let bytes = http::read_bounded(&mut req, MAX_JSON_BODY).await?;
    // A body that is not `{token}` JSON is the practice's to refuse with its usual message;
    // without a token there is no practice to ask, so it is refused here the same way.
    let token: Token = serde_json::from_slice(&bytes).map_err(|err| {
        AppError::from(
            ApiError::new(ErrorCode::BadRequest)
                .with_message(format!("The request body is not valid: {err}")),
        )
    })?;
    let invalid = |_| AppError::code(ErrorCode::LinkInvalid);
    let unsigned = parse_link(&cfg.keys, &token.token).map_err(invalid)?;
    let valid = super::ed25519::verify(
        &unsigned.public_key,
        unsigned.message.as_bytes(),
        &unsigned.signature,
    )
    .await?;
    let signed = accept_link(&cfg.keys, unsigned, valid, now).map_err(invalid)?;
    let practice = legacy_or(
        cfg,
        match &signed.claims.practice {
            Some(practice) => Route::Practice(practice.clone()),
            None => Route::Legacy,
        },
        ErrorCode::LinkInvalid,
    )?;
    let verdict = serde_json::to_string(&VerifiedLink::from(&signed))
        .map_err(|_| AppError::internal("verified link not serialisable"))?;
    to_practice(
        req,
        practice,
        &[(internal::LINK, verdict)],
        forward::Body::Bytes(bytes),
    )
    .await
}

async fn session(req: Request, cfg: &Config) -> Result<Destination, AppError> {
    let header = req.headers().get("cookie")?.unwrap_or_default();
    let Some(cookie) = session_from_cookie_header(&header) else {
        if req.path() == "/api/v1/portal/sign-out" && req.method() == Method::Post {
            // Nothing to end: say so and clear whatever cookie the browser may hold.
            let mut response = http::json_ok(&serde_json::json!({ "signed_out": true }))?;
            response
                .headers_mut()
                .set("set-cookie", &clear_session_cookie())?;
            return Ok(Destination::Answer(response));
        }
        return Err(AppError::code(ErrorCode::SessionRequired));
    };
    let route = match cookie.practice {
        Some(practice) => Route::Practice(practice),
        None => Route::Legacy,
    };
    let practice = legacy_or(cfg, route, ErrorCode::SessionRequired)?;
    to_practice(req, practice, &[], forward::Body::Stream).await
}

async fn outbox(req: Request, cfg: &Config) -> Result<Destination, AppError> {
    if !(cfg.dev_mode && http::is_loopback_request(&req)) {
        return Err(AppError::code(ErrorCode::DevOnly));
    }
    let url = req.url()?;
    let named = url
        .query_pairs()
        .find(|(k, _)| k == "practice")
        .map(|(_, v)| v.into_owned());
    let practice = match named {
        Some(id) => PracticeId::try_from(id).map_err(|_| AppError::code(ErrorCode::NotFound))?,
        None => cfg
            .legacy_practice
            .clone()
            .ok_or_else(|| AppError::code(ErrorCode::NotFound))?,
    };
    to_practice(req, practice, &[], forward::Body::Stream).await
}
