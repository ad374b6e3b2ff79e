//! The route table: one match over method and path, nothing else. Handlers live in one
//! module per audience.

mod clinic;
mod dev;
mod idempotency;
mod links;
mod origin;
mod paging;
mod people;
mod portal;
mod team;
mod webhooks;

use futures_util::StreamExt;
use sealpost_shared::error::ErrorCode;
use worker::{Method, Request, Response};

use sealpost_shared::staff::Action;

use crate::http::{AppError, MAX_JSON_BODY};
use crate::staff::{self, Caller};
use crate::store::Ctx;

/// The largest body a route accepts: a document upload's limit, or a JSON body's.
pub fn body_limit(method: &Method, path: &str) -> u64 {
    if is_upload(method, path) {
        clinic::MAX_UPLOAD_BYTES
    } else if *method == Method::Post
        && path.trim_matches('/') == "api/v1/providers/sendgrid/events"
    {
        sealpost_shared::mail_events::MAX_EVENTS_BODY
    } else {
        MAX_JSON_BODY
    }
}

/// A document upload (its bytes stay in the Worker; see `front::upload`).
pub fn is_upload(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        (method, segments.as_slice()),
        (
            Method::Put,
            ["api", "v1", "clinic", "patients", _, "documents", _]
        )
    )
}

/// Identifies the caller of a clinic API route and checks their role allows `action`.
async fn caller(ctx: &Ctx, req: &Request, action: Action) -> Result<Caller, AppError> {
    let caller = staff::identify(ctx, req)?;
    staff::require(&caller, action)?;
    Ok(caller)
}

/// Handles one request, then reads to its end any body the route left unread (a wrong role,
/// a bad content type). The Worker pipes the request body into this Durable Object; if we
/// answered with the body half-read, the Worker would still be piping after its response was
/// sent, which workerd treats as an uncaught error ("Can't read from request stream after
/// response has been sent") and which made later requests hang. Draining instead of
/// cancelling lets that pipe finish first; it streams, so even a refused 100 MiB upload is
/// never held in memory.
///
/// A clinic write with an `Idempotency-Key` goes through [`idempotency`]: a retry gets the first
/// answer without the route running again.
pub async fn handle(ctx: &Ctx, mut req: Request) -> Result<Response, AppError> {
    let (result, claim) = match idempotency::begin(ctx, &mut req).await {
        Err(err) => (Err(err), None),
        Ok(idempotency::Begin::Answer(replay)) => (Ok(replay), None),
        Ok(idempotency::Begin::Run { rebuilt, claim }) => {
            if let Some(rebuilt) = rebuilt {
                req = rebuilt;
            }
            (route(ctx, &mut req).await, claim)
        }
    };
    if !req.inner().body_used() && req.inner().body().is_some() {
        if let Ok(mut body) = req.stream() {
            while let Some(Ok(_)) = body.next().await {}
        }
    }
    match claim {
        Some(claim) => idempotency::finish(ctx, claim, result).await,
        None => result,
    }
}

async fn route(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method();
    match (method, segments.as_slice()) {
        // Clinic API (bearer key).
        (Method::Put, ["api", "v1", "clinic", "patients", id]) => {
            let caller = caller(ctx, req, Action::Share).await?;
            clinic::upsert_patient(ctx, req, id, &caller).await
        }
        (Method::Put, ["api", "v1", "clinic", "patients", patient, "documents", doc]) => {
            let caller = caller(ctx, req, Action::Share).await?;
            clinic::upload_document(ctx, req, patient, doc, &caller).await
        }
        (Method::Post, ["api", "v1", "clinic", "shares"]) => {
            let caller = caller(ctx, req, Action::Share).await?;
            clinic::share(ctx, req, &caller).await
        }
        (
            Method::Put,
            ["api", "v1", "clinic", "patients", patient, "documents", doc, "external"],
        ) => {
            let caller = caller(ctx, req, Action::Share).await?;
            clinic::register_external_document(ctx, req, patient, doc, &caller).await
        }
        (Method::Delete, ["api", "v1", "clinic", "patients", patient, "documents", doc]) => {
            let caller = caller(ctx, req, Action::Unshare).await?;
            clinic::delete_document(ctx, patient, doc, &caller).await
        }
        (Method::Put, ["api", "v1", "clinic", "patients", patient, "relationships", contact]) => {
            let caller = caller(ctx, req, Action::Share).await?;
            clinic::upsert_relationship(ctx, req, patient, contact, &caller).await
        }
        (Method::Put, ["api", "v1", "clinic", "contacts", contact]) => {
            let caller = caller(ctx, req, Action::Share).await?;
            clinic::upsert_practice_contact(ctx, req, contact, &caller).await
        }
        (Method::Post, ["api", "v1", "clinic", "patients", id, "unshare"]) => {
            let caller = caller(ctx, req, Action::Unshare).await?;
            clinic::unshare(ctx, req, id, &caller).await
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id, "history"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::history(ctx, req, id)
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id, "shares"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::shares(ctx, req, id)
        }
        (Method::Get, ["api", "v1", "clinic", "settings", "origin"]) => {
            caller(ctx, req, Action::ChangeSettings).await?;
            origin::get(ctx)
        }
        (Method::Put, ["api", "v1", "clinic", "settings", "origin"]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            origin::put(ctx, req, &caller).await
        }
        (Method::Delete, ["api", "v1", "clinic", "settings", "origin"]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            origin::delete(ctx, &caller)
        }
        (Method::Get, ["api", "v1", "clinic", "settings", "webhook"]) => {
            caller(ctx, req, Action::ChangeSettings).await?;
            webhooks::get(ctx)
        }
        (Method::Put, ["api", "v1", "clinic", "settings", "webhook"]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            webhooks::put(ctx, req, &caller).await
        }
        (Method::Delete, ["api", "v1", "clinic", "settings", "webhook"]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            webhooks::delete(ctx, &caller)
        }
        (Method::Get, ["api", "v1", "clinic", "webhooks", "deliveries"]) => {
            caller(ctx, req, Action::View).await?;
            webhooks::deliveries(ctx)
        }
        (Method::Get, ["api", "v1", "clinic", "settings"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::get_settings(ctx)
        }
        (Method::Put, ["api", "v1", "clinic", "settings"]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            clinic::put_settings(ctx, req, &caller).await
        }
        // For the console.
        (Method::Get, ["api", "v1", "clinic", "me"]) => {
            let caller = caller(ctx, req, Action::View).await?;
            clinic::me(ctx, &caller)
        }
        (Method::Get, ["api", "v1", "clinic", "patients"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::find_patients(ctx, req)
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id]) => {
            caller(ctx, req, Action::View).await?;
            clinic::patient_file(ctx, id)
        }
        (Method::Get, ["api", "v1", "clinic", "patients", id, "documents"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::patient_documents(ctx, req, id)
        }
        (
            Method::Get,
            ["api", "v1", "clinic", "patients", patient, "documents", doc, "content"],
        ) => {
            let caller = caller(ctx, req, Action::View).await?;
            clinic::preview_document(ctx, patient, doc, &caller).await
        }
        (Method::Get, ["api", "v1", "clinic", "contacts"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::practice_contacts(ctx, req)
        }
        (Method::Get, ["api", "v1", "clinic", "audit"]) => {
            caller(ctx, req, Action::View).await?;
            clinic::practice_audit(ctx, req)
        }
        (Method::Get, ["api", "v1", "clinic", "patients", patient, "links"]) => {
            caller(ctx, req, Action::View).await?;
            links::list(ctx, req, patient)
        }
        (Method::Delete, ["api", "v1", "clinic", "patients", patient, "links", link]) => {
            let caller = caller(ctx, req, Action::Unshare).await?;
            links::revoke(ctx, patient, link, &caller)
        }
        (
            Method::Delete,
            ["api", "v1", "clinic", "patients", patient, "relationships", contact],
        ) => {
            let caller = caller(ctx, req, Action::Unshare).await?;
            people::delete_relationship(ctx, patient, contact, &caller)
        }
        (Method::Delete, ["api", "v1", "clinic", "contacts", contact]) => {
            let caller = caller(ctx, req, Action::Unshare).await?;
            people::delete_practice_contact(ctx, contact, &caller)
        }
        // Erasure removes a person and their documents: administrators only.
        (Method::Delete, ["api", "v1", "clinic", "patients", patient]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            people::delete_patient(ctx, patient, &caller).await
        }
        // The practice's staff and API keys: administrators manage them.
        (Method::Get, ["api", "v1", "clinic", "staff"]) => {
            caller(ctx, req, Action::View).await?;
            team::list_staff(ctx)
        }
        (Method::Put, ["api", "v1", "clinic", "staff", email]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            team::put_staff(ctx, req, email, &caller).await
        }
        (Method::Delete, ["api", "v1", "clinic", "staff", email]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            team::delete_staff(ctx, email, &caller).await
        }
        (Method::Get, ["api", "v1", "clinic", "api-keys"]) => {
            caller(ctx, req, Action::ChangeSettings).await?;
            team::list_keys(ctx)
        }
        (Method::Post, ["api", "v1", "clinic", "api-keys"]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            team::create_key(ctx, req, &caller).await
        }
        (Method::Delete, ["api", "v1", "clinic", "api-keys", id]) => {
            let caller = caller(ctx, req, Action::ChangeSettings).await?;
            team::revoke_key(ctx, id, &caller)
        }
        // Portal API (link token, then session cookie).
        (Method::Post, ["api", "v1", "portal", "open"]) => portal::open(ctx, req).await,
        (Method::Post, ["api", "v1", "portal", "verify", "birthday"]) => {
            portal::verify_birthday(ctx, req).await
        }
        (Method::Post, ["api", "v1", "portal", "sms", "send"]) => portal::send_code(ctx, req).await,
        (Method::Post, ["api", "v1", "portal", "verify", "sms"]) => {
            portal::verify_code(ctx, req).await
        }
        (Method::Post, ["api", "v1", "portal", "verify", "magic-link"]) => {
            portal::confirm_magic_link(ctx, req).await
        }
        (Method::Get, ["api", "v1", "portal", "documents"]) => portal::list(ctx, req),
        (Method::Get | Method::Head, ["api", "v1", "portal", "documents", id, "content"]) => {
            portal::content(ctx, req, id).await
        }
        (Method::Get, ["api", "v1", "portal", "documents", id, "sections"]) => {
            portal::sections(ctx, req, id).await
        }
        (Method::Post, ["api", "v1", "portal", "sign-out"]) => portal::sign_out(ctx, req),
        // Local development only.
        (Method::Get, ["dev", "outbox"]) => dev::outbox(ctx, req),
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
            | ["api", "v1", "clinic", "settings", "origin"]
            | ["api", "v1", "clinic", "settings", "webhook"]
            | ["api", "v1", "clinic", "webhooks", "deliveries"]
            | ["api", "v1", "clinic", "me"]
            | ["api", "v1", "clinic", "patients"]
            | ["api", "v1", "clinic", "patients", _, "documents"]
            | [
                "api",
                "v1",
                "clinic",
                "patients",
                _,
                "documents",
                _,
                "content"
            ]
            | ["api", "v1", "clinic", "contacts"]
            | ["api", "v1", "clinic", "audit"]
            | ["api", "v1", "clinic", "patients", _, "links"]
            | ["api", "v1", "clinic", "patients", _, "links", _]
            | ["api", "v1", "clinic", "staff"]
            | ["api", "v1", "clinic", "staff", _]
            | ["api", "v1", "clinic", "api-keys"]
            | ["api", "v1", "clinic", "api-keys", _]
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
