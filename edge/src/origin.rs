//! Origin storage (the R2 bucket): documents go in through the clinic API and out through
//! the portal API, streamed in both directions, never buffered whole (128 MB isolates).

use sealpost_shared::error::ErrorCode;
use worker::{Bucket, Env, Headers, Response, ResponseBody};

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

/// Streams a document from R2 with safe headers. `head_only` answers HEAD without a body.
pub async fn stream_document(
    env: &Env,
    doc: &DocumentRow,
    disposition: Disposition,
    head_only: bool,
) -> Result<Response, AppError> {
    let bucket = bucket(env)?;
    let object = if head_only {
        bucket.head(doc.storage_key.clone()).await
    } else {
        bucket.get(doc.storage_key.clone()).execute().await
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
    headers.set("content-length", &object.size().to_string())?;
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
    Ok(Response::from_body(body)?.with_headers(headers))
}
