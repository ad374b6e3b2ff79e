//! Carrying out a Durable Object's order to stream a document: the practice decided who may
//! read what; the Worker reads the bytes and hands them on, so they never pass through the
//! practice's single thread.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::wire::{ConsultationNote, SharedNote};
use worker::{Env, Response};

use crate::http::{json_ok, AppError};
use crate::internal;
use crate::origin::{self, NoteOrder, StreamOrder};

pub async fn carry_out(
    env: &Env,
    mut order: Response,
    range: Option<&str>,
    head_only: bool,
) -> Result<Response, AppError> {
    let kind = order.headers().get(internal::STREAM)?.unwrap_or_default();
    if kind == internal::STREAM_NOTE {
        let order: NoteOrder = order.json().await?;
        return note(env, order).await;
    }
    let order: StreamOrder = order.json().await?;
    origin::stream_document(env, &order, head_only, range).await
}

/// A consultation note: read whole (notes are small JSON), reduced to the granted sections.
async fn note(env: &Env, order: NoteOrder) -> Result<Response, AppError> {
    let unavailable = || AppError::code(ErrorCode::OriginUnavailable);
    let mut bytes = origin::bucket(env)?
        .get(order.storage_key.clone())
        .execute()
        .await
        .map_err(|_| unavailable())?
        .ok_or_else(unavailable)?
        .body()
        .ok_or_else(unavailable)?
        .bytes()
        .await
        .map_err(|_| unavailable())?;
    let note: ConsultationNote = serde_json::from_slice(&bytes)
        .map_err(|_| AppError::internal("stored consultation note unreadable"))?;
    bytes.clear();
    json_ok(&SharedNote {
        practice_name: order.practice_name,
        title: order.title,
        date: order.date,
        sections: note.select(order.chosen.as_deref()),
    })
}
