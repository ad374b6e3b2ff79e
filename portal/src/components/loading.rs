use leptos::prelude::*;

/// Shown while a request is under way; announced politely to screen readers. Its text is the
/// page's `h1` (index.html's pre-paint shows the same while the app loads).
#[component]
pub fn Loading(text: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status">
            // The page's heading while it loads (a page without an h1 has no title to go to).
            <h1 class="heading-l" tabindex="-1">{text}</h1>
            <progress class="progress" aria-label=text></progress>
        </div>
    }
}
