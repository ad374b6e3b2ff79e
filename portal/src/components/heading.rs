use leptos::html::H1;
use leptos::prelude::*;

use super::set_title;
use crate::logic::page_title;

/// The page's `h1`. It takes focus when it appears, so keyboard and screen-reader users start
/// each step at its heading, and it names the document's title after itself.
#[component]
pub fn PageHeading(
    #[prop(into)] text: String,
    #[prop(default = "heading-l")] class: &'static str,
    /// Whether the heading takes focus; `false` when an error summary appears with it and
    /// takes focus instead.
    #[prop(default = true)]
    focus: bool,
) -> impl IntoView {
    let heading = NodeRef::<H1>::new();
    set_title(&page_title(&text, false));
    Effect::new(move || {
        // Not when the app has just taken over a control the person was typing in.
        if let Some(h1) = heading
            .get()
            .filter(|_| focus && !crate::prepaint::focus_carried_over())
        {
            let _ = h1.focus();
        }
    });
    view! {
        <h1 class=class tabindex="-1" node_ref=heading>
            {text}
        </h1>
    }
}
