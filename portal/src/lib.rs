//! Sealpost's patient portal: a Leptos client-side-rendered app served from the same origin as
//! the portal API.
//!
//! - [`api`]: the one typed client over `sealpost_shared::wire`;
//! - [`logic`]: every decision as a pure function, tested natively;
//! - [`download`]: large downloads with progress (fetch, then save a `blob:` URL);
//! - [`app`]: the router and the state shared by pages (practice name, link token in memory);
//! - [`pages`] and [`components`]: rendering only.

pub mod api;
pub mod app;
pub mod components;
pub mod download;
pub mod logic;
pub mod pages;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, called by `boot.js` once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    // The link token arrives in the URL fragment. Take it out of the address bar (and so out of
    // history, bookmarks and screenshots) before the router or anything else reads the URL.
    let link = app::take_link_from_address_bar();
    leptos::mount::mount_to_body(move || leptos::view! { <app::App link=link /> });
}
