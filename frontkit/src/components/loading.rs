use leptos::either::Either;
use leptos::prelude::*;

/// Shown while a request is under way; announced politely to screen readers. With `heading`,
/// its text is the page's `h1` (for a page that has no other heading while it loads, so the
/// page has a title to go to: the portal, whose pre-paint shows the same while the app loads).
#[component]
pub fn Loading(text: &'static str, #[prop(optional)] heading: bool) -> impl IntoView {
    let text_view = if heading {
        Either::Left(view! { <h1 class="heading-l" tabindex="-1">{text}</h1> })
    } else {
        Either::Right(view! { <p class="body">{text}</p> })
    };
    view! {
        <div class="loading" role="status">
            {text_view}
            <progress class="progress" aria-label=text></progress>
        </div>
    }
}
