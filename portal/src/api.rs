//! The one typed client of the portal API, over `sealpost_shared::wire`.
//!
//! Requests go to the same origin as the page, so the browser sends the HttpOnly session cookie
//! by itself (`credentials: same-origin`); this module never sees it. Answers are never cached.
//! The client core (no caching, typed failures, decoding) is `sealpost_frontkit::api`, which
//! the console's client shares; this module adds the portal's routes.

use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;

use sealpost_frontkit::api::{answer, decode, request, send_json};
use sealpost_shared::wire::{
    BirthdayVerifyRequest, DocumentList, OpenLinkRequest, OpenLinkResponse, SharedNote, SmsSent,
    SmsVerifyRequest, VerifiedResponse,
};

pub use sealpost_frontkit::api::ApiFailure;

pub const OPEN: &str = "/api/v1/portal/open";
pub const VERIFY_BIRTHDAY: &str = "/api/v1/portal/verify/birthday";
pub const SEND_CODE: &str = "/api/v1/portal/sms/send";
pub const VERIFY_CODE: &str = "/api/v1/portal/verify/sms";
pub const CONFIRM_MAGIC_LINK: &str = "/api/v1/portal/verify/magic-link";
pub const DOCUMENTS: &str = "/api/v1/portal/documents";
pub const SIGN_OUT: &str = "/api/v1/portal/sign-out";

/// A JSON `POST` to one of the portal's routes, read as `T`.
async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    decode(send_json(request(Request::post(path)), body).await?).await
}

/// `POST /api/v1/portal/open` with the token from the link.
pub async fn open_link(token: &str) -> Result<OpenLinkResponse, ApiFailure> {
    post(OPEN, &token_body(token)).await
}

/// The answer to the `POST /api/v1/portal/open` that `boot.js` started while the WebAssembly
/// downloaded (the promise of its `fetch`), read as [`open_link`] reads its own.
pub async fn open_answer(opened: js_sys::Promise) -> Result<OpenLinkResponse, ApiFailure> {
    let response = wasm_bindgen_futures::JsFuture::from(opened)
        .await
        .ok()
        .and_then(|raw| raw.dyn_into::<web_sys::Response>().ok())
        .map(Response::from)
        .ok_or(ApiFailure::Network)?;
    decode(answer(Ok(response)).await?).await
}

/// `POST /api/v1/portal/verify/birthday`; on success the answer sets the session cookie.
pub async fn verify_birthday(body: &BirthdayVerifyRequest) -> Result<VerifiedResponse, ApiFailure> {
    post(VERIFY_BIRTHDAY, body).await
}

fn token_body(token: &str) -> OpenLinkRequest {
    OpenLinkRequest {
        token: token.to_owned(),
    }
}

/// `POST /api/v1/portal/sms/send`: a person pressed "Text me a code" (or "Send a new code").
pub async fn send_code(token: &str) -> Result<SmsSent, ApiFailure> {
    post(SEND_CODE, &token_body(token)).await
}

/// `POST /api/v1/portal/verify/sms`; on success the answer sets the session cookie.
pub async fn verify_code(body: &SmsVerifyRequest) -> Result<VerifiedResponse, ApiFailure> {
    post(VERIFY_CODE, body).await
}

/// `POST /api/v1/portal/verify/magic-link`: a person pressed "Show my documents".
pub async fn confirm_magic_link(token: &str) -> Result<VerifiedResponse, ApiFailure> {
    post(CONFIRM_MAGIC_LINK, &token_body(token)).await
}

/// `GET /api/v1/portal/documents`, newest first.
pub async fn documents() -> Result<DocumentList, ApiFailure> {
    decode(answer(request(Request::get(DOCUMENTS)).send().await).await?).await
}

/// `GET /api/v1/portal/documents/{id}/sections`: the sections of a consultation note shared
/// with this person, in note order.
pub async fn note(id: &str) -> Result<SharedNote, ApiFailure> {
    // The id comes from the address bar: encoded, it stays one path segment.
    let id = String::from(js_sys::encode_uri_component(id));
    let path = format!("{DOCUMENTS}/{id}/sections");
    decode(answer(request(Request::get(&path)).send().await).await?).await
}

/// `POST /api/v1/portal/sign-out`: ends the session. The body of a success is not read.
pub async fn sign_out() -> Result<(), ApiFailure> {
    answer(request(Request::post(SIGN_OUT)).send().await).await?;
    Ok(())
}
