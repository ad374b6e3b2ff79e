//! Sealpost's patient portal: a Leptos client-side-rendered app served from the same origin as
//! the portal API.
//!
//! - [`api`]: the one typed client over `sealpost_shared::wire`, on `sealpost_frontkit::api`;
//! - [`logic`]: every decision as a pure function, tested natively;
//! - [`download`]: large downloads with progress (fetch, then save a `blob:` URL);
//! - [`prepaint`]: the app taking over the page `boot.js` showed before it;
//! - [`app`]: the router and the state shared by pages (practice name, link token in memory);
//! - [`pages`] and [`components`]: rendering only.

pub mod api;
pub mod app;
pub mod components;
pub mod download;
pub mod logic;
pub mod pages;
pub mod prepaint;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, called by `boot.js` once the module is instantiated. `boot.js` has already taken
/// the link token out of the address bar (and so out of history, bookmarks and screenshots) and
/// passes it here with `refused` (longer than any token of ours) and `opened`, its
/// `fetch(POST /api/v1/portal/open)` promise: the app reads that answer rather than asking again,
/// and mounts once it has it, so its first render is the page the pre-paint shows and it takes
/// over in the same task (no frame with both, no id twice in the page).
#[wasm_bindgen]
pub fn start(token: Option<String>, refused: bool, opened: Option<js_sys::Promise>) {
    let link = match token {
        _ if refused => app::Link::Refused,
        Some(token) => app::Link::Token(sealpost_shared::secret::SecretString::new(token)),
        // Started some other way (a page without `boot.js`'s hand-over): read the fragment here.
        None => app::take_link_from_address_bar(),
    };
    match opened.filter(|_| matches!(link, app::Link::Token(_))) {
        // Not leptos::task::spawn_local: its executor starts with the first mount.
        Some(opened) => wasm_bindgen_futures::spawn_local(async move {
            let answer = api::open_answer(opened).await;
            mount(link, Some(answer));
        }),
        None => mount(link, None),
    }
}

fn mount(link: app::Link, opened: Option<app::Opened>) {
    leptos::mount::mount_to_body(move || leptos::view! { <app::App link=link opened=opened /> });
    prepaint::take_over_when_rendered();
}
