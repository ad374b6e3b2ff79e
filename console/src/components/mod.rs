//! Reusable pieces of the pages. They render; decisions come from [`crate::logic`]. The focus,
//! heading and loading pieces the portal uses too come from `sealpost_frontkit`.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlDialogElement;

use crate::logic::Problem;
pub use sealpost_frontkit::components::{focus_by_id, Loading, PageHeading};

mod confirm_dialog;
mod read_receipt;
pub use confirm_dialog::ConfirmDialog;
pub use read_receipt::ReadReceiptList;

/// What an `ErrorBoundary` caught, as one text: each failure's sentence (see
/// `ApiFailure`'s `Display`), in turn.
pub fn messages(errors: &ArcRwSignal<Errors>) -> String {
    errors
        .get()
        .into_iter()
        .map(|(_, e)| e.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Opens the `<dialog>` with this id as a modal (focus moves into it; Escape closes it).
pub fn show_dialog(id: &str) {
    if let Some(dialog) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlDialogElement>().ok())
    {
        if !dialog.open() {
            let _ = dialog.show_modal();
        }
    }
}

/// Closes the `<dialog>` with this id.
pub fn close_dialog(id: &str) {
    if let Some(dialog) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlDialogElement>().ok())
    {
        dialog.close();
    }
}

/// The GOV.UK error summary: it takes focus when it appears, and each problem links to the
/// control it is about.
#[component]
pub fn ErrorSummary(items: Vec<Problem>) -> impl IntoView {
    let summary = NodeRef::<Div>::new();
    Effect::new(move || {
        if let Some(summary) = summary.get() {
            let _ = summary.focus();
        }
    });
    let items = items
        .into_iter()
        .map(|item| {
            let target = item.target.clone();
            let go = move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                focus_by_id(&target);
            };
            view! {
                <li>
                    <a href=format!("#{}", item.target) on:click=go>
                        {item.message}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="error-summary" tabindex="-1" node_ref=summary>
            <div role="alert">
                <h2 class="error-summary__title">"There is a problem"</h2>
                <ul class="error-summary__list">{items}</ul>
            </div>
        </div>
    }
}

/// A message that ends a page: a heading and a sentence.
#[component]
pub fn StopPage(#[prop(into)] heading: String, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <PageHeading text=heading />
        <p class="body">{text}</p>
    }
}
