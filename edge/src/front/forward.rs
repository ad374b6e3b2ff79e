//! The request a Durable Object receives: the client's method, path, query and headers, minus
//! any `x-sealpost-*` header the client sent, plus the Worker's own.

use js_sys::Uint8Array;
use worker::{Headers, Method, Request, RequestInit};

use crate::http::AppError;
use crate::internal;

/// What the forwarded request carries as its body.
pub enum Body {
    /// The client's body, streamed on unread (or none, for GET and HEAD).
    Stream,
    /// A body the Worker already read (and bounded).
    Bytes(Vec<u8>),
    /// No body: the Worker keeps the client's (an upload's bytes never go to a practice).
    Empty,
}

pub fn request(req: &Request, extra: &[(&str, String)], body: Body) -> Result<Request, AppError> {
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        headers.append(&name, &value)?;
    }
    internal::strip_client_headers(&headers);
    if matches!(body, Body::Empty) {
        // The length of a body that is not sent would be a lie.
        headers.delete("content-length")?;
    }
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    let mut method = req.method();
    if method == Method::Head && req.path().starts_with("/api/v1/portal/documents/") {
        // A document's HEAD: the practice's answer (a stream order) must come back with its
        // body. (Other routes keep their HEAD, which the practice refuses as before.)
        method = Method::Get;
        headers.set(internal::HEAD, "1")?;
    }
    let body = match body {
        Body::Bytes(bytes) => Some(Uint8Array::from(bytes.as_slice()).into()),
        Body::Empty => None,
        Body::Stream if matches!(method, Method::Get | Method::Head) => None,
        Body::Stream => req.inner().body().map(Into::into),
    };
    let mut init = RequestInit::new();
    init.with_method(method)
        .with_headers(headers)
        .with_body(body);
    Ok(Request::new_with_init(req.url()?.as_str(), &init)?)
}
