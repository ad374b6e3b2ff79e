use leptos::html::H1;
use leptos::prelude::*;

use super::focus::focus_kept;
use super::set_page_title;

/// The page's `h1`. It takes focus when it appears, so keyboard and screen-reader users start
/// each page (or step) at its heading, and it names the document's title after itself. It
/// leaves focus alone when the app has just put it back where the person was
/// ([`keep_focus_once`](super::keep_focus_once)).
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
    set_page_title(&text, false);
    Effect::new(move || {
        // `focus_kept` is read (and so cleared) only by a heading that would take focus.
        if let Some(h1) = heading.get().filter(|_| focus && !focus_kept()) {
            let _ = h1.focus();
        }
    });
    view! {
        <h1 class=class tabindex="-1" node_ref=heading>
            {text}
        </h1>
    }
}
