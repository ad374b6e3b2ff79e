//! Reusable pieces of the pages. They render; decisions come from [`crate::logic`].

use leptos::html::{Div, H1};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDialogElement, HtmlElement};

use crate::logic::{page_title, Problem};

mod confirm_dialog;
mod read_receipt;
pub use confirm_dialog::ConfirmDialog;
pub use read_receipt::ReadReceiptList;

/// Moves keyboard and screen-reader focus to the element with this id, if there is one.
pub fn focus_by_id(id: &str) {
    if let Some(element) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = element.focus();
    }
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

/// The page's `h1`: it takes focus when it appears and names the document's title.
#[component]
pub fn PageHeading(
    #[prop(into)] text: String,
    #[prop(default = "heading-l")] class: &'static str,
) -> impl IntoView {
    let heading = NodeRef::<H1>::new();
    document().set_title(&page_title(&text));
    Effect::new(move || {
        if let Some(h1) = heading.get() {
            let _ = h1.focus();
        }
    });
    view! {
        <h1 class=class tabindex="-1" node_ref=heading>
            {text}
        </h1>
    }
}

/// Shown while a request is under way; announced politely to screen readers.
#[component]
pub fn Loading(text: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status">
            <p class="body">{text}</p>
            <progress class="progress" aria-label=text></progress>
        </div>
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
