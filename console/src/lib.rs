//! Sealpost's clinic console: the share panel as a staff web UI, a Leptos client-side-rendered
//! app served under `/console` from the same origin as the clinic API.
//!
//! - [`api`]: the one typed client over `sealpost_shared::wire`;
//! - [`logic`]: every decision as a pure function, tested natively;
//! - [`app`]: which practice the tab works in, who is signed in, what their role allows, and
//!   the router;
//! - [`tab`]: what the tab remembers (the practice chosen in it);
//! - [`pages`] and [`components`]: rendering only.

pub mod api;
pub mod app;
pub mod components;
pub mod logic;
pub mod pages;
pub mod tab;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, called by `boot.js` once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
