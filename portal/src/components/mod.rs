//! Reusable pieces of the pages. They render; decisions come from [`crate::logic`].

pub mod birthday_form;
pub mod error_summary;
pub mod header;
pub mod heading;
pub mod loading;
pub mod magic_link;
pub mod sms_code;
pub mod stop_page;

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// Moves keyboard and screen-reader focus to the element with this id, if there is one.
pub fn focus_by_id(id: &str) {
    if let Some(element) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// Sets the document's `<title>`.
pub fn set_title(title: &str) {
    document().set_title(title);
}
