//! The one typed client of the portal API, over `sealpost_shared::wire`.
//!
//! Requests go to the same origin as the page, so the browser sends the HttpOnly session cookie
//! by itself (`credentials: same-origin`); this module never sees it. Answers are never cached.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;
use web_sys::RequestCache;

use sealpost_shared::wire::{
    ApiError, BirthdayVerifyRequest, DocumentList, OpenLinkRequest, OpenLinkResponse, SharedNote,
    SmsSent, SmsVerifyRequest, VerifiedResponse,
};

/// Why a call did not give the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// Sealpost's API refused, with its typed error.
    Api(ApiError),
    /// No usable answer from Sealpost's API: the connection failed, or something in between
    /// (a captive portal, a proxy) answered with a body that is not ours. Trying again may help.
    Network,
}

pub const OPEN: &str = "/api/v1/portal/open";
pub const VERIFY_BIRTHDAY: &str = "/api/v1/portal/verify/birthday";
pub const SEND_CODE: &str = "/api/v1/portal/sms/send";
pub const VERIFY_CODE: &str = "/api/v1/portal/verify/sms";
pub const CONFIRM_MAGIC_LINK: &str = "/api/v1/portal/verify/magic-link";
pub const DOCUMENTS: &str = "/api/v1/portal/documents";
pub const SIGN_OUT: &str = "/api/v1/portal/sign-out";

fn request(builder: RequestBuilder) -> RequestBuilder {
    builder
        .header("Accept", "application/json")
        .cache(RequestCache::NoStore)
}

/// Turns what `fetch` gave into our answer: a 2xx response, or the typed failure.
async fn answer(sent: Result<Response, gloo_net::Error>) -> Result<Response, ApiFailure> {
    answer_sent(sent.map_err(|_| ApiFailure::Network)).await
}

async fn answer_sent(sent: Result<Response, ApiFailure>) -> Result<Response, ApiFailure> {
    let response = sent?;
    if response.ok() {
        return Ok(response);
    }
    Err(match response.json::<ApiError>().await {
        Ok(error) => ApiFailure::Api(error),
        Err(_) => ApiFailure::Network,
    })
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    response.json().await.map_err(|_| ApiFailure::Network)
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    let request = request(Request::post(path))
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    decode(answer(request.send().await).await?).await
}

/// `POST /api/v1/portal/open` with the token from the link.
pub async fn open_link(token: &str) -> Result<OpenLinkResponse, ApiFailure> {
    post(OPEN, &token_body(token)).await
}

/// The answer to the `POST /api/v1/portal/open` that `boot.js` started while the WebAssembly
/// downloaded (the promise of its `fetch`), read as [`open_link`] reads its own.
pub async fn open_answer(opened: js_sys::Promise) -> Result<OpenLinkResponse, ApiFailure> {
    let sent = wasm_bindgen_futures::JsFuture::from(opened)
        .await
        .ok()
        .and_then(|raw| raw.dyn_into::<web_sys::Response>().ok())
        .map(Response::from)
        .ok_or(ApiFailure::Network);
    decode(answer_sent(sent).await?).await
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
