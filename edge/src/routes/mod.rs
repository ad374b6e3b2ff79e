//! The route table: one match over method and path, nothing else. Handlers live in one
//! module per audience.

mod clinic;
mod dev;
mod portal;

use sealpost_shared::error::ErrorCode;
use worker::{Method, Request, Response};

use crate::http::AppError;
use crate::store::Ctx;

pub async fn handle(ctx: &Ctx, mut req: Request) -> Result<Response, AppError> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method();
    match (method, segments.as_slice()) {
        // Clinic API (bearer key).
        (Method::Put, ["api", "v1", "clinic", "patients", id]) => {
            clinic::authorize(ctx, &req)?;
            clinic::upsert_patient(ctx, &mut req, id).await
        }
        (Method::Put, ["api", "v1", "clinic", "patients", patient, "documents", doc]) => {
            clinic::authorize(ctx, &req)?;
            clinic::upload_document(ctx, &mut req, patient, doc).await
        }
        (Method::Post, ["api", "v1", "clinic", "shares"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::share(ctx, &mut req).await
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id, "history"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::history(ctx, id)
        }
        // Portal API (link token, then session cookie).
        (Method::Post, ["api", "v1", "portal", "open"]) => portal::open(ctx, &mut req).await,
        (Method::Post, ["api", "v1", "portal", "verify", "birthday"]) => {
            portal::verify_birthday(ctx, &mut req).await
        }
        (Method::Get, ["api", "v1", "portal", "documents"]) => portal::list(ctx, &req),
        (Method::Get | Method::Head, ["api", "v1", "portal", "documents", id, "content"]) => {
            portal::content(ctx, &req, id).await
        }
        (Method::Post, ["api", "v1", "portal", "sign-out"]) => portal::sign_out(ctx, &req),
        // Local development only.
        (Method::Get, ["dev", "outbox"]) => dev::outbox(ctx),
        (_, ["api", ..]) | (_, ["dev", ..]) if known_path(&segments) => {
            Err(AppError::code(ErrorCode::MethodNotAllowed))
        }
        _ => Err(AppError::code(ErrorCode::NotFound)),
    }
}

/// Whether some method exists for this path (so the error is 405, not 404).
fn known_path(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["api", "v1", "clinic", "patients", _]
            | ["api", "v1", "clinic", "patients", _, "documents", _]
            | ["api", "v1", "clinic", "shares"]
            | ["api", "v1", "clinic", "patients", _, "history"]
            | ["api", "v1", "portal", "open"]
            | ["api", "v1", "portal", "verify", "birthday"]
            | ["api", "v1", "portal", "documents"]
            | ["api", "v1", "portal", "documents", _, "content"]
            | ["api", "v1", "portal", "sign-out"]
            | ["dev", "outbox"]
    )
}
