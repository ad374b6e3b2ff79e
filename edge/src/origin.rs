//! Origin storage (the R2 bucket, or a clinic's HTTP origin): documents go in through the
//! clinic API and out through the portal API, streamed in both directions, never buffered
//! whole (128 MB isolates).
//!
//! Reading is split in two: a practice's Durable Object decides whether the caller may have a
//! document and answers with a [`StreamOrder`]; the stateless Worker carries it out
//! ([`stream_document`]), so document bytes never pass through a Durable Object.

use futures_util::future::{select, Either};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::range::{parse_range, ByteRange};
use worker::{
    AbortController, Bucket, Delay, Env, Fetch, Headers, Method, Range, Request, RequestInit,
    Response, ResponseBody,
};

use serde::{Deserialize, Serialize};

use crate::config::HttpOrigin;
use crate::http::{AppError, DOCUMENT_CSP};
use crate::store::db::DocumentRow;

const BUCKET_BINDING: &str = "DOCUMENTS";

/// Content types a browser may show inline. Anything else is always a download.
const INLINE_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
];

pub fn bucket(env: &Env) -> Result<Bucket, AppError> {
    Ok(env.bucket(BUCKET_BINDING)?)
}

/// How the browser should treat the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Inline,
    Attachment,
}

/// The file extension for a content type we know, `bin` otherwise.
pub fn extension(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// What a Durable Object hands the Worker to stream: where the bytes are and how to label
/// them. Only the Worker reads the bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct StreamOrder {
    pub storage_key: String,
    pub content_type: String,
    pub size: u64,
    pub file_name: String,
    pub disposition: Disposition,
    /// The clinic's HTTP origin, for documents kept there (`http:` keys).
    pub origin: Option<OriginAccess>,
}

/// What a Durable Object hands the Worker for an upload it allows: where to store the body
/// and what to check on the way.
#[derive(Debug, Serialize, Deserialize)]
pub struct UploadOrder {
    pub storage_key: String,
    /// A structured consultation note (JSON): read whole and checked before it is stored.
    pub note: bool,
    /// The declared length, already checked against the limits.
    pub size: u64,
}

impl UploadOrder {
    pub fn into_response(self) -> Result<Response, AppError> {
        let mut response = crate::http::json_ok(&self)?;
        response
            .headers_mut()
            .set(crate::internal::STREAM, crate::internal::STREAM_UPLOAD)?;
        Ok(response)
    }
}

/// What the Worker stored for an [`UploadOrder`], handed back for the practice to record.
#[derive(Debug, Serialize, Deserialize)]
pub struct Stored {
    pub size: u64,
    /// A structured note's sections: ids and titles, in note order.
    pub sections: Option<Vec<sealpost_shared::wire::SectionHeading>>,
}

/// What a Durable Object hands the Worker for a consultation note: which note, what to call
/// it, and which sections were granted (`None`: all).
#[derive(Debug, Serialize, Deserialize)]
pub struct NoteOrder {
    pub storage_key: String,
    pub practice_name: String,
    pub title: String,
    pub date: sealpost_shared::chrono::NaiveDate,
    pub chosen: Option<Vec<String>>,
}

impl NoteOrder {
    pub fn into_response(self) -> Result<Response, AppError> {
        let mut response = crate::http::json_ok(&self)?;
        response
            .headers_mut()
            .set(crate::internal::STREAM, crate::internal::STREAM_NOTE)?;
        Ok(response)
    }
}

/// How to reach a clinic's HTTP origin (the token stays inside Sealpost: Durable Object to
/// Worker to origin).
#[derive(Debug, Serialize, Deserialize)]
pub struct OriginAccess {
    pub base: String,
    pub token: String,
    pub timeout_seconds: u64,
}

impl StreamOrder {
    pub fn new(doc: &DocumentRow, disposition: Disposition, origin: Option<&HttpOrigin>) -> Self {
        Self {
            storage_key: doc.storage_key.clone(),
            content_type: doc.content_type.clone(),
            size: u64::try_from(doc.size).unwrap_or(0),
            file_name: file_name(doc),
            disposition,
            origin: origin
                .filter(|_| is_http_storage_key(&doc.storage_key))
                .map(|o| OriginAccess {
                    base: o.base.clone(),
                    token: o.token.expose().to_owned(),
                    timeout_seconds: o.timeout_seconds,
                }),
        }
    }

    /// The Durable Object's answer: the order as JSON, marked for the Worker.
    pub fn into_response(self) -> Result<Response, AppError> {
        let mut response = crate::http::json_ok(&self)?;
        response.headers_mut().set(crate::internal::STREAM, "1")?;
        Ok(response)
    }
}

/// A safe ASCII file name for `Content-Disposition`, from the title and type.
fn file_name(doc: &DocumentRow) -> String {
    let stem: String = doc
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let ext = extension(&doc.content_type);
    format!("{stem}.{ext}")
}

/// The bytes of a document as origin storage hands them over: a body stream (or none for
/// HEAD) and whether it is the requested range.
struct OriginBody {
    body: ResponseBody,
    /// The byte range this body holds, `None` for the whole document.
    range: Option<(u64, u64)>,
}

/// Where a document lives: R2 by default; `http:<path>` on the clinic's own HTTP origin.
const HTTP_PREFIX: &str = "http:";

/// The storage key of a document kept on the clinic's HTTP origin at `path`.
pub fn http_storage_key(path: &str) -> String {
    format!("{HTTP_PREFIX}{path}")
}

/// Whether a storage key names a document on the clinic's HTTP origin (not in R2).
pub fn is_http_storage_key(key: &str) -> bool {
    key.starts_with(HTTP_PREFIX)
}

/// A path on the clinic's origin: relative, URL-safe, no `..`. Configured origins only: the
/// host always comes from `ORIGIN_BASE_URL`, never from the request.
pub fn is_valid_origin_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 512
        && !path.starts_with('/')
        && !path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
}

async fn from_r2(
    env: &Env,
    key: &str,
    wanted: ByteRange,
    head_only: bool,
) -> Result<OriginBody, AppError> {
    let bucket = bucket(env)?;
    let fail = |what: String| {
        worker::console_error!("origin read failed: {what}");
        AppError::code(ErrorCode::OriginUnavailable)
    };
    if head_only {
        bucket
            .head(key.to_owned())
            .await
            .map_err(|e| fail(e.to_string()))?
            .ok_or_else(|| fail("object missing".into()))?;
        return Ok(OriginBody {
            body: ResponseBody::Empty,
            range: None,
        });
    }
    let get = bucket.get(key.to_owned());
    let (object, range) = match wanted {
        ByteRange::Partial { start, end } => (
            get.range(Range::OffsetWithLength {
                offset: start,
                length: end - start + 1,
            })
            .execute()
            .await,
            Some((start, end)),
        ),
        _ => (get.execute().await, None),
    };
    let object = object
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| fail("object missing".into()))?;
    let body = object
        .body()
        .ok_or_else(|| fail("object without body".into()))?
        .response_body()?;
    Ok(OriginBody { body, range })
}

async fn from_http(
    origin: &OriginAccess,
    path: &str,
    wanted: ByteRange,
    head_only: bool,
) -> Result<OriginBody, AppError> {
    let fail = |what: String| {
        worker::console_error!("HTTP origin failed: {what}");
        AppError::code(ErrorCode::OriginUnavailable)
    };
    let headers = Headers::new();
    headers.set("authorization", &format!("Bearer {}", origin.token))?;
    if let ByteRange::Partial { start, end } = wanted {
        headers.set("range", &format!("bytes={start}-{end}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(if head_only { Method::Head } else { Method::Get })
        .with_headers(headers);
    let request = Request::new_with_init(&format!("{}/{path}", origin.base), &init)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let send = Box::pin(fetch.send_with_signal(&signal));
    let timeout = std::time::Duration::from_secs(origin.timeout_seconds);
    let response = match select(send, Box::pin(Delay::from(timeout))).await {
        Either::Left((result, _)) => result.map_err(|e| fail(e.to_string()))?,
        Either::Right(_) => {
            controller.abort();
            return Err(fail("timed out before answering".into()));
        }
    };
    let range = match (response.status_code(), wanted) {
        (206, ByteRange::Partial { start, end }) => Some((start, end)),
        (200, _) => None,
        (status, _) => return Err(fail(format!("answered {status}"))),
    };
    // The origin's body stream is handed on as it is: never read into memory here.
    let body = if head_only {
        ResponseBody::Empty
    } else {
        response.into_parts().1
    };
    Ok(OriginBody { body, range })
}

/// Streams a document from origin storage with safe headers. `head_only` answers HEAD
/// without a body; `range` is the request's `Range` header (one byte range is served as 206).
pub async fn stream_document(
    env: &Env,
    doc: &StreamOrder,
    head_only: bool,
    range: Option<&str>,
) -> Result<Response, AppError> {
    let size = doc.size;
    let disposition = doc.disposition;
    let wanted = parse_range(range, size);
    if wanted == ByteRange::Unsatisfiable {
        let mut response = AppError::code(ErrorCode::RangeNotSatisfiable).into_response();
        if let Some(value) = wanted.content_range(size) {
            response.headers_mut().set("content-range", &value)?;
        }
        return Ok(response);
    }
    let source = match doc.storage_key.strip_prefix(HTTP_PREFIX) {
        Some(path) => {
            let origin = doc.origin.as_ref().ok_or_else(|| {
                worker::console_error!("document on the HTTP origin, but none is configured");
                AppError::code(ErrorCode::OriginUnavailable)
            })?;
            from_http(origin, path, wanted, head_only).await?
        }
        None => from_r2(env, &doc.storage_key, wanted, head_only).await?,
    };

    let inline_allowed = INLINE_TYPES.contains(&doc.content_type.as_str());
    let (content_type, disposition) = if inline_allowed {
        (doc.content_type.as_str(), disposition)
    } else {
        ("application/octet-stream", Disposition::Attachment)
    };
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let headers = Headers::new();
    headers.set("content-type", content_type)?;
    headers.set(
        "content-disposition",
        &format!("{kind}; filename=\"{}\"", doc.file_name),
    )?;
    headers.set("accept-ranges", "bytes")?;
    // The length is the registered size, so a client can tell a stream cut short by a
    // failing origin from a complete document.
    let (status, length) = match source.range {
        Some((start, end)) => {
            headers.set("content-range", &format!("bytes {start}-{end}/{size}"))?;
            (206, end - start + 1)
        }
        None => (200, size),
    };
    headers.set("content-length", &length.to_string())?;
    headers.set("cache-control", "no-store, private")?;
    headers.set("x-content-type-options", "nosniff")?;
    // PDF viewers refuse to run under a CSP sandbox, and PDFs are only shown top-level
    // (never framed); every other type is fully sandboxed.
    if content_type == "application/pdf" {
        headers.set(
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        )?;
    } else {
        headers.set("content-security-policy", DOCUMENT_CSP)?;
    }
    Ok(Response::from_body(source.body)?
        .with_status(status)
        .with_headers(headers))
}
