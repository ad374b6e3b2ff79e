//! DOM behaviour that only a real browser shows, run by wasm-bindgen-test in headless Chromium:
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p sealpost-portal --target wasm32-unknown-unknown`.
//! Everything else is decided in `logic` and tested natively; journeys are in tests/e2e.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use leptos::prelude::*;
use sealpost_portal::app::{take_link_from_address_bar, Link, OPEN_PATH};
use sealpost_portal::components::PageHeading;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn go_to(url: &str) {
    window()
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(url))
        .unwrap();
}

fn address() -> (String, String) {
    let location = window().location();
    (location.pathname().unwrap(), location.hash().unwrap())
}

/// Lets pending microtasks and one macrotask run (Leptos runs effects after the render).
async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
fn the_token_is_taken_out_of_the_address_bar() {
    let before = window().history().unwrap().length().unwrap();
    go_to("/open#header.claims.signature");
    let link = take_link_from_address_bar();
    match link {
        Link::Token(token) => assert_eq!(token.expose(), "header.claims.signature"),
        _ => panic!("the token was not read"),
    }
    assert_eq!(
        address(),
        (OPEN_PATH.to_owned(), String::new()),
        "no fragment left"
    );
    assert!(!window().location().href().unwrap().contains("signature"));
    assert_eq!(
        window().history().unwrap().length().unwrap(),
        before,
        "replaced, not pushed: Back does not bring the token back"
    );
}

#[wasm_bindgen_test]
fn an_overlong_token_is_refused_and_still_cleared() {
    go_to(&format!("/open#{}", "a".repeat(10_000)));
    assert!(matches!(take_link_from_address_bar(), Link::Refused));
    assert_eq!(address(), (OPEN_PATH.to_owned(), String::new()));
}

#[wasm_bindgen_test]
fn other_pages_leave_the_address_alone() {
    go_to("/documents#not-a-token");
    assert!(matches!(take_link_from_address_bar(), Link::Missing));
    assert_eq!(
        address(),
        ("/documents".to_owned(), "#not-a-token".to_owned())
    );
    go_to("/open");
    assert!(matches!(take_link_from_address_bar(), Link::Missing));
}

#[wasm_bindgen_test]
async fn the_heading_takes_focus_and_names_the_page() {
    let document = document();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    let mounted = leptos::mount::mount_to(host.clone(), || {
        view! { <PageHeading text="Your documents" /> }
    });
    next_tick().await;
    let active = document.active_element().expect("something has focus");
    assert_eq!(active.tag_name(), "H1");
    assert_eq!(active.text_content().as_deref(), Some("Your documents"));
    assert_eq!(active.get_attribute("tabindex").as_deref(), Some("-1"));
    assert_eq!(document.title(), "Your documents – Sealpost");
    drop(mounted);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_heading_beside_an_error_summary_leaves_focus_alone() {
    let document = document();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    if let Some(active) = document.active_element() {
        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(active).blur();
    }
    let mounted = leptos::mount::mount_to(host.clone(), || {
        view! { <PageHeading text="Enter your date of birth" focus=false /> }
    });
    next_tick().await;
    let active = document.active_element().map(|e| e.tag_name());
    assert_ne!(active.as_deref(), Some("H1"));
    drop(mounted);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_heading_right_after_a_take_over_leaves_the_carried_focus_alone_once() {
    let document = document();
    let input: web_sys::HtmlElement =
        wasm_bindgen::JsCast::unchecked_into(document.create_element("input").unwrap());
    input.set_id("carried");
    document.body().unwrap().append_child(&input).unwrap();
    input.focus().unwrap();
    // What the pre-paint take-over does when it has put focus back where the person was.
    sealpost_frontkit::components::keep_focus_once();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    let mounted = leptos::mount::mount_to(host.clone(), || {
        view! { <PageHeading text="Enter the code" /> }
    });
    next_tick().await;
    let active = document.active_element().map(|e| e.id());
    assert_eq!(
        active.as_deref(),
        Some("carried"),
        "focus stays in the input"
    );
    drop(mounted);
    // Only once: the next page's heading takes focus again.
    let mounted = leptos::mount::mount_to(host.clone(), || {
        view! { <PageHeading text="Your documents" /> }
    });
    next_tick().await;
    let active = document.active_element().map(|e| e.tag_name());
    assert_eq!(active.as_deref(), Some("H1"));
    drop(mounted);
    host.remove();
    input.remove();
}
