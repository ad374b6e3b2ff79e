//! Origin storage (the R2 bucket): documents go in through the clinic API and out through
//! the portal API, streamed in both directions, never buffered whole (128 MB isolates).

use sealpost_shared::error::ErrorCode;
use sealpost_shared::range::{parse_range, ByteRange};
use worker::{Bucket, Env, Headers, Range, Response, ResponseBody};

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

/// The storage key of a document: opaque ids only.
pub fn storage_key(patient_id: &str, document_id: &str) -> String {
    format!("patients/{patient_id}/documents/{document_id}")
}

/// How the browser should treat the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Attachment,
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
    let ext = match doc.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "text/plain" => "txt",
        _ => "bin",
    };
    format!("{stem}.{ext}")
}

/// Streams a document from R2 with safe headers. `head_only` answers HEAD without a body;
/// `range` is the request's `Range` header (one byte range is served as 206).
pub async fn stream_document(
    env: &Env,
    doc: &DocumentRow,
    disposition: Disposition,
    head_only: bool,
    range: Option<&str>,
) -> Result<Response, AppError> {
    let bucket = bucket(env)?;
    let size = u64::try_from(doc.size).unwrap_or(0);
    let wanted = parse_range(range, size);
    if wanted == ByteRange::Unsatisfiable {
        let mut response = AppError::code(ErrorCode::RangeNotSatisfiable).into_response();
        if let Some(value) = wanted.content_range(size) {
            response.headers_mut().set("content-range", &value)?;
        }
        return Ok(response);
    }
    let object = if head_only {
        bucket.head(doc.storage_key.clone()).await
    } else {
        let get = bucket.get(doc.storage_key.clone());
        match wanted {
            ByteRange::Partial { start, end } => {
                get.range(Range::OffsetWithLength {
                    offset: start,
                    length: end - start + 1,
                })
                .execute()
                .await
            }
            _ => get.execute().await,
        }
    }
    .map_err(|e| {
        worker::console_error!("origin read failed: {e}");
        AppError::code(ErrorCode::OriginUnavailable)
    })?
    .ok_or_else(|| {
        worker::console_error!("origin object missing for a live document");
        AppError::code(ErrorCode::OriginUnavailable)
    })?;

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
        &format!("{kind}; filename=\"{}\"", file_name(doc)),
    )?;
    headers.set("accept-ranges", "bytes")?;
    let (status, length) = match wanted {
        ByteRange::Partial { start, end } if !head_only => {
            if let Some(value) = wanted.content_range(object.size()) {
                headers.set("content-range", &value)?;
            }
            (206, end - start + 1)
        }
        _ => (200, object.size()),
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
    let body = if head_only {
        ResponseBody::Empty
    } else {
        object
            .body()
            .ok_or_else(|| AppError::code(ErrorCode::OriginUnavailable))?
            .response_body()?
    };
    Ok(Response::from_body(body)?
        .with_status(status)
        .with_headers(headers))
}
