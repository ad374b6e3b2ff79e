use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::title::{page_title, ServiceName, SEALPOST};

/// Moves keyboard and screen-reader focus to the element with this id, if there is one.
pub fn focus_by_id(id: &str) {
    if let Some(element) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// Sets the document's `<title>` as it is.
pub fn set_title(title: &str) {
    document().set_title(title);
}

/// Names the document after the page: [`page_title`] with the app's [`ServiceName`] (from
/// context; [`SEALPOST`] without one).
pub fn set_page_title(heading: &str, has_errors: bool) {
    let service = use_context::<ServiceName>().unwrap_or(SEALPOST);
    set_title(&page_title(heading, has_errors, service));
}

thread_local! {
    static FOCUS_KEPT: Cell<bool> = const { Cell::new(false) };
}

/// Asks the next [`PageHeading`](super::PageHeading) to take focus to leave it where it is, once:
/// an app that has just put focus back on a control the person was in (the portal taking over
/// its pre-painted page) calls this, and the heading's focus effect, which runs after, leaves it.
pub fn keep_focus_once() {
    FOCUS_KEPT.with(|kept| kept.set(true));
}

/// Whether focus is to be left alone this once ([`keep_focus_once`]); reading it clears it.
pub(super) fn focus_kept() -> bool {
    FOCUS_KEPT.with(|kept| kept.replace(false))
}
