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
        (
            Method::Put,
            ["api", "v1", "clinic", "patients", patient, "documents", doc, "external"],
        ) => {
            clinic::authorize(ctx, &req)?;
            clinic::register_external_document(ctx, &mut req, patient, doc).await
        }
        (Method::Delete, ["api", "v1", "clinic", "patients", patient, "documents", doc]) => {
            clinic::authorize(ctx, &req)?;
            clinic::delete_document(ctx, patient, doc).await
        }
        (Method::Put, ["api", "v1", "clinic", "patients", patient, "relationships", contact]) => {
            clinic::authorize(ctx, &req)?;
            clinic::upsert_relationship(ctx, &mut req, patient, contact).await
        }
        (Method::Put, ["api", "v1", "clinic", "contacts", contact]) => {
            clinic::authorize(ctx, &req)?;
            clinic::upsert_practice_contact(ctx, &mut req, contact).await
        }
        (Method::Post, ["api", "v1", "clinic", "patients", id, "unshare"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::unshare(ctx, &mut req, id).await
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id, "history"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::history(ctx, id)
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id, "shares"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::shares(ctx, id)
        }
        (Method::Get, ["api", "v1", "clinic", "settings"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::get_settings(ctx)
        }
        (Method::Put, ["api", "v1", "clinic", "settings"]) => {
            clinic::authorize(ctx, &req)?;
            clinic::put_settings(ctx, &mut req).await
        }
        // Portal API (link token, then session cookie).
        (Method::Post, ["api", "v1", "portal", "open"]) => portal::open(ctx, &mut req).await,
        (Method::Post, ["api", "v1", "portal", "verify", "birthday"]) => {
            portal::verify_birthday(ctx, &mut req).await
        }
        (Method::Post, ["api", "v1", "portal", "sms", "send"]) => {
            portal::send_code(ctx, &mut req).await
        }
        (Method::Post, ["api", "v1", "portal", "verify", "sms"]) => {
            portal::verify_code(ctx, &mut req).await
        }
        (Method::Post, ["api", "v1", "portal", "verify", "magic-link"]) => {
            portal::confirm_magic_link(ctx, &mut req).await
        }
        (Method::Get, ["api", "v1", "portal", "documents"]) => portal::list(ctx, &req),
        (Method::Get | Method::Head, ["api", "v1", "portal", "documents", id, "content"]) => {
            portal::content(ctx, &req, id).await
        }
        (Method::Get, ["api", "v1", "portal", "documents", id, "sections"]) => {
            portal::sections(ctx, &req, id).await
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
            | [
                "api",
                "v1",
                "clinic",
                "patients",
                _,
                "documents",
                _,
                "external"
            ]
            | ["api", "v1", "clinic", "shares"]
            | ["api", "v1", "clinic", "patients", _, "history"]
            | ["api", "v1", "clinic", "patients", _, "shares"]
            | ["api", "v1", "clinic", "patients", _, "relationships", _]
            | ["api", "v1", "clinic", "patients", _, "unshare"]
            | ["api", "v1", "clinic", "contacts", _]
            | ["api", "v1", "clinic", "settings"]
            | ["api", "v1", "portal", "open"]
            | ["api", "v1", "portal", "verify", "birthday"]
            | ["api", "v1", "portal", "verify", "sms"]
            | ["api", "v1", "portal", "verify", "magic-link"]
            | ["api", "v1", "portal", "sms", "send"]
            | ["api", "v1", "portal", "documents"]
            | ["api", "v1", "portal", "documents", _, "content"]
            | ["api", "v1", "portal", "documents", _, "sections"]
            | ["api", "v1", "portal", "sign-out"]
            | ["dev", "outbox"]
    )
}
