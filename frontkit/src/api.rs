//! The core of both apps' typed API clients, over `sealpost_shared::wire`.
//!
//! Requests go to the page's own origin: the browser sends what it must by itself (the portal's
//! HttpOnly session cookie, Cloudflare Access's assertion for the console), so nothing here
//! handles a credential. Answers are never cached.
//!
//! An app builds a request with [`request`] (and any header of its own), sends it, and turns
//! what `fetch` gave into its answer with [`answer`] then [`decode`]:
//!
//! ```ignore
//! let sent = request(Request::get("/api/v1/portal/documents")).send().await;
//! let list: DocumentList = decode(answer(sent).await?).await?;
//! ```

use std::fmt;

use gloo_net::http::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCache;

use sealpost_shared::wire::ApiError;

/// Why a call did not give the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// Sealpost's API refused, with its typed error.
    Api(ApiError),
    /// No usable answer from Sealpost's API: the connection failed, or something in between
    /// (a captive portal, a proxy) answered with a body that is not ours. Trying again may help.
    Network,
}

impl ApiFailure {
    /// A sentence for people: the API's own message, or what to do when nothing answered.
    pub fn message(&self) -> String {
        match self {
            Self::Api(error) => error.message.clone(),
            Self::Network => {
                "Sealpost did not answer. Check your connection, then try again.".to_owned()
            }
        }
    }
}

/// The sentence of [`ApiFailure::message`], so a failure can travel through Leptos'
/// `ErrorBoundary` (which takes any `std::error::Error`) and be shown as it is.
impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiFailure {}

/// Every request: JSON wanted, never answered from or stored in the HTTP cache.
pub fn request(builder: RequestBuilder) -> RequestBuilder {
    builder
        .header("Accept", "application/json")
        .cache(RequestCache::NoStore)
}

/// Sends the request with `body` as its JSON body, and gives [`answer`]'s answer.
pub async fn send_json<B: Serialize>(
    builder: RequestBuilder,
    body: &B,
) -> Result<Response, ApiFailure> {
    let request = builder.json(body).map_err(|_| ApiFailure::Network)?;
    answer(request.send().await).await
}

/// Turns what `fetch` gave into our answer: a 2xx response, or the typed failure. A refusal
/// whose body is not our [`ApiError`] came from something in between: [`ApiFailure::Network`].
pub async fn answer(sent: Result<Response, gloo_net::Error>) -> Result<Response, ApiFailure> {
    let response = sent.map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        return Ok(response);
    }
    Err(match response.json::<ApiError>().await {
        Ok(error) => ApiFailure::Api(error),
        Err(_) => ApiFailure::Network,
    })
}

/// Reads a 2xx response's JSON body as `T`; a body that is not one is [`ApiFailure::Network`].
pub async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    response.json().await.map_err(|_| ApiFailure::Network)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sealpost_shared::error::ErrorCode;

    #[test]
    fn failures_read_as_sentences_for_people() {
        let refused = ApiFailure::Api(ApiError::new(ErrorCode::NotFound));
        assert_eq!(refused.to_string(), refused.message());
        assert!(!refused.message().is_empty());
        assert_eq!(
            ApiFailure::Network.to_string(),
            "Sealpost did not answer. Check your connection, then try again."
        );
    }
}
