//! HTTP plumbing: the one error-to-response mapping, JSON bodies, and the security headers
//! that every response carries.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::wire::ApiError;
use serde::{de::DeserializeOwned, Serialize};
use worker::{console_error, Headers, Request, Response};

/// JSON request bodies larger than this are refused unread (judged by `Content-Length`) or,
/// without one, as soon as this many bytes have arrived.
pub const MAX_JSON_BODY: u64 = 64 * 1024;

/// Whether the request was addressed to a loopback host. Development conveniences (the dev
/// identity, the outbox) need this as well as the configuration: a deployment that kept a
/// development setting by mistake still gives nothing away to a request from the Internet.
pub fn is_loopback_request(req: &Request) -> bool {
    req.url()
        .is_ok_and(|url| crate::config::is_loopback_host(url.host_str().unwrap_or_default()))
}

fn too_large(limit: u64) -> AppError {
    ApiError::new(ErrorCode::BodyTooLarge)
        .with_message(format!("The request body is larger than {limit} bytes."))
        .into()
}

/// The declared body length, refused with `body_too_large` when over `limit`. Nothing is read.
pub fn check_declared_length(req: &Request, limit: u64) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Reads a body of at most `limit` bytes, chunk by chunk, stopping with `body_too_large` as
/// soon as more arrive: never more than `limit` plus one chunk is held.
pub async fn read_bounded(req: &mut Request, limit: u64) -> Result<Vec<u8>, AppError> {
    use futures_util::StreamExt;
    check_declared_length(req, limit)?;
    let mut out = Vec::new();
    if req.inner().body().is_none() {
        return Ok(out);
    }
    let mut stream = req.stream()?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if u64::try_from(out.len() + chunk.len()).unwrap_or(u64::MAX) > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Every failure of a request. `Internal` carries a detail for the log, never for the client.
#[derive(Debug)]
pub enum AppError {
    Api(Box<ApiError>),
    Internal(String),
}

impl AppError {
    pub fn code(code: ErrorCode) -> Self {
        Self::Api(Box::new(ApiError::new(code)))
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    /// The one place that turns an error into an HTTP response.
    pub fn into_response(self) -> Response {
        let body = match self {
            Self::Api(body) => *body,
            Self::Internal(detail) => {
                console_error!("internal error: {detail}");
                ApiError::new(ErrorCode::Internal)
            }
        };
        json_response(&body, body.code.http_status())
    }
}

impl From<ApiError> for AppError {
    fn from(body: ApiError) -> Self {
        Self::Api(Box::new(body))
    }
}

impl From<worker::Error> for AppError {
    fn from(err: worker::Error) -> Self {
        Self::Internal(err.to_string())
    }
}

/// A JSON response with the given status. Serialisation of our own types cannot fail; if it
/// somehow does, the client gets a bare 500 rather than a panic.
pub fn json_response<T: Serialize>(value: &T, status: u16) -> Response {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{\"code\":\"internal\"}".into());
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json; charset=utf-8");
    match Response::ok(body) {
        Ok(r) => r.with_status(status).with_headers(headers),
        Err(_) => bare(500),
    }
}

pub fn json_ok<T: Serialize>(value: &T) -> Result<Response, AppError> {
    Ok(json_response(value, 200))
}

fn bare(status: u16) -> Response {
    Response::empty()
        .map(|r| r.with_status(status))
        .unwrap_or_else(|_| Response::builder().with_status(status).empty())
}

/// Reads a JSON body of type `T`, refusing wrong content types, oversized and malformed bodies.
/// Requiring `application/json` also means a cross-site form cannot post here without a
/// CORS preflight, which we never grant.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, AppError> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    // A body left unread here is drained (streamed, not kept) by `routes::handle`.
    let bytes = read_bounded(req, MAX_JSON_BODY).await?;
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(ErrorCode::BadRequest)
            .with_message("Send the body as application/json.")
            .into());
    }
    serde_json::from_slice(&bytes).map_err(|err| {
        ApiError::new(ErrorCode::BadRequest)
            .with_message(format!("The request body is not valid: {err}"))
            .into()
    })
}

/// The page CSP: our own scripts, styles and wasm only, nothing framed, nothing embedded.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Documents get a sandbox on top: a hostile PDF or SVG cannot run script in our origin.
pub const DOCUMENT_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
object-src 'none'; sandbox; frame-ancestors 'none'";

/// Adds the security headers to any response: the page CSP (nothing framed), no referrer,
/// `nosniff`, HSTS and `no-store` (docs/SECURITY.md, "Controls"). Document responses already
/// carry their sandboxing CSP and `no-store`; those are kept.
pub fn secure(response: Response) -> Response {
    let headers = response.headers().clone();
    let set = |k: &str, v: &str| {
        let _ = headers.set(k, v);
    };
    if !headers.has("content-security-policy").unwrap_or(false) {
        set("content-security-policy", PAGE_CSP);
    }
    set("referrer-policy", "no-referrer");
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set("cross-origin-resource-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    );
    if !headers.has("cache-control").unwrap_or(false) {
        set("cache-control", "no-store");
    }
    response.with_headers(headers)
}
