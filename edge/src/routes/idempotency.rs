//! `Idempotency-Key` on the clinic API's `POST`, `PUT` and `DELETE`: a retry answers the first
//! answer and does nothing else. The decision is `sealpost_shared::idempotency::decide`; this
//! module loads what it needs and carries it out.
//!
//! JSON routes ([`begin`], then [`finish`]): the body is read whole (at most 64 KiB) to
//! fingerprint it, then, with no `await` between them, the key's record is read, decided on and,
//! for a new request, reserved. Requests of one practice run one at a time between awaits, so a
//! concurrent duplicate finds the reservation and is refused (409) rather than doing the work
//! again. After the route answers, its answer is kept ([`finish`]) or, for a refusal that did
//! nothing (4xx), the reservation is dropped.
//!
//! Uploads ([`upload_check`]): the bytes stay in the Worker and go to R2 between the practice's
//! two steps, so nothing is reserved in the first step. It only answers a replay or a refusal,
//! and the Worker, finding no upload order in that answer, never reads the body: nothing is
//! stored again. The second step decides again and records the document and the answer in the
//! same turn (no await between them), so of two concurrent duplicates only one is recorded.

use js_sys::Uint8Array;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::idempotency::{self as idem, Decision, Record};
use sealpost_shared::time::{from_unix_seconds, Now};
use worker::{Headers, Method, Request, RequestInit, Response};

use crate::http::{self, AppError, MAX_JSON_BODY};
use crate::staff::{self, Caller};
use crate::store::Ctx;

/// A key reserved by the request now running, whose answer is to be kept.
pub struct Claim {
    scope: String,
    key: String,
}

pub enum Begin {
    /// Run the route; with a key, on the request rebuilt from the body read here, keeping the
    /// answer under the claim.
    Run {
        rebuilt: Option<Request>,
        claim: Option<Claim>,
    },
    /// A replay: the first answer, and nothing else.
    Answer(Response),
}

/// The key a request carries: `None` without the header; 400 `idempotency_key_invalid` when
/// it is not 1 to 255 visible ASCII characters.
pub fn key_of(req: &Request) -> Result<Option<String>, AppError> {
    match req.headers().get(idem::KEY_HEADER)? {
        None => Ok(None),
        Some(key) if idem::valid_key(&key) => Ok(Some(key)),
        Some(_) => Err(AppError::code(ErrorCode::IdempotencyKeyInvalid)),
    }
}

/// The method and target (path and query) a fingerprint covers.
fn target(req: &Request) -> Result<(String, String), AppError> {
    let url = req.url()?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Ok((req.method().to_string(), target))
}

/// For a clinic `POST`/`PUT`/`DELETE` with a key (uploads excepted, see [`upload_check`]):
/// replay, refuse, or reserve the key and run.
pub async fn begin(ctx: &Ctx, req: &mut Request) -> Result<Begin, AppError> {
    let plain = || Begin::Run {
        rebuilt: None,
        claim: None,
    };
    let path = req.path();
    let writes = matches!(req.method(), Method::Post | Method::Put | Method::Delete);
    if !writes || !path.starts_with("/api/v1/clinic/") || super::is_upload(&req.method(), &path) {
        return Ok(plain());
    }
    let Some(key) = key_of(req)? else {
        return Ok(plain());
    };
    // An unknown caller is the route's to refuse, as without a key.
    let Ok(caller) = staff::identify(ctx, req) else {
        return Ok(plain());
    };
    let body = http::read_bounded(req, MAX_JSON_BODY).await?;
    let rebuilt = rebuild(req, &body)?;
    let (method, target) = target(req)?;
    let fingerprint = idem::fingerprint(&method, &target, &body);
    let scope = caller.idempotency_scope();
    // From here to the reservation there is no await: nothing else runs in between.
    let now = crate::store::clock();
    if let Some(answer) = check(ctx, &scope, &key, &fingerprint, now)? {
        return Ok(Begin::Answer(answer));
    }
    reserve(ctx, &scope, &key, &fingerprint, now)?;
    Ok(Begin::Run {
        rebuilt: Some(rebuilt),
        claim: Some(Claim { scope, key }),
    })
}

/// The same request with the body already read.
fn rebuild(req: &Request, body: &[u8]) -> Result<Request, AppError> {
    let mut init = RequestInit::new();
    init.with_method(req.method())
        .with_headers(req.headers().clone());
    if !body.is_empty() {
        init.with_body(Some(Uint8Array::from(body).into()));
    }
    Ok(Request::new_with_init(req.url()?.as_str(), &init)?)
}

/// Decides on a request with this key: `None` to run it, or the answer to give instead (a
/// replay), or a refusal (422 another request, 409 still running).
fn check(
    ctx: &Ctx,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: Now,
) -> Result<Option<Response>, AppError> {
    let row = ctx.db.idempotency_record(scope, key)?;
    let record = row.as_ref().map(|r| Record {
        fingerprint: &r.fingerprint,
        created_at: from_unix_seconds(r.created_at),
        answered: r.status.is_some(),
    });
    match idem::decide(record.as_ref(), fingerprint, now) {
        Decision::Proceed => Ok(None),
        Decision::Mismatch => Err(AppError::code(ErrorCode::IdempotencyKeyReused)),
        Decision::InProgress => Err(AppError::code(ErrorCode::IdempotencyInProgress)),
        Decision::Replay => {
            let row = row.ok_or_else(|| AppError::internal("replay without a record"))?;
            let status = row
                .status
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(500);
            let headers = Headers::new();
            headers.set(
                "content-type",
                row.content_type.as_deref().unwrap_or("application/json"),
            )?;
            headers.set(idem::REPLAYED_HEADER, "true")?;
            Ok(Some(
                Response::ok(row.body.unwrap_or_default())?
                    .with_status(status)
                    .with_headers(headers),
            ))
        }
    }
}

/// Reserves the key (and forgets keys past their 24 hours, along an index).
fn reserve(ctx: &Ctx, scope: &str, key: &str, fingerprint: &str, now: Now) -> Result<(), AppError> {
    ctx.db
        .prune_idempotency(idem::expired_before(now).timestamp())?;
    ctx.db
        .reserve_idempotency(scope, key, fingerprint, now.timestamp())
}

/// Keeps the route's answer for the key's retries, or drops the reservation when the answer
/// is a refusal that did nothing (4xx).
pub async fn finish(
    ctx: &Ctx,
    claim: Claim,
    result: Result<Response, AppError>,
) -> Result<Response, AppError> {
    let mut response = result.unwrap_or_else(AppError::into_response);
    let status = response.status_code();
    if !idem::keeps_answer(status) {
        ctx.db.release_idempotency(&claim.scope, &claim.key)?;
        return Ok(response);
    }
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")?
        .unwrap_or_else(|| "application/json".to_owned());
    let body = response.text().await?;
    ctx.db
        .answer_idempotency(&claim.scope, &claim.key, status, &content_type, &body)?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// An upload's key, fingerprinted by its target and what describes the bytes the Worker holds
/// (content type, declared length and any `Content-Digest`): the bytes themselves stream to
/// storage and never reach the practice.
pub struct UploadKey {
    scope: String,
    key: String,
    fingerprint: String,
}

impl UploadKey {
    /// `None` without a key.
    pub fn of(req: &Request, caller: &Caller) -> Result<Option<Self>, AppError> {
        let Some(key) = key_of(req)? else {
            return Ok(None);
        };
        let headers = req.headers();
        let described = format!(
            "{}\n{}\n{}",
            headers.get("content-type")?.unwrap_or_default(),
            headers
                .get(crate::internal::DECLARED_LENGTH)?
                .unwrap_or_default(),
            headers.get("content-digest")?.unwrap_or_default(),
        );
        let (method, target) = target(req)?;
        Ok(Some(Self {
            scope: caller.idempotency_scope(),
            key,
            fingerprint: idem::fingerprint(&method, &target, described.as_bytes()),
        }))
    }
}

/// Either step of an upload: `None` to go on, or the answer to give instead (a replay).
pub fn upload_check(ctx: &Ctx, key: &UploadKey, now: Now) -> Result<Option<Response>, AppError> {
    check(ctx, &key.scope, &key.key, &key.fingerprint, now)
}

/// The upload's second step keeps its answer in the same turn as the document's record.
pub fn upload_answer(
    ctx: &Ctx,
    key: &UploadKey,
    now: Now,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    reserve(ctx, &key.scope, &key.key, &key.fingerprint, now)?;
    ctx.db.answer_idempotency(
        &key.scope,
        &key.key,
        status,
        "application/json; charset=utf-8",
        body,
    )
}
