//! Uploads, carried by the Worker: the practice allows the upload (first call, no body), the
//! Worker streams the body into R2 (a structured note is read and checked instead), and the
//! practice records what was stored (second call). Document bytes never pass through the
//! practice's Durable Object.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::wire::{ApiError, ConsultationNote};
use worker::{Env, Request, Response, Stub};

use super::forward::{self, Body};
use crate::http::{self, AppError};
use crate::internal;
use crate::origin::{self, Stored, UploadOrder};

fn invalid(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::InvalidFields)
        .with_message(message)
        .into()
}

pub async fn carry_out(
    env: &Env,
    stub: &Stub,
    mut original: Request,
    extra: &[(&str, String)],
) -> Result<Response, AppError> {
    let declared = original
        .headers()
        .get("content-length")?
        .unwrap_or_default();
    let mut asking = extra.to_vec();
    asking.push((internal::DECLARED_LENGTH, declared.clone()));
    let mut answer = stub
        .fetch_with_request(forward::request(&original, &asking, Body::Empty)?)
        .await?;
    if answer.headers().get(internal::STREAM)?.as_deref() != Some(internal::STREAM_UPLOAD) {
        // Refused (or answered) by the practice: the body is never read.
        return Ok(answer);
    }
    let order: UploadOrder = answer.json().await?;
    let stored = store(env, &mut original, &order).await?;
    let mut recording = extra.to_vec();
    // Both steps describe the body alike (an `Idempotency-Key` fingerprints an upload by it).
    recording.push((internal::DECLARED_LENGTH, declared));
    recording.push((
        internal::UPLOAD,
        // ASCII only: a note's section titles may be any text.
        internal::header_json(&stored)
            .map_err(|_| AppError::internal("stored not serialisable"))?,
    ));
    Ok(stub
        .fetch_with_request(forward::request(&original, &recording, Body::Empty)?)
        .await?)
}

async fn store(env: &Env, req: &mut Request, order: &UploadOrder) -> Result<Stored, AppError> {
    let bucket = origin::bucket(env)?;
    let put_failed = |e: worker::Error| AppError::internal(format!("R2 put failed: {e}"));
    if order.note {
        // A structured note is small JSON (the practice checked its declared size): read whole
        // to check it; any other document streams.
        let bytes = http::read_bounded(req, order.size).await?;
        let note: ConsultationNote = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(format!("the consultation note is not valid: {e}")))?;
        if let Some(problem) = note.problem() {
            return Err(invalid(problem));
        }
        let sections = note.headings();
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        bucket
            .put(order.storage_key.clone(), worker::Data::Bytes(bytes))
            .execute()
            .await
            .map_err(put_failed)?;
        return Ok(Stored {
            size,
            sections: Some(sections),
        });
    }
    let stream = req
        .inner()
        .body()
        .ok_or_else(|| invalid("the document body is empty"))?;
    bucket
        .put(
            order.storage_key.clone(),
            worker::Data::ReadableStream(stream),
        )
        .execute()
        .await
        .map_err(put_failed)?;
    Ok(Stored {
        size: order.size,
        sections: None,
    })
}
