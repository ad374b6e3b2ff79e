//! The app taking over the page `boot.js` painted before it (issue 13).
//!
//! On a slow phone the WebAssembly arrives seconds after the HTML, so `boot.js` posts the link to
//! `/api/v1/portal/open` at once and shows the matching page from `index.html`'s templates
//! (`#prepaint`). The app mounts once it has that answer, so its first render is the same page,
//! and takes over in the same task (no paint in between, no id twice in the page for any other
//! task to see):
//! - every value typed into a pre-painted input goes into the app's input with the same id;
//! - focus moves to the app's element with the id of the focused one (with its caret), or to
//!   the app's `h1` as a page of the app would do (the heading's own focus effect then leaves a
//!   carried focus alone: `sealpost_frontkit::components::keep_focus_once`);
//! - a form submitted or a button pressed on the pre-paint is submitted / pressed on the app;
//! - the pre-paint is removed and `<html data-app="ready">` says the app is in charge.
//!
//! Invariant: the pre-paint never sends anything but the token to `/open`; every check is the
//! app's, so what the person did before the app arrived is carried out by the app's code.

use leptos::prelude::{document, window};
use sealpost_frontkit::components::keep_focus_once;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlElement, HtmlFormElement, HtmlInputElement, MutationObserver, MutationObserverInit,
};

/// Where `boot.js` and the app remember the practice's name for this tab (not a secret: it is on
/// every page of the portal), so a reload, after signing out say, still names the practice.
const PRACTICE_KEY: &str = "sealpost.practice";

pub fn remembered_practice() -> Option<String> {
    let storage = window().session_storage().ok().flatten()?;
    storage
        .get_item(PRACTICE_KEY)
        .ok()
        .flatten()
        .filter(|name| !name.is_empty())
}

pub fn remember_practice(name: &str) {
    if let Some(storage) = window().session_storage().ok().flatten() {
        // Storage may be full or off: the header then falls back, nothing else changes.
        let _ = storage.set_item(PRACTICE_KEY, name);
    }
}

/// Takes over once the app's page is in its `<main>`: now, or when the router has rendered it
/// (a mutation observer's callback, a microtask of the same task, so still before any paint).
pub fn take_over_when_rendered() {
    if rendered() {
        take_over();
        return;
    }
    let Some(body) = document().body() else {
        take_over();
        return;
    };
    let callback = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(
        move |_: js_sys::Array, observer: MutationObserver| {
            if rendered() {
                observer.disconnect();
                take_over();
            }
        },
    );
    let Ok(observer) = MutationObserver::new(callback.as_ref().unchecked_ref()) else {
        take_over();
        return;
    };
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    if observer.observe_with_options(&body, &options).is_err() {
        take_over();
    }
    // Called until the page is there, then disconnected; one per page load.
    callback.forget();
}

/// Whether the app's `<main id="main">` holds its page.
fn rendered() -> bool {
    document()
        .get_element_by_id("main")
        .is_some_and(|main| main.child_element_count() > 0)
}

/// What the person did on the pre-paint, read before it is removed.
struct Carried {
    values: Vec<(String, String)>,
    focused: Option<(String, Option<u32>)>,
    submitted: bool,
    pressed: Vec<String>,
}

fn read(prepaint: &Element) -> Carried {
    let doc = document();
    let mut values = Vec::new();
    if let Ok(inputs) = prepaint.query_selector_all("input[id]") {
        for i in 0..inputs.length() {
            if let Some(input) = inputs
                .item(i)
                .and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
            {
                if !input.value().is_empty() {
                    values.push((input.id(), input.value()));
                }
            }
        }
    }
    let focused = doc
        .active_element()
        .filter(|el| prepaint.contains(Some(el)) && !el.id().is_empty())
        .map(|el| {
            let caret = el
                .dyn_ref::<HtmlInputElement>()
                .and_then(|i| i.selection_start().ok().flatten());
            (el.id(), caret)
        });
    let submitted = prepaint
        .query_selector("form[data-pressed]")
        .ok()
        .flatten()
        .is_some();
    let mut pressed = Vec::new();
    if let Ok(buttons) = prepaint.query_selector_all("button[data-pressed][id]") {
        for i in 0..buttons.length() {
            if let Some(el) = buttons.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                pressed.push(el.id());
            }
        }
    }
    Carried {
        values,
        focused,
        submitted,
        pressed,
    }
}

fn by_id<T: JsCast>(id: &str) -> Option<T> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<T>().ok())
}

/// Removes the pre-paint, carrying over what the person did on it. Idempotent.
pub fn take_over() {
    let doc = document();
    if let Some(root) = doc.document_element() {
        let _ = root.set_attribute("data-app", "ready");
    }
    let Some(prepaint) = doc.get_element_by_id("prepaint") else {
        return;
    };
    let carried = read(&prepaint);
    prepaint.remove();
    for (id, value) in &carried.values {
        if let Some(input) = by_id::<HtmlInputElement>(id) {
            input.set_value(value);
        }
    }
    match &carried.focused {
        Some((id, caret)) => {
            if let Some(el) = by_id::<HtmlElement>(id) {
                let _ = el.focus();
                // The page heading's focus effect, which runs after, leaves it there.
                keep_focus_once();
                if let (Some(input), Some(at)) = (el.dyn_ref::<HtmlInputElement>(), caret) {
                    let _ = input.set_selection_range(*at, *at);
                }
            }
        }
        // The pre-paint's heading had focus (or nothing had): a page of the app puts it on its
        // heading; it could not while hidden.
        None => {
            if let Some(h1) = doc
                .query_selector("main h1")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = h1.focus();
            }
        }
    }
    if carried.submitted {
        if let Some(form) = doc
            .query_selector("main form")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlFormElement>().ok())
        {
            let _ = form.request_submit();
        }
    }
    for id in &carried.pressed {
        if let Some(button) = by_id::<HtmlElement>(id) {
            button.click();
        }
    }
}
