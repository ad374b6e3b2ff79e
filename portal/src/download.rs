//! Downloading a large document with progress: the file is fetched here, chunk by chunk, then
//! saved through a `blob:` URL on an `<a download>`, which the page's CSP allows (it governs
//! scripts and styles, not where an anchor points).
//!
//! Only [`crate::logic::downloads_with_progress`] sizes come here: the whole file is held in
//! memory (as the chunks `fetch` gave) until it is saved.

use gloo_net::http::Request;
use js_sys::{Array, Reflect, Uint8Array};
use leptos::prelude::{document, window};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, HtmlAnchorElement, ReadableStreamDefaultReader, RequestCache, Url,
};

use crate::logic::download_name;

/// How long the `blob:` URL outlives the click that saves it (the browser reads it
/// asynchronously); then the memory is given back.
const REVOKE_AFTER_MS: i32 = 60_000;

/// The download did not finish: the answer was not a 2xx, the connection broke, fewer bytes
/// than announced arrived, or the browser refused to save. The page offers to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadFailed;

/// The file, ready to save.
pub struct Fetched {
    pub blob: Blob,
    pub file_name: String,
}

/// Fetches `url`, calling `progress(received, total)` after each chunk. `total` is the
/// response's Content-Length (the edge always sets it), or `expected` without one. `Err` when
/// the answer is not a 2xx, the connection breaks, or fewer bytes than announced arrive.
pub async fn fetch_with_progress(
    url: &str,
    expected: u64,
    fallback_name: &str,
    mut progress: impl FnMut(u64, u64),
) -> Result<Fetched, DownloadFailed> {
    let response = Request::get(url)
        .cache(RequestCache::NoStore)
        .send()
        .await
        .map_err(|_| DownloadFailed)?;
    if !response.ok() {
        return Err(DownloadFailed);
    }
    let headers = response.headers();
    let announced = headers
        .get("content-length")
        .and_then(|length| length.parse::<u64>().ok());
    let total = announced.unwrap_or(expected);
    let file_name = download_name(headers.get("content-disposition").as_deref(), fallback_name);
    let content_type = headers.get("content-type").unwrap_or_default();
    let reader: ReadableStreamDefaultReader = response
        .body()
        .ok_or(DownloadFailed)?
        .get_reader()
        .unchecked_into();

    let chunks = Array::new();
    let mut received = 0u64;
    progress(0, total);
    loop {
        let result = JsFuture::from(reader.read())
            .await
            .map_err(|_| DownloadFailed)?;
        let done = Reflect::get(&result, &JsValue::from_str("done")).map_err(|_| DownloadFailed)?;
        if done.as_bool() != Some(false) {
            break;
        }
        let chunk: Uint8Array = Reflect::get(&result, &JsValue::from_str("value"))
            .map_err(|_| DownloadFailed)?
            .dyn_into()
            .map_err(|_| DownloadFailed)?;
        received += u64::from(chunk.length());
        chunks.push(&chunk);
        progress(received, total);
    }
    if announced.is_some_and(|length| length != received) {
        return Err(DownloadFailed);
    }
    let options = BlobPropertyBag::new();
    options.set_type(&content_type);
    let blob = Blob::new_with_u8_array_sequence_and_options(&chunks, &options)
        .map_err(|_| DownloadFailed)?;
    Ok(Fetched { blob, file_name })
}

/// Saves the file as a download, as the plain link would have.
pub fn save(fetched: &Fetched) -> Result<(), DownloadFailed> {
    let url = Url::create_object_url_with_blob(&fetched.blob).map_err(|_| DownloadFailed)?;
    let anchor: HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|_| DownloadFailed)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(&fetched.file_name);
    // Never attached to the page: a detached anchor's click still downloads, and nothing
    // (such as the router) sees it.
    anchor.click();
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            revoke.unchecked_ref(),
            REVOKE_AFTER_MS,
        )
        .map_err(|_| DownloadFailed)?;
    Ok(())
}
